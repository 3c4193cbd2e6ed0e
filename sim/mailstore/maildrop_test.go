package mailstore

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestMaildropLock(t *testing.T) {
	s := newStore(t, nil)
	md, err := s.LockMaildrop("alice")
	if err != nil {
		t.Fatalf("LockMaildrop = %v, want nil", err)
	}
	if !s.MaildropLocked("ALICE") {
		t.Errorf("MaildropLocked = false while held")
	}
	if _, err := s.LockMaildrop("Alice"); !errors.Is(err, ErrMaildropLocked) {
		t.Errorf("second LockMaildrop = %v, want %v", err, ErrMaildropLocked)
	}
	md.Release()
	md.Release() // harmless
	if s.MaildropLocked("alice") {
		t.Errorf("MaildropLocked = true after Release")
	}
	md2, err := s.LockMaildrop("alice")
	if err != nil {
		t.Fatalf("LockMaildrop after Release = %v, want nil", err)
	}
	if _, err := md2.Commit(0); err != nil {
		t.Fatalf("Commit = %v", err)
	}
	if _, err := md2.Commit(0); !errors.Is(err, ErrMaildropClosed) {
		t.Errorf("Commit twice = %v, want %v", err, ErrMaildropClosed)
	}
	if _, err := s.LockMaildrop("alice"); err != nil {
		t.Errorf("LockMaildrop after Commit = %v, want nil", err)
	}
	if _, err := s.LockMaildrop("nobody"); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("LockMaildrop(nobody) = %v, want %v", err, ErrNoSuchUser)
	}
}

func TestMaildropSession(t *testing.T) {
	s := newStore(t, nil)
	var sizes []int64
	for i := range 4 {
		raw := msg(i, 100*(i+1))
		sizes = append(sizes, int64(len(raw)))
		mustDeliver(t, s, "alice", raw, 0)
	}
	md, err := s.LockMaildrop("alice")
	if err != nil {
		t.Fatal(err)
	}
	mustDeliver(t, s, "alice", msg(9, 10), time.Second) // after the lock: not in the maildrop
	if n, size := md.Stat(); n != 4 || size != sizes[0]+sizes[1]+sizes[2]+sizes[3] {
		t.Errorf("Stat() = %d, %d, want 4 messages", n, size)
	}
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"retr 1", func() error { _, err := md.Message(1); return err }, nil},
		{"retr 0", func() error { _, err := md.Message(0); return err }, ErrNoSuchMessage},
		{"retr 5 arrived later", func() error { _, err := md.Message(5); return err }, ErrNoSuchMessage},
		{"dele 2", func() error { return md.MarkDeleted(2) }, nil},
		{"dele 2 again", func() error { return md.MarkDeleted(2) }, ErrMessageDeleted},
		{"retr 2 deleted", func() error { _, err := md.Message(2); return err }, ErrMessageDeleted},
		{"dele 9", func() error { return md.MarkDeleted(9) }, ErrNoSuchMessage},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); !errIs(err, st.want) {
				t.Errorf("%s = %v, want %v", st.name, err, st.want)
			}
		})
	}
	if !md.Deleted(2) || md.Deleted(1) || md.Deleted(99) {
		t.Errorf("Deleted(2, 1, 99) = %v %v %v, want true false false", md.Deleted(2), md.Deleted(1), md.Deleted(99))
	}
	if n, size := md.Stat(); n != 3 || size != sizes[0]+sizes[2]+sizes[3] {
		t.Errorf("Stat() after DELE 2 = %d, %d, want 3 messages without message 2", n, size)
	}
	md.Reset()
	if md.Deleted(2) {
		t.Errorf("Deleted(2) after Reset = true")
	}
	m1, _ := md.Message(1)
	inbox, _ := s.Messages("alice", "INBOX")
	if m1.N != 1 || m1.UIDL != inbox[0].UIDL || !slices.Equal(m1.Raw, inbox[0].Raw) || m1.Size != sizes[0] {
		t.Errorf("Message(1) = N %d UIDL %q size %d, want the first INBOX message", m1.N, m1.UIDL, m1.Size)
	}

	md.MarkDeleted(1)
	md.MarkDeleted(3)
	w, _ := s.Watch("alice", "INBOX")
	defer w.Close()
	n, err := md.Commit(time.Minute)
	if err != nil || n != 2 {
		t.Fatalf("Commit = %d, %v, want 2, nil", n, err)
	}
	if got := uidsOf(t, s, "alice", "INBOX"); !slices.Equal(got, []uint32{2, 4, 5}) {
		t.Errorf("INBOX after Commit = %v, want [2 4 5]", got)
	}
	evs := w.Events()
	if len(evs) != 2 || evs[0].Kind != EventExpunge || evs[0].UID != 1 || evs[1].UID != 3 || evs[1].At != time.Minute {
		t.Errorf("IMAP watcher after Commit = %+v, want expunges of 1 and 3 at 1m", evs)
	}
	if _, err := md.Message(2); !errors.Is(err, ErrMaildropClosed) {
		t.Errorf("Message after Commit = %v, want %v", err, ErrMaildropClosed)
	}
}

