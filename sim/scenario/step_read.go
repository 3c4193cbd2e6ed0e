package scenario

import (
	"errors"
	"fmt"
	"time"

	"github.com/mailscope/mailscope/sim/mua"
)

// stepRead opens messages, the user thinking over each. A message the
// device holds opens locally; an IMAP online device fetches the body
// from the server, and cannot while offline (the step fails for those).
type stepRead struct{}

var _ deviceAction = stepRead{}

func (stepRead) help() string {
	return "open messages (messages, think per message); on IMAP online each open fetches the body"
}

func (stepRead) validate(Step) []error { return nil }

// needsNetwork: only IMAP reads from the server, and only for a body the
// device does not hold yet.
func (stepRead) needsNetwork(r *runner, a *actor, s Step) bool {
	if a.dev.Offline() || r.o.Protocol != IMAP {
		return false
	}
	for _, m := range a.pick(inbox(s.Folder), s.Messages) {
		if !m.Readable() {
			return true
		}
	}
	return false
}

func (stepRead) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	opened, unreadable := 0, 0
	var why error
	for _, m := range a.pick(inbox(x.s.Folder), x.s.Messages) {
		res, err := a.dev.Open(t, m.ID)
		r.account(a, x.sr, res)
		t = res.End
		if err != nil {
			if !errors.Is(err, mua.ErrNotDownloaded) {
				return t, err
			}
			unreadable++
			why = err
			continue
		}
		opened++
		t += time.Duration(x.s.Think)
	}
	x.sr.Outcome = fmt.Sprintf("read %d", opened)
	if unreadable > 0 {
		x.sr.Failed = true
		x.sr.Outcome += fmt.Sprintf("; could not open %d (%s)", unreadable, reason(why))
	}
	return t, nil
}
