package scenario

import "time"

// stepOffline is the user choosing to work offline: the device uses no
// network until an online step, and queues what it sends.
type stepOffline struct{}

var _ deviceAction = stepOffline{}

func (stepOffline) help() string { return "work offline: no network until online" }

func (stepOffline) validate(Step) []error { return nil }

func (stepOffline) needsNetwork(*runner, *actor, Step) bool { return false }

func (stepOffline) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	res := a.dev.GoOffline(t)
	r.account(a, x.sr, res)
	x.sr.Outcome = "working offline"
	return res.End, nil
}
