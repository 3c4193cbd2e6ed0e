package mua_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/mailstore"
	. "github.com/mailscope/mailscope/sim/mua"
)

// observer records a device's changes and checks, at each one, that the
// device's getters already show it.
type observer struct {
	t       *testing.T
	d       *Device
	changes []Change
}

func (o *observer) observe(c Change) {
	o.t.Helper()
	o.changes = append(o.changes, c)
	d := o.d
	m, held := d.Message(c.ID)
	inOutbox := false
	for _, x := range d.Outbox() {
		inOutbox = inOutbox || x.ID == c.ID
	}
	switch c.Kind {
	case ChangeDownloaded:
		if !held || !m.Readable() || m.Folder != c.Folder {
			o.t.Errorf("%v: the device holds %+v (held %v)", c, m.Folder, held)
		}
	case ChangeListed:
		if !held || m.Readable() {
			o.t.Errorf("%v: held %v, readable %v", c, held, m.Readable())
		}
	case ChangeRemoved, ChangeSent:
		if held || inOutbox {
			o.t.Errorf("%v: still on the device", c)
		}
	case ChangeMoved, ChangeFiled, ChangeFlags:
		if !held || m.Folder != c.Folder {
			o.t.Errorf("%v: the message is in %q (held %v)", c, m.Folder, held)
		}
	case ChangeQueued:
		if !inOutbox {
			o.t.Errorf("%v: not in the outbox", c)
		}
	case ChangeFolderCreated:
		found := false
		for _, f := range d.Folders() {
			found = found || f == c.Folder
		}
		if !found {
			o.t.Errorf("%v: Folders() = %v", c, d.Folders())
		}
	}
	_ = d.View() // a getter, safe from inside Observe
}

// take returns the changes since the last take, spelt "kind id folder".
func (o *observer) take() string {
	var parts []string
	for _, c := range o.changes {
		parts = append(parts, fmt.Sprintf("%s %d %s", c.Kind, c.ID, c.Folder))
	}
	o.changes = nil
	return strings.Join(parts, "; ")
}

// observed makes a device for student whose changes o records.
func (w *world) observed(t *testing.T, name string, p Policy) (*Device, *observer) {
	t.Helper()
	o := &observer{t: t}
	d, err := w.lab.NewDevice(lab.DeviceOptions{Name: name, User: "student", Policy: p, Observe: o.observe})
	if err != nil {
		t.Fatal(err)
	}
	o.d = d
	return d, o
}

func expectChanges(t *testing.T, what string, o *observer, want string) {
	t.Helper()
	if got := o.take(); got != want {
		t.Errorf("%s reported\n  %s\nwant\n  %s", what, got, want)
	}
}

func TestObservePOP3(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(3, mailstore.GenOptions{Seed: 40})
	d, o := w.observed(t, "Home PC", Policy{Mode: POP3Delete})

	at := 9 * time.Hour
	r := must(t)(d.CheckMail(at))
	times := o.changes
	expectChanges(t, "a POP3 check", o, "downloaded 1 INBOX; downloaded 2 INBOX; downloaded 3 INBOX")
	for i, c := range times {
		if c.At < r.Start || c.At > r.End || (i > 0 && c.At < times[i-1].At) {
			t.Errorf("%v: outside the check (%v..%v) or before the previous change", c, r.Start, r.End)
		}
	}
	must(t)(d.MarkRead(at, 1, true))
	expectChanges(t, "MarkRead(1, true)", o, "flags 1 INBOX")
	must(t)(d.MarkRead(at, 1, true))
	expectChanges(t, "MarkRead(1, true) again", o, "")
	must(t)(d.Flag(at, 1, true))
	expectChanges(t, "Flag(1)", o, "flags 1 INBOX")
	must(t)(d.Move(at, 2, "Receipts"))
	expectChanges(t, "Move(2, Receipts)", o, "moved 2 Receipts")
	must(t)(d.CreateFolder(at, "Family"))
	expectChanges(t, "CreateFolder(Family)", o, "folder-created 0 Family")
	if _, err := d.CreateFolder(at, "family"); err != nil {
		// Local folder names are case-sensitive, like IMAP's.
		t.Errorf("CreateFolder(family): %v", err)
	}
	o.take()
	if _, err := d.CreateFolder(at, "Family"); err == nil {
		t.Error("CreateFolder(Family) twice succeeded")
	}
	if got := strings.Join(d.Folders(), ","); got != "INBOX,Family,Receipts,family" {
		t.Errorf("Folders() = %s", got)
	}
	must(t)(d.Delete(at, 3))
	expectChanges(t, "Delete(3)", o, "removed 3 INBOX")

	d.Compose(at, Draft{To: []string{"alice@lab"}, Subject: "Hello", Body: "Hi."})
	expectChanges(t, "Compose", o, "queued 4 Outbox")
	must(t)(d.Send(at))
	expectChanges(t, "Send", o, "sent 4 ; filed 5 Sent")

	// A reply marks the original answered on the device: POP3 has no
	// flags on the server.
	out, rr, err := d.Reply(at, 1, "Thanks!")
	if err != nil || !rr.Offline {
		t.Fatalf("Reply = %+v, %v", rr, err)
	}
	expectChanges(t, "Reply(1)", o, "queued 6 Outbox; flags 1 INBOX")
	if m, _ := d.Message(1); !m.Answered {
		t.Error("the original is not marked answered")
	}
	if len(d.Outbox()) != 1 || d.Outbox()[0].ID != out.ID {
		t.Errorf("Outbox() = %+v", d.Outbox())
	}
}

