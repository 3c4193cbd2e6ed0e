package mailstore

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// newStore returns a store with user alice (password "secret", no quota).
func newStore(t testing.TB, opts *Options) *Store {
	t.Helper()
	s := New(opts)
	if err := s.AddUser("alice", "secret", 0); err != nil {
		t.Fatalf("AddUser(alice) = %v, want nil", err)
	}
	return s
}

// msg returns a small distinct message of roughly n bytes.
func msg(i int, n int) []byte {
	body := make([]byte, 0, n)
	for len(body) < n {
		body = append(body, "lorem ipsum dolor\r\n"...)
	}
	return fmt.Appendf(nil, "Subject: message %d\r\nMessage-ID: <%d@test>\r\n\r\n%s", i, i, body)
}

func mustDeliver(t testing.TB, s *Store, user string, raw []byte, at time.Duration) uint32 {
	t.Helper()
	uid, err := s.Deliver(user, raw, at)
	if err != nil {
		t.Fatalf("Deliver(%s) = %v, want nil", user, err)
	}
	return uid
}

func uidsOf(t testing.TB, s *Store, user, mailbox string) []uint32 {
	t.Helper()
	msgs, err := s.Messages(user, mailbox)
	if err != nil {
		t.Fatalf("Messages(%s, %s) = %v", user, mailbox, err)
	}
	out := make([]uint32, len(msgs))
	for i, m := range msgs {
		out[i] = m.UID
	}
	return out
}

// replay applies a watcher's events to the UID list of its initial
// snapshot, checking that every sequence number agrees, and returns the
// resulting UID list.
func replay(uids []uint32, evs []Event, lastSeq uint64) ([]uint32, error) {
	uids = append([]uint32(nil), uids...)
	for _, ev := range evs {
		if ev.Seq <= lastSeq {
			return nil, fmt.Errorf("event %v Seq %d after %d: not increasing", ev.Kind, ev.Seq, lastSeq)
		}
		lastSeq = ev.Seq
		switch ev.Kind {
		case EventNew:
			if len(uids) > 0 && ev.UID <= uids[len(uids)-1] {
				return nil, fmt.Errorf("new UID %d after %d: not ascending", ev.UID, uids[len(uids)-1])
			}
			uids = append(uids, ev.UID)
			if ev.SeqNum != uint32(len(uids)) {
				return nil, fmt.Errorf("new UID %d SeqNum %d, want %d", ev.UID, ev.SeqNum, len(uids))
			}
		case EventExpunge:
			if ev.SeqNum < 1 || int(ev.SeqNum) > len(uids) || uids[ev.SeqNum-1] != ev.UID {
				return nil, fmt.Errorf("expunge UID %d at SeqNum %d does not match %v", ev.UID, ev.SeqNum, uids)
			}
			uids = append(uids[:ev.SeqNum-1], uids[ev.SeqNum:]...)
		case EventFlags:
			if ev.SeqNum < 1 || int(ev.SeqNum) > len(uids) || uids[ev.SeqNum-1] != ev.UID {
				return nil, fmt.Errorf("flags UID %d at SeqNum %d does not match %v", ev.UID, ev.SeqNum, uids)
			}
		}
		if ev.Kind == EventNew || ev.Kind == EventExpunge || ev.Kind == EventFlags {
			if ev.NumMessages != uint32(len(uids)) {
				return nil, fmt.Errorf("%v UID %d NumMessages %d, want %d", ev.Kind, ev.UID, ev.NumMessages, len(uids))
			}
		}
	}
	return uids, nil
}

func initialUIDs(w *Watcher) []uint32 {
	var out []uint32
	for _, m := range w.Initial().Messages {
		out = append(out, m.UID)
	}
	return out
}

func errIs(err, target error) bool {
	if target == nil {
		return err == nil
	}
	return errors.Is(err, target)
}
