package scenario

import "testing"

func TestStepSend(t *testing.T) {
	const steps = "steps: [{do: compose, device: PC, count: 2, size: 3KB}, {do: send, device: PC}]\n"
	for _, p := range []Protocol{POP3, IMAP} {
		r := play(t, pc+steps, p, "dialup-56k")
		wantOutcome(t, r, 2, "sent 2 of 2")
		st := r.Steps[1]
		if st.Calls != 1 || st.Connections < 1 || st.PayloadUp < 2*3000 {
			t.Errorf("%s send: %d calls, %d connections, %d bytes up; want one call carrying both", p, st.Calls, st.Connections, st.PayloadUp)
		}
		if d := device(t, r, "PC"); d.Outbox != 0 {
			t.Errorf("%s: %d left in the outbox", p, d.Outbox)
		}
	}
	// An empty outbox sends nothing.
	r := play(t, pc+"steps: [{do: send, device: PC}]\n", POP3, "adsl-8m")
	wantOutcome(t, r, 1, "sent 0 of 0")
}

// Working offline the outbox waits, and the modem stays silent.
func TestStepSendOffline(t *testing.T) {
	r := play(t, pc+"steps: [{do: offline, device: PC}, {do: compose, device: PC, count: 2}, {do: send, device: PC}]\n", POP3, "dialup-56k")
	if st := r.Steps[2]; !st.Failed || st.Outcome != "working offline" || st.Calls != 0 {
		t.Errorf("offline send: %+v; want failed, working offline, no call", st)
	}
	if d := device(t, r, "PC"); d.Outbox != 2 {
		t.Errorf("%d in the outbox, want the 2 still waiting", d.Outbox)
	}
}
