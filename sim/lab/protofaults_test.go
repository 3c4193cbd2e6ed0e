package lab

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/trace"
)

// Protocol faults against real clients (Python's poplib, imaplib and
// smtplib over TLS where they can) and raw wires: the client sees the
// chosen reply, the store loses nothing and gains nothing, and the trace
// has a fault row just before the reply it made.

func arm(t *testing.T, l *Lab, spec string) ArmedFault {
	t.Helper()
	fs, err := link.ParseFault(spec)
	if err != nil {
		t.Fatal(err)
	}
	a, err := l.Arm(fs)
	if err != nil {
		t.Fatalf("Arm(%s): %v", spec, err)
	}
	return a
}

// faultRows returns each fault row of the trace and the server line
// that follows it on the same session ("" if none).
func faultRows(l *Lab) (rows []trace.Event, next []string) {
	evs := l.Trace.Snapshot().Slice()
	for i, ev := range evs {
		if ev.Kind != trace.KindFault {
			continue
		}
		rows = append(rows, ev)
		n := ""
		for _, e := range evs[i+1:] {
			if e.Session == ev.Session && e.Kind == trace.KindLine && e.Dir == trace.ServerToClient {
				n = e.Text
				break
			}
		}
		next = append(next, n)
	}
	return rows, next
}

func fired(l *Lab, id int) int {
	for _, a := range l.Faults() {
		if a.ID == id {
			return a.Fired
		}
	}
	return -1
}

func TestProtocolFaultPoplib(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	if err := l.Seed("student", 3, 7); err != nil {
		t.Fatal(err)
	}
	retr := arm(t, l, "reply@pop3,cmd=RETR,nth=3,with=-ERR [SYS/TEMP] try later")
	dele := arm(t, l, "reply@pop3,cmd=DELE,user=student,with=-ERR [IN-USE] not now")
	other := arm(t, l, "reply@pop3,cmd=RETR,user=alice,with=-ERR never for student")
	out := python(t, eps, `
import os, poplib, ssl
host, port = os.environ["POP3"].split(":")
p = poplib.POP3(host, int(port))
p.stls(context=ssl._create_unverified_context())
p.user("student"); p.pass_("secret")
for n in (1, 2, 3):
    try:
        resp, lines, octets = p.retr(n if n < 3 else 1)
        print("RETR", n, "ok", octets)
    except poplib.error_proto as e:
        print("RETR", n, "error", e.args[0].decode())
try:
    p.dele(1)
    print("DELE ok")
except poplib.error_proto as e:
    print("DELE error", e.args[0].decode())
p.quit()
`)
	if !strings.Contains(out, "RETR 1 ok") || !strings.Contains(out, "RETR 2 ok") {
		t.Errorf("the first two RETRs must run:\n%s", out)
	}
	if !strings.Contains(out, "RETR 3 error -ERR [SYS/TEMP] try later") {
		t.Errorf("poplib must see the chosen -ERR on the third RETR:\n%s", out)
	}
	if !strings.Contains(out, "DELE error -ERR [IN-USE] not now") {
		t.Errorf("poplib must see the chosen -ERR on DELE:\n%s", out)
	}
	if msgs, _ := l.Store.Messages("student", "INBOX"); len(msgs) != 3 {
		t.Errorf("after DELE answered by a fault and QUIT: %d messages, want all 3", len(msgs))
	}
	if fired(l, retr.ID) != 1 || fired(l, dele.ID) != 1 || fired(l, other.ID) != 0 {
		t.Errorf("fired: RETR %d, DELE %d, alice's %d; want 1, 1, 0", fired(l, retr.ID), fired(l, dele.ID), fired(l, other.ID))
	}
	rows, next := faultRows(l)
	if len(rows) != 2 || !strings.HasPrefix(rows[0].Text, retr.Spec.Spec+": answered RETR") || next[0] != "-ERR [SYS/TEMP] try later" ||
		!strings.HasPrefix(rows[1].Text, dele.Spec.Spec+": answered DELE") || next[1] != "-ERR [IN-USE] not now" {
		t.Errorf("fault rows %q, then %q; want the RETR and DELE faults, each before its reply (inside TLS)", texts(rows), next)
	}
}

