package imapd

import (
	"sort"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// view is a selected session's picture of its mailbox: the messages its
// client knows, in sequence-number order, kept up to date from a Watcher.
//
// Sequence numbers only shift when the session writes EXPUNGE responses:
// a message removed by anyone stays in msgs, marked expunged, until then.
// Messages the client has not been told about yet (no EXISTS) sit after
// the first known ones and are invisible to sequence sets.
type view struct {
	w        *mailstore.Watcher
	source   mailstore.Source
	readOnly bool

	msgs  []entry // ascending UID, which is sequence order
	known int     // the client has been told of msgs[:known]
	gone  int     // entries marked expunged, not yet removed
	dirty bool    // some entry may be dirty: update must scan

	mailboxFlags []string // pending FLAGS response, nil if none
	deleted      bool     // the mailbox was deleted under us
	latest       time.Duration

	saved []uint32 // SEARCHRES: UIDs of the last SEARCH RETURN (SAVE)

	recent map[uint32]bool // UIDs recent in this session (recent.go)

	// untagged writes a response line the library has no writer for
	// (session.writeUntagged).
	untagged func(line string) error
}

type entry struct {
	uid      uint32
	flags    []string
	expunged bool // removed from the store; EXPUNGE not yet sent
	dirty    bool // flags changed by someone else; FETCH not yet sent
}

func newView(w *mailstore.Watcher, source mailstore.Source, readOnly bool) *view {
	v := &view{w: w, source: source, readOnly: readOnly}
	init := w.Initial()
	v.msgs = make([]entry, len(init.Messages))
	for i, m := range init.Messages {
		v.msgs[i] = entry{uid: m.UID, flags: m.Flags}
	}
	v.known = len(v.msgs)
	return v
}

func (v *view) close() { v.w.Close() }

// name is the mailbox's current name (it follows renames).
func (v *view) name() string { return v.w.Mailbox() }

// find returns the index of uid in msgs, or -1.
func (v *view) find(uid uint32) int {
	i := sort.Search(len(v.msgs), func(i int) bool { return v.msgs[i].uid >= uid })
	if i < len(v.msgs) && v.msgs[i].uid == uid {
		return i
	}
	return -1
}

// drain applies every pending store event to the view without writing
// anything. Sequence numbers of known messages do not change.
func (v *view) drain() {
	for _, ev := range v.w.Events() {
		v.apply(ev)
	}
}

func (v *view) apply(ev mailstore.Event) {
	if ev.At > v.latest && ev.Source != v.source {
		v.latest = ev.At
	}
	switch ev.Kind {
	case mailstore.EventNew:
		if n := len(v.msgs); n == 0 || v.msgs[n-1].uid < ev.UID {
			v.msgs = append(v.msgs, entry{uid: ev.UID, flags: ev.Flags})
		}
	case mailstore.EventExpunge:
		if i := v.find(ev.UID); i >= 0 && !v.msgs[i].expunged {
			v.msgs[i].expunged = true
			v.gone++
		}
	case mailstore.EventFlags:
		if i := v.find(ev.UID); i >= 0 && !v.msgs[i].expunged {
			v.msgs[i].flags = ev.Flags
			// The session reports its own changes in its STORE and
			// FETCH responses; a later change by someone else makes
			// the entry dirty again.
			v.msgs[i].dirty = ev.Source != v.source
			v.dirty = v.dirty || v.msgs[i].dirty
		}
	case mailstore.EventMailboxFlags:
		v.mailboxFlags = ev.Flags
	case mailstore.EventDeleted:
		v.deleted = true
		for i := range v.msgs {
			if !v.msgs[i].expunged {
				v.msgs[i].expunged = true
				v.gone++
			}
		}
	}
}

// expungeWriter is what EXPUNGE, MOVE and unilateral updates write
// EXPUNGE responses with.
type expungeWriter interface{ WriteExpunge(seqNum uint32) error }

// flushExpunges writes an EXPUNGE for each known message that is gone,
// with the sequence number it has at that moment, and forgets unknown
// messages that are gone. w nil forgets them silently (CLOSE).
func (v *view) flushExpunges(w expungeWriter) error {
	if v.gone == 0 {
		return nil // the common case: nothing to scan for
	}
	kept := v.msgs[:0]
	known := v.known
	var err error
	for i, e := range v.msgs {
		if !e.expunged {
			kept = append(kept, e)
			continue
		}
		if i < v.known {
			known--
			if w != nil && err == nil {
				// Those before it that are gone were removed already.
				err = w.WriteExpunge(uint32(len(kept) + 1))
			}
		}
	}
	clear(v.msgs[len(kept):])
	v.msgs = kept
	v.known = known
	v.gone = 0
	return err
}

// dropUnknownExpunged forgets gone messages the client never heard of;
// it shifts no known sequence number.
func (v *view) dropUnknownExpunged() {
	if v.gone == 0 {
		return
	}
	kept := v.msgs[:v.known]
	for _, e := range v.msgs[v.known:] {
		if !e.expunged {
			kept = append(kept, e)
		} else {
			v.gone--
		}
	}
	clear(v.msgs[len(kept):])
	v.msgs = kept
}

// update writes the pending unilateral responses: EXPUNGE (if allowed),
// EXISTS, FLAGS and FETCH FLAGS.
func (v *view) update(w *imapserver.UpdateWriter, allowExpunge bool) error {
	if allowExpunge {
		if err := v.flushExpunges(w); err != nil {
			return err
		}
	} else {
		v.dropUnknownExpunged()
	}
	if len(v.msgs) > v.known {
		v.known = len(v.msgs)
		if err := w.WriteNumMessages(uint32(v.known)); err != nil {
			return err
		}
		// imapserver drops it for an IMAP4rev2 session.
		if err := w.WriteNumRecent(v.numRecent()); err != nil {
			return err
		}
	}
	if err := v.announceFlags(w); err != nil {
		return err
	}
	if !v.dirty {
		return nil
	}
	v.dirty = false // every known entry is written below; known is all of msgs
	for i := range v.msgs[:v.known] {
		e := &v.msgs[i]
		if !e.dirty || e.expunged {
			continue
		}
		e.dirty = false
		if err := w.WriteMessageFlags(uint32(i+1), imap.UID(e.uid), v.flagsOf(e.uid, e.flags)); err != nil {
			return err
		}
	}
	return nil
}

// resolve returns the indexes (ascending) of the known, not expunged
// messages in a sequence or UID set. "*" is the last known message.
func (v *view) resolve(numSet imap.NumSet) []int {
	if imap.IsSearchRes(numSet) {
		var idx []int
		for _, uid := range v.saved {
			if i := v.find(uid); i >= 0 && i < v.known && !v.msgs[i].expunged {
				idx = append(idx, i)
			}
		}
		return idx
	}
	n := v.known
	if n == 0 {
		return nil
	}
	// Each range becomes a run of indexes found by position (sequence
	// numbers) or binary search (UIDs), so one UID FETCH costs log n,
	// not n.
	var runs [][2]int // [lo, hi) index ranges
	switch set := numSet.(type) {
	case imap.SeqSet:
		for _, r := range set {
			lo, hi := resolveRange(r.Start, r.Stop, uint32(n))
			if lo == 0 {
				lo = 1
			}
			if lo > uint32(n) {
				continue
			}
			runs = append(runs, [2]int{int(lo) - 1, int(min(hi, uint32(n)))})
		}
	case imap.UIDSet:
		maxUID := v.msgs[n-1].uid
		for _, r := range set {
			lo, hi := resolveRange(uint32(r.Start), uint32(r.Stop), maxUID)
			i := sort.Search(n, func(i int) bool { return v.msgs[i].uid >= lo })
			j := sort.Search(n, func(i int) bool { return v.msgs[i].uid > hi })
			if i < j {
				runs = append(runs, [2]int{i, j})
			}
		}
	default:
		return nil
	}
	var idx []int
	if len(runs) == 1 {
		for i := runs[0][0]; i < runs[0][1]; i++ {
			if !v.msgs[i].expunged {
				idx = append(idx, i)
			}
		}
		return idx
	}
	// Several ranges may overlap ("*" resolves late): mark, then collect.
	in := make([]bool, n)
	for _, r := range runs {
		for i := r[0]; i < r[1]; i++ {
			in[i] = true
		}
	}
	for i, ok := range in {
		if ok && !v.msgs[i].expunged {
			idx = append(idx, i)
		}
	}
	return idx
}

// resolveRange turns a range with "*" (0) at either end into bounds.
func resolveRange(start, stop, max uint32) (lo, hi uint32) {
	lo, hi = start, stop
	if lo == 0 {
		lo = max
	}
	if hi == 0 {
		hi = max
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	return lo, hi
}

func seqContains(set imap.SeqSet, num, max uint32) bool {
	for _, r := range set {
		if lo, hi := resolveRange(r.Start, r.Stop, max); num >= lo && num <= hi {
			return true
		}
	}
	return false
}

func uidContains(set imap.UIDSet, uid, maxUID uint32) bool {
	for _, r := range set {
		if lo, hi := resolveRange(uint32(r.Start), uint32(r.Stop), maxUID); uid >= lo && uid <= hi {
			return true
		}
	}
	return false
}

// uids returns the UIDs at the given indexes as a store UID set.
func (v *view) uids(idx []int) mailstore.UIDSet {
	set := make(mailstore.UIDSet, 0, len(idx))
	for _, i := range idx {
		uid := v.msgs[i].uid
		if n := len(set); n > 0 && set[n-1].Stop+1 == uid {
			set[n-1].Stop = uid
			continue
		}
		set = append(set, mailstore.UIDRange{Start: uid, Stop: uid})
	}
	return set
}

func imapFlags(flags []string) []imap.Flag {
	out := make([]imap.Flag, len(flags))
	for i, f := range flags {
		out[i] = imap.Flag(f)
	}
	return out
}
