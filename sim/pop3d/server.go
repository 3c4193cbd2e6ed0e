package pop3d

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// Backend is what the server needs of a mail store. *mailstore.Store
// implements it.
type Backend interface {
	// Authenticate checks a user's password (USER/PASS, AUTH PLAIN) and
	// returns the user's canonical name.
	Authenticate(user, password string) (string, error)
	// Password returns the shared secret APOP digests are made with
	// (RFC 1939 §7).
	Password(user string) (string, error)
	// LockMaildropAt takes the user's maildrop for the session, whose
	// virtual clock is now.
	LockMaildropAt(user string, now func() time.Duration) (*mailstore.Maildrop, error)
}

// Options configures a Server. The zero value of each field is documented.
type Options struct {
	// Backend holds the mail. Required.
	Backend Backend
	// Hostname names the server in the greeting and the APOP timestamp;
	// "" means "localhost".
	Hostname string
	// TLSConfig enables STLS; nil means no STLS.
	TLSConfig *tls.Config
	// ImplicitTLS says connections are TLS from the first byte (port 995):
	// STLS is then neither offered nor accepted.
	ImplicitTLS bool
	// InsecureAuth allows USER/PASS and AUTH PLAIN before TLS; false means
	// a TLS config is required before they are offered. APOP never sends
	// the password and is always allowed.
	InsecureAuth bool
	// IdleTimeout is the autologout timer (RFC 1939 §3: at least 10
	// minutes); zero means 10 minutes. On a link it runs on link time.
	IdleTimeout time.Duration
	// MaxErrors is how many bad commands in a row close the connection;
	// zero means 10.
	MaxErrors int
	// Implementation is CAPA's IMPLEMENTATION; "" means "Mailscope".
	Implementation string
	// ErrorLog receives the internal errors behind -ERR [SYS/TEMP]
	// replies, whose text never reaches the client. Nil: they are
	// discarded.
	ErrorLog *log.Logger
	// OnLogin, if set, is told when a session has locked its maildrop:
	// the connection it came on (after STLS, the TLS one) and the
	// maildrop, whose numbering the session's commands use. The lab ties
	// the commands on the wire to the messages with it. It must not block.
	OnLogin func(c net.Conn, md *mailstore.Maildrop)
	// Intercept, if set, sees each command's verb (upper case) before its
	// handler runs, and "GREETING" before the greeting, with the
	// connection (after STLS, the TLS one) and the logged-in user ("" before
	// login). It may block (a held command). hit means: send reply (one
	// line, no CRLF) instead, and do not run the command; a replaced
	// greeting that is not +OK closes the connection. The lab's protocol
	// faults use it.
	Intercept func(c net.Conn, user, verb string) (reply string, hit bool)
}

// Server serves POP3 on any net.Listener.
type Server struct {
	o      Options
	mu     sync.Mutex
	lns    map[net.Listener]struct{}
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
	nonce  atomic.Uint64

	// beforeCommand, if set, runs before each command's handler: tests
	// inject panics with it.
	beforeCommand func(*session, Command)
}

// New makes a Server.
func New(o Options) *Server {
	if o.Hostname == "" {
		o.Hostname = "localhost"
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 10 * time.Minute
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = 10
	}
	if o.Implementation == "" {
		o.Implementation = "Mailscope"
	}
	return &Server{o: o, lns: map[net.Listener]struct{}{}, conns: map[net.Conn]struct{}{}}
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("pop3d: server closed")

// Serve accepts connections on ln until it fails or the server closes.
func (s *Server) Serve(ln net.Listener) error {
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
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.ServeConn(c)
		}()
	}
}

// Close stops the listeners and closes every connection; sessions end
// without entering UPDATE, so nothing is deleted.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for ln := range s.lns {
		ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// clock is implemented by link conns: the virtual time of this end.
type clock interface{ Now() time.Duration }

// ServeConn runs one POP3 session on c and closes it.
func (s *Server) ServeConn(c net.Conn) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	if s.o.ImplicitTLS && s.o.TLSConfig != nil {
		if _, ok := c.(*tls.Conn); !ok {
			c = tls.Server(c, s.o.TLSConfig)
		}
	}
	ss := &session{srv: s, raw: c, state: stateAuth}
	ss.setConn(c)
	ss.tls = s.o.ImplicitTLS
	ss.run()
}

type state int

