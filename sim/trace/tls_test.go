package trace_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/internal/selfsigned"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/trace"
)

func selfSigned(t testing.TB) tls.Certificate {
	t.Helper()
	server, _, err := selfsigned.Configs("mail.lab")
	if err != nil {
		t.Fatal(err)
	}
	return server.Certificates[0]
}

// tlsLab is a traced link with a TLS server and client config whose
// server logs its secrets into kl.
type tlsLab struct {
	rec      *trace.Recorder
	kl       *trace.KeyLog
	link     *link.Link
	srv, cli *tls.Config
}

// newTLSLab returns a lab whose recorder decrypts with the key log when
// decrypt is set, and one that keeps TLS opaque otherwise.
func newTLSLab(t testing.TB, decrypt bool) *tlsLab {
	t.Helper()
	kl := &trace.KeyLog{}
	opt := &trace.Options{}
	if decrypt {
		opt.KeyLog = kl
	}
	rec := trace.NewRecorder(opt)
	p, _ := link.Preset("adsl-8m")
	p.Jitter = 0
	return &tlsLab{
		rec: rec, kl: kl, link: tapped(p, rec),
		srv: &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}, MinVersion: tls.VersionTLS13, KeyLogWriter: kl},
		cli: &tls.Config{InsecureSkipVerify: true, ServerName: "mail.lab", MinVersion: tls.VersionTLS13},
	}
}

// scriptServer answers each line the client sends with reply(line) on
// conn, after greeting; reply returns "" to close.
func scriptServer(conn net.Conn, greeting string, reply func(string) string) {
	defer conn.Close()
	if greeting != "" {
		io.WriteString(conn, greeting)
	}
	br := bufio.NewReader(conn)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		r := reply(strings.TrimRight(line, "\r\n"))
		if r == "" {
			return
		}
		if _, err := io.WriteString(conn, r); err != nil {
			return
		}
		if strings.HasPrefix(r, "+OK bye") {
			return
		}
	}
}

// chat sends each command and reads one reply line (or, for replies
// ending in a dot line, up to it).
func chat(t *testing.T, conn net.Conn, br *bufio.Reader, cmd string, multi bool) string {
	t.Helper()
	if _, err := io.WriteString(conn, cmd+"\r\n"); err != nil {
		t.Fatalf("write %q: %v", cmd, err)
	}
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reply to %q: %v", cmd, err)
		}
		b.WriteString(line)
		if !multi || line == ".\r\n" {
			return b.String()
		}
	}
}

const pop3Body = "Subject: over TLS\r\n\r\nThis message crossed encrypted.\r\n"

func pop3Reply(line string) string {
	verb, _, _ := strings.Cut(line, " ")
	switch strings.ToUpper(verb) {
	case "USER":
		return "+OK send PASS\r\n"
	case "PASS":
		return "+OK maildrop has 1 message\r\n"
	case "RETR":
		return fmt.Sprintf("+OK %d octets\r\n%s.\r\n", len(pop3Body), pop3Body)
	case "QUIT":
		return "+OK bye\r\n"
	}
	return "-ERR unknown command\r\n"
}

