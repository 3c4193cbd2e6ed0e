package lab

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/trace"
)

// Tests with real mail clients that no one here wrote: Python's poplib,
// imaplib and smtplib, and curl, against the lab's TCP listeners.

// need returns the path of a tool, skipping the test when it is missing
// unless MAILSCOPE_REQUIRE_TOOLS=1 (make test installs them).
func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("MAILSCOPE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required (MAILSCOPE_REQUIRE_TOOLS=1) but not installed", tool)
		}
		t.Skipf("%s not installed", tool)
	}
	return p
}

// tcpLab starts a lab with every service on an ephemeral loopback port.
func tcpLab(t *testing.T, o Options) (*Lab, map[string]string) {
	t.Helper()
	l, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	want := map[string]string{}
	for s := range l.inApp {
		want[s] = "127.0.0.1:0"
	}
	eps, err := l.ListenTCP(want, false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, ep := range eps {
		got[ep.Service] = ep.Addr
	}
	return l, got
}

// python runs a Python script with the endpoints in its environment
// (POP3=127.0.0.1:NNNN …) and returns its stdout.
func python(t *testing.T, eps map[string]string, script string) string {
	t.Helper()
	py := need(t, "python3")
	cmd := exec.Command(py, "-c", script)
	cmd.Env = os.Environ()
	for s, a := range eps {
		cmd.Env = append(cmd.Env, strings.ToUpper(s)+"="+a)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("python: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	return out.String()
}

func curl(t *testing.T, args ...string) string {
	t.Helper()
	c := need(t, "curl")
	cmd := exec.Command(c, append([]string{"-sS", "--max-time", "20"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("curl %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

const pyPOP3 = `
import os, poplib, ssl
host, port = os.environ["POP3"].split(":")
ctx = ssl._create_unverified_context()
p = poplib.POP3(host, int(port))
caps = p.capa()
assert "STLS" in caps and "UIDL" in caps and "PIPELINING" in caps, caps
p.stls(context=ctx)
p.user("student"); p.pass_("secret")
n, size = p.stat()
print("STAT", n, size)
resp, lines, octets = p.retr(1)
print("RETR1", octets, lines[0].decode())
resp, listing, _ = p.list()
print("LIST", " ".join(x.decode() for x in listing))
p.dele(1)
p.quit()
host, port = os.environ["POP3S"].split(":")
p = poplib.POP3_SSL(host, int(port), context=ctx)
p.user("student"); p.pass_("secret")
print("AFTER", p.stat()[0])
p.quit()
`

func TestPythonPoplib(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	if err := l.Seed("student", 3, 7); err != nil {
		t.Fatal(err)
	}
	msgs, _ := l.Store.Messages("student", "INBOX")
	out := python(t, eps, pyPOP3)
	total := 0
	for _, m := range msgs {
		total += len(m.Raw)
	}
	for _, want := range []string{
		"STAT 3 " + itoa(total),
		"LIST 1 " + itoa(len(msgs[0].Raw)) + " 2 " + itoa(len(msgs[1].Raw)),
		"AFTER 2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("poplib output lacks %q:\n%s", want, out)
		}
	}
	// poplib counts octets with CRLF: the same as LIST and the store.
	if !strings.Contains(out, "RETR1 "+itoa(len(msgs[0].Raw))) {
		t.Errorf("RETR octets differ from the stored size %d:\n%s", len(msgs[0].Raw), out)
	}
	if after, _ := l.Store.Messages("student", "INBOX"); len(after) != 2 || after[0].UID != msgs[1].UID {
		t.Errorf("after DELE 1 + QUIT: %d messages", len(after))
	}
}

func TestCurlPOP3(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	l.Seed("alice", 2, 3)
	msgs, _ := l.Store.Messages("alice", "INBOX")
	list := curl(t, "pop3://"+eps[POP3]+"/", "-u", "alice:alice")
	if want := "1 " + itoa(len(msgs[0].Raw)) + "\r\n2 " + itoa(len(msgs[1].Raw)) + "\r\n"; list != want {
		t.Errorf("curl LIST = %q, want %q", list, want)
	}
	body := curl(t, "pop3://"+eps[POP3]+"/2", "-u", "alice:alice")
	if body != string(msgs[1].Raw) {
		t.Errorf("curl RETR 2 returned %d bytes, want the stored %d", len(body), len(msgs[1].Raw))
	}
	// Implicit TLS, as on port 995.
	if tl := curl(t, "-k", "pop3s://"+eps[POP3S]+"/", "-u", "alice:alice"); tl != list {
		t.Errorf("pop3s LIST = %q", tl)
	}
}

// An outside client on a slow link really experiences it: the live clock
// paces the bytes.
func TestOutsideClientIsPaced(t *testing.T) {
	p, _ := link.Preset("satellite-geo")
	p.Jitter = 0
	l, eps := tcpLab(t, Options{Profile: p, Speed: 4})
	start := time.Now()
	curl(t, "pop3://"+eps[POP3]+"/", "-u", "bob:bob")
	// Handshake, greeting, CAPA, AUTH, LIST, QUIT: at least 5 round trips
	// of 600 ms, at 4× speed ≥ 750 ms of wall time.
	if el := time.Since(start); el < 700*time.Millisecond {
		t.Errorf("curl over a 600 ms RTT link at 4× took %v; the link did not pace it", el)
	}
	var sessions int
	for _, s := range l.Trace.Snapshot().Sessions() {
		if s.Protocol.String() == "pop3" {
			sessions++
		}
	}
	if sessions != 1 {
		t.Errorf("trace has %d POP3 sessions, want 1", sessions)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

const pySMTP = `
import os, smtplib, ssl
from email.message import EmailMessage
host, port = os.environ["SMTP"].split(":")
msg = EmailMessage()
msg["From"] = "visitor@example.org"
msg["To"] = "alice@mailscope.lab, bob@mailscope.lab"
msg["Subject"] = "smtplib says hello"
msg.set_content("Line one.\n.leading dot\nLast line.\n")
with smtplib.SMTP(host, int(port)) as s:
    s.ehlo()
    assert s.has_extn("pipelining") and s.has_extn("8bitmime") and s.has_extn("size") and s.has_extn("starttls"), s.esmtp_features
    refused = s.send_message(msg)
    print("REFUSED", sorted(refused))
    try:
        s.sendmail("visitor@example.org", ["nobody@mailscope.lab"], "Subject: x\r\n\r\nx\r\n")
    except smtplib.SMTPRecipientsRefused as e:
        print("UNKNOWN", e.recipients["nobody@mailscope.lab"][0])
    try:
        s.sendmail("visitor@example.org", ["someone@elsewhere.example"], "Subject: x\r\n\r\nx\r\n")
    except smtplib.SMTPRecipientsRefused as e:
        print("RELAY", e.recipients["someone@elsewhere.example"][0])
ctx = ssl._create_unverified_context()
with smtplib.SMTP(host, int(port)) as s:
    s.starttls(context=ctx)
    s.login("student", "secret")
    s.sendmail("student@mailscope.lab", ["bob@mailscope.lab"], "Subject: over TLS\r\n\r\nsecret stuff\r\n")
    print("TLS-SENT")
host, port = os.environ["SMTPS"].split(":")
with smtplib.SMTP_SSL(host, int(port), context=ctx) as s:
    s.login("bob", "bob")
    s.sendmail("bob@mailscope.lab", ["alice@mailscope.lab"], "Subject: implicit TLS\r\n\r\nhi\r\n")
    print("SMTPS-SENT")
`

func TestPythonSmtplib(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	out := python(t, eps, pySMTP)
	for _, want := range []string{"REFUSED []", "UNKNOWN 550", "RELAY 550", "TLS-SENT", "SMTPS-SENT"} {
		if !strings.Contains(out, want) {
			t.Errorf("smtplib output lacks %q:\n%s", want, out)
		}
	}
	alice, _ := l.Store.Messages("alice", "INBOX")
	bob, _ := l.Store.Messages("bob", "INBOX")
	if len(alice) != 2 || len(bob) != 2 {
		t.Fatalf("alice has %d messages, bob %d; want 2 each", len(alice), len(bob))
	}
	if !bytes.Contains(alice[0].Raw, []byte("\r\n.leading dot\r\n")) || !bytes.Contains(alice[0].Raw, []byte("Subject: smtplib says hello")) {
		t.Errorf("stored message lost its dot line or subject:\n%s", alice[0].Raw)
	}
}

func TestCurlSMTP(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	msg := "From: curl@example.org\r\nTo: bob@mailscope.lab\r\nSubject: from curl\r\n\r\nHello from curl.\r\n"
	f := t.TempDir() + "/msg.eml"
	os.WriteFile(f, []byte(msg), 0o644)
	curl(t, "smtp://"+eps[SMTP], "--mail-from", "curl@example.org", "--mail-rcpt", "bob@mailscope.lab", "-T", f)
	bob, _ := l.Store.Messages("bob", "INBOX")
	if len(bob) != 1 || !bytes.HasSuffix(bob[0].Raw, []byte(msg)) {
		t.Fatalf("bob has %d messages; want the curl message after a Received header", len(bob))
	}
}

// Lines inside TLS — STLS on the POP3 port, STARTTLS on IMAP, and the
// implicit-TLS ports — show decrypted in the trace, marked as TLS, with
// passwords still masked.
func TestTraceShowsDecryptedTLS(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	l.Seed("student", 1, 2)
	python(t, eps, `
import os, poplib, imaplib, ssl
ctx = ssl._create_unverified_context()
h, p = os.environ["POP3"].split(":")
pp = poplib.POP3(h, int(p)); pp.stls(context=ctx); pp.user("student"); pp.pass_("secret"); pp.stat(); pp.quit()
h, p = os.environ["IMAPS"].split(":")
im = imaplib.IMAP4_SSL(h, int(p), ssl_context=ctx); im.login("student", "secret"); im.select("INBOX"); im.logout()
`)
	var tlsLines []string
	var began, leaked int
	for ev := range l.Trace.Snapshot().Events() {
		if ev.Kind.String() == "tls" && strings.Contains(ev.Text, "begins") {
			began++
		}
		if ev.Has(trace.FlagTLS) && ev.Kind.String() == "line" {
			tlsLines = append(tlsLines, ev.Display(false))
		}
		if strings.Contains(ev.Display(false), "secret") {
			leaked++
		}
	}
	joined := strings.Join(tlsLines, "\n")
	for _, want := range []string{"USER student", "+OK 1 ", "SELECT INBOX", "LOGIN"} {
		if !strings.Contains(joined, want) {
			t.Errorf("decrypted TLS lines lack %q:\n%s", want, joined)
		}
	}
	if began != 2 || leaked != 0 {
		t.Errorf("%d TLS starts (want 2), %d lines showing the password (want 0)", began, leaked)
	}
}

const pyIMAPList = `
import os, imaplib, ssl
ctx = ssl._create_unverified_context()
h, p = os.environ["IMAPS"].split(":")
im = imaplib.IMAP4_SSL(h, int(p), ssl_context=ctx)
im.login("student", "secret")
for name in ["Lists/2026", "Old", "Entw&APw-rfe"]:
    assert im.create(name)[0] == "OK", name
for name in ["Lists/2026", "Old"]:
    assert im.subscribe(name)[0] == "OK", name
assert im.delete("Old")[0] == "OK"
for cmd, args in [("LSUB", ('""', "%")), ("LSUB", ('""', "Lists/*")), ("LIST", ('""', "Entw*"))]:
    typ, data = im.lsub(*args) if cmd == "LSUB" else im.list(*args)
    for line in data:
        print(cmd, line.decode())
typ, data = im._simple_command("LIST", "(SUBSCRIBED)", '""', "Old")
for line in im._untagged_response(typ, data, "LIST")[1]:
    print("LIST-SUBSCRIBED", line.decode())
assert im.select("Entw&APw-rfe")[0] == "OK"
im.logout()
`

// Python's imaplib sees LSUB list an unsubscribed parent \Noselect (RFC
// 3501 6.3.9), a deleted mailbox stay subscribed (6.3.6), and a modified
// UTF-7 name come back as it was sent.
func TestPythonImaplibList(t *testing.T) {
	_, eps := tcpLab(t, Options{})
	out := python(t, eps, pyIMAPList)
	for _, want := range []string{
		`LSUB (\Noselect \HasChildren) "/" "Lists"`,
		`LSUB (\Noselect \Subscribed) "/" "Old"`,
		`LSUB (\HasNoChildren \Subscribed) "/" INBOX`,
		`LSUB (\HasNoChildren \Subscribed) "/" "Lists/2026"`,
		`LIST (\HasNoChildren) "/" "Entw&APw-rfe"`,
		`LIST-SUBSCRIBED (\NonExistent \Subscribed) "/" "Old"`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("imaplib output lacks %q:\n%s", want, out)
		}
	}
}
