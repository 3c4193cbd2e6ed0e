package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Each link fault against real clients no one here wrote (curl, Python's
// poplib and smtplib) over `mailscope serve`: what the client sees (curl's
// exit code, Python's exception), the fault's row in the live trace, and
// afterwards a mailbox that lost nothing. serve runs on ADSL at --speed 20,
// so link times are a twentieth in real time; every client has its own
// bound (--max-time, a socket timeout).

// lab is a running `mailscope serve`.
type servedLab struct {
	smtp, pop3, imap string
	out              *syncBuffer
	stop             func()
}

// serveWithFaults starts serve with SMTP, POP3 and IMAP on loopback, two
// seeded messages in each account, and the faults.
func serveWithFaults(t *testing.T, faults ...string) *servedLab {
	t.Helper()
	args := []string{"serve", "--cert-dir", "", "--seed", "2",
		"--smtp", "127.0.0.1:0", "--pop3", "127.0.0.1:0", "--imap", "127.0.0.1:0",
		"--smtps", "", "--pop3s", "", "--imaps", "", "--link", "adsl-8m", "--speed", "20"}
	for _, f := range faults {
		args = append(args, "--fault", f)
	}
	l, _ := startServe(t, args)
	return l
}

// startServe runs Main with args (a serve command line that listens on
// SMTP, POP3 and IMAP), waits for their addresses, and stops it when the
// test ends (or at l.stop), which fails unless it exits with ExitOK.
func startServe(t *testing.T, args []string) (*servedLab, *syncBuffer) {
	t.Helper()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- Main(ctx, args, out, errOut) }()
	l := &servedLab{out: out}
	l.smtp = waitFor(t, out, regexp.MustCompile(`smtp\s+(127\.0\.0\.1:\d+)`))[1]
	l.pop3 = waitFor(t, out, regexp.MustCompile(`pop3\s+(127\.0\.0\.1:\d+)`))[1]
	l.imap = waitFor(t, out, regexp.MustCompile(`imap\s+(127\.0\.0\.1:\d+)`))[1]
	stopped := false
	l.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			if code != ExitOK {
				t.Errorf("serve exited %d: %s", code, errOut.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop")
		}
		if testing.Verbose() {
			t.Logf("serve's output:\n%s", out.String())
		}
	}
	t.Cleanup(l.stop)
	return l, errOut
}

// need returns a tool's path, skipping the test when it is missing unless
// MAILSCOPE_REQUIRE_TOOLS is set.
func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("MAILSCOPE_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s not found on PATH, and MAILSCOPE_REQUIRE_TOOLS is set: %v", tool, err)
		}
		t.Skipf("%s not found on PATH", tool)
	}
	return p
}

