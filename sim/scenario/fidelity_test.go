package scenario

import (
	"context"
	"math"
	"testing"

	"github.com/mailscope/mailscope/sim/link"
)

// lockStep is one POP3 check: nothing overlaps, so the time on the
// network is exactly the sum of its parts.
const lockStep = `
id: lock-step
title: One POP3 check
mailbox: {messages: 12, size: 3KB, attachments: 0.25, attachment_size: 20KB, seed: 11}
devices: [{name: PC}]
steps: [{do: check, device: PC}]
`

// TestFidelity checks, for every preset, that a lock-step POP3 run's time
// on the network is dial + set-up + round trips × RTT + wire bytes over
// the bandwidth each way, within 0.5 % (jitter off).
func TestFidelity(t *testing.T) {
	sc, err := Parse([]byte(lockStep))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range link.Presets() {
		t.Run(p.ID, func(t *testing.T) {
			p.Jitter = 0
			r, err := Run(context.Background(), sc, RunOptions{Protocol: POP3, Link: p})
			if err != nil {
				t.Fatal(err)
			}
			rtt := p.RTT().Seconds()
			sum := r.DialSeconds + r.SetupSeconds + float64(r.RoundTrips)*rtt +
				float64(r.WireUp)*8/bps(p.UpBps) + float64(r.WireDown)*8/bps(p.DownBps)
			t.Logf("sim %.6f s, sum %.6f s (dial %.3f setup %.3f rt %d×%.3f up %d down %d)",
				r.SimSeconds, sum, r.DialSeconds, r.SetupSeconds, r.RoundTrips, rtt, r.WireUp, r.WireDown)
			if r.SimSeconds == 0 && sum == 0 {
				return
			}
			if d := math.Abs(r.SimSeconds-sum) / r.SimSeconds; d > 0.005 {
				t.Errorf("sim_seconds = %.6f, parts add up to %.6f (%.2f%% off)", r.SimSeconds, sum, d*100)
			}
		})
	}
}

func bps(b int64) float64 {
	if b <= 0 {
		return math.Inf(1)
	}
	return float64(b)
}
