package mailstore

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestWatchEvents(t *testing.T) {
	s := newStore(t, nil)
	mustDeliver(t, s, "alice", msg(1, 10), 0)
	mustDeliver(t, s, "alice", msg(2, 10), 0)
	w, err := s.Watch("alice", "inbox")
	if err != nil {
		t.Fatalf("Watch = %v", err)
	}
	defer w.Close()
	other, _ := s.Watch("alice", "Archive")
	defer other.Close()
	init := w.Initial()
	if len(init.Messages) != 2 || init.Status.Messages != 2 || init.Mailbox.Name != "INBOX" {
		t.Fatalf("Initial() = %+v, want INBOX with 2 messages", init)
	}
	imap := s.NewSource()
	mustDeliver(t, s, "alice", msg(3, 10), time.Second)
	s.StoreFlags("alice", "INBOX", UIDSetOf(1), FlagsAdd, []string{FlagDeleted, "$Later"}, Op{At: 2 * time.Second, Source: imap})
	s.Expunge("alice", "INBOX", Op{At: 3 * time.Second, Source: imap})

	type ev struct {
		Kind   EventKind
		UID    uint32
		SeqNum uint32
		At     time.Duration
		Source Source
	}
	want := []ev{
		{EventNew, 3, 3, time.Second, 0},
		{EventMailboxFlags, 0, 0, 2 * time.Second, imap},
		{EventFlags, 1, 1, 2 * time.Second, imap},
		{EventExpunge, 1, 1, 3 * time.Second, imap},
	}
	var got []ev
	evs := w.Events()
	for _, e := range evs {
		got = append(got, ev{e.Kind, e.UID, e.SeqNum, e.At, e.Source})
	}
	if !slices.Equal(got, want) {
		t.Errorf("events =\n%v\nwant\n%v", got, want)
	}
	if !slices.Contains(evs[1].Flags, "$Later") {
		t.Errorf("mailbox flags event Flags = %v, want $Later included", evs[1].Flags)
	}
	if r, err := replay(initialUIDs(w), evs, init.Seq); err != nil || !slices.Equal(r, uidsOf(t, s, "alice", "INBOX")) {
		t.Errorf("replay = %v, %v, want current INBOX", r, err)
	}
	if n := other.Pending(); n != 0 {
		t.Errorf("Archive watcher has %d events, want 0", n)
	}
	if _, ok := w.Next(); ok {
		t.Errorf("Next() on drained watcher = true")
	}
	if _, err := s.Watch("alice", "Nope"); !errors.Is(err, ErrNoSuchMailbox) {
		t.Errorf("Watch(Nope) = %v, want %v", err, ErrNoSuchMailbox)
	}
}

func TestWatchWaitAndClose(t *testing.T) {
	s := newStore(t, nil)
	w, _ := s.Watch("alice", "INBOX")
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := w.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait with nothing pending = %v, want %v", err, context.DeadlineExceeded)
	}
	done := make(chan error)
	go func() { done <- w.Wait(context.Background()) }()
	mustDeliver(t, s, "alice", msg(1, 10), 0)
	if err := <-done; err != nil {
		t.Errorf("Wait after delivery = %v, want nil", err)
	}
	select {
	case <-w.Ready():
	default:
		// Wait consumed the token; Pending still says so.
	}
	if w.Pending() != 1 {
		t.Errorf("Pending() = %d, want 1", w.Pending())
	}
	w.Events()
	go func() { done <- w.Wait(context.Background()) }()
	w.Close()
	if err := <-done; !errors.Is(err, ErrWatcherClosed) {
		t.Errorf("Wait on closed watcher = %v, want %v", err, ErrWatcherClosed)
	}
	w.Close() // harmless
	mustDeliver(t, s, "alice", msg(2, 10), 0)
	if n := w.Pending(); n != 0 {
		t.Errorf("closed watcher Pending() = %d, want 0", n)
	}
}

func TestWatchNeverBlocks(t *testing.T) {
	s := newStore(t, nil)
	w, _ := s.Watch("alice", "INBOX") // never read until the end
	defer w.Close()
	for i := range 2000 {
		mustDeliver(t, s, "alice", msg(i, 10), 0)
	}
	evs := w.Events()
	if len(evs) != 2000 || evs[1999].UID != 2000 {
		t.Errorf("unread watcher holds %d events, want 2000 in order", len(evs))
	}
}
