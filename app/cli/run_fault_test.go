package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// runWithTrace runs `mailscope run … --json --trace jsonl` and returns the
// exit code, the summary and the trace's fault rows. It checks that the
// trace's bytes each way are what the summary says was carried less what
// was lost.
func runWithTrace(t *testing.T, args ...string) (int, RunSummary, []string, string) {
	t.Helper()
	code, out, errOut := run(t, append(args, "--json", "--trace", "jsonl", "--jitter=false")...)
	cut := strings.LastIndex(out, "\n{\n") + 1
	var s RunSummary
	if err := json.Unmarshal([]byte(out[cut:]), &s); err != nil {
		t.Fatalf("run %v: exit %d, %v\n%s\n%s", args, code, err, errOut, out)
	}
	var faults []string
	var armed []string         // the faults record, first if any
	var traced [2]int64        // payload bytes in the trace: up, down
	last := map[uint64]int64{} // per session, the latest time so far
	for _, line := range strings.Split(out[:cut], "\n") {
		var ev struct {
			Kind, Text, Dir string
			Session         uint64
			AtNs            int64
			Bytes           int64
			Type            string
			Faults          []string
		}
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("trace line %q: %v", line, err)
		}
		if ev.Type == "faults" {
			if armed != nil || len(faults) > 0 || traced != [2]int64{} {
				t.Errorf("the faults record is not the first line: %s", line)
			}
			armed = ev.Faults
			continue
		}
		if ev.Kind == "fault" {
			faults = append(faults, ev.Text)
		}
		if ev.Kind == "line" || ev.Kind == "bulk" {
			traced[map[string]int{"c2s": 0, "s2c": 1}[ev.Dir]] += ev.Bytes
		}
		// The trace lists events in the order they happened: a close is
		// never earlier than what it follows.
		if ev.Kind == "close" && ev.AtNs < last[ev.Session] {
			t.Errorf("s%d: close %q at %d ns after an event at %d ns", ev.Session, ev.Text, ev.AtNs, last[ev.Session])
		}
		last[ev.Session] = max(last[ev.Session], ev.AtNs)
	}
	if up, down := s.PayloadBytesUp-s.PayloadBytesLostUp, s.PayloadBytesDown-s.PayloadBytesLostDown; traced != [2]int64{up, down} {
		t.Errorf("run %v: the trace carries %d B up, %d B down; the summary says %d-%d up, %d-%d down",
			args, traced[0], traced[1], s.PayloadBytesUp, s.PayloadBytesLostUp, s.PayloadBytesDown, s.PayloadBytesLostDown)
	}
	var given []string
	for i, a := range args {
		if a == "--fault" && i+1 < len(args) {
			given = append(given, args[i+1])
		}
	}
	if strings.Join(armed, "\n") != strings.Join(given, "\n") {
		t.Errorf("the faults record says %q, --fault gave %q", armed, given)
	}
	return code, s, faults, errOut
}

