package mailstore

import (
	"fmt"
	"sync"
	"time"
)

// Maildrop is a POP3 session's exclusive hold on a user's INBOX (RFC 1939
// TRANSACTION state). It is a snapshot taken at lock time: messages are
// numbered 1..n and mail arriving later is not in it. Deletions are only
// marks until Commit. You MUST end it with Commit or Release.
//
// Other protocols are not locked out: IMAP may expunge a message meanwhile.
// The maildrop keeps the message's bytes, so RETR still works, and Commit
// skips what is already gone.
type Maildrop struct {
	s    *Store
	u    *user // guarded by s.mu
	name string

	serial uint64               // which lock this is, for Change.Maildrop
	ended  chan struct{}        // closed when the lock is released
	now    func() time.Duration // the session's clock; nil: time 0

	mu      sync.Mutex
	msgs    []MaildropMessage
	deleted []bool // changed with s.mu held too
	closed  bool
}

// MaildropMessage is one message of a maildrop. Raw is shared and
// read-only.
type MaildropMessage struct {
	N            int // 1-based message number
	UID          uint32
	UIDL         string
	Size         int64
	InternalDate time.Time
	Raw          []byte
}

// LockMaildrop locks a user's maildrop for a POP3 session. While it is
// held, another LockMaildrop for the user fails with ErrMaildropLocked.
// It is LockMaildropAt without a clock: the changes the feed announces
// for it are at time 0.
func (s *Store) LockMaildrop(userName string) (*Maildrop, error) {
	return s.LockMaildropAt(userName, nil)
}

// LockMaildropAt is LockMaildrop for a session whose virtual clock is now:
// the feed's POP3 changes for it (locked, marked, reset, released) carry
// the session's time, so they fall in place among the other changes.
func (s *Store) LockMaildropAt(userName string, now func() time.Duration) (*Maildrop, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return nil, err
	}
	if u.maildrop != nil {
		return nil, fmt.Errorf("%w: %s", ErrMaildropLocked, u.name)
	}
	inbox := u.boxes[Inbox]
	md := &Maildrop{s: s, u: u, name: u.name, ended: make(chan struct{}), now: now}
	md.msgs = make([]MaildropMessage, len(inbox.msgs))
	for i, m := range inbox.msgs {
		md.msgs[i] = MaildropMessage{
			N:            i + 1,
			UID:          m.uid,
			UIDL:         uidl(inbox.uidValidity, m.uid),
			Size:         int64(len(m.raw)),
			InternalDate: m.date,
			Raw:          m.raw,
		}
	}
	md.deleted = make([]bool, len(md.msgs))
	u.maildrop = md
	s.maildrops++
	md.serial = s.maildrops
	uids := make([]uint32, len(md.msgs))
	for i, m := range md.msgs {
		uids[i] = m.UID
	}
	md.pop3ChangeLocked(ChangePOP3Locked, Change{UIDs: uids})
	return md, nil
}

// MaildropLocked reports whether a POP3 session holds the user's maildrop.
func (s *Store) MaildropLocked(userName string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[userKey(userName)]
	return u != nil && u.maildrop != nil
}

// Serial numbers the store's POP3 locks, from 1: Change.Maildrop names
// this one so.
func (md *Maildrop) Serial() uint64 { return md.serial }

