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
