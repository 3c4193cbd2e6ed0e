package scenario

import (
	"fmt"
	"time"

	"github.com/mailscope/mailscope/sim/mua"
)

// stepCompose writes count new messages to a friend into the outbox.
type stepCompose struct{}

var _ deviceAction = stepCompose{}

func (stepCompose) help() string { return "compose count new messages (size) into the outbox" }

func (stepCompose) validate(s Step) []error { return validateCount(s) }

func (stepCompose) needsNetwork(*runner, *actor, Step) bool { return false }

func (stepCompose) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	for i := 0; i < x.s.Count; i++ {
		_, res := a.dev.Compose(t, mua.Draft{To: []string{friend}, Subject: fmt.Sprintf("Note %d", i+1),
			Body: filler(int(x.s.Size), int64(i))})
		r.account(a, x.sr, res)
		t += time.Duration(x.s.Think)
	}
	x.sr.Outcome = fmt.Sprintf("wrote %d; %d in the outbox", x.s.Count, len(a.dev.Outbox()))
	return t, nil
}
