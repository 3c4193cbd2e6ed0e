package mailstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrWatcherClosed is returned by Watcher.Wait once the watcher is closed.
var ErrWatcherClosed = errors.New("mailstore: watcher closed")

// EventKind says what changed.
type EventKind uint8

const (
	// EventNew: a message arrived (Deliver, Append, Copy, Move, import).
	// UID, SeqNum (= NumMessages), Size and Flags describe it.
	EventNew EventKind = iota + 1
	// EventExpunge: a message was removed (IMAP EXPUNGE or MOVE, POP3
	// UPDATE, renaming INBOX). SeqNum is its position just before its
	// removal, counting the removals announced before it, exactly as an
	// IMAP EXPUNGE response numbers it.
	EventExpunge
	// EventFlags: a message's flags changed; Flags is the full new set.
	EventFlags
	// EventMailboxFlags: a new keyword was used in the mailbox; Flags is
	// the mailbox's full flag list (an IMAP FLAGS response).
	EventMailboxFlags
	// EventRenamed: the mailbox was renamed from OldName to Mailbox. The
	// watcher keeps following it.
	EventRenamed
	// EventDeleted: the mailbox (or its user) was deleted. It is the
	// watcher's last event.
	EventDeleted
)

func (k EventKind) String() string {
	switch k {
	case EventNew:
		return "new"
	case EventExpunge:
		return "expunge"
	case EventFlags:
		return "flags"
	case EventMailboxFlags:
		return "mailbox-flags"
	case EventRenamed:
		return "renamed"
	case EventDeleted:
		return "deleted"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one change to a watched mailbox. Replayed in order on the
// watcher's Initial snapshot, the events give the mailbox's current state;
// SeqNum and NumMessages are exactly what an IMAP server's per-mailbox
// tracker needs (EXPUNGE n, EXISTS n, FETCH n (FLAGS ...)).
type Event struct {
	Kind EventKind
	// Seq numbers every change in the store, strictly increasing in the
	// order changes were applied.
	Seq uint64
	// At is the virtual time of the change and Source who made it.
	At     time.Duration
	Source Source
	// Mailbox is the mailbox's name when the change happened.
	Mailbox string
	OldName string // EventRenamed
	UID     uint32 // EventNew, EventExpunge, EventFlags
	SeqNum  uint32 // EventNew, EventExpunge, EventFlags
	// NumMessages is the number of messages in the mailbox right after the
	// change (EventNew, EventExpunge, EventFlags).
	NumMessages uint32
	Size        int64    // EventNew
	Flags       []string // EventNew, EventFlags, EventMailboxFlags
}

// Snapshot is a watched mailbox's state when the Watcher was created:
// the events that follow apply to exactly this state.
type Snapshot struct {
	Mailbox  MailboxInfo
	Status   Status
	Messages []Message // ascending UID; SeqNum is index+1
	// Seq is the store's change counter at the snapshot; every event the
	// watcher receives has a larger Seq.
	Seq uint64
}

// Watcher receives the changes to one mailbox made by anyone, in the order
// they were applied. Its queue is unbounded, so the store never waits for
// a watcher: a reader that never drains only costs memory. You MUST call
// Close when done.
type Watcher struct {
	s       *Store
	mb      *mailbox // guarded by s.mu; nil once closed or deleted
	initial Snapshot

	mu     sync.Mutex
	queue  []Event
	head   int
	name   string
	closed bool

	ready chan struct{} // holds a token while events may be pending
	done  chan struct{} // closed by Close
}

// Watch starts watching a mailbox. The returned watcher's Initial is the
// mailbox's state at this instant; every later change arrives as an Event.
func (s *Store) Watch(userName, mailboxName string) (*Watcher, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, err := s.mailboxLocked(userName, mailboxName)
	if err != nil {
		return nil, err
	}
	w := &Watcher{
		s:     s,
		mb:    mb,
		name:  mb.name,
		ready: make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	w.initial = Snapshot{Mailbox: mb.info(), Status: mb.status(), Seq: s.seq}
	w.initial.Messages = make([]Message, len(mb.msgs))
	for i := range mb.msgs {
		w.initial.Messages[i] = mb.snapshot(i)
	}
	if mb.watchers == nil {
		mb.watchers = make(map[*Watcher]struct{})
	}
	mb.watchers[w] = struct{}{}
	return w, nil
}

// Initial returns the mailbox's state when the watcher was created. The
// slice is shared between calls: do not modify it.
func (w *Watcher) Initial() Snapshot { return w.initial }

// Mailbox returns the watched mailbox's current name.
func (w *Watcher) Mailbox() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.name
}

// Ready returns a channel that receives when events may be pending: an
// IDLE loop selects on it, then drains with Next or Events. Wake-ups
// coalesce and may be spurious.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// Next pops the oldest pending event without blocking.
func (w *Watcher) Next() (Event, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.head == len(w.queue) {
		return Event{}, false
	}
	ev := w.queue[w.head]
	w.queue[w.head] = Event{}
	w.head++
	if w.head == len(w.queue) {
		w.queue, w.head = w.queue[:0], 0
	}
	return ev, true
}

// Events pops all pending events, oldest first.
func (w *Watcher) Events() []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.head == len(w.queue) {
		return nil
	}
	out := append([]Event(nil), w.queue[w.head:]...)
	w.queue, w.head = nil, 0
	return out
}

// Pending returns the number of events waiting.
func (w *Watcher) Pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue) - w.head
}

// Wait blocks until an event is pending, ctx is done (its error is
// returned) or the watcher is closed (ErrWatcherClosed).
func (w *Watcher) Wait(ctx context.Context) error {
	for {
		if w.Pending() > 0 {
			return nil
		}
		select {
		case <-w.ready:
		case <-w.done:
			return ErrWatcherClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close stops the watcher and drops its pending events. It is safe to call
// more than once.
func (w *Watcher) Close() {
	w.s.mu.Lock()
	if w.mb != nil {
		delete(w.mb.watchers, w)
		w.mb = nil
	}
	w.s.mu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.closed = true
	w.queue, w.head = nil, 0
	close(w.done)
}

// push queues ev. Called with s.mu held, which orders all pushes.
func (w *Watcher) push(ev Event) {
	if ev.Flags != nil {
		ev.Flags = append([]string(nil), ev.Flags...)
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	if ev.Kind == EventRenamed {
		w.name = ev.Mailbox
	}
	w.queue = append(w.queue, ev)
	w.mu.Unlock()
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

// emitLocked stamps ev and queues it on mb's watchers.
func (s *Store) emitLocked(mb *mailbox, ev Event, op Op) {
	ev.Seq = s.nextSeqLocked()
	ev.At, ev.Source, ev.Mailbox = op.At, op.Source, mb.name
	if ev.Kind != EventExpunge {
		ev.NumMessages = uint32(len(mb.msgs))
	}
	for w := range mb.watchers {
		w.push(ev)
	}
	s.mailboxChangeLocked(mb, ev)
}
