package scenario

import "testing"

func TestStepRead(t *testing.T) {
	// Reading what the device holds takes the user's time and no network:
	// six messages, a minute each, are six minutes exactly.
	pop := play(t, six+pc+"steps: [{do: check, device: PC}, {do: read, device: PC, think: 1m}]\n", POP3, "adsl-8m")
	wantOutcome(t, pop, 2, "read 6")
	if st := pop.Steps[1]; st.EndSeconds-st.StartSeconds != 360 || st.Connections != 0 || st.RoundTrips != 0 {
		t.Errorf("POP3 read: %.6f s, %d connections, %d round trips; want 360 s and no network",
			st.EndSeconds-st.StartSeconds, st.Connections, st.RoundTrips)
	}
	if d := device(t, pop, "PC"); d.Unread != 0 {
		t.Errorf("POP3: %d unread after reading all", d.Unread)
	}

	// IMAP online fetches each body on the open session.
	imap := play(t, six+pc+"steps: [{do: check, device: PC}, {do: read, device: PC, messages: first 2}]\n", IMAP, "adsl-8m")
	wantOutcome(t, imap, 2, "read 2")
	if st := imap.Steps[1]; st.Connections != 0 || st.RoundTrips < 2 || st.PayloadDown < 2*1000 {
		t.Errorf("IMAP read: %d connections, %d round trips, %d bytes down; want 2 bodies on the open session", st.Connections, st.RoundTrips, st.PayloadDown)
	}
	if d := device(t, imap, "PC"); d.OfflineReadable != 2 || d.Unread != 4 {
		t.Errorf("IMAP: %d readable offline, %d unread; want 2 and 4", d.OfflineReadable, d.Unread)
	}
}

// Selectors pick from the INBOX: unread, first N, last N.
func TestStepReadSelectors(t *testing.T) {
	r := play(t, six+pc+`steps:
  - {do: check, device: PC}
  - {do: read, device: PC, messages: first 2}
  - {do: read, device: PC, messages: unread}
  - {do: read, device: PC, messages: last 10}
  - {do: read, device: PC, messages: first 0}
`, POP3, "adsl-8m")
	for i, want := range []string{"read 2", "read 4", "read 6", "read 0"} {
		wantOutcome(t, r, i+2, want)
	}
}

// A body that is not on the device cannot be opened offline; the step
// says how many and why, and reads the rest.
func TestStepReadOffline(t *testing.T) {
	r := play(t, six+pc+`steps:
  - {do: check, device: PC}
  - {do: read, device: PC, messages: first 2}
  - {do: offline, device: PC}
  - {do: read, device: PC}
`, IMAP, "adsl-8m")
	wantOutcome(t, r, 4, "read 2; could not open 4 (working offline)")
	if !r.Steps[3].Failed {
		t.Errorf("reading offline with 4 bodies missing did not fail")
	}
}

// On a modem an IMAP online client stays on the line while its user
// reads (it needs the network for each body); an offline client, holding
// the bodies, hangs up first.
func TestStepReadNeedsNetwork(t *testing.T) {
	const steps = "steps: [{do: check, device: PC}, {do: read, device: PC, think: 2m}]\n"
	online := play(t, six+"devices: [{name: PC, imap: online}]\n"+steps, IMAP, "dialup-56k")
	offline := play(t, six+"devices: [{name: PC, imap: offline}]\n"+steps, IMAP, "dialup-56k")
	if online.Calls != 1 || online.OnlineSeconds < 12*60 {
		t.Errorf("IMAP online: %d calls, %.0f s online; want one call through 12 min of reading", online.Calls, online.OnlineSeconds)
	}
	if offline.Calls != 1 || offline.OnlineSeconds > 60 || offline.Steps[1].OnlineSeconds != 0 {
		t.Errorf("IMAP offline: %d calls, %.0f s online (reading %.0f s); want the call over before reading",
			offline.Calls, offline.OnlineSeconds, offline.Steps[1].OnlineSeconds)
	}
}
