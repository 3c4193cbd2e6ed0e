package trace_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/trace"
)

// tsharkLines runs tshark on a capture and returns its non-empty output
// lines; it skips the test without tshark (fails under
// MAILSCOPE_REQUIRE_TOOLS=1).
func tsharkLines(t *testing.T, path string, args ...string) []string {
	t.Helper()
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("MAILSCOPE_REQUIRE_TOOLS") == "1" {
			t.Fatal("tshark not on PATH and MAILSCOPE_REQUIRE_TOOLS=1")
		}
		t.Skip("tshark not on PATH")
	}
	cmd := exec.Command(tshark, append([]string{"-r", path}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no user profile
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, out)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// bigMessage is an RFC 5322 message of exactly size bytes.
func bigMessage(size int) []byte {
	b := []byte("From: alice@lab\r\nTo: student@lab\r\nSubject: big\r\n\r\n")
	line := strings.Repeat("x", 70) + "\r\n"
	for len(b)+len(line) <= size-2 {
		b = append(b, line...)
	}
	for len(b) < size-2 {
		b = append(b, 'y')
	}
	return append(b, "\r\n"...)
}

// brokenLab is a lab on the 56k preset holding one big message for
// student, whose next connection is reset once the server has sent
// after bytes.
func brokenLab(t *testing.T, size int, after int64) *lab.Lab {
	t.Helper()
	p, _ := link.Preset("dialup-56k")
	p.Jitter = 0
	l, err := lab.New(lab.Options{
		Domain:   "lab",
		Accounts: []lab.Account{{Name: "student", Password: "secret"}},
		Seed:     []lab.SeedMessage{{To: "student", Raw: bigMessage(size)}},
		Profile:  p,
		NoTLS:    true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	l.Link.InjectNext(link.ResetAfter{Dir: link.Down, Bytes: after})
	return l
}

// A POP3 RETR of a 65,930-byte message over 56k, reset after 30,000
// bytes: the trace shows what the client read and no more, the message
// as incomplete, no closing ".", and the fault after the last bytes that
// arrived; the pcapng carries the same bytes and ends with RST.
func TestBrokenRetrShowsWhatArrived(t *testing.T) {
	const size, after = 65930, 30000
	l := brokenLab(t, size, after)
	conn, err := l.Dial(context.Background(), lab.POP3, link.DialOptions{ClientAddr: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	read := 0
	br := bufio.NewReader(conn)
	line := func() (string, error) {
		s, err := br.ReadString('\n')
		read += len(s)
		return s, err
	}
	line() // greeting
	for _, cmd := range []string{"USER student", "PASS secret", "RETR 1"} {
		fmt.Fprintf(conn, "%s\r\n", cmd)
		if s, err := line(); err != nil || !strings.HasPrefix(s, "+OK") {
			t.Fatalf("%s = %q, %v", cmd, s, err)
		}
	}
	for {
		if _, err = line(); err != nil {
			break
		}
	}
	if !errors.Is(err, link.ErrReset) {
		t.Fatalf("RETR ended with %v, want a reset", err)
	}
	if read != after {
		t.Fatalf("client read %d bytes, want %d", read, after)
	}
	conn.Close()
	l.Close()

	snap := l.Trace.Snapshot()
	events := snap.Slice()
	var sid uint64
	for _, s := range snap.Sessions() {
		if s.Protocol == trace.POP3 {
			sid = s.ID
		}
	}
	delivered, lastData, fault := 0, -1, -1
	var bulk *trace.Event
	for i := range events {
		ev := &events[i]
		if ev.Session != sid {
			continue
		}
		switch {
		case ev.Kind == trace.KindFault:
			if fault < 0 {
				fault = i
			}
		case ev.Dir == trace.ServerToClient && (ev.Kind == trace.KindLine || ev.Kind == trace.KindBulk):
			if fault >= 0 {
				t.Errorf("event %d after the fault: %s %q", ev.Seq, ev.Kind, ev.Text)
			}
			delivered += ev.Bytes
			lastData = i
			if ev.Verb == "." {
				t.Errorf("the closing %q shows, though it never arrived", ev.Text)
			}
			if ev.Kind == trace.KindBulk {
				bulk = ev
			}
		}
	}
	if delivered != read {
		t.Errorf("trace shows %d bytes S→C, the client read %d", delivered, read)
	}
	if bulk == nil || !bulk.Has(trace.FlagIncomplete) || bulk.Bytes >= size {
		t.Fatalf("message event = %+v, want it incomplete with fewer than %d bytes", bulk, size)
	}
	if fault < 0 || fault < lastData || !strings.Contains(events[fault].Text, "reset after 30000") {
		t.Fatalf("fault at %d, last data at %d", fault, lastData)
	}
	if f, d := events[fault], events[lastData]; f.At < d.Arrive {
		t.Errorf("fault at %v, before the last bytes arrived at %v", f.At, d.Arrive)
	}

	path := filepath.Join(t.TempDir(), "broken.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := trace.WritePcapng(f, snap.Sessions(), snap.Since(0), trace.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	stream := "tcp.port == 110"
	if rst := tsharkLines(t, path, "-Y", stream+" && tcp.flags.reset == 1", "-T", "fields", "-e", "tcp.srcport"); len(rst) != 1 {
		t.Errorf("RST segments = %q, want one", rst)
	}
	if fin := tsharkLines(t, path, "-Y", stream+" && tcp.flags.fin == 1"); len(fin) != 0 {
		t.Errorf("FIN segments = %q, want none", fin)
	}
	sum := 0
	for _, n := range tsharkLines(t, path, "-Y", "tcp.srcport == 110", "-T", "fields", "-e", "tcp.len") {
		k, _ := strconv.Atoi(n)
		sum += k
	}
	if sum != read {
		t.Errorf("pcapng carries %d bytes from the server, the client read %d", sum, read)
	}
}
