package mailstore

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// ChangeKind says what changed anywhere in the store.
type ChangeKind uint8

const (
	// ChangeNew: a message arrived in a mailbox (UID, Size, Flags).
	ChangeNew ChangeKind = iota + 1
	// ChangeExpunge: a message left a mailbox (IMAP EXPUNGE or MOVE,
	// POP3 UPDATE).
	ChangeExpunge
	// ChangeFlags: a message's flags changed; Flags is the new set.
	ChangeFlags
	// ChangeMailboxCreated, ChangeMailboxDeleted, ChangeMailboxRenamed
	// (from OldName to Mailbox).
	ChangeMailboxCreated
	ChangeMailboxDeleted
	ChangeMailboxRenamed
	// ChangeUserAdded: a new account (its mailboxes follow as
	// ChangeMailboxCreated). ChangeUserRemoved: an account and its mail
	// went (its mailboxes' ChangeMailboxDeleted come first).
	ChangeUserAdded
	ChangeUserRemoved
	// ChangeQuota: the user's quota changed; Size is the new quota.
	ChangeQuota
	// ChangeRefused: a message of Size bytes was refused for the mailbox:
	// over the user's quota (SMTP 552, IMAP APPEND NO [OVERQUOTA]).
	ChangeRefused
	// ChangePOP3Locked: a POP3 session took the maildrop (RFC 1939
	// TRANSACTION); UIDs are its messages in message-number order.
	ChangePOP3Locked
	// ChangePOP3Marked: DELE marked message N (UID) for deletion at QUIT.
	ChangePOP3Marked
	// ChangePOP3Reset: RSET dropped every mark.
	ChangePOP3Reset
	// ChangePOP3Committed: QUIT's UPDATE state; the marked messages that
	// are still there follow as ChangeExpunge.
	ChangePOP3Committed
	// ChangePOP3Released: the session ended without UPDATE (a dropped
	// connection): its marks are dropped and nothing is deleted.
	ChangePOP3Released
)

var changeNames = [...]string{
	ChangeNew: "new", ChangeExpunge: "expunge", ChangeFlags: "flags",
	ChangeMailboxCreated: "mailbox-created", ChangeMailboxDeleted: "mailbox-deleted", ChangeMailboxRenamed: "mailbox-renamed",
	ChangeUserAdded: "user-added", ChangeUserRemoved: "user-removed", ChangeQuota: "quota", ChangeRefused: "refused",
	ChangePOP3Locked: "pop3-locked", ChangePOP3Marked: "pop3-marked", ChangePOP3Reset: "pop3-reset",
	ChangePOP3Committed: "pop3-committed", ChangePOP3Released: "pop3-released",
}

func (k ChangeKind) String() string {
	if int(k) < len(changeNames) && changeNames[k] != "" {
		return changeNames[k]
	}
	return fmt.Sprintf("ChangeKind(%d)", uint8(k))
}

// Change is one change anywhere in the store, for observers that follow
// everything (the lab's mailbox views): what a Watcher says of one
// mailbox, plus what only the store sees: accounts, quotas, refused
// deliveries and a POP3 session's marks and their fate.
type Change struct {
	Kind ChangeKind
	// Seq orders every change in the store (the same counter as
	// Event.Seq); At is its virtual time and Source who made it.
	Seq     uint64
	At      time.Duration
	Source  Source
	User    string
	Mailbox string
	OldName string // ChangeMailboxRenamed
	UID     uint32 // ChangeNew, ChangeExpunge, ChangeFlags, ChangePOP3Marked
	Size    int64  // ChangeNew, ChangeRefused; ChangeQuota: the quota
	Flags   []string
	// Maildrop numbers the POP3 sessions' locks, from 1 (the ChangePOP3*
	// kinds); N is the message number DELE named.
	Maildrop uint64
	N        int
	UIDs     []uint32 // ChangePOP3Locked
	// Raw is a new message's bytes (ChangeNew): shared, read-only; UIDL
	// its POP3 unique-id.
	Raw  []byte
	UIDL string
}

// State is the whole store at an instant: what a Feed's changes apply to.
type State struct {
	// Seq is the change counter at the snapshot: every change the feed
	// delivers has a larger Seq.
	Seq   uint64
	Users []UserState // sorted by name
}

// UserState is one account in a State.
type UserState struct {
	UserInfo
	Mailboxes []MailboxState // sorted by name
	// Maildrop is the POP3 session holding the lock (0: none); Marked
	// the UIDs it has marked deleted.
	Maildrop uint64
	Marked   []uint32
}

// MailboxState is one mailbox in a State.
type MailboxState struct {
	Info     MailboxInfo
	Status   Status
	Messages []Message // ascending UID; Raw is shared and read-only
}

// Feed receives every change in the store, in the order applied. Its
// queue is unbounded, so the store never waits for it. You MUST call
// Close when done.
type Feed struct {
	s *Store

	mu     sync.Mutex
	queue  []Change
	closed bool

	ready chan struct{} // holds a token while changes may be pending
}

