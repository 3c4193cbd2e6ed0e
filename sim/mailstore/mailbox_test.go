package mailstore

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestDefaultFolders(t *testing.T) {
	s := newStore(t, nil)
	boxes, err := s.Mailboxes("alice")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		use  SpecialUse
	}{{"INBOX", UseNone}, {"Archive", UseArchive}, {"Drafts", UseDrafts}, {"Junk", UseJunk}, {"Sent", UseSent}, {"Trash", UseTrash}}
	if len(boxes) != len(want) {
		t.Fatalf("Mailboxes() = %d mailboxes, want %d", len(boxes), len(want))
	}
	seen := map[uint32]bool{}
	for i, w := range want {
		b := boxes[i]
		if b.Name != w.name || b.Use != w.use || !b.Subscribed {
			t.Errorf("Mailboxes()[%d] = %s %q subscribed=%v, want %s %q subscribed", i, b.Name, b.Use, b.Subscribed, w.name, w.use)
		}
		if b.UIDValidity == 0 || seen[b.UIDValidity] || b.UIDNext != 1 {
			t.Errorf("Mailboxes()[%d] UIDVALIDITY %d UIDNEXT %d, want unique nonzero and 1", i, b.UIDValidity, b.UIDNext)
		}
		seen[b.UIDValidity] = true
	}

	s2 := newStore(t, &Options{Folders: []Folder{}})
	if boxes, _ := s2.Mailboxes("alice"); len(boxes) != 1 || boxes[0].Name != "INBOX" {
		t.Errorf("Mailboxes() with Folders{} = %v, want INBOX only", boxes)
	}
	s3 := newStore(t, &Options{FirstUIDValidity: 1700000000})
	if b, _ := s3.Mailbox("alice", "INBOX"); b.UIDValidity != 1700000000 {
		t.Errorf("INBOX UIDVALIDITY = %d, want FirstUIDValidity 1700000000", b.UIDValidity)
	}
}

func TestMailboxNames(t *testing.T) {
	s := newStore(t, nil)
	tests := []struct {
		name    string
		mailbox string
		want    error
		canon   string
	}{
		{"plain", "Work", nil, "Work"},
		{"nested creates parents", "Projects/2026/Q1", nil, "Projects/2026/Q1"},
		{"trailing separator", "Lists/", nil, "Lists"},
		{"inbox child lower case", "inbox/Family", nil, "INBOX/Family"},
		{"case-sensitive other names", "work", nil, "work"},
		{"unicode", "Reçus", nil, "Reçus"},
		{"exists", "Work", ErrMailboxExists, ""},
		{"inbox exists", "Inbox", ErrMailboxExists, ""},
		{"empty", "", ErrInvalidMailboxName, ""},
		{"only separator", "/", ErrInvalidMailboxName, ""},
		{"empty component", "a//b", ErrInvalidMailboxName, ""},
		{"leading separator", "/a", ErrInvalidMailboxName, ""},
		{"wildcard", "a*", ErrInvalidMailboxName, ""},
		{"percent", "a%", ErrInvalidMailboxName, ""},
		{"control", "a\r\nb", ErrInvalidMailboxName, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CreateMailbox("alice", tt.mailbox, UseNone)
			if !errIs(err, tt.want) {
				t.Fatalf("CreateMailbox(%q) = %v, want %v", tt.mailbox, err, tt.want)
			}
			if tt.canon != "" {
				if b, err := s.Mailbox("alice", tt.canon); err != nil || b.Name != tt.canon {
					t.Errorf("Mailbox(%q) = %q, %v, want it to exist", tt.canon, b.Name, err)
				}
			}
		})
	}
	for _, parent := range []string{"Projects", "Projects/2026"} {
		b, err := s.Mailbox("alice", parent)
		if err != nil || !b.HasChildren {
			t.Errorf("Mailbox(%q) = %+v, %v, want it created with children", parent, b, err)
		}
	}
	boxes, _ := s.Mailboxes("alice")
	for _, b := range boxes {
		wantChildren := b.Name == "INBOX" || b.Name == "Projects" || b.Name == "Projects/2026"
		if b.HasChildren != wantChildren {
			t.Errorf("Mailboxes(): %s HasChildren = %v, want %v", b.Name, b.HasChildren, wantChildren)
		}
	}
	for _, name := range []string{"INBOX", "inbox", "InBoX"} {
		if _, err := s.Status("alice", name); err != nil {
			t.Errorf("Status(%q) = %v, want INBOX", name, err)
		}
	}
	if _, err := s.Status("alice", "WORK"); !errors.Is(err, ErrNoSuchMailbox) {
		t.Errorf("Status(WORK) = %v, want %v (names other than INBOX are case-sensitive)", err, ErrNoSuchMailbox)
	}
}

