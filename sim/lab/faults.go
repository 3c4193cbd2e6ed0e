package lab

import (
	"fmt"
	"math/rand"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim/imapd"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/smtpd"
)

// An ArmedFault is one fault armed on the lab (ArmFault, Arm).
type ArmedFault struct {
	ID      int
	Spec    link.FaultSpec
	ArmedAt time.Time // wall clock
	// Fired is how many times it acted: a link fault fires once, on the
	// connection it was armed for (and is then gone); a protocol fault
	// once for each command it answered, held or disconnected.
	Fired int
}

// armedLink is a link fault waiting for its connection.
type armedLink struct {
	id   int
	spec link.FaultSpec
	at   time.Time
}

// protoFault is an armed protocol fault and its state.
type protoFault struct {
	id    int
	spec  link.FaultSpec
	at    time.Time
	fired int
	seen  map[uint64]int // trace session → matching commands so far (nth=)
	rng   *rand.Rand     // chaos: one draw per matching command, from the seed
}

// ArmFault arms a fault (Arm, without its record).
func (l *Lab) ArmFault(fs link.FaultSpec) error {
	_, err := l.Arm(fs)
	return err
}

// Arm arms a fault.
//
// A link fault is for the next connection of the lab's link that the spec
// matches (its @protocol, or any without one): that one connection gets
// the fault, later ones do not. Faults armed earlier are consumed first.
// Offline specs are refused: an offline window belongs to the link
// (FaultSpec.ScheduleVirtual), not to one connection.
//
// A protocol fault (reply, delay, disconnect, chaos) stays armed until
// Disarm or ClearFaults, and acts on every command the servers read (in
// plaintext, after TLS too) that it matches: its @protocol, cmd=, and its
// scope, session= (a trace session) and user= (once the session has
// logged in as that account). A command answered by a fault never
// reaches the server's handler, so the store does not change. Each time
// it acts the trace gets a fault row on that session, its text the spec,
// a colon, and what it did (see faultDetail). The verbs that can be
// faulted are each server's (FaultVerbs); the others are refused here.
func (l *Lab) Arm(fs link.FaultSpec) (ArmedFault, error) {
	if err := fs.Supported(); err != nil {
		return ArmedFault{}, err
	}
	now := time.Now()
	if fs.IsProtocol() {
		if err := checkProtocolFault(fs); err != nil {
			return ArmedFault{}, err
		}
		l.faultMu.Lock()
		l.faultID++
		pf := &protoFault{id: l.faultID, spec: fs, at: now, seen: map[uint64]int{}}
		if fs.Kind == "chaos" {
			pf.rng = rand.New(rand.NewSource(fs.Seed))
		}
		l.proto = append(l.proto, pf)
		l.faultMu.Unlock()
		l.faultsChanged()
		return ArmedFault{ID: pf.id, Spec: fs, ArmedAt: now}, nil
	}
	if !fs.Matches(link.ConnInfo{Protocol: fs.Protocol}) {
		return ArmedFault{}, fmt.Errorf("lab: fault %q: %s is not a per-connection fault", fs.Spec, fs.Kind)
	}
	l.faultMu.Lock()
	l.faultID++
	a := armedLink{id: l.faultID, spec: fs, at: now}
	l.armed = append(l.armed, a)
	l.faultMu.Unlock()
	l.faultsChanged()
	return ArmedFault{ID: a.id, Spec: fs, ArmedAt: now}, nil
}

