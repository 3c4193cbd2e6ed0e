package lab

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim/trace"
)

// The session reports' patterns for real clients whose habits are known:
// fetchmail sends LIST n before each RETR n; curl never pipelines SMTP;
// a Python imaplib loop fetches one message per command.

// reportsOf returns the settled lab's reports of the protocol.
func reportsOf(t *testing.T, l *Lab, p trace.Protocol) []trace.Report {
	t.Helper()
	var out []trace.Report
	for _, r := range trace.Reports(settled(t, l)) {
		if r.Protocol == p {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s session in the trace", p)
	}
	if testing.Verbose() {
		for _, r := range out {
			t.Logf("%s", r.Text())
		}
	}
	return out
}

func findPattern(r trace.Report, name string) (trace.Pattern, bool) {
	for _, p := range r.Patterns {
		if p.Name == name {
			return p, true
		}
	}
	return trace.Pattern{}, false
}

func TestReportFetchmailListBeforeRetr(t *testing.T) {
	const n = 3
	l, eps := tcpLab(t, Options{})
	l.Seed("student", n, 5)
	host, port, _ := strings.Cut(eps[POP3], ":")
	home := t.TempDir()
	rc := home + "/fetchmailrc"
	os.WriteFile(rc, []byte(fmt.Sprintf("set no syslog\npoll %s with proto POP3 port %s\n  user \"student\" there with password \"secret\" is \"student\" here\n  options keep fetchall sslproto '' mda \"/bin/cat >/dev/null\"\n", host, port)), 0o600)
	run(t, home, "", "fetchmail", "-f", rc, "-i", home+"/ids", "--pidfile", home+"/fetchmail.pid", "--nodetach")
	rs := reportsOf(t, l, trace.POP3)
	r := rs[len(rs)-1]
	p, ok := findPattern(r, trace.PatternListBeforeRetr)
	if !ok || p.Count != n {
		t.Fatalf("list-before-retr = %+v (found %v), want one per message (%d); commands %v", p, ok, n, r.Commands)
	}
	if p.SavingRoundTrips < n-1 {
		t.Errorf("list-before-retr saves %d round trips, want ≥ %d", p.SavingRoundTrips, n-1)
	}
	if r.Commands["RETR"] != n || r.Retrieved != n || r.Client.Login != "student" {
		t.Errorf("RETR %d, Retrieved %d, login %q; want %d, %d, student", r.Commands["RETR"], r.Retrieved, r.Client.Login, n, n)
	}
	if r.RoundTrips < r.CommandCount {
		t.Errorf("RoundTrips %d < %d commands: fetchmail waits for each reply", r.RoundTrips, r.CommandCount)
	}
}

func TestReportCurlPipeliningUnused(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	msg := t.TempDir() + "/msg.eml"
	os.WriteFile(msg, []byte("From: curl@example.org\r\nTo: bob@mailscope.lab\r\nSubject: curl\r\n\r\nHello.\r\n"), 0o644)
	curl(t, "smtp://"+eps[SMTP], "--mail-from", "curl@example.org", "--mail-rcpt", "bob@mailscope.lab", "--mail-rcpt", "student@mailscope.lab", "-T", msg)
	r := reportsOf(t, l, trace.SMTP)[0]
	found := false
	for _, c := range r.Capabilities.Offered {
		found = found || c == "PIPELINING"
	}
	if !found {
		t.Fatalf("the server did not offer PIPELINING: %q", r.Capabilities.Offered)
	}
	p, ok := findPattern(r, trace.PatternPipeliningUnused)
	// EHLO | MAIL | RCPT | RCPT | DATA | message | QUIT; grouped,
	// EHLO | MAIL RCPT RCPT DATA | message QUIT: 4 turns saved.
	if !ok || p.SavingRoundTrips != 4 || r.MaxCommandsPerTurn != 1 {
		t.Errorf("pipelining-unused = %+v (found %v), max commands per turn %d; want saving 4, 1", p, ok, r.MaxCommandsPerTurn)
	}
	if r.Client.Hello == "" {
		t.Errorf("no EHLO name: %+v", r.Client)
	}
}

const pyFetchEach = `
import imaplib, os
host, port = os.environ["IMAP"].rsplit(":", 1)
M = imaplib.IMAP4(host, int(port))
M.login("student", "secret")
M.select("INBOX")
typ, data = M.search(None, "ALL")
for num in data[0].split():
    M.fetch(num, "(RFC822)")
M.logout()
`

func TestReportImaplibOneFetchPerMessage(t *testing.T) {
	const n = 4
	l, eps := tcpLab(t, Options{})
	l.Seed("student", n, 9)
	python(t, eps, pyFetchEach)
	r := reportsOf(t, l, trace.IMAP)[0]
	p, ok := findPattern(r, trace.PatternOneFetchPerMessage)
	if !ok || p.Count != n || p.SavingRoundTrips != n-1 {
		t.Errorf("one-fetch-per-message = %+v (found %v), want count %d, saving %d", p, ok, n, n-1)
	}
	if r.Retrieved != n || r.Client.Login != "student" || r.Commands["FETCH"] != n {
		t.Errorf("Retrieved %d, login %q, FETCH %d; want %d, student, %d", r.Retrieved, r.Client.Login, r.Commands["FETCH"], n, n)
	}
}

const pyTLS = `
import imaplib, os, ssl
ctx = ssl._create_unverified_context()
h, p = os.environ["IMAPS"].rsplit(":", 1)
im = imaplib.IMAP4_SSL(h, int(p), ssl_context=ctx); im.login("student", "secret"); im.select("INBOX"); im.logout()
h, p = os.environ["IMAP"].rsplit(":", 1)
im = imaplib.IMAP4(h, int(p)); im.starttls(ssl_context=ctx); im.login("student", "secret"); im.logout()
`

// TLS as traced: implicit and STARTTLS, with the version and cipher the
// ServerHello chose, decrypted with the lab's key log; the commands inside
// TLS count as commands.
func TestReportTLS(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	python(t, eps, pyTLS)
	rs := reportsOf(t, l, trace.IMAP)
	if len(rs) != 2 {
		t.Fatalf("%d IMAP sessions, want 2", len(rs))
	}
	for i, mode := range []string{"implicit", "starttls"} {
		r := rs[i]
		if r.TLS == nil || r.TLS.Mode != mode || r.TLS.Version != "TLS 1.3" || !strings.HasPrefix(r.TLS.Cipher, "TLS_") || !r.TLS.Decrypted {
			t.Errorf("session %d: TLS = %+v, want %s TLS 1.3, decrypted", r.ID, r.TLS, mode)
		}
		if r.Client.Login != "student" || r.Commands["LOGIN"] != 1 {
			t.Errorf("session %d: login %q, LOGIN×%d; want student inside TLS", r.ID, r.Client.Login, r.Commands["LOGIN"])
		}
	}
	if !slices.Contains(rs[1].Capabilities.Used, "STARTTLS") {
		t.Errorf("STARTTLS session used %q", rs[1].Capabilities.Used)
	}
}

// fetchmail with keep, fetchall and uidl, run twice: the second run
// retrieves again every message the first had (same UIDLs).
func TestReportFetchmailDownloadedAgain(t *testing.T) {
	const n = 2
	l, eps := tcpLab(t, Options{})
	l.Seed("student", n, 6)
	host, port, _ := strings.Cut(eps[POP3], ":")
	home := t.TempDir()
	rc := home + "/fetchmailrc"
	os.WriteFile(rc, []byte(fmt.Sprintf("set no syslog\npoll %s with proto POP3 port %s uidl\n  user \"student\" there with password \"secret\" is \"student\" here\n  options keep fetchall sslproto '' mda \"/bin/cat >/dev/null\"\n", host, port)), 0o600)
	for range 2 {
		run(t, home, "", "fetchmail", "-f", rc, "-i", home+"/ids", "--pidfile", home+"/fetchmail.pid", "--nodetach")
	}
	rs := reportsOf(t, l, trace.POP3)
	if len(rs) != 2 {
		t.Fatalf("%d POP3 sessions, want 2", len(rs))
	}
	if _, ok := findPattern(rs[0], trace.PatternDownloadedAgain); ok {
		t.Errorf("first run: %+v", rs[0].Patterns)
	}
	p, ok := findPattern(rs[1], trace.PatternDownloadedAgain)
	if !ok || p.Count != n || p.SavingRoundTrips < 1 {
		t.Errorf("second run: downloaded-again = %+v (found %v), want %d; commands %v", p, ok, n, rs[1].Commands)
	}
	if rs[1].PreviousSession != rs[0].ID {
		t.Errorf("second run's previous session %d, want %d", rs[1].PreviousSession, rs[0].ID)
	}
}
