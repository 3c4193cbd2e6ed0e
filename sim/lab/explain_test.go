package lab

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/trace"
)

// Every line a real client exchanges with the lab's servers has an
// explanation in its session's context: the tests below record a session
// of each client and fail on any event the Explainer leaves unexplained,
// or explains only as a command the server does not know.

// settled waits until every session of the lab's trace has both of its
// close marks (the client's and the server's), so that nothing more is
// on its way, and returns the snapshot.
func settled(t *testing.T, l *Lab) *trace.Snapshot {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		snap := l.Trace.Snapshot()
		closes := map[uint64]int{}
		for ev := range snap.Events() {
			if ev.Kind == trace.KindClose {
				closes[ev.Session]++
			}
		}
		open := 0
		for _, si := range snap.Sessions() {
			if closes[si.ID] < 2 {
				open++
			}
		}
		if open == 0 || time.Now().After(deadline) {
			return snap
		}
		time.Sleep(5 * time.Millisecond) // polling for the closes, not a timing assumption
	}
}

// requireExplained fails the test for each event of the lab's trace that
// has no explanation, and for each client command explained only as one
// the server does not know. It logs the count before this catalogue
// (context-free ExplainEvent) and after (the session-aware Explainer).
func requireExplained(t *testing.T, l *Lab, client string) {
	t.Helper()
	checkAllExplained(t, l, client, false)
}

// checkAllExplained is requireExplained; with unknownOK, a command
// explained as one the server does not know is no failure (a probe sent
// it on purpose).
func checkAllExplained(t *testing.T, l *Lab, client string, unknownOK bool) {
	t.Helper()
	snap := settled(t, l)
	x := trace.NewExplainer()
	var before, after, fallback int
	var bad []string
	for i := 0; i < snap.Len(); i++ {
		ev := snap.At(i)
		if len(trace.ExplainEvent(ev)) == 0 {
			before++
		}
		es := x.Explain(ev)
		switch {
		case len(es) == 0:
			after++
			bad = append(bad, fmt.Sprintf("session %d %s %s %s %q: no explanation", ev.Session, ev.Protocol, ev.Dir, ev.Kind, ev.Display(false)))
		case (ev.Kind == trace.KindLine || ev.Kind == trace.KindBulk && !ev.Has(trace.FlagEncrypted)) && onlyNotes(es):
			after++
			bad = append(bad, fmt.Sprintf("session %d %s %s %s %q: only TLS or lab notes, nothing about the line itself", ev.Session, ev.Protocol, ev.Dir, ev.Kind, ev.Display(false)))
		case len(es) == 1 && es[0].Key == "unknown-command" && ev.Dir == trace.ClientToServer && !unknownOK:
			fallback++
			bad = append(bad, fmt.Sprintf("session %d %s %s %q: explained only as an unknown command", ev.Session, ev.Protocol, ev.Dir, ev.Display(false)))
		}
		if testing.Verbose() {
			t.Logf("%d s%d %s %s %q → %s", ev.Seq, ev.Session, ev.Dir, ev.Kind, ev.Display(false), keys(es))
		}
	}
	t.Logf("%s: %d events in %d sessions; unexplained before %d, after %d (%d only as unknown commands)",
		client, snap.Len(), len(snap.Sessions()), before, after, fallback)
	if snap.Len() == 0 {
		t.Errorf("%s: the trace is empty", client)
	}
	for _, b := range bad {
		t.Errorf("%s: %s", client, b)
	}
}

// onlyNotes reports whether es says nothing about a line but that it
// crossed in TLS or was cut short.
func onlyNotes(es []trace.Explanation) bool {
	for _, e := range es {
		if e.Kind != trace.ExplainsTLS && e.Kind != trace.ExplainsMark {
			return false
		}
	}
	return true
}

func keys(es []trace.Explanation) string {
	var s []string
	for _, e := range es {
		s = append(s, string(e.Kind)+":"+e.Key+" ("+e.Cite()+")")
	}
	return strings.Join(s, ", ")
}

// run runs a tool with HOME in a temporary directory.
func run(t *testing.T, home string, stdin string, tool string, args ...string) string {
	t.Helper()
	cmd := exec.Command(need(t, tool), args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "FETCHMAILHOME="+home)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, args, err, out)
	}
	return string(out)
}