func TestMaildropRelease(t *testing.T) {
	s := newStore(t, nil)
	for i := range 3 {
		mustDeliver(t, s, "alice", msg(i, 10), 0)
	}
	md, _ := s.LockMaildrop("alice")
	md.MarkDeleted(1)
	md.MarkDeleted(2)
	md.Release() // the connection dropped
	if got := uidsOf(t, s, "alice", "INBOX"); !slices.Equal(got, []uint32{1, 2, 3}) {
		t.Errorf("INBOX after Release = %v, want all three kept", got)
	}
	if err := md.MarkDeleted(3); !errors.Is(err, ErrMaildropClosed) {
		t.Errorf("MarkDeleted after Release = %v, want %v", err, ErrMaildropClosed)
	}
	if _, err := md.Commit(0); !errors.Is(err, ErrMaildropClosed) {
		t.Errorf("Commit after Release = %v, want %v", err, ErrMaildropClosed)
	}
}

func TestMaildropConcurrentExpunge(t *testing.T) {
	s := newStore(t, nil)
	for i := range 4 {
		mustDeliver(t, s, "alice", msg(i, 10), 0)
	}
	md, _ := s.LockMaildrop("alice")
	// IMAP expunges message 2 and moves message 3 away while POP3 holds the lock.
	s.StoreFlags("alice", "INBOX", UIDSetOf(2), FlagsAdd, []string{FlagDeleted}, Op{})
	s.Expunge("alice", "INBOX", Op{})
	s.Move("alice", "INBOX", "Archive", UIDSetOf(3), Op{})
	m2, err := md.Message(2)
	if err != nil || len(m2.Raw) == 0 {
		t.Errorf("Message(2) after IMAP expunged it = %v, want the snapshot's bytes", err)
	}
	for _, n := range []int{1, 2, 3} {
		md.MarkDeleted(n)
	}
	n, err := md.Commit(0)
	if err != nil || n != 1 {
		t.Errorf("Commit = %d, %v, want 1 (only message 1 was still there), nil", n, err)
	}
	if got := uidsOf(t, s, "alice", "INBOX"); !slices.Equal(got, []uint32{4}) {
		t.Errorf("INBOX after Commit = %v, want [4]", got)
	}
	if got := uidsOf(t, s, "alice", "Archive"); len(got) != 1 {
		t.Errorf("Archive after Commit = %v, want the moved message kept", got)
	}

	// The user is removed while a maildrop is held.
	md2, _ := s.LockMaildrop("alice")
	s.RemoveUser("alice", Op{})
	if _, err := md2.Commit(0); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("Commit after RemoveUser = %v, want %v", err, ErrNoSuchUser)
	}
}

func TestUIDLStable(t *testing.T) {
	s := newStore(t, nil)
	for i := range 3 {
		mustDeliver(t, s, "alice", msg(i, 10), 0)
	}
	list := func() []string {
		md, err := s.LockMaildrop("alice")
		if err != nil {
			t.Fatal(err)
		}
		defer md.Release()
		var out []string
		for _, m := range md.List() {
			out = append(out, m.UIDL)
		}
		return out
	}
	first := list()
	second := list()
	if !slices.Equal(first, second) || len(first) != 3 {
		t.Errorf("UIDLs across sessions = %v then %v, want the same three", first, second)
	}
	seen := map[string]bool{}
	for _, u := range first {
		if seen[u] || len(u) == 0 || len(u) > 70 {
			t.Errorf("UIDL %q duplicate or bad length", u)
		}
		seen[u] = true
		for _, c := range []byte(u) {
			if c < 0x21 || c > 0x7e {
				t.Errorf("UIDL %q has byte %#x outside 0x21-0x7E", u, c)
			}
		}
	}
	// Deleting message 1 keeps the others' UIDLs.
	md, _ := s.LockMaildrop("alice")
	md.MarkDeleted(1)
	md.Commit(0)
	if got := list(); !slices.Equal(got, first[1:]) {
		t.Errorf("UIDLs after deleting the first = %v, want %v", got, first[1:])
	}
	// UIDLs of other mailboxes differ from INBOX's.
	s.Append("alice", "Archive", msg(1, 10), nil, time.Time{}, Op{})
	a, _ := s.Message("alice", "Archive", 1)
	if seen[a.UIDL] {
		t.Errorf("Archive UIDL %q collides with an INBOX UIDL", a.UIDL)
	}
}

// MaildropFree is closed while no session holds the lock, and closes when
// the holder commits or releases.
func TestMaildropFree(t *testing.T) {
	s := newStore(t, nil)
	isClosed := func(c <-chan struct{}) bool {
		select {
		case <-c:
			return true
		default:
			return false
		}
	}
	if !isClosed(s.MaildropFree("alice")) {
		t.Fatal("MaildropFree with no session is not closed")
	}
	for _, end := range []string{"release", "commit"} {
		md, err := s.LockMaildrop("alice")
		if err != nil {
			t.Fatal(err)
		}
		free := s.MaildropFree("alice")
		if isClosed(free) {
			t.Fatalf("%s: MaildropFree closed while the lock is held", end)
		}
		if end == "release" {
			md.Release()
		} else {
			md.Commit(0)
		}
		if !isClosed(free) {
			t.Errorf("MaildropFree still open after %s", end)
		}
	}
}
