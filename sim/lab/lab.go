// Package lab assembles one Mailscope world: the mail store, the SMTP, POP3
// and IMAP servers, the simulated link every connection crosses, and the
// trace recorder tapping it. It is the single façade the desktop app and the
// headless commands talk to.
//
// In-app clients dial the servers on the link by name (Addr); outside
// clients reach them through real TCP listeners on loopback (ListenTCP),
// paced by the link's live clock and traced like everything else.
package lab

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"net"
	"sync"

	"github.com/mailscope/mailscope/sim/imapd"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/pop3d"
	"github.com/mailscope/mailscope/sim/smtpd"
	"github.com/mailscope/mailscope/sim/trace"
)

// Account is a mailbox owner.
type Account struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Quota    int64  `json:"quota"` // bytes; 0 = unlimited
}

// DefaultAccounts are a class's accounts: the student's own, and two
// correspondents to write to.
func DefaultAccounts() []Account {
	return []Account{
		{Name: "student", Password: "secret"},
		{Name: "alice", Password: "alice"},
		{Name: "bob", Password: "bob"},
	}
}

// Clock is what in-app devices run on.
type Clock int

const (
	// Virtual runs every in-app connection on the virtual clock: nothing
	// sleeps, a modem session takes milliseconds and reports the minutes
	// it would take (scenarios, `mailscope run`, tests).
	Virtual Clock = iota
	// Live paces in-app connections against the wall clock at
	// Options.Speed (the desktop app).
	Live
)

// SeedMessage is a message in the mailbox a lab starts with.
type SeedMessage struct {
	To  string // the account
	Raw []byte // the whole RFC 5322 message; the store shares, never changes it
}

// Options configures a Lab. The zero value of each field is documented.
type Options struct {
	// Domain is the lab's own mail domain; "" means "mailscope.lab".
	Domain string
	// LocalDomains are further domains whose mail the servers keep here,
	// delivered by local part to the lab's accounts (a scenario's
	// correspondents at "example.org"); nil means only "localhost".
	LocalDomains []string
	// Accounts are created at start; nil means DefaultAccounts().
	Accounts []Account
	// Seed is delivered at virtual time zero, in order, before any server
	// listens; nil is an empty mailbox.
	Seed []SeedMessage
	// Profile is the initial link profile; the zero Profile means the
	// "loopback" preset (a perfect link).
	Profile link.Profile
	// Clock is what in-app devices run on; the zero value is Virtual.
	// Outside clients (ListenTCP) always run on the live clock.
	Clock Clock
	// Speed is the live clock's speed factor for outside clients and live
	// sessions; 0 means 1 (real time).
	Speed float64
	// NoTLS runs the servers without a certificate: no STARTTLS or STLS
	// offered, no implicit-TLS services. False makes (or loads) one.
	NoTLS bool
	// CertDir keeps the TLS certificate between runs; "" makes a new one.
	CertDir string
	// OutsideMX adds a second, perfect link, "the internet", on which the
	// SMTP server also listens (MXAddr): mail from outside (DeviceOptions
	// Outside) arrives over it and never counts as the reader's traffic.
	// False: no such link (MX is nil).
	OutsideMX bool
	// NoTrace runs without a recorder (Trace is nil): nothing is traced.
	// False records every connection on the link.
	NoTrace bool
	// Trace configures the recorder; nil means its defaults.
	Trace *trace.Options
	// Faults, if set, gives each new connection on the link its faults
	// (the CLI's --fault specs); nil: none but those injected.
	Faults func(link.ConnInfo) []link.Fault
	// Observe, if set, is called for each new connection on the link and
	// returns a further tap beside the trace (nil for none): tests count
	// the raw bytes that crossed with it.
	Observe func(link.ConnInfo) link.Tap
	// Store configures the mail store; nil means its defaults.
	Store *mailstore.Options
	// RequireAuth makes SMTP accept mail only from authenticated clients
	// and refuses plain-text logins without TLS (for labs exposed on a LAN).
	RequireAuth bool
	// ErrorLog receives the servers' internal errors and recovered panics,
	// whose text never reaches a client; nil discards them.
	ErrorLog *log.Logger
	// TCP opens real TCP listeners for outside clients at start (see
	// ListenTCP); nil opens none. LAN allows addresses beyond loopback.
	TCP map[string]string
	LAN bool
}

