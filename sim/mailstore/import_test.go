package mailstore

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSplitMbox(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		senders []string
		err     error
	}{
		{
			name: "mboxrd two messages",
			in: "From alice@example.org Mon Jan  5 07:00:00 2026\n" +
				"Subject: one\n\nHello\n>From the start\n>>From quoted\nFrom-ish is fine\n\n" +
				"From bob@example.org Mon Jan  5 07:30:00 2026\n" +
				"Subject: two\n\nBye\n",
			want: []string{
				"Subject: one\r\n\r\nHello\r\nFrom the start\r\n>From quoted\r\nFrom-ish is fine\r\n",
				"Subject: two\r\n\r\nBye\r\n",
			},
			senders: []string{"alice@example.org", "bob@example.org"},
		},
		{
			name: "crlf input and blank lines kept inside",
			in:   "From a Mon Jan  5 07:00:00 2026\r\nSubject: x\r\n\r\n\r\nbody\r\n\r\n\r\nFrom b Mon Jan  5 07:00:00 2026\r\nSubject: y\r\n\r\nz",
			want: []string{"Subject: x\r\n\r\n\r\nbody\r\n\r\n", "Subject: y\r\n\r\nz\r\n"},
		},
		{
			name: "leading blank lines",
			in:   "\n\nFrom a Mon Jan  5 07:00:00 2026\nSubject: x\n\nbody\n",
			want: []string{"Subject: x\r\n\r\nbody\r\n"},
		},
		{name: "empty", in: "", want: nil},
		{name: "not an mbox", in: "Subject: x\n\nbody\n", err: ErrInvalidMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := SplitMbox(strings.NewReader(tt.in))
			if !errIs(err, tt.err) {
				t.Fatalf("SplitMbox = %v, want %v", err, tt.err)
			}
			var got, senders []string
			for _, m := range msgs {
				got = append(got, string(m.Raw))
				senders = append(senders, m.Sender)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("SplitMbox =\n%q\nwant\n%q", got, tt.want)
			}
			if tt.senders != nil && !slices.Equal(senders, tt.senders) {
				t.Errorf("SplitMbox senders = %q, want %q", senders, tt.senders)
			}
		})
	}
}

func TestImportMbox(t *testing.T) {
	mbox := "From alice@example.org Mon Jan  5 07:00:00 2026\n" +
		"Subject: one\nDate: Sun, 4 Jan 2026 10:00:00 +0000\nStatus: RO\nX-Status: A\n\nHello\n\n" +
		"From bob@example.org nonsense date\n" +
		"Subject: two\nDate: Sun, 4 Jan 2026 11:00:00 +0000\n\nBye\n\n" +
		"From carol@example.org nonsense date\n" +
		"Subject: three\n\nNo date at all\n"
	s := newStore(t, nil)
	uids, err := s.ImportMbox("alice", "Archive", strings.NewReader(mbox), Op{At: time.Hour})
	if err != nil || !slices.Equal(uids, []uint32{1, 2, 3}) {
		t.Fatalf("ImportMbox = %v, %v, want [1 2 3]", uids, err)
	}
	msgs, _ := s.Messages("alice", "Archive")
	wantDates := []time.Time{
		time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC),  // From_ line
		time.Date(2026, 1, 4, 11, 0, 0, 0, time.UTC), // Date header
		s.Time(time.Hour), // neither
	}
	for i, m := range msgs {
		if !m.InternalDate.Equal(wantDates[i]) {
			t.Errorf("message %d internal date = %v, want %v", i+1, m.InternalDate, wantDates[i])
		}
	}
	if !sameFlags(msgs[0].Flags, []string{FlagSeen, FlagAnswered}) || len(msgs[1].Flags) != 0 {
		t.Errorf("flags = %v, %v, want [\\Seen \\Answered] from Status/X-Status, then none", msgs[0].Flags, msgs[1].Flags)
	}

	// All or nothing against the quota.
	parts, _ := SplitMbox(strings.NewReader(mbox))
	s2 := New(nil)
	s2.AddUser("bob", "pw", int64(len(parts[0].Raw)+len(parts[1].Raw))) // room for two of three
	if _, err := s2.ImportMbox("bob", "INBOX", strings.NewReader(mbox), Op{}); !errors.Is(err, ErrOverQuota) {
		t.Errorf("ImportMbox over quota = %v, want %v", err, ErrOverQuota)
	}
	if st, _ := s2.Status("bob", "INBOX"); st.Messages != 0 {
		t.Errorf("INBOX after refused import has %d messages, want 0", st.Messages)
	}
	if _, err := s2.ImportMbox("bob", "Nope", strings.NewReader(mbox), Op{}); !errors.Is(err, ErrNoSuchMailbox) {
		t.Errorf("ImportMbox(Nope) = %v, want %v", err, ErrNoSuchMailbox)
	}
}

func TestImportEML(t *testing.T) {
	s := newStore(t, nil)
	eml := "From: a@example.org\nDate: Fri, 2 Jan 2026 09:15:00 +0100\nSubject: eml\n\nbody\n"
	uid, err := s.ImportEML("alice", "INBOX", []byte(eml), []string{FlagSeen}, Op{At: time.Minute})
	if err != nil {
		t.Fatalf("ImportEML = %v", err)
	}
	m, _ := s.Message("alice", "INBOX", uid)
	if want := time.Date(2026, 1, 2, 8, 15, 0, 0, time.UTC); !m.InternalDate.Equal(want) || !m.HasFlag(FlagSeen) {
		t.Errorf("ImportEML message date %v flags %v, want %v and \\Seen", m.InternalDate, m.Flags, want)
	}
	if !strings.HasSuffix(string(m.Raw), "\r\n\r\nbody\r\n") {
		t.Errorf("ImportEML raw = %q, want CRLF line endings", m.Raw)
	}
	uid, _ = s.ImportEML("alice", "INBOX", []byte("Subject: no date\n\nx\n"), nil, Op{At: time.Minute})
	if m, _ := s.Message("alice", "INBOX", uid); !m.InternalDate.Equal(s.Time(time.Minute)) {
		t.Errorf("ImportEML without Date: internal date %v, want Epoch+1m", m.InternalDate)
	}
}
