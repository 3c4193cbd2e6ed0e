package scenario

import (
	"fmt"
	"time"
)

// stepDelete deletes messages: on the server with IMAP (\Deleted and
// EXPUNGE), on the device alone with POP3.
type stepDelete struct{}

var _ deviceAction = stepDelete{}

func (stepDelete) help() string { return "delete messages: on the server with IMAP, locally with POP3" }

func (stepDelete) validate(Step) []error { return nil }

func (stepDelete) needsNetwork(r *runner, a *actor, _ Step) bool {
	return !a.dev.Offline() && r.o.Protocol == IMAP
}

func (stepDelete) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	t, n, ok := eachMessage(r, a, x, t, a.pick(inbox(x.s.Folder), x.s.Messages), a.dev.Delete)
	if ok {
		x.sr.Outcome = fmt.Sprintf("deleted %d", n)
	}
	return t, nil
}
