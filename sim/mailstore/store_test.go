package mailstore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewDefaults(t *testing.T) {
	s := New(nil)
	if got, want := s.Epoch(), time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Epoch() = %v, want %v", got, want)
	}
	if got, want := s.Time(90*time.Minute), time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Time(90m) = %v, want %v", got, want)
	}
	epoch := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	if got := New(&Options{Epoch: epoch}).Epoch(); !got.Equal(epoch) {
		t.Errorf("New(Epoch: %v).Epoch() = %v", epoch, got)
	}
	if a, b := s.NewSource(), s.NewSource(); a == 0 || a == b {
		t.Errorf("NewSource() = %d then %d, want distinct nonzero", a, b)
	}
}

func TestAddUser(t *testing.T) {
	s := newStore(t, nil)
	tests := []struct {
		name string
		user string
		want error
	}{
		{"new", "bob", nil},
		{"address", "carol@example.com", nil},
		{"duplicate", "alice", ErrUserExists},
		{"duplicate other case", "ALICE", ErrUserExists},
		{"empty", "", ErrInvalidUserName},
		{"space", "a b", ErrInvalidUserName},
		{"control", "a\r\nb", ErrInvalidUserName},
		{"quote", `a"b`, ErrInvalidUserName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.AddUser(tt.user, "pw", 0); !errIs(err, tt.want) {
				t.Errorf("AddUser(%q) = %v, want %v", tt.user, err, tt.want)
			}
		})
	}
	users := s.Users()
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	if len(names) != 3 || names[0] != "alice" || names[1] != "bob" || names[2] != "carol@example.com" {
		t.Errorf("Users() = %v, want [alice bob carol@example.com]", names)
	}
}

func TestAuthenticate(t *testing.T) {
	s := New(nil)
	if err := s.AddUser("Alice", "secret", 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, pass string
		want             string
		err              error
	}{
		{"right", "Alice", "secret", "Alice", nil},
		{"name case-insensitive", "alice", "secret", "Alice", nil},
		{"wrong password", "Alice", "Secret", "", ErrAuthFailed},
		{"empty password", "Alice", "", "", ErrAuthFailed},
		{"prefix of password", "Alice", "secre", "", ErrAuthFailed},
		{"unknown user", "mallory", "secret", "", ErrAuthFailed},
		{"unknown user empty password", "mallory", "", "", ErrAuthFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Authenticate(tt.user, tt.pass)
			if got != tt.want || !errIs(err, tt.err) {
				t.Errorf("Authenticate(%q, %q) = %q, %v, want %q, %v", tt.user, tt.pass, got, err, tt.want, tt.err)
			}
		})
	}
	if err := s.SetPassword("ALICE", "new"); err != nil {
		t.Fatalf("SetPassword = %v", err)
	}
	if _, err := s.Authenticate("alice", "new"); err != nil {
		t.Errorf("Authenticate after SetPassword = %v, want nil", err)
	}
	if pw, err := s.Password("aLiCe"); pw != "new" || err != nil {
		t.Errorf("Password(aLiCe) = %q, %v, want \"new\", nil", pw, err)
	}
	if _, err := s.Password("mallory"); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("Password(mallory) = %v, want %v", err, ErrNoSuchUser)
	}
}

func TestRemoveUser(t *testing.T) {
	s := newStore(t, nil)
	mustDeliver(t, s, "alice", msg(1, 100), 0)
	w, err := s.Watch("alice", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := s.RemoveUser("Alice", Op{At: time.Minute}); err != nil {
		t.Fatalf("RemoveUser = %v, want nil", err)
	}
	if _, err := s.User("alice"); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("User after RemoveUser = %v, want %v", err, ErrNoSuchUser)
	}
	ev, ok := w.Next()
	if !ok || ev.Kind != EventDeleted || ev.At != time.Minute {
		t.Errorf("watcher event = %+v, %v, want deleted at 1m", ev, ok)
	}
	if err := s.RemoveUser("alice", Op{}); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("RemoveUser twice = %v, want %v", err, ErrNoSuchUser)
	}
	// A new user of the same name starts afresh, with new UIDVALIDITY.
	if err := s.AddUser("alice", "x", 0); err != nil {
		t.Fatal(err)
	}
	st, _ := s.Status("alice", "INBOX")
	if st.Messages != 0 || st.UIDValidity == w.Initial().Status.UIDValidity {
		t.Errorf("Status after re-adding = %+v, want empty with new UIDVALIDITY", st)
	}
}

