package scenario

import "testing"

// A hangup ends the call where the runner would have kept it: two checks
// a minute apart share a call, unless the user hangs up between them.
func TestStepHangup(t *testing.T) {
	const kept = "steps: [{do: check, device: PC}, {do: check, device: PC, after: 1m}]\n"
	const hung = "steps: [{do: check, device: PC}, {do: hangup, device: PC}, {do: check, device: PC, after: 1m}]\n"
	for _, p := range []Protocol{POP3, IMAP} {
		k, h := play(t, six+pc+kept, p, "dialup-56k"), play(t, six+pc+hung, p, "dialup-56k")
		if k.Calls != 1 || h.Calls != 2 {
			t.Errorf("%s: %d calls without the hangup, %d with; want 1 and 2", p, k.Calls, h.Calls)
		}
		wantOutcome(t, h, 2, "hung up")
		// The call is down once the check before it is over.
		if st := h.Steps[0]; st.OnlineSeconds == 0 || st.OnlineSeconds > 60 {
			t.Errorf("%s: the first call lasted %.1f s", p, st.OnlineSeconds)
		}
		if h.Cost <= k.Cost {
			t.Errorf("%s: two calls cost %.2f, one %.2f", p, h.Cost, k.Cost)
		}
	}
	// On broadband there is no call to end.
	r := play(t, six+pc+hung, POP3, "adsl-8m")
	if r.Calls != 0 || r.Cost != 0 {
		t.Errorf("adsl: %d calls, cost %.2f", r.Calls, r.Cost)
	}
	wantOutcome(t, r, 2, "hung up")
}