// runPOP3S runs a POP3 exchange over implicit TLS and returns the link's
// stats for the session.
func runPOP3S(t *testing.T, lab *tlsLab) link.Stats {
	t.Helper()
	c, s, err := lab.link.Pipe(link.PipeOptions{Protocol: "pop3", ServerAddr: "pop.lab:995"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ts := tls.Server(s, lab.srv)
		scriptServer(ts, "+OK POP3 ready\r\n", pop3Reply)
	}()
	tc := tls.Client(c, lab.cli)
	br := bufio.NewReader(tc)
	if greet, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(greet, "+OK") {
		t.Fatalf("greeting = %q, %v", greet, err)
	}
	chat(t, tc, br, "USER alice", false)
	chat(t, tc, br, "PASS hunter2", false)
	if got := chat(t, tc, br, "RETR 1", true); !strings.Contains(got, "crossed encrypted") {
		t.Errorf("RETR = %q", got)
	}
	chat(t, tc, br, "QUIT", false)
	<-done
	// Read the server's close_notify: a client that closed with it
	// unread would reset the connection (RFC 1122 4.2.2.13).
	io.Copy(io.Discard, br)
	c.Close()
	return c.Stats()
}

// checkAccounting holds a session's events to the link's counters: every
// byte and every wire byte once.
func checkAccounting(t *testing.T, rec *trace.Recorder, st link.Stats) {
	t.Helper()
	var bytes, wire int64
	for ev := range rec.Snapshot().Events() {
		if ev.Session != st.ID {
			continue
		}
		bytes += int64(ev.StreamBytes())
		wire += int64(ev.Wire)
		if data, missing := ev.StreamData(false); len(data)+missing != ev.StreamBytes() {
			t.Errorf("event %d: StreamData %d + %d missing, want %d", ev.Seq, len(data), missing, ev.StreamBytes())
		}
	}
	// What never reached its reader (a close_notify still on its way
	// when the peer closed) is not in the trace, and the link says so.
	if want := st.Up.Payload + st.Down.Payload - st.Up.Lost - st.Down.Lost; bytes != want {
		t.Errorf("events account for %d stream bytes, the link delivered %d", bytes, want)
	}
	if want := st.Up.Wire + st.Down.Wire - st.Up.LostWire - st.Down.LostWire; wire != want {
		t.Errorf("events carry %d wire bytes, the link delivered %d", wire, want)
	}
}

// sessionEvents returns the events of one session, connect and close
// left out.
func sessionEvents(rec *trace.Recorder, id uint64) []trace.Event {
	var out []trace.Event
	for ev := range rec.Snapshot().Events() {
		if ev.Session == id && ev.Kind != trace.KindConnect && ev.Kind != trace.KindClose {
			out = append(out, ev)
		}
	}
	return out
}

func logEvents(t *testing.T, evs []trace.Event) {
	t.Helper()
	if !testing.Verbose() {
		return
	}
	for i := range evs {
		t.Logf("%s", trace.AppendText(nil, &evs[i], false))
	}
}

func findEvent(evs []trace.Event, f func(*trace.Event) bool) *trace.Event {
	for i := range evs {
		if f(&evs[i]) {
			return &evs[i]
		}
	}
	return nil
}

// Implicit TLS (POP3S): the trace marks the handshake, names its records,
// and shows the POP3 dialogue decrypted, PASS masked, the message body a
// bulk event.
func TestTLSImplicitPOP3(t *testing.T) {
	lab := newTLSLab(t, true)
	st := runPOP3S(t, lab)
	evs := sessionEvents(lab.rec, st.ID)
	logEvents(t, evs)
	checkAccounting(t, lab.rec, st)

	if evs[0].Kind != trace.KindTLS || evs[0].Text != "TLS handshake begins (implicit TLS)" {
		t.Errorf("first event = %v %q, want the implicit TLS mark", evs[0].Kind, evs[0].Text)
	}
	var lines []string
	for _, ev := range evs {
		if ev.Kind == trace.KindLine {
			if !ev.Has(trace.FlagTLS) {
				t.Errorf("line %q lacks FlagTLS", ev.Text)
			}
			lines = append(lines, ev.Dir.String()+" "+ev.Display(false))
		}
	}
	want := []string{
		"S→C +OK POP3 ready", "C→S USER alice", "S→C +OK send PASS", "C→S PASS " + trace.Mask,
		"S→C +OK maildrop has 1 message", "C→S RETR 1", fmt.Sprintf("S→C +OK %d octets", len(pop3Body)),
		"S→C .", "C→S QUIT", "S→C +OK bye",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("lines =\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	bulk := findEvent(evs, func(e *trace.Event) bool { return e.Kind == trace.KindBulk })
	if bulk == nil || bulk.Verb != "RETR" || string(bulk.Payload[:bulk.Bytes]) != pop3Body || !bulk.Has(trace.FlagTLS) {
		t.Errorf("bulk = %+v, want the RETR body decrypted", bulk)
	}
	for _, name := range []string{"ClientHello", "ServerHello", "EncryptedExtensions", "Certificate", "CertificateVerify", "Finished"} {
		ev := findEvent(evs, func(e *trace.Event) bool { return e.Kind == trace.KindTLS && e.Verb == name })
		switch {
		case ev == nil:
			t.Errorf("no TLS event for %s", name)
		case ev.Has(trace.FlagTLS) || ev.Bytes == 0 || ev.Bytes != int(ev.RecordBytes) || len(ev.Records()) != ev.Bytes:
			t.Errorf("%s event: flags %b, %d bytes, %d record bytes, %d kept", name, ev.Flags, ev.Bytes, ev.RecordBytes, len(ev.Records()))
		case ev.Has(trace.FlagEncrypted) != (name != "ClientHello" && name != "ServerHello"):
			t.Errorf("%s event: FlagEncrypted = %v", name, ev.Has(trace.FlagEncrypted))
		}
	}
	est := findEvent(evs, func(e *trace.Event) bool {
		return e.Kind == trace.KindTLS && strings.HasPrefix(e.Text, "TLS 1.3, TLS_")
	})
	if est == nil {
		t.Fatalf("no event announces the completed handshake")
	}
	greet := findEvent(evs, func(e *trace.Event) bool { return e.Text == "+OK POP3 ready" })
	if greet.Seq < est.Seq {
		t.Errorf("greeting (seq %d) before the handshake completed (seq %d)", greet.Seq, est.Seq)
	}
	for _, ev := range evs {
		if ev.Has(trace.FlagEncrypted) && ev.Kind == trace.KindBulk {
			t.Errorf("encrypted bulk %q in a decrypted session", ev.Text)
		}
		if ev.Kind == trace.KindLine && bytes.Contains(ev.Records(), []byte("alice")) {
			t.Errorf("records of %q hold plaintext", ev.Text)
		}
	}
	var text bytes.Buffer
	trace.WriteText(&text, lab.rec.Snapshot().Events(), trace.ExportOptions{})
	if strings.Contains(text.String(), "hunter2") || !strings.Contains(text.String(), "[tls] USER alice") {
		t.Errorf("transcript:\n%s", text.String())
	}
}

// Without a key log the same exchange is encrypted bulk, as before.
func TestTLSNoKeyLogStaysEncrypted(t *testing.T) {
	lab := newTLSLab(t, false)
	st := runPOP3S(t, lab)
	evs := sessionEvents(lab.rec, st.ID)
	logEvents(t, evs)
	checkAccounting(t, lab.rec, st)
	if evs[0].Kind != trace.KindTLS || !strings.HasPrefix(evs[0].Text, "TLS handshake begins") {
		t.Errorf("first event = %v %q, want the TLS mark", evs[0].Kind, evs[0].Text)
	}
	for _, ev := range evs[1:] {
		if ev.Kind != trace.KindBulk || !ev.Has(trace.FlagEncrypted) || ev.Has(trace.FlagTLS) || ev.Text != "TLS records" {
			t.Errorf("event %v %q flags %b, want encrypted bulk", ev.Kind, ev.Text, ev.Flags)
		}
	}
}

// Secrets logged late (after the records they open) are picked up when
// they arrive: the waiting records are decrypted then.
func TestTLSKeysLoggedLate(t *testing.T) {
	lab := newTLSLab(t, true)
	var late lateKeys
	lab.srv.KeyLogWriter = &late
	c, s, err := lab.link.Pipe(link.PipeOptions{Protocol: "pop3"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		scriptServer(tls.Server(s, lab.srv), "+OK POP3 ready\r\n", pop3Reply)
	}()
	tc := tls.Client(c, lab.cli)
	br := bufio.NewReader(tc)
	br.ReadString('\n')
	chat(t, tc, br, "USER alice", false)
	if ev := findEvent(sessionEvents(lab.rec, 1), func(e *trace.Event) bool { return e.Kind == trace.KindLine }); ev != nil {
		t.Fatalf("line %q decrypted before its keys were logged", ev.Text)
	}
	late.flushTo(lab.kl) // the session is woken by the key log
	if findEvent(sessionEvents(lab.rec, 1), func(e *trace.Event) bool { return e.Text == "USER alice" }) == nil {
		t.Errorf("USER not decrypted once the keys arrived")
	}
	chat(t, tc, br, "QUIT", false)
	<-done
	c.Close()
	checkAccounting(t, lab.rec, c.Stats())
	logEvents(t, sessionEvents(lab.rec, 1))
}

// lateKeys holds key log lines until flushTo.
type lateKeys struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lateKeys) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lateKeys) flushTo(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w.Write(l.buf.Bytes())
}

// smtpSink accepts AUTH PLAIN and any message.
type smtpSink struct{ got chan string }

func (b smtpSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpAuthSession{b}, nil }

type smtpAuthSession struct{ b smtpSink }

func (s *smtpAuthSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *smtpAuthSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "alice" || pass != "hunter2" {
			return &smtp.SMTPError{Code: 535, Message: "bad credentials"}
		}
		return nil
	}), nil
}
func (s *smtpAuthSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *smtpAuthSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *smtpAuthSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.b.got <- string(b)
	return err
}
func (s *smtpAuthSession) Reset()        {}
func (s *smtpAuthSession) Logout() error { return nil }

