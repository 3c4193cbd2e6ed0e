package scenario

import "time"

// stepHangup ends the dial-up call. The runner hangs up by itself when
// the next step needs no network or is far off; this says so explicitly.
type stepHangup struct{}

var _ deviceAction = stepHangup{}

func (stepHangup) help() string {
	return "end the dial-up call (the runner hangs up by itself when the next step needs no network)"
}

func (stepHangup) validate(Step) []error { return nil }

// needsNetwork is false, and that is what hangs up: maybeHangup ends the
// session after the step before, so the call is down when run starts.
func (stepHangup) needsNetwork(*runner, *actor, Step) bool { return false }

func (stepHangup) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	r.hangup(a, t, x.sr) // a no-op today (see needsNetwork), kept in case that changes
	x.sr.Outcome = "hung up"
	return t, nil
}
