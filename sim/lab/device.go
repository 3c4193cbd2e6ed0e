package lab

import (
	"fmt"

	"github.com/mailscope/mailscope/sim/mua"
)

// NewDevice makes a simulated mail client for one of the lab's accounts,
// pointed at the lab's servers on the link.
// Live paces its connections against the live clock (the desktop app);
// false runs them on the virtual clock (scenarios, `mailscope run`).
func (l *Lab) NewDevice(name, user string, p mua.Policy, live bool) (*mua.Device, error) {
	pass, err := l.Store.Password(user)
	if err != nil {
		return nil, fmt.Errorf("lab: device %q: %w", name, err)
	}
	info, _ := l.Store.User(user)
	return mua.New(mua.Config{
		Name:    name,
		Account: mua.Account{User: info.Name, Password: pass, Address: info.Name + "@" + l.Domain},
		Servers: mua.Servers{SMTP: l.Addr(SMTP), POP3: l.Addr(POP3), IMAP: l.Addr(IMAP)},
		Policy:  p,
		Link:    l.Link,
		Epoch:   l.Store.Epoch(),
		Live:    live,
	}), nil
}