// pop3Verbs are the commands pop3d reads.
var pop3Verbs = []string{"GREETING", "USER", "PASS", "APOP", "AUTH", "STLS", "CAPA", "QUIT", "NOOP", "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "RSET"}

// faultVerbs is what each protocol's server lets a fault intercept.
func faultVerbs(proto string) []string {
	switch proto {
	case SMTP:
		return smtpd.FaultVerbs
	case POP3:
		return pop3Verbs
	case IMAP:
		return imapd.FaultVerbs
	}
	return append(append(slices.Clone(smtpd.FaultVerbs), pop3Verbs...), imapd.FaultVerbs...)
}

// checkProtocolFault refuses what the servers cannot do: a verb they do
// not hand over, or a reply line the protocol cannot carry there.
func checkProtocolFault(fs link.FaultSpec) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("lab: fault %q: %s", fs.Spec, fmt.Sprintf(format, a...))
	}
	if fs.Cmd != "" && !slices.Contains(faultVerbs(fs.Protocol), fs.Cmd) {
		who := map[string]string{SMTP: "go-smtp answers the others itself", POP3: "", IMAP: "imapserver answers the others itself"}[fs.Protocol]
		if who != "" {
			who = " (" + who + ")"
		}
		return bad("cmd=%s cannot be faulted%s; want one of %s", fs.Cmd, who, strings.Join(faultVerbs(fs.Protocol), ", "))
	}
	if fs.With == "" {
		return nil
	}
	greeting := fs.Cmd == "GREETING"
	switch fs.Protocol {
	case SMTP:
		e := smtpd.SMTPError(fs.With)
		if !strings.HasPrefix(fs.With, fmt.Sprint(e.Code)+" ") {
			return bad("with= must be an SMTP reply: a code such as 451, then text")
		}
		if greeting && e.Code < 400 {
			return bad("a greeting fault refuses the connection: want a 4xx or 5xx reply such as 421 or 554")
		}
	case POP3:
		if !strings.HasPrefix(fs.With, "+OK") && !strings.HasPrefix(fs.With, "-ERR") {
			return bad("with= must be a POP3 reply: +OK or -ERR, then text")
		}
	case IMAP:
		w := strings.ToUpper(fs.With)
		if greeting {
			if !strings.HasPrefix(w, "BYE") && !strings.HasPrefix(w, "* BYE") {
				return bad("an IMAP greeting fault refuses the connection: want BYE text")
			}
		} else if !strings.HasPrefix(w, "NO") && !strings.HasPrefix(w, "BAD") {
			return bad("with= must be an IMAP status response sent with the command's tag: NO or BAD, then text")
		}
	}
	return nil
}

// chaosReply is chaos's line where the spec gives none.
var chaosReply = map[string]string{
	SMTP: "451 4.3.0 Mailscope chaos: try again later",
	POP3: "-ERR [SYS/TEMP] Mailscope chaos: try again later",
	IMAP: "NO [UNAVAILABLE] Mailscope chaos: try again later",
}

// ArmedFaults is how many armed link faults wait for their connection
// (protocol faults stay armed and are not counted).
func (l *Lab) ArmedFaults() int {
	l.faultMu.Lock()
	defer l.faultMu.Unlock()
	return len(l.armed)
}

// faultsFor is the link's per-connection hook: the Options' faults, then
// the first armed spec this connection matches (consumed).
func (l *Lab) faultsFor(opt func(link.ConnInfo) []link.Fault) func(link.ConnInfo) []link.Fault {
	return func(ci link.ConnInfo) []link.Fault {
		var out []link.Fault
		if opt != nil {
			out = opt(ci)
		}
		l.faultMu.Lock()
		consumed := false
		for i, a := range l.armed {
			if !a.spec.Matches(ci) {
				continue
			}
			if f, err := a.spec.Fault(ci); err == nil {
				out = append(out, f)
			}
			l.armed = append(l.armed[:i:i], l.armed[i+1:]...)
			consumed = true
			break
		}
		l.faultMu.Unlock()
		if consumed {
			l.faultsChanged()
		}
		return out
	}
}

// ArmedFaultSpecs are the armed faults: the link faults still waiting for
// their connection, oldest first, then the protocol faults.
func (l *Lab) ArmedFaultSpecs() []link.FaultSpec {
	var out []link.FaultSpec
	for _, a := range l.Faults() {
		out = append(out, a.Spec)
	}
	return out
}

// Faults lists the armed faults, link faults still waiting first, then
// the protocol faults, each in the order armed.
func (l *Lab) Faults() []ArmedFault {
	l.faultMu.Lock()
	defer l.faultMu.Unlock()
	var out []ArmedFault
	for _, a := range l.armed {
		out = append(out, ArmedFault{ID: a.id, Spec: a.spec, ArmedAt: a.at})
	}
	for _, p := range l.proto {
		out = append(out, ArmedFault{ID: p.id, Spec: p.spec, ArmedAt: p.at, Fired: p.fired})
	}
	return out
}

// Disarm removes one armed fault by its ID.
func (l *Lab) Disarm(id int) error {
	l.faultMu.Lock()
	found := false
	for i, a := range l.armed {
		if a.id == id {
			l.armed = append(l.armed[:i:i], l.armed[i+1:]...)
			found = true
			break
		}
	}
	for i, p := range l.proto {
		if !found && p.id == id {
			l.proto = append(l.proto[:i:i], l.proto[i+1:]...)
			found = true
			break
		}
	}
	l.faultMu.Unlock()
	if !found {
		return fmt.Errorf("lab: no armed fault %d", id)
	}
	l.faultsChanged()
	return nil
}

// ClearFaults disarms every armed fault: the link faults that have not
// struck yet and the protocol faults.
func (l *Lab) ClearFaults() {
	l.faultMu.Lock()
	l.armed, l.proto = nil, nil
	l.faultMu.Unlock()
	l.faultsChanged()
}

