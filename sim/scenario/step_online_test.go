package scenario

import "testing"

// Going online needs the network even though the device was offline: on
// a modem it dials, then sends what waited.
func TestStepOnline(t *testing.T) {
	r := play(t, pc+`steps:
  - {do: offline, device: PC}
  - {do: compose, device: PC, count: 2}
  - {do: online, device: PC, after: 1h}
`, POP3, "dialup-56k")
	wantOutcome(t, r, 3, "sent 2 of 2")
	if st := r.Steps[2]; st.Calls != 1 || st.DialSeconds != 20 {
		t.Errorf("online: %d calls, %.0f s dialling; want one 20 s dial", st.Calls, st.DialSeconds)
	}
	if d := device(t, r, "PC"); d.Outbox != 0 {
		t.Errorf("%d left in the outbox", d.Outbox)
	}
}

// IMAP: read marks made offline reach the server when the device goes
// online, so the laptop sees the mail read; without going online they
// stay on the PC.
func TestStepOnlineSendsReadMarks(t *testing.T) {
	const start = six + `devices: [{name: PC, imap: offline}, {name: Laptop}]
steps:
  - {do: check, device: PC}
  - {do: offline, device: PC}
  - {do: read, device: PC, messages: first 4}
`
	const laptop = "  - {do: check, device: Laptop, at: 3h}\n"
	for _, c := range []struct {
		steps  string
		unread int
	}{
		{start + "  - {do: online, device: PC, after: 1h}\n" + laptop, 2},
		{start + laptop, 6},
	} {
		r := play(t, c.steps, IMAP, "adsl-8m")
		if d := device(t, r, "Laptop"); d.VisibleMessages != 6 || d.Unread != c.unread {
			t.Errorf("laptop lists %d, %d unread; want 6, %d\n%s", d.VisibleMessages, d.Unread, c.unread, c.steps)
		}
	}
}