func TestDeleteMailbox(t *testing.T) {
	s := newStore(t, nil)
	if err := s.CreateMailbox("alice", "Work/Old", UseNone); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, mailbox string
		want          error
	}{
		{"inbox", "INBOX", ErrCannotDeleteInbox},
		{"inbox lower case", "inbox", ErrCannotDeleteInbox},
		{"has children", "Work", ErrMailboxHasChildren},
		{"missing", "Nope", ErrNoSuchMailbox},
		{"leaf", "Work/Old", nil},
		{"former parent", "Work", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.DeleteMailbox("alice", tt.mailbox, Op{}); !errIs(err, tt.want) {
				t.Errorf("DeleteMailbox(%q) = %v, want %v", tt.mailbox, err, tt.want)
			}
		})
	}
}

func TestDeleteRecreateUIDValidity(t *testing.T) {
	s := newStore(t, nil)
	if _, err := s.Append("alice", "Trash", msg(1, 300), nil, time.Time{}, Op{}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Status("alice", "Trash")
	used, _, _ := s.QuotaUsage("alice")
	if used != before.Size || used == 0 {
		t.Fatalf("QuotaUsage = %d, want Trash size %d", used, before.Size)
	}
	w, _ := s.Watch("alice", "Trash")
	defer w.Close()
	if err := s.DeleteMailbox("alice", "Trash", Op{At: time.Second}); err != nil {
		t.Fatal(err)
	}
	if ev, ok := w.Next(); !ok || ev.Kind != EventDeleted || ev.Mailbox != "Trash" {
		t.Errorf("watcher event = %+v, want deleted Trash", ev)
	}
	if used, _, _ := s.QuotaUsage("alice"); used != 0 {
		t.Errorf("QuotaUsage after delete = %d, want 0", used)
	}
	// RFC 3501 6.3.6: the server must not drop a subscription because its
	// mailbox is gone.
	if subs, _ := s.Subscriptions("alice"); !slices.Contains(subs, "Trash") {
		t.Errorf("Subscriptions() = %v, want Trash kept", subs)
	}
	if l, _ := s.Listing("alice"); !slices.Contains(l.Subscriptions, "Trash") || slices.ContainsFunc(l.Mailboxes, func(m MailboxInfo) bool { return m.Name == "Trash" }) {
		t.Errorf("Listing() = %+v, want Trash subscribed and no Trash mailbox", l)
	}
	if err := s.CreateMailbox("alice", "Trash", UseTrash); err != nil {
		t.Fatal(err)
	}
	if info, _ := s.Mailbox("alice", "Trash"); !info.Subscribed {
		t.Errorf("recreated Trash = %+v, want it subscribed under its old subscription", info)
	}
	after, _ := s.Status("alice", "Trash")
	if after.UIDValidity == before.UIDValidity || after.UIDValidity == 0 || after.UIDNext != 1 || after.Messages != 0 {
		t.Errorf("Status(recreated Trash) = %+v, want new UIDVALIDITY (old %d), UIDNEXT 1, empty", after, before.UIDValidity)
	}
}

func TestRenameMailbox(t *testing.T) {
	s := newStore(t, nil)
	for _, n := range []string{"Work/Old", "Work/New", "Workshop"} {
		if err := s.CreateMailbox("alice", n, UseNone); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Subscribe("alice", "Work/Old"); err != nil {
		t.Fatal(err)
	}
	uid, err := s.Append("alice", "Work/Old", msg(1, 50), []string{FlagSeen}, time.Time{}, Op{})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := s.Mailbox("alice", "Work/Old")
	w, _ := s.Watch("alice", "Work/Old")
	defer w.Close()

	errTests := []struct {
		name, from, to string
		want           error
	}{
		{"missing", "Nope", "X", ErrNoSuchMailbox},
		{"target exists", "Work", "Workshop", ErrMailboxExists},
		{"into itself", "Work", "Work/Sub", ErrInvalidMailboxName},
		{"invalid target", "Work", "a//b", ErrInvalidMailboxName},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.RenameMailbox("alice", tt.from, tt.to, Op{}); !errIs(err, tt.want) {
				t.Errorf("RenameMailbox(%q, %q) = %v, want %v", tt.from, tt.to, err, tt.want)
			}
		})
	}

	if err := s.RenameMailbox("alice", "Work", "Archive/2025/Work", Op{At: time.Hour, Source: 7}); err != nil {
		t.Fatalf("RenameMailbox(Work) = %v, want nil", err)
	}
	for _, gone := range []string{"Work", "Work/Old", "Work/New"} {
		if _, err := s.Mailbox("alice", gone); !errors.Is(err, ErrNoSuchMailbox) {
			t.Errorf("Mailbox(%q) after rename = %v, want %v", gone, err, ErrNoSuchMailbox)
		}
	}
	after, err := s.Mailbox("alice", "Archive/2025/Work/Old")
	if err != nil {
		t.Fatalf("Mailbox(renamed child) = %v", err)
	}
	if after.UIDValidity != before.UIDValidity || !after.Subscribed {
		t.Errorf("renamed mailbox = %+v, want UIDVALIDITY %d kept and subscription moved", after, before.UIDValidity)
	}
	if m, err := s.Message("alice", "Archive/2025/Work/Old", uid); err != nil || !m.HasFlag(FlagSeen) {
		t.Errorf("Message(renamed, %d) = %+v, %v, want the message with \\Seen", uid, m, err)
	}
	if _, err := s.Mailbox("alice", "Archive/2025"); err != nil {
		t.Errorf("Mailbox(Archive/2025) = %v, want created as parent", err)
	}
	ev, ok := w.Next()
	if !ok || ev.Kind != EventRenamed || ev.OldName != "Work/Old" || ev.Mailbox != "Archive/2025/Work/Old" || ev.At != time.Hour || ev.Source != 7 {
		t.Errorf("watcher event = %+v, want renamed Work/Old -> Archive/2025/Work/Old at 1h from 7", ev)
	}
	if got := w.Mailbox(); got != "Archive/2025/Work/Old" {
		t.Errorf("Watcher.Mailbox() = %q, want new name", got)
	}
	// The watcher keeps following the mailbox under its new name.
	if _, err := s.Append("alice", "Archive/2025/Work/Old", msg(2, 50), nil, time.Time{}, Op{}); err != nil {
		t.Fatal(err)
	}
	if ev, ok := w.Next(); !ok || ev.Kind != EventNew || ev.Mailbox != "Archive/2025/Work/Old" {
		t.Errorf("watcher event after rename = %+v, want new message", ev)
	}
}

