package scenario

import (
	"math"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/trace"
)

// Protocol is how the devices of a run read mail.
type Protocol string

// The two retrieval models.
const (
	POP3 Protocol = "pop3"
	IMAP Protocol = "imap"
)

// Switches are the round-trip savers a run can turn on. All off is the
// plain lock-step form of each protocol.
type Switches struct {
	// SMTPPipelining sends MAIL, RCPT and DATA in one go (RFC 2920).
	SMTPPipelining bool `yaml:"smtp_pipelining" json:"smtp_pipelining"`
	// POP3Pipelining sends a session's RETRs, then its DELEs, as batches
	// (RFC 2449 PIPELINING).
	POP3Pipelining bool `yaml:"pop3_pipelining" json:"pop3_pipelining"`
	// IMAPHeadersThenBodies makes an offline IMAP device fetch headers
	// first and bodies second instead of whole messages in one FETCH.
	IMAPHeadersThenBodies bool `yaml:"imap_headers_then_bodies" json:"imap_headers_then_bodies"`
}

// LinkInfo is the link a run used, as the comparison reports it.
type LinkInfo struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	DownBps int64   `json:"bandwidth_down_bps"`
	UpBps   int64   `json:"bandwidth_up_bps"`
	RTTms   float64 `json:"rtt_ms"`
	// DialSeconds is how long a call takes to connect; 0 for always-on.
	DialSeconds float64 `json:"dial_seconds"`
	// Metered links are paid by the call and the minute: the runner
	// dials before the network is needed and hangs up after.
	Metered  bool   `json:"metered"`
	Currency string `json:"currency,omitempty"`
}

// Totals are what some actions cost. A run, each step and each device
// has its own.
type Totals struct {
	// SimSeconds is the time spent waiting on the network: dialling plus
	// every networked action from its start to its end. Reading, typing
	// and the hours between steps are not in it (SpanSeconds has those).
	SimSeconds float64 `json:"sim_seconds"`
	// Its parts: dialling, TCP set-up (one handshake per connection),
	// round trips (RoundTrips × RTT) and serialisation (wire bytes over
	// the bandwidth each way). In a lock-step run the parts add up to
	// SimSeconds; overlap (pipelining, IDLE) makes the sum larger.
	DialSeconds      float64 `json:"dial_seconds"`
	SetupSeconds     float64 `json:"setup_seconds"`
	RoundTripSeconds float64 `json:"round_trip_seconds"`
	TransferSeconds  float64 `json:"transfer_seconds"`

	PayloadUp   int64 `json:"payload_bytes_up"`
	PayloadDown int64 `json:"payload_bytes_down"`
	WireUp      int64 `json:"wire_bytes_up"`
	WireDown    int64 `json:"wire_bytes_down"`
	RoundTrips  int64 `json:"round_trips"`
	Connections int   `json:"connections"`
	// Calls counts dial-ups (metered links only).
	Calls int `json:"calls"`
	// OnlineSeconds is time connected: on a metered link the calls, from
	// connecting to hanging up (reading while online included); on an
	// always-on link the time connections to the servers were open.
	OnlineSeconds float64 `json:"online_seconds"`
	// Cost is the calls' price on the link's tariff.
	Cost float64 `json:"cost"`
}

func (t *Totals) add(o Totals) {
	t.SimSeconds += o.SimSeconds
	t.DialSeconds += o.DialSeconds
	t.SetupSeconds += o.SetupSeconds
	t.RoundTripSeconds += o.RoundTripSeconds
	t.TransferSeconds += o.TransferSeconds
	t.PayloadUp += o.PayloadUp
	t.PayloadDown += o.PayloadDown
	t.WireUp += o.WireUp
	t.WireDown += o.WireDown
	t.RoundTrips += o.RoundTrips
	t.Connections += o.Connections
	t.Calls += o.Calls
	t.OnlineSeconds += o.OnlineSeconds
	t.Cost += o.Cost
}

