package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serve as a real subprocess (this test binary run again as `mailscope
// serve`), so that it can be sent signals.

const serveHelperEnv = "MAILSCOPE_SERVE_HELPER"

// TestServeHelperProcess is not a test: it is serve, in the process
// serveProcess starts.
func TestServeHelperProcess(t *testing.T) {
	if os.Getenv(serveHelperEnv) != "1" {
		t.Skip("helper process for the serve subprocess tests")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	ctx, stop := signalContext()
	defer stop()
	os.Exit(Main(ctx, args, os.Stdout, os.Stderr))
}

// signalContext ends on SIGINT or SIGTERM, as main's does.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// servedProc is a `serve` subprocess.
type servedProc struct {
	cmd                   *exec.Cmd
	out                   *syncBuffer
	smtp, pop3, imap, api string
	exited                chan error
}

func serveProcess(t *testing.T, extra ...string) *servedProc {
	t.Helper()
	if reportSignalName == "" {
		t.Skip("no report signal on this system")
	}
	args := append([]string{"-test.run=^TestServeHelperProcess$", "--", "serve", "--cert-dir", "", "--seed", "3",
		"--smtp", "127.0.0.1:0", "--pop3", "127.0.0.1:0", "--imap", "127.0.0.1:0",
		"--smtps", "", "--pop3s", "", "--imaps", "", "--api", "127.0.0.1:0"}, extra...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), serveHelperEnv+"=1")
	p := &servedProc{cmd: cmd, out: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stdout = p.out
	var errb syncBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Error("serve did not stop on SIGINT")
		}
		if testing.Verbose() {
			t.Logf("serve's stdout:\n%s\nstderr:\n%s", p.out.String(), errb.String())
		}
	})
	p.smtp = waitFor(t, p.out, regexp.MustCompile(`smtp\s+(127\.0\.0\.1:\d+)`))[1]
	p.pop3 = waitFor(t, p.out, regexp.MustCompile(`pop3\s+(127\.0\.0\.1:\d+)`))[1]
	p.imap = waitFor(t, p.out, regexp.MustCompile(`imap\s+(127\.0\.0\.1:\d+)`))[1]
	p.api = waitFor(t, p.out, regexp.MustCompile(`api\s+(127\.0\.0\.1:\d+)`))[1]
	return p
}

func (p *servedProc) get(t *testing.T, path string, v any) int {
	t.Helper()
	resp, err := http.Get("http://" + p.api + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: decoding: %v", path, err)
		}
	}
	return resp.StatusCode
}

