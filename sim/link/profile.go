package link

import (
	"fmt"
	"math"
	"time"
)

// Profile describes one simulated network path between a mail client and
// the servers. A Profile is plain data: it can be copied, compared, stored as
// JSON and edited by the user. The zero Profile is a perfect link: unlimited
// bandwidth, no latency, no overhead, no set-up.
type Profile struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`

	// DownBps and UpBps are the bandwidth from server to client (down) and
	// from client to server (up), in bit/s. 0 means unlimited.
	DownBps int64 `json:"downBps"`
	UpBps   int64 `json:"upBps"`

	// Latency is the one-way propagation delay. The round-trip time is
	// twice this (plus serialisation).
	Latency time.Duration `json:"latency"`

	// Jitter adds a deterministic pseudo-random extra delay in [0, Jitter)
	// to each write; Seed chooses the sequence. The same Seed gives the same
	// delays, so a run with jitter is still reproducible. TCP never
	// reorders, so a write never arrives before the one before it.
	Jitter time.Duration `json:"jitter"`
	Seed   int64         `json:"seed"`

	// MSS is the largest payload per TCP segment (0 means 1460, Ethernet's).
	// Every segment costs HeaderBytes (IP + TCP headers, usually 40) plus
	// FramingBytes (the link layer: PPP/HDLC on dial-up and ISDN, PPPoE on
	// DSL, 0 where it is not modelled) on the wire.
	MSS          int `json:"mss"`
	HeaderBytes  int `json:"headerBytes"`
	FramingBytes int `json:"framingBytes"`

	// HandshakeRTTs is how many round trips a new connection spends before
	// the client may send its first byte: 1 for TCP's three-way handshake
	// (the client's ACK travels with its first data), 0 to skip set-up.
	// TLS needs no entry here: its handshake really crosses the link.
	HandshakeRTTs int `json:"handshakeRtts"`

	// DialTime is how long a dial-up or ISDN call takes to connect before
	// any connection can be made; 0 for always-on links.
	DialTime time.Duration `json:"dialTime"`
	Tariff   Tariff        `json:"tariff"`

	// Offline makes the link unusable: dials fail and open connections are
	// reset.
	Offline bool `json:"offline"`
}

// Tariff is what a connection costs: a price per started billing period
// and a fixed price per call (dial-up) or nothing at all (flat rate).
type Tariff struct {
	PerMinute float64 `json:"perMinute"`
	PerCall   float64 `json:"perCall"`
	// Increment is the billing unit; 0 means per second (no rounding).
	Increment time.Duration `json:"increment"`
	Currency  string        `json:"currency"`
}

// Cost is the price of one call that stayed online for d.
func (t Tariff) Cost(d time.Duration) float64 {
	if t.PerMinute == 0 && t.PerCall == 0 {
		return 0
	}
	if t.Increment > 0 && d > 0 {
		n := (d + t.Increment - 1) / t.Increment
		d = n * t.Increment
	}
	c := t.PerCall + t.PerMinute*d.Minutes()
	return math.Round(c*1e6) / 1e6
}

// Flat reports whether the tariff charges nothing per call or minute.
func (t Tariff) Flat() bool { return t.PerMinute == 0 && t.PerCall == 0 }

// Metered reports whether the link is a line that is dialled and paid
// for by the call: it has a dial time or a tariff that is not flat.
func (p Profile) Metered() bool { return p.DialTime > 0 || !p.Tariff.Flat() }

// RTT is the round-trip propagation time, 2 × Latency.
func (p Profile) RTT() time.Duration { return 2 * p.Latency }

// SegmentPayload is the effective MSS.
func (p Profile) SegmentPayload() int {
	if p.MSS <= 0 {
		return 1460
	}
	return p.MSS
}

// SegmentOverhead is the bytes every segment adds on the wire.
func (p Profile) SegmentOverhead() int { return p.HeaderBytes + p.FramingBytes }

// WireBytes is how many bytes n payload bytes written at once occupy on the
// wire: the payload plus one overhead per MSS-sized segment.
func (p Profile) WireBytes(n int) int {
	if n <= 0 {
		return 0
	}
	mss := p.SegmentPayload()
	segs := (n + mss - 1) / mss
	return n + segs*p.SegmentOverhead()
}

// Segments is how many segments n payload bytes written at once need.
func (p Profile) Segments(n int) int {
	if n <= 0 {
		return 0
	}
	mss := p.SegmentPayload()
	return (n + mss - 1) / mss
}

// Serialise is how long wire bytes take to cross a direction of bps bit/s.
func Serialise(wire int64, bps int64) time.Duration {
	if bps <= 0 || wire <= 0 {
		return 0
	}
	// wire*8*1e9 overflows int64 only beyond ~1.1 GB in one write.
	if wire < math.MaxInt64/(8*int64(time.Second)) {
		return time.Duration(wire * 8 * int64(time.Second) / bps)
	}
	return time.Duration(float64(wire) * 8 * float64(time.Second) / float64(bps))
}

// Setup is the virtual time a new connection spends before the client's
// first byte may leave.
func (p Profile) Setup() time.Duration { return time.Duration(p.HandshakeRTTs) * p.RTT() }

// Validate reports a profile that cannot be simulated.
func (p Profile) Validate() error {
	switch {
	case p.DownBps < 0 || p.UpBps < 0:
		return fmt.Errorf("link: profile %q: negative bandwidth", p.ID)
	case p.Latency < 0 || p.Jitter < 0 || p.DialTime < 0:
		return fmt.Errorf("link: profile %q: negative duration", p.ID)
	case p.MSS < 0 || p.HeaderBytes < 0 || p.FramingBytes < 0 || p.HandshakeRTTs < 0:
		return fmt.Errorf("link: profile %q: negative segment size", p.ID)
	}
	return nil
}

// FormatBps renders a bandwidth for people: "33.6 kbit/s", "8 Mbit/s".
func FormatBps(bps int64) string {
	switch {
	case bps <= 0:
		return "unlimited"
	case bps >= 1_000_000_000:
		return trimFloat(float64(bps)/1e9) + " Gbit/s"
	case bps >= 1_000_000:
		return trimFloat(float64(bps)/1e6) + " Mbit/s"
	case bps >= 1_000:
		return trimFloat(float64(bps)/1e3) + " kbit/s"
	}
	return fmt.Sprintf("%d bit/s", bps)
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s
}