// curlRun runs curl (at most 20 s, or its own --max-time) and returns its
// output and exit code.
func curlRun(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(need(t, "curl"), append([]string{"-sS", "--max-time", "20"}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return o.String(), 0
	case errors.As(err, &ee):
		if testing.Verbose() {
			t.Logf("curl %v: %v: %s", args, err, e.String())
		}
		return o.String(), ee.ExitCode()
	}
	t.Fatalf("curl %v: %v", args, err)
	return "", -1
}

// Curl's exit codes (curl(1) EXIT CODES).
const (
	curlOK        = 0
	curlTimeout   = 28 // operation timeout (--max-time)
	curlRecvError = 56 // failure in receiving network data
)

// inbox lists a mailbox over POP3 with curl: one line per message.
func (l *servedLab) inbox(t *testing.T, user, pass string) int {
	t.Helper()
	list, code := curlRun(t, "pop3://"+l.pop3+"/", "-u", user+":"+pass)
	if code != curlOK {
		t.Fatalf("curl LIST for %s: exit %d", user, code)
	}
	return strings.Count(list, "\n")
}

// imapSearch counts a mailbox's messages over IMAP with curl (SEARCH ALL).
func (l *servedLab) imapSearch(t *testing.T) int {
	t.Helper()
	out, code := curlRun(t, "imap://"+l.imap+"/INBOX?ALL", "-u", "student:secret")
	if code != curlOK {
		t.Fatalf("curl SEARCH ALL: exit %d", code)
	}
	return len(strings.Fields(strings.TrimPrefix(strings.TrimSpace(out), "* SEARCH")))
}

// reset@pop3,after=N: curl's RETR fails with a receive error (the link's
// reset reaches it as an RST); the trace marks the fault where it fired;
// nothing was deleted (IMAP, which the fault does not name, sees both).
func TestServeResetFaultAgainstCurl(t *testing.T) {
	l := serveWithFaults(t, "reset@pop3,after=300")
	if body, code := curlRun(t, "pop3://"+l.pop3+"/1", "-u", "student:secret"); code != curlRecvError {
		t.Errorf("curl RETR 1 over a reset after 300 bytes: exit %d with %d bytes, want %d", code, len(body), curlRecvError)
	}
	waitFor(t, l.out, regexp.MustCompile(`---  \[fault\] reset after 300 bytes S→C`))
	if n := l.imapSearch(t); n != 2 {
		t.Errorf("after the reset IMAP finds %d messages, want 2", n)
	}
}

// stall,at=0s,for=2s: the session completes, later, and the trace marks
// the stall.
func TestServeTimedStallAgainstCurl(t *testing.T) {
	l := serveWithFaults(t, "stall@pop3,at=0s,for=2s")
	start := time.Now()
	if n := l.inbox(t, "student", "secret"); n != 2 {
		t.Errorf("curl LIST through a stall lists %d messages, want 2", n)
	}
	// 2 s of link time at --speed 20 is 100 ms of real time at least.
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("curl finished in %v, before the stall could end", d)
	}
	waitFor(t, l.out, regexp.MustCompile(`---  \[fault\] stall both for 2s at 0s`))
}

// stall,after=N,for=2s: RETR completes, the whole message, after the
// stall.
func TestServeByteStallAgainstCurl(t *testing.T) {
	l := serveWithFaults(t, "stall@pop3,after=200,for=2s")
	start := time.Now()
	body, code := curlRun(t, "pop3://"+l.pop3+"/1", "-u", "student:secret")
	if code != curlOK || !strings.Contains(body, "Subject:") {
		t.Errorf("curl RETR 1 through a stall: exit %d, %d bytes; want the message", code, len(body))
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("curl finished in %v, before the stall could end", d)
	}
	waitFor(t, l.out, regexp.MustCompile(`---  \[fault\] stall both for 2s after 200 bytes`))
}

// drop,dir=down: the server's bytes stop arriving, curl gives up at its
// own --max-time (exit 28), and the trace marks the drop; over POP3 and
// over IMAP. The mailbox is untouched.
func TestServeDropFaultAgainstCurl(t *testing.T) {
	for _, proto := range []string{"pop3", "imap"} {
		t.Run(proto, func(t *testing.T) {
			l := serveWithFaults(t, "drop@"+proto+",dir=down,after=300")
			url := "pop3://" + l.pop3 + "/1"
			if proto == "imap" {
				url = "imap://" + l.imap + "/INBOX;UID=1"
			}
			if body, code := curlRun(t, url, "-u", "student:secret", "--max-time", "1"); code != curlTimeout {
				t.Errorf("curl through a drop: exit %d with %d bytes, want %d", code, len(body), curlTimeout)
			}
			waitFor(t, l.out, regexp.MustCompile(`---  \[fault\] drop S→C after 300 bytes`))
			if proto == "imap" {
				if n := l.inbox(t, "student", "secret"); n != 2 {
					t.Errorf("after the drop POP3 lists %d messages, want 2", n)
				}
			} else if n := l.imapSearch(t); n != 2 {
				t.Errorf("after the drop IMAP finds %d messages, want 2", n)
			}
		})
	}
}