const (
	stateAuth   state = iota // AUTHORIZATION
	stateTrans               // TRANSACTION
	stateUpdate              // UPDATE
)

// session is one connection's state.
type session struct {
	srv   *Server
	raw   net.Conn // the transport as accepted (for the link clock)
	conn  net.Conn // raw, or TLS over it after STLS
	br    *bufio.Reader
	bw    *replyWriter
	state state
	tls   bool

	stamp  string // APOP timestamp from the greeting
	user   string // from USER
	md     *mailstore.Maildrop
	errors int  // bad commands in a row
	done   bool // close after this reply
}

func (ss *session) setConn(c net.Conn) {
	ss.conn = c
	ss.br = bufio.NewReaderSize(c, 1024)
	ss.bw = &replyWriter{w: c}
}

func (ss *session) now() time.Duration {
	if c, ok := ss.raw.(clock); ok {
		return c.Now()
	}
	return 0
}

func (ss *session) run() {
	defer ss.end()
	// Fixed width, so that the greeting, and every byte count after it,
	// is the same length on every run.
	ss.stamp = fmt.Sprintf("<%d.%09d@%s>", ss.srv.nonce.Add(1), time.Now().UnixNano()%1e9, ss.srv.o.Hostname)
	if r, hit := ss.intercept("GREETING"); hit {
		ss.bw.WriteString(r + "\r\n")
		if !strings.HasPrefix(r, "+OK") {
			ss.bw.Flush()
			return
		}
	} else {
		ss.ok("POP3 server ready " + ss.stamp)
	}
	for !ss.done {
		if !ss.flush() {
			return
		}
		line, err := ss.readLine(MaxLine)
		ss.bw.next()
		switch {
		case err == nil:
			err = ss.command(line)
		case err != ErrLineTooLong:
			// EOF, reset or the autologout timer: RFC 1939 §3 says close
			// without entering UPDATE.
			return
		}
		ss.reply(err)
	}
	ss.bw.Flush()
}

// end closes the session, however it ended. Anything but QUIT in
// TRANSACTION — a drop, a timeout, a server shutdown, a panic — releases
// the lock and deletes nothing. A panic is a bug in the server: it goes to
// ErrorLog, the client gets [SYS/TEMP] if it is between two replies (else
// its reply is cut off, as if the connection dropped), and only this
// session ends.
func (ss *session) end() {
	p := recover()
	if md := ss.md; md != nil {
		// Before the [SYS/TEMP] reply of a panic, so that a client that
		// has read it can log in again at once.
		ss.md = nil
		md.Release()
	}
	if p != nil {
		ss.srv.logf("pop3d: panic serving %v: %v\n%s", ss.raw.RemoteAddr(), p, debug.Stack())
		if ss.bw.takeBack() {
			ss.bw.WriteString(ErrSysTemp.line() + "\r\n")
		}
		ss.bw.Flush()
	}
	ss.conn.Close()
}

func (s *Server) logf(format string, args ...any) {
	if s.o.ErrorLog != nil {
		s.o.ErrorLog.Printf(format, args...)
	}
}

// readLine reads a client line of at most max octets. Every line read
// restarts the autologout timer.
func (ss *session) readLine(max int) (string, error) {
	ss.conn.SetReadDeadline(time.Now().Add(ss.srv.o.IdleTimeout))
	return readLine(ss.br, max)
}

// flush sends what is buffered unless more pipelined commands are already
// waiting (RFC 2449 PIPELINING: answer them in one go).
func (ss *session) flush() bool {
	if ss.br.Buffered() > 0 {
		return true
	}
	return ss.bw.Flush() == nil
}

func (ss *session) ok(text string) {
	if text == "" {
		ss.bw.WriteString("+OK\r\n")
		return
	}
	ss.bw.WriteString("+OK " + text + "\r\n")
}

// errHangUp ends the session without another reply: the conn failed, or
// the client gave up in the middle of a command.
var errHangUp = errors.New("pop3d: hang up")

// reply finishes a command: a failure gets its -ERR. It is the one place
// that counts bad commands: any -ERR adds one, any success starts the
// count again, and MaxErrors in a row close the connection.
func (ss *session) reply(err error) {
	if err == nil {
		ss.errors = 0
		return
	}
	if errors.Is(err, errHangUp) {
		ss.done = true
		return
	}
	r := replyTo(err)
	if r.cause != nil {
		ss.srv.logf("%v", r)
	}
	ss.errors++
	if ss.errors >= ss.srv.o.MaxErrors && !ss.done {
		r, ss.done = errTooManyBad, true
	}
	ss.bw.WriteString(r.line() + "\r\n")
}

