package mailstore

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestNormalizeCRLF(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"crlf kept", "a\r\nb\r\n", "a\r\nb\r\n"},
		{"bare lf", "a\nb\n", "a\r\nb\r\n"},
		{"bare cr", "a\rb\r", "a\r\nb\r\n"},
		{"mixed", "a\r\n\nb\r\rc", "a\r\n\r\nb\r\n\r\nc"},
		{"cr at end", "a\r", "a\r\n"},
		{"no newline", "abc", "abc"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(NormalizeCRLF([]byte(tt.in))); got != tt.want {
				t.Errorf("NormalizeCRLF(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDeliver(t *testing.T) {
	s := newStore(t, nil)
	raw := []byte("Subject: hi\n\nhello\n")
	uid1 := mustDeliver(t, s, "alice", raw, 10*time.Second)
	uid2 := mustDeliver(t, s, "ALICE", raw, 20*time.Second)
	if uid1 != 1 || uid2 != 2 {
		t.Errorf("Deliver UIDs = %d, %d, want 1, 2", uid1, uid2)
	}
	raw[0] = 'X' // the store must have copied it
	m, err := s.Message("alice", "INBOX", uid1)
	if err != nil {
		t.Fatal(err)
	}
	wantRaw := "Subject: hi\r\n\r\nhello\r\n"
	if string(m.Raw) != wantRaw || m.Size != int64(len(wantRaw)) {
		t.Errorf("Message(1) raw %q size %d, want %q size %d", m.Raw, m.Size, wantRaw, len(wantRaw))
	}
	if !m.InternalDate.Equal(s.Time(10*time.Second)) || m.At != 10*time.Second {
		t.Errorf("Message(1) InternalDate %v At %v, want Epoch+10s", m.InternalDate, m.At)
	}
	st, _ := s.Status("alice", "INBOX")
	if want := uidl(st.UIDValidity, 1); m.UIDL != want {
		t.Errorf("Message(1).UIDL = %q, want %q", m.UIDL, want)
	}
	if len(m.Flags) != 0 || m.SeqNum != 1 {
		t.Errorf("Message(1) flags %v seq %d, want none, 1", m.Flags, m.SeqNum)
	}
	if _, err := s.Message("alice", "INBOX", 99); !errors.Is(err, ErrNoSuchMessage) {
		t.Errorf("Message(99) = %v, want %v", err, ErrNoSuchMessage)
	}
}

func TestAppend(t *testing.T) {
	s := newStore(t, nil)
	date := time.Date(2025, 12, 24, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		mailbox   string
		flags     []string
		date      time.Time
		want      error
		wantFlags []string
		wantDate  time.Time
	}{
		{"draft with date", "Drafts", []string{`\draft`, `\SEEN`}, date, nil, []string{FlagDraft, FlagSeen}, date},
		{"keyword keeps case", "INBOX", []string{"$Important", "$important"}, time.Time{}, nil, []string{"$Important"}, s.Time(time.Minute)},
		{"recent ignored", "INBOX", []string{`\Recent`}, time.Time{}, nil, []string{}, s.Time(time.Minute)},
		{"unknown system flag", "INBOX", []string{`\Bogus`}, time.Time{}, ErrInvalidFlag, nil, time.Time{}},
		{"keyword with space", "INBOX", []string{"a b"}, time.Time{}, ErrInvalidFlag, nil, time.Time{}},
		{"keyword with paren", "INBOX", []string{"a("}, time.Time{}, ErrInvalidFlag, nil, time.Time{}},
		{"no such mailbox", "Nope", nil, time.Time{}, ErrNoSuchMailbox, nil, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _, _ := s.QuotaUsage("alice")
			uid, err := s.Append("alice", tt.mailbox, msg(1, 10), tt.flags, tt.date, Op{At: time.Minute})
			if !errIs(err, tt.want) {
				t.Fatalf("Append(%s, %v) = %v, want %v", tt.mailbox, tt.flags, err, tt.want)
			}
			if err != nil {
				if after, _, _ := s.QuotaUsage("alice"); after != before {
					t.Errorf("QuotaUsage after failed Append = %d, want %d", after, before)
				}
				return
			}
			m, _ := s.Message("alice", tt.mailbox, uid)
			if !slices.Equal(m.Flags, tt.wantFlags) && !(len(m.Flags) == 0 && len(tt.wantFlags) == 0) {
				t.Errorf("Append flags = %v, want %v", m.Flags, tt.wantFlags)
			}
			if !m.InternalDate.Equal(tt.wantDate) {
				t.Errorf("Append internal date = %v, want %v", m.InternalDate, tt.wantDate)
			}
		})
	}
	// A later keyword in another spelling takes the mailbox's first one.
	if _, err := s.StoreFlags("alice", "INBOX", AllUIDs(), FlagsAdd, []string{"$IMPORTANT"}, Op{}); err != nil {
		t.Fatal(err)
	}
	info, _ := s.Mailbox("alice", "INBOX")
	if want := append(SystemFlags(), "$Important"); !slices.Equal(info.Flags, want) {
		t.Errorf("Mailbox(INBOX).Flags = %v, want %v", info.Flags, want)
	}
}

func TestSnapshotsAreCopies(t *testing.T) {
	s := newStore(t, nil)
	uid := mustDeliver(t, s, "alice", msg(1, 10), 0)
	s.StoreFlags("alice", "INBOX", UIDSetOf(uid), FlagsReplace, []string{FlagSeen}, Op{})
	msgs, _ := s.Messages("alice", "INBOX")
	msgs[0].Flags[0] = FlagDeleted
	upd, _ := s.StoreFlags("alice", "INBOX", UIDSetOf(uid), FlagsAdd, nil, Op{})
	upd[0].Flags[0] = FlagDraft
	m, _ := s.Message("alice", "INBOX", uid)
	if !slices.Equal(m.Flags, []string{FlagSeen}) {
		t.Errorf("Message flags after callers edited their copies = %v, want [\\Seen]", m.Flags)
	}
}

func TestStoreFlags(t *testing.T) {
	tests := []struct {
		name   string
		start  []string
		action FlagAction
		flags  []string
		want   []string
		event  bool
	}{
		{"add", []string{FlagSeen}, FlagsAdd, []string{FlagFlagged}, []string{FlagSeen, FlagFlagged}, true},
		{"add present other case", []string{FlagSeen}, FlagsAdd, []string{`\SEEN`}, []string{FlagSeen}, false},
		{"remove case-insensitive", []string{FlagSeen, "Work"}, FlagsRemove, []string{"work"}, []string{FlagSeen}, true},
		{"remove absent", []string{FlagSeen}, FlagsRemove, []string{FlagDeleted}, []string{FlagSeen}, false},
		{"replace", []string{FlagSeen}, FlagsReplace, []string{FlagAnswered, "$Label1"}, []string{FlagAnswered, "$Label1"}, true},
		{"replace same set", []string{FlagSeen, FlagDraft}, FlagsReplace, []string{FlagDraft, FlagSeen}, []string{FlagDraft, FlagSeen}, false},
		{"replace empty", []string{FlagSeen}, FlagsReplace, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, nil)
			uid, err := s.Append("alice", "INBOX", msg(1, 10), tt.start, time.Time{}, Op{})
			if err != nil {
				t.Fatal(err)
			}
			w, _ := s.Watch("alice", "INBOX")
			defer w.Close()
			upd, err := s.StoreFlags("alice", "INBOX", UIDSetOf(uid), tt.action, tt.flags, Op{At: time.Second, Source: 3})
			if err != nil || len(upd) != 1 || upd[0].UID != uid || !sameFlags(upd[0].Flags, tt.want) {
				t.Fatalf("StoreFlags(%v %v) = %+v, %v, want flags %v", tt.action, tt.flags, upd, err, tt.want)
			}
			m, _ := s.Message("alice", "INBOX", uid)
			if !sameFlags(m.Flags, tt.want) {
				t.Errorf("Message flags = %v, want %v", m.Flags, tt.want)
			}
			var flagEvents []Event
			for _, ev := range w.Events() {
				if ev.Kind == EventFlags {
					flagEvents = append(flagEvents, ev)
				}
			}
			if got := len(flagEvents) == 1; got != tt.event {
				t.Fatalf("flag events = %+v, want one: %v", flagEvents, tt.event)
			}
			if tt.event {
				ev := flagEvents[0]
				if ev.UID != uid || ev.SeqNum != 1 || !sameFlags(ev.Flags, tt.want) || ev.At != time.Second || ev.Source != 3 {
					t.Errorf("flag event = %+v, want UID %d seq 1 flags %v at 1s from 3", ev, uid, tt.want)
				}
			}
		})
	}
	s := newStore(t, nil)
	if _, err := s.StoreFlags("alice", "INBOX", AllUIDs(), FlagsAdd, []string{`\Nope`}, Op{}); !errors.Is(err, ErrInvalidFlag) {
		t.Errorf("StoreFlags(\\Nope) = %v, want %v", err, ErrInvalidFlag)
	}
	if upd, err := s.StoreFlags("alice", "INBOX", AllUIDs(), FlagsAdd, []string{FlagSeen}, Op{}); err != nil || len(upd) != 0 {
		t.Errorf("StoreFlags on empty mailbox = %v, %v, want nothing", upd, err)
	}
}

