package scenario

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim/imapd"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/pop3d"
	"github.com/mailscope/mailscope/sim/smtpd"
	"github.com/mailscope/mailscope/sim/trace"
)

// The world's names. The reader is "student" at the provider's domain;
// the people who write to them live at the generator's "example.org",
// whose mailboxes are on the same servers so that replies have somewhere
// to go without counting against the student's quota.
const (
	domain      = "mailscope.lab"
	outside     = "example.org"
	user        = "student"
	password    = "secret"
	senderUser  = "newsletter"
	smtpAddress = "smtp." + domain + ":587"
	pop3Address = "pop3." + domain + ":110"
	imapAddress = "imap." + domain + ":143"
	mxAddress   = "mx." + domain + ":25"
	// friend is who composed mail (not replies) goes to.
	friend = "friend@" + outside
)

// world is one run's provider: a store, the three servers, the reader's
// link, and a perfect second link ("the internet") that mail from outside
// arrives over, so that it never counts as the reader's traffic.
type world struct {
	store *mailstore.Store
	link  *link.Link
	mx    *link.Link
	rec   *trace.Recorder // nil unless the run keeps its trace

	smtp *smtpd.Server
	pop3 *pop3d.Server
	imap *imapd.Server
}

type discard struct{}

func (discard) Printf(string, ...any) {}

// newWorld builds the provider for one run. The mailbox is seeded at
// virtual time zero.
func newWorld(sc *Scenario, profile link.Profile, keepTrace bool) (*world, error) {
	w := &world{store: mailstore.New(nil)}
	if err := w.store.AddUser(user, password, int64(sc.Mailbox.Quota)); err != nil {
		return nil, err
	}
	if err := w.store.AddUser(senderUser, password, 0); err != nil {
		return nil, err
	}
	msgs := seedMail(sc.Mailbox, w.store.Epoch())
	// Everyone who wrote gets a mailbox, so that replies have somewhere to go.
	for _, m := range msgs {
		if err := w.addCorrespondent(m.From); err != nil {
			return nil, err
		}
	}
	if err := w.addCorrespondent(friend); err != nil {
		return nil, err
	}
	for i, m := range msgs {
		if _, err := w.store.Deliver(user, m.Raw, 0); err != nil {
			return nil, fmt.Errorf("scenario %s: seeding message %d: %w", sc.ID, i+1, err)
		}
	}

	var newTap func(link.ConnInfo) link.Tap
	if keepTrace {
		w.rec = trace.NewRecorder(nil)
		newTap = func(ci link.ConnInfo) link.Tap {
			return w.rec.NewSession(trace.SessionInfo{
				ID: ci.ID, Protocol: trace.ParseProtocol(ci.Protocol),
				ClientAddr: ci.ClientAddr, ServerAddr: ci.ServerAddr,
				Start: ci.Start, Wall: ci.Wall,
			})
		}
	}
	w.link = link.New(link.Options{Profile: profile, NewTap: newTap})
	loop, _ := link.Preset("loopback")
	w.mx = link.New(link.Options{Profile: loop})

	w.smtp = smtpd.New(smtpd.Options{Store: w.store, Domain: domain, LocalDomains: []string{outside}, InsecureAuth: true})
	w.pop3 = pop3d.New(pop3d.Options{Backend: w.store, Hostname: domain, InsecureAuth: true})
	w.imap = imapd.New(imapd.Options{Store: w.store, InsecureAuth: true, Logger: discard{}})
	if err := w.listen(w.link, "smtp", smtpAddress, func(l *link.Listener) { go w.smtp.Serve(l) }); err != nil {
		return nil, err
	}
	if err := w.listen(w.link, "pop3", pop3Address, func(l *link.Listener) { go w.pop3.Serve(l) }); err != nil {
		return nil, err
	}
	if err := w.listen(w.link, "imap", imapAddress, func(l *link.Listener) { go w.imap.Serve(l) }); err != nil {
		return nil, err
	}
	if err := w.listen(w.mx, "smtp", mxAddress, func(l *link.Listener) { go w.smtp.Serve(l) }); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *world) listen(l *link.Link, proto, addr string, serve func(*link.Listener)) error {
	ln, err := l.Listen(proto, addr)
	if err != nil {
		w.close()
		return err
	}
	serve(ln)
	return nil
}

// generated caches seeded mailboxes: a comparison runs the same mailbox
// in every world, and generating megabytes of mail takes longer than
// simulating its transfer. The store never modifies a message's bytes,
// so the worlds share them.
var generated sync.Map // mailKey → *mailOnce

type mailKey struct {
	mb    Mailbox
	epoch time.Time
}

type mailOnce struct {
	once sync.Once
	msgs []mailstore.GeneratedMessage
}

// seedMail is the scenario's mailbox, with the keyword planted.
func seedMail(mb Mailbox, epoch time.Time) []mailstore.GeneratedMessage {
	if mb.Messages == 0 {
		return nil
	}
	v, _ := generated.LoadOrStore(mailKey{mb, epoch}, &mailOnce{})
	mo := v.(*mailOnce)
	mo.once.Do(func() {
		mo.msgs = mailstore.Generate(mailstore.GenOptions{
			Seed: mb.Seed, Count: mb.Messages,
			To: user + "@" + domain, ToName: "Sam Student", ToDomain: domain, FromDomain: outside,
			TextSize:        int(mb.Size),
			AttachmentRatio: mb.Attachments, AttachmentSize: int(mb.AttachmentSize),
			ThreadRatio: 0.2, End: epoch,
		})
		for i := range mo.msgs {
			if k := mb.KeywordEvery; k > 0 && i%k == 0 {
				mo.msgs[i].Raw = append([]byte("Keywords: "+mb.Keyword+"\r\n"), mo.msgs[i].Raw...)
			}
		}
	})
	return mo.msgs
}

// addCorrespondent makes a mailbox for an outside address.
func (w *world) addCorrespondent(addr string) error {
	local, _, ok := strings.Cut(addr, "@")
	if !ok {
		return nil
	}
	if _, err := w.store.User(local); err == nil {
		return nil
	}
	if err := w.store.AddUser(local, password, 0); err != nil && !errors.Is(err, mailstore.ErrUserExists) {
		return err
	}
	return nil
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
	return mua.New(mua.Config{
		Name:    d.Name,
		Account: mua.Account{User: user, Password: password, Address: user + "@" + domain},
		Servers: mua.Servers{SMTP: smtpAddress, POP3: pop3Address, IMAP: imapAddress},
		Policy:  pol,
		Link:    w.link,
		Epoch:   w.store.Epoch(),
	}), nil
}

// sender is someone outside writing to the student, over the mx link.
func (w *world) sender(name string) *mua.Device {
	return mua.New(mua.Config{
		Name:    name,
		Account: mua.Account{User: senderUser, Password: password, Address: senderUser + "@" + outside},
		Servers: mua.Servers{SMTP: mxAddress},
		Link:    w.mx,
		Epoch:   w.store.Epoch(),
	})
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

func (w *world) close() {
	w.smtp.Close()
	w.pop3.Close()
	w.imap.Close()
}

// addressOf returns the bare address of a From header value.
func addressOf(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return a.Address
	}
	return strings.Trim(from, "<> ")
}
