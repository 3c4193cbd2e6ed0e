package imapd

import (
	"crypto/tls"
	"errors"
	"log"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// DefaultMaxLiteralSize bounds an APPEND when Options.MaxLiteralSize is zero.
const DefaultMaxLiteralSize = 32 << 20

// Logger receives the server's error messages.
type Logger interface {
	Printf(format string, args ...any)
}

// Options configures a Server. The zero value of each field is documented.
type Options struct {
	// Store holds the mail. Required.
	Store *mailstore.Store
	// TLSConfig enables STARTTLS (and is the configuration for
	// ImplicitTLS); nil means no STARTTLS.
	TLSConfig *tls.Config
	// ImplicitTLS says connections are TLS from the first byte (port 993):
	// Serve wraps its listener with TLSConfig, which must be set.
	ImplicitTLS bool
	// InsecureAuth allows LOGIN and AUTHENTICATE before TLS; false means
	// they are refused (LOGINDISABLED) on a cleartext connection.
	InsecureAuth bool
	// MaxLiteralSize bounds an APPENDed message in bytes (APPENDLIMIT);
	// larger ones get NO [TOOBIG]. Zero means DefaultMaxLiteralSize.
	MaxLiteralSize uint32
	// Logger receives internal errors; nil means log.Default().
	Logger Logger
	// Intercept, if set, sees each command that reaches a session method
	// (FaultVerbs) before it runs, and "GREETING" before the greeting,
	// with the connection (after STARTTLS, the TLS one) and the logged-in
	// user ("" before login). It may block (a held command). hit means:
	// answer with reply instead of running the command — a status
	// response "NO [CODE] text" or "BAD text" sent with the command's
	// tag; for the greeting "BYE text", after which the connection closes.
	// The lab's protocol faults use it.
	Intercept func(c net.Conn, user, verb string) (reply string, hit bool)
	// IdleIntercept, if set, runs beside each IDLE until it returns or
	// stop closes (the IDLE ended); hit means: send "* BYE bye" and close
	// the connection.
	IdleIntercept func(c net.Conn, user string, stop <-chan struct{}) (bye string, hit bool)
}

// FaultVerbs are the commands Intercept sees: those imapserver hands to
// a session method. The rest (CAPABILITY, NOOP, CHECK, LOGOUT, STARTTLS,
// ENABLE, ID …) imapserver answers itself.
var FaultVerbs = []string{"GREETING", "LOGIN", "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE",
	"LIST", "LSUB", "NAMESPACE", "STATUS", "APPEND", "IDLE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE"}

// Server serves IMAP over the store on any net.Listener.
type Server struct {
	o   Options
	srv *imapserver.Server

	mu        sync.Mutex
	closed    bool
	listeners map[*listener]struct{}
	conns     map[*conn]struct{}
	wg        sync.WaitGroup // one per session not yet closed
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("imapd: server closed")

// Caps returns the capabilities the server is built with. imapserver
// derives the advertised list from them per connection state: before
// login SASL-IR, LITERAL-, STARTTLS (with a TLSConfig, before TLS) and
// AUTH=PLAIN or LOGINDISABLED; after login the rest, plus UNSELECT,
// ENABLE, IDLE and UTF8=ACCEPT, and APPENDLIMIT=n from the session. Since
// IMAP4rev2 implies them, LIST-EXTENDED and LIST-STATUS are advertised
// too; the session serves their select and return options (SUBSCRIBED,
// SPECIAL-USE, CHILDREN, STATUS). Every capability whose Session method
// imapserver requires (MOVE, NAMESPACE, UNAUTHENTICATE) is implemented:
// advertising one without it panics on the first connection.
func Caps() imap.CapSet {
	return imap.CapSet{
		imap.CapIMAP4rev1:        {},
		imap.CapIMAP4rev2:        {},
		imap.CapNamespace:        {},
		imap.CapUIDPlus:          {},
		imap.CapESearch:          {},
		imap.CapSearchRes:        {},
		imap.CapMove:             {},
		imap.CapSpecialUse:       {},
		imap.CapCreateSpecialUse: {},
		imap.CapLiteralPlus:      {},
		imap.CapUnauthenticate:   {},
		imap.CapChildren:         {},
		imap.CapStatusSize:       {},
		imap.CapIdle:             {},
		imap.CapUnselect:         {},
	}
}

// New makes a Server.
func New(o Options) *Server {
	if o.MaxLiteralSize == 0 {
		o.MaxLiteralSize = DefaultMaxLiteralSize
	}
	if o.Logger == nil {
		o.Logger = log.Default()
	}
	s := &Server{o: o, listeners: map[*listener]struct{}{}, conns: map[*conn]struct{}{}}
	s.srv = imapserver.New(&imapserver.Options{
		NewSession:   s.newSession,
		Caps:         Caps(),
		Logger:       o.Logger,
		TLSConfig:    o.TLSConfig,
		InsecureAuth: o.InsecureAuth,
	})
	return s
}

// Serve accepts connections on ln until the server closes (then it
// returns ErrServerClosed) or the listener fails.
func (s *Server) Serve(ln net.Listener) error {
	if s.o.ImplicitTLS && s.o.TLSConfig == nil {
		return errors.New("imapd: ImplicitTLS needs a TLSConfig")
	}
	tl := &listener{Listener: ln, s: s}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[tl] = struct{}{}
	s.mu.Unlock()
	var l net.Listener = tl
	if s.o.ImplicitTLS {
		// Over the tracking listener, so that imapserver sees *tls.Conn.
		l = tls.NewListener(tl, s.o.TLSConfig)
	}
	err := s.srv.Serve(l)
	s.mu.Lock()
	delete(s.listeners, tl)
	closed := s.closed
	s.mu.Unlock()
	if closed || err == nil {
		return ErrServerClosed
	}
	return err
}

// Close stops the listeners, closes every connection and waits for the
// sessions to end. A command being handled finishes or fails as a whole:
// the store never holds half of one.
//
// It does not call imapserver's Close, whose WaitGroup use races with a
// Serve that has just started; the server tracks its own listeners and
// connections instead.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	var err error
	for l := range s.listeners {
		if cerr := l.Listener.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	for c := range s.conns {
		c.Conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// listener tracks the connections it accepts, so Close can end them.
type listener struct {
	net.Listener
	s *Server
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if l.s.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &conn{Conn: c, s: l.s}
	l.s.conns[tc] = struct{}{}
	return tc, nil
}

// conn is an accepted connection. It passes the link's virtual clock
// through; on a transport without one, Now is 0.
type conn struct {
	net.Conn
	s    *Server
	once sync.Once

	wmu    sync.Mutex
	corked bool
	out    []byte // writes held while corked
}

// Write passes writes through, or holds them while corked.
func (c *conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.corked {
		c.out = append(c.out, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// NetConn returns the accepted conn (the link's), as tls.Conn.NetConn does.
func (c *conn) NetConn() net.Conn { return c.Conn }

// cork holds writes until uncork sends them as one. imapserver writes
// each response as it is made; in IDLE the reader of DONE runs beside
// the writer of updates, and on the virtual clock reading DONE moves the
// connection's clock: without the cork, whether the second response of
// a batch (RECENT after EXISTS) left when the change happened or after
// the DONE it provoked would depend on which goroutine ran first.
func (c *conn) cork() {
	c.wmu.Lock()
	c.corked = true
	c.wmu.Unlock()
}

func (c *conn) uncork() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.corked = false
	if len(c.out) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.out)
	c.out = nil
	return err
}

func (c *conn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.conns, c)
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

func (c *conn) Now() time.Duration {
	if ck, ok := c.Conn.(clock); ok {
		return ck.Now()
	}
	return 0
}

func (c *conn) Advance(t time.Duration) {
	if ad, ok := c.Conn.(advancer); ok {
		ad.Advance(t)
	}
}

// forget is called once by each session as it closes.
func (s *Server) forget(*session) { s.wg.Done() }

// clock is implemented by link conns: the virtual time of this end, and a
// way to move it forward.
type clock interface{ Now() time.Duration }

type advancer interface{ Advance(time.Duration) }

// transport returns the conn under any TLS layer.
func transport(c net.Conn) net.Conn {
	for {
		tc, ok := c.(*tls.Conn)
		if !ok {
			return c
		}
		c = tc.NetConn()
	}
}

func (s *Server) newSession(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, &imap.Error{Type: imap.StatusResponseTypeBye, Text: "Server shutting down"}
	}
	if f := s.o.Intercept; f != nil {
		if r, hit := f(c.NetConn(), "", "GREETING"); hit {
			return nil, nil, &imap.Error{Type: imap.StatusResponseTypeBye, Text: strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(r, "* "), "BYE"))}
		}
	}
	raw := transport(c.NetConn())
	ss := &session{srv: s, conn: c, store: s.o.Store, source: s.o.Store.NewSource()}
	s.wg.Add(1)
	if ck, ok := raw.(clock); ok {
		ss.clock = ck
	}
	if ad, ok := raw.(advancer); ok {
		ss.advance = ad
	}
	ss.raw, _ = raw.(*conn)
	return ss, nil, nil
}
