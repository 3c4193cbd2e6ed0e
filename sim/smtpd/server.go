package smtpd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/mailscope/mailscope/sim/mailstore"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxMessageBytes = 25 << 20
	DefaultMaxRecipients   = 100 // RFC 5321 §4.5.3.1.8: at least 100 must be accepted
	DefaultMaxLineLength   = 2000
	DefaultTimeout         = 5 * time.Minute // RFC 5321 §4.5.3.2.7
)

// Options configures a Server. The zero value of each field is documented.
type Options struct {
	// Store receives the mail and checks passwords. Required.
	Store *mailstore.Store

	// Domain is the lab's own mail domain ("mailscope.lab"). It is always
	// a local domain, and names the server in the greeting and in
	// Received headers unless Hostname is set. "": "localhost".
	Domain string
	// Hostname names the server in the greeting and Received headers.
	// "": Domain.
	Hostname string
	// LocalDomains are further domains whose users are delivered to here,
	// matched case-insensitively. Nil: "localhost". An empty non-nil
	// slice: Domain only.
	LocalDomains []string

	// TLSConfig enables STARTTLS (and ImplicitTLS). Nil: no TLS.
	TLSConfig *tls.Config
	// ImplicitTLS makes Serve wrap its listener in TLS, so that
	// connections speak TLS from the first byte (RFC 8314, port 465).
	// It needs TLSConfig; Serve fails without one. False: plain, with
	// STARTTLS if TLSConfig is set.
	ImplicitTLS bool
	// InsecureAuth offers and accepts AUTH without TLS. False: AUTH only
	// once TLS is active.
	InsecureAuth bool
	// RequireAuth refuses MAIL until the client has authenticated (530
	// 5.7.0): submission only, as for a lab exposed on a LAN. False:
	// local delivery is open, like a real MX.
	RequireAuth bool

	// MaxMessageBytes is the SIZE limit, enforced. Zero:
	// DefaultMaxMessageBytes (25 MiB); negative: no limit.
	MaxMessageBytes int64
	// MaxRecipients bounds RCPT per transaction (452 4.5.3 beyond it).
	// Zero: DefaultMaxRecipients (100); negative: no limit.
	MaxRecipients int
	// MaxLineLength bounds a line, command or message text, in bytes;
	// a longer one closes the connection. Zero: DefaultMaxLineLength
	// (2000, twice RFC 5321's 1000); negative: no limit.
	MaxLineLength int
	// ReadTimeout and WriteTimeout close an idle or stuck connection. On
	// a link conn they run on link time. Zero: DefaultTimeout (5
	// minutes); negative: none.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration

	// Clock gives the virtual time of a delivery on a connection that
	// has no clock of its own (a plain TCP conn not wrapped by the link).
	// Nil: the wall-clock time since the Store's epoch (never below
	// zero), so that the message's internal date is the real now.
	Clock func() time.Duration
	// Intercept, if set, sees MAIL, RCPT, DATA, BDAT and AUTH before our
	// code runs them, and "GREETING" as a connection is accepted (after
	// TLS for ImplicitTLS), with the connection and the authenticated
	// user ("" before AUTH). It may block (a held command). hit means:
	// answer with reply ("451 4.3.0 text") instead of running the
	// command; a greeting reply goes out in place of the 220 and the
	// connection closes. DATA's and BDAT's reply answers the message
	// text, which go-smtp has read (after its own 354 for DATA) and which
	// is then dropped. go-smtp answers the other verbs itself (FaultVerbs).
	// The lab's protocol faults use it.
	Intercept func(c net.Conn, user, verb string) (reply string, hit bool)
	// OnDeliver, if set, is called after every successful delivery,
	// outside any lock, before the client gets its 250 reply.
	OnDeliver func(Delivery)
	// ErrorLog receives go-smtp's reports of failed connections and
	// recovered panics. Nil: they are discarded.
	ErrorLog *log.Logger
}

