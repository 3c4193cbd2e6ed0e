package app

import (
	"encoding/base64"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/trace"
)

// PresetDTO is a link profile as the UI sees it: bandwidths in bit/s
// (0 = unlimited), times in milliseconds. (`mailscope presets --json`
// prints the same figures with the CLI's snake_case keys.)
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
		Tariff:      newTariffDTO(p.Tariff),
	}
}

func newTariffDTO(t link.Tariff) TariffDTO {
	return TariffDTO{
		PerMinute:   t.PerMinute,
		PerCall:     t.PerCall,
		IncrementMs: ms(t.Increment),
		Currency:    t.Currency,
		Flat:        t.Flat(),
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

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// TraceBatchDTO is a run of trace events stored by column: the payload of
// trace:append and the events of a snapshot. One JSON object with one
// array (or string) per field instead of one object per event, so the web
// view parses a handful of arrays, not N objects of 18 keys, and copies
// them straight into its columnar log (frontend/src/lib/tracelog.ts).
//
// Every column has N entries, index i being the i-th event; seqs ascend.
// Times are virtual, in microseconds since the lab started; wallMs is Unix
// milliseconds. The small-int columns are strings of one character per
// event: proto, dir and kind a decimal digit (the code at index i being
// proto[i]-'0'), flags a lower-case hex digit (0-9, a-f):
//
//	proto  0 unknown, 1 smtp, 2 pop3, 3 imap
//	dir    0 c2s, 1 s2c
//	kind   0 line, 1 bulk, 2 connect, 3 close, 4 tls, 5 fault, 6 dial
//	flags  bit set: 1 masked (the text holds a secret), 2 more (SMTP "250-"
//	       continuation), 4 tls (crossed the wire encrypted; shown
//	       decrypted), 8 incomplete (cut short when the connection broke:
//	       bytes are what arrived)
//
// text is the line (masked unless reveal is on; a preview for bulk
// payloads); verb, tag, status and code are "" when absent.
//
// announcedAt and announced are the one sparse pair: for each bulk event
// whose size was announced (trace.Event.Announced), its index in this
// batch and that size, indexes ascending. Few events are bulk, so the
// other events cost nothing there.
//
// Example, two events:
//
//	{"n":2,"seq":[7,8],"session":[3,3],"atUs":[1200.5,1900],"arriveUs":[1800,2500.25],
//	 "wallMs":[1764000000000,1764000000001],"bytes":[6,14],"wire":[60,68],
//	 "proto":"22","dir":"01","kind":"00","flags":"00",
//	 "text":["NOOP","+OK"],"verb":["NOOP",""],"tag":["",""],"status":["","+OK"],"code":["",""],
//	 "announcedAt":[],"announced":[]}
type TraceBatchDTO struct {
	N        int       `json:"n"`
	Seq      []uint64  `json:"seq"`
	Session  []uint64  `json:"session"`
	AtUs     []float64 `json:"atUs"`     // first byte left
	ArriveUs []float64 `json:"arriveUs"` // last byte arrived
	WallMs   []int64   `json:"wallMs"`
	Bytes    []int     `json:"bytes"`
	Wire     []int     `json:"wire"`
	Proto    string    `json:"proto"`
	Dir      string    `json:"dir"`
	Kind     string    `json:"kind"`
	Flags    string    `json:"flags"`
	Text     []string  `json:"text"`
	Verb     []string  `json:"verb"`
	Tag      []string  `json:"tag"`
	Status   []string  `json:"status"`
	Code     []string  `json:"code"`

	AnnouncedAt []int    `json:"announcedAt"`
	Announced   []uint32 `json:"announced"`
}

// Bit values of TraceBatchDTO.Flags.
const (
	traceFlagMasked = 1
	traceFlagMore   = 2
	traceFlagTLS    = 4
	// traceFlagIncomplete takes the flags to two digits' worth: they are
	// sent as one hex digit.
	traceFlagIncomplete = 8
)

// hexDigits encodes a flags code as its one character.
const hexDigits = "0123456789abcdef"

// newTraceBatch makes an empty batch with room for n events. Its columns
// are never nil, so an empty batch encodes as empty arrays, not nulls.
func newTraceBatch(n int) *traceBatch {
	return &traceBatch{
		dto: TraceBatchDTO{
			Seq: make([]uint64, 0, n), Session: make([]uint64, 0, n),
			AtUs: make([]float64, 0, n), ArriveUs: make([]float64, 0, n), WallMs: make([]int64, 0, n),
			Bytes: make([]int, 0, n), Wire: make([]int, 0, n),
			Text: make([]string, 0, n), Verb: make([]string, 0, n), Tag: make([]string, 0, n),
			Status: make([]string, 0, n), Code: make([]string, 0, n),
			AnnouncedAt: []int{}, Announced: []uint32{},
		},
		proto: make([]byte, 0, n), dir: make([]byte, 0, n), kind: make([]byte, 0, n), flags: make([]byte, 0, n),
	}
}

// traceBatch builds a TraceBatchDTO one event at a time.
type traceBatch struct {
	dto                     TraceBatchDTO
	proto, dir, kind, flags []byte
}

func (b *traceBatch) len() int { return b.dto.N }

// add appends one event; reveal shows secrets in its text.
func (b *traceBatch) add(ev *trace.Event, reveal bool) {
	d := &b.dto
	d.N++
	d.Seq = append(d.Seq, ev.Seq)
	d.Session = append(d.Session, ev.Session)
	d.AtUs = append(d.AtUs, us(ev.At))
	d.ArriveUs = append(d.ArriveUs, us(ev.Arrive))
	d.WallMs = append(d.WallMs, ev.Wall.UnixMilli())
	d.Bytes = append(d.Bytes, ev.Bytes)
	d.Wire = append(d.Wire, ev.Wire)
	d.Text = append(d.Text, ev.Display(reveal))
	d.Verb = append(d.Verb, ev.Verb)
	d.Tag = append(d.Tag, ev.Tag)
	d.Status = append(d.Status, ev.Status)
	d.Code = append(d.Code, ev.Code)
	proto := byte(0)
	if ev.Protocol <= trace.IMAP {
		proto = byte(ev.Protocol)
	}
	dir := byte(0)
	if ev.Dir != trace.ClientToServer {
		dir = 1
	}
	kind := byte(0)
	if ev.Kind <= trace.KindDial {
		kind = byte(ev.Kind)
	}
	flags := byte(0)
	if ev.Masked() {
		flags |= traceFlagMasked
	}
	if ev.Has(trace.FlagMore) {
		flags |= traceFlagMore
	}
	if ev.Has(trace.FlagTLS) {
		flags |= traceFlagTLS
	}
	if ev.Has(trace.FlagIncomplete) {
		flags |= traceFlagIncomplete
	}
	if ev.Kind == trace.KindBulk && ev.Announced > 0 {
		d.AnnouncedAt = append(d.AnnouncedAt, d.N-1)
		d.Announced = append(d.Announced, ev.Announced)
	}
	b.proto = append(b.proto, '0'+proto)
	b.dir = append(b.dir, '0'+dir)
	b.kind = append(b.kind, '0'+kind)
	b.flags = append(b.flags, hexDigits[flags])
}

// done returns the finished batch.
func (b *traceBatch) done() TraceBatchDTO {
	d := b.dto
	d.Proto, d.Dir, d.Kind, d.Flags = string(b.proto), string(b.dir), string(b.kind), string(b.flags)
	return d
}

// TraceSnapshotDTO is the whole trace so far.
type TraceSnapshotDTO struct {
	Seq      uint64           `json:"seq"` // the last event's seq
	Reveal   bool             `json:"reveal"`
	Events   TraceBatchDTO    `json:"events"`
	Sessions []SessionInfoDTO `json:"sessions"`
	// Aside says what the recorder has set aside to stay within its
	// memory budget; nil when nothing was.
	Aside *TraceAsideDTO `json:"aside,omitempty"`
	// Viewing is the saved trace shown instead of the live lab (see
	// TraceService.Open); nil for the live lab.
	Viewing *TraceViewingDTO `json:"viewing,omitempty"`
}

// TraceAsideDTO tells what older sessions were moved out of memory.
// TraceAsideEventDTO is trace:aside: the sessions the recorder set aside
// since the last one (their events leave the UI's log) and what it holds
// aside in all.
type TraceAsideEventDTO struct {
	Sessions []uint64       `json:"sessions"`
	Aside    *TraceAsideDTO `json:"aside"`
}

type TraceAsideDTO struct {
	Spilled         int    `json:"spilled"`      // sessions moved to disk
	SpilledBytes    int64  `json:"spilledBytes"` // what they held in memory
	Summarised      int    `json:"summarised"`   // sessions kept as their totals only
	SummarisedBytes int64  `json:"summarisedBytes"`
	Text            string `json:"text"` // "412 older sessions (1.2 GB) moved to disk; …"
}

// TraceViewingDTO names the saved trace in view (read-only).
type TraceViewingDTO struct {
	Name   string   `json:"name"`
	Format string   `json:"format"` // "jsonl" or "pcapng"
	Faults []string `json:"faults"` // armed faults saved with it
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
	Cite     string `json:"cite"` // "RFC 1939 §7"; "" for the lab's own rows
	URL      string `json:"url"`  // "https://www.rfc-editor.org/rfc/rfc1939#section-7"; "" for the lab's own rows
}

// ExportDTO is an exported file (a trace, a comparison's CSV) for the UI
// to save.
type ExportDTO struct {
	Name   string `json:"name"`
	Base64 string `json:"base64"`
	Bytes  int    `json:"bytes"`
}

func newExportDTO(name string, data []byte) ExportDTO {
	return ExportDTO{Name: name, Base64: base64.StdEncoding.EncodeToString(data), Bytes: len(data)}
}

// LinkStateDTO is the link panel's state.
type LinkStateDTO struct {
	Profile PresetDTO `json:"profile"`
	Custom  bool      `json:"custom"`
	Offline bool      `json:"offline"`
	Speed   float64   `json:"speed"` // live clock speed factor; 0 while paused
	Paused  bool      `json:"paused"`
	NowUs   float64   `json:"nowUs"` // the live clock's virtual now
	Call    CallDTO   `json:"call"`
}

// CallDTO is the dial-up call meter. On a metered profile (the 56k modem,
// ISDN) the first connection dials; the call stays up while connections
// use it and hangs up on LinkService.Hangup, after idleHangupSeconds with
// nothing open, offline, or on another profile.
//
// link:changed comes when the call starts dialling, connects, goes idle
// (its last connection closed), is busy again, and ends; not while it
// ticks. The UI runs the meter itself: while up and not dialling, the
// call's online time at live time now (µs, from nowUs and speed) is
// onlineSeconds + (now − atUs)/1e6, its cost tariff.perCall +
// tariff.perMinute × the minutes of that time rounded up to whole
// tariff.incrementMs (none: per second), and the total cost so far
// totalCost − cost + that cost. Times are virtual µs since the lab
// started, like nowUs.
type CallDTO struct {
	// Enabled: the lab dials on demand; Metered: the current profile dials.
	Enabled bool `json:"enabled"`
	Metered bool `json:"metered"`
	// Up from the start of dialling until the call ends; Dialling until it
	// connects (at startedUs).
	Up          bool    `json:"up"`
	Dialling    bool    `json:"dialling"`
	DialStartUs float64 `json:"dialStartUs"`
	StartedUs   float64 `json:"startedUs"`
	// AtUs is the moment of this reading; onlineSeconds and cost are the
	// current call's then (0 when no call is up).
	AtUs          float64 `json:"atUs"`
	OnlineSeconds float64 `json:"onlineSeconds"`
	Cost          float64 `json:"cost"`
	// Calls made so far (this one included) and their totals.
	Calls              int     `json:"calls"`
	DialSeconds        float64 `json:"dialSeconds"`
	TotalOnlineSeconds float64 `json:"totalOnlineSeconds"`
	TotalCost          float64 `json:"totalCost"`
	Currency           string  `json:"currency"`
	// Tariff is the current (or last) call's, or the profile's before any.
	Tariff TariffDTO `json:"tariff"`
	// OpenConnections on the call; when none, hangupAtUs is when the
	// line hangs up unless one comes (0: not due).
	OpenConnections   int     `json:"openConnections"`
	IdleHangupSeconds float64 `json:"idleHangupSeconds"` // 0: never
	HangupAtUs        float64 `json:"hangupAtUs"`
	// Ended says why the last call ended: "hangup", "idle", "offline",
	// "profile"; "" before any has.
	Ended string `json:"ended"`
}

// NewCallDTO converts the link's call meter.
func NewCallDTO(c link.CallState) CallDTO {
	return CallDTO{
		Enabled: c.Enabled, Metered: c.Metered, Up: c.Up, Dialling: c.Dialling,
		DialStartUs: us(c.DialStart), StartedUs: us(c.Connected), AtUs: us(c.At),
		OnlineSeconds: c.Online.Seconds(), Cost: c.Cost,
		Calls: c.Calls, DialSeconds: c.TotalDial.Seconds(),
		TotalOnlineSeconds: c.TotalOnline.Seconds(), TotalCost: c.TotalCost,
		Currency: c.Tariff.Currency, Tariff: newTariffDTO(c.Tariff),
		OpenConnections: c.Open, IdleHangupSeconds: c.IdleHangup.Seconds(), HangupAtUs: us(c.HangupAt),
		Ended: c.Ended,
	}
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
	// Cert is the servers' TLS certificate as a client pins it; empty
	// fields without TLS.
	Cert CertDTO `json:"cert"`
	// AutoconfigURL serves Thunderbird's autoconfig document for the
	// listeners while they are on (lab.ServeAutoconfig); "" when off.
	AutoconfigURL string `json:"autoconfigUrl"`
}

// CertDTO is the lab's self-signed certificate (lab.CertInfo).
type CertDTO struct {
	SHA256 string `json:"sha256"` // colon hex, as openssl x509 -fingerprint -sha256 prints it
	PEM    string `json:"pem"`
	File   string `json:"file"` // where it is kept; "" when only in memory
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
	// Example is the curl command line that reaches it (lab.Endpoint.Example).
	Example string `json:"example"`
	// Settings are each client's settings for it (lab.ClientSettings).
	Settings []ClientSnippetDTO `json:"settings"`
}

// ClientSnippetDTO is one client's settings for one listener, to copy.
type ClientSnippetDTO struct {
	Client string `json:"client"` // "thunderbird", "neomutt", "curl", "fetchmail", "openssl", "python"
	Label  string `json:"label"`
	Text   string `json:"text"`
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
	// Report sums the session up from its trace (app/report_dto.go).
	Report *ReportDTO `json:"report"`
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
	// From is the lab user SendMail sends as; a device's Compose sends as
	// the device's account and ignores it.
	From    string   `json:"from"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Body    string   `json:"body"`
}

// DeviceSpecDTO is a device to add.
type DeviceSpecDTO struct {
	Name   string `json:"name"`
	User   string `json:"user"`   // a lab account
	Policy string `json:"policy"` // pop3-delete, pop3-keep, imap-online, imap-offline
}

// DeviceDTO is a simulated mail client.
type DeviceDTO struct {
	Name            string `json:"name"`
	User            string `json:"user"`
	Policy          string `json:"policy"` // pop3-delete, pop3-keep, imap-online, imap-offline
	Visible         int    `json:"visible"`
	OfflineReadable int    `json:"offlineReadable"`
	Unread          int    `json:"unread"`
	Outbox          int    `json:"outbox"` // messages waiting to be sent
	// Folders are the folders the device knows, INBOX first.
	Folders []string `json:"folders"`
	// WorkingOffline is true while the device works offline by choice.
	WorkingOffline bool `json:"workingOffline"`
}

func newDeviceDTO(o lab.DeviceOptions, st lab.DeviceEvent) DeviceDTO {
	folders := st.Folders
	if folders == nil {
		folders = []string{"INBOX"}
	}
	return DeviceDTO{Name: o.Name, User: o.User, Policy: o.Policy.Mode.String(),
		Visible: st.View.Visible, OfflineReadable: st.View.OfflineReadable, Unread: st.View.Unread,
		Outbox: len(st.Outbox), Folders: folders, WorkingOffline: st.Offline}
}

// ActionProgressDTO reports an action starting, finishing or failing.
type ActionProgressDTO struct {
	ID     int    `json:"id"`
	Action string `json:"action"` // send, check, open, reply, compose, mark-read, flag, delete, move, create-folder, search, offline, online
	Device string `json:"device"`
	State  string `json:"state"` // running, done, error
	Error  string `json:"error,omitempty"`
	// Outcome says in a sentence what happened, done or not ("queued in
	// the outbox: the link is offline; it goes at the next connection").
	Outcome string           `json:"outcome,omitempty"`
	Result  *ActionResultDTO `json:"result,omitempty"`
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
	// Outcome says in a sentence what the action did.
	Outcome string `json:"outcome"`
}

// MessageReadDTO is a message opened, as a mail reader shows it
// (mailstore.Read): on a device (its copy), or on the server (Device "",
// ID the UID, Folder the mailbox).
type MessageReadDTO struct {
	Device string `json:"device"`
	ID     int    `json:"id"`
	Folder string `json:"folder"`
	// Headers are From, To, Cc, Date, Subject, Message-ID (those
	// present), decoded; RawHeaders every field as it came.
	Headers    []HeaderDTO `json:"headers"`
	RawHeaders []HeaderDTO `json:"rawHeaders"`
	Text       string      `json:"text"`
	// TextType is text/plain, text/html (tags stripped) or "" (no text).
	TextType    string          `json:"textType"`
	Truncated   bool            `json:"truncated"`
	Attachments []AttachmentDTO `json:"attachments"`
	// Notes say what the reader did or could not do (HTML stripped, a
	// charset shown as it came, a truncated text).
	Notes    []string `json:"notes"`
	Size     int64    `json:"size"` // bytes of the whole message
	Seen     bool     `json:"seen"`
	Flagged  bool     `json:"flagged"`
	Answered bool     `json:"answered"`
	// Result is what opening cost: nothing when the body was on the
	// device, a fetch over the link for an IMAP device reading online.
	Result ActionResultDTO `json:"result"`
}

// HeaderDTO is one header field.
type HeaderDTO struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// AttachmentDTO is a part of a message that is not its text.
type AttachmentDTO struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"` // decoded bytes
}

func newMessageReadDTO(device string, m mua.Message, r mailstore.Reading, res ActionResultDTO) MessageReadDTO {
	d := newReadingDTO(r, int64(len(m.Raw)))
	d.Device, d.ID, d.Folder = device, m.ID, m.Folder
	d.Seen, d.Flagged, d.Answered, d.Result = m.Seen, m.Flagged, m.Answered, res
	return d
}

// newReadingDTO is what a reader shows of a message of size bytes.
func newReadingDTO(r mailstore.Reading, size int64) MessageReadDTO {
	headers := func(hs []mailstore.Header) []HeaderDTO {
		out := make([]HeaderDTO, len(hs))
		for i, h := range hs {
			out[i] = HeaderDTO{Name: h.Name, Value: h.Value}
		}
		return out
	}
	atts := make([]AttachmentDTO, len(r.Attachments))
	for i, a := range r.Attachments {
		atts[i] = AttachmentDTO{Name: a.Name, ContentType: a.ContentType, Size: a.Size}
	}
	notes := append([]string{}, r.Notes...)
	return MessageReadDTO{
		Headers: headers(r.Headers), RawHeaders: headers(r.RawHeaders), Text: r.Text, TextType: r.TextType,
		Truncated: r.Truncated, Attachments: atts, Notes: notes, Size: size}
}

// SearchResultDTO is what a device's search found.
type SearchResultDTO struct {
	// IDs are the matching messages the device holds, by local ID.
	IDs []int `json:"ids"`
	// OnServer is true when the server searched (IMAP SEARCH), false when
	// the device searched its own copies (POP3, or IMAP without a link).
	OnServer bool `json:"onServer"`
	// ServerMatches counts the server's matches, some perhaps not yet on
	// the device.
	ServerMatches int             `json:"serverMatches"`
	Result        ActionResultDTO `json:"result"`
}

func newActionResultDTO(r mua.ActionResult, outcome string) ActionResultDTO {
	fr := -1.0
	if r.FirstReadable >= 0 {
		fr = r.FirstReadable.Seconds()
	}
	return ActionResultDTO{
		Seconds: (r.End - r.Start).Seconds(), Connections: r.Connections, RoundTrips: r.RoundTrips,
		PayloadUp: r.PayloadUp, PayloadDown: r.PayloadDown, WireUp: r.WireUp, WireDown: r.WireDown,
		Downloaded: r.Downloaded, Sent: r.Sent, FirstReadable: fr, Outcome: outcome,
	}
}
