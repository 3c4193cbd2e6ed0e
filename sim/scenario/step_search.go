package scenario

import (
	"errors"
	"fmt"
	"time"
)

// stepSearch finds text in a folder: IMAP asks the server (SEARCH), a
// POP3 device (or one working offline) searches its own copies. The
// matches are what a later step's "messages: found" picks.
type stepSearch struct{}

var _ deviceAction = stepSearch{}

func (stepSearch) help() string {
	return "find text in folder: IMAP SEARCH on the server, a POP3 device searches its own copies"
}

func (stepSearch) validate(s Step) []error {
	if s.Text == "" {
		return []error{errors.New("no text")}
	}
	return nil
}

func (stepSearch) needsNetwork(r *runner, a *actor, _ Step) bool {
	return !a.dev.Offline() && r.o.Protocol == IMAP
}

func (stepSearch) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	folder := inbox(x.s.Folder)
	res, err := a.dev.Search(t, folder, x.s.Text)
	r.account(a, x.sr, res)
	if failed(x.sr, err) {
		return res.End, nil
	}
	a.found = res.Found
	if res.Offline {
		x.sr.Outcome = fmt.Sprintf("found %d of the device's own %d copies", len(res.Found), len(a.dev.Messages(folder)))
	} else {
		x.sr.Outcome = fmt.Sprintf("the server matched %d; %d of them are on the device", res.ServerMatches, len(res.Found))
	}
	return res.End, nil
}
