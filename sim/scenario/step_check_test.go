package scenario

import "testing"

func TestStepCheck(t *testing.T) {
	const body = six + pc + "steps: [{do: check, device: PC}]\n"
	pop := play(t, body, POP3, "adsl-8m")
	wantOutcome(t, pop, 1, "downloaded 6, headers only 0, sent 0; the device now lists 6 (was 0)")
	imap := play(t, body, IMAP, "adsl-8m")
	wantOutcome(t, imap, 1, "downloaded 0, headers only 6, sent 0; the device now lists 6 (was 0)")
	for _, r := range []*Result{pop, imap} {
		if st := r.Steps[0]; st.Connections != 1 || st.PayloadDown == 0 {
			t.Errorf("%s: check made %d connections, %d bytes down; want 1 and some", r.Protocol, st.Connections, st.PayloadDown)
		}
	}
	if d := device(t, pop, "PC"); d.OfflineReadable != 6 {
		t.Errorf("POP3: %d readable offline, want the 6 downloaded", d.OfflineReadable)
	}
	if d := device(t, imap, "PC"); d.OfflineReadable != 0 {
		t.Errorf("IMAP online: %d readable offline, want 0 (headers only)", d.OfflineReadable)
	}

	// On a modem the check dials first, and hangs up after: the next
	// step is more than five minutes away.
	dial := play(t, six+pc+"steps: [{do: check, device: PC}, {do: check, device: PC, after: 1h}]\n", POP3, "dialup-56k")
	for i, st := range dial.Steps {
		if st.Calls != 1 || st.DialSeconds != 20 {
			t.Errorf("dial-up check %d: %d calls, %.0f s dialling; want 1 call of 20 s each", i+1, st.Calls, st.DialSeconds)
		}
	}
	wantOutcome(t, dial, 2, "downloaded 0, headers only 0, sent 0; the device now lists 6 (was 6)")
}

// Folders, comma-separated: the laptop sees what the PC filed on the
// server only when it checks that folder too.
func TestStepCheckFolders(t *testing.T) {
	const body = six + `devices: [{name: PC}, {name: Laptop}, {name: Phone}]
steps:
  - {do: check, device: PC}
  - {do: move, device: PC, messages: first 2, folder: Work}
  - {do: check, device: Laptop, at: 1h, folder: "INBOX, Work"}
  - {do: check, device: Phone, at: 1h}
`
	r := play(t, body, IMAP, "adsl-8m")
	if f := device(t, r, "Laptop").Folders; f["INBOX"] != 4 || f["Work"] != 2 || len(f) != 2 {
		t.Errorf("laptop checking \"INBOX, Work\" lists %v; want INBOX 4, Work 2 (spaces trimmed)", f)
	}
	if f := device(t, r, "Phone").Folders; f["INBOX"] != 4 || f["Work"] != 0 {
		t.Errorf("phone checking the INBOX lists %v; want INBOX 4 and no Work", f)
	}
}

func TestStepCheckValidate(t *testing.T) {
	checkStepErrors(t, map[string]string{
		"{do: check, device: PC, folder: \" , \"}":        `step 1 (check): folder " , " names no folder`,
		"{do: check, device: PC, folder: \"INBOX,Work\"}": "",
	})
}

// A device working offline checks nothing and dials nothing.
func TestStepCheckOffline(t *testing.T) {
	r := play(t, six+pc+"steps: [{do: offline, device: PC}, {do: check, device: PC}]\n", POP3, "dialup-56k")
	if st := r.Steps[1]; !st.Failed || st.Outcome != "working offline" || st.Calls != 0 || st.Connections != 0 {
		t.Errorf("offline check: %+v; want failed, working offline, no call", st)
	}
}