const pyPOP3All = `
import os, poplib, ssl
host, port = os.environ["POP3"].split(":")
p = poplib.POP3(host, int(port))
p.capa()
p.user("student"); p.pass_("secret")
p.stat(); p.list(); p.list(1); p.uidl(); p.uidl(2); p.top(1, 2); p.retr(2)
p.dele(1); p.noop(); p.rset(); p.dele(3)
p.quit()
p = poplib.POP3(host, int(port))
p.stls(context=ssl._create_unverified_context())
p.user("student"); p.pass_("secret"); p.stat(); p.quit()
`

const pyIMAPAll = `
import os, imaplib
h, p = os.environ["IMAP"].split(":")
m = imaplib.IMAP4(h, int(p))
m.capability()
m.login("student", "secret")
m.namespace(); m.list(); m.lsub()
m.select("INBOX")
m.search(None, "ALL")
m.fetch("1", "(FLAGS BODY.PEEK[HEADER] RFC822.SIZE)")
m.fetch("1", "(RFC822)")
m.store("1", "+FLAGS", "\\Seen")
m.uid("SEARCH", "ALL")
m.status("INBOX", "(MESSAGES UNSEEN UIDNEXT)")
m.noop(); m.check()
m.create("Archive"); m.copy("1", "Archive")
m.append("Archive", None, None, b"Subject: appended\r\n\r\nhello\r\n")
m.store("2", "+FLAGS", "\\Deleted"); m.expunge()
m.close()
m.logout()
m = imaplib.IMAP4(h, int(p))
m.authenticate("PLAIN", lambda _: b"\0student\0secret")
m.select("INBOX", readonly=True)
m.logout()
`

const pySMTPAuth = `
import os, smtplib, ssl
host, port = os.environ["SMTP"].split(":")
with smtplib.SMTP(host, int(port)) as s:
    s.ehlo()
    s.starttls(context=ssl._create_unverified_context())
    s.ehlo()
    s.user, s.password = "student", "secret"
    s.auth("LOGIN", s.auth_login, initial_response_ok=False)
    s.sendmail("student@mailscope.lab", ["bob@mailscope.lab"], "Subject: login\r\n\r\nhi\r\n")
    s.noop(); s.rset()
`

func TestExplainedPython(t *testing.T) {
	t.Run("smtplib", func(t *testing.T) {
		l, eps := tcpLab(t, Options{})
		python(t, eps, pySMTP)
		python(t, eps, pySMTPAuth)
		requireExplained(t, l, "smtplib")
	})
	t.Run("poplib", func(t *testing.T) {
		l, eps := tcpLab(t, Options{})
		l.Seed("student", 3, 7)
		python(t, eps, pyPOP3All)
		requireExplained(t, l, "poplib")
	})
	t.Run("imaplib", func(t *testing.T) {
		l, eps := tcpLab(t, Options{})
		l.Seed("student", 3, 7)
		python(t, eps, pyIMAPAll)
		requireExplained(t, l, "imaplib")
	})
}

func TestExplainedCurl(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	l.Seed("alice", 2, 3)
	msg := t.TempDir() + "/msg.eml"
	os.WriteFile(msg, []byte("From: curl@example.org\r\nTo: bob@mailscope.lab\r\nSubject: curl\r\n\r\nHello.\r\n"), 0o644)
	curl(t, "smtp://"+eps[SMTP], "--mail-from", "curl@example.org", "--mail-rcpt", "bob@mailscope.lab", "-T", msg)
	curl(t, "smtp://"+eps[SMTP], "-u", "alice:alice", "--mail-from", "alice@mailscope.lab", "--mail-rcpt", "bob@mailscope.lab", "-T", msg)
	curl(t, "pop3://"+eps[POP3]+"/", "-u", "alice:alice")
	curl(t, "pop3://"+eps[POP3]+"/1", "-u", "alice:alice")
	curl(t, "imap://"+eps[IMAP]+"/", "-u", "alice:alice")
	curl(t, "imap://"+eps[IMAP]+"/INBOX;UID=1", "-u", "alice:alice")
	curl(t, "imap://"+eps[IMAP]+"/INBOX", "-u", "alice:alice", "-X", "UID SEARCH ALL")
	requireExplained(t, l, "curl")
}

