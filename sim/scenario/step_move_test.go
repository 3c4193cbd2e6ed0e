package scenario

import "testing"

func TestStepMoveValidate(t *testing.T) {
	checkStepErrors(t, map[string]string{
		"{do: move, device: PC}":               "step 1 (move): no folder",
		"{do: move, device: PC, folder: Work}": "",
	})
}

// Moves pick from the INBOX (folder is where they go): moving "first 2"
// twice files four messages.
func TestStepMove(t *testing.T) {
	const steps = `steps:
  - {do: check, device: PC}
  - {do: move, device: PC, messages: first 2, folder: Work}
  - {do: move, device: PC, messages: first 2, folder: Work}
`
	for _, p := range []Protocol{POP3, IMAP} {
		r := play(t, six+pc+steps, p, "adsl-8m")
		wantOutcome(t, r, 2, "moved 2 to Work")
		wantOutcome(t, r, 3, "moved 2 to Work")
		if f := device(t, r, "PC").Folders; f["INBOX"] != 2 || f["Work"] != 4 {
			t.Errorf("%s: folders %v; want INBOX 2, Work 4", p, f)
		}
		// The folder is on the server with IMAP, on the PC with POP3.
		if st := r.Steps[1]; (st.RoundTrips > 0) != (p == IMAP) {
			t.Errorf("%s move: %d round trips", p, st.RoundTrips)
		}
	}
}

// Offline, IMAP cannot move on the server: the first message fails and
// the step stops there.
func TestStepMoveOffline(t *testing.T) {
	r := play(t, six+pc+`steps:
  - {do: check, device: PC}
  - {do: offline, device: PC}
  - {do: move, device: PC, folder: Work}
`, IMAP, "adsl-8m")
	if st := r.Steps[2]; !st.Failed || st.Outcome != "working offline" {
		t.Errorf("offline move: %+v", st)
	}
	if f := device(t, r, "PC").Folders; f["INBOX"] != 6 || f["Work"] != 0 {
		t.Errorf("folders %v; want all 6 still in the INBOX", f)
	}
}