func (p *servedProc) do(t *testing.T, method, path, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+p.api+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

// apiSession is the part of GET /api/sessions a developer's test reads.
type apiSession struct {
	ID       uint64 `json:"id"`
	Protocol string `json:"protocol"`
	Client   struct {
		Addr  string `json:"addr"`
		Login string `json:"login"`
		Hello string `json:"hello"`
	} `json:"client"`
	RoundTrips int            `json:"round_trips"`
	Commands   map[string]int `json:"commands"`
	Open       bool           `json:"open"`
	Patterns   []struct {
		Name             string `json:"name"`
		Count            int    `json:"count"`
		SavingRoundTrips int    `json:"saving_round_trips"`
	} `json:"patterns"`
}

// The API over real HTTP while a real client works: the events stream
// shows the client's LOGIN while the client is still connected and
// waiting; the sessions carry their reports; one session's events; faults
// armed, listed, striking a real client, and cleared.
func TestServeAPIWithRealClients(t *testing.T) {
	p := serveProcess(t, "--trace", "none")

	// The stream, live from now on.
	resp, err := http.Get("http://" + p.api + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("events Content-Type %q", ct)
	}
	lines := make(chan map[string]any, 1024)
	go func() {
		defer close(lines)
		br := bufio.NewReader(resp.Body)
		for {
			// Only whole lines: the body is closed mid-line when the test ends.
			line, err := br.ReadBytes('\n')
			if err != nil {
				return
			}
			var ev map[string]any
			if err := json.Unmarshal(line, &ev); err != nil {
				t.Errorf("stream line %q: %v", line, err)
				return
			}
			select {
			case lines <- ev:
			default: // the test reads only up to the LOGIN
			}
		}
	}()

	// Python logs in and select, says so, and waits for the test before
	// fetching one message at a time.
	stdin, feed := io.Pipe()
	py := exec.Command(need(t, "python3"), "-c", `
import imaplib, os, sys
h, port = os.environ["IMAP"].rsplit(":", 1)
M = imaplib.IMAP4(h, int(port))
M.login("student", "secret")
M.select("INBOX")
print("ready", flush=True)
sys.stdin.readline()
typ, data = M.search(None, "ALL")
for num in data[0].split():
    M.fetch(num, "(RFC822)")
M.logout()
`)
	py.Env = append(os.Environ(), "IMAP="+p.imap)
	py.Stdin = stdin
	pyOut, _ := py.StdoutPipe()
	if err := py.Start(); err != nil {
		t.Fatal(err)
	}
	if l, _ := bufio.NewReader(pyOut).ReadString('\n'); l != "ready\n" {
		t.Fatalf("python said %q", l)
	}
	// Python is connected and blocked: its LOGIN must be on the stream now.
	deadline := time.After(10 * time.Second)
	var imapSession float64
	for imapSession == 0 {
		select {
		case ev, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended")
			}
			if ev["verb"] == "LOGIN" && ev["protocol"] == "imap" {
				imapSession = ev["session"].(float64)
				if txt, _ := ev["text"].(string); strings.Contains(txt, "secret") {
					t.Errorf("the stream shows the password: %q", txt)
				}
			}
		case <-deadline:
			t.Fatal("no LOGIN on the events stream while the client waits")
		}
	}
	var open []apiSession
	p.get(t, "/api/sessions", &open)
	if s := find(open, uint64(imapSession)); s == nil || !s.Open || s.Client.Login != "student" {
		t.Errorf("while python waits, its session is %+v, want open with login student", s)
	}
	fmt.Fprintln(feed, "go")
	feed.Close()
	if err := py.Wait(); err != nil {
		t.Fatalf("python: %v", err)
	}

	// curl sends a mail: PIPELINING offered, unused.
	msg := t.TempDir() + "/m.eml"
	os.WriteFile(msg, []byte("Subject: api\r\n\r\nhi\r\n"), 0o644)
	if _, code := curlRun(t, "smtp://"+p.smtp, "--mail-from", "student@mailscope.lab", "--mail-rcpt", "bob@mailscope.lab", "-T", msg); code != curlOK {
		t.Fatalf("curl smtp: exit %d", code)
	}

	var ss []apiSession
	if code := p.get(t, "/api/sessions", &ss); code != http.StatusOK {
		t.Fatalf("GET /api/sessions: %d", code)
	}
	im := find(ss, uint64(imapSession))
	if im == nil || im.Protocol != "imap" || im.Commands["FETCH"] != 3 || im.RoundTrips < 3+4 {
		t.Fatalf("imap session %+v: want 3 FETCH and at least 7 round trips", im)
	}
	if pt := patternOf(im, "one-fetch-per-message"); pt == nil || pt.Count != 3 || pt.SavingRoundTrips != 2 {
		t.Errorf("imap patterns %+v, want one-fetch-per-message ×3 saving 2", im.Patterns)
	}
	var sm *apiSession
	for i := range ss {
		if ss[i].Protocol == "smtp" {
			sm = &ss[i]
		}
	}
	if sm == nil || patternOf(sm, "pipelining-unused") == nil {
		t.Errorf("smtp session %+v: want pipelining-unused", sm)
	}

	// One session's events: all of it, and only it.
	er, err := http.Get(fmt.Sprintf("http://%s/api/sessions/%d/events", p.api, im.ID))
	if err != nil {
		t.Fatal(err)
	}
	n, fetches := 0, 0
	sc := bufio.NewScanner(er.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev struct {
			Session uint64 `json:"session"`
			Verb    string `json:"verb"`
			Dir     string `json:"dir"`
		}
		json.Unmarshal(sc.Bytes(), &ev)
		if ev.Session != im.ID {
			t.Errorf("session %d's events include %s", im.ID, sc.Text())
		}
		if ev.Verb == "FETCH" && ev.Dir == "c2s" {
			fetches++
		}
		n++
	}
	er.Body.Close()
	if n == 0 || fetches != 3 {
		t.Errorf("session events: %d lines, %d FETCH commands; want 3", n, fetches)
	}
	if code := p.get(t, "/api/sessions/9999/events", nil); code != http.StatusNotFound {
		t.Errorf("unknown session: %d, want 404", code)
	}

	// Faults: arm as text and as JSON, list, clear; a bad spec is refused.
	var f struct {
		Spec, Kind, Protocol string
	}
	if code := p.do(t, "POST", "/api/faults", "reset@pop3,after=300", &f); code != http.StatusCreated || f.Kind != "reset" || f.Protocol != "pop3" {
		t.Errorf("POST reset: %d %+v", code, f)
	}
	if code := p.do(t, "POST", "/api/faults", `{"spec": "drop@imap,dir=down"}`, nil); code != http.StatusCreated {
		t.Errorf("POST JSON drop: %d", code)
	}
	var armed []map[string]any
	p.get(t, "/api/faults", &armed)
	if len(armed) != 2 || armed[0]["spec"] != "reset@pop3,after=300" || armed[1]["spec"] != "drop@imap,dir=down" {
		t.Errorf("GET /api/faults = %v", armed)
	}
	var e map[string]string
	if code := p.do(t, "POST", "/api/faults", "explode@pop3", &e); code != http.StatusBadRequest || e["error"] == "" {
		t.Errorf("POST a bad spec: %d %v", code, e)
	}
	// The armed reset strikes the next POP3 connection: curl's RETR breaks.
	if _, code := curlRun(t, "pop3://"+p.pop3+"/1", "-u", "student:secret"); code != curlRecvError {
		t.Errorf("curl RETR under the armed reset: exit %d, want %d", code, curlRecvError)
	}
	armed = nil
	p.get(t, "/api/faults", &armed)
	if len(armed) != 1 || armed[0]["kind"] != "drop" {
		t.Errorf("after the reset struck, armed = %v, want only the drop", armed)
	}
	// A protocol fault stays armed, counts its firings, and is disarmed
	// by its id.
	var rf struct {
		ID    int
		Fired int
	}
	if code := p.do(t, "POST", "/api/faults", "reply@pop3,cmd=RETR,with=-ERR [SYS/TEMP] busy", &rf); code != http.StatusCreated || rf.ID == 0 {
		t.Errorf("POST reply: %d %+v", code, rf)
	}
	if _, code := curlRun(t, "pop3://"+p.pop3+"/1", "-u", "student:secret"); code == curlOK {
		t.Errorf("curl RETR under the reply fault: exit 0, want a failure")
	}
	armed = nil
	p.get(t, "/api/faults", &armed)
	if len(armed) != 2 || armed[1]["kind"] != "reply" || armed[1]["fired"] != float64(1) || armed[1]["id"] != float64(rf.ID) {
		t.Errorf("after the reply fired, armed = %v, want the drop and the reply fired once", armed)
	}
	var disarmed map[string]int
	if code := p.do(t, "DELETE", fmt.Sprintf("/api/faults/%d", rf.ID), "", &disarmed); code != http.StatusOK || disarmed["disarmed"] != rf.ID {
		t.Errorf("DELETE /api/faults/%d: %d %v", rf.ID, code, disarmed)
	}
	if code := p.do(t, "DELETE", fmt.Sprintf("/api/faults/%d", rf.ID), "", nil); code != http.StatusNotFound {
		t.Errorf("DELETE a disarmed fault again: %d, want 404", code)
	}
	var cleared map[string]int
	if code := p.do(t, "DELETE", "/api/faults", "", &cleared); code != http.StatusOK || cleared["cleared"] != 1 {
		t.Errorf("DELETE: %d %v", code, cleared)
	}
	if out, code := curlRun(t, "pop3://"+p.pop3+"/", "-u", "student:secret"); code != curlOK || strings.Count(out, "\n") != 3 {
		t.Errorf("after clearing, curl LIST: exit %d, %q; want the 3 messages", code, out)
	}
}