// STARTTLS in SMTP, with go-smtp on both ends: EHLO and STARTTLS in plain
// text, then the mark, the handshake, and EHLO, AUTH (masked), MAIL, RCPT,
// DATA and the message decrypted.
func TestTLSSTARTTLSSMTP(t *testing.T) {
	lab := newTLSLab(t, true)
	ln, _ := lab.link.Listen("smtp", "mx.lab:25")
	sink := smtpSink{got: make(chan string, 1)}
	srv := smtp.NewServer(sink)
	srv.Domain = "mx.lab"
	srv.TLSConfig = lab.srv
	go srv.Serve(ln)
	defer srv.Close()
	d := &link.Dialer{Link: lab.link}
	conn, err := d.Dial("tcp", "mx.lab:25")
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClientStartTLS(conn, lab.cli)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "alice", "hunter2")); err != nil {
		t.Fatal(err)
	}
	body := "Subject: t\r\n\r\n" + strings.Repeat("a line of the message body\r\n", 2000)
	if err := c.SendMail("alice@mx.lab", []string{"bob@mx.lab"}, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if got := <-sink.got; got != body {
		t.Errorf("server got %d bytes, want %d", len(got), len(body))
	}
	c.Quit()
	conn.Close()
	st := d.Last().Stats()
	evs := sessionEvents(lab.rec, st.ID)
	logEvents(t, evs)
	checkAccounting(t, lab.rec, st)

	var verbs []string
	tlsSeen := false
	for _, ev := range evs {
		switch {
		case ev.Kind == trace.KindTLS && ev.Text == "TLS handshake begins":
			tlsSeen = true
		case ev.Kind == trace.KindLine && ev.Dir == trace.ClientToServer:
			if ev.Has(trace.FlagTLS) != tlsSeen {
				t.Errorf("%q: FlagTLS = %v, want %v", ev.Text, ev.Has(trace.FlagTLS), tlsSeen)
			}
			verbs = append(verbs, ev.Verb)
			if ev.Verb == "AUTH" && (!ev.Masked() || strings.Contains(ev.Display(false), "AGFsaWNl")) {
				t.Errorf("AUTH line shown as %q", ev.Display(false))
			}
		}
	}
	if got := strings.Join(verbs, " "); got != "EHLO STARTTLS EHLO AUTH MAIL RCPT DATA . QUIT" {
		t.Errorf("client verbs = %q", got)
	}
	bulk := findEvent(evs, func(e *trace.Event) bool { return e.Kind == trace.KindBulk })
	if bulk == nil || bulk.Verb != "DATA" || !bulk.Has(trace.FlagTLS) || bulk.Bytes != len(body) ||
		!bytes.Equal(bulk.Payload[:bulk.Bytes], []byte(body)) {
		t.Fatalf("bulk = %v %q %d bytes, want the %d-byte message, decrypted", bulk.Verb, bulk.Text, bulk.Bytes, len(body))
	}
	// 56 KB of body crosses in several records, all accounted to the bulk
	// (with the record that carries the start of the "." line).
	if bulk.RecordBytes < uint32(len(body)) || len(bulk.Records()) != int(bulk.RecordBytes) {
		t.Errorf("bulk accounts for %d record bytes (%d kept), want ≥ %d", bulk.RecordBytes, len(bulk.Records()), len(body))
	}
	ok := findEvent(evs, func(e *trace.Event) bool { return e.Status == "235" })
	if ok == nil || !ok.Has(trace.FlagTLS) {
		t.Errorf("no decrypted 235 reply to AUTH")
	}
}

