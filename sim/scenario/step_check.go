package scenario

import (
	"fmt"
	"strings"
	"time"
)

// stepCheck logs on and fetches new mail per the device's policy: POP3
// downloads (and deletes, or keeps by UIDL), IMAP synchronises its
// folders. It sends the outbox too, as a mail program's "Send and
// receive" does.
type stepCheck struct{}

var _ deviceAction = stepCheck{}

func (stepCheck) help() string {
	return "log on and fetch new mail per the device's policy (folders: folder, comma-separated)"
}

func (stepCheck) validate(Step) []error { return nil }

func (stepCheck) needsNetwork(_ *runner, a *actor, _ Step) bool { return !a.dev.Offline() }

func (stepCheck) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	d := a.dev
	folders := []string{"INBOX"}
	if x.s.Folder != "" {
		folders = strings.Split(x.s.Folder, ",")
	}
	before := d.View().Visible
	res, err := d.CheckFolders(t, folders...)
	r.account(a, x.sr, res)
	if failed(x.sr, err) {
		return res.End, nil
	}
	x.sr.Outcome = fmt.Sprintf("downloaded %d, headers only %d, sent %d; the device now lists %d (was %d)",
		res.Downloaded, res.HeadersOnly, res.Sent, d.View().Visible, before)
	return res.End, nil
}
