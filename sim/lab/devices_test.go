package lab

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/mua"
)

// events is a test subscriber: it keeps every event, as a view model
// would hand them on.
type events struct {
	mu  sync.Mutex
	evs []DeviceEvent
}

func (e *events) add(ev DeviceEvent) {
	e.mu.Lock()
	e.evs = append(e.evs, ev)
	e.mu.Unlock()
}

// take returns the events since the last take.
func (e *events) take() []DeviceEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.evs
	e.evs = nil
	return out
}

func spell(evs []DeviceEvent) string {
	var parts []string
	for _, ev := range evs {
		s := ev.Kind + " " + ev.Device.Name
		if ev.Kind == DeviceChanged {
			s += " " + ev.Change.Kind.String()
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func TestDeviceRegistry(t *testing.T) {
	l := newLab(t, Options{NoTLS: true, NoTrace: true})
	for i := 0; i < 3; i++ {
		if _, err := l.Store.Deliver("student", []byte(fmt.Sprintf("From: alice@mailscope.lab\r\nSubject: %d\r\n\r\nbody %d\r\n", i, i)), 0); err != nil {
			t.Fatal(err)
		}
	}
	sub := &events{}
	cancel := l.SubscribeDevices(sub.add)
	var own []mua.Change
	pc, err := l.AddDevice(DeviceOptions{Name: "Home PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Delete},
		Observe: func(c mua.Change) { own = append(own, c) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddDevice(DeviceOptions{Name: "Phone", User: "student", Policy: mua.Policy{Mode: mua.IMAPOnline, IMAPStayConnected: true}}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		o    DeviceOptions
		want error
	}{
		{DeviceOptions{Name: "home pc", User: "student"}, ErrDeviceExists},
		{DeviceOptions{Name: "Toaster", User: "nobody"}, mailstore.ErrNoSuchUser},
		{DeviceOptions{Name: "", User: "student"}, nil},
		{DeviceOptions{Name: " Phone", User: "student"}, nil},
		{DeviceOptions{Name: "a\nb", User: "student"}, nil},
		{DeviceOptions{Name: strings.Repeat("x", 65), User: "student"}, nil},
	} {
		_, err := l.AddDevice(bad.o)
		if err == nil || (bad.want != nil && !errors.Is(err, bad.want)) || !strings.HasPrefix(err.Error(), "lab: ") {
			t.Errorf("AddDevice(%q, %q) = %v, want a lab: error (%v)", bad.o.Name, bad.o.User, err, bad.want)
		}
	}
	var names []string
	for _, o := range l.Devices() {
		names = append(names, o.Name)
		if o.Observe != nil {
			t.Errorf("Devices() leaks %s's observer", o.Name)
		}
	}
	if got := strings.Join(names, ","); got != "Home PC,Phone" {
		t.Errorf("Devices() = %s", got)
	}
	if d, o, ok := l.Device("home pc"); !ok || d != pc || o.Policy.Mode != mua.POP3Delete {
		t.Errorf("Device(home pc) = %v, %+v, %v", d, o, ok)
	}
	if got := spell(sub.take()); got != "added Home PC; added Phone" {
		t.Errorf("events = %s", got)
	}

	// A check: one event per message, each with the state right after it.
	err = l.UseDevice("Home PC", func(d *mua.Device) error { _, err := d.CheckMail(time.Hour); return err })
	if err != nil {
		t.Fatal(err)
	}
	evs := sub.take()
	if got := spell(evs); got != "changed Home PC downloaded; changed Home PC downloaded; changed Home PC downloaded" {
		t.Fatalf("events = %s", got)
	}
	for i, ev := range evs {
		if len(ev.Messages) != i+1 || ev.View.Visible != i+1 || ev.Messages[i].ID != ev.Change.ID || !ev.Messages[i].Readable() {
			t.Errorf("event %d: %d messages, view %+v, change %v", i, len(ev.Messages), ev.View, ev.Change)
		}
		if strings.Join(ev.Folders, ",") != "INBOX" {
			t.Errorf("event %d: folders %v", i, ev.Folders)
		}
	}
	if len(own) != 3 {
		t.Errorf("the device's own Observe saw %d changes, want 3", len(own))
	}
	// Snapshots are copies: a later change does not reach an earlier event.
	l.UseDevice("Home PC", func(d *mua.Device) error { _, err := d.MarkRead(time.Hour, evs[0].Change.ID, true); return err })
	if evs[2].Messages[0].Seen {
		t.Error("a later MarkRead changed an earlier event's snapshot")
	}
	ev := sub.take()
	if len(ev) != 1 || !ev[0].Messages[0].Seen || ev[0].View.Unread != 2 {
		t.Errorf("MarkRead: events %+v", ev)
	}
	if st, ok := l.DeviceState("Home PC"); !ok || st.View.Unread != 2 || st.Change.Kind != mua.ChangeFlags {
		t.Errorf("DeviceState = %+v, %v", st.View, ok)
	}

	// Offline composing: the outbox is in the snapshot.
	l.Link.SetOffline(true)
	l.UseDevice("Phone", func(d *mua.Device) error {
		d.Compose(time.Hour, mua.Draft{To: []string{"alice@mailscope.lab"}, Subject: "s", Body: "b"})
		_, err := d.Send(time.Hour)
		if !errors.Is(err, link.ErrOffline) {
			t.Errorf("Send offline = %v", err)
		}
		return nil
	})
	l.Link.SetOffline(false)
	ev = sub.take()
	if spell(ev) != "changed Phone queued" || len(ev[0].Outbox) != 1 || ev[0].View.Outbox != 1 {
		t.Errorf("compose offline: %s, %+v", spell(ev), ev)
	}

	// A late subscriber gets every device's latest state first.
	late := &events{}
	cancelLate := l.SubscribeDevices(late.add)
	lev := late.take()
	if spell(lev) != "added Home PC; added Phone" || lev[0].View.Unread != 2 || len(lev[1].Outbox) != 1 {
		t.Errorf("late subscriber: %s %+v", spell(lev), lev)
	}
	cancelLate()
	cancelLate() // twice is harmless

	// Removing the phone logs out its kept IMAP session.
	waitOpen(t, l, 0) // the server ends of earlier sessions close a moment later
	err = l.UseDevice("Phone", func(d *mua.Device) error { _, err := d.CheckMail(2 * time.Hour); return err })
	if err != nil {
		t.Fatal(err)
	}
	phone, _, _ := l.Device("Phone")
	if len(phone.Outbox()) != 0 {
		t.Errorf("the check did not send the outbox")
	}
	waitOpen(t, l, 1) // the kept IMAP session (the SMTP one is closing)
	sub.take()
	if err := l.RemoveDevice("phone"); err != nil {
		t.Fatal(err)
	}
	if got := spell(sub.take()); got != "removed Phone" {
		t.Errorf("events = %s", got)
	}
	waitOpen(t, l, 0)
	if _, _, ok := l.Device("Phone"); ok || len(l.Devices()) != 1 {
		t.Errorf("the phone is still listed: %v", l.Devices())
	}
	if err := l.UseDevice("Phone", func(*mua.Device) error { return nil }); !errors.Is(err, ErrNoDevice) {
		t.Errorf("UseDevice(removed) = %v", err)
	}
	if err := l.RemoveDevice("Phone"); !errors.Is(err, ErrNoDevice) {
		t.Errorf("RemoveDevice twice = %v", err)
	}
	// Whoever kept the pointer can still use it; nobody is told.
	phone.MarkRead(3*time.Hour, phone.Messages("")[0].ID, true)
	if evs := late.take(); len(evs) != 0 {
		t.Errorf("a cancelled subscriber got %s", spell(evs))
	}
	if evs := sub.take(); len(evs) != 0 {
		t.Errorf("a removed device's change reached subscribers: %s", spell(evs))
	}
	cancel()
	l.UseDevice("Home PC", func(d *mua.Device) error { _, err := d.Delete(time.Hour, 1); return err })
	if evs := sub.take(); len(evs) != 0 {
		t.Errorf("after cancel: %s", spell(evs))
	}
	// The name is free again.
	if _, err := l.AddDevice(DeviceOptions{Name: "Phone", User: "alice"}); err != nil {
		t.Errorf("AddDevice(Phone) after removal: %v", err)
	}
}

// waitOpen waits until n connections are open on the link: the server
// end of a closed session goes on its own goroutine.
func waitOpen(t *testing.T, l *Lab, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(l.Link.Open()) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open", len(l.Link.Open()))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Two devices act at once; subscribers get each device's events in
// order, never two at a time, and readers of the state never wait for an
// action.
func TestDeviceRegistryConcurrent(t *testing.T) {
	l := newLab(t, Options{NoTLS: true, NoTrace: true})
	if err := l.Seed("student", 10, 1); err != nil {
		t.Fatal(err)
	}
	if err := l.Seed("alice", 10, 2); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	inside := false
	last := map[string]int{}
	cancel := l.SubscribeDevices(func(ev DeviceEvent) {
		mu.Lock()
		if inside {
			t.Error("two subscriber calls at once")
		}
		inside = true
		mu.Unlock()
		if ev.Kind == DeviceChanged {
			if n := len(ev.Messages); n != last[ev.Device.Name]+1 {
				t.Errorf("%s: %d messages after %d", ev.Device.Name, n, last[ev.Device.Name])
			}
			last[ev.Device.Name] = len(ev.Messages)
		}
		mu.Lock()
		inside = false
		mu.Unlock()
	})
	defer cancel()
	for _, o := range []DeviceOptions{
		{Name: "A", User: "student", Policy: mua.Policy{Mode: mua.IMAPOffline}},
		{Name: "B", User: "alice", Policy: mua.Policy{Mode: mua.POP3Delete}},
	} {
		if _, err := l.AddDevice(o); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, name := range []string{"A", "B"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := l.UseDevice(name, func(d *mua.Device) error { _, err := d.CheckMail(time.Hour); return err })
			if err != nil {
				t.Error(err)
			}
		}()
	}
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				l.DeviceState("A")
				l.Devices()
			}
		}
	}()
	wg.Wait()
	close(stop)
	if last["A"] != 10 || last["B"] != 10 {
		t.Errorf("last counts %v, want 10 each", last)
	}
}

// The registry keeps each device's state change by change instead of
// copying it whole each time: at every change, the state it carries is
// what the device's own getters say.
func TestDeviceRegistryMirror(t *testing.T) {
	l := newLab(t, Options{NoTLS: true, NoTrace: true})
	// A message from alice first, to reply to (the lab relays nowhere).
	if _, err := l.Store.Deliver("student", []byte("From: alice@mailscope.lab\r\nSubject: hi\r\nMessage-ID: <a@b>\r\n\r\nhi\r\n"), 0); err != nil {
		t.Fatal(err)
	}
	if err := l.Seed("student", 6, 3); err != nil {
		t.Fatal(err)
	}
	devs := map[string]*mua.Device{}
	checks := 0
	check := func(name string) func(mua.Change) {
		return func(c mua.Change) {
			d := devs[name]
			st, ok := l.DeviceState(name)
			checks++
			want := DeviceEvent{Kind: DeviceChanged, Device: st.Device, Change: c,
				Messages: d.Messages(""), Outbox: d.Outbox(), View: d.View(), Folders: d.Folders(), Offline: d.Offline()}
			if !ok || !reflect.DeepEqual(st, want) {
				t.Errorf("%s after %v:\n got %+v\nwant %+v", name, c, st, want)
			}
		}
	}
	for _, o := range []DeviceOptions{
		{Name: "Laptop", User: "student", Policy: mua.Policy{Mode: mua.IMAPOffline, IMAPHeadersThenBodies: true}},
		{Name: "Phone", User: "student", Policy: mua.Policy{Mode: mua.IMAPOnline}},
		{Name: "Home PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Keep}},
	} {
		o.Observe = check(o.Name)
		d, err := l.AddDevice(o)
		if err != nil {
			t.Fatal(err)
		}
		devs[o.Name] = d
	}
	do := func(name string, fn func(d *mua.Device) error) {
		t.Helper()
		if err := l.UseDevice(name, fn); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	at := time.Hour
	do("Laptop", func(d *mua.Device) error { _, err := d.CheckMail(at); return err })
	do("Phone", func(d *mua.Device) error { _, err := d.CheckMail(at); return err })
	do("Home PC", func(d *mua.Device) error { _, err := d.CheckMail(at); return err })
	do("Phone", func(d *mua.Device) error {
		ms := d.Messages("INBOX")
		if _, err := d.Open(at, ms[0].ID); err != nil {
			return err
		}
		if _, err := d.Flag(at, ms[1].ID, true); err != nil {
			return err
		}
		if _, err := d.Move(at, ms[2].ID, "Archive"); err != nil {
			return err
		}
		_, err := d.Delete(at, ms[3].ID)
		return err
	})
	do("Laptop", func(d *mua.Device) error {
		if _, err := d.CheckMail(at); err != nil { // the phone's changes arrive
			return err
		}
		if _, _, err := d.Reply(at, d.Messages("INBOX")[0].ID, "ok"); err != nil {
			return err
		}
		_, err := d.Send(at)
		return err
	})
	do("Home PC", func(d *mua.Device) error {
		ms := d.Messages("INBOX")
		if _, err := d.MarkRead(at, ms[0].ID, true); err != nil {
			return err
		}
		if _, err := d.Move(at, ms[1].ID, "Kept"); err != nil {
			return err
		}
		if _, err := d.Delete(at, ms[5].ID); err != nil {
			return err
		}
		if _, err := d.Delete(at, ms[2].ID); err != nil {
			return err
		}
		d.Compose(at, mua.Draft{To: []string{"bob@mailscope.lab"}, Subject: "s", Body: "b"})
		d.GoOffline(at)
		_, err := d.GoOnline(at)
		return err
	})
	if checks < 40 {
		t.Errorf("only %d changes checked", checks)
	}
}
