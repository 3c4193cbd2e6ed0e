package imapd

import (
	"github.com/emersion/go-imap/v2"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// \Recent (RFC 3501 2.3.2) is a session's, not a message's: the store
// hands each new message to one claimer (mailstore.ClaimRecent). A
// read-write IMAP4rev1 session claims at SELECT and again whenever it is
// about to announce new messages; a read-only one (EXAMINE) sees the
// unclaimed ones at EXAMINE and takes nothing away (RFC 3501 6.3.2); a
// session that enabled IMAP4rev2 has no \Recent (RFC 9051) and claims
// nothing, so those messages stay recent for an IMAP4rev1 session.

// usesRecent says whether this session has \Recent at all.
func (ss *session) usesRecent() bool {
	return !ss.conn.EnabledCaps().Has(imap.CapIMAP4rev2)
}

// claimRecent makes the mailbox's unclaimed recent messages recent in v.
func (ss *session) claimRecent(v *view) {
	claim := ss.store.ClaimRecent
	if v.readOnly {
		claim = ss.store.PeekRecent
	}
	uids, err := claim(ss.user, v.name())
	if err != nil {
		return // deleted meanwhile: nothing is recent
	}
	if v.recent == nil {
		v.recent = map[uint32]bool{}
	}
	for _, uid := range uids {
		v.recent[uid] = true
	}
}

// claimArrivals claims the messages about to be announced with EXISTS.
func (ss *session) claimArrivals(v *view) {
	if len(v.msgs) > v.known && !v.readOnly && ss.usesRecent() {
		ss.claimRecent(v)
	}
}

// numRecent counts the known messages recent in this session.
func (v *view) numRecent() uint32 {
	if len(v.recent) == 0 {
		return 0
	}
	var n uint32
	for _, e := range v.msgs[:v.known] {
		if !e.expunged && v.recent[e.uid] {
			n++
		}
	}
	return n
}

// flagsOf is the FLAGS of a message as this session sees them: the
// stored flags, and \Recent if the message is recent here.
func (v *view) flagsOf(uid uint32, flags []string) []imap.Flag {
	out := imapFlags(flags)
	if v.recent[uid] {
		out = append(out, imap.Flag(mailstore.FlagRecent))
	}
	return out
}