// Lab is one world. All its methods are safe for concurrent use.
type Lab struct {
	Domain string
	Store  *mailstore.Store
	Link   *link.Link
	// MX is the outside link (Options.OutsideMX); nil without one.
	MX *link.Link
	// Trace records every connection on Link; nil with Options.NoTrace.
	Trace *trace.Recorder
	// TLS is the servers' configuration; nil with Options.NoTLS.
	TLS *tls.Config
	// KeyLog holds the servers' TLS secrets (for decrypting the trace and
	// for pcapng exports Wireshark can decrypt); nil with Options.NoTLS.
	KeyLog *trace.KeyLog

	clock   Clock
	certDir string // Options.CertDir, where cert.pem is kept
	observe func(link.ConnInfo) link.Tap
	roots   *x509.CertPool    // trusts the lab's certificate
	servers map[string]server // service → its server
	inApp   map[string]string // service → link address
	serving sync.WaitGroup    // the servers' Serve loops

	viewsOnce sync.Once
	views     *Views // the mailbox views, made on first use

	faultMu   sync.Mutex
	faultID   int           // the last armed fault's ID
	armed     []armedLink   // link faults, each for one connection
	proto     []*protoFault // protocol faults, armed until disarmed
	faultHook func()        // OnFaultsChanged

	relMu     sync.Mutex
	pop3Drops map[uint64]pop3Drop // trace session → its maildrop's numbering
	pop3Kept  int                 // len(pop3Drops) after the last pruning

	devices deviceRegistry // AddDevice's list (devices.go)

	mu     sync.Mutex
	linkLn []net.Listener // the servers' listeners on Link and MX
	tcp    []net.Listener
	eps    []Endpoint
	done   bool
}

// server is what the lab needs of each protocol server.
type server interface {
	Serve(net.Listener) error
	Close() error
}

// Service names: a protocol, plus "s" for its implicit-TLS port.
const (
	SMTP  = "smtp"
	SMTPS = "smtps"
	POP3  = "pop3"
	POP3S = "pop3s"
	IMAP  = "imap"
	IMAPS = "imaps"
)

// wellKnownPort is each service's port on the simulated network.
var wellKnownPort = map[string]int{SMTP: 25, SMTPS: 465, POP3: 110, POP3S: 995, IMAP: 143, IMAPS: 993}

