package lab

import (
	"errors"
	"fmt"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// ResetMail empties accounts in place, as a new lab has them: every
// mailbox and message goes, the folders and subscriptions are the
// store's defaults again, and the quota is lifted (mailstore ResetUser).
// No users means every account of the lab. The password stays, and
// with it the devices that log in with it; the mailbox views follow
// from the store's changes.
func (l *Lab) ResetMail(users ...string) error {
	if len(users) == 0 {
		for _, u := range l.Store.Users() {
			users = append(users, u.Name)
		}
	}
	var op mailstore.Op
	if l.clock == Live {
		op.At = l.Link.LiveClock().Now()
	}
	var errs []error
	for _, u := range users {
		if err := l.Store.ResetUser(u, op); err != nil {
			errs = append(errs, fmt.Errorf("lab: reset %s: %w", u, err))
		}
	}
	return errors.Join(errs...)
}
