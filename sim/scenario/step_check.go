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

func (stepCheck) validate(s Step) []error {
	if s.Folder != "" && len(checkFolders(s.Folder)) == 0 {
		return []error{fmt.Errorf("folder %q names no folder", s.Folder)}
	}
	return nil
}

// checkFolders is the step's comma-separated folder list, spaces trimmed
// ("INBOX, Work"); no list means the INBOX.
func checkFolders(list string) []string {
	if list == "" {
		return []string{"INBOX"}
	}
	var out []string
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (stepCheck) needsNetwork(_ *runner, a *actor, _ Step) bool { return !a.dev.Offline() }

func (stepCheck) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	d := a.dev
	folders := checkFolders(x.s.Folder)
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