// OnFaultsChanged sets a function called (outside any lock, from the
// goroutine that changed them) whenever the armed faults change: armed,
// disarmed, consumed or fired. The app's Faults panel listens with it.
func (l *Lab) OnFaultsChanged(f func()) {
	l.faultMu.Lock()
	l.faultHook = f
	l.faultMu.Unlock()
}

func (l *Lab) faultsChanged() {
	l.faultMu.Lock()
	f := l.faultHook
	l.faultMu.Unlock()
	if f != nil {
		f()
	}
}

// linkConnOf finds the link connection under c (a TLS conn, a server's
// wrapper).
func linkConnOf(c net.Conn) *link.Conn {
	for c != nil {
		switch x := c.(type) {
		case *link.Conn:
			return x
		case interface{ NetConn() net.Conn }:
			c = x.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// scoped reports whether a protocol fault applies to this session and
// user.
func (p *protoFault) scoped(proto string, sid uint64, user string) bool {
	fs := p.spec
	return (fs.Protocol == "" || fs.Protocol == proto) &&
		(fs.Session == 0 || fs.Session == sid) &&
		(fs.User == "" || strings.EqualFold(fs.User, user))
}

// faultDetail is a fault row's text: the spec, then what it did.
func faultDetail(fs link.FaultSpec, did string) string { return fs.Spec + ": " + did }

// intercept is the servers' Intercept hook for one protocol: it applies
// the first armed protocol fault that fires on this command.
func (l *Lab) intercept(proto string) func(c net.Conn, user, verb string) (string, bool) {
	return func(c net.Conn, user, verb string) (string, bool) {
		lc := linkConnOf(c)
		var sid uint64
		if lc != nil {
			sid = lc.Info().ID
		}
		l.faultMu.Lock()
		var hit *protoFault
		for _, p := range l.proto {
			fs := p.spec
			if fs.Kind == "disconnect" || !p.scoped(proto, sid, user) {
				continue
			}
			if fs.Cmd != "" && fs.Cmd != verb || fs.Cmd == "" && verb == "GREETING" {
				continue
			}
			if fs.Cmd == "" && !slices.Contains(faultVerbs(proto), verb) {
				continue
			}
			p.seen[sid]++
			if fs.Nth > 0 && p.seen[sid] != fs.Nth {
				continue
			}
			if p.rng != nil && p.rng.Float64() >= fs.P {
				continue
			}
			p.fired++
			hit = p
			break
		}
		l.faultMu.Unlock()
		if hit == nil {
			return "", false
		}
		defer l.faultsChanged()
		fs := hit.spec
		if fs.Kind == "delay" {
			if lc != nil {
				lc.MarkFault(faultDetail(fs, fmt.Sprintf("held %s for %v", verb, fs.For)))
				lc.Hold(fs.For, lc.PeerClosed())
			}
			return "", false
		}
		with := fs.With
		if with == "" {
			with = chaosReply[proto]
		}
		did := fmt.Sprintf("answered %s with %q instead of running it", verb, with)
		if verb == "GREETING" {
			did = fmt.Sprintf("greeted with %q and closed the connection", with)
			if strings.HasPrefix(with, "+OK") {
				did = fmt.Sprintf("greeted with %q", with)
			}
		}
		if lc != nil {
			lc.MarkFault(faultDetail(fs, did))
		}
		return with, true
	}
}

// idleBye is what a disconnect fault says before it closes: an
// inactivity timeout's words, as servers send them.
const idleBye = "Disconnected for inactivity"

// idleIntercept is imapd's IdleIntercept: a disconnect fault waits its
// after= from the start of the IDLE, on the link's clock, then the
// server says BYE and closes.
func (l *Lab) idleIntercept(c net.Conn, user string, stop <-chan struct{}) (string, bool) {
	lc := linkConnOf(c)
	if lc == nil {
		return "", false
	}
	sid := lc.Info().ID
	l.faultMu.Lock()
	var hit *protoFault
	for _, p := range l.proto {
		if p.spec.Kind == "disconnect" && p.scoped(IMAP, sid, user) {
			hit = p
			break
		}
	}
	l.faultMu.Unlock()
	if hit == nil || !lc.Hold(hit.spec.For, stop) {
		return "", false
	}
	select {
	case <-stop:
		return "", false
	default:
	}
	l.faultMu.Lock()
	hit.fired++
	l.faultMu.Unlock()
	lc.MarkFault(faultDetail(hit.spec, fmt.Sprintf("IDLE for %v: sent \"* BYE %s\" and closed the connection", hit.spec.For, idleBye)))
	l.faultsChanged()
	return idleBye, true
}