// Each link fault kind through run, on the virtual clock: the trace has
// its row, a break is exit 1 with the error in the summary, and the
// store loses nothing: a POP3 session that never reached QUIT deleted
// nothing, an SMTP DATA cut short stored nothing.
func TestRunEachFaultKind(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		broke   string // in the summary's error; "" for a session that completes
		fault   string // the trace's fault row
		left    int
		msgs    func(int) bool
		minSecs float64
	}{
		{name: "reset", args: []string{"--fault", "reset@pop3,after=30000", "--messages", "3", "--size", "50KB"},
			broke: "connection reset", fault: "reset after 30000 bytes S→C", left: 3, msgs: below(3)},
		// 56k dials for 20 s: the connection is up at 20 s, the stall
		// from 22 s to 32 s.
		{name: "stall at", args: []string{"--fault", "stall,at=2s,for=10s", "--messages", "3", "--size", "5KB"},
			fault: "stall both for 10s at 2s", left: 0, msgs: is(3), minSecs: 32},
		{name: "stall after", args: []string{"--fault", "stall,after=2000,for=10s", "--messages", "3", "--size", "5KB"},
			fault: "stall both for 10s after 2000 bytes", left: 0, msgs: is(3), minSecs: 30},
		{name: "drop", args: []string{"--fault", "drop@pop3,dir=down,after=3000", "--messages", "3", "--size", "5KB"},
			broke: "i/o timeout", fault: "drop S→C after 3000 bytes", left: 3, msgs: is(0), minSecs: 80},
		// Offline 5 s into the run: the modem is still dialling; the
		// connection breaks as it comes up.
		{name: "offline while dialling", args: []string{"--fault", "offline,at=5s,for=30s", "--messages", "20", "--size", "50KB"},
			broke: "offline", fault: "offline", left: 20, msgs: is(0)},
		// Offline 60 s in: a few messages are down (and marked for
		// deletion), then the download breaks; nothing is deleted.
		{name: "offline mid-download", args: []string{"--fault", "offline,at=60s,for=30s", "--messages", "20", "--size", "50KB"},
			broke: "offline", fault: "offline", left: 20, msgs: func(n int) bool { return n > 0 && n < 20 }, minSecs: 60},
		{name: "offline imap", args: []string{"--proto", "imap", "--fault", "offline,at=60s,for=30s", "--messages", "20", "--size", "50KB"},
			broke: "offline", fault: "offline", left: 20, msgs: below(20), minSecs: 60},
		{name: "smtp reset", args: []string{"--proto", "smtp", "--fault", "reset@smtp,dir=up,after=300", "--messages", "2"},
			broke: "connection reset", fault: "reset after 300 bytes C→S", left: 0, msgs: is(0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, s, faults, errOut := runWithTrace(t, append([]string{"run"}, tc.args...)...)
			wantCode := ExitOK
			if tc.broke != "" {
				wantCode = ExitError
			}
			if code != wantCode || (tc.broke != "" && !strings.Contains(errOut, "session broke")) {
				t.Errorf("exit %d, stderr %q; want %d", code, errOut, wantCode)
			}
			if (tc.broke == "") != (s.Error == "") || !strings.Contains(s.Error, tc.broke) {
				t.Errorf("error %q, want %q", s.Error, tc.broke)
			}
			if len(faults) != 1 || faults[0] != tc.fault {
				t.Errorf("fault rows %q, want [%q]", faults, tc.fault)
			}
			if s.LeftOnServer != tc.left || !tc.msgs(s.Messages) || s.SimSeconds < tc.minSecs {
				t.Errorf("summary: %d left, %d messages, %.3f s; want %d left, at least %.0f s", s.LeftOnServer, s.Messages, s.SimSeconds, tc.left, tc.minSecs)
			}
		})
	}
}

func is(n int) func(int) bool    { return func(m int) bool { return m == n } }
func below(n int) func(int) bool { return func(m int) bool { return m < n } }

// The brief's example as text: the whole trace, then the summary with
// the break and every message still on the server.
func TestRunOfflineText(t *testing.T) {
	code, text, _ := run(t, "run", "--fault", "offline,at=5s,for=30s", "--messages", "20", "--size", "50KB", "--jitter=false")
	for _, want := range []string{
		"  ---  [dial] ☎ dialling 56k modem", "  ---  [fault] offline\n",
		"  broke            mua: Home PC: pop3 connect: link: offline\n", "  left on server   20\n",
	} {
		if code != ExitError || !strings.Contains(text, want) {
			t.Errorf("exit %d, output lacks %q:\n%s", code, want, text)
		}
	}
}

// The protocol faults through run: the chosen reply reaches the client's
// session (the device skips the message it could not retrieve and leaves
// it on the server), a delay shows in virtual time, and what the lab
// cannot do is a usage error that says why.
func TestRunProtocolFaults(t *testing.T) {
	spec := "reply@pop3,cmd=RETR,nth=2,with=-ERR [SYS/TEMP] try later"
	code, s, faults, errOut := runWithTrace(t, "run", "--link", "loopback", "--messages", "3", "--fault", spec)
	if code != ExitOK || len(faults) != 1 || !strings.HasPrefix(faults[0], spec+`: answered RETR with "-ERR [SYS/TEMP] try later"`) {
		t.Errorf("exit %d (%s), fault rows %q", code, errOut, faults)
	}
	if s.Messages != 2 || s.LeftOnServer != 1 {
		t.Errorf("%d messages downloaded, %d left; want 2 and the one answered by the fault", s.Messages, s.LeftOnServer)
	}
	_, plain, _, _ := runWithTrace(t, "run", "--link", "loopback", "--messages", "3")
	_, held, faults, _ := runWithTrace(t, "run", "--link", "loopback", "--messages", "3", "--fault", "delay@pop3,cmd=RETR,for=5s")
	if len(faults) != 3 || held.SimSeconds-plain.SimSeconds < 15 || held.SimSeconds-plain.SimSeconds > 16 {
		t.Errorf("3 RETRs held 5 s each: %.3f s against %.3f s, fault rows %q", held.SimSeconds, plain.SimSeconds, faults)
	}
	code, _, errOut = run(t, "run", "--fault", "reply@smtp,cmd=EHLO,with=421 4.3.2 no")
	if code != ExitUsage || !strings.Contains(errOut, "cmd=EHLO cannot be faulted (go-smtp answers the others itself)") {
		t.Errorf("EHLO fault: exit %d, %q; want a usage error naming the reason", code, errOut)
	}
}
