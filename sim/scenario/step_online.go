package scenario

import "time"

// stepOnline ends working offline: the device sends its outbox and the
// read marks it made offline.
type stepOnline struct{}

var _ deviceAction = stepOnline{}

func (stepOnline) help() string {
	return "work online again: send the outbox and read marks made offline"
}

func (stepOnline) validate(Step) []error { return nil }

// needsNetwork is true even for a device working offline: this is the
// step that brings it back.
func (stepOnline) needsNetwork(*runner, *actor, Step) bool { return true }

func (stepOnline) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	return sendOutbox(r, a, x, t, a.dev.GoOnline)
}
