package cli

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
)

// `mailscope run` on the 56k modem dials first: 20 s of the simulated
// time are the dial, the call is online from then until the session
// ends, and it costs the tariff's call charge plus its started minutes.
func TestRunDialsOnAMeteredLink(t *testing.T) {
	p, _ := link.Preset("dialup-56k")
	code, out, errOut := run(t, "run", "--proto", "pop3", "--link", "dialup-56k", "--messages", "3", "--trace", "none", "--json", "--jitter=false")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var s RunSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	online := time.Duration(math.Round((s.SimSeconds - s.DialSeconds) * 1e9))
	if !s.Metered || s.Calls != 1 || s.DialSeconds != p.DialTime.Seconds() || s.Currency != "EUR" {
		t.Errorf("summary = %+v, want one 20 s dial in EUR", s)
	}
	if s.OnlineSeconds != online.Seconds() || s.Cost != p.Tariff.Cost(online) || s.Cost != 0.14 {
		t.Errorf("online %v s costing %v, want %v s costing %v (one started minute)", s.OnlineSeconds, s.Cost, online.Seconds(), p.Tariff.Cost(online))
	}
	for _, key := range []string{`"metered": true`, `"calls": 1`, `"dial_seconds": 20`, `"online_seconds": `, `"cost": 0.14`, `"currency": "EUR"`} {
		if !strings.Contains(out, key) {
			t.Errorf("--json lacks %s:\n%s", key, out)
		}
	}

	// The same run as text: the trace opens with the call, the summary
	// has the dial, the time online and the cost.
	_, text, _ := run(t, "run", "--proto", "pop3", "--link", "dialup-56k", "--messages", "3", "--jitter=false")
	first, _, _ := strings.Cut(text, "\n")
	if first != "   0.000000  s1  ---  [dial] ☎ dialling 56k modem… connected after 20.0 s" {
		t.Errorf("the trace begins %q, want the dial", first)
	}
	for _, line := range []string{
		"  dialling         20s (1 call)\n",
		"  online           " + online.Round(time.Millisecond).String() + "\n",
		"  cost             0.14 EUR (0.04 EUR/min + 0.10/call, billed per started minute)\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("summary lacks %q:\n%s", line, text)
		}
	}
}

// An always-on link does not dial, and the summary says nothing of calls.
func TestRunOnAnAlwaysOnLink(t *testing.T) {
	_, out, _ := run(t, "run", "--proto", "imap", "--link", "adsl-8m", "--messages", "2", "--trace", "none", "--json")
	var s RunSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if s.Metered || s.Calls != 0 || s.DialSeconds != 0 || s.Cost != 0 || s.Currency != "" {
		t.Errorf("over ADSL: %+v, want no call", s)
	}
	_, text, _ := run(t, "run", "--proto", "imap", "--link", "adsl-8m", "--messages", "2")
	if strings.Contains(text, "[dial]") || strings.Contains(text, "  cost ") || strings.Contains(text, "  dialling ") {
		t.Errorf("over ADSL the run dialled or billed:\n%s", text)
	}
}

// A reset in the middle of a POP3 download is a result: the trace has the
// fault row, the session never reached QUIT, so every message is still on
// the server, and the summary says why the session broke; exit status 1.
func TestRunWithAResetFault(t *testing.T) {
	args := []string{"run", "--fault", "reset@pop3,after=30000", "--size", "50KB", "--proto", "pop3", "--messages", "3", "--jitter=false"}
	code, text, errOut := run(t, args...)
	if code != ExitError || !strings.Contains(errOut, "the pop3 session broke") {
		t.Errorf("exit %d, stderr %q; want %d and the break", code, errOut, ExitError)
	}
	if !strings.Contains(text, "  ---  [fault] reset after 30000 bytes S→C\n") {
		t.Errorf("the trace lacks the fault row:\n%s", text)
	}
	for _, line := range []string{"  broke            mua: Home PC: pop3 RETR", "  left on server   3\n", "  bytes down       30000 payload"} {
		if !strings.Contains(text, line) {
			t.Errorf("summary lacks %q:\n%s", line, text)
		}
	}
	if strings.Contains(text, "QUIT") {
		t.Errorf("the session reached QUIT after the reset:\n%s", text)
	}

	code, out, _ := run(t, append(args, "--json", "--trace", "none")...)
	var s RunSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, out)
	}
	if s.LeftOnServer != 3 || s.PayloadBytesDown != 30000 || !strings.Contains(s.Error, "connection reset") {
		t.Errorf("summary = %+v, want 3 left on server after 30000 bytes and the reset", s)
	}
}

// Without a fault every message is downloaded and deleted: none is left.
func TestRunLeavesNothingWithoutAFault(t *testing.T) {
	code, out, errOut := run(t, "run", "--proto", "pop3", "--link", "adsl-8m", "--messages", "3", "--size", "2KB", "--trace", "none", "--json")
	var s RunSummary
	if err := json.Unmarshal([]byte(out), &s); code != ExitOK || err != nil {
		t.Fatalf("exit %d: %v %s\n%s", code, err, errOut, out)
	}
	if s.LeftOnServer != 0 || s.Messages != 3 || s.Error != "" {
		t.Errorf("summary = %+v, want 3 downloaded and none left", s)
	}
	if !strings.Contains(out, `"left_on_server": 0`) {
		t.Errorf("--json lacks left_on_server:\n%s", out)
	}
}

// A drop@imap fault does not touch a POP3 session.
func TestRunFaultForAnotherProtocol(t *testing.T) {
	code, text, errOut := run(t, "run", "--proto", "pop3", "--link", "adsl-8m", "--messages", "2", "--fault", "drop@imap,dir=down")
	if code != ExitOK || strings.Contains(text, "[fault]") {
		t.Errorf("exit %d (%s), trace:\n%s\nwant a clean POP3 session", code, errOut, text)
	}
}

func TestRunFaultUsage(t *testing.T) {
	for _, tc := range []struct{ arg, want string }{
		{"reset@pop3,after=lots", "after=lots: want a byte count"},
		// Protocol faults the servers cannot do are refused, saying why.
		{"reply@smtp,cmd=NOOP,with=421 4.3.2 no", "cmd=NOOP cannot be faulted (go-smtp answers the others itself)"},
		{"reply@pop3,cmd=RETR,with=ERR try later", "with= must be a POP3 reply: +OK or -ERR"},
		{"disconnect@imap,after=30s", "disconnect needs during=IDLE"},
	} {
		code, _, errOut := run(t, "run", "--fault", tc.arg, "--messages", "1")
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("run --fault %q: exit %d, stderr %q; want %d and %q", tc.arg, code, errOut, ExitUsage, tc.want)
		}
	}
	if code, _, errOut := run(t, "run", "--size", "huge"); code != ExitUsage || !strings.Contains(errOut, "--size") {
		t.Errorf("run --size huge: exit %d, %q", code, errOut)
	}
}