func find(ss []apiSession, id uint64) *apiSession {
	for i := range ss {
		if ss[i].ID == id {
			return &ss[i]
		}
	}
	return nil
}

func patternOf(s *apiSession, name string) *struct {
	Name             string `json:"name"`
	Count            int    `json:"count"`
	SavingRoundTrips int    `json:"saving_round_trips"`
} {
	for i := range s.Patterns {
		if s.Patterns[i].Name == name {
			return &s.Patterns[i]
		}
	}
	return nil
}

// SIGUSR1 prints every session's report on demand; SIGINT prints them
// again at shutdown.
func TestServeReportsOnSignal(t *testing.T) {
	p := serveProcess(t)
	msg := t.TempDir() + "/m.eml"
	os.WriteFile(msg, []byte("Subject: sig\r\n\r\nhi\r\n"), 0o644)
	if _, code := curlRun(t, "smtp://"+p.smtp, "--mail-from", "student@mailscope.lab", "--mail-rcpt", "bob@mailscope.lab", "-T", msg); code != curlOK {
		t.Fatalf("curl smtp: exit %d", code)
	}
	if strings.Contains(p.out.String(), "--- session reports") {
		t.Fatal("reports printed before they were asked for")
	}
	p.cmd.Process.Signal(syscall.SIGUSR1)
	waitFor(t, p.out, regexp.MustCompile(`--- session reports \(on request\): 1 session`))
	m := waitFor(t, p.out, regexp.MustCompile(`pattern pipelining-unused ×(\d+), could save (\d+) round trip`))
	if m[1] != m[2] || m[1] == "0" {
		t.Errorf("pipelining-unused ×%s saving %s", m[1], m[2])
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("serve exited: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	p.exited <- nil // for the cleanup
	if !strings.Contains(p.out.String(), "--- session reports (at shutdown): 1 session") {
		t.Errorf("no reports at shutdown:\n%s", p.out.String())
	}
}

// --api beyond loopback needs --lan.
func TestServeAPIRefusesNonLoopback(t *testing.T) {
	var out, errb syncBuffer
	code := Main(context.Background(), []string{"serve", "--cert-dir", "", "--smtp", "127.0.0.1:0", "--pop3", "", "--imap", "",
		"--smtps", "", "--pop3s", "", "--imaps", "", "--api", "0.0.0.0:0"}, &out, &errb)
	if code != ExitUsage || !strings.Contains(errb.String(), "loopback") {
		t.Errorf("serve --api 0.0.0.0:0 exited %d: %s", code, errb.String())
	}
}

// With --trace jsonl the reports at shutdown are JSON, one session a line,
// after the events.
func TestServeReportsAsJSONLines(t *testing.T) {
	out := &syncBuffer{}
	var errb syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--cert-dir", "", "--smtp", "127.0.0.1:0", "--pop3", "", "--imap", "",
			"--smtps", "", "--pop3s", "", "--imaps", "", "--trace", "jsonl"}, out, &errb)
	}()
	smtp := waitFor(t, out, regexp.MustCompile(`smtp\s+(127\.0\.0\.1:\d+)`))[1]
	msg := t.TempDir() + "/m.eml"
	os.WriteFile(msg, []byte("Subject: j\r\n\r\nhi\r\n"), 0o644)
	if _, code := curlRun(t, "smtp://"+smtp, "--mail-from", "student@mailscope.lab", "--mail-rcpt", "bob@mailscope.lab", "-T", msg); code != curlOK {
		t.Fatalf("curl: exit %d", code)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("serve exited %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var last struct {
		ID         uint64         `json:"id"`
		Protocol   string         `json:"protocol"`
		RoundTrips int            `json:"round_trips"`
		Commands   map[string]int `json:"commands"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if last.Protocol != "smtp" || last.RoundTrips < 6 || last.Commands["RCPT"] != 1 {
		t.Errorf("the report line = %+v", last)
	}
}
