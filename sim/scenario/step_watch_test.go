package scenario

import (
	"strings"
	"testing"
)

func TestStepWatchValidate(t *testing.T) {
	checkStepErrors(t, map[string]string{
		"{do: watch, device: PC, every: 5m}":            "step 1 (watch): no until",
		"{do: watch, device: PC, until: 1h}":            "step 1 (watch): no every (how often a POP3 device polls)",
		"{do: watch, device: PC, until: 1h, every: 5m}": "",
	})
	// Both missing: both said.
	err := stepError("{do: watch, device: PC}")
	if err == nil || !strings.Contains(err.Error(), "no until") || !strings.Contains(err.Error(), "no every") {
		t.Errorf("watch with neither: %v", err)
	}
}

// POP3 polls every so often until the watch ends: at 0, 10, ..., 50 min.
func TestStepWatchPolls(t *testing.T) {
	r := play(t, pc+"steps: [{do: watch, device: PC, every: 10m, until: 1h}, {do: deliver, at: 25m, count: 1}]\n", POP3, "adsl-8m")
	wantOutcome(t, r, 1, "polled 6 times")
	if st := r.Steps[0]; st.Connections != 6 {
		t.Errorf("6 polls made %d connections", st.Connections)
	}
	// Delivered at 25 min, listed at the 30 min poll.
	if d := r.NoticeDelayAvgSeconds; d == nil || *d < 299 || *d > 301 {
		t.Errorf("notice delay %v; want about 300 s", d)
	}
}

// IMAP IDLE hears of each delivery as it lands, until the watch ends:
// mail landing as it ends (deliveries go first on a tie) is not pushed.
func TestStepWatchIdle(t *testing.T) {
	r := play(t, pc+`steps:
  - {do: watch, device: PC, every: 10m, until: 1h}
  - {do: deliver, at: 10m, count: 2, every: 10m}
  - {do: deliver, at: 1h, count: 1}
  - {do: deliver, at: 2h, count: 1}
`, IMAP, "adsl-8m")
	wantOutcome(t, r, 1, "IDLE: told of new mail 2 times")
	if st := r.Steps[0]; st.Connections != 1 {
		t.Errorf("IDLE made %d connections, want the one it stays on", st.Connections)
	}
	if d := r.NoticeDelayAvgSeconds; d == nil || *d > 1 {
		t.Errorf("notice delay %v; want under a second", d)
	}
	if d := device(t, r, "PC"); d.VisibleMessages != 2 {
		t.Errorf("the PC lists %d, want the 2 pushed (none landing at or after its end)", d.VisibleMessages)
	}
}

// On a modem a poller hangs up when the next poll is five minutes or
// more away, counted from the end of this one, and keeps the line
// otherwise: polls every 5 minutes keep it (each ends after it starts).
func TestStepWatchDialUp(t *testing.T) {
	for _, c := range []struct {
		every string
		calls int
	}{{"10m", 6}, {"6m", 10}, {"5m", 1}, {"2m", 1}} {
		r := play(t, pc+"steps: [{do: watch, device: PC, every: "+c.every+", until: 1h}]\n", POP3, "dialup-56k")
		if r.Calls != c.calls {
			t.Errorf("polling every %s for an hour: %d calls, want %d", c.every, r.Calls, c.calls)
		}
	}
	r := play(t, pc+"steps: [{do: watch, device: PC, every: 10m, until: 1h}]\n", IMAP, "dialup-56k")
	if r.Calls != 1 || r.OnlineSeconds < 3580 {
		t.Errorf("IDLE on a modem: %d calls, %.0f s online; want one call, the hour less the 20 s dial", r.Calls, r.OnlineSeconds)
	}
}

// A device working offline cannot watch: a POP3 poller, like IMAP's IDLE,
// fails its step (before, POP3's aborted the whole run), and the run goes
// on.
func TestStepWatchOffline(t *testing.T) {
	for _, p := range []Protocol{POP3, IMAP} {
		r := play(t, pc+`steps:
  - {do: offline, device: PC}
  - {do: watch, device: PC, every: 10m, until: 1h}
  - {do: online, device: PC, at: 2h}
  - {do: check, device: PC, at: 2h}
`, p, "adsl-8m")
		if st := r.Steps[1]; !st.Failed || st.Outcome != "working offline" || st.Connections != 0 {
			t.Errorf("%s: watch while offline: failed %v, %q, %d connections; want failed, working offline, none", p, st.Failed, st.Outcome, st.Connections)
		}
		if st := r.Steps[3]; st.Failed {
			t.Errorf("%s: check after going online failed: %s", p, st.Outcome)
		}
	}
}
