package scenario

import "testing"

func TestStepSearchValidate(t *testing.T) {
	checkStepErrors(t, map[string]string{
		"{do: search, device: PC}":             "step 1 (search): no text",
		"{do: search, device: PC, text: ''}":   "step 1 (search): no text",
		"{do: search, device: PC, text: Oslo}": "",
	})
}

// IMAP asks the server; POP3 searches the copies it downloaded. Either
// way the matches are what "messages: found" picks next.
func TestStepSearch(t *testing.T) {
	const body = six + pc + `steps:
  - {do: check, device: PC}
  - {do: search, device: PC, text: oslo}
  - {do: read, device: PC, messages: found}
`
	pop := play(t, body, POP3, "adsl-8m")
	wantOutcome(t, pop, 2, "found 3 of the device's own 6 copies")
	if st := pop.Steps[1]; st.Connections != 0 || st.RoundTrips != 0 {
		t.Errorf("POP3 search used the network: %d connections, %d round trips", st.Connections, st.RoundTrips)
	}
	imap := play(t, body, IMAP, "adsl-8m")
	wantOutcome(t, imap, 2, "the server matched 3; 3 of them are on the device")
	if st := imap.Steps[1]; st.RoundTrips == 0 {
		t.Errorf("IMAP search made no round trip")
	}
	for _, r := range []*Result{pop, imap} {
		wantOutcome(t, r, 3, "read 3")
	}
	// Before any search, found is nothing.
	none := play(t, six+pc+"steps: [{do: check, device: PC}, {do: read, device: PC, messages: found}]\n", POP3, "adsl-8m")
	wantOutcome(t, none, 2, "read 0")
}

// IMAP cannot search the server offline; POP3's copies are at hand.
func TestStepSearchOffline(t *testing.T) {
	const body = six + pc + "steps: [{do: check, device: PC}, {do: offline, device: PC}, {do: search, device: PC, text: oslo}]\n"
	imap := play(t, body, IMAP, "adsl-8m")
	if st := imap.Steps[2]; !st.Failed || st.Outcome != "working offline" {
		t.Errorf("IMAP offline search: %+v; want failed, working offline", st)
	}
	pop := play(t, body, POP3, "adsl-8m")
	wantOutcome(t, pop, 3, "found 3 of the device's own 6 copies")
}
