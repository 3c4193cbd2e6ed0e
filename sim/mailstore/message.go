package mailstore

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

type message struct {
	uid   uint32
	raw   []byte // CRLF-normalised; never modified after creation
	at    time.Duration
	date  time.Time
	flags []string // canonical spelling; replaced, never modified in place
}

// Message is a snapshot of a stored message. The caller owns it, except
// Raw, which is shared with the store and must not be modified.
type Message struct {
	UID uint32
	// UIDL is the POP3 unique-id (RFC 1939 7): "<uidvalidity>.<uid>".
	UIDL string
	// SeqNum is the message's 1-based position in its mailbox when the
	// snapshot was taken.
	SeqNum       uint32
	Size         int64
	InternalDate time.Time
	// At is the virtual time the message arrived in this mailbox.
	At    time.Duration
	Flags []string
	Raw   []byte
}

// HasFlag reports whether the message has flag f (case-insensitive).
func (m Message) HasFlag(f string) bool { return hasFlag(m.Flags, f) }

// uidl formats a POP3 unique-id: unique per user because UIDVALIDITY is
// unique per mailbox within a store, at most 21 printable characters.
func uidl(uidValidity, uid uint32) string {
	b := make([]byte, 0, 21)
	b = strconv.AppendUint(b, uint64(uidValidity), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(uid), 10)
	return string(b)
}

func (mb *mailbox) snapshot(i int) Message {
	m := mb.msgs[i]
	return Message{
		UID:          m.uid,
		UIDL:         uidl(mb.uidValidity, m.uid),
		SeqNum:       uint32(i + 1),
		Size:         int64(len(m.raw)),
		InternalDate: m.date,
		At:           m.at,
		Flags:        append([]string(nil), m.flags...),
		Raw:          m.raw,
	}
}

// NormalizeCRLF returns a copy of raw whose line endings are all CRLF: a
// bare LF or a bare CR becomes CRLF.
func NormalizeCRLF(raw []byte) []byte {
	out := make([]byte, 0, len(raw)+len(raw)/64)
	for len(raw) > 0 {
		i := bytes.IndexAny(raw, "\r\n")
		if i < 0 {
			return append(out, raw...)
		}
		out = append(out, raw[:i]...)
		out = append(out, '\r', '\n')
		if raw[i] == '\r' && i+1 < len(raw) && raw[i+1] == '\n' {
			i++
		}
		raw = raw[i+1:]
	}
	return out
}

func (s *Store) checkSize(raw []byte) error {
	if len(raw) == 0 {
		return fmt.Errorf("%w: empty", ErrInvalidMessage)
	}
	if s.maxSize > 0 && int64(len(raw)) > s.maxSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrMessageTooLarge, len(raw), s.maxSize)
	}
	return nil
}

// Deliver stores raw in the user's INBOX at virtual time at, as an SMTP
// delivery does: no flags, internal date Epoch+at, anonymous Source. The
// quota is checked first: over quota it returns an error wrapping
// ErrOverQuota and stores nothing.
func (s *Store) Deliver(userName string, raw []byte, at time.Duration) (uint32, error) {
	return s.Append(userName, Inbox, raw, nil, time.Time{}, Op{At: at})
}

// Append stores raw in a mailbox (IMAP APPEND) and returns its UID. A
// zero date means Epoch+op.At. Flags are validated first; the quota is
// checked before anything is stored.
func (s *Store) Append(userName, mailboxName string, raw []byte, flags []string, date time.Time, op Op) (uint32, error) {
	raw = NormalizeCRLF(raw)
	if err := s.checkSize(raw); err != nil {
		return 0, err
	}
	if err := validateFlags(flags); err != nil {
		return 0, err
	}
	if date.IsZero() {
		date = s.Time(op.At)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, err := s.mailboxLocked(userName, mailboxName)
	if err != nil {
		return 0, err
	}
	if err := checkQuotaLocked(mb.owner, int64(len(raw))); err != nil {
		s.changeLocked(Change{Kind: ChangeRefused, At: op.At, Source: op.Source, User: mb.owner.name, Mailbox: mb.name, Size: int64(len(raw))})
		return 0, err
	}
	return s.appendLocked(mb, raw, flags, date, op)
}

// appendLocked adds a message (raw already normalised and owned by the
// store, flags validated, quota checked) and announces it.
func (s *Store) appendLocked(mb *mailbox, raw []byte, flags []string, date time.Time, op Op) (uint32, error) {
	if mb.uidNext == 0 {
		return 0, fmt.Errorf("%w: %q", ErrUIDSpaceExhausted, mb.name)
	}
	flags, added := mb.canonFlags(flags)
	if added {
		s.emitLocked(mb, Event{Kind: EventMailboxFlags, Flags: mb.flagList()}, op)
	}
	m := &message{uid: mb.uidNext, raw: raw, at: op.At, date: date, flags: flags}
	mb.uidNext++ // wraps to 0 after the last UID: exhausted
	mb.msgs = append(mb.msgs, m)
	mb.size += int64(len(raw))
	mb.owner.used += int64(len(raw))
	s.emitLocked(mb, Event{
		Kind:   EventNew,
		UID:    m.uid,
		SeqNum: uint32(len(mb.msgs)),
		Size:   int64(len(raw)),
		Flags:  flags,
	}, op)
	return m.uid, nil
}

// Messages returns snapshots of all messages in a mailbox, ascending by
// UID (so SeqNum is index+1).
func (s *Store) Messages(userName, mailboxName string) ([]Message, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	mb, err := s.mailboxLocked(userName, mailboxName)
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(mb.msgs))
	for i := range mb.msgs {
		out[i] = mb.snapshot(i)
	}
	return out, nil
}

