package mua

import (
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim/link"
)

// Explain says in plain words why an action failed, for the person
// watching the lab: "the link is offline", "the device is working
// offline", "the server refused it: 550 ...", "the connection broke off".
// An error it does not know is given as it is.
func Explain(err error) string {
	var se *smtp.SMTPError
	var ie *imap.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrWorkingOffline):
		return "the device is working offline"
	case errors.Is(err, link.ErrOffline):
		return "the link is offline"
	case errors.Is(err, link.ErrReset):
		return "the connection broke off (the link reset it)"
	case errors.As(err, &se):
		return fmt.Sprintf("the server refused it: %d %s", se.Code, se.Message)
	case errors.As(err, &ie):
		return fmt.Sprintf("the server answered %s: %s", ie.Type, ie.Text)
	case errors.Is(err, ErrNoServer):
		return "the device has no server for that protocol"
	}
	return strings.TrimPrefix(err.Error(), "mua: ")
}

// WhyUnreadable says in plain words why Open(id) failed with err: the
// message is gone from the device, or only its headers are there and the
// server cannot be reached.
func (d *Device) WhyUnreadable(id int, err error) string {
	m, held := d.Message(id)
	switch {
	case !held && id > 0 && id <= d.nextID:
		switch d.cfg.Policy.Mode {
		case POP3Delete:
			return fmt.Sprintf("%s no longer has message %d: it was deleted here, and POP3 deleted the server's copy when it downloaded it, so there is none left to read", d.name, id)
		case POP3Keep:
			return fmt.Sprintf("%s no longer has message %d: it was deleted here; the copy left on the server is not downloaded again (the device remembers its UIDL)", d.name, id)
		}
		return fmt.Sprintf("%s no longer has message %d: it was deleted, or moved or expunged on the server; check mail to bring the list up to date", d.name, id)
	case !held:
		return fmt.Sprintf("%s has no message %d", d.name, id)
	case !m.Readable() && errors.Is(err, ErrNotDownloaded):
		return fmt.Sprintf("%s has only the headers of message %d; its body is still on the server, and %s. An IMAP client reading online fetches a body when the message is opened",
			d.name, id, Explain(err))
	case errors.Is(err, ErrNoMessage):
		return fmt.Sprintf("message %d is gone from the server (another device deleted or moved it); check mail to bring the list up to date", id)
	}
	return Explain(err)
}
