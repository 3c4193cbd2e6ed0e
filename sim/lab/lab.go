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
	"errors"
	"fmt"
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

// Options configures a Lab. The zero value of each field is documented.
type Options struct {
	// Domain is the lab's own mail domain; "" means "mailscope.lab".
	Domain string
	// Accounts are created at start; nil means DefaultAccounts().
	Accounts []Account
	// Profile is the initial link profile; the zero Profile means the
	// "loopback" preset (a perfect link).
	Profile link.Profile
	// Speed is the live clock's speed factor for outside clients and live
	// sessions; 0 means 1 (real time).
	Speed float64
	// CertDir keeps the TLS certificate between runs; "" makes a new one.
	CertDir string
	// Trace configures the recorder; nil means its defaults.
	Trace *trace.Options
	// Store configures the mail store; nil means its defaults.
	Store *mailstore.Options
	// RequireAuth makes SMTP accept mail only from authenticated clients
	// and refuses plain-text logins without TLS (for labs exposed on a LAN).
	RequireAuth bool
}

// Lab is one world. All its methods are safe for concurrent use.
type Lab struct {
	Domain string
	Store  *mailstore.Store
	Link   *link.Link
	Trace  *trace.Recorder
	TLS    *tls.Config
	// KeyLog holds the servers' TLS secrets (for decrypting the trace and
	// for pcapng exports Wireshark can decrypt).
	KeyLog *trace.KeyLog

	servers map[string]server // service → its server
	inApp   map[string]string // service → link address

	mu   sync.Mutex
	tcp  []net.Listener
	eps  []Endpoint
	done bool
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

// New builds and starts a lab: store, accounts, link, recorder, and the
// three servers listening on the link.
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
	l := &Lab{Domain: o.Domain, inApp: map[string]string{}, servers: map[string]server{}}
	l.Store = mailstore.New(o.Store)
	for _, a := range o.Accounts {
		if err := l.Store.AddUser(a.Name, a.Password, a.Quota); err != nil {
			return nil, fmt.Errorf("lab: account %q: %w", a.Name, err)
		}
	}
	// The servers log their TLS 1.3 secrets here, so the trace can show
	// the lines inside TLS decrypted, as Wireshark does with SSLKEYLOGFILE.
	l.KeyLog = &trace.KeyLog{}
	topt := trace.Options{}
	if o.Trace != nil {
		topt = *o.Trace
	}
	topt.KeyLog = l.KeyLog
	l.Trace = trace.NewRecorder(&topt)
	l.Link = link.New(link.Options{
		Profile: o.Profile,
		Live:    link.NewLiveClock(link.LiveOptions{Speed: o.Speed}),
		NewTap:  l.newTap,
	})
	cert, err := Certificate(o.CertDir, []string{"localhost", "127.0.0.1", o.Domain, "*." + o.Domain})
	if err != nil {
		return nil, err
	}
	// TLS 1.2 clients still connect; their sessions show as encrypted
	// bulk, since only TLS 1.3 is decrypted in the trace.
	l.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, KeyLogWriter: l.KeyLog}

	insecure := !o.RequireAuth
	for _, s := range []struct {
		name string
		srv  server
	}{
		{SMTP, smtpd.New(smtpd.Options{Store: l.Store, Domain: o.Domain, TLSConfig: l.TLS, InsecureAuth: insecure, RequireAuth: o.RequireAuth})},
		{SMTPS, smtpd.New(smtpd.Options{Store: l.Store, Domain: o.Domain, TLSConfig: l.TLS, ImplicitTLS: true, RequireAuth: o.RequireAuth})},
		{IMAP, imapd.New(imapd.Options{Store: l.Store, TLSConfig: l.TLS, InsecureAuth: insecure, Logger: discard{}})},
		{IMAPS, imapd.New(imapd.Options{Store: l.Store, TLSConfig: l.TLS, ImplicitTLS: true, Logger: discard{}})},
		{POP3, pop3d.New(pop3d.Options{Backend: l.Store, Hostname: o.Domain, TLSConfig: l.TLS, InsecureAuth: insecure})},
		{POP3S, pop3d.New(pop3d.Options{Backend: l.Store, Hostname: o.Domain, TLSConfig: l.TLS, ImplicitTLS: true})},
	} {
		addr := fmt.Sprintf("%s.%s:%d", protocolOf(s.name), o.Domain, wellKnownPort[s.name])
		ln, err := l.Link.Listen(protocolOf(s.name), addr)
		if err != nil {
			l.Close()
			return nil, err
		}
		l.inApp[s.name] = addr
		l.servers[s.name] = s.srv
		go s.srv.Serve(ln)
	}
	return l, nil
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

// newTap opens a trace session for each new connection on the link.
func (l *Lab) newTap(ci link.ConnInfo) link.Tap {
	return l.Trace.NewSession(trace.SessionInfo{
		ID: ci.ID, Protocol: trace.ParseProtocol(ci.Protocol),
		ClientAddr: ci.ClientAddr, ServerAddr: ci.ServerAddr, ServerPort: portOf(ci.ServerAddr),
		Start: ci.Start, Wall: ci.Wall,
	})
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

// Close stops the servers and the TCP listeners and closes every
// connection.
func (l *Lab) Close() error {
	l.StopTCP()
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
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