// addAction adds one networked action's counters.
func (t *Totals) addAction(r mua.ActionResult, p link.Profile, metered bool) {
	if r.Offline {
		return
	}
	t.SimSeconds += secs(r.End - r.Start)
	t.SetupSeconds += secs(time.Duration(r.Connections) * p.Setup())
	t.RoundTripSeconds += secs(time.Duration(r.RoundTrips) * p.RTT())
	t.TransferSeconds += secs(link.Serialise(r.WireUp, p.UpBps) + link.Serialise(r.WireDown, p.DownBps))
	t.PayloadUp += r.PayloadUp
	t.PayloadDown += r.PayloadDown
	t.WireUp += r.WireUp
	t.WireDown += r.WireDown
	t.RoundTrips += r.RoundTrips
	t.Connections += r.Connections
	if !metered {
		t.OnlineSeconds += secs(r.OnlineTime)
	}
}

// Result is one run: a scenario, a protocol, a link.
type Result struct {
	Scenario string   `json:"scenario"`
	Protocol Protocol `json:"protocol"`
	Link     LinkInfo `json:"link"`
	Switches Switches `json:"switches"`
	Totals
	// SpanSeconds is the story's length: from the first step's start to
	// the last one's end.
	SpanSeconds float64 `json:"span_seconds"`
	// FirstReadableSeconds is how long after the first step began the
	// first message could be read on some device; nil if none could.
	FirstReadableSeconds *float64 `json:"first_readable_seconds"`
	// MessagesOnServerAfter counts the student's messages left on the
	// server (every folder) at the end, and ServerBytesAfter their size.
	MessagesOnServerAfter int   `json:"messages_on_server_after"`
	ServerBytesAfter      int64 `json:"server_bytes_after"`
	QuotaBytes            int64 `json:"quota_bytes,omitempty"`
	// Delivered and Refused count the mail that arrived from outside
	// during the run, and what the server turned away (mailbox full).
	Delivered int `json:"delivered_messages"`
	Refused   int `json:"refused_messages"`
	// NoticeDelay is, over messages delivered during the run, how long
	// until each device that noticed them first listed them.
	NoticeDelayAvgSeconds *float64 `json:"notice_delay_avg_seconds,omitempty"`
	NoticeDelayMaxSeconds *float64 `json:"notice_delay_max_seconds,omitempty"`

	Devices []DeviceResult `json:"devices"`
	Steps   []StepResult   `json:"steps"`
	// Trace is the run's trace (RunOptions.Trace); nil without it.
	Trace *trace.Snapshot `json:"-"`
}

// DeviceResult is what a device shows at the end and what it spent.
type DeviceResult struct {
	Name   string `json:"name"`
	Policy string `json:"policy"`
	// VisibleMessages is what the device lists (every folder, the Sent
	// folder included); OfflineReadable those it could open with the
	// network gone.
	VisibleMessages  int            `json:"visible_messages"`
	OfflineReadable  int            `json:"offline_readable_messages"`
	Unread           int            `json:"unread_messages"`
	Outbox           int            `json:"outbox_messages"`
	Folders          map[string]int `json:"folders"`
	FirstReadableSec *float64       `json:"first_readable_seconds"`
	Totals
}

// StepResult is one step of the scenario in a run.
type StepResult struct {
	Index  int    `json:"index"` // 1-based, as in the file
	Device string `json:"device"`
	Do     string `json:"do"`
	// StartSeconds and EndSeconds are story time, from the run's start.
	StartSeconds float64 `json:"start_seconds"`
	EndSeconds   float64 `json:"end_seconds"`
	// Outcome says what happened in words ("downloaded 20 messages",
	// "could not open 5: not downloaded and offline").
	Outcome string `json:"outcome"`
	// Failed is true when the step could not do what it was asked.
	Failed bool `json:"failed,omitempty"`
	// VisibleAfter is how many messages each device lists once the step
	// is over (for a delivery: when its last message has arrived).
	VisibleAfter map[string]int `json:"visible_after"`
	Totals
}

func secs(d time.Duration) float64 { return d.Seconds() }

// round6 rounds to the microsecond (or millionth of a currency unit):
// sums of float seconds otherwise print as 0.7800000000000002.
func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

