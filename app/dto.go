package app

import (
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/trace"
)

// PresetDTO is a link profile as the UI and `mailscope presets --json` see
// it: bandwidths in bit/s (0 = unlimited), times in milliseconds.
type PresetDTO struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	DownBps     int64  `json:"downBps"`
	UpBps       int64  `json:"upBps"`
	// RTTMs is the round-trip propagation time, 2 × one-way latency.
	RTTMs      float64   `json:"rttMs"`
	JitterMs   float64   `json:"jitterMs"`
	DialTimeMs float64   `json:"dialTimeMs"`
	Tariff     TariffDTO `json:"tariff"`
}

// TariffDTO is what a connection over the link costs.
type TariffDTO struct {
	PerMinute float64 `json:"perMinute"`
	PerCall   float64 `json:"perCall"`
	// IncrementMs is the billing unit; 0 means per second.
	IncrementMs float64 `json:"incrementMs"`
	Currency    string  `json:"currency"`
	// Flat is true when nothing is charged per call or minute.
	Flat bool `json:"flat"`
}

// NewPresetDTO converts a link profile for the frontend.
func NewPresetDTO(p link.Profile) PresetDTO {
	return PresetDTO{
		ID:          p.ID,
		Name:        p.Name,
		Description: p.Description,
		DownBps:     p.DownBps,
		UpBps:       p.UpBps,
		RTTMs:       ms(p.RTT()),
		JitterMs:    ms(p.Jitter),
		DialTimeMs:  ms(p.DialTime),
		Tariff: TariffDTO{
			PerMinute:   p.Tariff.PerMinute,
			PerCall:     p.Tariff.PerCall,
			IncrementMs: ms(p.Tariff.Increment),
			Currency:    p.Tariff.Currency,
			Flat:        p.Tariff.Flat(),
		},
	}
}

