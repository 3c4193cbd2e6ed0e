package scenario

import (
	"errors"
	"fmt"
	"time"

	"github.com/mailscope/mailscope/sim/mua"
)

// stepWatch keeps the device reachable until until: an IMAP device
// enters IDLE and the server pushes new mail to it; a POP3 device polls
// every so often. What happens during the watch is in watch.go.
type stepWatch struct{}

var _ deviceAction = stepWatch{}

func (stepWatch) help() string { return "stay reachable until until: IMAP IDLE push, POP3 polls every" }

func (stepWatch) validate(s Step) []error {
	var errs []error
	if s.Until == 0 {
		errs = append(errs, errors.New("no until"))
	}
	if s.Every == 0 {
		errs = append(errs, errors.New("no every (how often a POP3 device polls)"))
	}
	return errs
}

func (stepWatch) needsNetwork(_ *runner, a *actor, _ Step) bool { return !a.dev.Offline() }

func (stepWatch) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	w := &watch{step: x.idx, until: time.Duration(x.s.Until), every: time.Duration(x.s.Every), nextPoll: t}
	if r.o.Protocol == IMAP {
		is, res, err := a.dev.StartIdle(t)
		r.account(a, x.sr, res)
		if failed(x.sr, err) {
			return res.End, nil
		}
		w.idle = is
		x.sr.Outcome = "IDLE: waiting for the server to push"
		a.watch = w
		return res.End, nil
	}
	if failed(x.sr, offline(a)) {
		return t, nil
	}
	a.watch = w
	x.sr.Outcome = fmt.Sprintf("polling every %v", w.every)
	return t, nil
}

// offline is why a device working offline cannot poll: nil when online.
func offline(a *actor) error {
	if a.dev.Offline() {
		return mua.ErrWorkingOffline
	}
	return nil
}
