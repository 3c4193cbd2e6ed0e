package link

import (
	"sync/atomic"
	"time"
)

// DirStats counts one direction of a connection.
type DirStats struct {
	Payload  int64 `json:"payload"`  // bytes the protocol wrote that left it (not those still queued when the link went down)
	Wire     int64 `json:"wire"`     // bytes on the wire: payload + segment overhead
	Segments int64 `json:"segments"` // MSS-sized segments
	Writes   int64 `json:"writes"`
	// Lost and LostWire are the part of Payload and Wire that never
	// reached the reader (in flight at a reset or when the link went down,
	// eaten by a drop, or on its way when the
	// reader closed): the trace shows Payload - Lost.
	Lost     int64 `json:"lost,omitempty"`
	LostWire int64 `json:"lostWire,omitempty"`
}

// Stats are one connection's counters.
type Stats struct {
	ID       uint64   `json:"id"`
	Protocol string   `json:"protocol"`
	Up       DirStats `json:"up"`   // client to server
	Down     DirStats `json:"down"` // server to client
	// ClientTurns and ServerTurns count the times each side had to wait
	// for the other: a read that found nothing there yet after the side
	// had written. In a lock-step protocol ClientTurns is the number of
	// round trips.
	ClientTurns int64 `json:"clientTurns"`
	ServerTurns int64 `json:"serverTurns"`
	// Start is the virtual time the client began to connect; End the
	// latest clock of either end.
	Start  time.Duration `json:"start"`
	End    time.Duration `json:"end"`
	Closed bool          `json:"closed"`
	Fault  string        `json:"fault,omitempty"`
}

// Duration is End - Start.
func (s Stats) Duration() time.Duration { return s.End - s.Start }

type dirCounters struct {
	payload, wire, segments, writes atomic.Int64
}

// dirStats is a direction's counters with what it lost.
func (p *pipe) dirStats(d *dirCounters) DirStats {
	s := d.load()
	p.mu.Lock()
	s.Lost, s.LostWire = p.lost, p.lostWire
	s.Payload -= p.unsent
	s.Wire -= p.unsentWire
	p.mu.Unlock()
	return s
}

func (d *dirCounters) load() DirStats {
	return DirStats{
		Payload: d.payload.Load(), Wire: d.wire.Load(),
		Segments: d.segments.Load(), Writes: d.writes.Load(),
	}
}
