package mua

import (
	"mime"
	"time"

	"github.com/mailscope/mailscope/sim/link"
)

// ActionResult is what one action cost and did.
type ActionResult struct {
	Device string `json:"device"`
	Action string `json:"action"`
	// Start is the virtual time the action began; End the client's clock
	// when it finished (Start for an action that needed no network).
	Start time.Duration `json:"start"`
	End   time.Duration `json:"end"`
	// Offline is true when the action used no network at all.
	Offline bool `json:"offline"`

	// Connections counts the connections the action opened; Reused those
	// it found open from an earlier action (an IDLE session).
	Connections     int           `json:"connections"`
	Reused          int           `json:"reusedConnections,omitempty"`
	PayloadUp       int64         `json:"payloadBytesUp"`
	PayloadDown     int64         `json:"payloadBytesDown"`
	WireUp          int64         `json:"wireBytesUp"`
	WireDown        int64         `json:"wireBytesDown"`
	RoundTrips      int64         `json:"roundTrips"`
	ServerTurns     int64         `json:"serverTurns"`
	OnlineTime      time.Duration `json:"onlineTime"`         // sum of connection durations
	Downloaded      int           `json:"messagesDownloaded"` // bodies that crossed the link
	HeadersOnly     int           `json:"headersDownloaded"`  // headers without a body
	DeletedOnServer int           `json:"deletedOnServer"`
	Sent            int           `json:"messagesSent"`
	// FirstReadable is how long after Start the first message became
	// readable on the device (its body downloaded); -1 if none did.
	FirstReadable time.Duration `json:"firstReadable"`
	// Found is the local IDs a Search matched; ServerMatches how many
	// messages the server's SEARCH matched (IMAP).
	Found         []int `json:"found,omitempty"`
	ServerMatches int   `json:"serverMatches,omitempty"`
	// Noticed is, for an IDLE wait, when the new mail's EXISTS arrived.
	Noticed time.Duration `json:"noticed,omitempty"`
	// Conns is each connection's counters, in the order made.
	Conns []link.Stats `json:"conns,omitempty"`
}

// Duration is End - Start.
func (r ActionResult) Duration() time.Duration { return r.End - r.Start }

// recorder collects the connections of one action.
type recorder struct {
	res   ActionResult
	clock time.Duration
	conns []*link.Conn
	// base holds counters already spent on a connection before this
	// action (a long-lived IDLE connection); subtracted at the end.
	base map[*link.Conn]link.Stats
}

func (d *Device) begin(action string, at time.Duration) *recorder {
	start := max(at, d.now)
	return &recorder{
		res:   ActionResult{Device: d.name, Action: action, Start: start, End: start, FirstReadable: -1},
		clock: start,
	}
}

// now is the latest client clock of the action so far: where the next
// connection starts.
func (r *recorder) now() time.Duration {
	t := r.clock
	for _, c := range r.conns {
		t = max(t, c.Now())
	}
	return t
}

func (r *recorder) add(c *link.Conn) { r.conns = append(r.conns, c) }

// adopt counts a connection opened by an earlier action from here on.
func (r *recorder) adopt(c *link.Conn) {
	if r.base == nil {
		r.base = map[*link.Conn]link.Stats{}
	}
	r.base[c] = c.Stats()
	c.Advance(r.clock)
	r.conns = append(r.conns, c)
}

// readable notes that a message became readable at t.
func (r *recorder) readable(t time.Duration) {
	if r.res.FirstReadable < 0 {
		r.res.FirstReadable = t - r.res.Start
	}
}

func (d *Device) finishLocal(r *recorder) ActionResult {
	r.res.Offline = true
	d.now = max(d.now, r.res.End)
	return r.res
}

// finish totals the connections' counters and moves the device's clock.
func (d *Device) finish(r *recorder) ActionResult {
	res := r.res
	res.End = r.now()
	if len(r.conns) == 0 {
		res.Offline = true
	}
	for _, c := range r.conns {
		s := c.Stats()
		if b, ok := r.base[c]; ok {
			s = diffStats(s, b)
			res.Reused++
		} else {
			res.Connections++
		}
		res.PayloadUp += s.Up.Payload
		res.PayloadDown += s.Down.Payload
		res.WireUp += s.Up.Wire
		res.WireDown += s.Down.Wire
		res.RoundTrips += s.ClientTurns
		res.ServerTurns += s.ServerTurns
		res.OnlineTime += s.End - s.Start
		res.Conns = append(res.Conns, s)
	}
	d.now = max(d.now, res.End)
	return res
}

func diffStats(s, b link.Stats) link.Stats {
	sub := func(x, y link.DirStats) link.DirStats {
		return link.DirStats{Payload: x.Payload - y.Payload, Wire: x.Wire - y.Wire,
			Segments: x.Segments - y.Segments, Writes: x.Writes - y.Writes,
			Lost: x.Lost - y.Lost, LostWire: x.LostWire - y.LostWire}
	}
	s.Up = sub(s.Up, b.Up)
	s.Down = sub(s.Down, b.Down)
	s.ClientTurns -= b.ClientTurns
	s.ServerTurns -= b.ServerTurns
	s.Start = b.End
	return s
}

type mimeDecoder struct{ mime.WordDecoder }

func (m *mimeDecoder) decode(s string) string {
	out, err := m.DecodeHeader(s)
	if err != nil {
		return s
	}
	return out
}
