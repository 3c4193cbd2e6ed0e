package scenario

import "testing"

// Devices due at the same moment go in file order: the first to check
// a POP3 (delete) mailbox takes it all.
func TestTiesGoInFileOrder(t *testing.T) {
	for _, c := range []struct {
		steps string
		first string
	}{
		{"[{do: check, device: A, at: 1h}, {do: check, device: B, at: 1h}]", "A"},
		{"[{do: check, device: B, at: 1h}, {do: check, device: A, at: 1h}]", "B"},
	} {
		r := play(t, six+"devices: [{name: A}, {name: B}]\nsteps: "+c.steps+"\n", POP3, "adsl-8m")
		if st := r.Steps[0]; st.Device != c.first || st.StartSeconds != 0 {
			t.Fatalf("%s: step 1 is %s's, starting at %.3f", c.steps, st.Device, st.StartSeconds)
		}
		wantOutcome(t, r, 1, "downloaded 6, headers only 0, sent 0; the device now lists 6 (was 0)")
		wantOutcome(t, r, 2, "downloaded 0, headers only 0, sent 0; the device now lists 0 (was 0)")
	}
}

// at counts from the start, after from the device's previous step, and a
// step never starts before the device's previous one ended.
func TestStepTimes(t *testing.T) {
	r := play(t, six+pc+`steps:
  - {do: compose, device: PC, count: 2, think: 10m}
  - {do: compose, device: PC, count: 1, after: 5m}
  - {do: compose, device: PC, count: 1, at: 15m}
  - {do: compose, device: PC, count: 1, at: 2h}
`, POP3, "adsl-8m")
	for i, want := range [][2]float64{{0, 1200}, {1500, 1500}, {1500, 1500}, {7200, 7200}} {
		if st := r.Steps[i]; st.StartSeconds != want[0] || st.EndSeconds != want[1] {
			t.Errorf("step %d: %.3f to %.3f s, want %.0f to %.0f", i+1, st.StartSeconds, st.EndSeconds, want[0], want[1])
		}
	}
	if r.SpanSeconds != 7200 {
		t.Errorf("span %.3f s, want 7200", r.SpanSeconds)
	}
}