// New builds and starts a lab: store, accounts, seeded mail, link,
// recorder, and the three servers listening on the link. The caller MUST
// call Close.
func New(o Options) (*Lab, error) {
	if o.Domain == "" {
		o.Domain = "mailscope.lab"
	}
	if o.Accounts == nil {
		o.Accounts = DefaultAccounts()
	}
	if o.Profile == (link.Profile{}) {
		o.Profile, _ = link.Preset("loopback")
	}
	l := &Lab{Domain: o.Domain, clock: o.Clock, observe: o.Observe, inApp: map[string]string{}, servers: map[string]server{}}
	l.Store = mailstore.New(o.Store)
	for _, a := range o.Accounts {
		if err := l.Store.AddUser(a.Name, a.Password, a.Quota); err != nil {
			return nil, fmt.Errorf("lab: account %q: %w", a.Name, err)
		}
	}
	for i, m := range o.Seed {
		if _, err := l.Store.Deliver(m.To, m.Raw, 0); err != nil {
			return nil, fmt.Errorf("lab: seeding message %d for %s: %w", i+1, m.To, err)
		}
	}
	if !o.NoTLS {
		if err := l.makeTLS(o.CertDir); err != nil {
			return nil, err
		}
	}
	if !o.NoTrace {
		topt := trace.Options{}
		if o.Trace != nil {
			topt = *o.Trace
		}
		topt.KeyLog = l.KeyLog
		l.Trace = trace.NewRecorder(&topt)
	}
	var newTap func(link.ConnInfo) link.Tap
	if l.Trace != nil || l.observe != nil {
		newTap = l.newTap
	}
	l.Link = link.New(link.Options{
		Profile: o.Profile,
		Live:    link.NewLiveClock(link.LiveOptions{Speed: o.Speed}),
		NewTap:  newTap,
		Faults:  l.faultsFor(o.Faults),
	})

	insecure := !o.RequireAuth
	var imapLog imapd.Logger = discard{}
	if o.ErrorLog != nil {
		imapLog = o.ErrorLog
	}
	smtpOpt := smtpd.Options{Store: l.Store, Domain: o.Domain, LocalDomains: o.LocalDomains, TLSConfig: l.TLS, InsecureAuth: insecure, RequireAuth: o.RequireAuth, ErrorLog: o.ErrorLog, Intercept: l.intercept(SMTP)}
	imapOpt := imapd.Options{Store: l.Store, TLSConfig: l.TLS, InsecureAuth: insecure, Logger: imapLog, Intercept: l.intercept(IMAP), IdleIntercept: l.idleIntercept}
	pop3Opt := pop3d.Options{Backend: l.Store, Hostname: o.Domain, TLSConfig: l.TLS, InsecureAuth: insecure, ErrorLog: o.ErrorLog, OnLogin: l.pop3Login, Intercept: l.intercept(POP3)}
	services := []struct {
		name string
		srv  server
	}{
		{SMTP, smtpd.New(smtpOpt)},
		{IMAP, imapd.New(imapOpt)},
		{POP3, pop3d.New(pop3Opt)},
	}
	if l.TLS != nil {
		implicit := smtpOpt
		implicit.ImplicitTLS, implicit.InsecureAuth = true, false
		imapsOpt, pop3sOpt := imapOpt, pop3Opt
		imapsOpt.ImplicitTLS, imapsOpt.InsecureAuth = true, false
		pop3sOpt.ImplicitTLS, pop3sOpt.InsecureAuth = true, false
		services = append(services, []struct {
			name string
			srv  server
		}{
			{SMTPS, smtpd.New(implicit)},
			{IMAPS, imapd.New(imapsOpt)},
			{POP3S, pop3d.New(pop3sOpt)},
		}...)
	}
	for _, s := range services {
		addr := fmt.Sprintf("%s.%s:%d", protocolOf(s.name), o.Domain, wellKnownPort[s.name])
		l.inApp[s.name] = addr
		l.servers[s.name] = s.srv
		if err := l.serve(l.Link, protocolOf(s.name), addr, s.srv); err != nil {
			l.Close()
			return nil, err
		}
	}
	if o.OutsideMX {
		loop, _ := link.Preset("loopback")
		l.MX = link.New(link.Options{Profile: loop})
		if err := l.serve(l.MX, SMTP, l.MXAddr(), l.servers[SMTP]); err != nil {
			l.Close()
			return nil, err
		}
	}
	if o.TCP != nil {
		if _, err := l.ListenTCP(o.TCP, o.LAN); err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

// makeTLS loads or makes the certificate and the servers' configuration.
func (l *Lab) makeTLS(certDir string) error {
	cert, err := Certificate(certDir, []string{"localhost", "127.0.0.1", l.Domain, "*." + l.Domain})
	if err != nil {
		return err
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return fmt.Errorf("lab: certificate: %w", err)
	}
	l.certDir = certDir
	l.roots = x509.NewCertPool()
	l.roots.AddCert(leaf)
	// The servers log their TLS 1.3 secrets here, so the trace can show
	// the lines inside TLS decrypted, as Wireshark does with SSLKEYLOGFILE.
	l.KeyLog = &trace.KeyLog{}
	// TLS 1.2 clients still connect; their sessions show as encrypted
	// bulk, since only TLS 1.3 is decrypted in the trace.
	l.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, KeyLogWriter: l.KeyLog}
	return nil
}

// serve starts srv on a listener of lk at addr.
func (l *Lab) serve(lk *link.Link, proto, addr string, srv server) error {
	ln, err := lk.Listen(proto, addr)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		ln.Close()
		return errors.New("lab: closed")
	}
	l.linkLn = append(l.linkLn, ln)
	l.serving.Add(1)
	go func() { defer l.serving.Done(); srv.Serve(ln) }()
	return nil
}