func TestRenameInbox(t *testing.T) {
	s := newStore(t, nil)
	if err := s.CreateMailbox("alice", "INBOX/Family", UseNone); err != nil {
		t.Fatal(err)
	}
	var uids []uint32
	for i := range 3 {
		uids = append(uids, mustDeliver(t, s, "alice", msg(i, 100), time.Duration(i)*time.Minute))
	}
	if _, err := s.StoreFlags("alice", "INBOX", UIDSetOf(uids[1]), FlagsAdd, []string{FlagFlagged}, Op{}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Status("alice", "INBOX")
	usedBefore, _, _ := s.QuotaUsage("alice")
	w, _ := s.Watch("alice", "INBOX")
	defer w.Close()

	if err := s.RenameMailbox("alice", "inbox", "Old mail", Op{At: time.Hour}); err != nil {
		t.Fatalf("RenameMailbox(INBOX) = %v, want nil", err)
	}
	inbox, _ := s.Status("alice", "INBOX")
	if inbox.Messages != 0 || inbox.UIDValidity != before.UIDValidity || inbox.UIDNext != before.UIDNext {
		t.Errorf("Status(INBOX) after rename = %+v, want empty, same UIDVALIDITY and UIDNEXT as %+v", inbox, before)
	}
	moved, _ := s.Messages("alice", "Old mail")
	if len(moved) != 3 || !moved[1].HasFlag(FlagFlagged) || !moved[2].InternalDate.Equal(s.Time(2*time.Minute)) {
		t.Errorf("Messages(Old mail) = %d messages, want 3 with flags and dates kept", len(moved))
	}
	if _, err := s.Mailbox("alice", "INBOX/Family"); err != nil {
		t.Errorf("INBOX/Family after renaming INBOX = %v, want untouched", err)
	}
	if used, _, _ := s.QuotaUsage("alice"); used != usedBefore {
		t.Errorf("QuotaUsage after renaming INBOX = %d, want %d", used, usedBefore)
	}
	evs := w.Events()
	got, err := replay(initialUIDs(w), evs, w.Initial().Seq)
	if err != nil || len(got) != 0 || len(evs) != 3 {
		t.Errorf("INBOX watcher: %d events replay to %v, %v; want 3 expunges leaving none", len(evs), got, err)
	}
}

func TestSubscriptions(t *testing.T) {
	s := newStore(t, nil)
	if err := s.CreateMailbox("alice", "Lists", UseNone); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"subscribe", func() error { return s.Subscribe("alice", "Lists") }, nil},
		{"subscribe missing", func() error { return s.Subscribe("alice", "Nope") }, ErrNoSuchMailbox},
		{"unsubscribe", func() error { return s.Unsubscribe("alice", "Junk") }, nil},
		{"unsubscribe again", func() error { return s.Unsubscribe("alice", "Junk") }, ErrNoSuchMailbox},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); !errIs(err, st.want) {
				t.Errorf("%s = %v, want %v", st.name, err, st.want)
			}
		})
	}
	subs, _ := s.Subscriptions("alice")
	want := []string{"INBOX", "Archive", "Drafts", "Lists", "Sent", "Trash"}
	if !slices.Equal(subs, want) {
		t.Errorf("Subscriptions() = %v, want %v", subs, want)
	}
}

func TestStatus(t *testing.T) {
	s := newStore(t, nil)
	var size int64
	for i := range 4 {
		raw := msg(i, 100*(i+1))
		size += int64(len(raw))
		mustDeliver(t, s, "alice", raw, 0)
	}
	s.StoreFlags("alice", "INBOX", UIDSetOf(1, 3), FlagsAdd, []string{FlagSeen}, Op{})
	s.StoreFlags("alice", "INBOX", UIDSetOf(4), FlagsAdd, []string{FlagDeleted}, Op{})
	st, err := s.Status("alice", "INBOX")
	want := Status{Mailbox: "INBOX", Messages: 4, Unseen: 2, Deleted: 1, FirstUnseen: 2, UIDNext: 5, UIDValidity: st.UIDValidity, Size: size, Recent: 4}
	if err != nil || st != want {
		t.Errorf("Status(INBOX) = %+v, %v, want %+v", st, err, want)
	}
}
