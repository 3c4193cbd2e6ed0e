package scenario

import (
	"errors"
	"fmt"
	"time"

	"github.com/mailscope/mailscope/sim/mua"
)

// stepMove files messages from the INBOX into folder: a server folder
// with IMAP (every device sees it), a local one with POP3.
type stepMove struct{}

var _ deviceAction = stepMove{}

func (stepMove) help() string {
	return "file messages into folder: a server folder with IMAP, a local one with POP3"
}

func (stepMove) validate(s Step) []error {
	if s.Folder == "" {
		return []error{errors.New("no folder")}
	}
	return nil
}

func (stepMove) needsNetwork(r *runner, a *actor, _ Step) bool {
	return !a.dev.Offline() && r.o.Protocol == IMAP
}

func (stepMove) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	// Folder is where the messages go; they are picked from the INBOX.
	t, n, ok := eachMessage(r, a, x, t, a.pick("INBOX", x.s.Messages), func(t time.Duration, id int) (mua.ActionResult, error) {
		return a.dev.Move(t, id, x.s.Folder)
	})
	if ok {
		x.sr.Outcome = fmt.Sprintf("moved %d to %s", n, x.s.Folder)
	}
	return t, nil
}
