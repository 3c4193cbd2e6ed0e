package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The load clients are testdata/loadclients.py (frontend/e2e/bench-load-ui.mjs
// runs the same against the app): Python's own libraries, each working flat
// out until its deadline in sessions of a few commands (so that sessions
// close and the trace's retention can set them aside), printing what it did.
const loadClients = "testdata/loadclients.py"

// BenchmarkLoad is the load benchmark (not a timed test): five IMAP
// clients, an SMTP and a POP3 client work flat out against serve on
// loopback for MAILSCOPE_LOAD_SECONDS (default 10; the figure is
// 60) with --trace-budget MAILSCOPE_LOAD_BUDGET (default 256MB; 0 keeps
// every event, as before retention). It reports the peak Go heap
// (sampled), the process's peak RSS (VmHWM), what the trace set aside,
// and checks that every client was served and every message delivered.
// MAILSCOPE_LOAD_HEAPPROFILE=FILE writes a heap profile at 10 s (go tool
// pprof -sample_index=inuse_space).
//
//	make bench-load, or
//	MAILSCOPE_LOAD_SECONDS=60 MAILSCOPE_LOAD_BUDGET=64MB go test -run='^$' -bench=Load -benchtime=1x ./app/cli
func BenchmarkLoad(b *testing.B) {
	secs := os.Getenv("MAILSCOPE_LOAD_SECONDS")
	if secs == "" {
		secs = "10"
	}
	budget := os.Getenv("MAILSCOPE_LOAD_BUDGET")
	if budget == "" {
		budget = "256MB"
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		b.Skip("python3 not installed")
	}
	for range b.N {
		runLoad(b, py, secs, budget)
	}
}

func runLoad(b *testing.B, py, secs, budget string) {
	out, errOut := &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	args := []string{"serve", "--cert-dir", "", "--seed", "20", "--trace", "none", "--trace-budget", budget,
		"--smtp", "127.0.0.1:0", "--pop3", "127.0.0.1:0", "--imap", "127.0.0.1:0",
		"--smtps", "", "--pop3s", "", "--imaps", "", "--link", "loopback"}
	go func() { done <- Main(ctx, args, out, errOut) }()
	var addrs []string
	for _, s := range []string{"smtp", "pop3", "imap"} {
		m := waitForB(b, out, regexp.MustCompile(s+`\s+(127\.0\.0\.1:\d+)`))
		addrs = append(addrs, strings.ToUpper(s)+"="+m)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapBefore := ms.HeapAlloc

	// Sample the heap while the clients run.
	var peakHeap uint64
	var samples []string // the heap every 5 s, to see whether it grows
	stopSample := make(chan struct{})
	var sampled sync.WaitGroup
	sampled.Add(1)
	t0 := time.Now()
	go func() {
		defer sampled.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSample:
				return
			case now := <-t.C:
				runtime.ReadMemStats(&ms)
				peakHeap = max(peakHeap, ms.HeapAlloc)
				if el := now.Sub(t0); int(el/(5*time.Second)) >= len(samples) {
					if p := os.Getenv("MAILSCOPE_LOAD_HEAPPROFILE"); p != "" && len(samples) == 2 {
						if f, err := os.Create(p); err == nil { // what the heap holds at 10 s
							pprof.WriteHeapProfile(f)
							f.Close()
						}
					}
					samples = append(samples, fmt.Sprintf("%ds %.0f MB", int(el.Seconds()), float64(ms.HeapAlloc)/1e6))
				}
			}
		}
	}()
	type result struct {
		name                        string
		sessions, ops, errors, sent int
		stderr                      string
	}
	clients := []struct{ name, kind string }{
		{"imap1", "imap"}, {"imap2", "imap"}, {"imap3", "imap"}, {"imap4", "imap"}, {"imap5", "imap"},
		{"smtp", "smtp"}, {"pop3", "pop3"},
	}
	results := make([]result, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(py, loadClients, c.kind)
			cmd.Env = append(append(os.Environ(), addrs...), "LOAD_SECONDS="+secs)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			o, err := cmd.Output()
			r := result{name: c.name, stderr: stderr.String()}
			if err != nil {
				r.errors = -1
				r.stderr += err.Error()
			}
			if f := strings.Fields(lastLine(string(o))); len(f) == 5 && f[0] == "done" {
				r.sessions, _ = strconv.Atoi(f[1])
				r.ops, _ = strconv.Atoi(f[2])
				r.errors, _ = strconv.Atoi(f[3])
				r.sent, _ = strconv.Atoi(f[4])
			}
			results[i] = r
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	close(stopSample)
	sampled.Wait()

	// Nothing lost: each account holds the seeded messages plus every one
	// sent to it.
	sent := 0
	totalSessions, totalOps := 0, 0
	for _, r := range results {
		if r.errors != 0 || r.sessions == 0 {
			b.Errorf("client %s: %d sessions, %d errors: %s", r.name, r.sessions, r.errors, r.stderr)
		}
		sent += r.sent
		totalSessions += r.sessions
		totalOps += r.ops
	}
	check := exec.Command(py, loadClients, "count")
	check.Env = append(os.Environ(), addrs...)
	co, err := check.Output()
	if err != nil {
		b.Fatalf("final check: %v", err)
	}
	var alice, student int
	fmt.Sscan(string(co), &alice, &student)
	if alice != 20+sent || student != 20+sent {
		b.Errorf("alice has %d, student %d messages; want 20 seeded + %d sent", alice, student, sent)
	}
	hwm := vmHWM()
	cancel()
	if code := <-done; code != ExitOK {
		b.Errorf("serve exited %d: %s", code, errOut.String())
	}
	aside := "nothing set aside"
	if all := regexp.MustCompile(`mailscope: trace: .*`).FindAllString(errOut.String(), -1); len(all) > 0 {
		aside = all[len(all)-1] // the last: said at shutdown
	}
	b.ReportMetric(float64(peakHeap)/1e6, "peak-heap-MB")
	b.ReportMetric(float64(hwm)/1e3, "peak-rss-MB")
	b.ReportMetric(float64(totalSessions), "sessions")
	b.ReportMetric(float64(totalOps), "client-ops")
	b.ReportMetric(float64(sent), "messages-sent")
	b.Logf("%s for %v, budget %s: heap before %.1f MB, peak heap %.1f MB, peak RSS %.1f MB; %d sessions, %d client ops, %d messages sent, all delivered (alice %d, student %d); %s",
		secs, elapsed.Round(time.Second), budget, float64(heapBefore)/1e6, float64(peakHeap)/1e6, float64(hwm)/1e3,
		totalSessions, totalOps, sent, alice, student, aside)
	b.Logf("  heap: %s", strings.Join(samples, ", "))
	for _, r := range results {
		b.Logf("  %-6s %5d sessions %7d ops %4d errors", r.name, r.sessions, r.ops, r.errors)
	}
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// vmHWM is the process's peak resident set in kB (Linux), 0 elsewhere.
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func waitForB(b *testing.B, buf *syncBuffer, re *regexp.Regexp) string {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(buf.String()); m != nil {
			return m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Fatalf("serve did not print %v:\n%s", re, buf.String())
	return ""
}
