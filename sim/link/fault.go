package link

import (
	"sync"
	"time"
)

// A Fault disturbs the traffic of one connection: see ResetAfter, Stall,
// Drop, and Link.SetOffline for the link-wide offline state. Inject a fault
// into an open connection with Conn.Inject, or into the next connection the
// link makes with Link.InjectNext.
type Fault interface {
	String() string
	// plan decides what happens to a write of n bytes in direction dir,
	// after sent bytes have already gone that way.
	plan(dir Direction, sent int64, n int) faultAction
}

// faultAction is a fault's verdict on one write.
type faultAction struct {
	hit   bool          // the fault applies to this write
	keep  int           // bytes that get through (when reset or drop)
	reset bool          // reset the connection after keep bytes
	drop  bool          // bytes beyond keep vanish
	stall time.Duration // the direction stops this long before the write departs
	spent bool          // remove the fault afterwards
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

// plan combines the verdicts of every fault for one write.
func (s *faultSet) plan(dir Direction, sent int64, n int) (faultAction, []Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return faultAction{keep: n}, nil
	}
	out := faultAction{keep: n}
	var hit []Fault
	kept := s.faults[:0]
	for _, f := range s.faults {
		a := f.plan(dir, sent, n)
		if !a.spent {
			kept = append(kept, f)
		}
		if !a.hit {
			continue
		}
		hit = append(hit, f)
		out.hit = true
		out.stall += a.stall
		if a.reset || a.drop {
			if a.keep < out.keep {
				out.keep = a.keep
			}
			out.reset = out.reset || a.reset
			out.drop = out.drop || a.drop
		}
	}
	s.faults = kept
	return out, hit
}