// Fetch returns snapshots of the messages whose UIDs are in uids,
// ascending. UIDs that do not exist are skipped, as IMAP's UID FETCH does.
func (s *Store) Fetch(userName, mailboxName string, uids UIDSet) ([]Message, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	mb, err := s.mailboxLocked(userName, mailboxName)
	if err != nil {
		return nil, err
	}
	idx := mb.selectLocked(uids)
	out := make([]Message, len(idx))
	for j, i := range idx {
		out[j] = mb.snapshot(i)
	}
	return out, nil
}

// Message returns a snapshot of one message, or an error wrapping
// ErrNoSuchMessage.
func (s *Store) Message(userName, mailboxName string, uid uint32) (Message, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	mb, err := s.mailboxLocked(userName, mailboxName)
	if err != nil {
		return Message{}, err
	}
	i := mb.indexOf(uid)
	if i < 0 {
		return Message{}, fmt.Errorf("%w: UID %d in %q", ErrNoSuchMessage, uid, mb.name)
	}
	return mb.snapshot(i), nil
}

// FlagUpdate is a message's flags after StoreFlags.
type FlagUpdate struct {
	UID    uint32
	SeqNum uint32
	Flags  []string
}

// StoreFlags changes the flags of the messages in uids (IMAP STORE) and
// returns every matched message's flags afterwards, ascending by UID.
// Watchers receive EventFlags only for messages whose flags changed.
func (s *Store) StoreFlags(userName, mailboxName string, uids UIDSet, action FlagAction, flags []string, op Op) ([]FlagUpdate, error) {
	if err := validateFlags(flags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, err := s.mailboxLocked(userName, mailboxName)
	if err != nil {
		return nil, err
	}
	idx := mb.selectLocked(uids)
	if len(idx) == 0 {
		return nil, nil
	}
	var canon []string
	if action == FlagsRemove {
		canon = flags // nothing to register; matching is case-insensitive
	} else {
		var added bool
		canon, added = mb.canonFlags(flags)
		if added {
			s.emitLocked(mb, Event{Kind: EventMailboxFlags, Flags: mb.flagList()}, op)
		}
	}
	out := make([]FlagUpdate, 0, len(idx))
	for _, i := range idx {
		m := mb.msgs[i]
		next := applyFlags(m.flags, action, canon)
		if !sameFlags(next, m.flags) {
			m.flags = next
			s.emitLocked(mb, Event{Kind: EventFlags, UID: m.uid, SeqNum: uint32(i + 1), Flags: next}, op)
		}
		out = append(out, FlagUpdate{UID: m.uid, SeqNum: uint32(i + 1), Flags: append([]string(nil), m.flags...)})
	}
	return out, nil
}

// Expunge removes every message flagged \Deleted from a mailbox (IMAP
// EXPUNGE) and returns their UIDs, ascending. Watchers receive one
// EventExpunge per message, in that order.
func (s *Store) Expunge(userName, mailboxName string, op Op) ([]uint32, error) {
	return s.expunge(userName, mailboxName, nil, op)
}

// ExpungeUIDs is Expunge restricted to uids (UIDPLUS UID EXPUNGE): only
// messages both in uids and flagged \Deleted are removed.
func (s *Store) ExpungeUIDs(userName, mailboxName string, uids UIDSet, op Op) ([]uint32, error) {
	if len(uids) == 0 {
		return nil, nil
	}
	return s.expunge(userName, mailboxName, uids, op)
}

func (s *Store) expunge(userName, mailboxName string, uids UIDSet, op Op) ([]uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, err := s.mailboxLocked(userName, mailboxName)
	if err != nil {
		return nil, err
	}
	var victims []*message
	if uids == nil {
		for _, m := range mb.msgs {
			if hasFlag(m.flags, FlagDeleted) {
				victims = append(victims, m)
			}
		}
	} else {
		for _, i := range mb.selectLocked(uids) {
			if m := mb.msgs[i]; hasFlag(m.flags, FlagDeleted) {
				victims = append(victims, m)
			}
		}
	}
	return s.removeLocked(mb, victims, op), nil
}

// removeLocked removes victims (ascending UID, all in mb) and announces
// each expunge with its sequence number at the moment it is removed, as
// IMAP's EXPUNGE responses number them.
func (s *Store) removeLocked(mb *mailbox, victims []*message, op Op) []uint32 {
	if len(victims) == 0 {
		return nil
	}
	uids := make([]uint32, 0, len(victims))
	kept := mb.msgs[:0]
	v := 0
	for i, m := range mb.msgs {
		if v < len(victims) && victims[v] == m {
			v++
			uids = append(uids, m.uid)
			mb.size -= int64(len(m.raw))
			mb.owner.used -= int64(len(m.raw))
			s.emitLocked(mb, Event{
				Kind:        EventExpunge,
				UID:         m.uid,
				SeqNum:      uint32(i + 1 - (v - 1)),
				NumMessages: uint32(len(mb.msgs) - v),
			}, op)
			continue
		}
		kept = append(kept, m)
	}
	for i := len(kept); i < len(mb.msgs); i++ {
		mb.msgs[i] = nil // let the GC have the removed messages
	}
	mb.msgs = kept
	return uids
}

// CopyResult describes a COPY or MOVE: SourceUIDs[i] became DestUIDs[i]
// in the destination mailbox, whose UIDVALIDITY is given (RFC 4315 COPYUID).
type CopyResult struct {
	UIDValidity uint32
	SourceUIDs  []uint32
	DestUIDs    []uint32
}

// Copy copies the messages in uids to another mailbox of the same user,
// keeping flags and internal dates (IMAP COPY). The quota is checked for
// all of them first. Copying to the same mailbox is allowed.
func (s *Store) Copy(userName, from, to string, uids UIDSet, op Op) (CopyResult, error) {
	return s.copyMove(userName, from, to, uids, op, false)
}

// Move moves the messages in uids to another mailbox (RFC 6851 MOVE):
// atomically a copy, then their removal from the source, which watchers of
// the source see as one EventExpunge per message. Moving needs no quota.
func (s *Store) Move(userName, from, to string, uids UIDSet, op Op) (CopyResult, error) {
	return s.copyMove(userName, from, to, uids, op, true)
}

func (s *Store) copyMove(userName, from, to string, uids UIDSet, op Op, move bool) (CopyResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return CopyResult{}, err
	}
	src, err := mailboxOf(u, from)
	if err != nil {
		return CopyResult{}, err
	}
	dst, err := mailboxOf(u, to)
	if err != nil {
		return CopyResult{}, err
	}
	idx := src.selectLocked(uids)
	res := CopyResult{UIDValidity: dst.uidValidity}
	if len(idx) == 0 {
		return res, nil
	}
	msgs := make([]*message, len(idx))
	var total int64
	for j, i := range idx {
		msgs[j] = src.msgs[i]
		total += int64(len(src.msgs[i].raw))
	}
	if !move {
		if err := checkQuotaLocked(u, total); err != nil {
			return CopyResult{}, err
		}
	}
	if uint64(dst.uidNext)+uint64(len(msgs)) > 1<<32 || dst.uidNext == 0 {
		return CopyResult{}, fmt.Errorf("%w: %q", ErrUIDSpaceExhausted, dst.name)
	}
	for _, m := range msgs {
		uid, err := s.appendLocked(dst, m.raw, m.flags, m.date, op)
		if err != nil { // cannot happen: UID space checked above
			return res, err
		}
		res.SourceUIDs = append(res.SourceUIDs, m.uid)
		res.DestUIDs = append(res.DestUIDs, uid)
	}
	if move {
		// appendLocked counted the copies in the user's usage and
		// removeLocked discounts the originals. When src == dst the
		// copies sit after the originals, which msgs still points at.
		s.removeLocked(src, msgs, op)
	}
	return res, nil
}
