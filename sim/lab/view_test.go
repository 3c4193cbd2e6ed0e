package lab

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/mua"
)

// viewLog keeps every change the views announce.
type viewLog struct {
	mu sync.Mutex
	cs []ViewChange
}

func (l *viewLog) add(cs []ViewChange) { l.mu.Lock(); l.cs = append(l.cs, cs...); l.mu.Unlock() }

// kinds returns the kinds announced since the last call, space-separated.
func (l *viewLog) kinds() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var k []string
	for _, c := range l.cs {
		k = append(k, c.Kind)
	}
	l.cs = nil
	return strings.Join(k, " ")
}

func inbox(t *testing.T, v *Views, user string) MailboxView {
	t.Helper()
	v.Settle()
	a, ok := v.Account(user)
	if !ok {
		t.Fatalf("no account %q in the views", user)
	}
	for _, mb := range a.Mailboxes {
		if mb.Name == "INBOX" {
			return mb
		}
	}
	t.Fatalf("%s has no INBOX in the views", user)
	return MailboxView{}
}

func waitUnlocked(t *testing.T, l *Lab, user string) {
	t.Helper()
	select {
	case <-l.Store.MaildropFree(user):
	case <-time.After(10 * time.Second):
		t.Fatal("maildrop still locked 10 s after the session ended")
	}
}