// python runs a Python script with the lab's addresses in its environment
// (SMTP=127.0.0.1:NNNN …), feeding it stdin, and returns its stdout.
func (l *servedLab) python(t *testing.T, stdin io.Reader, script string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(need(t, "python3"), "-c", script)
	cmd.Env = append(os.Environ(), "SMTP="+l.smtp, "POP3="+l.pop3, "IMAP="+l.imap)
	cmd.Stdin = stdin
	return cmd
}

// The Python helpers every script shares: host and port from the
// environment, and an exception's class name for the test to read.
const pyPrelude = `
import os, sys, socket, poplib, smtplib, imaplib
def addr(name):
    h, p = os.environ[name].rsplit(":", 1)
    return h, int(p)
def outcome(f):
    try:
        r = f()
        print("ok", r, flush=True)
    except Exception as e:
        print(type(e).__name__, "ConnectionError" if isinstance(e, ConnectionError) else "", flush=True)
`

// offline,at=60s,for=30s (3 s to 4.5 s of real time at --speed 20):
// Python's open POP3 session gets a connection error (the link's reset is
// an RST), a new one in the window is refused (poplib reads no greeting),
// and once the window is over the mailbox holds every message. Python
// starts first and is handed the address, so its start-up does not eat
// into the 3 s before the window.
func TestServeOfflineAgainstPython(t *testing.T) {
	stdin, feed := io.Pipe()
	cmd := exec.Command(need(t, "python3"), "-c", pyPrelude+`
h, p = sys.stdin.readline().split()
a = (h, int(p))
pop = poplib.POP3(*a, timeout=10)
pop.user("student"); pop.pass_("secret")
print("stat", pop.stat()[0], flush=True)
sys.stdin.readline()  # the link is offline now
outcome(lambda: pop.stat())
outcome(lambda: poplib.POP3(*a, timeout=10).user("student"))
`)
	cmd.Stdin = stdin
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer feed.Close()

	l := serveWithFaults(t, "offline,at=60s,for=30s")
	// The banner names the fault after the listeners, the certificate,
	// the autoconfig and API lines: wait for it, do not race it.
	waitFor(t, l.out, regexp.MustCompile(`(?m)^  fault: offline,at=60s,for=30s$`))
	host, port, _ := strings.Cut(l.pop3, ":")
	io.WriteString(feed, host+" "+port+"\n")
	lines := bufio.NewScanner(stdout)
	next := func() string {
		if !lines.Scan() {
			feed.Close()
			cmd.Wait()
			t.Fatalf("python ended early: %s", stderr.String())
		}
		return lines.Text()
	}
	if got := next(); got != "stat 2" {
		t.Fatalf("before the window: %q, want stat 2", got)
	}
	waitFor(t, l.out, regexp.MustCompile(`---  \[fault\] offline`))
	io.WriteString(feed, "go\n")
	if got := next(); got != "ConnectionResetError ConnectionError" && got != "BrokenPipeError ConnectionError" {
		t.Errorf("STAT on the open session while offline: %q, want a connection error", got)
	}
	if got := next(); !strings.HasPrefix(got, "error_proto") && !strings.Contains(got, "ConnectionError") {
		t.Errorf("a new session while offline: %q, want no greeting", got)
	}
	// After the window (4.5 s of real time after serve started) the
	// mailbox holds both messages: nothing was deleted.
	deadline := time.Now().Add(20 * time.Second)
	for {
		list, code := curlRun(t, "pop3://"+l.pop3+"/", "-u", "student:secret", "--max-time", "2")
		if code == curlOK {
			if n := strings.Count(list, "\n"); n != 2 {
				t.Errorf("after the window POP3 lists %d messages, want 2", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the link never came back online: curl exit %d", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// reset@smtp,dir=up: smtplib's DATA is cut after 500 bytes; smtplib sees
// the server disconnect, and the half-sent message is stored nowhere.
// Python's poplib over reset@pop3 gets a connection error mid-RETR and
// deletes nothing.
func TestServeResetAgainstPython(t *testing.T) {
	l := serveWithFaults(t, "reset@smtp,dir=up,after=500", "reset@pop3,after=400")
	out, err := l.python(t, nil, pyPrelude+`
body = "Subject: cut short\r\n\r\n" + ("y" * 70 + "\r\n") * 100
s = smtplib.SMTP(*addr("SMTP"), timeout=10)
outcome(lambda: s.sendmail("bob@mailscope.lab", ["alice@mailscope.lab"], body))
p = poplib.POP3(*addr("POP3"), timeout=10)
p.user("student"); p.pass_("secret")
outcome(lambda: p.retr(1))
`).Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(got) != 2 || !strings.HasPrefix(got[0], "SMTPServerDisconnected") && !strings.Contains(got[0], "ConnectionError") {
		t.Errorf("smtplib over a reset in DATA: %q, want SMTPServerDisconnected", got)
	}
	if len(got) != 2 || !strings.Contains(got[1], "ConnectionError") {
		t.Errorf("poplib RETR over a reset: %q, want a connection error", got)
	}
	waitFor(t, l.out, regexp.MustCompile(`---  \[fault\] reset after 500 bytes C→S`))
	waitFor(t, l.out, regexp.MustCompile(`---  \[fault\] reset after 400 bytes S→C`))
	// alice has her two seeded messages and no half of a third; the
	// student's two are still there (IMAP: the POP3 fault would cut a
	// listing of student's mailbox too).
	if n := l.inbox(t, "alice", "alice"); n != 2 {
		t.Errorf("alice has %d messages after the cut DATA, want 2", n)
	}
	if n := l.imapSearch(t); n != 2 {
		t.Errorf("student has %d messages after the reset RETR, want 2", n)
	}
}

// Protocol faults over serve against curl: POP3's RETR and IMAP's SELECT
// get the chosen replies (inside STARTTLS for POP3), curl fails, serve's
// trace marks each fault, and afterwards every message is still there.
func TestServeProtocolFaultsAgainstCurl(t *testing.T) {
	l := serveWithFaults(t, "reply@pop3,cmd=RETR,with=-ERR [SYS/TEMP] try later", "reply@imap,cmd=SELECT,user=student,with=NO [UNAVAILABLE] busy")
	if _, code := curlRun(t, "pop3://"+l.pop3+"/1", "-u", "student:secret", "--ssl-reqd", "-k"); code == curlOK {
		t.Errorf("curl RETR 1 answered -ERR: exit 0, want a failure")
	}
	waitFor(t, l.out, regexp.MustCompile(`\[fault\] reply@pop3,cmd=RETR,with=-ERR \[SYS/TEMP\] try later: answered RETR`))
	waitFor(t, l.out, regexp.MustCompile(`-ERR \[SYS/TEMP\] try later`))
	if _, code := curlRun(t, "imap://"+l.imap+"/INBOX?ALL", "-u", "student:secret"); code == curlOK {
		t.Errorf("curl SELECT answered NO: exit 0, want a failure")
	}
	waitFor(t, l.out, regexp.MustCompile(`\[fault\] reply@imap,cmd=SELECT,user=student,with=NO \[UNAVAILABLE\] busy: answered SELECT`))
	// alice is not in the SELECT fault's scope; POP3 LIST is not faulted.
	if _, code := curlRun(t, "imap://"+l.imap+"/INBOX?ALL", "-u", "alice:alice"); code != curlOK {
		t.Errorf("alice's SELECT: exit %d, want 0 (the fault is student's)", code)
	}
	if n := l.inbox(t, "student", "secret"); n != 2 {
		t.Errorf("after the faults student has %d messages, want 2", n)
	}
}
