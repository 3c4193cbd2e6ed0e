package link

import (
	"fmt"
	"time"
)

// Stall stops direction Dir for For once more than After payload bytes have
// been written that way: the write that crosses the mark departs For later,
// and everything behind it queues. Connections survive a stall; a peer's
// deadline may not. For a stall at a time, see FaultSpec (stall,at=).
type Stall struct {
	Dir   Direction
	After int64
	For   time.Duration
}

func (f Stall) String() string {
	return fmt.Sprintf("stall %s for %v after %d bytes", f.Dir, f.For, f.After)
}

func (f Stall) plan(w write) faultAction {
	if !f.Dir.covers(w.dir) || w.sent+int64(w.n) <= f.After {
		return faultAction{keep: w.n}
	}
	return faultAction{hit: true, keep: w.n, stall: f.For, spent: true}
}

// timedStall stops its directions during [from, until) of virtual time
// (a stall,at=AT,for=FOR spec: from is the connection's start + AT).
// Nothing leaves in the window: the first write in each direction that
// would leave at or after from waits until until, and everything behind
// it queues. A write already on its way at from is cut at the segment
// boundary: the segments that had begun to leave before from are on the
// wire and arrive; the rest of it leaves at until. Bytes already on the
// wire keep going, as on a real link whose sender stops. A direction with
// nothing to send in the window is not touched, and neither is a write
// that leaves at or after until. The same rule holds on both clocks: on
// the live clock a write leaves no earlier than the live clock's now.
type timedStall struct {
	dir         Direction
	at          time.Duration // into the connection, as the spec said
	from, until time.Duration
	hit         [2]bool // per direction, for the trace's one mark each
}

func (f *timedStall) String() string {
	return fmt.Sprintf("stall %s for %v at %v", f.dir, f.until-f.from, f.at)
}

// plan runs under the connection's fault lock: the state needs no lock.
func (f *timedStall) plan(w write) faultAction {
	if !f.dir.covers(w.dir) || f.hit[w.dir] {
		return faultAction{keep: w.n, spent: f.done()}
	}
	if w.depart >= f.until {
		// The window passed with nothing to hold this way.
		f.hit[w.dir] = true
		return faultAction{keep: w.n, spent: f.done()}
	}
	// The part that would leave at or after from waits until until.
	hold := w.leftBy(f.from)
	if hold >= w.n {
		return faultAction{keep: w.n} // all of it left before the window
	}
	f.hit[w.dir] = true
	return faultAction{hit: true, keep: w.n, hold: hold, stall: max(0, f.until-w.leaves(hold)), stallAt: max(f.from, w.depart), spent: f.done()}
}

// done reports whether every direction the stall covers is past it.
func (f *timedStall) done() bool {
	if f.dir == Both {
		return f.hit[Up] && f.hit[Down]
	}
	return f.hit[f.dir]
}