// Delivery describes one delivered message.
type Delivery struct {
	// ID is the id in the Received header, unique within the Server.
	ID   string
	From string // the reverse-path; "" for the null sender <>
	// To are the accepted recipient addresses as the client wrote them;
	// Users the store users they reached (each once), UIDs the new
	// messages' UIDs in those users' INBOXes.
	To    []string
	Users []string
	UIDs  []uint32
	// Size is the stored size, Received header included.
	Size int64
	// At is the virtual time of the delivery.
	At time.Duration
	// AuthUser is the authenticated user, or "".
	AuthUser string
	TLS      bool
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("smtpd: server closed")

// Server is an SMTP server delivering into a mailstore.Store. Create it
// with New, run it with Serve, stop it with Close.
type Server struct {
	o     Options
	smtp  *smtp.Server
	local map[string]bool // lower-case local domains
	ids   atomic.Uint64

	mu     sync.Mutex
	closed bool
	lns    map[net.Listener]struct{}

	// deliverMu makes check-then-store one step for all sessions, and
	// lets Close wait out a delivery in progress.
	deliverMu sync.Mutex
	stopped   bool // under deliverMu: Close has run, store nothing more

	// storeOne is Store.Deliver; tests replace it to fail part way.
	storeOne func(user string, raw []byte, at time.Duration) (uint32, error)
}

// New makes a Server. It panics if o.Store is nil.
func New(o Options) *Server {
	if o.Store == nil {
		panic("smtpd: Options.Store is nil")
	}
	if o.Domain == "" {
		o.Domain = "localhost"
	}
	if o.Hostname == "" {
		o.Hostname = o.Domain
	}
	if o.LocalDomains == nil {
		o.LocalDomains = []string{"localhost"}
	}
	if o.MaxMessageBytes == 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.MaxRecipients == 0 {
		o.MaxRecipients = DefaultMaxRecipients
	}
	if o.MaxLineLength == 0 {
		o.MaxLineLength = DefaultMaxLineLength
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = DefaultTimeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = DefaultTimeout
	}
	s := &Server{o: o, local: map[string]bool{}, lns: map[net.Listener]struct{}{}, storeOne: o.Store.Deliver}
	s.local[normDomain(o.Domain)] = true
	for _, d := range o.LocalDomains {
		s.local[normDomain(d)] = true
	}

	ss := smtp.NewServer(smtp.BackendFunc(s.newSession))
	ss.Domain = o.Hostname
	ss.TLSConfig = o.TLSConfig
	ss.AllowInsecureAuth = o.InsecureAuth
	ss.EnableSMTPUTF8 = true
	ss.MaxMessageBytes = max(o.MaxMessageBytes, 0)
	ss.MaxRecipients = max(o.MaxRecipients, 0)
	ss.MaxLineLength = max(o.MaxLineLength, 0)
	ss.ReadTimeout = max(o.ReadTimeout, 0)
	ss.WriteTimeout = max(o.WriteTimeout, 0)
	if o.ErrorLog != nil {
		ss.ErrorLog = o.ErrorLog
	} else {
		ss.ErrorLog = log.New(io.Discard, "", 0)
	}
	s.smtp = ss
	return s
}

// Domain is the lab's own domain.
func (s *Server) Domain() string { return s.o.Domain }

// IsLocalDomain reports whether mail for domain is delivered here.
func (s *Server) IsLocalDomain(domain string) bool { return s.local[normDomain(domain)] }

func normDomain(d string) string { return strings.ToLower(strings.TrimSuffix(d, ".")) }

// Serve accepts connections on ln until the server closes (it then
// returns ErrServerClosed) or ln fails. With ImplicitTLS it wraps ln in
// TLS first.
func (s *Server) Serve(ln net.Listener) error {
	ln = listener{ln}
	if s.o.ImplicitTLS {
		if s.o.TLSConfig == nil {
			return errors.New("smtpd: ImplicitTLS without a TLSConfig")
		}
		ln = tls.NewListener(ln, s.o.TLSConfig)
	}
	if s.o.Intercept != nil {
		ln = &greetListener{ln, s.o.Intercept}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.lns[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.lns, ln)
		s.mu.Unlock()
	}()
	err := s.smtp.Serve(ln)
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed || err == nil {
		return ErrServerClosed
	}
	return err
}

// Close stops the listeners and closes every connection. When it
// returns, no delivery is in progress and none will start: a
// transaction cut off by Close stores nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for ln := range s.lns {
		ln.Close()
	}
	s.mu.Unlock()
	err := s.smtp.Close() // closes the listeners again: ignore that
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	s.deliverMu.Lock()
	s.stopped = true
	s.deliverMu.Unlock()
	return err
}

