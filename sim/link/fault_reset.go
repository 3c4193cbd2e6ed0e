package link

import "fmt"

// ResetAfter resets the connection once Bytes payload bytes have crossed in
// direction Dir: the bytes up to the limit arrive, then both ends see
// ErrReset, as when a router drops the connection in the middle of a
// transfer.
type ResetAfter struct {
	Dir   Direction
	Bytes int64
}

func (f ResetAfter) String() string {
	return fmt.Sprintf("reset after %d bytes %s", f.Bytes, f.Dir)
}

func (f ResetAfter) plan(w write) faultAction {
	dir, sent, n := w.dir, w.sent, w.n
	if !f.Dir.covers(dir) || sent+int64(n) <= f.Bytes {
		return faultAction{keep: n}
	}
	keep := int(f.Bytes - sent)
	if keep < 0 {
		keep = 0
	}
	return faultAction{hit: true, keep: keep, reset: true, spent: true}
}