func (t *Totals) round() {
	for _, f := range []*float64{&t.SimSeconds, &t.DialSeconds, &t.SetupSeconds, &t.RoundTripSeconds,
		&t.TransferSeconds, &t.OnlineSeconds, &t.Cost} {
		*f = round6(*f)
	}
}

func roundPtr(f *float64) *float64 {
	if f == nil {
		return nil
	}
	return ptr(round6(*f))
}

func ptr(f float64) *float64 { return &f }

func (r *runner) result() *Result {
	p := r.o.Link
	res := &Result{
		Scenario: r.sc.ID, Protocol: r.o.Protocol, Switches: r.o.Switches,
		Link: LinkInfo{ID: p.ID, Name: p.Name, DownBps: p.DownBps, UpBps: p.UpBps,
			RTTms: float64(p.RTT()) / float64(time.Millisecond), DialSeconds: secs(p.DialTime),
			Metered: r.metered, Currency: p.Tariff.Currency},
		SpanSeconds: secs(r.end - r.start),
		Steps:       r.steps,
		QuotaBytes:  int64(r.sc.Mailbox.Quota),
		Delivered:   len(r.delivered),
		Refused:     r.refused,
	}
	res.MessagesOnServerAfter, res.ServerBytesAfter = r.w.onServer()
	first := time.Duration(-1)
	var delays []time.Duration
	noticed := map[string]time.Duration{} // subject → first device to list it
	for _, a := range r.actors {
		v := a.dev.View()
		dr := DeviceResult{Name: a.spec.Name, Policy: a.dev.Policy().Mode.String(),
			VisibleMessages: v.Visible, OfflineReadable: v.OfflineReadable, Unread: v.Unread,
			Outbox: v.Outbox, Folders: v.Folders, Totals: a.totals}
		if a.firstReadable >= 0 {
			dr.FirstReadableSec = ptr(secs(a.firstReadable - r.start))
			if first < 0 || a.firstReadable < first {
				first = a.firstReadable
			}
		}
		res.Devices = append(res.Devices, dr)
		res.Totals.add(a.totals)
		for _, m := range a.dev.Messages("") {
			if _, ok := r.delivered[m.Subject]; ok {
				if t, seen := noticed[m.Subject]; !seen || m.Received < t {
					noticed[m.Subject] = m.Received
				}
			}
		}
	}
	for subj, t := range noticed {
		if at := r.delivered[subj]; t >= at {
			delays = append(delays, t-at)
		}
	}
	if first >= 0 {
		res.FirstReadableSeconds = ptr(secs(first - r.start))
	}
	if len(delays) > 0 {
		var sum, top time.Duration
		for _, d := range delays {
			sum += d
			top = max(top, d)
		}
		res.NoticeDelayAvgSeconds = ptr(secs(sum / time.Duration(len(delays))))
		res.NoticeDelayMaxSeconds = ptr(secs(top))
	}
	for i := range res.Steps {
		if res.Steps[i].StartSeconds < 0 {
			res.Steps[i].StartSeconds = 0
		} else {
			res.Steps[i].StartSeconds -= secs(r.start)
		}
		res.Steps[i].EndSeconds = max(0, res.Steps[i].EndSeconds-secs(r.start))
	}
	res.Totals.round()
	res.SpanSeconds = round6(res.SpanSeconds)
	res.FirstReadableSeconds = roundPtr(res.FirstReadableSeconds)
	res.NoticeDelayAvgSeconds = roundPtr(res.NoticeDelayAvgSeconds)
	res.NoticeDelayMaxSeconds = roundPtr(res.NoticeDelayMaxSeconds)
	for i := range res.Devices {
		d := &res.Devices[i]
		d.Totals.round()
		d.FirstReadableSec = roundPtr(d.FirstReadableSec)
	}
	for i := range res.Steps {
		st := &res.Steps[i]
		st.Totals.round()
		st.StartSeconds, st.EndSeconds = round6(st.StartSeconds), round6(st.EndSeconds)
	}
	if r.w.rec != nil {
		res.Trace = r.w.rec.Snapshot()
	}
	return res
}