// STARTTLS in IMAP with literals after TLS: LOGIN's password literal is
// masked, APPEND's literal is a bulk event, the FETCH literal too.
func TestTLSSTARTTLSIMAP(t *testing.T) {
	lab := newTLSLab(t, true)
	// A session cache has the server send a NewSessionTicket, encrypted
	// under its application traffic key right after its Finished.
	lab.cli.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	msg := "Subject: literal\r\n\r\nbody over TLS\r\n"
	st := runIMAPSTARTTLS(t, lab, msg)
	evs := sessionEvents(lab.rec, st.ID)
	logEvents(t, evs)
	checkAccounting(t, lab.rec, st)

	login := findEvent(evs, func(e *trace.Event) bool { return e.Verb == "LOGIN" })
	pw := findEvent(evs, func(e *trace.Event) bool {
		return e.Kind == trace.KindBulk && e.Dir == trace.ClientToServer && e.Bytes == 7
	})
	if login == nil || !login.Has(trace.FlagTLS) || pw == nil || !pw.Masked() || pw.Display(false) != trace.Mask {
		t.Errorf("LOGIN %+v, password literal %+v: want both decrypted, the literal masked", login, pw)
	}
	var bulks []string
	for _, ev := range evs {
		if ev.Kind == trace.KindBulk && ev.Has(trace.FlagTLS) && !ev.Masked() {
			bulks = append(bulks, ev.Dir.String()+" "+ev.Verb+" "+string(ev.Payload[:ev.Bytes]))
		}
	}
	want := []string{"C→S APPEND " + msg, "S→C FETCH " + msg}
	if !slices.Equal(bulks, want) {
		t.Errorf("bulk events = %q, want %q", bulks, want)
	}
	for _, tail := range []string{")", ""} {
		if findEvent(evs, func(e *trace.Event) bool {
			return e.Kind == trace.KindLine && e.Has(trace.FlagContinued) && e.Text == tail
		}) == nil {
			t.Errorf("no continued line %q after a literal", tail)
		}
	}
	if ok := findEvent(evs, func(e *trace.Event) bool { return e.Tag == "a5" && e.Status == "OK" }); ok == nil || !ok.Has(trace.FlagTLS) {
		t.Errorf("no decrypted a5 OK")
	}
	if findEvent(evs, func(e *trace.Event) bool { return e.Verb == "NewSessionTicket" && e.Dir == trace.ServerToClient }) == nil {
		t.Errorf("no NewSessionTicket event")
	}
}

// runIMAPSTARTTLS runs an IMAP session that turns to TLS with STARTTLS,
// then logs in with a literal, appends msg and fetches it.
func runIMAPSTARTTLS(t *testing.T, lab *tlsLab, msg string) link.Stats {
	t.Helper()
	c, s, err := lab.link.Pipe(link.PipeOptions{Protocol: "imap"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- imapServer(s, lab.srv, msg) }()

	br := bufio.NewReader(c)
	br.ReadString('\n') // greeting
	io.WriteString(c, "a1 STARTTLS\r\n")
	if l, _ := br.ReadString('\n'); !strings.HasPrefix(l, "a1 OK") {
		t.Fatalf("STARTTLS reply %q", l)
	}
	tc := tls.Client(c, lab.cli)
	tr := bufio.NewReader(tc)
	io.WriteString(tc, "a2 LOGIN alice {7}\r\n")
	if l, _ := tr.ReadString('\n'); !strings.HasPrefix(l, "+") {
		t.Fatalf("LOGIN continuation %q", l)
	}
	io.WriteString(tc, "hunter2\r\n")
	tr.ReadString('\n')
	fmt.Fprintf(tc, "a3 APPEND INBOX {%d+}\r\n%s\r\n", len(msg), msg)
	tr.ReadString('\n')
	io.WriteString(tc, "a4 FETCH 1 BODY[]\r\n")
	for {
		l, err := tr.ReadString('\n')
		if err != nil || strings.HasPrefix(l, "a4 ") {
			break
		}
	}
	io.WriteString(tc, "a5 LOGOUT\r\n")
	for {
		if l, err := tr.ReadString('\n'); err != nil || strings.HasPrefix(l, "a5 ") {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c.Close()
	return c.Stats()
}

// imapServer is a scripted IMAP server: greeting, STARTTLS, then LOGIN
// with a literal, APPEND, FETCH, LOGOUT over TLS.
func imapServer(s net.Conn, cfg *tls.Config, msg string) error {
	defer s.Close()
	io.WriteString(s, "* OK IMAP4rev1 ready\r\n")
	br := bufio.NewReader(s)
	if l, err := br.ReadString('\n'); err != nil || l != "a1 STARTTLS\r\n" {
		return fmt.Errorf("want STARTTLS, got %q, %v", l, err)
	}
	io.WriteString(s, "a1 OK Begin TLS negotiation now\r\n")
	ts := tls.Server(s, cfg)
	tr := bufio.NewReader(ts)
	read := func() string { l, _ := tr.ReadString('\n'); return l }
	read() // a2 LOGIN alice {7}
	io.WriteString(ts, "+ Ready for literal data\r\n")
	read() // hunter2
	io.WriteString(ts, "a2 OK LOGIN completed\r\n")
	read() // a3 APPEND INBOX {n+}
	io.ReadFull(tr, make([]byte, len(msg)))
	read() // the CRLF after the literal
	io.WriteString(ts, "a3 OK [APPENDUID 1 1] APPEND completed\r\n")
	read() // a4 FETCH
	fmt.Fprintf(ts, "* 1 FETCH (BODY[] {%d}\r\n%s)\r\na4 OK FETCH completed\r\n", len(msg), msg)
	read() // a5 LOGOUT
	io.WriteString(ts, "* BYE logging out\r\na5 OK LOGOUT completed\r\n")
	return ts.Close()
}

// The pcapng export holds the ciphertext as it crossed and, with Reveal
// and the key log, a Decryption Secrets Block: tshark decrypts the
// capture with no key log file.
func TestTLSPcapngTshark(t *testing.T) {
	lab := newTLSLab(t, true)
	runPOP3S(t, lab)
	runIMAPSTARTTLS(t, lab, "Subject: literal\r\n\r\nbody over TLS\r\n")
	snap := lab.rec.Snapshot()
	write := func(opt trace.ExportOptions) string {
		path := filepath.Join(t.TempDir(), "tls.pcapng")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := trace.WritePcapng(f, snap.Sessions(), snap.Events(), opt); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return path
	}
	withKeys := write(trace.ExportOptions{Reveal: true, KeyLog: lab.kl})
	masked := write(trace.ExportOptions{KeyLog: lab.kl})
	for _, p := range []string{withKeys, masked} {
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("USER alice")) || bytes.Contains(b, []byte("hunter2")) {
			t.Errorf("%s holds plaintext: the capture must carry the ciphertext", filepath.Base(p))
		}
		if hasDSB := bytes.Contains(b, []byte("CLIENT_TRAFFIC_SECRET_0")); hasDSB != (p == withKeys) {
			t.Errorf("secrets embedded = %v, want %v", hasDSB, p == withKeys)
		}
	}

	run := func(path string, args ...string) string {
		t.Helper()
		return strings.Join(trace.TsharkLines(t, path, args...), "\n")
	}
	got := run(withKeys, "-Y", "pop.request.command", "-T", "fields", "-e", "pop.request.command")
	for _, w := range []string{"USER", "PASS", "RETR", "QUIT"} {
		if !strings.Contains(got, w) {
			t.Errorf("tshark POP3 commands = %q, want %s", got, w)
		}
	}
	// Implicit TLS on POP3S's port, STARTTLS on IMAP's.
	if got := run(withKeys, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e", "tcp.dstport"); !slices.Equal(strings.Fields(got), []string{"995", "143"}) {
		t.Errorf("ClientHellos to ports %q, want 995 and 143", got)
	}
	if got := run(masked, "-Y", "pop.request.command", "-T", "fields", "-e", "pop.request.command"); strings.TrimSpace(got) != "" {
		t.Errorf("without secrets tshark decrypted %q", got)
	}
	got = run(withKeys, "-Y", "imap.request.command", "-T", "fields", "-e", "imap.request.command")
	for _, w := range []string{"STARTTLS", "LOGIN", "APPEND", "FETCH", "LOGOUT"} {
		if !strings.Contains(got, w) {
			t.Errorf("tshark IMAP commands = %q, want %s (decrypted after STARTTLS)", got, w)
		}
	}
	if bad := run(withKeys, "-Y", "tcp.analysis.flags && !tcp.analysis.window_update"); strings.TrimSpace(bad) != "" {
		t.Errorf("tshark flags TCP problems:\n%s", bad)
	}
}

// Each TLS 1.3 cipher suite, chosen by a client no one here wrote
// (openssl s_client, whose suites can be forced), decrypts: AES-128-GCM,
// AES-256-GCM and ChaCha20-Poly1305.
func TestTLSCipherSuitesOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("MAILSCOPE_REQUIRE_TOOLS") == "1" {
			t.Fatal("openssl not on PATH and MAILSCOPE_REQUIRE_TOOLS=1")
		}
		t.Skip("openssl not on PATH")
	}
	for _, suite := range []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"} {
		t.Run(suite, func(t *testing.T) {
			lab := newTLSLab(t, true)
			// openssl speaks TCP: bridge a loopback socket onto the link.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			statsc := make(chan link.Stats, 1)
			go func() {
				tcp, err := ln.Accept()
				if err != nil {
					return
				}
				defer tcp.Close()
				c, s, err := lab.link.Pipe(link.PipeOptions{Protocol: "pop3"})
				if err != nil {
					return
				}
				go scriptServer(tls.Server(s, lab.srv), "+OK POP3 ready\r\n", pop3Reply)
				go io.Copy(c, tcp)
				io.Copy(tcp, c) // until the server closes
				c.Close()
				statsc <- c.Stats()
			}()
			cmd := exec.Command(openssl, "s_client", "-connect", ln.Addr().String(), "-tls1_3",
				"-ciphersuites", suite, "-quiet", "-crlf", "-servername", "mail.lab")
			cmd.Stdin = strings.NewReader("USER alice\nPASS hunter2\nQUIT\n")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("openssl s_client: %v\n%s", err, out)
			}
			var st link.Stats
			select {
			case st = <-statsc:
			case <-time.After(10 * time.Second):
				t.Fatalf("the session did not end; openssl said:\n%s", out)
			}
			evs := sessionEvents(lab.rec, st.ID)
			logEvents(t, evs)
			checkAccounting(t, lab.rec, st)
			if findEvent(evs, func(e *trace.Event) bool { return e.Verb == "ServerHello" && strings.Contains(e.Text, suite) }) == nil {
				t.Errorf("no ServerHello naming %s", suite)
			}
			if findEvent(evs, func(e *trace.Event) bool { return e.Kind == trace.KindTLS && e.Text == "TLS 1.3, "+suite }) == nil {
				t.Errorf("no event announcing TLS 1.3, %s", suite)
			}
			for _, want := range []string{"+OK POP3 ready", "USER alice", "+OK send PASS", "QUIT", "+OK bye"} {
				if findEvent(evs, func(e *trace.Event) bool { return e.Has(trace.FlagTLS) && e.Text == want }) == nil {
					t.Errorf("no decrypted line %q", want)
				}
			}
			if pass := findEvent(evs, func(e *trace.Event) bool { return e.Verb == "PASS" }); pass == nil || pass.Display(false) != "PASS "+trace.Mask {
				t.Errorf("PASS = %+v, want it decrypted and masked", pass)
			}
		})
	}
}

// TLS 1.2 cannot be decrypted from TLS 1.3 secrets: after the hellos the
// session is encrypted bulk, with every byte still accounted.
func TestTLS12FallsBack(t *testing.T) {
	lab := newTLSLab(t, true)
	lab.srv.MinVersion, lab.srv.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	lab.cli.MinVersion = tls.VersionTLS12
	st := runPOP3S(t, lab)
	evs := sessionEvents(lab.rec, st.ID)
	logEvents(t, evs)
	checkAccounting(t, lab.rec, st)
	if sh := findEvent(evs, func(e *trace.Event) bool { return e.Verb == "ServerHello" }); sh == nil || !strings.Contains(sh.Text, "TLS 1.2") {
		t.Errorf("ServerHello = %+v, want it to name TLS 1.2", sh)
	}
	for _, ev := range evs {
		if ev.Kind == trace.KindLine {
			t.Errorf("line %q from a TLS 1.2 session", ev.Text)
		}
	}
	if findEvent(evs, func(e *trace.Event) bool { return e.Kind == trace.KindBulk && e.Has(trace.FlagEncrypted) }) == nil {
		t.Errorf("no encrypted bulk")
	}
}

// A key log that never learns the session's secrets (the server logs
// elsewhere): the records wait a second at most, then are encrypted bulk,
// with no need for more traffic or the close.
func TestTLSUnknownClientRandom(t *testing.T) {
	lab := newTLSLab(t, true)
	lab.srv.KeyLogWriter = io.Discard
	c, s, err := lab.link.Pipe(link.PipeOptions{Protocol: "pop3"})
	if err != nil {
		t.Fatal(err)
	}
	go scriptServer(tls.Server(s, lab.srv), "+OK POP3 ready\r\n", pop3Reply)
	tc := tls.Client(c, lab.cli)
	br := bufio.NewReader(tc)
	br.ReadString('\n')
	chat(t, tc, br, "USER alice", false)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		bulks := 0
		for _, ev := range sessionEvents(lab.rec, 1) {
			if ev.Kind == trace.KindBulk && ev.Has(trace.FlagEncrypted) {
				bulks++
			}
		}
		if bulks == 2 {
			break
		}
		if time.Now().After(deadline) {
			logEvents(t, sessionEvents(lab.rec, 1))
			t.Fatalf("the waiting records did not turn into encrypted bulk")
		}
	}
	chat(t, tc, br, "QUIT", false)
	c.Close()
	st := c.Stats()
	evs := sessionEvents(lab.rec, st.ID)
	logEvents(t, evs)
	checkAccounting(t, lab.rec, st)
	for _, ev := range evs {
		if ev.Kind == trace.KindLine || ev.Kind == trace.KindBulk && !ev.Has(trace.FlagEncrypted) {
			t.Errorf("%v %q from a session without keys", ev.Kind, ev.Text)
		}
	}
}

// BenchmarkTappedTLSThroughput is BenchmarkTappedThroughput over TLS 1.3:
// 1 MiB POP3 RETR bodies, server to client, decrypted by the tap (or kept
// as encrypted bulk without a key log); payload counted, not kept.
func BenchmarkTappedTLSThroughput(b *testing.B) {
	line := strings.Repeat("x", 76) + "\r\n"
	var msg bytes.Buffer
	for msg.Len() < 1<<20 {
		msg.WriteString(line)
	}
	payload := msg.Bytes()
	for _, decrypt := range []bool{true, false} {
		name := "decrypted"
		if !decrypt {
			name = "encrypted-bulk"
		}
		b.Run(name, func(b *testing.B) {
			lab := newTLSLab(b, decrypt)
			opt := &trace.Options{PayloadLimit: -1}
			if decrypt {
				opt.KeyLog = lab.kl
			}
			lab.rec = trace.NewRecorder(opt)
			p, _ := link.Preset("adsl-8m")
			l := tapped(p, lab.rec)
			c, s, _ := l.Pipe(link.PipeOptions{Protocol: "pop3"})
			tc, ts := tls.Client(c, lab.cli), tls.Server(s, lab.srv)
			go ts.Handshake()
			if err := tc.Handshake(); err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			go func() { io.Copy(io.Discard, tc); close(done) }()
			b.SetBytes(int64(len(payload)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				io.WriteString(tc, "RETR 1\r\n")
				io.WriteString(ts, "+OK message follows\r\n")
				for off := 0; off < len(payload); off += 32 << 10 {
					ts.Write(payload[off:min(off+32<<10, len(payload))])
				}
				io.WriteString(ts, ".\r\n")
			}
			ts.Close()
			<-done
			tc.Close()
			b.StopTimer()
			if decrypt {
				if ev := findEvent(sessionEvents(lab.rec, 1), func(e *trace.Event) bool { return e.Verb == "RETR" && e.Kind == trace.KindBulk }); ev == nil || !ev.Has(trace.FlagTLS) {
					b.Errorf("RETR bodies were not decrypted")
				}
			}
		})
	}
}