// newSession is the smtp.Backend: go-smtp calls it at the first EHLO or
// HELO of a connection, and again after STARTTLS.
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

// clock is implemented by link conns: the virtual time of this end.
type clock interface{ Now() time.Duration }

// now is the virtual time on c: its own clock if it has one (under any
// TLS layer), else Options.Clock, else the wall clock since the epoch.
func (s *Server) now(c net.Conn) time.Duration {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if w, ok := c.(*conn); ok {
		c = w.Conn
	}
	if ck, ok := c.(clock); ok {
		return ck.Now()
	}
	if s.o.Clock != nil {
		return s.o.Clock()
	}
	return max(time.Since(s.o.Store.Epoch()), 0)
}

// FaultVerbs are what Options.Intercept sees.
var FaultVerbs = []string{"GREETING", "MAIL", "RCPT", "DATA", "BDAT", "AUTH"}

// greetListener answers a connection whose greeting Intercept replaces
// with that line, and closes it; go-smtp never sees it.
type greetListener struct {
	net.Listener
	intercept func(c net.Conn, user, verb string) (string, bool)
}

func (l *greetListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		r, hit := l.intercept(c, "", "GREETING")
		if !hit {
			return c, nil
		}
		go func() {
			c.Write([]byte(r + "\r\n"))
			c.Close()
		}()
	}
}

// SMTPError reads a reply written as text, "451 4.3.0 text" (the
// enhanced code optional), as go-smtp's error for it.
func SMTPError(line string) *smtp.SMTPError {
	e := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.NoEnhancedCode, Message: line}
	code, rest, _ := strings.Cut(line, " ")
	n, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 || n < 200 || n > 599 {
		return e
	}
	e.Code, e.Message = n, rest
	if enh, text, _ := strings.Cut(rest, " "); enh != "" {
		var a, b, c int
		if k, _ := fmt.Sscanf(enh, "%d.%d.%d", &a, &b, &c); k == 3 && fmt.Sprintf("%d.%d.%d", a, b, c) == enh {
			e.EnhancedCode, e.Message = smtp.EnhancedCode{a, b, c}, text
		}
	}
	return e
}

// listener wraps every accepted conn in a conn.
type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c}, nil
}

// conn notices the end of the client's input. go-smtp copies a BDAT
// chunk with io.Copy from an io.LimitReader, which ends without an error
// when the client sends FIN part way through the chunk, and then hands a
// truncated LAST chunk to Data as a whole message; Data asks inputEnded
// and refuses it. (Under TLS a close_notify part way through a chunk is
// not seen here; a FIN or a reset is.)
type conn struct {
	net.Conn
	ended atomic.Bool
}

func (c *conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n == 0 && err != nil { // bytes that come with an error were still sent
		c.ended.Store(true)
	}
	return n, err
}

// NetConn returns the wrapped conn, as tls.Conn.NetConn does.
func (c *conn) NetConn() net.Conn { return c.Conn }

// inputEnded reports whether a read on c, under any TLS layer, has
// failed or met EOF.
func inputEnded(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	w, ok := c.(*conn)
	return ok && w.ended.Load()
}
