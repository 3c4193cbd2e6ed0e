package scenario

import (
	"fmt"
	"time"

	"github.com/mailscope/mailscope/sim/mua"
)

// stepSend logs on to the submission server and sends the outbox.
type stepSend struct{}

var _ deviceAction = stepSend{}

func (stepSend) help() string { return "log on and send the outbox" }

func (stepSend) validate(Step) []error { return nil }

func (stepSend) needsNetwork(_ *runner, a *actor, _ Step) bool { return !a.dev.Offline() }

func (stepSend) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	return sendOutbox(r, a, x, t, a.dev.Send)
}

// sendOutbox runs send (Send, or GoOnline, which sends too) and says how
// much of the outbox went.
func sendOutbox(r *runner, a *actor, x turn, t time.Duration, send func(time.Duration) (mua.ActionResult, error)) (time.Duration, error) {
	n := len(a.dev.Outbox())
	res, err := send(t)
	r.account(a, x.sr, res)
	if failed(x.sr, err) {
		return res.End, nil
	}
	x.sr.Outcome = fmt.Sprintf("sent %d of %d", res.Sent, n)
	return res.End, nil
}
