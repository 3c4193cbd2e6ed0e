package smtpd

import (
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/mailscope/mailscope/sim/mailstore"
)

// session is one connection between EHLO and QUIT (or STARTTLS, which
// starts a new one). go-smtp calls Data from its own goroutine for BDAT,
// so the fields are guarded.
type session struct {
	srv  *Server
	conn *smtp.Conn

	mu       sync.Mutex
	authUser string // canonical name once AUTH succeeded
	inMail   bool   // MAIL accepted, transaction open
	from     string
	utf8     bool  // MAIL FROM ... SMTPUTF8
	size     int64 // MAIL FROM ... SIZE=, 0 if not given
	rcpts    []rcpt
}

// rcpt is an accepted recipient.
type rcpt struct {
	addr string // as the client wrote it
	user string // the store user's canonical name
}

var (
	_ smtp.Session     = (*session)(nil)
	_ smtp.AuthSession = (*session)(nil)
)

// fault asks Options.Intercept about a command; a hit is the reply to
// send instead of running it.
func (s *session) fault(verb string) error {
	f := s.srv.o.Intercept
	if f == nil {
		return nil
	}
	s.mu.Lock()
	user := s.authUser
	s.mu.Unlock()
	if r, hit := f(s.conn.Conn(), user, verb); hit {
		return SMTPError(r)
	}
	return nil
}

// Mail opens a transaction.
func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if err := s.fault("MAIL"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inMail {
		return errNestedMail
	}
	if s.srv.o.RequireAuth && s.authUser == "" {
		return errAuthRequired
	}
	utf8 := opts != nil && opts.UTF8
	if from != "" { // "" is the null reverse-path <>
		if _, err := parseMailbox(from); err != nil {
			return errBadSender(from, err)
		}
		if !utf8 && !isASCII(from) {
			return errNeedUTF8(from)
		}
	}
	s.inMail, s.from, s.utf8, s.rcpts = true, from, utf8, nil
	s.size = 0
	if opts != nil {
		s.size = opts.Size
	}
	return nil
}

// Rcpt accepts a recipient: a known user at a local domain, whose
// mailbox has room for the declared SIZE (or any room at all).
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.fault("RCPT"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, err := parseMailbox(to)
	if err != nil {
		return errBadRecipient(to, err)
	}
	if !s.utf8 && !isASCII(to) {
		return errNeedUTF8(to)
	}
	if !s.srv.local[mb.Domain] {
		return errRelay(to, s.authUser != "")
	}
	info, err := s.srv.o.Store.User(mb.Local)
	if err != nil {
		return storeError(err, to)
	}
	if info.Quota > 0 && (info.Used >= info.Quota || info.Used+s.size > info.Quota) {
		s.srv.o.Store.Refused(info.Name, s.size, mailstore.Op{At: s.srv.now(s.conn.Conn())})
		return errMailboxFull(to)
	}
	s.rcpts = append(s.rcpts, rcpt{addr: to, user: info.Name})
	return nil
}

// Data reads the message and delivers it to every recipient or none.
// It returns only after the store holds it, so the 250 go-smtp sends
// next is true.
func (s *session) Data(r io.Reader) error {
	verb := "DATA"
	if _, bdat := r.(*io.PipeReader); bdat {
		verb = "BDAT"
	}
	if err := s.fault(verb); err != nil {
		io.Copy(io.Discard, r) // read and dropped: nothing is delivered
		return err
	}
	s.mu.Lock()
	tx := transaction{from: s.from, rcpts: s.rcpts, authUser: s.authUser}
	s.mu.Unlock()

	raw, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		switch {
		case errors.As(err, &se):
			return se // ErrDataTooLarge: 552 5.3.4
		case errors.Is(err, smtp.ErrTooLongLine):
			return errLineTooLong // go-smtp closes the connection next
		}
		return errAborted
	}
	// DATA's reader fails by itself when the input ends early; BDAT's
	// (an io.Pipe fed by go-smtp) does not. See conn.
	if _, bdat := r.(*io.PipeReader); bdat && inputEnded(s.conn.Conn()) {
		return errAborted
	}
	tx.raw = raw
	tx.at = s.srv.now(s.conn.Conn())
	_, tx.tls = s.conn.TLSConnectionState()
	tx.helo = s.conn.Hostname()
	tx.remote = s.conn.Conn().RemoteAddr().String()
	id, err := s.srv.deliver(&tx)
	if err != nil {
		return err
	}
	// go-smtp sends any *SMTPError that Data returns as the reply, and
	// would otherwise say "250 2.0.0 OK: queued": the lab does not queue.
	return reply(250, smtp.EnhancedCode{2, 0, 0}, "OK: delivered as %s", id)
}

// Reset ends the transaction (RSET, a new EHLO, after DATA).
func (s *session) Reset() {
	s.mu.Lock()
	s.inMail, s.from, s.utf8, s.size, s.rcpts = false, "", false, 0, nil
	s.mu.Unlock()
}

// Logout is called when the connection closes or STARTTLS begins.
func (s *session) Logout() error { return nil }

// AuthMechanisms lists the SASL mechanisms for AUTH (RFC 4954).
func (s *session) AuthMechanisms() []string { return []string{sasl.Plain, "LOGIN"} }

// Auth starts a SASL exchange.
func (s *session) Auth(mech string) (sasl.Server, error) {
	if err := s.fault("AUTH"); err != nil {
		return nil, err
	}
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		return saslErrors{sasl.NewPlainServer(func(identity, user, pass string) error {
			// RFC 4616: an authorization identity other than the
			// user's own would mean acting for someone else.
			if identity != "" && !strings.EqualFold(identity, user) {
				return smtp.ErrAuthFailed
			}
			return s.authenticate(user, pass)
		})}, nil
	case "LOGIN":
		return saslErrors{&loginServer{authenticate: s.authenticate}}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// authenticate checks a user name, which may be a full address at a
// local domain, against the store.
func (s *session) authenticate(user, pass string) error {
	if mb, err := parseMailbox(user); err == nil && s.srv.local[mb.Domain] {
		user = mb.Local
	}
	name, err := s.srv.o.Store.Authenticate(user, pass)
	if err != nil {
		if errors.Is(err, mailstore.ErrAuthFailed) {
			return smtp.ErrAuthFailed
		}
		return reply(454, smtp.EnhancedCode{4, 7, 0}, "Temporary authentication failure")
	}
	s.mu.Lock()
	s.authUser = name
	s.mu.Unlock()
	return nil
}

// saslErrors turns a mechanism's own errors (a response that does not
// parse) into a reply with a code; go-smtp would send them as 454.
type saslErrors struct{ sasl.Server }

func (m saslErrors) Next(response []byte) ([]byte, bool, error) {
	challenge, done, err := m.Server.Next(response)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			err = se
		} else {
			err = errMalformedSASL
		}
	}
	return challenge, done, err
}
