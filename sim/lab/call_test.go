package lab

import (
	"bufio"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/trace"
)

func modem(t *testing.T) link.Profile {
	t.Helper()
	p, err := link.Preset("dialup-56k")
	if err != nil {
		t.Fatal(err)
	}
	p.Jitter = 0
	return p
}

// checkTwice seeds three messages and checks mail with a POP3 device at 0
// and again 10 s after the first check ended.
func checkTwice(t *testing.T, l *Lab) (first, second mua.ActionResult) {
	t.Helper()
	if err := l.Seed("student", 3, 1); err != nil {
		t.Fatal(err)
	}
	dev, err := l.NewDevice(DeviceOptions{Name: "Home PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Delete}})
	if err != nil {
		t.Fatal(err)
	}
	if first, err = dev.CheckMail(0); err != nil {
		t.Fatal(err)
	}
	if second, err = dev.CheckMail(first.End + 10*time.Second); err != nil {
		t.Fatal(err)
	}
	return first, second
}

func dials(l *Lab) []trace.Event {
	var out []trace.Event
	for ev := range l.Trace.Snapshot().Events() {
		if ev.Kind == trace.KindDial {
			out = append(out, ev)
		}
	}
	return out
}

// A lab that dials on demand: a device's first check of the day waits for
// the modem, exactly the dial time, and the trace shows the call; the
// second check, on the same call, does not dial.
func TestDialOnDemand(t *testing.T) {
	p := modem(t)
	plain, err := New(Options{Profile: p, NoTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	want1, want2 := checkTwice(t, plain)
	if len(dials(plain)) != 0 {
		t.Fatal("a lab dialled without DialOnDemand")
	}

	l, err := New(Options{Profile: p, NoTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.DialOnDemand(link.CallOptions{IdleHangup: time.Minute})
	got1, got2 := checkTwice(t, l)
	if got1.End != want1.End+p.DialTime || got1.FirstReadable != want1.FirstReadable+p.DialTime {
		t.Errorf("first check ended at %v (first readable %v), want %v (%v): the dial added", got1.End, got1.FirstReadable, want1.End+p.DialTime, want1.FirstReadable+p.DialTime)
	}
	if got2.Duration() != want2.Duration() {
		t.Errorf("second check took %v, want %v: no second dial", got2.Duration(), want2.Duration())
	}
	ds := dials(l)
	if len(ds) != 1 || ds[0].At != 0 || ds[0].Text != "☎ dialling 56k modem… connected after 20.0 s" {
		t.Fatalf("dial events = %+v, want one at 0", ds)
	}
	cs := l.Link.CallState()
	if !cs.Up || cs.Calls != 1 || cs.Connected != p.DialTime {
		t.Errorf("CallState = %+v, want the call still up", cs)
	}
	l.Link.HangupAt(got2.End)
	cs = l.Link.CallState()
	online := got2.End - p.DialTime
	if cs.Up || cs.TotalOnline != online || cs.TotalCost != p.Tariff.Cost(online) {
		t.Errorf("after hanging up at %v: %+v, want %v online for %v", got2.End, cs, online, p.Tariff.Cost(online))
	}
}

// An outside client over TCP on a dialling lab really waits for the
// modem (at the live clock's speed) before the greeting, and the serve
// trace shows the dial on its session.
func TestDialOnDemandOutsideClient(t *testing.T) {
	p := modem(t)
	const speed = 100
	l, eps := tcpLab(t, Options{Profile: p, NoTLS: true, Speed: speed})
	l.DialOnDemand(link.CallOptions{IdleHangup: link.DefaultIdleHangup})
	wall := time.Now()
	c, err := net.Dial("tcp", eps[POP3])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	greeting, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(greeting, "+OK") {
		t.Fatalf("greeting = %q, %v", greeting, err)
	}
	if el, min := time.Since(wall), p.DialTime/speed; el < min {
		t.Errorf("greeting after %v; the dial takes %v at %d×", el, min, speed)
	}
	ds := dials(l)
	if len(ds) != 1 || ds[0].Protocol != trace.POP3 {
		t.Errorf("dial events = %+v, want one on the POP3 session", ds)
	}
	if cs := l.Link.CallState(); !cs.Live || !cs.Up || cs.Open != 1 {
		t.Errorf("CallState = %+v, want a live call with the client on it", cs)
	}
}

// Closing the lab hangs up: the call is billed to its end, nothing is
// left up or told of later.
func TestCloseHangsUp(t *testing.T) {
	l, err := New(Options{NoTLS: true, Profile: modem(t), Clock: Live, Speed: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var closed, after atomic.Bool
	l.DialOnDemand(link.CallOptions{IdleHangup: time.Hour, Notify: func(link.CallState) {
		if closed.Load() {
			after.Store(true)
		}
	}})
	l.Seed("student", 1, 1)
	dev, _ := l.NewDevice(DeviceOptions{Name: "PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Keep}})
	if _, err := dev.CheckMail(l.Link.LiveClock().Now()); err != nil {
		t.Fatal(err)
	}
	if !l.Link.CallState().Up {
		t.Fatal("no call up after a check on the modem")
	}
	l.Close()
	closed.Store(true)
	if cs := l.Link.CallState(); cs.Up || cs.Calls != 1 {
		t.Errorf("after Close: call up %v, %d calls; want hung up, 1", cs.Up, cs.Calls)
	}
	time.Sleep(50 * time.Millisecond) // a watcher left running would fire at 1000x meanwhile
	if after.Load() {
		t.Error("Notify was called after Close")
	}
}