// MXAddr is the SMTP server's address on the outside link (Options
// OutsideMX): "mx.mailscope.lab:25".
func (l *Lab) MXAddr() string { return "mx." + l.Domain + ":25" }

// ClientTLS is a client configuration that trusts the lab's certificate;
// nil when the lab runs without TLS.
func (l *Lab) ClientTLS() *tls.Config {
	if l.roots == nil {
		return nil
	}
	return &tls.Config{RootCAs: l.roots, MinVersion: tls.VersionTLS12}
}

func (l *Lab) serverFor(service string) server { return l.servers[service] }

// protocolOf strips the implicit-TLS "s": "pop3s" → "pop3".
func protocolOf(service string) string {
	switch service {
	case SMTPS:
		return SMTP
	case POP3S:
		return POP3
	case IMAPS:
		return IMAP
	}
	return service
}

// newTap opens a trace session for each new connection on the link, and
// asks Options.Observe for its tap.
func (l *Lab) newTap(ci link.ConnInfo) link.Tap {
	var taps multiTap
	if l.Trace != nil {
		taps = append(taps, l.Trace.NewSession(trace.SessionInfo{
			ID: ci.ID, Protocol: trace.ParseProtocol(ci.Protocol),
			ClientAddr: ci.ClientAddr, ServerAddr: ci.ServerAddr, ServerPort: portOf(ci.ServerAddr),
			Start: ci.Start, Wall: ci.Wall,
		}))
	}
	if l.observe != nil {
		if t := l.observe(ci); t != nil {
			taps = append(taps, t)
		}
	}
	switch len(taps) {
	case 0:
		return nil
	case 1:
		return taps[0]
	}
	return taps
}

func portOf(hostport string) uint16 {
	_, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return 0
	}
	var n uint16
	fmt.Sscan(p, &n)
	return n
}

// Addr is the in-app (link) address of a service, e.g. Addr(POP3) =
// "pop3.mailscope.lab:110".
func (l *Lab) Addr(service string) string { return l.inApp[service] }

// Dial connects an in-app client to a service.
func (l *Lab) Dial(ctx context.Context, service string, o link.DialOptions) (*link.Conn, error) {
	addr := l.inApp[service]
	if addr == "" {
		return nil, fmt.Errorf("lab: no service %q", service)
	}
	return l.Link.Dial(ctx, addr, o)
}

// Seed delivers n generated messages (deterministic for a seed) to a user.
func (l *Lab) Seed(user string, n int, seed int64) error {
	msgs := mailstore.Generate(mailstore.GenOptions{
		Seed: seed, Count: n, To: user + "@" + l.Domain, ToDomain: l.Domain,
		AttachmentRatio: 0.1, AttachmentSize: 32 << 10, ThreadRatio: 0.3,
		End: l.Store.Epoch(),
	})
	for _, m := range msgs {
		if _, err := l.Store.Deliver(user, m.Raw, 0); err != nil {
			return fmt.Errorf("lab: seed %s: %w", user, err)
		}
	}
	return nil
}

// Close stops the servers and the listeners and closes every connection.
// The listeners close first and each Serve loop returns before its server
// closes: imapserver's Close races a Serve that is still starting.
func (l *Lab) Close() error {
	l.Link.DisableCalls()
	l.StopTCP()
	l.mu.Lock()
	l.done = true
	lns := l.linkLn
	l.linkLn = nil
	l.mu.Unlock()
	for _, ln := range lns {
		ln.Close()
	}
	l.serving.Wait()
	l.viewsOnce.Do(func() { l.views = stillViews(l.Domain) }) // asked after Close: still views
	l.views.Close()
	var errs []error
	for _, s := range l.servers {
		if err := s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// discard is a logger for server internals the trace already shows.
type discard struct{}

func (discard) Printf(string, ...any) {}
