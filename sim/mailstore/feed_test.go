package mailstore

import (
	"fmt"
	"strings"
	"testing"
)

// describe renders changes compactly for comparison.
func describe(cs []Change) string {
	var b []string
	for _, c := range cs {
		s := c.Kind.String() + " " + c.User + "/" + c.Mailbox
		switch c.Kind {
		case ChangeNew, ChangeExpunge, ChangeFlags:
			s += fmt.Sprintf(" uid=%d", c.UID)
		case ChangeRefused, ChangeQuota:
			s += fmt.Sprintf(" size=%d", c.Size)
		case ChangePOP3Marked:
			s += fmt.Sprintf(" #%d n=%d uid=%d", c.Maildrop, c.N, c.UID)
		case ChangePOP3Locked:
			s += fmt.Sprintf(" #%d %v", c.Maildrop, c.UIDs)
		case ChangePOP3Reset, ChangePOP3Committed, ChangePOP3Released:
			s += fmt.Sprintf(" #%d", c.Maildrop)
		case ChangeMailboxRenamed:
			s += " from " + c.OldName
		}
		if c.Kind == ChangeFlags {
			s += " " + strings.Join(c.Flags, ",")
		}
		b = append(b, s)
	}
	return strings.Join(b, "\n")
}

// The feed sees everything, in order: mail arriving, flags, POP3 marks
// that a dropped session drops and a QUIT commits, quota refusals and
// mailboxes coming and going.
func TestFeed(t *testing.T) {
	s := newStore(t, nil)
	mustDeliver(t, s, "alice", msg(1, 100), 0)
	f, st := s.Follow()
	defer f.Close()
	if len(st.Users) != 1 || st.Users[0].Name != "alice" || len(st.Users[0].Mailboxes[0].Messages) != 1 {
		t.Fatalf("Follow state %+v, want alice with 1 message in INBOX", st)
	}
	mustDeliver(t, s, "alice", msg(2, 100), 0)
	if _, err := s.StoreFlags("alice", "INBOX", UIDSetOf(1), FlagsAdd, []string{`\Seen`}, Op{}); err != nil {
		t.Fatal(err)
	}
	// A POP3 session marks message 2 and drops: nothing deleted.
	md, err := s.LockMaildrop("alice")
	if err != nil {
		t.Fatal(err)
	}
	md.MarkDeleted(2)
	md.Release()
	// The next one marks both, resets, marks 1 and quits.
	md, _ = s.LockMaildrop("alice")
	md.MarkDeleted(1)
	md.MarkDeleted(2)
	md.Reset()
	md.MarkDeleted(1)
	md.Commit(0)
	// Over quota: refused, and said.
	s.SetQuota("alice", 150)
	if _, err := s.Deliver("alice", msg(3, 200), 0); err == nil {
		t.Fatal("a delivery over quota was stored")
	}
	s.CreateMailbox("alice", "Work", UseNone)
	s.RenameMailbox("alice", "Work", "Jobs", Op{})
	s.DeleteMailbox("alice", "Jobs", Op{})

	want := `new alice/INBOX uid=2
flags alice/INBOX uid=1 \Seen
pop3-locked alice/INBOX #1 [1 2]
pop3-marked alice/INBOX #1 n=2 uid=2
pop3-released alice/INBOX #1
pop3-locked alice/INBOX #2 [1 2]
pop3-marked alice/INBOX #2 n=1 uid=1
pop3-marked alice/INBOX #2 n=2 uid=2
pop3-reset alice/INBOX #2
pop3-marked alice/INBOX #2 n=1 uid=1
pop3-committed alice/INBOX #2
expunge alice/INBOX uid=1
quota alice/ size=150
refused alice/INBOX size=` + fmt.Sprint(len(NormalizeCRLF(msg(3, 200)))) + `
mailbox-created alice/Work
mailbox-renamed alice/Jobs from Work
mailbox-deleted alice/Jobs`
	got := f.Changes()
	if d := describe(got); d != want {
		t.Errorf("changes:\n%s\nwant:\n%s", d, want)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq <= got[i-1].Seq || got[0].Seq <= st.Seq {
			t.Fatalf("change %d has Seq %d after %d (state at %d): not increasing", i, got[i].Seq, got[i-1].Seq, st.Seq)
		}
	}
	if more := f.Changes(); len(more) != 0 {
		t.Errorf("a second Changes() returned %d more", len(more))
	}
}