// command parses a command line and runs its handler. nil means the
// command succeeded and has sent its +OK.
func (ss *session) command(line string) error {
	cmd, err := ParseCommand(line)
	if err != nil {
		return err
	}
	if ss.srv.beforeCommand != nil {
		ss.srv.beforeCommand(ss, cmd)
	}
	if r, hit := ss.intercept(cmd.Verb); hit {
		// Answered by a fault: the handler, and so the maildrop, never
		// sees the command.
		ss.bw.WriteString(r + "\r\n")
		return nil
	}
	switch cmd.Verb {
	case "CAPA":
		return ss.handleCapa(cmd)
	case "QUIT":
		return ss.handleQuit(cmd)
	case "NOOP":
		if ss.state != stateTrans {
			return errorf("NOOP is only valid after login")
		}
		ss.ok("")
		return nil
	}
	if ss.state == stateAuth {
		switch cmd.Verb {
		case "USER":
			return ss.handleUser(cmd)
		case "PASS":
			return ss.handlePass(cmd)
		case "APOP":
			return ss.handleAPOP(cmd)
		case "AUTH":
			return ss.handleAuth(cmd)
		case "STLS":
			return ss.handleSTLS(cmd)
		case "STAT", "LIST", "RETR", "DELE", "RSET", "TOP", "UIDL":
			return errorf("%s is only valid after login", cmd.Verb)
		}
		return errorf("unknown command %s", cmd.Verb)
	}
	switch cmd.Verb {
	case "STAT":
		return ss.handleStat(cmd)
	case "LIST":
		return ss.handleList(cmd, false)
	case "UIDL":
		return ss.handleList(cmd, true)
	case "RETR":
		return ss.handleRetr(cmd)
	case "TOP":
		return ss.handleTop(cmd)
	case "DELE":
		return ss.handleDele(cmd)
	case "RSET":
		return ss.handleRset(cmd)
	case "USER", "PASS", "APOP", "AUTH", "STLS":
		return errorf("already logged in")
	}
	return errorf("unknown command %s", cmd.Verb)
}

func (ss *session) intercept(verb string) (string, bool) {
	if ss.srv.o.Intercept == nil {
		return "", false
	}
	user := ""
	if ss.md != nil {
		user = ss.md.User()
	}
	return ss.srv.o.Intercept(ss.conn, user, verb)
}

func (ss *session) authAllowed() bool { return ss.tls || ss.srv.o.InsecureAuth }

func (ss *session) handleCapa(cmd Command) error {
	if len(cmd.Args) != 0 {
		return errorf("CAPA takes no arguments")
	}
	ss.ok("capability list follows")
	caps := []string{"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"}
	if ss.state == stateAuth {
		if ss.authAllowed() {
			caps = append(caps, "USER", "SASL PLAIN")
		}
		if ss.srv.o.TLSConfig != nil && !ss.tls {
			caps = append(caps, "STLS")
		}
	}
	caps = append(caps, "IMPLEMENTATION "+ss.srv.o.Implementation)
	for _, c := range caps {
		ss.bw.WriteString(c + "\r\n")
	}
	ss.bw.WriteString(".\r\n")
	return nil
}

func (ss *session) handleQuit(cmd Command) error {
	ss.done = true
	if ss.state == stateAuth {
		ss.ok(ss.srv.o.Hostname + " POP3 server signing off")
		return nil
	}
	// UPDATE (RFC 1939 §6): remove the marked messages, then release.
	// Commit releases the lock before the reply is written, so a client
	// that has read it can log in again at once.
	ss.state = stateUpdate
	n, err := ss.md.Commit(ss.now())
	ss.md = nil
	if err != nil {
		return commitError(err)
	}
	ss.ok(fmt.Sprintf("%s POP3 server signing off (%d messages deleted)", ss.srv.o.Hostname, n))
	return nil
}

func (ss *session) handleUser(cmd Command) error {
	if !ss.authAllowed() {
		return errUserNeedsTLS
	}
	if len(cmd.Args) != 1 {
		return errorf("USER takes one argument: the mailbox name")
	}
	ss.user = cmd.Args[0]
	// Never say whether the user exists (RFC 1939 §13).
	ss.ok("send your password")
	return nil
}

