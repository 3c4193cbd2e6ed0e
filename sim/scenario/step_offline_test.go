package scenario

import "testing"

// Working offline, nothing uses the network, and on a modem the line
// goes down with the step before.
func TestStepOffline(t *testing.T) {
	for _, p := range []Protocol{POP3, IMAP} {
		r := play(t, six+pc+`steps:
  - {do: check, device: PC}
  - {do: offline, device: PC, after: 1m}
  - {do: read, device: PC, think: 10m}
  - {do: check, device: PC, after: 1m}
`, p, "dialup-56k")
		wantOutcome(t, r, 2, "working offline")
		if r.Calls != 1 || r.OnlineSeconds > 120 {
			t.Errorf("%s: %d calls, %.0f s online; want the one call, over before the offline hour", p, r.Calls, r.OnlineSeconds)
		}
		if st := r.Steps[3]; !st.Failed || st.Outcome != "working offline" {
			t.Errorf("%s: check while offline: %q", p, st.Outcome)
		}
	}
}
