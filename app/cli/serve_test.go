package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
)

// syncBuffer is a bytes.Buffer safe for the command's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, b *syncBuffer, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("output never matched %v:\n%s", re, b.String())
	return nil
}

// `mailscope serve` listens on loopback, prints a session's lines as they
// cross, masks the password, and stops cleanly when its context ends (as
// on SIGINT/SIGTERM).
func TestServe(t *testing.T) {
	var out, errOut syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--cert-dir", "", "--seed", "2",
			"--smtp", "127.0.0.1:0", "--pop3", "127.0.0.1:0", "--imap", "127.0.0.1:0",
			"--smtps", "", "--pop3s", "", "--imaps", "",
			"--user", "carol:pw1", "--link", "isdn-128k", "--speed", "50"}, &out, &errOut)
	}()
	m := waitFor(t, &out, regexp.MustCompile(`pop3\s+(127\.0\.0\.1:\d+)`))
	if strings.Contains(out.String(), "imaps") {
		t.Errorf("--imaps \"\" still opened IMAPS:\n%s", out.String())
	}
	c, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	br.ReadString('\n')
	io.WriteString(c, "USER carol\r\nPASS pw1\r\nSTAT\r\nQUIT\r\n")
	var replies []string
	for i := 0; i < 4; i++ {
		line, _ := br.ReadString('\n')
		replies = append(replies, line)
	}
	c.Close()
	if !strings.HasPrefix(replies[2], "+OK 2 ") {
		t.Errorf("STAT = %q, want 2 seeded messages", replies[2])
	}
	waitFor(t, &out, regexp.MustCompile(`C→S  STAT`))
	if !strings.Contains(out.String(), "PASS ***") || strings.Contains(out.String(), "PASS pw1") {
		t.Errorf("password not masked in the trace:\n%s", out.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("serve exited %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop when its context ended")
	}
	if _, err := net.DialTimeout("tcp", m[1], time.Second); err == nil {
		t.Error("the POP3 port still accepts after shutdown")
	}
}

func TestServeRefusesLANWithoutFlag(t *testing.T) {
	code, _, errOut := run(t, "serve", "--cert-dir", "", "--pop3", "0.0.0.0:0", "--smtp", "", "--imap", "",
		"--smtps", "", "--pop3s", "", "--imaps", "")
	if code == ExitOK || !strings.Contains(errOut, "--lan") {
		t.Errorf("binding 0.0.0.0 without --lan: exit %d, %q", code, errOut)
	}
}

func TestRunJSON(t *testing.T) {
	for _, proto := range []string{"pop3", "imap", "smtp"} {
		code, out, errOut := run(t, "run", "--proto", proto, "--link", "dialup-56k", "--messages", "3", "--trace", "none", "--json", "--jitter=false")
		if code != ExitOK {
			t.Fatalf("run --proto %s: exit %d: %s", proto, code, errOut)
		}
		var s RunSummary
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("run --proto %s --json: %v\n%s", proto, err, out)
		}
		if s.Messages != 3 || s.RoundTrips < 5 || s.SimSeconds <= 0.75 || s.WireBytesDown <= s.PayloadBytesDown || s.Connections != 1 {
			t.Errorf("run --proto %s = %+v", proto, s)
		}
	}
	// The same seed gives the same numbers.
	_, a, _ := run(t, "run", "--proto", "pop3", "--messages", "5", "--trace", "none", "--json")
	_, b, _ := run(t, "run", "--proto", "pop3", "--messages", "5", "--trace", "none", "--json")
	if a != b {
		t.Errorf("two identical runs differ:\n%s\n%s", a, b)
	}
}

// serve keeps its certificate where the window keeps its own.
func TestServeCertDirIsTheApps(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	serveCommand().Setup(fs, Env{Stdout: io.Discard, Stderr: io.Discard})
	if got, want := fs.Lookup("cert-dir").DefValue, lab.DefaultCertDir(); got != want || want == "" {
		t.Errorf("serve --cert-dir defaults to %q, want lab.DefaultCertDir() %q", got, want)
	}
}