func TestUIDSet(t *testing.T) {
	tests := []struct {
		name   string
		set    UIDSet
		max    uint32
		in     []uint32
		out    []uint32
		String string
	}{
		{"single", UIDSetOf(3), 10, []uint32{3}, []uint32{2, 4}, "3"},
		{"range", UIDSet{{2, 4}}, 10, []uint32{2, 3, 4}, []uint32{1, 5}, "2:4"},
		{"reversed range", UIDSet{{4, 2}}, 10, []uint32{2, 3, 4}, []uint32{1, 5}, "4:2"},
		{"star", UIDSet{{5, 0}}, 10, []uint32{5, 10}, []uint32{4, 11}, "5:*"},
		{"star beyond max matches max", UIDSet{{20, 0}}, 10, []uint32{10}, []uint32{9}, "20:*"},
		{"lone star", UIDSet{{0, 0}}, 10, []uint32{10}, []uint32{9}, "*"},
		{"all", AllUIDs(), 7, []uint32{1, 7}, []uint32{8}, "1:*"},
		{"several", UIDSet{{1, 2}, {5, 5}}, 10, []uint32{1, 2, 5}, []uint32{3, 4, 6}, "1:2,5"},
		{"empty", nil, 10, nil, []uint32{1, 10}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, u := range tt.in {
				if !tt.set.Contains(u, tt.max) {
					t.Errorf("%v.Contains(%d, max %d) = false, want true", tt.set, u, tt.max)
				}
			}
			for _, u := range tt.out {
				if tt.set.Contains(u, tt.max) {
					t.Errorf("%v.Contains(%d, max %d) = true, want false", tt.set, u, tt.max)
				}
			}
			if got := tt.set.String(); got != tt.String {
				t.Errorf("String() = %q, want %q", got, tt.String)
			}
		})
	}
}