func TestExplainedSwaks(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	host, port, _ := strings.Cut(eps[SMTP], ":")
	home := t.TempDir()
	run(t, home, "", "swaks", "--server", host, "--port", port, "--from", "swaks@example.org", "--to", "bob@mailscope.lab")
	run(t, home, "", "swaks", "--server", host, "--port", port, "--from", "student@mailscope.lab", "--to", "bob@mailscope.lab",
		"--auth", "LOGIN", "--auth-user", "student", "--auth-password", "secret")
	requireExplained(t, l, "swaks")
}

func TestExplainedFetchmail(t *testing.T) {
	for _, proto := range []string{"POP3", "IMAP"} {
		t.Run(proto, func(t *testing.T) {
			l, eps := tcpLab(t, Options{})
			l.Seed("student", 3, 5)
			host, port, _ := strings.Cut(eps[strings.ToLower(proto)], ":")
			home := t.TempDir()
			rc := home + "/fetchmailrc"
			os.WriteFile(rc, []byte(fmt.Sprintf("set no syslog\npoll %s with proto %s port %s\n  user \"student\" there with password \"secret\" is \"student\" here\n  options keep fetchall sslproto '' mda \"/bin/cat >/dev/null\"\n", host, proto, port)), 0o600)
			run(t, home, "", "fetchmail", "-f", rc, "-i", home+"/ids", "--pidfile", home+"/fetchmail.pid", "--nodetach")
			requireExplained(t, l, "fetchmail "+proto)
		})
	}
}

func TestExplainedNeomutt(t *testing.T) {
	t.Run("smtp", func(t *testing.T) {
		l, eps := tcpLab(t, Options{})
		home := t.TempDir()
		rc := home + "/muttrc"
		os.WriteFile(rc, []byte(fmt.Sprintf("set smtp_url=\"smtp://student@%s/\"\nset smtp_pass=\"secret\"\nset from=\"student@mailscope.lab\"\nset ssl_starttls=no\nset ssl_force_tls=no\nset smtp_authenticators=\"plain:login\"\nset record=\"\"\n", eps[SMTP])), 0o600)
		run(t, home, "Hello from neomutt.\n", "neomutt", "-n", "-F", rc, "-s", "neomutt", "bob@mailscope.lab")
		if bob, _ := l.Store.Messages("bob", "INBOX"); len(bob) != 1 {
			t.Errorf("bob has %d messages, want neomutt's one", len(bob))
		}
		requireExplained(t, l, "neomutt smtp")
	})
	t.Run("imap", func(t *testing.T) {
		// neomutt reads mail only with a terminal: script(1) gives it one,
		// and it quits as soon as the mailbox is open.
		need(t, "neomutt")
		l, eps := tcpLab(t, Options{})
		l.Seed("student", 3, 8)
		home := t.TempDir()
		rc := home + "/muttrc"
		os.WriteFile(rc, []byte(fmt.Sprintf("set imap_user=student\nset imap_pass=secret\nset ssl_starttls=no\nset ssl_force_tls=no\nset quit=yes\nset folder=\"imap://%s/\"\nset spoolfile=\"+INBOX\"\nset imap_check_subscribed=yes\nset header_cache=\"\"\n", eps[IMAP])), 0o600)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, need(t, "script"), "-qec", "neomutt -n -F "+rc+" -e 'push <quit>'", "/dev/null")
		cmd.Env = append(os.Environ(), "HOME="+home, "TERM=xterm")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("neomutt under script: %v\n%s", err, out)
		}
		requireExplained(t, l, "neomutt imap")
	})
}

