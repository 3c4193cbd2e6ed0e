package link

import (
	"fmt"
	"time"
)

// Stall stops direction Dir for For once more than After payload bytes have
// been written that way: the write that crosses the mark departs For later,
// and everything behind it queues. Connections survive a stall; a peer's
// deadline may not.
type Stall struct {
	Dir   Direction
	After int64
	For   time.Duration
}

func (f Stall) String() string {
	return fmt.Sprintf("stall %s for %v after %d bytes", f.Dir, f.For, f.After)
}

func (f Stall) plan(dir Direction, sent int64, n int) faultAction {
	if !f.Dir.covers(dir) || sent+int64(n) <= f.After {
		return faultAction{keep: n}
	}
	return faultAction{hit: true, keep: n, stall: f.For, spent: true}
}