func (ss *session) handlePass(cmd Command) error {
	if ss.user == "" {
		return errorf("send USER first")
	}
	// The password is the rest of the line and may contain spaces.
	pass := strings.Join(cmd.Args, " ")
	user := ss.user
	ss.user = ""
	name, err := ss.srv.o.Backend.Authenticate(user, pass)
	if err != nil {
		return err
	}
	return ss.login(name)
}

func (ss *session) handleAPOP(cmd Command) error {
	if len(cmd.Args) != 2 {
		return errorf("APOP takes a name and an MD5 digest")
	}
	user, digest := cmd.Args[0], strings.ToLower(cmd.Args[1])
	secret, err := ss.srv.o.Backend.Password(user)
	if err != nil {
		// An unknown user gets ErrAuthFailed, as a wrong digest does.
		return err
	}
	sum := md5.Sum([]byte(ss.stamp + secret))
	want := hex.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(digest), []byte(want)) != 1 {
		return ErrAuthFailed
	}
	return ss.login(user)
}

// handleAuth is RFC 5034 AUTH with the PLAIN mechanism (RFC 4616).
func (ss *session) handleAuth(cmd Command) error {
	if len(cmd.Args) == 0 {
		// Many clients probe with a bare AUTH for the mechanism list.
		ss.ok("SASL mechanisms follow")
		if ss.authAllowed() {
			ss.bw.WriteString("PLAIN\r\n")
		}
		ss.bw.WriteString(".\r\n")
		return nil
	}
	if !ss.authAllowed() {
		return errAuthNeedsTLS
	}
	if !strings.EqualFold(cmd.Args[0], "PLAIN") || len(cmd.Args) > 2 {
		return errorf("unsupported SASL mechanism; try AUTH PLAIN")
	}
	var resp string
	if len(cmd.Args) == 2 {
		resp = cmd.Args[1]
		if resp == "=" { // RFC 5034 §4: an empty initial response
			resp = ""
		}
	} else {
		ss.bw.WriteString("+ \r\n")
		if !ss.flush() {
			return errHangUp
		}
		line, err := ss.readLine(8192)
		if err != nil && err != ErrLineTooLong {
			return errHangUp
		}
		ss.bw.next() // the "+ " is a whole reply
		if err == ErrLineTooLong {
			return errorf("SASL response too long")
		}
		if line == "*" {
			return errorf("AUTH cancelled")
		}
		resp = line
	}
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		return errorf("invalid base64 in SASL response")
	}
	// authzid NUL authcid NUL passwd
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 || parts[1] == "" {
		return errorf("malformed PLAIN response")
	}
	if parts[0] != "" && parts[0] != parts[1] {
		return errAuthzid
	}
	name, err := ss.srv.o.Backend.Authenticate(parts[1], parts[2])
	if err != nil {
		return err
	}
	return ss.login(name)
}

// login locks the maildrop and enters TRANSACTION.
func (ss *session) login(user string) error {
	md, err := ss.srv.o.Backend.LockMaildropAt(user, ss.now)
	if err != nil {
		return err
	}
	ss.md = md
	ss.state = stateTrans
	if ss.srv.o.OnLogin != nil {
		ss.srv.o.OnLogin(ss.conn, md)
	}
	count, size := md.Stat()
	ss.ok(fmt.Sprintf("maildrop locked and ready: %d messages (%d octets)", count, size))
	return nil
}

func (ss *session) handleSTLS(cmd Command) error {
	if ss.srv.o.TLSConfig == nil || ss.tls {
		return errorf("STLS not available")
	}
	if len(cmd.Args) != 0 {
		return errorf("STLS takes no arguments")
	}
	if ss.br.Buffered() > 0 {
		// Plain-text bytes pipelined after STLS could be injected into
		// the TLS session (CVE-2011-0411): refuse.
		return errorf("data after STLS")
	}
	ss.ok("begin TLS negotiation")
	if ss.bw.Flush() != nil {
		return errHangUp
	}
	tc := tls.Server(ss.conn, ss.srv.o.TLSConfig)
	ss.conn.SetDeadline(time.Now().Add(ss.srv.o.IdleTimeout))
	if err := tc.Handshake(); err != nil {
		return errHangUp
	}
	ss.conn.SetDeadline(time.Time{})
	ss.setConn(tc)
	ss.tls = true
	ss.user = ""
	return nil
}