func texts(evs []trace.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Text)
	}
	return out
}

func TestProtocolFaultImaplib(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	if err := l.Seed("student", 2, 7); err != nil {
		t.Fatal(err)
	}
	sel := arm(t, l, "reply@imap,cmd=SELECT,with=NO [UNAVAILABLE] busy")
	app := arm(t, l, "reply@imap,cmd=APPEND,with=NO [OVERQUOTA] full")
	out := python(t, eps, `
import os, imaplib, ssl
host, port = os.environ["IMAP"].split(":")
m = imaplib.IMAP4(host, int(port))
m.starttls(ssl_context=ssl._create_unverified_context())
m.login("student", "secret")
typ, data = m.select("INBOX")
print("SELECT", typ, data[0].decode())
typ, data = m.append("INBOX", None, None, b"From: a@b\r\nSubject: x\r\n\r\nbody\r\n")
print("APPEND", typ, data[0].decode())
typ, data = m.status("INBOX", "(MESSAGES)")
print("STATUS", typ, data[0].decode())
m.logout()
host, port = os.environ["IMAPS"].split(":")
m = imaplib.IMAP4_SSL(host, int(port), ssl_context=ssl._create_unverified_context())
m.login("student", "secret")
typ, data = m.select("INBOX")
print("IMAPS SELECT", typ, data[0].decode())
m.logout()
`)
	for _, want := range []string{"SELECT NO [UNAVAILABLE] busy", "APPEND NO [OVERQUOTA] full", "STATUS OK INBOX (MESSAGES 2)", "IMAPS SELECT NO [UNAVAILABLE] busy"} {
		if !strings.Contains(out, want) {
			t.Errorf("imaplib output lacks %q:\n%s", want, out)
		}
	}
	if msgs, _ := l.Store.Messages("student", "INBOX"); len(msgs) != 2 {
		t.Errorf("after APPEND answered by a fault: %d messages, want 2", len(msgs))
	}
	if fired(l, sel.ID) != 2 || fired(l, app.ID) != 1 {
		t.Errorf("fired SELECT %d, APPEND %d; want 2 (STARTTLS and implicit TLS) and 1", fired(l, sel.ID), fired(l, app.ID))
	}
	_, next := faultRows(l)
	if len(next) != 3 || !strings.HasSuffix(next[0], " NO [UNAVAILABLE] busy") || strings.HasPrefix(next[0], "* ") {
		t.Errorf("the line after the SELECT fault = %q, want a tagged NO [UNAVAILABLE] busy", next)
	}
}

func TestProtocolFaultSmtplib(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	rcpt := arm(t, l, "reply@smtp,cmd=RCPT,with=451 4.3.0 try again later")
	out := python(t, eps, `
import os, smtplib
host, port = os.environ["SMTP"].split(":")
s = smtplib.SMTP(host, int(port))
s.starttls()
try:
    s.sendmail("alice@mailscope.lab", ["student@mailscope.lab"], "Subject: x\r\n\r\nbody\r\n")
    print("sent")
except smtplib.SMTPRecipientsRefused as e:
    code, msg = e.recipients["student@mailscope.lab"]
    print("refused", code, msg.decode())
s.quit()
`)
	if !strings.Contains(out, "refused 451 4.3.0 try again later") {
		t.Errorf("smtplib must see 451 on RCPT:\n%s", out)
	}
	if msgs, _ := l.Store.Messages("student", "INBOX"); len(msgs) != 0 || fired(l, rcpt.ID) != 1 {
		t.Errorf("%d messages delivered, fired %d; want none, 1", len(msgs), fired(l, rcpt.ID))
	}
	if err := l.Disarm(rcpt.ID); err != nil {
		t.Fatal(err)
	}
	greet := arm(t, l, "reply@smtp,cmd=greeting,with=421 4.3.2 shutting down")
	out = python(t, eps, `
import os, smtplib
for svc in ("SMTP", "SMTPS"):
    host, port = os.environ[svc].split(":")
    try:
        s = smtplib.SMTP(host, int(port)) if svc == "SMTP" else smtplib.SMTP_SSL(host, int(port), context=__import__("ssl")._create_unverified_context())
        print(svc, "connected")
    except smtplib.SMTPConnectError as e:
        print(svc, "connect error", e.smtp_code, e.smtp_error.decode())
`)
	for _, svc := range []string{"SMTP", "SMTPS"} {
		if !strings.Contains(out, svc+" connect error 421 4.3.2 shutting down") {
			t.Errorf("smtplib must be refused with 421 on %s:\n%s", svc, out)
		}
	}
	if fired(l, greet.ID) != 2 {
		t.Errorf("greeting fault fired %d times, want 2", fired(l, greet.ID))
	}
}

// chaos with the same seed fails the same commands on two runs, and a
// failed RCPT delivers nothing.
func TestProtocolFaultChaosReproducible(t *testing.T) {
	run := func() (string, int) {
		l, eps := tcpLab(t, Options{NoTLS: true})
		arm(t, l, "chaos@smtp,p=0.2,seed=7,cmd=RCPT,with=451 4.7.1 greylisted")
		out := python(t, eps, `
import os, smtplib
host, port = os.environ["SMTP"].split(":")
s = smtplib.SMTP(host, int(port))
res = []
for i in range(30):
    try:
        s.sendmail("alice@mailscope.lab", ["student@mailscope.lab"], "Subject: %d\r\n\r\nbody\r\n" % i)
        res.append("ok")
    except smtplib.SMTPRecipientsRefused as e:
        res.append(str(e.recipients["student@mailscope.lab"][0]))
s.quit()
print(" ".join(res))
`)
		msgs, _ := l.Store.Messages("student", "INBOX")
		return strings.TrimSpace(out), len(msgs)
	}
	a, na := run()
	b, nb := run()
	if a != b {
		t.Fatalf("two runs with seed 7 differ:\n%s\n%s", a, b)
	}
	fails := strings.Count(a, "451")
	if fails == 0 || fails == 30 || na != 30-fails || nb != na {
		t.Errorf("seed 7: %d of 30 refused, %d and %d delivered; want some refused and the rest delivered: %s", fails, na, nb, a)
	}
}

// rawConn is a client on the lab's link, on the virtual clock.
type rawConn struct {
	t  *testing.T
	c  *link.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, l *Lab, service string) *rawConn {
	c, err := l.Dial(context.Background(), service, link.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (r *rawConn) send(line string) {
	if _, err := r.c.Write([]byte(line + "\r\n")); err != nil {
		r.t.Fatal(err)
	}
}

// until reads lines until one starts with prefix; it returns the last.
func (r *rawConn) until(prefix string) (string, error) {
	for {
		s, err := r.br.ReadString('\n')
		if err != nil {
			return s, err
		}
		if s = strings.TrimRight(s, "\r\n"); strings.HasPrefix(s, prefix) {
			return s, nil
		}
	}
}

func (r *rawConn) must(prefix string) string {
	r.t.Helper()
	s, err := r.until(prefix)
	if err != nil {
		r.t.Fatalf("waiting for %q: %v (last %q)", prefix, err, s)
	}
	return s
}

// Raw wires: a command answered by a fault never reaches the handler.
func TestProtocolFaultRawWire(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	if err := l.Seed("student", 2, 7); err != nil {
		t.Fatal(err)
	}
	arm(t, l, "reply@pop3,cmd=DELE,with=-ERR no deleting today")
	arm(t, l, "reply@imap,cmd=STORE,with=NO [UNAVAILABLE] flags are frozen")
	arm(t, l, "reply@smtp,cmd=DATA,with=451 4.3.0 not today")

	p := dialRaw(t, l, POP3)
	p.must("+OK")
	p.send("USER student")
	p.must("+OK")
	p.send("PASS secret")
	p.must("+OK")
	p.send("DELE 1")
	if got := p.must("-ERR"); got != "-ERR no deleting today" {
		t.Errorf("DELE: %q", got)
	}
	p.send("QUIT")
	p.must("+OK")

	i := dialRaw(t, l, IMAP)
	i.must("* OK")
	i.send("a1 LOGIN student secret")
	i.must("a1 OK")
	i.send("a2 SELECT INBOX")
	i.must("a2 OK")
	i.send("a3 STORE 1:* +FLAGS (\\Deleted \\Seen)")
	if got := i.must("a3 "); got != "a3 NO [UNAVAILABLE] flags are frozen" {
		t.Errorf("STORE: %q", got)
	}
	i.send("a4 EXPUNGE")
	i.must("a4 OK")
	i.send("a5 LOGOUT")
	i.must("a5 OK")

	s := dialRaw(t, l, SMTP)
	s.must("220 ")
	s.send("EHLO raw")
	s.must("250 ")
	s.send("MAIL FROM:<alice@mailscope.lab>")
	s.must("250 ")
	s.send("RCPT TO:<student@mailscope.lab>")
	s.must("250 ")
	s.send("DATA")
	s.must("354 ")
	s.send("Subject: x\r\n\r\nbody\r\n.")
	if got := s.must("4"); got != "451 4.3.0 not today" {
		t.Errorf("DATA: %q", got)
	}
	s.send("QUIT")
	s.must("221 ")

	msgs, _ := l.Store.Messages("student", "INBOX")
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want the 2 seeded (no DELE, no delivery)", len(msgs))
	}
	for _, m := range msgs {
		if len(m.Flags) != 0 {
			t.Errorf("message %d has flags %v: STORE reached the store", m.UID, m.Flags)
		}
	}
}

// delay holds the command on the virtual clock; disconnect ends an IDLE
// with BYE after= later on it.
func TestProtocolFaultDelayAndDisconnectVirtual(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	if err := l.Seed("student", 1, 7); err != nil {
		t.Fatal(err)
	}
	arm(t, l, "delay@imap,cmd=FETCH,for=5s")
	disc := arm(t, l, "disconnect@imap,during=IDLE,after=30s")
	i := dialRaw(t, l, IMAP)
	i.must("* OK")
	i.send("a1 LOGIN student secret")
	i.must("a1 OK")
	i.send("a2 SELECT INBOX")
	i.must("a2 OK")
	before := i.c.Now()
	i.send("a3 FETCH 1 (FLAGS)")
	i.must("a3 OK")
	if took := i.c.Now() - before; took < 5*time.Second || took > 6*time.Second {
		t.Errorf("FETCH took %v of virtual time, want 5s and a round trip", took)
	}
	i.send("a4 IDLE")
	i.must("+ ")
	idle := i.c.Now()
	if got := i.must("* BYE"); got != "* BYE "+idleBye {
		t.Errorf("during IDLE: %q", got)
	}
	if at := i.c.Now() - idle; at < 30*time.Second || at > 31*time.Second {
		t.Errorf("BYE came %v after IDLE began, want 30s", at)
	}
	if s, err := i.until("a4"); err == nil {
		t.Errorf("after BYE the server sent %q, want the connection closed", s)
	}
	if fired(l, disc.ID) != 1 {
		t.Errorf("disconnect fired %d, want 1", fired(l, disc.ID))
	}
	rows, next := faultRows(l)
	if len(rows) != 2 || !strings.Contains(rows[0].Text, "held FETCH for 5s") || !strings.Contains(rows[1].Text, "closed the connection") || next[1] != "* BYE "+idleBye {
		t.Errorf("fault rows %q then %q", texts(rows), next)
	}
}

// A disconnect on the live clock, with Python writing IDLE on a socket
// (imaplib has no idle()).
func TestProtocolFaultDisconnectIdleLive(t *testing.T) {
	l, eps := tcpLab(t, Options{NoTLS: true})
	arm(t, l, "disconnect@imap,during=IDLE,after=1s")
	out := python(t, eps, `
import os, socket, time
host, port = os.environ["IMAP"].split(":")
s = socket.create_connection((host, int(port)))
f = s.makefile("rb")
def upto(p):
    while True:
        l = f.readline().decode()
        if not l or l.startswith(p):
            return l.strip()
upto("* OK")
s.sendall(b"a1 LOGIN student secret\r\n"); upto("a1 ")
s.sendall(b"a2 SELECT INBOX\r\n"); upto("a2 ")
s.sendall(b"a3 IDLE\r\n"); upto("+")
t = time.time()
print("got", upto("* BYE"), "after %.1f" % (time.time() - t))
print("then", repr(f.readline()))
`)
	if !strings.Contains(out, "got * BYE "+idleBye+" after 1.") && !strings.Contains(out, "after 0.9") {
		t.Errorf("the client must read BYE about 1 s into IDLE:\n%s", out)
	}
	if !strings.Contains(out, "then b''") {
		t.Errorf("after BYE the connection must close:\n%s", out)
	}
}

// What Arm refuses, with a message that says why.
func TestArmRefusesWhatServersCannotDo(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	for _, tc := range []struct{ spec, want string }{
		{"reply@smtp,cmd=EHLO,with=421 4.3.2 no", "go-smtp answers the others itself"},
		{"reply@imap,cmd=NOOP,with=NO x", "imapserver answers the others itself"},
		{"reply@pop3,cmd=XTND,with=-ERR x", "cannot be faulted"},
		{"reply@smtp,cmd=greeting,with=220 hello", "4xx or 5xx"},
		{"reply@smtp,cmd=RCPT,with=try later", "an SMTP reply"},
		{"reply@pop3,cmd=RETR,with=ERR x", "+OK or -ERR"},
		{"reply@imap,cmd=SELECT,with=* NO x", "NO or BAD"},
		{"reply@imap,cmd=greeting,with=NO x", "BYE"},
		{"offline,for=5s", "not a per-connection fault"},
	} {
		fs, err := link.ParseFault(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Arm(fs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Arm(%s) = %v, want an error with %q", tc.spec, err, tc.want)
		}
	}
	if n := len(l.Faults()); n != 0 {
		t.Errorf("%d faults armed after refusals", n)
	}
	a := arm(t, l, "reply@pop3,cmd=RETR,with=-ERR x")
	b := arm(t, l, "reset@pop3,after=10")
	var changes int
	l.OnFaultsChanged(func() { changes++ })
	if got := l.ArmedFaultSpecs(); len(got) != 2 || got[0].Spec != b.Spec.Spec || got[1].Spec != a.Spec.Spec {
		t.Errorf("ArmedFaultSpecs = %v", got)
	}
	if err := l.Disarm(a.ID); err != nil || l.Disarm(a.ID) == nil {
		t.Errorf("Disarm twice: the second must fail")
	}
	l.ClearFaults()
	if len(l.Faults()) != 0 || changes != 2 {
		t.Errorf("after Clear: %d faults, %d changes; want 0, 2", len(l.Faults()), changes)
	}
}

// session= scopes a fault to one trace session: the other connection,
// same user, same command, is not touched.
func TestProtocolFaultSessionScope(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	if err := l.Seed("student", 1, 7); err != nil {
		t.Fatal(err)
	}
	a, b := dialRaw(t, l, IMAP), dialRaw(t, l, IMAP)
	arm(t, l, fmt.Sprintf("reply@imap,cmd=STATUS,session=%d,with=NO [UNAVAILABLE] not you", b.c.Info().ID))
	for _, c := range []*rawConn{a, b} {
		c.must("* OK")
		c.send("a1 LOGIN student secret")
		c.must("a1 OK")
		c.send("a2 STATUS INBOX (MESSAGES)")
	}
	if got := a.must("a2 "); !strings.HasPrefix(got, "a2 OK") {
		t.Errorf("session %d, out of scope: %q", a.c.Info().ID, got)
	}
	if got := b.must("a2 "); got != "a2 NO [UNAVAILABLE] not you" {
		t.Errorf("session %d, in scope: %q", b.c.Info().ID, got)
	}
}

// SMTP with PIPELINING and CHUNKING on a raw wire: a pipelined RCPT
// answered by a fault leaves the transaction without recipients (DATA is
// refused, nothing stored); a BDAT fault answers the LAST chunk and the
// message is dropped; the greetings of POP3 and IMAP refuse and close.
func TestProtocolFaultPipeliningBDATAndGreetings(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	rcpt := arm(t, l, "reply@smtp,cmd=RCPT,user=alice,with=451 4.3.0 try again later")
	arm(t, l, "reply@smtp,cmd=BDAT,with=452 4.3.1 no room today")
	s := dialRaw(t, l, SMTP)
	s.must("220 ")
	s.send("EHLO raw")
	s.must("250 ")
	s.send("AUTH PLAIN " + "AGFsaWNlAGFsaWNl") // alice:alice
	s.must("235 ")
	// One write: MAIL, RCPT, DATA pipelined (RFC 2920).
	s.send("MAIL FROM:<alice@mailscope.lab>\r\nRCPT TO:<student@mailscope.lab>\r\nDATA")
	s.must("250 ")
	if got := s.must("4"); got != "451 4.3.0 try again later" {
		t.Errorf("pipelined RCPT: %q", got)
	}
	if got := s.must("5"); !strings.HasPrefix(got, "502 ") && !strings.HasPrefix(got, "503 ") && !strings.HasPrefix(got, "554 ") {
		t.Errorf("DATA without a recipient: %q, want a refusal", got)
	}
	s.send("RSET")
	s.must("250 ")
	l.Disarm(rcpt.ID)
	s.send("MAIL FROM:<alice@mailscope.lab>")
	s.must("250 ")
	s.send("RCPT TO:<student@mailscope.lab>")
	s.must("250 ")
	body := "Subject: chunked\r\n\r\nhello\r\n"
	s.send(fmt.Sprintf("BDAT %d LAST", len(body)))
	s.c.Write([]byte(body))
	if got := s.must("4"); got != "452 4.3.1 no room today" {
		t.Errorf("BDAT LAST: %q", got)
	}
	s.send("QUIT")
	s.must("221 ")
	if msgs, _ := l.Store.Messages("student", "INBOX"); len(msgs) != 0 {
		t.Errorf("%d messages delivered, want none", len(msgs))
	}

	arm(t, l, "reply@pop3,cmd=greeting,with=-ERR [SYS/TEMP] maildrops are being moved")
	arm(t, l, "reply@imap,cmd=greeting,with=BYE [UNAVAILABLE] come back later")
	p := dialRaw(t, l, POP3)
	if got := p.must("-ERR"); got != "-ERR [SYS/TEMP] maildrops are being moved" {
		t.Errorf("POP3 greeting: %q", got)
	}
	if s, err := p.until(""); err == nil {
		t.Errorf("after a refusing greeting POP3 sent %q, want the connection closed", s)
	}
	i := dialRaw(t, l, IMAP)
	if got := i.must("* "); got != "* BYE [UNAVAILABLE] come back later" {
		t.Errorf("IMAP greeting: %q", got)
	}
	if s, err := i.until(""); err == nil {
		t.Errorf("after BYE IMAP sent %q, want the connection closed", s)
	}
}

// swaks sees the chosen 451 on RCPT (in plain text: this swaks lacks
// Net::SSLeay), and nothing is
// delivered; with the fault disarmed the same command delivers.
func TestProtocolFaultSwaks(t *testing.T) {
	sw := need(t, "swaks")
	l, eps := tcpLab(t, Options{})
	f := arm(t, l, "reply@smtp,cmd=RCPT,with=451 4.3.0 try again later")
	swaks := func() (string, error) {
		out, err := exec.Command(sw, "--server", eps[SMTP], "--to", "student@mailscope.lab", "--from", "alice@mailscope.lab",
			"--timeout", "10").CombinedOutput()
		return string(out), err
	}
	out, err := swaks()
	if err == nil || !strings.Contains(out, "<** 451 4.3.0 try again later") {
		t.Errorf("swaks with the fault: %v\n%s", err, out)
	}
	if msgs, _ := l.Store.Messages("student", "INBOX"); len(msgs) != 0 {
		t.Errorf("%d delivered despite the 451", len(msgs))
	}
	l.Disarm(f.ID)
	out, err = swaks()
	if msgs, _ := l.Store.Messages("student", "INBOX"); len(msgs) != 1 {
		t.Errorf("disarmed: %d delivered, want 1: %v\n%s", len(msgs), err, out)
	}
}
