package pop3d

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	pop3 "github.com/knadh/go-pop3"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
)

const addr = "pop3.lab:110"

var testMessages = []string{
	"From: alice@lab\r\nTo: student@lab\r\nSubject: one\r\n\r\nHello.\r\n",
	"From: bob@lab\r\nTo: student@lab\r\nSubject: dots\r\n\r\nA line.\r\n.hidden line\r\n.\r\n..two\r\nend\r\n",
	"From: carol@lab\r\nTo: student@lab\r\nSubject: three\r\n\r\nl1\r\nl2\r\nl3\r\nl4\r\n",
}

type world struct {
	store *mailstore.Store
	link  *link.Link
	srv   *Server
}

func newWorld(t testing.TB, o Options) *world {
	t.Helper()
	return serve(t, newStore(t), o)
}

// newStore holds student's three testMessages, and alice, who has none.
func newStore(t testing.TB) *mailstore.Store {
	t.Helper()
	st := mailstore.New(nil)
	if err := st.AddUser("student", "secret", 0); err != nil {
		t.Fatal(err)
	}
	st.AddUser("alice", "wonder land", 0)
	for i, m := range testMessages {
		if _, err := st.Deliver("student", []byte(m), time.Duration(i)*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// serve runs a Server over st on a fresh link; o.Backend nil means st.
func serve(t testing.TB, st *mailstore.Store, o Options) *world {
	t.Helper()
	l := link.New(link.Options{})
	ln, err := l.Listen("pop3", addr)
	if err != nil {
		t.Fatal(err)
	}
	if o.Backend == nil {
		o.Backend = st
	}
	o.InsecureAuth = o.InsecureAuth || o.TLSConfig == nil
	srv := New(o)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &world{store: st, link: l, srv: srv}
}

// wire is a raw POP3 client for transcript tests.
type wire struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
	seen strings.Builder // every line the server sent
}

func (w *world) dial(t testing.TB) *wire {
	t.Helper()
	c, err := w.link.Dial(t.Context(), addr, link.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &wire{t: t, conn: c, br: bufio.NewReader(c)}
	cl.expect("+OK POP3 server ready <")
	return cl
}

func (c *wire) line() string {
	c.t.Helper()
	s, err := c.br.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (after %q)", err, s)
	}
	c.seen.WriteString(s)
	if testing.Verbose() {
		c.t.Logf("S: %q", s)
	}
	return strings.TrimSuffix(s, "\r\n")
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

// cmd sends one command and checks the reply's first line.
func (c *wire) cmd(line, prefix string) string {
	c.t.Helper()
	c.send(line + "\r\n")
	return c.expect(prefix)
}

// multi reads a multi-line body up to ".", undoing the byte-stuffing.
func (c *wire) multi() string {
	c.t.Helper()
	var b strings.Builder
	for {
		s := c.line()
		if s == "." {
			return b.String()
		}
		s = strings.TrimPrefix(s, ".")
		b.WriteString(s + "\r\n")
	}
}

func (c *wire) login() {
	c.cmd("USER student", "+OK")
	c.cmd("PASS secret", "+OK maildrop locked and ready: 3 messages")
}

// quit ends the session with QUIT. The server releases the maildrop before
// it answers, so once the reply is read the maildrop is free: a test that
// logs in again next cannot meet its own earlier session's lock. (Closing
// the conn instead releases it some time later, on the server's side.)
func (c *wire) quit() {
	c.t.Helper()
	c.cmd("QUIT", "+OK")
	if _, err := c.br.ReadByte(); err != io.EOF {
		c.t.Errorf("after QUIT: %v, want EOF", err)
	}
}

func TestTranscript(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.dial(t)
	c.cmd("STAT", "-ERR STAT is only valid after login")
	c.login()
	total := 0
	for _, m := range testMessages {
		total += len(m)
	}
	c.cmd("STAT", fmt.Sprintf("+OK 3 %d", total))
	c.cmd("LIST", "+OK 3 messages")
	list := c.multi()
	for i, m := range testMessages {
		if want := fmt.Sprintf("%d %d\r\n", i+1, len(m)); !strings.Contains(list, want) {
			t.Errorf("LIST lacks %q: %q", want, list)
		}
	}
	c.cmd("LIST 2", fmt.Sprintf("+OK 2 %d", len(testMessages[1])))
	c.cmd("LIST 9", "-ERR no such message")
	for i, m := range testMessages {
		c.cmd(fmt.Sprintf("RETR %d", i+1), fmt.Sprintf("+OK %d octets", len(m)))
		if got := c.multi(); got != m {
			t.Errorf("RETR %d = %q, want %q", i+1, got, m)
		}
	}
	c.cmd("TOP 3 2", "+OK")
	if got, want := c.multi(), "From: carol@lab\r\nTo: student@lab\r\nSubject: three\r\n\r\nl1\r\nl2\r\n"; got != want {
		t.Errorf("TOP 3 2 = %q, want %q", got, want)
	}
	c.cmd("UIDL", "+OK")
	uidls := strings.Split(strings.TrimSpace(c.multi()), "\r\n")
	re := regexp.MustCompile(`^\d+ [\x21-\x7e]{1,70}$`)
	for _, u := range uidls {
		if !re.MatchString(u) {
			t.Errorf("UIDL line %q breaks RFC 1939", u)
		}
	}
	c.cmd("DELE 1", "+OK message 1 deleted")
	c.cmd("DELE 1", "-ERR message 1 already deleted")
	c.cmd("RETR 1", "-ERR message 1 already deleted")
	c.cmd("STAT", fmt.Sprintf("+OK 2 %d", total-len(testMessages[0])))
	c.cmd("RSET", "+OK maildrop has 3 messages")
	c.cmd("DELE 2", "+OK")
	c.cmd("NOOP", "+OK")
	c.cmd("QUIT", "+OK localhost POP3 server signing off (1 messages deleted)")
	if _, err := c.br.ReadByte(); err != io.EOF {
		t.Errorf("after QUIT: %v, want EOF", err)
	}
	msgs, _ := w.store.Messages("student", "INBOX")
	if len(msgs) != 2 || string(msgs[0].Raw) != testMessages[0] || string(msgs[1].Raw) != testMessages[2] {
		t.Errorf("after QUIT the store holds %d messages, want messages 1 and 3", len(msgs))
	}
	// UIDLs are stable: the same message keeps its UIDL in a new session.
	c2 := w.dial(t)
	c2.cmd("USER student", "+OK")
	c2.cmd("PASS secret", "+OK")
	c2.cmd("UIDL 2", "+OK 2 "+strings.Fields(uidls[2])[1])
}

func TestDroppedConnectionDeletesNothing(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.dial(t)
	c.login()
	c.cmd("DELE 1", "+OK")
	c.cmd("DELE 2", "+OK")
	c.conn.Close()
	waitUnlocked(t, w.store, "student")
	if msgs, _ := w.store.Messages("student", "INBOX"); len(msgs) != 3 {
		t.Errorf("a dropped session deleted mail: %d messages left, want 3", len(msgs))
	}
}

// waitUnlocked waits for the server to notice a connection the client
// dropped and to release the maildrop; there is nothing to read that says
// so. The bound is generous: a loaded machine may take a while.
func waitUnlocked(t testing.TB, st *mailstore.Store, user string) {
	t.Helper()
	select {
	case <-st.MaildropFree(user):
	case <-time.After(10 * time.Second):
		t.Fatal("maildrop still locked 10 s after the session ended")
	}
}

func TestMaildropLock(t *testing.T) {
	w := newWorld(t, Options{})
	a := w.dial(t)
	a.login()
	b := w.dial(t)
	b.cmd("USER student", "+OK")
	b.cmd("PASS secret", "-ERR [IN-USE]")
	a.quit()
	b.cmd("USER student", "+OK")
	b.cmd("PASS secret", "+OK")
}

func TestAuthMechanisms(t *testing.T) {
	// The subtests share one store: each one that logs in ends with quit,
	// so that the next finds the maildrop free.
	w := newWorld(t, Options{})
	t.Run("bad password", func(t *testing.T) {
		c := w.dial(t)
		c.cmd("USER student", "+OK")
		c.cmd("PASS wrong", "-ERR [AUTH]")
		c.cmd("PASS secret", "-ERR send USER first")
	})
	t.Run("password with spaces", func(t *testing.T) {
		c := w.dial(t)
		c.cmd("USER alice", "+OK")
		c.cmd("PASS wonder land", "+OK maildrop locked and ready: 0 messages")
		c.quit()
	})
	t.Run("APOP", func(t *testing.T) {
		c, err := w.link.Dial(t.Context(), addr, link.DialOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cl := &wire{t: t, conn: c, br: bufio.NewReader(c)}
		greeting := cl.expect("+OK")
		stamp := regexp.MustCompile(`<[^>]+>`).FindString(greeting)
		sum := md5.Sum([]byte(stamp + "secret"))
		cl.cmd("APOP student 0123456789abcdef0123456789abcdef", "-ERR [AUTH]")
		cl.cmd("APOP student "+hex.EncodeToString(sum[:]), "+OK maildrop locked")
		cl.quit()
	})
	t.Run("AUTH PLAIN initial response", func(t *testing.T) {
		c := w.dial(t)
		c.cmd("AUTH", "+OK")
		if got := c.multi(); got != "PLAIN\r\n" {
			t.Errorf("AUTH mechanisms = %q", got)
		}
		c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00nope")), "-ERR [AUTH]")
		c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00wonder land")), "+OK")
		c.quit()
	})
	t.Run("AUTH PLAIN continuation", func(t *testing.T) {
		c := w.dial(t)
		c.cmd("AUTH PLAIN", "+ ")
		c.cmd("*", "-ERR AUTH cancelled")
		c.cmd("AUTH PLAIN", "+ ")
		c.cmd("!!notbase64", "-ERR invalid base64")
		c.cmd("AUTH PLAIN", "+ ")
		c.cmd(base64.StdEncoding.EncodeToString([]byte("alice\x00alice\x00wonder land")), "+OK")
		c.quit()
	})
	t.Run("AUTH other mechanism", func(t *testing.T) {
		c := w.dial(t)
		c.cmd("AUTH CRAM-MD5", "-ERR unsupported SASL mechanism")
	})
}

func TestCapa(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.dial(t)
	c.cmd("CAPA", "+OK")
	caps := c.multi()
	for _, want := range []string{"TOP", "UIDL", "USER", "SASL PLAIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "IMPLEMENTATION Mailscope"} {
		if !strings.Contains(caps, want+"\r\n") {
			t.Errorf("CAPA lacks %q: %q", want, caps)
		}
	}
	if strings.Contains(caps, "STLS") {
		t.Error("CAPA offers STLS without a TLS config")
	}
}

// Pipelined commands (RFC 2449) are all answered, in order, and the
// answers leave in one flush.
func TestPipelining(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.dial(t)
	c.send("USER student\r\nPASS secret\r\nSTAT\r\nLIST 1\r\nUIDL 3\r\nNOOP\r\n")
	for _, want := range []string{"+OK", "+OK maildrop", "+OK 3 ", "+OK 1 ", "+OK 3 ", "+OK"} {
		c.expect(want)
	}
}

func TestBadInput(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.dial(t)
	c.cmd(strings.Repeat("A", 10<<10), "-ERR line too long")
	c.cmd("NOOP", "-ERR NOOP is only valid after login")
	c.cmd("\x00\x01\xff\xfe garbage", "-ERR command contains a control")
	c.cmd("", "-ERR empty command")
	c.cmd("X", "-ERR keyword must be 3 or 4 letters")
	c.cmd("HELO there", "-ERR unknown command HELO")
	c.login()
	c.cmd("RETR", "-ERR RETR takes one message number")
	c.cmd("RETR -1", "-ERR invalid message number")
	c.cmd("RETR 99999999999999999999", "-ERR invalid message number")
	c.cmd("TOP 1 x", "-ERR invalid number of lines")
	c.cmd("DELE 0", "-ERR invalid message number")
	c.cmd("USER bob", "-ERR already logged in")
	c.cmd(strings.Repeat("LIST ", 100), "-ERR line too long")
	c.cmd("STAT", "+OK 3")
	if msgs, _ := w.store.Messages("student", "INBOX"); len(msgs) != 3 {
		t.Errorf("bad input changed the store: %d messages", len(msgs))
	}
}

// MaxErrors bad commands in a row close the connection; every kind of
// -ERR counts, and any command that succeeds starts the count again.
func TestTooManyErrorsCloses(t *testing.T) {
	w := newWorld(t, Options{MaxErrors: 3})
	c := w.dial(t)
	c.cmd("HELO", "-ERR unknown command HELO")
	c.cmd(strings.Repeat("A", 300), "-ERR line too long")
	c.cmd("CAPA", "+OK") // resets
	c.multi()
	c.cmd("X", "-ERR keyword must be 3 or 4 letters")
	c.cmd("STAT", "-ERR STAT is only valid after login")
	c.cmd("USER student", "+OK") // resets
	c.cmd("PASS wrong", "-ERR [AUTH]")
	c.cmd("PASS secret", "-ERR send USER first")
	c.login() // resets
	c.cmd("RETR 9", "-ERR no such message")
	c.cmd("DELE 0", "-ERR invalid message number")
	c.cmd("STAT", "+OK 3") // resets
	c.cmd("LIST x", "-ERR invalid message number")
	c.cmd("USER bob", "-ERR already logged in")
	if got, want := c.cmd("TOP 1", "-ERR"), "-ERR too many bad commands, closing connection"; got != want {
		t.Errorf("third bad command in a row = %q, want %q", got, want)
	}
	if _, err := c.br.ReadByte(); err != io.EOF {
		t.Errorf("after too many errors: %v, want EOF", err)
	}
	if msgs, _ := w.store.Messages("student", "INBOX"); len(msgs) != 3 {
		t.Errorf("closing for bad commands changed the store: %d messages, want 3", len(msgs))
	}
	w.dial(t).login() // the server still serves others
}

func TestIdleTimeoutDeletesNothing(t *testing.T) {
	w := newWorld(t, Options{IdleTimeout: 30 * time.Millisecond})
	c := w.dial(t)
	c.login()
	c.cmd("DELE 1", "+OK")
	if _, err := c.br.ReadByte(); err != io.EOF {
		t.Errorf("idle session: %v, want the server to close", err)
	}
	waitUnlocked(t, w.store, "student")
	if msgs, _ := w.store.Messages("student", "INBOX"); len(msgs) != 3 {
		t.Errorf("autologout deleted mail: %d left", len(msgs))
	}
}

// go-pop3, a client no one here wrote, reads what the server sends; LIST
// sizes equal the octets RETR delivers.
func TestGoPOP3Client(t *testing.T) {
	w := newWorld(t, Options{})
	p := pop3.New(pop3.Opt{Host: "pop3.lab", Port: 110, Dialer: &link.Dialer{Link: w.link}})
	c, err := p.NewConn()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth("student", "secret"); err != nil {
		t.Fatal(err)
	}
	count, size, err := c.Stat()
	if err != nil || count != 3 {
		t.Fatalf("Stat() = %d, %d, %v", count, size, err)
	}
	ids, err := c.List(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		raw, err := c.RetrRaw(id.ID)
		if err != nil {
			t.Fatal(err)
		}
		if raw.Len() != id.Size || raw.String() != testMessages[id.ID-1] {
			t.Errorf("RetrRaw(%d): %d octets, LIST says %d", id.ID, raw.Len(), id.Size)
		}
	}
	if err := c.Dele(1, 2); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	waitUnlocked(t, w.store, "student")
	if msgs, _ := w.store.Messages("student", "INBOX"); len(msgs) != 1 {
		t.Errorf("%d messages after DELE 1 2 + QUIT, want 1", len(msgs))
	}
}

// A reset in the middle of a 1 MB RETR costs the client its download and
// the server nothing: the message stays, the lock is released, and the
// next session works.
func TestResetDuringRetr(t *testing.T) {
	w := newWorld(t, Options{})
	big := "Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 16000)
	w.store.Deliver("student", []byte(big), 0)
	c := w.dial(t)
	c.cmd("USER student", "+OK")
	c.cmd("PASS secret", "+OK maildrop locked and ready: 4 messages")
	c.conn.(*link.Conn).Inject(link.ResetAfter{Dir: link.Down, Bytes: 500_000})
	c.cmd("DELE 1", "+OK")
	c.send("RETR 4\r\n")
	_, err := io.Copy(io.Discard, c.br)
	if !errors.Is(err, link.ErrReset) {
		t.Errorf("client read: %v, want ErrReset", err)
	}
	waitUnlocked(t, w.store, "student")
	if msgs, _ := w.store.Messages("student", "INBOX"); len(msgs) != 4 || string(msgs[3].Raw) != big {
		t.Errorf("after the reset: %d messages, want 4 unchanged", len(msgs))
	}
	w.dial(t).cmd("USER student", "+OK")
}

// A panic ends only its own session: the client gets -ERR [SYS/TEMP] and
// no panic text, the maildrop is released without entering UPDATE (the
// DELEs before the panic delete nothing), and everyone else is served.
func TestPanicEndsOnlyItsSession(t *testing.T) {
	var logged bytes.Buffer
	w := newWorld(t, Options{ErrorLog: log.New(&logged, "", 0)})
	var panicked atomic.Bool
	w.srv.beforeCommand = func(_ *session, cmd Command) {
		if cmd.Verb == "RETR" && panicked.CompareAndSwap(false, true) {
			panic("pop3d test: session state 0xdeadbeef")
		}
	}
	other := w.dial(t)
	other.cmd("USER alice", "+OK")
	other.cmd("PASS wonder land", "+OK")

	c := w.dial(t)
	c.login()
	c.send("DELE 1\r\nDELE 2\r\nRETR 3\r\nSTAT\r\n")
	c.expect("+OK message 1 deleted")
	c.expect("+OK message 2 deleted")
	if got, want := c.line(), "-ERR [SYS/TEMP] internal server error, try again later"; got != want {
		t.Errorf("RETR 3 (panics) = %q, want %q", got, want)
	}
	// The server hangs up with the pipelined STAT unread: a reset, as
	// TCP sends one then (RFC 1122 4.2.2.13).
	if _, err := c.br.ReadByte(); err != io.EOF && !errors.Is(err, link.ErrReset) {
		t.Errorf("after the panic: %v, want EOF or a reset", err)
	}
	if strings.Contains(c.seen.String(), "deadbeef") {
		t.Errorf("panic text on the wire: %q", c.seen.String())
	}
	if !strings.Contains(logged.String(), "0xdeadbeef") || !strings.Contains(logged.String(), "goroutine") {
		t.Errorf("ErrorLog = %q, want the panic and its stack", logged.String())
	}

	// The lock went before the reply did: no waiting.
	c2 := w.dial(t)
	c2.login()
	for i, m := range testMessages {
		c2.cmd(fmt.Sprintf("RETR %d", i+1), "+OK")
		if got := c2.multi(); got != m {
			t.Errorf("Retr(%d) after the panic = %q, want %q", i+1, got, m)
		}
	}
	c2.quit()
	other.cmd("STAT", "+OK 0 0")
	other.quit()
	if msgs, _ := w.store.Messages("student", "INBOX"); len(msgs) != 3 {
		t.Errorf("after the panic the store holds %d messages, want 3", len(msgs))
	}
}

// A panic after part of a long reply has left cannot answer -ERR inside
// it: the reply is cut off as by a dropped connection.
func TestPanicMidReplyCutsIt(t *testing.T) {
	w := newWorld(t, Options{})
	w.srv.beforeCommand = func(ss *session, cmd Command) {
		if cmd.Verb == "RETR" {
			ss.ok("100000 octets")
			ss.bw.WriteString(strings.Repeat("x", 50000))
			panic("pop3d test: half a message")
		}
	}
	c := w.dial(t)
	c.login()
	c.cmd("RETR 1", "+OK 100000 octets")
	rest, err := io.ReadAll(c.br)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) == 0 || strings.Trim(string(rest), "x") != "" {
		t.Errorf("after +OK: %d bytes %.60q, want only the x's that left before the panic", len(rest), rest)
	}
	c2 := w.dial(t)
	c2.login()
	c2.quit()
}