// ResetUser empties an account as AddUser made it, in one step: the
// mail, the folders made since and their subscriptions go, the quota is
// lifted, the password stays; a POP3 session holding the old maildrop
// commits nothing, and a new one may lock the new maildrop.
func TestResetUser(t *testing.T) {
	s := newStore(t, nil)
	feed, _ := s.Follow()
	defer feed.Close()
	for i := range 3 {
		mustDeliver(t, s, "alice", msg(i, 100), 0)
	}
	if err := s.CreateMailbox("alice", "Projects/2026", UseNone); err != nil {
		t.Fatal(err)
	}
	if err := s.Subscribe("alice", "Projects/2026"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append("alice", "Projects/2026", msg(9, 50), nil, time.Time{}, Op{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetQuota("alice", 10_000); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Status("alice", "INBOX")
	md, err := s.LockMaildrop("alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := md.MarkDeleted(1); err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch("alice", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	feed.Changes() // what came before the reset

	if err := s.ResetUser("ALICE", Op{At: time.Minute}); err != nil {
		t.Fatalf("ResetUser = %v", err)
	}
	if ev, ok := w.Next(); !ok || ev.Kind != EventDeleted || ev.At != time.Minute {
		t.Errorf("INBOX watcher = %+v, %v; want deleted at 1m", ev, ok)
	}
	info, err := s.User("alice")
	if err != nil || info.Name != "alice" || info.Quota != 0 || info.Used != 0 {
		t.Errorf("User after reset = %+v, %v; want alice, no quota, nothing used", info, err)
	}
	if _, err := s.Authenticate("alice", "secret"); err != nil {
		t.Errorf("the password did not survive: %v", err)
	}
	boxes, _ := s.Mailboxes("alice")
	var names []string
	for _, b := range boxes {
		names = append(names, b.Name)
	}
	if got := fmt.Sprint(names); got != "[INBOX Archive Drafts Junk Sent Trash]" {
		t.Errorf("mailboxes after reset = %s, want INBOX and the default folders", got)
	}
	subs, _ := s.Subscriptions("alice")
	if len(subs) != len(names) || slices.Contains(subs, "Projects/2026") {
		t.Errorf("subscriptions after reset = %v, want %v", subs, names)
	}
	after, _ := s.Status("alice", "INBOX")
	if after.Messages != 0 || after.UIDValidity == before.UIDValidity {
		t.Errorf("INBOX after reset = %+v, want empty with a new UIDVALIDITY (was %d)", after, before.UIDValidity)
	}
	// The old session's QUIT deletes nothing from the new INBOX, even a
	// message that has the UID its mark named.
	mustDeliver(t, s, "alice", msg(4, 100), 0)
	if n, err := md.Commit(time.Minute); n != 0 || err == nil {
		t.Errorf("old maildrop Commit = %d, %v; want nothing deleted and an error", n, err)
	}
	if got := uidsOf(t, s, "alice", "INBOX"); len(got) != 1 {
		t.Errorf("INBOX after the old commit = %v, want the one new message", got)
	}
	md2, err := s.LockMaildrop("alice")
	if err != nil {
		t.Fatalf("a new POP3 session cannot lock the reset maildrop: %v", err)
	}
	md2.Release()
	// The feed tells it as a removal and an addition, in that order.
	var kinds []string
	for _, c := range feed.Changes() {
		kinds = append(kinds, c.Kind.String())
	}
	got := strings.Join(kinds, " ")
	if !strings.HasPrefix(got, "mailbox-deleted") || !strings.Contains(got, "mailbox-deleted user-removed user-added mailbox-created") {
		t.Errorf("feed = %s", got)
	}
	if err := s.ResetUser("nobody", Op{}); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("ResetUser(nobody) = %v, want %v", err, ErrNoSuchUser)
	}
}

func TestDeliverQuota(t *testing.T) {
	s := New(nil)
	if err := s.AddUser("bob", "pw", 1000); err != nil {
		t.Fatal(err)
	}
	raw600 := msg(1, 560)
	if len(raw600) < 550 || len(raw600) > 650 {
		t.Fatalf("test message is %d bytes", len(raw600))
	}
	rest := 1000 - len(raw600)
	steps := []struct {
		name     string
		raw      []byte
		want     error
		wantUsed int64
	}{
		{"fits", raw600, nil, int64(len(raw600))},
		{"over", raw600, ErrOverQuota, int64(len(raw600))},
		{"one byte over", make1(rest + 1), ErrOverQuota, int64(len(raw600))},
		{"exactly full", make1(rest), nil, 1000},
		{"full", make1(1), ErrOverQuota, 1000},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before, _ := s.Status("bob", "INBOX")
			_, err := s.Deliver("bob", st.raw, 0)
			if !errIs(err, st.want) {
				t.Fatalf("Deliver(%d bytes) = %v, want %v", len(st.raw), err, st.want)
			}
			used, limit, _ := s.QuotaUsage("bob")
			if used != st.wantUsed || limit != 1000 {
				t.Errorf("QuotaUsage = %d, %d, want %d, 1000", used, limit, st.wantUsed)
			}
			after, _ := s.Status("bob", "INBOX")
			if err != nil && after != before {
				t.Errorf("Status after refused Deliver = %+v, want unchanged %+v", after, before)
			}
		})
	}
	if err := s.SetQuota("bob", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deliver("bob", raw600, 0); err != nil {
		t.Errorf("Deliver with no quota = %v, want nil", err)
	}
}

// make1 returns a message of exactly n bytes (n >= 1).
func make1(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return b
}

func TestMaxMessageSize(t *testing.T) {
	s := newStore(t, &Options{MaxMessageSize: 100})
	tests := []struct {
		name string
		raw  []byte
		want error
	}{
		{"at limit", make1(100), nil},
		{"over", make1(101), ErrMessageTooLarge},
		{"over after CRLF", []byte(string(make1(99)) + "\n"), ErrMessageTooLarge},
		{"empty", nil, ErrInvalidMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Deliver("alice", tt.raw, 0); !errIs(err, tt.want) {
				t.Errorf("Deliver(%d bytes) = %v, want %v", len(tt.raw), err, tt.want)
			}
		})
	}
	if _, err := s.Deliver("nobody", make1(10), 0); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("Deliver(nobody) = %v, want %v", err, ErrNoSuchUser)
	}
}