func TestFetch(t *testing.T) {
	s := newStore(t, nil)
	for i := range 6 {
		mustDeliver(t, s, "alice", msg(i, 10), 0)
	}
	s.StoreFlags("alice", "INBOX", UIDSetOf(2), FlagsAdd, []string{FlagDeleted}, Op{})
	s.Expunge("alice", "INBOX", Op{}) // UIDs now 1,3,4,5,6
	tests := []struct {
		name string
		set  UIDSet
		want []uint32
		seqs []uint32
	}{
		{"all", AllUIDs(), []uint32{1, 3, 4, 5, 6}, []uint32{1, 2, 3, 4, 5}},
		{"gone skipped", UIDSetOf(2, 3), []uint32{3}, []uint32{2}},
		{"overlap deduplicated", UIDSet{{1, 4}, {3, 5}}, []uint32{1, 3, 4, 5}, []uint32{1, 2, 3, 4}},
		{"out of order", UIDSet{{6, 6}, {1, 1}}, []uint32{1, 6}, []uint32{1, 5}},
		{"star beyond", UIDSet{{100, 0}}, []uint32{6}, []uint32{5}},
		{"none", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := s.Fetch("alice", "INBOX", tt.set)
			var uids, seqs []uint32
			for _, m := range msgs {
				uids = append(uids, m.UID)
				seqs = append(seqs, m.SeqNum)
			}
			if err != nil || !slices.Equal(uids, tt.want) || !slices.Equal(seqs, tt.seqs) {
				t.Errorf("Fetch(%v) = UIDs %v seqs %v, %v, want %v %v", tt.set, uids, seqs, err, tt.want, tt.seqs)
			}
		})
	}
}