// Follow starts a feed of every change and returns the store's state at
// that instant, which the changes then apply to.
func (s *Store) Follow() (*Feed, State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &Feed{s: s, ready: make(chan struct{}, 1)}
	if s.feeds == nil {
		s.feeds = map[*Feed]struct{}{}
	}
	s.feeds[f] = struct{}{}
	st := State{Seq: s.seq}
	for _, u := range s.users {
		us := UserState{UserInfo: UserInfo{Name: u.name, Quota: u.quota, Used: u.used}}
		for _, n := range sortedBoxNames(u) {
			mb := u.boxes[n]
			ms := MailboxState{Info: mb.info(), Status: mb.status(), Messages: make([]Message, len(mb.msgs))}
			for i := range mb.msgs {
				ms.Messages[i] = mb.snapshot(i)
			}
			us.Mailboxes = append(us.Mailboxes, ms)
		}
		if md := u.maildrop; md != nil {
			us.Maildrop = md.serial
			us.Marked = md.markedUIDs()
		}
		st.Users = append(st.Users, us)
	}
	sort.Slice(st.Users, func(i, j int) bool { return userKey(st.Users[i].Name) < userKey(st.Users[j].Name) })
	return f, st
}

// Ready receives when changes may be pending; wake-ups coalesce.
func (f *Feed) Ready() <-chan struct{} { return f.ready }

// Changes pops every pending change, oldest first. It never splits one
// store operation: a POP3 commit comes with all its expunges, a MOVE with
// both of its halves, so a reader never sees a state the store was never
// in.
func (f *Feed) Changes() []Change {
	f.s.mu.RLock() // operations push with s.mu held: none is half-queued now
	defer f.s.mu.RUnlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.queue
	f.queue = nil
	return out
}

// Close stops the feed and drops what is pending. Safe to call twice.
func (f *Feed) Close() {
	f.s.mu.Lock()
	delete(f.s.feeds, f)
	f.s.mu.Unlock()
	f.mu.Lock()
	f.closed, f.queue = true, nil
	f.mu.Unlock()
}

func (f *Feed) push(c Change) {
	f.mu.Lock()
	if !f.closed {
		f.queue = append(f.queue, c)
	}
	f.mu.Unlock()
	select {
	case f.ready <- struct{}{}:
	default:
	}
}

// Refused records that mail of size bytes for user was refused over quota
// by a server that checked before storing (SMTP answers 552 at RCPT or
// after DATA): the feed says so as ChangeRefused, as it does for a
// refusal the store made itself. size is 0 when it was not yet known.
func (s *Store) Refused(userName string, size int64, op Op) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, err := s.userLocked(userName); err == nil {
		s.changeLocked(Change{Kind: ChangeRefused, At: op.At, Source: op.Source, User: u.name, Mailbox: Inbox, Size: size})
	}
}

// changeLocked stamps c (unless it carries a Seq already) and queues it on
// every feed. Called with s.mu held, which orders all changes.
func (s *Store) changeLocked(c Change) {
	if len(s.feeds) == 0 {
		return
	}
	if c.Seq == 0 {
		c.Seq = s.nextSeqLocked()
	}
	if c.Flags != nil {
		c.Flags = append([]string(nil), c.Flags...)
	}
	for f := range s.feeds {
		f.push(c)
	}
}

// mailboxChangeLocked passes a watcher event on to the feeds.
func (s *Store) mailboxChangeLocked(mb *mailbox, ev Event) {
	if len(s.feeds) == 0 {
		return
	}
	var k ChangeKind
	switch ev.Kind {
	case EventNew:
		k = ChangeNew
	case EventExpunge:
		k = ChangeExpunge
	case EventFlags:
		k = ChangeFlags
	case EventRenamed:
		k = ChangeMailboxRenamed
	case EventDeleted:
		k = ChangeMailboxDeleted
	default:
		return
	}
	c := Change{Kind: k, Seq: ev.Seq, At: ev.At, Source: ev.Source, User: mb.owner.name,
		Mailbox: ev.Mailbox, OldName: ev.OldName, UID: ev.UID, Size: ev.Size, Flags: ev.Flags}
	if k == ChangeNew && len(mb.msgs) > 0 && mb.msgs[len(mb.msgs)-1].uid == ev.UID {
		c.Raw = mb.msgs[len(mb.msgs)-1].raw
	}
	if k == ChangeNew {
		c.UIDL = uidl(mb.uidValidity, ev.UID)
	}
	s.changeLocked(c)
}

// pop3ChangeLocked announces a maildrop's change; called with s.mu held.
func (md *Maildrop) pop3ChangeLocked(k ChangeKind, c Change) {
	c.Kind, c.User, c.Mailbox, c.Maildrop = k, md.u.name, Inbox, md.serial
	if c.At == 0 && md.now != nil {
		c.At = md.now()
	}
	md.s.changeLocked(c)
}

// markedUIDs lists the UIDs marked deleted; called with md.mu or s.mu held
// (marks change only under both).
func (md *Maildrop) markedUIDs() []uint32 {
	var out []uint32
	for i, m := range md.msgs {
		if md.deleted[i] {
			out = append(out, m.UID)
		}
	}
	return out
}