func TestObserveIMAP(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(3, mailstore.GenOptions{Seed: 41})
	phone, o := w.observed(t, "Phone", Policy{Mode: IMAPOnline})
	laptop, lo := w.observed(t, "Laptop", Policy{Mode: IMAPOffline, IMAPHeadersThenBodies: true})

	at := 9 * time.Hour
	must(t)(phone.CheckMail(at))
	expectChanges(t, "an IMAPOnline sync", o, "listed 1 INBOX; listed 2 INBOX; listed 3 INBOX")
	must(t)(laptop.CheckMail(at))
	expectChanges(t, "an IMAPOffline headers-then-bodies sync", lo,
		"listed 1 INBOX; listed 2 INBOX; listed 3 INBOX; downloaded 1 INBOX; downloaded 2 INBOX; downloaded 3 INBOX")
	must(t)(laptop.CheckMail(at))
	expectChanges(t, "a sync with nothing new", lo, "")

	must(t)(phone.Open(at, 1))
	expectChanges(t, "Open(1) on the phone", o, "downloaded 1 INBOX; flags 1 INBOX")
	must(t)(phone.MarkRead(at, 2, true))
	expectChanges(t, "MarkRead(2)", o, "flags 2 INBOX")
	must(t)(phone.Move(at, 2, "Archive"))
	expectChanges(t, "Move(2, Archive)", o, "moved 2 Archive")
	must(t)(phone.CreateFolder(at, "Projects"))
	expectChanges(t, "CreateFolder(Projects)", o, "folder-created 0 Projects")
	if names, _ := w.store.Mailboxes("student"); !strings.Contains(fmt.Sprint(names), "Projects") {
		t.Errorf("the server has no Projects folder: %v", names)
	}
	must(t)(phone.Move(at, 1, "Later/Soon")) // TRYCREATE, then CREATE, then MOVE
	expectChanges(t, "Move(1, Later/Soon)", o, "folder-created 0 Later/Soon; moved 1 Later/Soon")
	must(t)(phone.Delete(at, 3))
	expectChanges(t, "Delete(3)", o, "removed 3 INBOX")

	// The laptop sees what the phone did at its next sync: 1 and 2 moved
	// away, 3 expunged (all gone from its INBOX), nothing else.
	must(t)(laptop.CheckMail(at))
	expectChanges(t, "the laptop's resync", lo, "removed 1 INBOX; removed 2 INBOX; removed 3 INBOX")

	// Flags set elsewhere arrive as a flag change at the next sync.
	w.seed(1, mailstore.GenOptions{Seed: 42})
	must(t)(laptop.CheckMail(at))
	must(t)(phone.CheckMail(at))
	lo.take()
	o.take()
	id := laptop.Messages("INBOX")[0].ID
	must(t)(laptop.Flag(at, id, true))
	expectChanges(t, "Flag on the laptop", lo, fmt.Sprintf("flags %d INBOX", id))
	must(t)(phone.CheckMail(at))
	expectChanges(t, "the phone's resync", o, fmt.Sprintf("flags %d INBOX", phone.Messages("INBOX")[0].ID))

	phone.Compose(at, Draft{To: []string{"alice@lab"}, Subject: "x", Body: "y"})
	pid := phone.Outbox()[0].ID
	expectChanges(t, "Compose", o, fmt.Sprintf("queued %d Outbox", pid))
	must(t)(phone.Send(at))
	expectChanges(t, "Send", o, fmt.Sprintf("sent %d ; filed %d Sent", pid, pid+1))

	phone.GoOffline(at)
	phone.GoOffline(at)
	expectChanges(t, "GoOffline twice", o, "offline 0 ")
	must(t)(phone.GoOnline(at))
	expectChanges(t, "GoOnline", o, "online 0 ")
}

func TestChangeKindString(t *testing.T) {
	seen := map[string]bool{}
	for k := ChangeDownloaded; k <= ChangeOnline; k++ {
		s := k.String()
		if s == "" || strings.HasPrefix(s, "change(") || seen[s] {
			t.Errorf("ChangeKind(%d).String() = %q", int(k), s)
		}
		seen[s] = true
	}
	if s := ChangeKind(99).String(); s != "change(99)" {
		t.Errorf("ChangeKind(99).String() = %q", s)
	}
}