// MaildropFree returns a channel that is closed once no POP3 session
// holds the user's maildrop: at once if none does now, else when the
// holder commits or releases it. A client retrying after a dropped
// connection waits on it rather than polling; another session may take
// the lock again straight after.
func (s *Store) MaildropFree(userName string) <-chan struct{} {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if u := s.users[userKey(userName)]; u != nil && u.maildrop != nil {
		return u.maildrop.ended
	}
	return closedChan
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// User returns the name of the maildrop's owner.
func (md *Maildrop) User() string { return md.name }

// Len returns the number of messages in the snapshot, deleted ones included
// (the highest valid message number).
func (md *Maildrop) Len() int {
	md.mu.Lock()
	defer md.mu.Unlock()
	return len(md.msgs)
}

// Stat returns the number and total size of the messages not marked
// deleted (POP3 STAT).
func (md *Maildrop) Stat() (count int, size int64) {
	md.mu.Lock()
	defer md.mu.Unlock()
	for i, m := range md.msgs {
		if !md.deleted[i] {
			count++
			size += m.Size
		}
	}
	return count, size
}

// List returns the messages not marked deleted, by number (POP3 LIST and
// UIDL without an argument).
func (md *Maildrop) List() []MaildropMessage {
	md.mu.Lock()
	defer md.mu.Unlock()
	out := make([]MaildropMessage, 0, len(md.msgs))
	for i, m := range md.msgs {
		if !md.deleted[i] {
			out = append(out, m)
		}
	}
	return out
}

// check validates message number n; called with md.mu held.
func (md *Maildrop) check(n int) error {
	if md.closed {
		return ErrMaildropClosed
	}
	if n < 1 || n > len(md.msgs) {
		return fmt.Errorf("%w: message %d", ErrNoSuchMessage, n)
	}
	if md.deleted[n-1] {
		return fmt.Errorf("%w: message %d", ErrMessageDeleted, n)
	}
	return nil
}

// Message returns message n (POP3 LIST n, UIDL n, RETR n, TOP n). A
// message marked deleted gives ErrMessageDeleted, a bad number
// ErrNoSuchMessage.
func (md *Maildrop) Message(n int) (MaildropMessage, error) {
	md.mu.Lock()
	defer md.mu.Unlock()
	if err := md.check(n); err != nil {
		return MaildropMessage{}, err
	}
	return md.msgs[n-1], nil
}

// MarkDeleted marks message n for deletion at Commit (POP3 DELE).
func (md *Maildrop) MarkDeleted(n int) error {
	md.mu.Lock()
	defer md.mu.Unlock()
	if err := md.check(n); err != nil {
		return err
	}
	md.s.mu.Lock()
	defer md.s.mu.Unlock()
	md.deleted[n-1] = true
	md.pop3ChangeLocked(ChangePOP3Marked, Change{UID: md.msgs[n-1].UID, N: n})
	return nil
}

// Deleted reports whether message n is marked deleted.
func (md *Maildrop) Deleted(n int) bool {
	md.mu.Lock()
	defer md.mu.Unlock()
	return n >= 1 && n <= len(md.deleted) && md.deleted[n-1]
}

// Reset unmarks every message (POP3 RSET).
func (md *Maildrop) Reset() {
	md.mu.Lock()
	defer md.mu.Unlock()
	md.s.mu.Lock()
	defer md.s.mu.Unlock()
	clear(md.deleted)
	if !md.closed {
		md.pop3ChangeLocked(ChangePOP3Reset, Change{})
	}
}

// Commit is the UPDATE state (POP3 QUIT): it removes the marked messages
// that are still in INBOX, announces each removal to IMAP watchers as an
// expunge at virtual time at, and releases the lock. It returns how many
// messages it removed. A maildrop already ended gives ErrMaildropClosed.
func (md *Maildrop) Commit(at time.Duration) (int, error) {
	md.mu.Lock()
	defer md.mu.Unlock()
	if md.closed {
		return 0, ErrMaildropClosed
	}
	md.closed = true
	s := md.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if md.u.maildrop == md {
		md.u.maildrop = nil
	}
	defer close(md.ended) // after the changes are announced
	if s.users[userKey(md.name)] != md.u {
		return 0, fmt.Errorf("%w: %q", ErrNoSuchUser, md.name)
	}
	inbox := md.u.boxes[Inbox]
	var victims []*message
	for i, m := range md.msgs {
		if !md.deleted[i] {
			continue
		}
		if j := inbox.indexOf(m.UID); j >= 0 {
			victims = append(victims, inbox.msgs[j])
		}
	}
	md.pop3ChangeLocked(ChangePOP3Committed, Change{At: at})
	// md.msgs ascends by UID, so victims do too.
	s.removeLocked(inbox, victims, Op{At: at})
	return len(victims), nil
}

// Release ends the session without deleting anything, as a dropped
// connection must (RFC 1939 6). It is safe to call after Commit.
func (md *Maildrop) Release() {
	md.mu.Lock()
	defer md.mu.Unlock()
	if md.closed {
		return
	}
	md.closed = true
	md.s.mu.Lock()
	if md.u.maildrop == md {
		md.u.maildrop = nil
	}
	md.pop3ChangeLocked(ChangePOP3Released, Change{})
	close(md.ended)
	md.s.mu.Unlock()
}
