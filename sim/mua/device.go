package mua

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim/link"
)

// Errors an action returns.
var (
	// ErrWorkingOffline is returned by actions that need the network while
	// the device works offline (GoOffline). The link being offline gives
	// link.ErrOffline instead.
	ErrWorkingOffline = errors.New("mua: working offline")
	// ErrNoMessage is returned for an unknown local message ID.
	ErrNoMessage = errors.New("mua: no such message")
	// ErrNotDownloaded is returned by Open on a message whose body is not
	// on the device while it cannot fetch it.
	ErrNotDownloaded = errors.New("mua: message not downloaded")
	// ErrNoServer is returned when the device has no address for the
	// protocol an action needs.
	ErrNoServer = errors.New("mua: no server configured")
	// ErrNotSent is wrapped by CheckMail's error when the submission
	// server refused a message of the outbox but the mail was retrieved
	// all the same. The refused message stays in the outbox.
	ErrNotSent = errors.New("mua: the outbox was not sent")
)

// Mode is how a device retrieves mail.
type Mode int

const (
	// POP3Delete downloads every message and deletes it from the server.
	POP3Delete Mode = iota
	// POP3Keep leaves a copy on the server and downloads only messages
	// whose UIDL it has not seen.
	POP3Keep
	// IMAPOnline keeps the mailbox on the server: headers first, a body
	// only when the user opens that message.
	IMAPOnline
	// IMAPOffline synchronises whole messages for offline reading.
	IMAPOffline
)

