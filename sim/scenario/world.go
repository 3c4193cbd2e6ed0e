package scenario

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/trace"
)

// The world's names. The reader is "student" at the provider's domain;
// the people who write to them live at the generator's "example.org",
// whose mailboxes are on the same servers so that replies have somewhere
// to go without counting against the student's quota.
const (
	domain     = "mailscope.lab"
	outside    = "example.org"
	user       = "student"
	password   = "secret"
	senderUser = "newsletter"
	// friend is who composed mail (not replies) goes to.
	friend = "friend@" + outside
)

// world is one run's provider, a lab: a store, the three servers, the
// reader's link, and a perfect second link ("the internet", the lab's
// outside MX) that mail from outside arrives over, so that it never
// counts as the reader's traffic.
type world struct {
	lab   *lab.Lab
	store *mailstore.Store
	link  *link.Link
	rec   *trace.Recorder // nil unless the run keeps its trace
}

// newWorld builds the provider for one run, its mailbox seeded at virtual
// time zero from mail (nil: generated for this run alone).
func newWorld(sc *Scenario, profile link.Profile, keepTrace bool, mail *MailCache) (*world, error) {
	msgs := mail.seedMail(sc.Mailbox, mailstore.DefaultEpoch())
	accounts := []lab.Account{{Name: user, Password: password, Quota: int64(sc.Mailbox.Quota)}, {Name: senderUser, Password: password}}
	// Everyone who wrote gets a mailbox, so that replies have somewhere to go.
	known := map[string]bool{user: true, senderUser: true}
	for _, from := range append(fromAddresses(msgs), friend) {
		local, _, ok := strings.Cut(from, "@")
		if ok && !known[local] {
			known[local] = true
			accounts = append(accounts, lab.Account{Name: local, Password: password})
		}
	}
	seed := make([]lab.SeedMessage, len(msgs))
	for i, m := range msgs {
		seed[i] = lab.SeedMessage{To: user, Raw: m.Raw}
	}
	l, err := lab.New(lab.Options{
		Domain:       domain,
		LocalDomains: []string{outside},
		Accounts:     accounts,
		Seed:         seed,
		Profile:      profile,
		NoTLS:        true,
		OutsideMX:    true,
		NoTrace:      !keepTrace,
	})
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.ID, err)
	}
	return &world{lab: l, store: l.Store, link: l.Link, rec: l.Trace}, nil
}

func fromAddresses(msgs []mailstore.GeneratedMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.From
	}
	return out
}

// device makes a scenario device's mail client for a run.
func (w *world) device(d Device, p Protocol, sw Switches) (*mua.Device, error) {
	pol := mua.Policy{
		POP3Pipelining:        sw.POP3Pipelining,
		SMTPPipelining:        sw.SMTPPipelining,
		IMAPHeadersThenBodies: sw.IMAPHeadersThenBodies,
		IMAPStayConnected:     true,
	}
	switch p {
	case POP3:
		pol.Mode = mua.POP3Delete
		if d.POP3 == "keep" {
			pol.Mode = mua.POP3Keep
		}
		pol.DeleteAfter = time.Duration(d.KeepDays) * 24 * time.Hour
	case IMAP:
		pol.Mode = mua.IMAPOnline
		if d.IMAP == "offline" {
			pol.Mode = mua.IMAPOffline
		}
	default:
		return nil, fmt.Errorf("scenario: unknown protocol %q", p)
	}
	return w.lab.NewDevice(lab.DeviceOptions{Name: d.Name, User: user, Policy: pol})
}

// sender is someone outside writing to the student, over the outside link.
func (w *world) sender(name string) (*mua.Device, error) {
	return w.lab.NewDevice(lab.DeviceOptions{Name: name, User: senderUser, Address: senderUser + "@" + outside, Outside: true})
}

// onServer counts the student's messages and their bytes, all folders.
func (w *world) onServer() (n int, bytes int64) {
	boxes, err := w.store.Mailboxes(user)
	if err != nil {
		return 0, 0
	}
	for _, b := range boxes {
		st, err := w.store.Status(user, b.Name)
		if err != nil {
			continue
		}
		n += int(st.Messages)
		bytes += st.Size
	}
	return n, bytes
}

func (w *world) close() { w.lab.Close() }

// addressOf returns the bare address of a From header value.
func addressOf(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return a.Address
	}
	return strings.Trim(from, "<> ")
}