func (ss *session) handleStat(cmd Command) error {
	if len(cmd.Args) != 0 {
		return errorf("STAT takes no arguments")
	}
	count, size := ss.md.Stat()
	ss.ok(fmt.Sprintf("%d %d", count, size))
	return nil
}

// message checks a message-number argument.
func (ss *session) message(arg string) (mailstore.MaildropMessage, error) {
	n, err := msgNumber(arg)
	if err != nil {
		return mailstore.MaildropMessage{}, err
	}
	m, err := ss.md.Message(n)
	if err != nil {
		return m, messageError(err, n, ss.md.Len())
	}
	return m, nil
}

// handleList is LIST and UIDL, with or without an argument.
func (ss *session) handleList(cmd Command, uidl bool) error {
	val := func(m mailstore.MaildropMessage) string {
		if uidl {
			return m.UIDL
		}
		return strconv.FormatInt(m.Size, 10)
	}
	switch len(cmd.Args) {
	case 0:
		count, size := ss.md.Stat()
		if uidl {
			ss.ok("unique-id listing follows")
		} else {
			ss.ok(fmt.Sprintf("%d messages (%d octets)", count, size))
		}
		for _, m := range ss.md.List() {
			ss.bw.WriteString(strconv.Itoa(m.N) + " " + val(m) + "\r\n")
		}
		ss.bw.WriteString(".\r\n")
	case 1:
		m, err := ss.message(cmd.Args[0])
		if err != nil {
			return err
		}
		ss.ok(strconv.Itoa(m.N) + " " + val(m))
	default:
		return errorf("%s takes at most one argument", cmd.Verb)
	}
	return nil
}

func (ss *session) handleRetr(cmd Command) error {
	if len(cmd.Args) != 1 {
		return errorf("RETR takes one message number")
	}
	m, err := ss.message(cmd.Args[0])
	if err != nil {
		return err
	}
	ss.ok(fmt.Sprintf("%d octets", m.Size))
	writeStuffed(ss.bw, m.Raw, -1)
	return nil
}

func (ss *session) handleTop(cmd Command) error {
	if len(cmd.Args) != 2 {
		return errorf("TOP takes a message number and a number of lines")
	}
	m, err := ss.message(cmd.Args[0])
	if err != nil {
		return err
	}
	lines, err := nonNegative(cmd.Args[1])
	if err != nil {
		return err
	}
	ss.ok("top of message follows")
	writeStuffed(ss.bw, m.Raw, lines)
	return nil
}

func (ss *session) handleDele(cmd Command) error {
	if len(cmd.Args) != 1 {
		return errorf("DELE takes one message number")
	}
	m, err := ss.message(cmd.Args[0])
	if err != nil {
		return err
	}
	if err := ss.md.MarkDeleted(m.N); err != nil {
		return messageError(err, m.N, ss.md.Len())
	}
	ss.ok(fmt.Sprintf("message %d deleted", m.N))
	return nil
}

func (ss *session) handleRset(cmd Command) error {
	if len(cmd.Args) != 0 {
		return errorf("RSET takes no arguments")
	}
	ss.md.Reset()
	count, size := ss.md.Stat()
	ss.ok(fmt.Sprintf("maildrop has %d messages (%d octets)", count, size))
	return nil
}

// writeStuffed writes a message as a multi-line response body (RFC 1939
// §3): lines beginning with "." get another, and ".\r\n" ends it. With
// bodyLines ≥ 0 only the header and that many body lines are sent (TOP).
func writeStuffed(bw *replyWriter, raw []byte, bodyLines int) {
	inBody := false
	for len(raw) > 0 {
		var line []byte
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i+1], raw[i+1:]
		} else {
			line, raw = raw, nil
		}
		if inBody {
			if bodyLines == 0 {
				break
			}
			if bodyLines > 0 {
				bodyLines--
			}
		} else if len(bytes.TrimRight(line, "\r\n")) == 0 {
			inBody = true // the empty line between header and body
		}
		if line[0] == '.' {
			bw.WriteByte('.')
		}
		bw.Write(line)
		if line[len(line)-1] != '\n' {
			bw.WriteString("\r\n")
		}
	}
	bw.WriteString(".\r\n")
}
