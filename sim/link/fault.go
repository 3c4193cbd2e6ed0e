package link

import (
	"sync"
	"time"
)

// A Fault disturbs the traffic of one connection: see ResetAfter, Stall,
// Drop, and Link.SetOffline and Link.OfflineBetween for the link-wide
// offline state. Inject a fault into an open connection with Conn.Inject,
// or into the next connection the link makes with Link.InjectNext.
type Fault interface {
	String() string
	// plan decides what happens to one write (see write).
	plan(w write) faultAction
}

// write is what a fault's plan knows of one write: its direction, its
// size, the payload bytes already sent that way, and when and how it
// would leave if nothing held it back.
type write struct {
	dir    Direction
	sent   int64 // payload bytes already gone this way
	n      int   // payload bytes in this write
	depart time.Duration
	bps    int64 // the direction's bandwidth (0: unlimited)
	mss    int
	ovh    int
}

// leftBy is how many of the write's bytes have begun to leave by virtual
// time t: those of every segment whose first bit is on the wire before t.
// A segment on the wire is not called back; the ones after it can be.
func (w write) leftBy(t time.Duration) int {
	if t <= w.depart {
		return 0
	}
	for k := 0; k < w.n; k += w.mss {
		if w.depart+Serialise(int64(wireThrough(k, w.mss, w.ovh)), w.bps) >= t {
			return k
		}
	}
	return w.n
}

// leaves is when byte k of the write would begin to leave.
func (w write) leaves(k int) time.Duration {
	return w.depart + Serialise(int64(wireThrough(k, w.mss, w.ovh)), w.bps)
}

// faultAction is a fault's verdict on one write.
type faultAction struct {
	hit   bool // the fault applies to this write
	keep  int  // bytes that get through (when reset or drop)
	reset bool // reset the connection after keep bytes
	drop  bool // bytes beyond keep vanish
	// giveUp is how long a virtual reader waits for dropped bytes (Drop).
	giveUp time.Duration
	// stall holds the write back: its bytes from hold on depart stall
	// later than they would have (hold 0: the whole write waits).
	stall time.Duration
	hold  int
	// stallAt is when the direction stopped, for the trace (0: when the
	// held bytes would have left).
	stallAt time.Duration
	spent   bool // remove the fault afterwards
}

// faultSet is the faults active on one connection.
type faultSet struct {
	mu     sync.Mutex
	faults []Fault
}

func (s *faultSet) add(f Fault) {
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
}

// plan combines the verdicts of every fault for one write: the shortest
// keep, and the stalls added up from the earliest byte any of them holds.
func (s *faultSet) plan(w write) (faultAction, []Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return faultAction{keep: w.n}, nil
	}
	out := faultAction{keep: w.n, hold: w.n}
	var hit []Fault
	kept := s.faults[:0]
	for _, f := range s.faults {
		a := f.plan(w)
		if !a.spent {
			kept = append(kept, f)
		}
		if !a.hit {
			continue
		}
		hit = append(hit, f)
		out.hit = true
		if a.stall > 0 {
			out.stall += a.stall
			out.hold = min(out.hold, a.hold)
			out.stallAt = max(out.stallAt, a.stallAt)
		}
		if a.reset || a.drop {
			if a.keep < out.keep {
				out.keep = a.keep
			}
			out.reset = out.reset || a.reset
			out.drop = out.drop || a.drop
			out.giveUp = max(out.giveUp, a.giveUp)
		}
	}
	s.faults = kept
	if out.stall == 0 {
		out.hold = 0
	}
	return out, hit
}
