package scenario

import "testing"

// IMAP deletes on the server; a POP3 device that keeps copies deletes
// only its own.
func TestStepDelete(t *testing.T) {
	const steps = "steps: [{do: check, device: PC}, {do: delete, device: PC, messages: last 2}]\n"
	for _, c := range []struct {
		p        Protocol
		onServer int
	}{{POP3, 6}, {IMAP, 4}} {
		r := play(t, six+pc+steps, c.p, "adsl-8m")
		wantOutcome(t, r, 2, "deleted 2")
		if r.MessagesOnServerAfter != c.onServer {
			t.Errorf("%s: %d left on the server, want %d", c.p, r.MessagesOnServerAfter, c.onServer)
		}
		if d := device(t, r, "PC"); d.VisibleMessages != 4 {
			t.Errorf("%s: the PC lists %d, want 4", c.p, d.VisibleMessages)
		}
	}
}

// folder names where delete picks from.
func TestStepDeleteFromFolder(t *testing.T) {
	r := play(t, six+pc+`steps:
  - {do: check, device: PC}
  - {do: move, device: PC, messages: first 3, folder: Work}
  - {do: delete, device: PC, folder: Work}
`, IMAP, "adsl-8m")
	wantOutcome(t, r, 3, "deleted 3")
	if f := device(t, r, "PC").Folders; f["INBOX"] != 3 || f["Work"] != 0 || r.MessagesOnServerAfter != 3 {
		t.Errorf("folders %v, %d on the server; want INBOX 3, Work empty, 3 on the server", f, r.MessagesOnServerAfter)
	}
}

func TestStepDeleteOffline(t *testing.T) {
	r := play(t, six+pc+`steps:
  - {do: check, device: PC}
  - {do: offline, device: PC}
  - {do: delete, device: PC}
`, IMAP, "adsl-8m")
	if st := r.Steps[2]; !st.Failed || st.Outcome != "working offline" {
		t.Errorf("offline delete: %+v", st)
	}
	if r.MessagesOnServerAfter != 6 {
		t.Errorf("%d on the server, want 6", r.MessagesOnServerAfter)
	}
}
