package lab

import (
	"errors"
	"fmt"

	"github.com/mailscope/mailscope/sim/mua"
)

// DeviceOptions describes one of the lab's simulated mail clients.
type DeviceOptions struct {
	// Name is shown in the trace as the client ("Home PC").
	Name string
	// User is the lab account it reads and sends as.
	User string
	// Address is its From address; "" means User@Domain.
	Address string
	Policy  mua.Policy
	// TLSMode secures its connections with the lab's certificate:
	// TLSImplicit dials the implicit-TLS services (pop3s, imaps, smtps).
	// The zero value is cleartext.
	TLSMode mua.TLSMode
	// Outside makes it a correspondent on the internet rather than the
	// reader's own client: it only sends, to the provider's MX over the
	// outside link (Options.OutsideMX), so it never counts as the
	// reader's traffic.
	Outside bool
	// Observe is told of every change to the device's local state
	// (mua.Config.Observe). AddDevice sets its own and calls this one
	// after it. Nil: nobody is told.
	Observe func(mua.Change)
}

// DefaultDevices are the reader's three mail clients, the article's cast:
// a home PC that downloads and deletes over POP3, a laptop that keeps an
// offline copy over IMAP, and a phone that reads online over IMAP.
func DefaultDevices() []DeviceOptions {
	return []DeviceOptions{
		{Name: "Home PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Delete}},
		{Name: "Laptop", User: "student", Policy: mua.Policy{Mode: mua.IMAPOffline}},
		{Name: "Phone", User: "student", Policy: mua.Policy{Mode: mua.IMAPOnline}},
	}
}

// NewDevice makes a simulated mail client for one of the lab's accounts,
// pointed at the lab's servers on the link. It runs on the lab's clock
// (Options.Clock): live in the desktop app, virtual in scenarios and
// `mailscope run`.
func (l *Lab) NewDevice(o DeviceOptions) (*mua.Device, error) {
	pass, err := l.Store.Password(o.User)
	if err != nil {
		return nil, fmt.Errorf("lab: device %q: %w", o.Name, err)
	}
	info, _ := l.Store.User(o.User)
	if o.Address == "" {
		o.Address = info.Name + "@" + l.Domain
	}
	cfg := mua.Config{
		Name:    o.Name,
		Account: mua.Account{User: info.Name, Password: pass, Address: o.Address},
		Servers: mua.Servers{SMTP: l.Addr(SMTP), POP3: l.Addr(POP3), IMAP: l.Addr(IMAP)},
		Policy:  o.Policy,
		Link:    l.Link,
		Epoch:   l.Store.Epoch(),
		Live:    l.clock == Live,
		TLSMode: o.TLSMode,
		Observe: o.Observe,
	}
	if o.TLSMode != mua.TLSNone {
		if l.TLS == nil {
			return nil, fmt.Errorf("lab: device %q: the lab runs without TLS", o.Name)
		}
		cfg.TLS = l.ClientTLS()
		if o.TLSMode == mua.TLSImplicit {
			cfg.Servers = mua.Servers{SMTP: l.Addr(SMTPS), POP3: l.Addr(POP3S), IMAP: l.Addr(IMAPS)}
		}
	}
	if o.Outside {
		if l.MX == nil {
			return nil, errors.New("lab: an outside device needs Options.OutsideMX")
		}
		cfg.Servers = mua.Servers{SMTP: l.MXAddr()}
		cfg.Link = l.MX
	}
	return mua.New(cfg), nil
}
