package scenario

import (
	"math"
	"testing"
)

// A user on a metered line keeps the call up for a networked step less
// than five minutes off, and hangs up for a longer wait.
func TestHangupGap(t *testing.T) {
	for _, c := range []struct {
		after string
		calls int
	}{{"4m", 1}, {"4m59s", 1}, {"5m", 2}, {"1h", 2}} {
		r := play(t, six+pc+"steps: [{do: check, device: PC}, {do: check, device: PC, after: "+c.after+"}]\n", POP3, "dialup-56k")
		if r.Calls != c.calls {
			t.Errorf("checks %s apart: %d calls, want %d", c.after, r.Calls, c.calls)
		}
	}
}

// A call is billed from connecting to hanging up, in started minutes,
// plus the price of the call.
func TestCallBilling(t *testing.T) {
	r := play(t, six+pc+"steps: [{do: check, device: PC}, {do: check, device: PC, after: 3m}]\n", POP3, "dialup-56k")
	if r.Calls != 1 || r.DialSeconds != 20 {
		t.Fatalf("%d calls, %.0f s dialling", r.Calls, r.DialSeconds)
	}
	// Online from the end of the dial to the end of the second check.
	online := r.Steps[1].EndSeconds - 20
	if math.Abs(r.OnlineSeconds-online) > 1e-6 {
		t.Errorf("online %.6f s, want %.6f (connect to hang-up)", r.OnlineSeconds, online)
	}
	minutes := math.Ceil(online / 60)
	if want := 0.10 + 0.04*minutes; math.Abs(r.Cost-want) > 1e-9 {
		t.Errorf("cost %.4f, want %.4f (0.10 a call, 0.04 a started minute × %.0f)", r.Cost, want, minutes)
	}
}
