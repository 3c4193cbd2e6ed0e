package mailstore

import (
	"sort"
	"strconv"
	"strings"
)

// UIDRange is an inclusive range of UIDs. 0 at either end stands for IMAP's
// "*": the largest UID in the mailbox. The ends may come in either order
// ("5:3" is "3:5"), as in IMAP.
type UIDRange struct {
	Start, Stop uint32
}

// UIDSet is a set of UIDs made of ranges (IMAP's sequence-set, applied to
// UIDs). A nil or empty set matches nothing. Following RFC 3501, "n:*"
// matches the largest UID even when n is larger than it.
type UIDSet []UIDRange

// AllUIDs returns the set "1:*".
func AllUIDs() UIDSet { return UIDSet{{Start: 1, Stop: 0}} }

// UIDSetOf returns a set holding exactly uids.
func UIDSetOf(uids ...uint32) UIDSet {
	s := make(UIDSet, 0, len(uids))
	for _, u := range uids {
		if u != 0 {
			s = append(s, UIDRange{Start: u, Stop: u})
		}
	}
	return s
}

// String formats the set in IMAP syntax ("1:3,7,9:*").
func (s UIDSet) String() string {
	var b strings.Builder
	num := func(n uint32) {
		if n == 0 {
			b.WriteByte('*')
		} else {
			b.WriteString(strconv.FormatUint(uint64(n), 10))
		}
	}
	for i, r := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		num(r.Start)
		if r.Stop != r.Start {
			b.WriteByte(':')
			num(r.Stop)
		}
	}
	return b.String()
}

// Contains reports whether the set contains uid in a mailbox whose largest
// UID is maxUID (which "*" stands for).
func (s UIDSet) Contains(uid, maxUID uint32) bool {
	for _, r := range s {
		lo, hi := r.resolve(maxUID)
		if uid >= lo && uid <= hi {
			return true
		}
	}
	return false
}

func (r UIDRange) resolve(maxUID uint32) (lo, hi uint32) {
	lo, hi = r.Start, r.Stop
	if lo == 0 {
		lo = maxUID
	}
	if hi == 0 {
		hi = maxUID
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	return lo, hi
}

// selectLocked returns the indexes of mb's messages in set, ascending.
func (mb *mailbox) selectLocked(set UIDSet) []int {
	n := len(mb.msgs)
	if n == 0 || len(set) == 0 {
		return nil
	}
	maxUID := mb.msgs[n-1].uid
	var idx []int
	for _, r := range set {
		lo, hi := r.resolve(maxUID)
		i := sort.Search(n, func(i int) bool { return mb.msgs[i].uid >= lo })
		for ; i < n && mb.msgs[i].uid <= hi; i++ {
			idx = append(idx, i)
		}
	}
	if len(set) > 1 {
		sort.Ints(idx)
		out := idx[:0]
		for i, x := range idx {
			if i == 0 || x != idx[i-1] {
				out = append(out, x)
			}
		}
		idx = out
	}
	return idx
}

// indexOf returns the index of the message with uid, or -1.
func (mb *mailbox) indexOf(uid uint32) int {
	n := len(mb.msgs)
	i := sort.Search(n, func(i int) bool { return mb.msgs[i].uid >= uid })
	if i < n && mb.msgs[i].uid == uid {
		return i
	}
	return -1
}
