package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// serveWithFaults starts serve with the faults and returns the POP3 and
// IMAP addresses, its stdout and a stop function.
func serveWithFaults(t *testing.T, faults ...string) (pop3, imap string, out *syncBuffer, stop func()) {
	t.Helper()
	out = &syncBuffer{}
	var errOut syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	args := []string{"serve", "--cert-dir", "", "--seed", "2",
		"--smtp", "", "--pop3", "127.0.0.1:0", "--imap", "127.0.0.1:0",
		"--smtps", "", "--pop3s", "", "--imaps", "", "--link", "adsl-8m", "--speed", "20"}
	for _, f := range faults {
		args = append(args, "--fault", f)
	}
	go func() { done <- Main(ctx, args, out, &errOut) }()
	pop3 = waitFor(t, out, regexp.MustCompile(`pop3\s+(127\.0\.0\.1:\d+)`))[1]
	imap = waitFor(t, out, regexp.MustCompile(`imap\s+(127\.0\.0\.1:\d+)`))[1]
	return pop3, imap, out, func() {
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
			t.Logf("serve's trace:\n%s", out.String())
		}
	}
}

// curlRun runs curl and returns its output and error (a broken transfer
// is what these tests want).
func curlRun(t *testing.T, args ...string) (string, error) {
	t.Helper()
	c, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("MAILSCOPE_REQUIRE_TOOLS") != "" {
			t.Fatalf("curl not found on PATH, and MAILSCOPE_REQUIRE_TOOLS is set: %v", err)
		}
		t.Skip("curl not found on PATH")
	}
	cmd := exec.Command(c, append([]string{"-sS", "--max-time", "20"}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if err != nil {
		err = &curlError{err: err, stderr: e.String()}
	}
	return o.String(), err
}

type curlError struct {
	err    error
	stderr string
}

func (e *curlError) Error() string { return e.err.Error() + ": " + e.stderr }

// serve --fault reset@pop3,after=N: curl's RETR breaks, the trace marks
// the fault where it fired, and curl's IMAP session is untouched.
func TestServeResetFaultAgainstCurl(t *testing.T) {
	pop3, imap, out, stop := serveWithFaults(t, "reset@pop3,after=300")
	defer stop()
	body, err := curlRun(t, "pop3://"+pop3+"/1", "-u", "student:secret")
	if err == nil {
		t.Errorf("curl RETR 1 over a reset after 300 bytes succeeded with %d bytes", len(body))
	}
	waitFor(t, out, regexp.MustCompile(`---  \[fault\] reset after 300 bytes S→C`))
	if _, err := curlRun(t, "imap://"+imap+"/INBOX;UID=1", "-u", "student:secret"); err != nil {
		t.Errorf("curl over IMAP, which the fault does not name: %v", err)
	}
	// The store lost nothing: a second POP3 session sees both messages.
	// (A reset fault is per connection: the next one gets its own, so
	// only look at the listing, well under 300 bytes.)
	list, err := curlRun(t, "pop3://"+pop3+"/", "-u", "student:secret")
	if err != nil || strings.Count(list, "\n") != 2 {
		t.Errorf("curl LIST after the reset = %q, %v; want both messages", list, err)
	}
}

// serve --fault stall,at=0s,for=2s: the session still completes (later),
// and the trace marks the stall.
func TestServeTimedStallAgainstCurl(t *testing.T) {
	pop3, _, out, stop := serveWithFaults(t, "stall@pop3,at=0s,for=2s")
	defer stop()
	start := time.Now()
	list, err := curlRun(t, "pop3://"+pop3+"/", "-u", "student:secret")
	if err != nil || strings.Count(list, "\n") != 2 {
		t.Errorf("curl LIST through a stall = %q, %v; want both messages", list, err)
	}
	// 2 s of link time at --speed 20 is 100 ms of real time at least.
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("curl finished in %v, before the stall could end", d)
	}
	waitFor(t, out, regexp.MustCompile(`---  \[fault\] stall both for 2s at `))
}

// serve --fault offline: the link goes offline at its time and the banner
// names the fault.
func TestServeOfflineFault(t *testing.T) {
	pop3, _, out, stop := serveWithFaults(t, "offline,at=1s,for=1h")
	defer stop()
	if !strings.Contains(out.String(), "  fault: offline,at=1s,for=1h\n") {
		t.Errorf("the banner does not name the fault:\n%s", out.String())
	}
	time.Sleep(200 * time.Millisecond) // 1 s of link time at --speed 20 is 50 ms
	if body, err := curlRun(t, "pop3://"+pop3+"/", "-u", "student:secret"); err == nil {
		t.Errorf("curl over an offline link succeeded: %q", body)
	}
}

// serve --fault drop@pop3,dir=down,after=N: the server's bytes stop
// arriving, curl gives up at its own timeout, and the trace marks the drop.
func TestServeDropFaultAgainstCurl(t *testing.T) {
	pop3, _, out, stop := serveWithFaults(t, "drop@pop3,dir=down,after=300")
	defer stop()
	if body, err := curlRun(t, "pop3://"+pop3+"/1", "-u", "student:secret", "--max-time", "1"); err == nil {
		t.Errorf("curl RETR 1 through a drop succeeded with %d bytes", len(body))
	}
	waitFor(t, out, regexp.MustCompile(`---  \[fault\] drop S→C after 300 bytes`))
}
