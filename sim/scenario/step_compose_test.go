package scenario

import "testing"

func TestStepComposeValidate(t *testing.T) {
	checkStepErrors(t, map[string]string{
		"{do: compose, device: PC}":                            "step 1 (compose): count must be at least 1",
		"{do: compose, device: PC, count: 10001}":              "step 1 (compose): count or size too large",
		"{do: compose, device: PC, count: 1, size: 11MB}":      "step 1 (compose): count or size too large",
		"{do: compose, device: PC, count: 10000, size: 10MiB}": "",
	})
}

func TestStepCompose(t *testing.T) {
	r := play(t, pc+"steps: [{do: compose, device: PC, count: 3, size: 1KB, think: 1m}]\n", IMAP, "dialup-56k")
	wantOutcome(t, r, 1, "wrote 3; 3 in the outbox")
	if st := r.Steps[0]; st.EndSeconds-st.StartSeconds != 180 || st.Calls != 0 || st.Connections != 0 {
		t.Errorf("compose: %.6f s, %d calls, %d connections; want 180 s and no network", st.EndSeconds-st.StartSeconds, st.Calls, st.Connections)
	}
	if d := device(t, r, "PC"); d.Outbox != 3 {
		t.Errorf("%d in the outbox, want 3", d.Outbox)
	}
}
