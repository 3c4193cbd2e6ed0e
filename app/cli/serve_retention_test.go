package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/trace"
)

// serveExtra starts serve as serveWithFaults does, with more flags; it
// returns the lab and serve's stderr.
func serveExtra(t *testing.T, extra ...string) (*servedLab, *syncBuffer) {
	t.Helper()
	args := append([]string{"serve", "--cert-dir", "", "--seed", "2", "--trace", "none",
		"--smtp", "127.0.0.1:0", "--pop3", "127.0.0.1:0", "--imap", "127.0.0.1:0",
		"--smtps", "", "--pop3s", "", "--imaps", "", "--link", "loopback"}, extra...)
	return startServe(t, args)
}

const pyPOP3Session = pyPrelude + `
h, p = addr("POP3")
c = poplib.POP3(h, p, timeout=10)
c.user("student"); c.pass_("secret")
n = len(c.list()[1])
for i in range(1, n+1):
    c.retr(i)
c.quit()
print("ok", n, flush=True)
`

// serve --pcapng writes the capture as it goes: while serve still runs,
// tshark reads Python's POP3 session from the file, and so does
// trace.ReadSaved.
func TestServePcapngReadLive(t *testing.T) {
	tshark := need(t, "tshark")
	path := filepath.Join(t.TempDir(), "live.pcapng")
	l, _ := serveExtra(t, "--pcapng", path)
	out, err := l.python(t, nil, pyPOP3Session).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok 2") {
		t.Fatalf("python: %v: %s", err, out)
	}
	_, port, _ := strings.Cut(l.pop3, ":")
	var shown string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := exec.Command(tshark, "-r", path, "-d", "tcp.port=="+port+",pop", "-Y", "pop").CombinedOutput()
		shown = string(b)
		if err == nil && strings.Contains(shown, "RETR 2") && strings.Contains(shown, "QUIT") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{"USER student", "RETR 1", "RETR 2", "QUIT"} {
		if !strings.Contains(shown, want) {
			t.Errorf("tshark -r (serve running) does not show %q:\n%s", want, shown)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved, err := trace.ReadSaved(f)
	if err != nil {
		t.Fatal(err)
	}
	var retr int
	for _, ev := range saved.Events {
		if ev.Protocol == trace.POP3 && ev.Verb == "RETR" && ev.Kind == trace.KindLine && ev.Dir == trace.ClientToServer {
			retr++
		}
	}
	if retr != 2 {
		t.Errorf("the live capture read back has %d RETR commands, want 2", retr)
	}
	// mailscope trace reads it too, with its filters and explanations.
	var tout, terr syncBuffer
	if code := Main(context.Background(), []string{"trace", path, "--verb", "retr", "--explain"}, &tout, &terr); code != ExitOK {
		t.Fatalf("mailscope trace exited %d: %s", code, terr.String())
	}
	got := tout.String()
	for _, want := range []string{"pcapng", "pop3", "C→S  RETR 1", "C→S  RETR 2", "RFC 1939"} {
		if !strings.Contains(got, want) {
			t.Errorf("mailscope trace --verb retr --explain lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "USER student") {
		t.Errorf("--verb retr printed a USER line:\n%s", got)
	}
	// --json: the sessions are the reports, as serve's API has them.
	tout = syncBuffer{}
	if code := Main(context.Background(), []string{"trace", path, "--json"}, &tout, &terr); code != ExitOK {
		t.Fatalf("mailscope trace --json exited %d: %s", code, terr.String())
	}
	var js struct {
		Format   string
		Sessions []struct {
			ID         uint64         `json:"id"`
			Protocol   string         `json:"protocol"`
			RoundTrips int            `json:"round_trips"`
			Commands   map[string]int `json:"commands"`
			Retrieved  int            `json:"retrieved"`
			Client     struct {
				Login string `json:"login"`
			} `json:"client"`
		}
	}
	if err := json.Unmarshal([]byte(tout.String()), &js); err != nil {
		t.Fatalf("mailscope trace --json: %v\n%s", err, tout.String())
	}
	if js.Format != "pcapng" || len(js.Sessions) != 1 {
		t.Fatalf("mailscope trace --json = %+v", js)
	}
	if s := js.Sessions[0]; s.Protocol != "pop3" || s.Commands["RETR"] != 2 || s.Retrieved != 2 || s.Client.Login != "student" || s.RoundTrips < 6 {
		t.Errorf("the session's report = %+v", s)
	}
}

// With a small budget serve sets older sessions aside, says so, and every
// client is still served.
func TestServeTraceBudget(t *testing.T) {
	l, errOut := serveExtra(t, "--trace-budget", "16KB")
	for i := range 12 {
		out, err := l.python(t, nil, pyPOP3Session).CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "ok 2") {
			t.Fatalf("python session %d: %v: %s", i, err, out)
		}
	}
	l.stop()
	if !regexp.MustCompile(`trace: \d+ older sessions \(.*\) moved to disk`).MatchString(errOut.String()) {
		t.Errorf("serve's output does not say what it set aside:\n%s", errOut.String())
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"256MB", 256 << 20}, {"1GB", 1 << 30}, {"512kB", 512 << 10}, {"1.5M", 3 << 19}, {"100", 100}, {"0", 0}, {"2 GiB", 2 << 30}} {
		if got, err := ParseSize(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "MB", "-1MB", "lots"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) = nil error", bad)
		}
	}
}
