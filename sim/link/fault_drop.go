package link

import (
	"fmt"
	"time"
)

// Drop makes direction Dir a black hole once After payload bytes have gone
// that way: later bytes leave the sender (and are counted) but never
// arrive. The connection stays open; the reader waits until its deadline
// or until someone closes it. On the virtual clock, where nothing else
// would ever happen, a reader left waiting for bytes a drop ate while its
// peer waits too gives up GiveUp later (virtual time; 0 means
// DefaultDropGiveUp) with a timeout error, as a client's own timeout would.
type Drop struct {
	Dir    Direction
	After  int64
	GiveUp time.Duration
}

// DefaultDropGiveUp is how long a reader on the virtual clock waits for
// dropped bytes before it gives up (see Drop): a mail client's usual
// network timeout.
const DefaultDropGiveUp = time.Minute

func (f Drop) String() string {
	return fmt.Sprintf("drop %s after %d bytes", f.Dir, f.After)
}

func (f Drop) plan(w write) faultAction {
	dir, sent, n := w.dir, w.sent, w.n
	if !f.Dir.covers(dir) || sent+int64(n) <= f.After {
		return faultAction{keep: n}
	}
	keep := int(f.After - sent)
	if keep < 0 {
		keep = 0
	}
	giveUp := f.GiveUp
	if giveUp <= 0 {
		giveUp = DefaultDropGiveUp
	}
	return faultAction{hit: true, keep: keep, drop: true, giveUp: giveUp}
}