func TestExpunge(t *testing.T) {
	tests := []struct {
		name     string
		deleted  []uint32
		set      UIDSet // nil: Expunge, else ExpungeUIDs
		want     []uint32
		wantSeqs []uint32
		left     []uint32
	}{
		{"none flagged", nil, nil, nil, nil, []uint32{1, 2, 3, 4, 5}},
		{"all flagged", []uint32{2, 4}, nil, []uint32{2, 4}, []uint32{2, 3}, []uint32{1, 3, 5}},
		{"adjacent", []uint32{1, 2, 3}, nil, []uint32{1, 2, 3}, []uint32{1, 1, 1}, []uint32{4, 5}},
		{"uid set restricts", []uint32{2, 4}, UIDSetOf(4, 5), []uint32{4}, []uint32{4}, []uint32{1, 2, 3, 5}},
		{"uid set without deleted", []uint32{2}, UIDSetOf(1), nil, nil, []uint32{1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, nil)
			for i := range 5 {
				mustDeliver(t, s, "alice", msg(i, 10), 0)
			}
			if len(tt.deleted) > 0 {
				s.StoreFlags("alice", "INBOX", UIDSetOf(tt.deleted...), FlagsAdd, []string{FlagDeleted}, Op{})
			}
			w, _ := s.Watch("alice", "INBOX")
			defer w.Close()
			var got []uint32
			var err error
			if tt.set == nil {
				got, err = s.Expunge("alice", "INBOX", Op{At: time.Minute})
			} else {
				got, err = s.ExpungeUIDs("alice", "INBOX", tt.set, Op{At: time.Minute})
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("Expunge = %v, %v, want %v", got, err, tt.want)
			}
			if left := uidsOf(t, s, "alice", "INBOX"); !slices.Equal(left, tt.left) {
				t.Errorf("UIDs left = %v, want %v", left, tt.left)
			}
			var seqs []uint32
			evs := w.Events()
			for _, ev := range evs {
				seqs = append(seqs, ev.SeqNum)
			}
			if !slices.Equal(seqs, tt.wantSeqs) {
				t.Errorf("expunge event seqnums = %v, want %v", seqs, tt.wantSeqs)
			}
			if r, err := replay(initialUIDs(w), evs, w.Initial().Seq); err != nil || !slices.Equal(r, tt.left) {
				t.Errorf("replay = %v, %v, want %v", r, err, tt.left)
			}
		})
	}
}

