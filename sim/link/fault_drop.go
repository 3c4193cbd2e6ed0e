package link

import "fmt"

// Drop makes direction Dir a black hole once After payload bytes have gone
// that way: later bytes leave the sender (and are counted and traced) but
// never arrive. The connection stays open; the reader waits until its
// deadline or until someone closes it.
type Drop struct {
	Dir   Direction
	After int64
}

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
	return faultAction{hit: true, keep: keep, drop: true}
}