// The lab's own clients: every policy, in the clear and over TLS.
func TestExplainedDevices(t *testing.T) {
	l, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Seed("student", 8, 9)
	for _, o := range []DeviceOptions{
		{Name: "Home PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Keep}},
		{Name: "Laptop", User: "student", Policy: mua.Policy{Mode: mua.IMAPOffline}, TLSMode: mua.TLSStartTLS},
		{Name: "Phone", User: "student", Policy: mua.Policy{Mode: mua.IMAPOnline}, TLSMode: mua.TLSImplicit},
		{Name: "Old PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Delete}, TLSMode: mua.TLSStartTLS},
	} {
		d, err := l.NewDevice(o)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Duration(0)
		step := func(r mua.ActionResult, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", o.Name, err)
			}
			at = r.End + time.Second
		}
		step(d.CheckMail(at))
		if o.Policy.Mode.IsIMAP() {
			msgs := d.Messages("INBOX")
			step(d.Open(at, msgs[0].ID))
			step(d.MarkRead(at, msgs[0].ID, true))
			step(d.Flag(at, msgs[1].ID, true))
			step(d.Search(at, "INBOX", "message"))
			step(d.CreateFolder(at, "Kept "+o.Name))
			step(d.Move(at, msgs[1].ID, "Kept "+o.Name))
			step(d.Delete(at, msgs[2].ID))
			is, r, err := d.StartIdle(at)
			step(r, err)
			step(is.Stop(at))
		}
		d.Compose(at, mua.Draft{To: []string{"bob@mailscope.lab"}, Subject: "from " + o.Name, Body: "Hello."})
		step(d.Send(at))
		step(d.Close(at))
	}
	requireExplained(t, l, "sim/mua devices")
}

// step is one line a raw client sends and the line that ends the
// server's answer to it (a prefix; "" reads one line).
type step struct{ send, until string }

// converse plays steps over a raw TCP connection, reading the greeting
// first, and returns what the server sent.
func converse(t *testing.T, addr string, steps []step) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	var got []string
	read := func(until string) {
		for {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("reading after %d lines (want %q): %v\n%s", len(got), until, err, strings.Join(got, ""))
			}
			got = append(got, line)
			if strings.HasPrefix(line, until) {
				return
			}
		}
	}
	read("")
	for _, s := range steps {
		if _, err := c.Write([]byte(s.send + "\r\n")); err != nil {
			t.Fatal(err)
		}
		if s.until != "-" {
			read(s.until)
		}
	}
	return got
}

// Thunderbird's commands, replayed on the wire as it sends them: lower
// case verbs, numeric tags, ID and quota after login, LSUB, UID FETCH of
// chosen header fields, IDLE.
func TestExplainedThunderbirdReplay(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	l.Seed("student", 3, 4)
	converse(t, eps[IMAP], []step{
		{"1 capability", "1 "},
		{"2 authenticate PLAIN", "+"},
		{"AHN0dWRlbnQAc2VjcmV0", "2 "},
		{`3 ID ("name" "Thunderbird" "version" "128.5.0")`, "3 "},
		{"4 namespace", "4 "},
		{`5 lsub "" "*"`, "5 "},
		{`6 list (SUBSCRIBED) "" "*"`, "6 "},
		{`7 list "" "INBOX"`, "7 "},
		{`8 select "INBOX"`, "8 "},
		{"9 getquotaroot \"INBOX\"", "9 "},
		{"10 UID fetch 1:* (FLAGS)", "10 "},
		{"11 UID fetch 1:3 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])", "11 "},
		{"12 UID fetch 2 (UID RFC822.SIZE BODY.PEEK[])", "12 "},
		{`13 UID store 2 +Flags (\Seen)`, "13 "},
		{"14 IDLE", "+"},
		{"DONE", "14 "},
		{"15 noop", "15 "},
		{`16 status "Sent" (UIDNEXT MESSAGES UNSEEN RECENT)`, "16 "},
		{`17 UID fetch 3 (UID BODYSTRUCTURE)`, "17 "},
		{`18 UID fetch 3 (UID BODY.PEEK[1])`, "18 "},
		{"19 xlist \"\" \"*\"", "19 "},
		{"20 logout", "20 "},
	})
	converse(t, eps[SMTP], []step{
		{"EHLO [127.0.0.1]", "250 "},
		{"AUTH PLAIN AHN0dWRlbnQAc2VjcmV0", "235"},
		{"MAIL FROM:<student@mailscope.lab> BODY=8BITMIME SIZE=52", "250 "},
		{"RCPT TO:<bob@mailscope.lab>", "250 "},
		{"DATA", "354"},
		{"Subject: from Thunderbird\r\n\r\nHello.\r\n.", "250 "},
		{"QUIT", "221"},
	})
	converse(t, eps[POP3], []step{
		{"CAPA", "."},
		{"AUTH PLAIN", "+"},
		{"AHN0dWRlbnQAc2VjcmV0", "+OK"},
		{"STAT", "+OK"},
		{"UIDL", "."},
		{"LIST", "."},
		{"TOP 1 0", "."},
		{"RETR 1", "."},
		{"QUIT", "+OK"},
	})
	requireExplained(t, l, "Thunderbird replay")
}

