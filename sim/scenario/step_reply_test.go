package scenario

import "testing"

// Replies go to the outbox, to each message's sender; writing them uses
// no network, and the user's think time is the step's length.
func TestStepReply(t *testing.T) {
	for _, p := range []Protocol{POP3, IMAP} {
		r := play(t, six+pc+`steps:
  - {do: check, device: PC}
  - {do: reply, device: PC, messages: last 2, think: 3m}
`, p, "adsl-8m")
		wantOutcome(t, r, 2, "wrote 2 replies; 2 in the outbox")
		st := r.Steps[1]
		if st.EndSeconds-st.StartSeconds != 360 || st.Connections != 0 || st.PayloadUp != 0 {
			t.Errorf("%s reply: %.6f s, %d connections, %d bytes up; want 360 s offline", p, st.EndSeconds-st.StartSeconds, st.Connections, st.PayloadUp)
		}
		if d := device(t, r, "PC"); d.Outbox != 2 {
			t.Errorf("%s: %d in the outbox, want 2", p, d.Outbox)
		}
	}
	// Nothing to reply to: nothing written.
	r := play(t, pc+"steps: [{do: reply, device: PC}]\n", POP3, "adsl-8m")
	wantOutcome(t, r, 1, "wrote 0 replies; 0 in the outbox")
}