// A feed started while a POP3 session holds marks sees them in its state;
// a closed feed gets nothing more; a store without feeds stamps no extra
// changes.
func TestFeedStateAndClose(t *testing.T) {
	s := newStore(t, nil)
	s.AddUser("bob", "b", 0)
	mustDeliver(t, s, "alice", msg(1, 10), 0)
	mustDeliver(t, s, "alice", msg(2, 10), 0)
	seqBefore := s.seq
	md, _ := s.LockMaildrop("alice")
	md.MarkDeleted(2)
	if s.seq != seqBefore {
		t.Errorf("with no feed, POP3 marks moved the change counter %d → %d", seqBefore, s.seq)
	}
	f, st := s.Follow()
	if len(st.Users) != 2 || st.Users[0].Name != "alice" || st.Users[0].Maildrop != md.serial || fmt.Sprint(st.Users[0].Marked) != "[2]" {
		t.Errorf("state users %+v; want alice (holding maildrop %d, 2 marked) and bob", st.Users, md.serial)
	}
	f.Close()
	md.Commit(0)
	select {
	case <-f.Ready():
		if got := f.Changes(); len(got) != 0 {
			t.Errorf("a closed feed got %d changes", len(got))
		}
	default:
	}
	// A new user and its mailboxes.
	g, _ := s.Follow()
	defer g.Close()
	s.AddUser("carol", "c", 5000)
	s.RemoveUser("carol", Op{})
	cs := g.Changes()
	boxes, _ := s.Mailboxes("alice")
	created, deleted := strings.Count(describe(cs), "mailbox-created carol/"), strings.Count(describe(cs), "mailbox-deleted carol/")
	if len(cs) < 2 || cs[0].Kind != ChangeUserAdded || cs[len(cs)-1].Kind != ChangeUserRemoved || created != len(boxes) || deleted != len(boxes) {
		t.Errorf("user changes (want added, %d mailboxes created and deleted, removed):\n%s", len(boxes), describe(cs))
	}
}

// A reader draining the feed while POP3 sessions commit never gets a
// commit without its expunges, nor a MOVE's arrival without its
// departure: Changes never splits an operation.
func TestFeedNeverSplitsAnOperation(t *testing.T) {
	s := newStore(t, nil)
	s.CreateMailbox("alice", "Work", UseNone)
	f, _ := s.Follow()
	defer f.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 300; i++ {
			uid := mustDeliver(t, s, "alice", msg(i, 50), 0)
			if i%2 == 0 {
				md, _ := s.LockMaildrop("alice")
				md.MarkDeleted(md.Len())
				md.Commit(0)
			} else {
				s.Move("alice", "INBOX", "Work", UIDSetOf(uid), Op{})
			}
		}
	}()
	check := func(cs []Change) {
		for i, c := range cs {
			if c.Kind == ChangePOP3Committed && (i+1 >= len(cs) || cs[i+1].Kind != ChangeExpunge) {
				t.Fatalf("a commit without its expunge in the same batch: %s", describe(cs[i:]))
			}
			if c.Kind == ChangeNew && c.Mailbox == "Work" && (i+1 >= len(cs) || cs[i+1].Kind != ChangeExpunge) {
				t.Fatalf("a MOVE's arrival without its departure in the same batch: %s", describe(cs[i:]))
			}
		}
	}
	for {
		select {
		case <-done:
			check(f.Changes())
			return
		default:
			check(f.Changes())
		}
	}
}
