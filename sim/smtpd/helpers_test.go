package smtpd

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/mailscope/mailscope/sim/internal/selfsigned"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
)

const (
	addr   = "mx.mailscope.lab:25"
	domain = "mailscope.lab"
)

// Users of every test world: student and alice without quota, bob with
// a small one, zoë for SMTPUTF8.
const bobQuota = 3000

type world struct {
	store *mailstore.Store
	link  *link.Link
	srv   *Server

	mu         sync.Mutex
	deliveries []Delivery
}

func newWorld(t testing.TB, o Options) *world {
	t.Helper()
	return newWorldOn(t, link.New(link.Options{}), o)
}

func newWorldOn(t testing.TB, l *link.Link, o Options) *world {
	t.Helper()
	st := mailstore.New(&mailstore.Options{Folders: []mailstore.Folder{}})
	for _, u := range []struct {
		name, pass string
		quota      int64
	}{{"student", "secret", 0}, {"alice", "wonder land", 0}, {"bob", "builder", bobQuota}, {"zoë", "umlaut", 0}} {
		if err := st.AddUser(u.name, u.pass, u.quota); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := l.Listen("smtp", addr)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{store: st, link: l}
	o.Store = st
	if o.Domain == "" {
		o.Domain = domain
	}
	o.OnDeliver = func(d Delivery) {
		w.mu.Lock()
		w.deliveries = append(w.deliveries, d)
		w.mu.Unlock()
	}
	w.srv = New(o)
	done := make(chan error, 1)
	go func() { done <- w.srv.Serve(ln) }()
	t.Cleanup(func() {
		w.srv.Close()
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve() = %v, want ErrServerClosed", err)
		}
	})
	return w
}

func (w *world) inbox(t testing.TB, user string) []mailstore.Message {
	t.Helper()
	msgs, err := w.store.Messages(user, mailstore.Inbox)
	if err != nil {
		t.Fatalf("Messages(%s) = %v", user, err)
	}
	return msgs
}

// counts is the number of messages in each user's INBOX.
func (w *world) counts(t testing.TB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, u := range w.store.Users() {
		out[u.Name] = len(w.inbox(t, u.Name))
	}
	return out
}

// wire is a raw SMTP client for transcript tests.
type wire struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
}

func (w *world) dial(t testing.TB) *wire {
	t.Helper()
	c, err := w.link.Dial(t.Context(), addr, link.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &wire{t: t, conn: c, br: bufio.NewReader(c)}
	cl.expect("220 mailscope.lab ESMTP")
	return cl
}

// reply reads one reply, all its lines, and returns them; the last line
// is the one with a space after the code.
func (c *wire) reply() []string {
	c.t.Helper()
	var lines []string
	for {
		s, err := c.br.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read: %v (after %q, %q)", err, lines, s)
		}
		if testing.Verbose() {
			c.t.Logf("S: %q", s)
		}
		s = strings.TrimSuffix(s, "\r\n")
		// (go-smtp echoes an unknown verb raw, NULs included; a CR
		// would cut the line short for some clients.)
		if strings.Contains(s, "\r") {
			c.t.Errorf("reply line %q holds a bare CR", s)
		}
		lines = append(lines, s)
		if len(s) < 4 || s[3] != '-' {
			return lines
		}
	}
}

// expect reads a reply and checks its last line's prefix.
func (c *wire) expect(prefix string) []string {
	c.t.Helper()
	lines := c.reply()
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, prefix) {
		c.t.Fatalf("got %q, want prefix %q", lines, prefix)
	}
	return lines
}

func (c *wire) send(s string) {
	c.t.Helper()
	if testing.Verbose() {
		c.t.Logf("C: %q", s)
	}
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatal(err)
	}
}

// cmd sends one line and checks the reply.
func (c *wire) cmd(line, prefix string) []string {
	c.t.Helper()
	c.send(line + "\r\n")
	return c.expect(prefix)
}

// closed checks that the server has closed the connection.
// closed checks that the server hung up: EOF, or a reset when it hung up
// with bytes of ours unread (the rest of a long line, half a message), as
// TCP resets then (RFC 1122 4.2.2.13).
func (c *wire) closed() {
	c.t.Helper()
	if b, err := io.ReadAll(c.br); (err != nil && !errors.Is(err, link.ErrReset)) || len(b) > 0 {
		c.t.Errorf("after close: read %q, %v; want EOF or a reset", b, err)
	}
}

func (c *wire) ehlo() []string {
	c.t.Helper()
	return c.cmd("EHLO client.example", "250 ")
}

// message makes a test message of about n bytes with CRLF lines.
func message(subject string, n int) string {
	var b strings.Builder
	b.WriteString("From: student@mailscope.lab\r\nTo: alice@mailscope.lab\r\nSubject: " + subject + "\r\n\r\n")
	for b.Len() < n {
		b.WriteString("The quick brown fox jumps over the lazy dog.\r\n")
	}
	return b.String()
}

// selfSigned makes a certificate for mx.mailscope.lab and a pool that
// trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	server, client, err := selfsigned.Configs("mx.mailscope.lab", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	return server, client.RootCAs
}

func newReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }
