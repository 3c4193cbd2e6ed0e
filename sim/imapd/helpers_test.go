package imapd

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
)

const addr = "imap.lab:143"

var testMessages = []string{
	"From: Alice <alice@lab>\r\nTo: student@lab\r\nSubject: one\r\nDate: Mon, 29 Dec 2025 10:00:00 +0000\r\nMessage-ID: <one@lab>\r\n\r\nHello there.\r\n",
	"From: Bob <bob@lab>\r\nTo: student@lab\r\nSubject: lunch plans\r\nDate: Tue, 30 Dec 2025 12:00:00 +0000\r\nMessage-ID: <two@lab>\r\n\r\nShall we have pizza?\r\n",
	"From: Carol <carol@lab>\r\nTo: student@lab\r\nCc: alice@lab\r\nSubject: report\r\nDate: Fri, 02 Jan 2026 09:00:00 +0000\r\nMessage-ID: <three@lab>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nSee the attached figures.\r\n--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n--XX--\r\n",
}

// logBuffer collects the server's log so that a test can assert that no
// handler panicked.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuffer) Printf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

// last returns the newest line, "" if none.
func (l *logBuffer) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) == 0 {
		return ""
	}
	return l.lines[len(l.lines)-1]
}

func (l *logBuffer) panics() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.lines {
		if strings.Contains(s, "panic") {
			out = append(out, s)
		}
	}
	return out
}

type world struct {
	store *mailstore.Store
	link  *link.Link
	srv   *Server
	log   *logBuffer
}

// newWorld serves a store with user student (three messages) and alice
// over a perfect link. o.Store is filled in; InsecureAuth is set unless
// TLS is configured.
func newWorld(t testing.TB, o Options) *world {
	t.Helper()
	return newWorldOn(t, o, link.Profile{})
}

func newWorldOn(t testing.TB, o Options, p link.Profile) *world {
	t.Helper()
	return newWorldWith(t, o, p, nil)
}

// newWorldWith is newWorldOn over a store made with so (nil: the default
// folders).
func newWorldWith(t testing.TB, o Options, p link.Profile, so *mailstore.Options) *world {
	t.Helper()
	st := mailstore.New(so)
	if err := st.AddUser("student", "secret", 0); err != nil {
		t.Fatal(err)
	}
	if err := st.AddUser("alice", "wonderland", 0); err != nil {
		t.Fatal(err)
	}
	for i, m := range testMessages {
		if _, err := st.Deliver("student", []byte(m), time.Duration(i)*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	// As if an earlier session had seen them: the three are not \Recent,
	// so that only the tests about \Recent meet it.
	if _, err := st.ClaimRecent("student", "INBOX"); err != nil {
		t.Fatal(err)
	}
	l := link.New(link.Options{Profile: p})
	ln, err := l.Listen("imap", addr)
	if err != nil {
		t.Fatal(err)
	}
	lb := &logBuffer{}
	o.Store = st
	o.InsecureAuth = o.InsecureAuth || o.TLSConfig == nil
	o.Logger = lb
	srv := New(o)
	go srv.Serve(ln)
	w := &world{store: st, link: l, srv: srv, log: lb}
	t.Cleanup(func() {
		srv.Close()
		if p := lb.panics(); len(p) > 0 {
			t.Errorf("server panicked: %v", p)
		}
	})
	return w
}

func (w *world) dialConn(t testing.TB) *link.Conn {
	t.Helper()
	c, err := w.link.Dial(t.Context(), addr, link.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// client returns an imapclient that has read the greeting and logged in
// as student.
func (w *world) client(t testing.TB, o *imapclient.Options) *imapclient.Client {
	t.Helper()
	c := w.anonClient(t, o)
	if err := c.Login("student", "secret").Wait(); err != nil {
		t.Fatalf("Login = %v, want nil", err)
	}
	return c
}

func (w *world) anonClient(t testing.TB, o *imapclient.Options) *imapclient.Client {
	t.Helper()
	c := imapclient.New(w.dialConn(t), o)
	t.Cleanup(func() { c.Close() })
	if err := c.WaitGreeting(); err != nil {
		t.Fatalf("WaitGreeting = %v", err)
	}
	return c
}

// snapshot records every message of a user: mailbox, UID, flags, bytes.
func snapshot(t testing.TB, st *mailstore.Store, user string) map[string]string {
	t.Helper()
	boxes, err := st.Mailboxes(user)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, b := range boxes {
		msgs, err := st.Messages(user, b.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			out[fmt.Sprintf("%s/%d", b.Name, m.UID)] = fmt.Sprintf("%v %x", m.Flags, m.Raw)
		}
	}
	return out
}

// wire is a raw IMAP client for transcript tests.
type wire struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
	tag  int
}

func (w *world) dial(t testing.TB) *wire {
	t.Helper()
	c := &wire{t: t, conn: w.dialConn(t)}
	c.br = bufio.NewReader(c.conn)
	c.expect("* OK [CAPABILITY ")
	return c
}

var literalRE = regexp.MustCompile(`\{(\d+)\+?\}$`)

// line reads one response, literals included.
func (c *wire) line() string {
	c.t.Helper()
	s, err := c.readLine()
	if err != nil {
		c.t.Fatalf("read: %v (after %q)", err, s)
	}
	return s
}

func (c *wire) readLine() (string, error) {
	var b strings.Builder
	for {
		c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		s, err := c.br.ReadString('\n')
		b.WriteString(s)
		if err != nil {
			return b.String(), err
		}
		m := literalRE.FindStringSubmatch(strings.TrimSuffix(s, "\r\n"))
		if m == nil {
			break
		}
		n, _ := strconv.Atoi(m[1])
		buf := make([]byte, n)
		if _, err := io.ReadFull(c.br, buf); err != nil {
			return b.String(), err
		}
		b.Write(buf)
	}
	s := strings.TrimSuffix(b.String(), "\r\n")
	if testing.Verbose() {
		c.t.Logf("S: %q", s)
	}
	return s, nil
}

func (c *wire) expect(prefix string) string {
	c.t.Helper()
	s := c.line()
	if !strings.HasPrefix(s, prefix) {
		c.t.Fatalf("got %q, want prefix %q", s, prefix)
	}
	return s
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

// cmd sends a tagged command and returns the untagged responses and the
// tagged one (without its tag).
func (c *wire) cmd(line string) (untagged []string, status string) {
	c.t.Helper()
	c.tag++
	tag := fmt.Sprintf("a%d", c.tag)
	c.send(tag + " " + line + "\r\n")
	return c.until(tag)
}

func (c *wire) until(tag string) (untagged []string, status string) {
	c.t.Helper()
	for {
		s := c.line()
		if rest, ok := strings.CutPrefix(s, tag+" "); ok {
			return untagged, rest
		}
		untagged = append(untagged, s)
	}
}

// ok runs a command that must succeed and returns its untagged responses.
func (c *wire) ok(line string) []string {
	c.t.Helper()
	u, st := c.cmd(line)
	if !strings.HasPrefix(st, "OK") {
		c.t.Fatalf("%s = %q, want OK", line, st)
	}
	return u
}

func (c *wire) login() {
	c.t.Helper()
	c.ok("LOGIN student secret")
}

func count(lines []string, re string) int {
	r := regexp.MustCompile(re)
	n := 0
	for _, l := range lines {
		if r.MatchString(l) {
			n++
		}
	}
	return n
}

func joined(lines []string) string { return strings.Join(lines, "\n") }

func newReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }

func imapSeq(n ...uint32) imap.SeqSet { return imap.SeqSetNum(n...) }
