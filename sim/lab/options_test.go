package lab

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/trace"
)

func newLab(t *testing.T, o Options) *Lab {
	t.Helper()
	l, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// observed counts the transfers each client made, beside the trace.
type observed struct {
	mu    sync.Mutex
	lines map[string][]string // client → the lines it sent
}

type observedConn struct {
	o      *observed
	client string
}

func (c observedConn) Transfer(fromClient bool, p []byte, _, _ time.Duration, _ int, _ time.Time) {
	if fromClient {
		c.o.mu.Lock()
		c.o.lines[c.client] = append(c.o.lines[c.client], strings.TrimRight(string(p), "\r\n"))
		c.o.mu.Unlock()
	}
}
func (observedConn) Mark(string, string, bool, time.Duration, time.Time) {}

// A scenario's world: no TLS, an outside MX, a second local domain, a
// seeded mailbox, no trace, and an observer tap.
func TestOptionsScenarioWorld(t *testing.T) {
	msgs := mailstore.Generate(mailstore.GenOptions{Seed: 1, Count: 3, To: "student@mailscope.lab", FromDomain: "example.org"})
	var seed []SeedMessage
	for _, m := range msgs {
		seed = append(seed, SeedMessage{To: "student", Raw: m.Raw})
	}
	obs := &observed{lines: map[string][]string{}}
	l := newLab(t, Options{
		LocalDomains: []string{"example.org"},
		Accounts:     []Account{{Name: "student", Password: "secret"}, {Name: "news", Password: "n"}, {Name: "friend", Password: "f"}},
		Seed:         seed,
		NoTLS:        true,
		OutsideMX:    true,
		NoTrace:      true,
		Observe:      func(ci link.ConnInfo) link.Tap { return observedConn{obs, ci.ClientAddr} },
	})
	if l.Trace != nil || l.TLS != nil || l.ClientTLS() != nil || l.Addr(POP3S) != "" {
		t.Errorf("NoTrace/NoTLS lab has trace %v, TLS %v, pop3s at %q", l.Trace != nil, l.TLS != nil, l.Addr(POP3S))
	}
	if st, _ := l.Store.Status("student", "INBOX"); st.Messages != 3 {
		t.Errorf("seeded INBOX has %d messages, want 3", st.Messages)
	}

	// Mail from outside arrives over the MX link, not the reader's.
	out, err := l.NewDevice(DeviceOptions{Name: "Newsletter", User: "news", Address: "news@example.org", Outside: true})
	if err != nil {
		t.Fatal(err)
	}
	out.Compose(0, mua.Draft{To: []string{"student@mailscope.lab"}, Subject: "hello", Body: "from outside"})
	if _, err := out.Send(0); err != nil {
		t.Fatalf("outside Send: %v", err)
	}
	if len(obs.lines["Newsletter"]) != 0 {
		t.Errorf("the outside sender crossed the reader's link: %q", obs.lines["Newsletter"])
	}

	// The reader's own client: its EHLO offers no STARTTLS without TLS,
	// and mail to the second local domain stays here.
	pc, err := l.NewDevice(DeviceOptions{Name: "PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Delete}})
	if err != nil {
		t.Fatal(err)
	}
	pc.Compose(0, mua.Draft{To: []string{"friend@example.org"}, Subject: "re", Body: "thanks"})
	r, err := pc.CheckMail(0)
	if err != nil {
		t.Fatalf("CheckMail: %v", err)
	}
	if r.Downloaded != 4 || r.Sent != 1 {
		t.Errorf("PC downloaded %d, sent %d; want 4 (3 seeded + 1 from outside), 1", r.Downloaded, r.Sent)
	}
	if st, _ := l.Store.Status("friend", "INBOX"); st.Messages != 1 {
		t.Errorf("friend@example.org has %d messages, want 1", st.Messages)
	}
	if sent := strings.Join(obs.lines["PC"], "\n"); !strings.Contains(sent, "RETR 4") || strings.Contains(sent, "STARTTLS") || strings.Contains(sent, "STLS") {
		t.Errorf("PC's lines on the reader's link:\n%s", sent)
	}
}

// The app's world: TLS, the trace, the live clock; the default devices
// exist for the default accounts.
func TestOptionsDefaultWorld(t *testing.T) {
	l := newLab(t, Options{Clock: Live, Speed: 1000})
	if l.Trace == nil || l.TLS == nil || l.MX != nil {
		t.Fatalf("default lab: trace %v, TLS %v, MX %v; want trace and TLS, no MX", l.Trace != nil, l.TLS != nil, l.MX != nil)
	}
	if _, err := l.NewDevice(DeviceOptions{Name: "x", User: "student", Outside: true}); err == nil {
		t.Error("an outside device without an MX link was made")
	}
	names := []string{}
	for _, d := range DefaultDevices() {
		if _, err := l.NewDevice(d); err != nil {
			t.Errorf("default device %q: %v", d.Name, err)
		}
		names = append(names, d.Name+"/"+d.Policy.Mode.String())
	}
	if got := strings.Join(names, " "); got != "Home PC/pop3-delete Laptop/imap-offline Phone/imap-online" {
		t.Errorf("default devices %s", got)
	}
	if err := l.Seed("student", 2, 1); err != nil {
		t.Fatal(err)
	}
	// Over implicit TLS with the lab's certificate, the trace still shows
	// the POP3 lines (TLS 1.3, decrypted with the servers' key log).
	d, err := l.NewDevice(DeviceOptions{Name: "Secure", User: "student", Policy: mua.Policy{Mode: mua.POP3Keep}, TLSMode: mua.TLSImplicit})
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.CheckMail(l.Link.LiveClock().Now())
	if err != nil || r.Downloaded != 2 {
		t.Fatalf("CheckMail over pop3s = %d, %v; want 2 messages", r.Downloaded, err)
	}
	var retr, port995 int
	snap := l.Trace.Snapshot()
	for ev := range snap.Events() {
		if ev.Kind == trace.KindLine && ev.Verb == "RETR" && ev.Dir == trace.ClientToServer {
			retr++
		}
	}
	for _, si := range snap.Sessions() {
		if si.ServerPort == 995 {
			port995++
		}
	}
	if retr != 2 || port995 != 1 {
		t.Errorf("trace shows %d RETR commands in %d sessions on port 995, want 2 in 1", retr, port995)
	}
}

// Options.TCP opens the listeners at start; a non-loopback address needs
// LAN.
func TestOptionsTCP(t *testing.T) {
	l := newLab(t, Options{NoTLS: true, TCP: map[string]string{POP3: "127.0.0.1:0", IMAP: "127.0.0.1:0"}})
	if eps := l.Endpoints(); len(eps) != 2 || eps[0].Service != IMAP || eps[1].Service != POP3 {
		t.Errorf("endpoints %+v, want imap and pop3", eps)
	}
	if _, err := New(Options{NoTLS: true, TCP: map[string]string{POP3: "0.0.0.0:0"}}); err == nil {
		t.Error("a lab listened beyond loopback without LAN")
	}
	if _, err := New(Options{NoTLS: true, TCP: map[string]string{POP3S: "127.0.0.1:0"}}); err == nil {
		t.Error("a lab without TLS opened pop3s")
	}
}