func TestCopyMove(t *testing.T) {
	for _, move := range []bool{false, true} {
		name := map[bool]string{false: "copy", true: "move"}[move]
		t.Run(name, func(t *testing.T) {
			s := newStore(t, nil)
			for i := range 4 {
				mustDeliver(t, s, "alice", msg(i, 100), time.Duration(i)*time.Second)
			}
			s.StoreFlags("alice", "INBOX", UIDSetOf(2), FlagsAdd, []string{FlagSeen, "$Work"}, Op{})
			mustAppend := func(mb string) {
				if _, err := s.Append("alice", mb, msg(9, 10), nil, time.Time{}, Op{}); err != nil {
					t.Fatal(err)
				}
			}
			mustAppend("Archive") // so destination UIDs start at 2
			usedBefore, _, _ := s.QuotaUsage("alice")
			src, _ := s.Watch("alice", "INBOX")
			defer src.Close()
			dst, _ := s.Watch("alice", "Archive")
			defer dst.Close()
			op := Op{At: time.Hour, Source: 5}
			var res CopyResult
			var err error
			if move {
				res, err = s.Move("alice", "INBOX", "Archive", UIDSet{{2, 3}}, op)
			} else {
				res, err = s.Copy("alice", "INBOX", "Archive", UIDSet{{2, 3}}, op)
			}
			arch, _ := s.Mailbox("alice", "Archive")
			if err != nil || res.UIDValidity != arch.UIDValidity || !slices.Equal(res.SourceUIDs, []uint32{2, 3}) || !slices.Equal(res.DestUIDs, []uint32{2, 3}) {
				t.Fatalf("%s = %+v, %v, want COPYUID %d 2:3 2:3", name, res, err, arch.UIDValidity)
			}
			m, _ := s.Message("alice", "Archive", 2)
			if !sameFlags(m.Flags, []string{FlagSeen, "$Work"}) || !m.InternalDate.Equal(s.Time(time.Second)) || m.At != time.Hour {
				t.Errorf("copied message = flags %v date %v at %v, want flags and date kept, at 1h", m.Flags, m.InternalDate, m.At)
			}
			wantLeft := []uint32{1, 2, 3, 4}
			wantUsed := usedBefore + m.Size*2
			if move {
				wantLeft = []uint32{1, 4}
				wantUsed = usedBefore
			}
			if left := uidsOf(t, s, "alice", "INBOX"); !slices.Equal(left, wantLeft) {
				t.Errorf("INBOX after %s = %v, want %v", name, left, wantLeft)
			}
			if used, _, _ := s.QuotaUsage("alice"); used != wantUsed {
				t.Errorf("QuotaUsage after %s = %d, want %d", name, used, wantUsed)
			}
			var expunges []uint32
			for _, ev := range src.Events() {
				if ev.Kind == EventExpunge {
					expunges = append(expunges, ev.UID)
				}
			}
			wantExp := []uint32(nil)
			if move {
				wantExp = []uint32{2, 3}
			}
			if !slices.Equal(expunges, wantExp) {
				t.Errorf("source expunge events = %v, want %v (each once)", expunges, wantExp)
			}
			var news []uint32
			for _, ev := range dst.Events() {
				if ev.Kind == EventNew {
					news = append(news, ev.UID)
					if ev.At != time.Hour || ev.Source != 5 {
						t.Errorf("dest event = %+v, want at 1h from 5", ev)
					}
				}
			}
			if !slices.Equal(news, []uint32{2, 3}) {
				t.Errorf("dest new events = %v, want [2 3]", news)
			}
		})
	}
}

func TestCopyQuotaAndErrors(t *testing.T) {
	s := New(nil)
	s.AddUser("bob", "pw", 0)
	raw := msg(1, 300)
	for range 2 {
		mustDeliver(t, s, "bob", raw, 0)
	}
	used, _, _ := s.QuotaUsage("bob")
	s.SetQuota("bob", used+int64(len(raw))) // room for one more copy, not two
	if _, err := s.Copy("bob", "INBOX", "Archive", AllUIDs(), Op{}); !errors.Is(err, ErrOverQuota) {
		t.Errorf("Copy(2 messages, room for 1) = %v, want %v", err, ErrOverQuota)
	}
	if n := len(uidsOf(t, s, "bob", "Archive")); n != 0 {
		t.Errorf("Archive after refused Copy has %d messages, want 0", n)
	}
	if _, err := s.Move("bob", "INBOX", "Archive", AllUIDs(), Op{}); err != nil {
		t.Errorf("Move over quota limit = %v, want nil (moving uses no space)", err)
	}
	if _, err := s.Copy("bob", "INBOX", "Nope", AllUIDs(), Op{}); !errors.Is(err, ErrNoSuchMailbox) {
		t.Errorf("Copy to missing mailbox = %v, want %v", err, ErrNoSuchMailbox)
	}
	if res, err := s.Copy("bob", "INBOX", "Archive", UIDSetOf(99), Op{}); err != nil || len(res.DestUIDs) != 0 {
		t.Errorf("Copy of missing UID = %+v, %v, want nothing", res, err)
	}
	// Moving within one mailbox gives the messages new UIDs.
	res, err := s.Move("bob", "Archive", "Archive", AllUIDs(), Op{})
	if err != nil || !slices.Equal(res.DestUIDs, []uint32{3, 4}) || !slices.Equal(uidsOf(t, s, "bob", "Archive"), []uint32{3, 4}) {
		t.Errorf("Move to same mailbox = %+v, %v, want UIDs 3, 4", res, err)
	}
	if u, _, _ := s.QuotaUsage("bob"); u != used {
		t.Errorf("QuotaUsage after moves = %d, want %d", u, used)
	}
}
