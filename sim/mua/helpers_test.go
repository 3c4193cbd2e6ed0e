package mua

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/internal/selfsigned"

	"github.com/mailscope/mailscope/sim/imapd"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/pop3d"
	"github.com/mailscope/mailscope/sim/smtpd"
)

const (
	smtpAddr = "smtp.lab:587"
	pop3Addr = "pop3.lab:110"
	imapAddr = "imap.lab:143"
)

// world is one store with the three real servers on one link.
type world struct {
	t     testing.TB
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

func newWorld(t testing.TB, prof link.Profile) *world { return newWorldTLS(t, prof, nil) }

// newWorldTLS also offers STARTTLS/STLS with cert on the usual addresses,
// and implicit TLS on smtps.lab:465, pop3s.lab:995 and imaps.lab:993.
func newWorldTLS(t testing.TB, prof link.Profile, cert *tls.Config) *world {
	t.Helper()
	st := mailstore.New(nil)
	for _, u := range []string{"student", "alice"} {
		if err := st.AddUser(u, "secret", 0); err != nil {
			t.Fatal(err)
		}
	}
	tap := &countingTap{bytes: map[string]*[2]int64{}}
	l := link.New(link.Options{Profile: prof, NewTap: func(ci link.ConnInfo) link.Tap {
		return connTap{ct: tap, client: ci.ClientAddr}
	}})
	type server interface {
		Serve(net.Listener) error
		Close() error
	}
	var (
		lns     []net.Listener
		servers []server
		served  sync.WaitGroup
	)
	start := func(proto, addr string, srv server) {
		ln, err := l.Listen(proto, addr)
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		servers = append(servers, srv)
		served.Add(1)
		go func() { defer served.Done(); srv.Serve(ln) }()
	}
	quiet := log.New(io.Discard, "", 0)
	start("smtp", smtpAddr, smtpd.New(smtpd.Options{Store: st, Domain: "lab", InsecureAuth: true, TLSConfig: cert}))
	start("pop3", pop3Addr, pop3d.New(pop3d.Options{Backend: st, InsecureAuth: true, TLSConfig: cert}))
	start("imap", imapAddr, imapd.New(imapd.Options{Store: st, InsecureAuth: true, TLSConfig: cert, Logger: quiet}))
	if cert != nil {
		start("smtp", "smtps.lab:465", smtpd.New(smtpd.Options{Store: st, Domain: "lab", TLSConfig: cert, ImplicitTLS: true}))
		start("pop3", "pop3s.lab:995", pop3d.New(pop3d.Options{Backend: st, TLSConfig: cert, ImplicitTLS: true}))
		start("imap", "imaps.lab:993", imapd.New(imapd.Options{Store: st, TLSConfig: cert, ImplicitTLS: true, Logger: quiet}))
	}
	// Close the listeners and let each Serve return before closing the
	// servers: imapserver's Close races a Serve that is still starting.
	t.Cleanup(func() {
		for _, ln := range lns {
			ln.Close()
		}
		served.Wait()
		for _, srv := range servers {
			srv.Close()
		}
	})
	return &world{t: t, store: st, link: l, tap: tap}
}

// testCert makes a self-signed certificate for the lab's host names and
// returns the servers' and the clients' TLS configurations.
func testCert(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	server, client, err := selfsigned.Configs("lab", "smtp.lab", "pop3.lab", "imap.lab", "smtps.lab", "pop3s.lab", "imaps.lab")
	if err != nil {
		t.Fatal(err)
	}
	client.ServerName = ""
	return server, client
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
	return New(Config{
		Name:    name,
		Account: Account{User: "student", Password: "secret", Address: "student@lab"},
		Servers: Servers{SMTP: smtpAddr, POP3: pop3Addr, IMAP: imapAddr},
		Policy:  p,
		Link:    w.link,
	})
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
