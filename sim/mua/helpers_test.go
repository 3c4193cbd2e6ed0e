package mua_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	. "github.com/mailscope/mailscope/sim/mua"
)

// The lab's addresses on the link (its Domain is "lab").
const (
	smtpAddr = "smtp.lab:25"
	pop3Addr = "pop3.lab:110"
	imapAddr = "imap.lab:143"
)

// world is a lab: one store with the three real servers on one link,
// built by sim/lab like every other world.
type world struct {
	t     testing.TB
	lab   *lab.Lab
	store *mailstore.Store
	link  *link.Link
	tap   *countingTap
}

// countingTap counts, independently of link.Stats, the bytes each client
// sends and receives, and keeps each line with its departure time.
type countingTap struct {
	mu    sync.Mutex
	bytes map[string]*[2]int64 // client name → payload up, down
	lines []tapLine
}

type tapLine struct {
	client     string
	fromClient bool
	text       string
	depart     time.Duration
}

type connTap struct {
	ct     *countingTap
	client string
}

func (c connTap) Transfer(fromClient bool, p []byte, depart, arrive time.Duration, wire int, wall time.Time) {
	c.ct.mu.Lock()
	defer c.ct.mu.Unlock()
	b := c.ct.bytes[c.client]
	if b == nil {
		b = new([2]int64)
		c.ct.bytes[c.client] = b
	}
	if fromClient {
		b[0] += int64(len(p))
	} else {
		b[1] += int64(len(p))
	}
	c.ct.lines = append(c.ct.lines, tapLine{c.client, fromClient, strings.TrimRight(string(p), "\r\n"), depart})
}

func (connTap) Mark(kind, detail string, fromClient bool, at time.Duration, wall time.Time) {}

// sent returns the payload bytes client sent and received so far.
func (ct *countingTap) sent(client string) (up, down int64) {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if b := ct.bytes[client]; b != nil {
		return b[0], b[1]
	}
	return 0, 0
}

// commands returns the lines client sent, with their departure times.
func (ct *countingTap) commands(client string) []tapLine {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	var out []tapLine
	for _, l := range ct.lines {
		if l.client == client && l.fromClient {
			out = append(out, l)
		}
	}
	return out
}

// newWorld is a lab without TLS: the three servers on one link.
func newWorld(t testing.TB, prof link.Profile) *world { return makeWorld(t, prof, true) }

// newWorldTLS also offers STARTTLS/STLS with the lab's certificate on the
// usual addresses, and implicit TLS at w.lab.Addr(lab.SMTPS), POP3S and
// IMAPS; w.lab.ClientTLS() trusts the certificate.
func newWorldTLS(t testing.TB, prof link.Profile) *world { return makeWorld(t, prof, false) }

func makeWorld(t testing.TB, prof link.Profile, noTLS bool) *world {
	t.Helper()
	tap := &countingTap{bytes: map[string]*[2]int64{}}
	l, err := lab.New(lab.Options{
		Domain:   "lab",
		Accounts: []lab.Account{{Name: "student", Password: "secret"}, {Name: "alice", Password: "secret"}},
		Profile:  prof,
		NoTLS:    noTLS,
		NoTrace:  true,
		Observe:  func(ci link.ConnInfo) link.Tap { return connTap{ct: tap, client: ci.ClientAddr} },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &world{t: t, lab: l, store: l.Store, link: l.Link, tap: tap}
}

// seed delivers n generated messages to student before 08:00.
func (w *world) seed(n int, opts mailstore.GenOptions) []mailstore.GeneratedMessage {
	w.t.Helper()
	opts.Count = n
	if opts.To == "" {
		opts.To = "student@lab"
	}
	msgs := mailstore.Generate(opts)
	for i, m := range msgs {
		if _, err := w.store.Deliver("student", m.Raw, time.Duration(i)*time.Second); err != nil {
			w.t.Fatal(err)
		}
	}
	return msgs
}

func (w *world) device(name string, p Policy) *Device {
	w.t.Helper()
	d, err := w.lab.NewDevice(lab.DeviceOptions{Name: name, User: "student", Policy: p})
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

// waitUnlocked waits until the server side of a broken POP3 session has
// released the maildrop.
func waitUnlocked(t testing.TB, st *mailstore.Store, user string) {
	t.Helper()
	select {
	case <-st.MaildropFree(user):
	case <-time.After(10 * time.Second):
		t.Fatal("maildrop still locked 10 s after the session ended")
	}
}

func (w *world) inbox(user string) []mailstore.Message {
	w.t.Helper()
	ms, err := w.store.Messages(user, "INBOX")
	if err != nil {
		w.t.Fatal(err)
	}
	return ms
}

// checkTotals asserts that a result's totals are the sum of its
// connections' counters and are sane.
func checkTotals(t testing.TB, r ActionResult) {
	t.Helper()
	var up, down, wu, wd, turns int64
	for _, s := range r.Conns {
		up += s.Up.Payload
		down += s.Down.Payload
		wu += s.Up.Wire
		wd += s.Down.Wire
		turns += s.ClientTurns
		if s.End > r.End {
			// the server may finish after the client's last read (closing)
			if s.End-r.End > time.Second {
				t.Errorf("%s: conn %d ends at %v, action at %v", r.Action, s.ID, s.End, r.End)
			}
		}
	}
	if up != r.PayloadUp || down != r.PayloadDown || wu != r.WireUp || wd != r.WireDown || turns != r.RoundTrips {
		t.Errorf("%s: totals %d/%d/%d/%d/%d, conns sum %d/%d/%d/%d/%d", r.Action,
			r.PayloadUp, r.PayloadDown, r.WireUp, r.WireDown, r.RoundTrips, up, down, wu, wd, turns)
	}
	if len(r.Conns) != r.Connections+r.Reused {
		t.Errorf("%s: Connections = %d + %d reused, %d conns", r.Action, r.Connections, r.Reused, len(r.Conns))
	}
	if r.End < r.Start {
		t.Errorf("%s: End %v before Start %v", r.Action, r.End, r.Start)
	}
	if testing.Verbose() {
		t.Logf("%s %s: %v..%v conns=%d up=%d/%d down=%d/%d rt=%d dl=%d hdr=%d first=%v", r.Device, r.Action,
			r.Start, r.End, r.Connections, r.PayloadUp, r.WireUp, r.PayloadDown, r.WireDown, r.RoundTrips,
			r.Downloaded, r.HeadersOnly, r.FirstReadable)
	}
}

// must checks an action's error and totals: must(t)(d.CheckMail(at)).
func must(t testing.TB) func(ActionResult, error) ActionResult {
	return func(r ActionResult, err error) ActionResult {
		t.Helper()
		if err != nil {
			t.Fatalf("%s %s: %v", r.Device, r.Action, err)
		}
		checkTotals(t, r)
		return r
	}
}

// dsl is a profile with real latency and bandwidth, so that times and
// round trips mean something.
func dsl() link.Profile {
	return link.Profile{ID: "test-dsl", DownBps: 8_000_000, UpBps: 1_000_000, Latency: 15 * time.Millisecond,
		HeaderBytes: 40, FramingBytes: 8, HandshakeRTTs: 1}
}