// String names the mode as scenarios spell it.
func (m Mode) String() string {
	switch m {
	case POP3Delete:
		return "pop3-delete"
	case POP3Keep:
		return "pop3-keep"
	case IMAPOnline:
		return "imap-online"
	case IMAPOffline:
		return "imap-offline"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// ParseMode is the inverse of Mode.String.
func ParseMode(s string) (Mode, error) {
	for m := POP3Delete; m <= IMAPOffline; m++ {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("mua: unknown mode %q", s)
}

// IsIMAP reports whether the mode retrieves over IMAP.
func (m Mode) IsIMAP() bool { return m == IMAPOnline || m == IMAPOffline }

// Policy is a device's retrieval policy and its round-trip savers.
type Policy struct {
	Mode Mode
	// DeleteAfter, for POP3Keep, deletes a message from the server this long
	// after the device first downloaded it ("remove from server after N
	// days"). Zero: never.
	DeleteAfter time.Duration
	// POP3Pipelining sends the RETR commands, and then the DELE commands,
	// of a session as one batch when the server's CAPA lists PIPELINING
	// (RFC 2449), instead of one command per round trip.
	POP3Pipelining bool
	// SMTPPipelining sends, for each message submitted, MAIL FROM, every
	// RCPT TO and DATA as one batch when the server's EHLO reply lists
	// PIPELINING (RFC 2920), then the text: two round trips per message
	// instead of three plus one per recipient. Not over STARTTLS, whose
	// conn go-smtp's client keeps to itself.
	SMTPPipelining bool
	// POP3NoCapa skips CAPA (an RFC 1939-only client). Pipelining and
	// AUTH PLAIN then stay off, since they need CAPA to be known.
	POP3NoCapa bool
	// POP3Auth is how a POP3 device logs in. Zero: USER and PASS.
	POP3Auth POP3Auth
	// IMAPHeadersThenBodies makes IMAPOffline fetch new messages' headers
	// first and their bodies in a second FETCH; false fetches whole
	// messages in one FETCH. IMAPOnline always fetches headers only.
	IMAPHeadersThenBodies bool
	// IMAPStayConnected keeps the IMAP connection logged in between
	// actions, as a desktop client left open does: connection set-up and
	// login are paid once, and later actions count it as reused. Call
	// Device.Close to log out. False: every action connects, logs in and
	// logs out.
	IMAPStayConnected bool
	// SaveSent appends each sent message to the server's "Sent" folder
	// (IMAP devices only), as desktop clients do: the message crosses the
	// link a second time.
	SaveSent bool
}

// POP3Auth is a POP3 login method.
type POP3Auth int

const (
	// AuthUserPass sends USER and PASS (RFC 1939 7), without the NOOP
	// that go-pop3's Auth adds.
	AuthUserPass POP3Auth = iota
	// AuthPlain sends AUTH PLAIN with an initial response (RFC 5034) when
	// CAPA lists SASL PLAIN, else falls back to USER and PASS.
	AuthPlain
	// AuthAPOP sends APOP with the MD5 digest of the greeting's timestamp
	// and the password (RFC 1939 7), so the password never crosses the
	// link; it fails if the greeting has no timestamp.
	AuthAPOP
)

// TLSMode is how a device secures its connections.
type TLSMode int

const (
	// TLSNone speaks in the clear.
	TLSNone TLSMode = iota
	// TLSImplicit speaks TLS from the first byte (RFC 8314: ports 465,
	// 995, 993); the Servers addresses must be the implicit-TLS ones.
	TLSImplicit
	// TLSStartTLS upgrades after the greeting: SMTP STARTTLS (RFC 3207),
	// POP3 STLS (RFC 2595, sent through go-pop3's raw API, CAPA asked
	// again afterwards), IMAP STARTTLS (RFC 3501 6.2.1).
	TLSStartTLS
)

// Account is the mailbox a device reads and the identity it sends as.
type Account struct {
	User     string
	Password string
	Address  string // the From address; empty: User@lab
}

// Servers are the addresses of the servers on the link ("pop3.lab:110").
// An empty address disables that protocol.
type Servers struct {
	SMTP string // submission (with AUTH)
	POP3 string
	IMAP string
}

// Config describes a device.
type Config struct {
	// Name is shown in the trace as the client's address ("Home PC").
	Name    string
	Account Account
	Servers Servers
	Policy  Policy
	// Link carries every connection the device makes. Required.
	Link *link.Link
	// Epoch is the wall-clock time of virtual time zero, for the Date of
	// composed mail. Zero: 2026-01-05 08:00 UTC (mailstore's default).
	Epoch time.Time
	// Live paces the device's connections against the link's live clock.
	Live bool
	// TLSMode and TLS secure the connections; TLS is the client
	// configuration (RootCAs, ServerName) and is required unless TLSMode
	// is TLSNone.
	TLSMode TLSMode
	TLS     *tls.Config
	// Observe, if set, is told of every change to the device's local
	// state (see Change), synchronously on the goroutine running the
	// action, right after the change. It may call the device's read-only
	// getters (Messages, Message, Outbox, View, Folders, Offline, Now) and
	// nothing else of it: an action from inside Observe would corrupt the
	// one running. Nil: nobody is told.
	Observe func(Change)
}

// Message is a message as the device holds it.
type Message struct {
	// ID is the device's own number for the message, stable while the
	// device keeps it (moves included).
	ID     int
	Folder string
	// UIDL is the POP3 unique-id; UID and UIDValidity the IMAP ones.
	UIDL        string
	UID         uint32
	UIDValidity uint32

	MessageID string
	From      string
	To        string
	Subject   string
	Date      time.Time
	Size      int64
	// Raw is the whole message once downloaded; nil while only the
	// headers are on the device.
	Raw     []byte
	Seen    bool
	Flagged bool
	// Answered is \Answered: the user replied (Reply).
	Answered bool
	// Received is the virtual time the device first learnt of the message;
	// Downloaded the time its body arrived.
	Received   time.Duration
	Downloaded time.Duration
}

// Readable reports whether the message can be read offline.
func (m Message) Readable() bool { return m.Raw != nil }

// Outgoing is a message waiting in the outbox.
type Outgoing struct {
	ID       int
	From     string
	To       []string
	Subject  string
	Raw      []byte
	Composed time.Duration
}

// View is what a device shows: its folders and how much of them it can
// read offline.
type View struct {
	Device          string         `json:"device"`
	Visible         int            `json:"visibleMessages"`
	OfflineReadable int            `json:"offlineReadableMessages"`
	Unread          int            `json:"unread"`
	Outbox          int            `json:"outbox"`
	Folders         map[string]int `json:"folders"`
}

// Device is one simulated mail client. Make it with New.
type Device struct {
	cfg    Config
	name   string
	now    time.Duration
	nextID int

	offline bool // working offline by choice

	msgs    []*Message
	outbox  []*Outgoing
	seenPOP map[string]time.Duration // POP3Keep: UIDL → first download
	boxes   map[string]uint32        // IMAP: folder → UIDVALIDITY known
	pending map[int]bool             // IMAP: \Seen set offline, not yet on the server
	answer  map[int]bool             // IMAP: \Answered set by Reply, not yet on the server
	folders map[string]bool          // folders created (CreateFolder) or filed into
	sess    *imapSession             // IMAPStayConnected: the open session
}

// New makes a device. It opens no connection.
func New(cfg Config) *Device {
	if cfg.Name == "" {
		cfg.Name = "Device"
	}
	if cfg.Account.Address == "" {
		cfg.Account.Address = cfg.Account.User + "@lab"
	}
	if cfg.Epoch.IsZero() {
		cfg.Epoch = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	}
	return &Device{
		cfg: cfg, name: cfg.Name,
		seenPOP: map[string]time.Duration{},
		boxes:   map[string]uint32{},
		pending: map[int]bool{},
		answer:  map[int]bool{},
		folders: map[string]bool{},
	}
}

// Name is the device's name.
func (d *Device) Name() string { return d.name }

// Policy is the device's policy.
func (d *Device) Policy() Policy { return d.cfg.Policy }

// Now is the virtual time the device's last action ended.
func (d *Device) Now() time.Duration { return d.now }

// Offline reports whether the device works offline by choice.
func (d *Device) Offline() bool { return d.offline }

// Messages returns copies of the messages the device holds in folder
// ("" for every folder), oldest first.
func (d *Device) Messages(folder string) []Message {
	var out []Message
	for _, m := range d.msgs {
		if folder == "" || sameFolder(m.Folder, folder) {
			out = append(out, *m)
		}
	}
	return out
}

// Message returns the message with the given local ID.
func (d *Device) Message(id int) (Message, bool) {
	m := d.find(id)
	if m == nil {
		return Message{}, false
	}
	return *m, true
}

// Outbox returns the messages waiting to be sent.
func (d *Device) Outbox() []Outgoing {
	out := make([]Outgoing, len(d.outbox))
	for i, o := range d.outbox {
		out[i] = *o
	}
	return out
}

// View summarises what the device shows.
func (d *Device) View() View {
	v := View{Device: d.name, Outbox: len(d.outbox), Folders: map[string]int{}}
	for _, m := range d.msgs {
		v.Visible++
		v.Folders[m.Folder]++
		if m.Readable() {
			v.OfflineReadable++
		}
		if !m.Seen {
			v.Unread++
		}
	}
	return v
}

// GoOffline makes the device work offline: actions that need the network
// fail with ErrWorkingOffline; reading downloaded mail and composing work.
func (d *Device) GoOffline(at time.Duration) ActionResult {
	r := d.begin("go-offline", at)
	if !d.offline {
		d.offline = true
		d.changed(ChangeOffline, 0, "", r.res.Start)
	}
	if d.sess != nil {
		d.closeSession(r)
		return d.finish(r)
	}
	return d.finishLocal(r)
}

// Close logs out of a kept IMAP session (IMAPStayConnected) at the given
// virtual time. A device without one has nothing to close.
func (d *Device) Close(at time.Duration) (ActionResult, error) {
	r := d.begin("close", at)
	if d.sess == nil {
		return d.finishLocal(r), nil
	}
	d.closeSession(r)
	return d.finish(r), nil
}

func (d *Device) closeSession(r *recorder) {
	s := d.sess
	d.sess = nil
	if s.conn.Stats().Fault != "" {
		s.c.Close()
		return
	}
	r.adopt(s.conn)
	s.logout()
}

// GoOnline makes the device work online again and, like a client logging
// on, sends the outbox and the read marks made offline.
func (d *Device) GoOnline(at time.Duration) (ActionResult, error) {
	r := d.begin("go-online", at)
	if d.offline {
		d.offline = false
		d.changed(ChangeOnline, 0, "", r.res.Start)
	}
	if err := d.flush(r); err != nil {
		return d.finish(r), err
	}
	return d.finish(r), nil
}

// flush sends the outbox and, for IMAP devices, pushes read marks made
// offline.
func (d *Device) flush(r *recorder) error {
	if len(d.outbox) > 0 {
		if err := d.sendOutbox(r); err != nil {
			return err
		}
	}
	if d.cfg.Policy.Mode.IsIMAP() && len(d.pending)+len(d.answer) > 0 && d.cfg.Servers.IMAP != "" {
		return d.withIMAP(r, func(s *imapSession) error { return s.flushPending(nil) })
	}
	return nil
}

// network reports why the device cannot use the network now, or nil.
func (d *Device) network() error {
	if d.offline {
		return fmt.Errorf("mua: %s: %w", d.name, ErrWorkingOffline)
	}
	if d.cfg.Link == nil {
		return fmt.Errorf("mua: %s: no link", d.name)
	}
	if d.cfg.Link.Offline() {
		return fmt.Errorf("mua: %s: %w", d.name, link.ErrOffline)
	}
	return nil
}

func (d *Device) find(id int) *Message {
	i := sort.Search(len(d.msgs), func(i int) bool { return d.msgs[i].ID >= id })
	if i < len(d.msgs) && d.msgs[i].ID == id {
		return d.msgs[i]
	}
	return nil
}

func (d *Device) add(m *Message) *Message {
	d.nextID++
	m.ID = d.nextID
	d.folders[m.Folder] = true
	d.msgs = append(d.msgs, m)
	return m
}

func (d *Device) remove(id int) {
	for i, m := range d.msgs {
		if m.ID == id {
			d.msgs = append(d.msgs[:i], d.msgs[i+1:]...)
			delete(d.pending, id)
			delete(d.answer, id)
			return
		}
	}
}

func sameFolder(a, b string) bool {
	if strings.EqualFold(a, "INBOX") && strings.EqualFold(b, "INBOX") {
		return true
	}
	return a == b
}

// fillHeaders sets a message's header fields from its raw bytes.
func fillHeaders(m *Message, raw []byte) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return
	}
	h := msg.Header
	dec := new(mimeDecoder)
	m.MessageID = strings.Trim(h.Get("Message-Id"), "<> ")
	m.From = dec.decode(h.Get("From"))
	m.To = dec.decode(h.Get("To"))
	m.Subject = dec.decode(h.Get("Subject"))
	if t, err := h.Date(); err == nil {
		m.Date = t
	}
}