// PresetDTOs converts the built-in presets, slowest first.
func PresetDTOs() []PresetDTO {
	ps := link.Presets()
	out := make([]PresetDTO, len(ps))
	for i, p := range ps {
		out[i] = NewPresetDTO(p)
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// TraceEventDTO is one trace event. Times are virtual, in microseconds
// since the lab started; wall is Unix milliseconds.
type TraceEventDTO struct {
	Seq      uint64  `json:"seq"`
	Session  uint64  `json:"session"`
	Protocol string  `json:"protocol"` // smtp, pop3, imap
	Dir      string  `json:"dir"`      // c2s, s2c
	Kind     string  `json:"kind"`     // line, bulk, connect, close, tls, fault
	AtUs     float64 `json:"atUs"`     // first byte left
	ArriveUs float64 `json:"arriveUs"` // last byte arrived
	WallMs   int64   `json:"wallMs"`
	Bytes    int     `json:"bytes"`
	Wire     int     `json:"wire"`
	Text     string  `json:"text"` // masked unless reveal is on
	Verb     string  `json:"verb,omitempty"`
	Tag      string  `json:"tag,omitempty"`
	Status   string  `json:"status,omitempty"`
	Code     string  `json:"code,omitempty"`
	Masked   bool    `json:"masked,omitempty"` // the text holds a secret
	More     bool    `json:"more,omitempty"`   // SMTP "250-" continuation
	TLS      bool    `json:"tls,omitempty"`    // crossed the wire encrypted; shown decrypted
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func newTraceEventDTO(ev *trace.Event, reveal bool) TraceEventDTO {
	d := TraceEventDTO{
		Seq: ev.Seq, Session: ev.Session, Protocol: ev.Protocol.String(), Kind: ev.Kind.String(),
		AtUs: us(ev.At), ArriveUs: us(ev.Arrive), WallMs: ev.Wall.UnixMilli(),
		Bytes: ev.Bytes, Wire: ev.Wire, Text: ev.Display(reveal),
		Verb: ev.Verb, Tag: ev.Tag, Status: ev.Status, Code: ev.Code,
		Masked: ev.Masked(), More: ev.Has(trace.FlagMore), TLS: ev.Has(trace.FlagTLS),
	}
	if ev.Dir == trace.ClientToServer {
		d.Dir = "c2s"
	} else {
		d.Dir = "s2c"
	}
	return d
}

// TraceBatchDTO is the payload of trace:append.
type TraceBatchDTO struct {
	Events []TraceEventDTO `json:"events"`
}

// TraceSnapshotDTO is the whole trace so far.
type TraceSnapshotDTO struct {
	Seq      uint64           `json:"seq"` // the last event's seq
	Reveal   bool             `json:"reveal"`
	Events   []TraceEventDTO  `json:"events"`
	Sessions []SessionInfoDTO `json:"sessions"`
}

// SessionInfoDTO names one traced connection.
type SessionInfoDTO struct {
	ID       uint64  `json:"id"`
	Protocol string  `json:"protocol"`
	Client   string  `json:"client"`
	Server   string  `json:"server"`
	StartUs  float64 `json:"startUs"`
}

func newSessionInfoDTO(si trace.SessionInfo) SessionInfoDTO {
	return SessionInfoDTO{ID: si.ID, Protocol: si.Protocol.String(), Client: si.ClientAddr, Server: si.ServerAddr, StartUs: us(si.Start)}
}

// ExplanationDTO says what a command, status or code means.
type ExplanationDTO struct {
	Key      string `json:"key"`
	Kind     string `json:"kind"`
	Sentence string `json:"sentence"`
	RFC      int    `json:"rfc"`
	Section  string `json:"section"`
	Cite     string `json:"cite"` // "RFC 1939 §7"
}

// ExportDTO is an exported trace for the UI to save.
type ExportDTO struct {
	Name   string `json:"name"`
	Base64 string `json:"base64"`
	Bytes  int    `json:"bytes"`
}

// LinkStateDTO is the link panel's state.
type LinkStateDTO struct {
	Profile PresetDTO `json:"profile"`
	Custom  bool      `json:"custom"`
	Offline bool      `json:"offline"`
	Speed   float64   `json:"speed"` // live clock speed factor; 0 while paused
	Paused  bool      `json:"paused"`
	NowUs   float64   `json:"nowUs"` // the live clock's virtual now
}

// CustomLinkDTO are the custom link's figures from the sliders.
type CustomLinkDTO struct {
	DownBps  int64   `json:"downBps"`
	UpBps    int64   `json:"upBps"`
	RTTMs    float64 `json:"rttMs"`
	JitterMs float64 `json:"jitterMs"`
}

// LabStateDTO is the servers panel's state.
type LabStateDTO struct {
	Domain    string        `json:"domain"`
	Accounts  []AccountDTO  `json:"accounts"`
	Endpoints []EndpointDTO `json:"endpoints"`
	Listening bool          `json:"listening"`
}

// AccountDTO is one mailbox owner.
type AccountDTO struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Address  string `json:"address"`
	Quota    int64  `json:"quota"` // bytes; 0 = unlimited
	Used     int64  `json:"used"`
	Inbox    int    `json:"inbox"` // messages in INBOX
	Unseen   int    `json:"unseen"`
}

// EndpointDTO is where an outside client connects.
type EndpointDTO struct {
	Service  string `json:"service"`
	Protocol string `json:"protocol"`
	TLS      bool   `json:"tls"`
	Addr     string `json:"addr"`
}

// SessionDTO is one connection with its counters.
type SessionDTO struct {
	SessionInfoDTO
	Open        bool    `json:"open"`
	EndUs       float64 `json:"endUs"`
	PayloadUp   int64   `json:"payloadUp"`
	PayloadDown int64   `json:"payloadDown"`
	WireUp      int64   `json:"wireUp"`
	WireDown    int64   `json:"wireDown"`
	ClientTurns int64   `json:"clientTurns"`
	ServerTurns int64   `json:"serverTurns"`
	closes      int
}

// ConsoleDTO is an open console connection.
type ConsoleDTO struct {
	ID      int      `json:"id"`
	Service string   `json:"service"`
	Addr    string   `json:"addr"`
	Session uint64   `json:"session"` // its trace session
	Verbs   []string `json:"verbs"`   // for completion
}

// ConsoleOutputDTO carries lines a console received (or, for
// console:closed, the reason).
type ConsoleOutputDTO struct {
	ID    int      `json:"id"`
	Lines []string `json:"lines"`
}

// DraftDTO is a mail to send.
type DraftDTO struct {
	From    string   `json:"from"` // a lab user
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Body    string   `json:"body"`
}

// DeviceDTO is a simulated mail client.
type DeviceDTO struct {
	Name            string `json:"name"`
	User            string `json:"user"`
	Policy          string `json:"policy"` // pop3-delete, pop3-keep, imap-online, imap-offline
	Visible         int    `json:"visible"`
	OfflineReadable int    `json:"offlineReadable"`
	Unread          int    `json:"unread"`
}

// ActionProgressDTO reports an action starting, finishing or failing.
type ActionProgressDTO struct {
	ID     int              `json:"id"`
	Action string           `json:"action"` // send, check
	Device string           `json:"device"`
	State  string           `json:"state"` // running, done, error
	Error  string           `json:"error,omitempty"`
	Result *ActionResultDTO `json:"result,omitempty"`
}

// ActionResultDTO is what an action cost.
type ActionResultDTO struct {
	Seconds       float64 `json:"seconds"` // simulated
	Connections   int     `json:"connections"`
	RoundTrips    int64   `json:"roundTrips"`
	PayloadUp     int64   `json:"payloadUp"`
	PayloadDown   int64   `json:"payloadDown"`
	WireUp        int64   `json:"wireUp"`
	WireDown      int64   `json:"wireDown"`
	Downloaded    int     `json:"downloaded"`
	Sent          int     `json:"sent"`
	FirstReadable float64 `json:"firstReadable"` // seconds; -1 if none
}

func newActionResultDTO(r mua.ActionResult) ActionResultDTO {
	fr := -1.0
	if r.FirstReadable >= 0 {
		fr = r.FirstReadable.Seconds()
	}
	return ActionResultDTO{
		Seconds: (r.End - r.Start).Seconds(), Connections: r.Connections, RoundTrips: r.RoundTrips,
		PayloadUp: r.PayloadUp, PayloadDown: r.PayloadDown, WireUp: r.WireUp, WireDown: r.WireDown,
		Downloaded: r.Downloaded, Sent: r.Sent, FirstReadable: fr,
	}
}