// The server's view follows a POP3 session: DELE marks, a dropped
// connection puts the marks back, QUIT removes what was marked.
func TestViewsPOP3(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	if err := l.Seed("student", 3, 4); err != nil {
		t.Fatal(err)
	}
	v := l.Views()
	log := &viewLog{}
	defer v.Subscribe(log.add)()
	mb := inbox(t, v, "student")
	if len(mb.Messages) != 3 || mb.Unseen != 3 || mb.Messages[0].Subject == "" || mb.Messages[0].From == "" || mb.Messages[0].UIDL == "" {
		t.Fatalf("INBOX view %+v; want 3 unseen messages with subject, sender and UIDL", mb)
	}

	pc, err := l.NewDevice(DeviceOptions{Name: "Home PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Delete}})
	if err != nil {
		t.Fatal(err)
	}
	// The line drops during the third message: nothing is deleted.
	size := mb.Messages[0].Size + mb.Messages[1].Size
	l.Link.InjectNext(link.ResetAfter{Dir: link.Down, Bytes: size + 400})
	if _, err := pc.CheckMail(0); err == nil {
		t.Fatal("CheckMail over a dropped line succeeded")
	}
	waitUnlocked(t, l, "student")
	if mb := inbox(t, v, "student"); len(mb.Messages) != 3 || mb.Messages[0].POP3Deleted {
		t.Errorf("after the drop the INBOX view has %d messages (first marked %v), want all 3 unmarked", len(mb.Messages), mb.Messages[0].POP3Deleted)
	}
	if k := log.kinds(); !strings.HasPrefix(k, "pop3-locked pop3-marked") || !strings.HasSuffix(k, "pop3-released") || strings.Contains(k, "expunge") {
		t.Errorf("dropped session announced %q; want locked, marks, released, no expunge", k)
	}

	if _, err := pc.CheckMail(time.Hour); err != nil {
		t.Fatal(err)
	}
	v.Settle()
	log.mu.Lock()
	for _, c := range log.cs {
		if c.At < time.Hour {
			t.Errorf("%s announced at %v, before the session began at 1h: POP3 changes must carry the session's time", c.Kind, c.At)
		}
	}
	log.mu.Unlock()
	if mb := inbox(t, v, "student"); len(mb.Messages) != 0 {
		t.Errorf("after QUIT the INBOX view has %d messages, want 0", len(mb.Messages))
	}
	if k := log.kinds(); k != "pop3-locked pop3-marked pop3-marked pop3-marked pop3-committed expunge expunge expunge" {
		t.Errorf("POP3 delete session announced %q", k)
	}
}

// \Seen set from an IMAP device shows on the server; mail over quota is
// counted on the account.
func TestViewsIMAPAndQuota(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	l.Seed("student", 2, 5)
	v := l.Views()
	laptop, _ := l.NewDevice(DeviceOptions{Name: "Laptop", User: "student", Policy: mua.Policy{Mode: mua.IMAPOffline}})
	if _, err := laptop.CheckMail(0); err != nil {
		t.Fatal(err)
	}
	first := laptop.Messages("INBOX")[0]
	if _, err := laptop.MarkRead(time.Minute, first.ID, true); err != nil {
		t.Fatal(err)
	}
	mb := inbox(t, v, "student")
	if mb.Unseen != 1 || !hasFlag(mb.Messages[0].Flags, `\Seen`) {
		t.Errorf("after the laptop read one: unseen %d, first flags %v; want 1 and \\Seen", mb.Unseen, mb.Messages[0].Flags)
	}

	used := mb.Size
	if err := l.Store.SetQuota("alice", 100); err != nil {
		t.Fatal(err)
	}
	sender, _ := l.NewDevice(DeviceOptions{Name: "Composer", User: "student"})
	sender.Compose(0, mua.Draft{To: []string{"alice@mailscope.lab"}, Subject: "too big", Body: strings.Repeat("x", 500)})
	if _, err := sender.Send(0); err == nil || !strings.Contains(err.Error(), "552") {
		t.Fatalf("Send over quota = %v, want a 552", err)
	}
	v.Settle()
	alice, _ := v.Account("alice")
	if alice.Quota != 100 || alice.Refused != 1 || alice.LastRefused < 500 {
		t.Errorf("alice's view: quota %d, refused %d (last %d bytes); want 100, 1, over 500", alice.Quota, alice.Refused, alice.LastRefused)
	}
	storeUsed := func() int64 { u, _ := l.Store.User("student"); return u.Used }
	if st, _ := v.Account("student"); st.Used != used || st.Used != storeUsed() {
		t.Errorf("student's used %d, want %d (the INBOX's size, and the store's %d)", st.Used, used, storeUsed())
	}
	// A folder with mail in it, deleted: the use falls with it.
	l.Store.CreateMailbox("student", "Old", "")
	l.Store.Move("student", "INBOX", "Old", mailstore.UIDSetOf(mb.Messages[0].UID), mailstore.Op{})
	if err := l.Store.DeleteMailbox("student", "Old", mailstore.Op{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := v.Account("student"); st.Used != storeUsed() || st.Used >= used {
		t.Errorf("after deleting a folder with mail: views say %d used, the store %d (was %d)", st.Used, storeUsed(), used)
	}
}

// The devices' half: a POP3 check moves the mail from the server's view to
// the Home PC's, an IMAP laptop lists what the server has, and every
// change reaches subscribers once, in seq order, store and devices
// interleaved as they happened.
func TestViewsDevices(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	l.Seed("student", 3, 9)
	pc, err := l.AddDevice(DeviceOptions{Name: "Home PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Delete}})
	if err != nil {
		t.Fatal(err)
	}
	v := l.Views()
	var mu sync.Mutex
	var got []ViewChange
	defer v.Subscribe(func(cs []ViewChange) { mu.Lock(); got = append(got, cs...); mu.Unlock() })()
	if d, ok := v.Device("Home PC"); !ok || d.Mode != "pop3-delete" || len(d.Messages) != 0 {
		t.Fatalf("Home PC's view before a check: %+v, %v", d, ok)
	}
	serverUIDLs := []string{}
	for _, m := range inbox(t, v, "student").Messages {
		serverUIDLs = append(serverUIDLs, m.UIDL)
	}
	if _, err := pc.CheckMail(0); err != nil {
		t.Fatal(err)
	}
	d, _ := v.Device("Home PC")
	if len(d.Messages) != 3 || !d.Messages[0].Readable || d.Messages[0].Subject == "" || d.OfflineReadable != 3 {
		t.Errorf("Home PC after the check: %d messages (first %+v), %d readable; want 3 stored", len(d.Messages), d.Messages[0], d.OfflineReadable)
	}
	if mb := inbox(t, v, "student"); len(mb.Messages) != 0 {
		t.Errorf("the server still lists %d after a POP3 delete check", len(mb.Messages))
	}
	// The copies name the server messages they are, though this client
	// never sent UIDL.
	for i, m := range d.Messages {
		if m.UIDL != serverUIDLs[i] || m.ServerUID != uint32(i+1) {
			t.Errorf("Home PC's copy %d has UIDL %q, server UID %d; want the server's %q, %d", i+1, m.UIDL, m.ServerUID, serverUIDLs[i], i+1)
		}
	}

	laptop, _ := l.AddDevice(DeviceOptions{Name: "Laptop", User: "student", Policy: mua.Policy{Mode: mua.IMAPOnline}})
	l.Seed("student", 2, 10)
	if _, err := laptop.CheckMail(time.Hour); err != nil {
		t.Fatal(err)
	}
	ld, _ := v.Device("Laptop")
	if len(ld.Messages) != 2 || ld.Messages[0].Readable || ld.Messages[0].UID == 0 {
		t.Errorf("IMAP online laptop lists %+v; want the server's 2, headers only, with UIDs", ld.Messages)
	}
	if snap := v.Snapshot(); len(snap.Devices) != 2 || snap.Devices[0].Name != "Home PC" || snap.Devices[1].Name != "Laptop" {
		t.Errorf("snapshot devices %+v", snap.Devices)
	}

	if err := l.RemoveDevice("Laptop"); err != nil {
		t.Fatal(err)
	}
	if snap := v.Snapshot(); len(snap.Devices) != 1 {
		t.Errorf("after removing the laptop the views list %d devices", len(snap.Devices))
	}
	mu.Lock()
	defer mu.Unlock()
	kinds := map[string]int{}
	for i, c := range got {
		kinds[c.Kind]++
		if i > 0 && c.Seq != got[i-1].Seq+1 {
			t.Fatalf("change %d has seq %d after %d: not in order, or one missing", i, c.Seq, got[i-1].Seq)
		}
	}
	if kinds["device-downloaded"] != 3 || kinds["pop3-marked"] != 3 || kinds["device-added"] != 1 || kinds["device-listed"] != 2 || kinds["device-gone"] != 1 {
		t.Errorf("changes %v; want 3 downloads, 3 marks, the laptop added, 2 listed, the laptop gone", kinds)
	}
}

// A \Seen set from the laptop shows on the server at once, and on the
// phone at its next sync: the article's "every device sees the same
// mailbox".
func TestViewsSeenReachesTheOtherDevice(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	l.Seed("student", 2, 11)
	laptop, _ := l.AddDevice(DeviceOptions{Name: "Laptop", User: "student", Policy: mua.Policy{Mode: mua.IMAPOffline}})
	phone, _ := l.AddDevice(DeviceOptions{Name: "Phone", User: "student", Policy: mua.Policy{Mode: mua.IMAPOnline}})
	v := l.Views()
	laptop.CheckMail(0)
	phone.CheckMail(0)
	first := laptop.Messages("INBOX")[0]
	if _, err := laptop.MarkRead(time.Minute, first.ID, true); err != nil {
		t.Fatal(err)
	}
	seenOnPhone := func() bool {
		d, _ := v.Device("Phone")
		for _, m := range d.Messages {
			if m.UID == first.UID {
				return m.Seen
			}
		}
		t.Fatalf("the phone does not list UID %d", first.UID)
		return false
	}
	if mb := inbox(t, v, "student"); !hasFlag(mb.Messages[0].Flags, `\Seen`) {
		t.Errorf("server flags %v after the laptop read it, want \\Seen", mb.Messages[0].Flags)
	}
	if seenOnPhone() {
		t.Error("the phone shows it read before syncing")
	}
	if _, err := phone.CheckMail(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if !seenOnPhone() {
		t.Error("the phone does not show it read after its next sync")
	}
}