// What go-smtp and go-imap answer where their RFCs want otherwise,
// confirmed on the wire, and explained as the library's deviation in
// the context of the command each reply answers. The wire is not
// rewritten: the replies are the libraries' own.
func TestExplainedLibraryDeviations(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	converse(t, eps[SMTP], []step{
		{"MAIL FROM:<a@example.org>", ""},
		{"EHLO client.example.org", "250 "},
		{"RCPT TO:<bob@mailscope.lab>", ""},
		{"DATA", ""},
		{"VERBOSE", ""},
		{"XYZW", ""},
		{"QUIT", ""},
	})
	got := converse(t, eps[SMTP], []step{
		{"EHLO client.example.org", "250 "},
		{"FOO1", ""}, {"FOO2", ""}, {"FOO3", ""}, {"FOO4", "500 5.5.1 Too"},
	})
	if last := got[len(got)-1]; last != "500 5.5.1 Too many errors. Quiting now\r\n" {
		t.Errorf("after four bad commands go-smtp sent %q", last)
	}
	converse(t, eps[IMAP], []step{
		{"a1 LOGIN student secret", "a1 "},
		{`a2 LIST "" "&"`, "a2 "},
		{`a3 LIST "" "&AGE-"`, "a3 "},
		{"a4 GETQUOTAROOT INBOX", "a4 "},
		{"a5 LOGOUT", "a5 "},
	})
	converse(t, eps[IMAP], []step{
		{`x1 ID ("name" "probe")`, "* BYE"},
	})
	snap := settled(t, l)
	// reply finds the first server line after the client line sent.
	type want struct {
		sent, reply, key string
	}
	wants := []want{
		{"MAIL FROM:<a@example.org>", "502 5.5.1 Please introduce yourself first.", "go-smtp-502-sequence"},
		{"RCPT TO:<bob@mailscope.lab>", "502 5.5.1 Missing MAIL FROM command.", "go-smtp-502-sequence"},
		{"DATA", "502 5.5.1 Missing RCPT TO command.", "go-smtp-502-sequence"},
		{"VERBOSE", "501 5.5.2 Bad command", "go-smtp-501-verb"},
		{"XYZW", "500 5.5.2 Syntax errors, XYZW command unrecognized", ""},
		{`a2 LIST "" "&"`, "a2 NO [SERVERBUG] Internal server error", "go-imap-list-ampersand"},
		{`a3 LIST "" "&AGE-"`, "a3 NO [SERVERBUG] Internal server error", "go-imap-list-ampersand"},
		{"a4 GETQUOTAROOT INBOX", "a4 BAD Unknown command", "go-imap-no-handler"},
		{`x1 ID ("name" "probe")`, "x1 BAD Unknown command", "go-imap-no-handler"},
	}
	for _, w := range wants {
		sent := -1
		for i := 0; i < snap.Len(); i++ {
			ev := snap.At(i)
			if sent < 0 && ev.Dir == trace.ClientToServer && ev.Text == w.sent {
				sent = i
				continue
			}
			if sent < 0 || ev.Session != snap.At(sent).Session || ev.Dir != trace.ServerToClient || ev.Kind != trace.KindLine {
				continue
			}
			if ev.Text != w.reply {
				t.Errorf("after %q the server sent %q, want %q", w.sent, ev.Text, w.reply)
			}
			es := trace.ExplainInSnapshot(snap, i)
			var found *trace.Explanation
			for j := range es {
				if es[j].Key == w.key {
					found = &es[j]
				}
			}
			switch {
			case w.key == "":
				for _, e := range es {
					if e.Kind == trace.ExplainsDeviation {
						t.Errorf("%q after %q: explained as a deviation (%s), but 500 is what RFC 5321 wants", ev.Text, w.sent, e.Key)
					}
				}
			case found == nil:
				t.Errorf("%q after %q: explained as %s, want %s", ev.Text, w.sent, keys(es), w.key)
			case !strings.Contains(found.Sentence, "go-smtp") && !strings.Contains(found.Sentence, "go-imap"):
				t.Errorf("%q: the explanation does not name the library: %q", ev.Text, found.Sentence)
			}
			break
		}
		if sent < 0 {
			t.Errorf("the trace lacks the client line %q", w.sent)
		}
	}
	var giveUp []trace.Explanation
	for i := 0; i < snap.Len(); i++ {
		if strings.Contains(snap.At(i).Text, "Too many errors") {
			giveUp = trace.ExplainInSnapshot(snap, i)
		}
	}
	if !strings.Contains(keys(giveUp), "go-smtp-too-many-errors") {
		t.Errorf("go-smtp's parting 500 explained as %s, want go-smtp-too-many-errors", keys(giveUp))
	}
	// Before login the unknown command also costs the connection.
	var bye []trace.Explanation
	for i := 0; i < snap.Len(); i++ {
		if snap.At(i).Text == "* BYE Unknown command" {
			bye = trace.ExplainInSnapshot(snap, i)
		}
	}
	if !strings.Contains(keys(bye), "go-imap-bye-unknown") {
		t.Errorf("* BYE Unknown command explained as %s, want go-imap-bye-unknown", keys(bye))
	}
	checkAllExplained(t, l, "deviation probes", true)
}

