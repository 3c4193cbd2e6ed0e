package scenario

import (
	"context"
	"testing"

	"github.com/mailscope/mailscope/sim/link"
)

func runWith(t *testing.T, sc *Scenario, p Protocol, linkID string, sw Switches) *Result {
	t.Helper()
	prof, err := link.Preset(linkID)
	if err != nil {
		t.Fatal(err)
	}
	prof.Jitter = 0
	r, err := Run(context.Background(), sc, RunOptions{Protocol: p, Link: prof, Switches: sw})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The round-trip savers save exactly the round trips they should, and
// change nothing else about what arrives.
func TestSwitches(t *testing.T) {
	const twenty = `
id: twenty
title: Twenty messages, three replies
mailbox: {messages: 20, size: 3KB, seed: 21}
devices: [{name: PC, pop3: delete, imap: offline}]
steps:
  - {do: check, device: PC}
  - {do: reply, device: PC, messages: first 3}
  - {do: send, device: PC, at: 1h}
`
	sc, err := Parse([]byte(twenty))
	if err != nil {
		t.Fatal(err)
	}
	const l = "dialup-56k"

	// POP3 pipelining: 20 RETRs, then 20 DELEs with the QUIT, become two
	// round trips instead of 41.
	plain := runWith(t, sc, POP3, l, Switches{})
	piped := runWith(t, sc, POP3, l, Switches{POP3Pipelining: true})
	if got := plain.Steps[0].RoundTrips - piped.Steps[0].RoundTrips; got != 39 {
		t.Errorf("POP3 pipelining saved %d round trips in the check, want 39 (41 commands → 2 batches)", got)
	}
	if piped.Steps[0].PayloadDown != plain.Steps[0].PayloadDown || piped.SimSeconds >= plain.SimSeconds {
		t.Errorf("POP3 pipelining: payload %d vs %d, time %.1f vs %.1f s", piped.Steps[0].PayloadDown, plain.Steps[0].PayloadDown, piped.SimSeconds, plain.SimSeconds)
	}

	// SMTP pipelining: MAIL, RCPT and DATA in one round trip, not three.
	smtp := runWith(t, sc, POP3, l, Switches{SMTPPipelining: true})
	if got := plain.Steps[2].RoundTrips - smtp.Steps[2].RoundTrips; got != 6 {
		t.Errorf("SMTP pipelining saved %d round trips sending 3 replies, want 6", got)
	}

	// IMAP headers then bodies: one more FETCH, same messages.
	whole := runWith(t, sc, IMAP, l, Switches{})
	split := runWith(t, sc, IMAP, l, Switches{IMAPHeadersThenBodies: true})
	if got := split.Steps[0].RoundTrips - whole.Steps[0].RoundTrips; got != 1 {
		t.Errorf("headers-then-bodies took %d more round trips, want 1", got)
	}
	for _, r := range []*Result{whole, split} {
		if d := r.Devices[0]; d.OfflineReadable != 23 {
			t.Errorf("IMAP %+v: %d readable offline, want 20 + 3 sent", r.Switches, d.OfflineReadable)
		}
	}
}