// openssl s_client upgrades with its own commands (". CAPABILITY",
// ". STARTTLS", STLS, "EHLO mail.example.com") and then carries ours.
func TestExplainedOpensslSClient(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	l.Seed("student", 2, 8)
	home := t.TempDir()
	sclient := func(addr, starttls, input string) {
		args := []string{"s_client", "-connect", addr, "-quiet", "-crlf", "-nocommands"}
		if starttls != "" {
			args = append(args, "-starttls", starttls)
		}
		run(t, home, input, "openssl", args...)
	}
	sclient(eps[IMAP], "imap", "a1 LOGIN student secret\na2 SELECT INBOX\na3 FETCH 1 (FLAGS)\na4 LOGOUT\n")
	sclient(eps[IMAPS], "", "a1 LOGIN student secret\na2 LOGOUT\n")
	sclient(eps[POP3], "pop3", "USER student\nPASS secret\nSTAT\nQUIT\n")
	sclient(eps[SMTP], "smtp", "EHLO client.example.org\nQUIT\n")
	requireExplained(t, l, "openssl s_client")
}

// A POP3 download broken by a reset: the stall and reset rows say what
// the lab did, and the cut-short message says its bytes are what arrived.
func TestExplainedFaults(t *testing.T) {
	l, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Seed("student", 3, 2)
	msgs, _ := l.Store.Messages("student", "INBOX")
	pc, err := l.NewDevice(DeviceOptions{Name: "Home PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Delete}})
	if err != nil {
		t.Fatal(err)
	}
	l.Link.InjectNext(link.Stall{Dir: link.Down, After: 200, For: 2 * time.Second})
	l.Link.InjectNext(link.ResetAfter{Dir: link.Down, Bytes: int64(len(msgs[0].Raw)) + 400})
	if _, err := pc.CheckMail(0); err == nil {
		t.Fatal("CheckMail over a reset line succeeded")
	}
	snap := settled(t, l)
	x := trace.NewExplainer()
	var got []string
	for i := 0; i < snap.Len(); i++ {
		ev := snap.At(i)
		es := x.Explain(ev)
		if ev.Kind == trace.KindFault || ev.Has(trace.FlagIncomplete) {
			got = append(got, ev.Kind.String()+" "+keys(es))
		}
	}
	want := []string{
		"fault mark:stall ()",
		"bulk command:RETR (RFC 1939 §5), mark:incomplete ()",
		"fault mark:reset (RFC 9293 §3.5.2)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("fault rows explained as\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	requireExplained(t, l, "faults")
}
