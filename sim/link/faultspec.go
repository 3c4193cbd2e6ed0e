package link

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A FaultSpec is one fault written as text, the same everywhere (--fault on
// the command line, the app's Faults panel, lessons, and the HTTP API):
//
//	spec     = kind [ "@" protocol ] *( "," key "=" value ) [ ",with=" rest ]
//	kind     = "reset" / "stall" / "drop" / "offline"          ; link faults
//	         / "reply" / "delay" / "disconnect" / "chaos"      ; protocol faults
//	protocol = "smtp" / "pop3" / "imap"
//	key      = 1*( "a"-"z" )
//	value    = 1*( any printable character but "," )
//	rest     = 1*( any printable character, "," included )
//
// with= takes the rest of the spec, commas included, so a reply text such
// as "-ERR [SYS/TEMP] try later, sorry" needs no quoting. Control
// characters (CR, LF, NUL …) are refused anywhere: a spec can never smuggle
// a protocol line.
//
// The link faults and their keys:
//
//	reset   after=BYTES [dir=up|down|both]    reset once BYTES of payload crossed (dir default down: the server's bytes)
//	stall   for=DUR (at=DUR | after=BYTES) [dir=…]  nothing moves for DUR, DUR into the connection or after BYTES (dir default both)
//	drop    [dir=…] [after=BYTES]             the direction stops delivering (dir default both, after default 0)
//	offline for=DUR [at=DUR]                  the whole link offline for DUR, at DUR after the start (no @protocol)
//
// A spec with @protocol applies to that protocol's connections only
// (ConnInfo.Protocol); without, to every connection.
//
// The protocol faults act on the commands a server reads (in plaintext,
// after TLS too; the lab applies them, see lab.ArmFault) and stay armed
// until disarmed:
//
//	reply      cmd=VERB [nth=N] with=LINE        answer the command (the Nth matching one of a session) with LINE instead of running it
//	delay      cmd=VERB [nth=N] for=DUR          hold the command for DUR on the link's clock, then run it
//	disconnect during=IDLE after=DUR             the server says BYE and closes DUR after IDLE began (IMAP)
//	chaos      p=P seed=S [cmd=VERB] [with=LINE] each matching command fails with probability P, reproducibly from S
//
// cmd= is a protocol verb (RETR, SELECT, RCPT …; case does not matter), or
// "greeting" for reply: the server's first line is LINE and, for a
// refusal (421, -ERR, BYE), the connection then closes. Each takes the
// scope keys session=N (one trace session) and user=NAME (an account: the
// fault applies once the session has logged in as it).
//
// Every kind works on both clocks. A fault plans on each write's
// departure, virtual time on the clock its connection runs on, so the
// same spec means the same on the virtual clock (run, scenarios) and the
// live one (serve), where a write leaves no earlier than the live now:
//
//   - reset: the bytes up to after= arrive, then both ends fail with
//     ErrReset (the trace: those bytes, the fault, an RST).
//   - stall,after=: the write that crosses after= leaves for= later;
//     what follows queues behind it.
//   - stall,at=: nothing leaves during [up+at, up+at+for) (up: when the
//     connection's line was up, ConnInfo.Up: its start, or after a dial). The first write in each
//     direction that would leave in the window waits until its end; a
//     write on its way when the window opens keeps the segments already
//     on the wire (they arrive) and the rest of it waits. The trace's
//     stall row comes before the bytes it held.
//   - drop: later bytes leave the sender but never arrive; the
//     connection stays open until someone gives up.
//   - offline: on the live clock ScheduleOffline calls Link.SetOffline at
//     start+at and back at start+at+for; on the virtual clock
//     ScheduleVirtual gives the window to Link.OfflineBetween: each open
//     connection breaks where its traffic reaches start+at (what arrived
//     before is delivered, the rest lost, the fault row "offline", an
//     RST), connections that start in the window fail with ErrOffline,
//     later ones work.
type FaultSpec struct {
	Spec     string // as written
	Kind     string
	Protocol string // "" for every connection
	// Params holds every key=value as written, with= included; the
	// protocol faults read theirs from here.
	Params map[string]string

	// The link faults' parsed values; zero when not given.
	Dir   Direction
	After int64         // bytes
	At    time.Duration // since the connection came up (offline: the link's start)
	For   time.Duration
	HasAt bool // at= was given (stall: timed, not by bytes)

	// The protocol faults' parsed values; zero when not given.
	Cmd     string  // upper case; "GREETING" for the greeting
	Nth     int     // 0: every matching command
	With    string  // the reply line ("" for chaos: the protocol's default)
	During  string  // disconnect: the state ("IDLE")
	P       float64 // chaos
	Seed    int64   // chaos
	Session uint64  // 0: every session
	User    string  // "": every session
}

// ErrFaultNotSupported is what a spec of a kind this build parses but does
// not apply yet answers (the protocol faults).
// (none today: every kind applies; the error stays for callers that check).
var ErrFaultNotSupported = errors.New("not yet supported in this build")

// faultKeys lists each kind's keys; the first group are the link faults
// this build applies.
var faultKeys = map[string][]string{
	"reset":      {"after", "dir"},
	"stall":      {"at", "after", "for", "dir"},
	"drop":       {"dir", "after"},
	"offline":    {"at", "for"},
	"reply":      {"cmd", "nth", "session", "user", "with"},
	"delay":      {"cmd", "nth", "for", "session", "user"},
	"disconnect": {"during", "after", "session", "user"},
	"chaos":      {"p", "seed", "cmd", "session", "user", "with"},
}

var faultKinds = []string{"reset", "stall", "drop", "offline", "reply", "delay", "disconnect", "chaos"}

// maxFaultSpec bounds a spec's length: a spec is typed by a person.
const maxFaultSpec = 1024

// ParseFault reads a fault spec (see FaultSpec). Its errors name the bad
// part: the kind, the protocol, or the key and its value.
func ParseFault(spec string) (FaultSpec, error) {
	fs := FaultSpec{Spec: spec, Params: map[string]string{}}
	bad := func(format string, a ...any) (FaultSpec, error) {
		return FaultSpec{}, fmt.Errorf("link: fault %q: %s", spec, fmt.Sprintf(format, a...))
	}
	if len(spec) > maxFaultSpec {
		return FaultSpec{}, fmt.Errorf("link: fault spec of %d bytes: at most %d", len(spec), maxFaultSpec)
	}
	for i, r := range spec {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return bad("control or invalid character %q at byte %d", r, i)
		}
	}
	head, rest, more := strings.Cut(spec, ",")
	if more && rest == "" {
		return bad("trailing comma")
	}
	kind, proto, hasProto := strings.Cut(head, "@")
	if kind == "" {
		return bad("no kind (want one of %s)", strings.Join(faultKinds, ", "))
	}
	keys, ok := faultKeys[kind]
	if !ok {
		return bad("unknown kind %q (want one of %s)", kind, strings.Join(faultKinds, ", "))
	}
	fs.Kind = kind
	if hasProto {
		switch proto {
		case "smtp", "pop3", "imap":
		default:
			return bad("unknown protocol %q (want smtp, pop3 or imap)", proto)
		}
		if kind == "offline" {
			return bad("offline takes the whole link: no @%s", proto)
		}
		fs.Protocol = proto
	}
	for rest != "" {
		var pair string
		if strings.HasPrefix(rest, "with=") {
			pair, rest = rest, ""
		} else {
			pair, rest, more = strings.Cut(rest, ",")
			if more && rest == "" {
				return bad("trailing comma")
			}
		}
		key, val, ok := strings.Cut(pair, "=")
		if !ok {
			return bad("%q is not key=value", pair)
		}
		if !knownKey(keys, key) {
			return bad("unknown key %q for %s (want %s)", key, kind, strings.Join(keys, ", "))
		}
		if val == "" {
			return bad("%s= needs a value", key)
		}
		if _, dup := fs.Params[key]; dup {
			return bad("%s= given twice", key)
		}
		fs.Params[key] = val
		if err := fs.set(key, val); err != nil {
			return bad("%s=%s: %v", key, val, err)
		}
	}
	if err := fs.check(); err != nil {
		return bad("%v", err)
	}
	return fs, nil
}

func knownKey(keys []string, k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// set parses one link-fault value; protocol-fault values stay in Params.
func (fs *FaultSpec) set(key, val string) error {
	switch key {
	case "dir":
		switch val {
		case "up":
			fs.Dir = Up
		case "down":
			fs.Dir = Down
		case "both":
			fs.Dir = Both
		default:
			return errors.New("want up, down or both")
		}
	case "after":
		if fs.Kind == "disconnect" {
			d, err := time.ParseDuration(val)
			if err != nil || d < 0 || d > 24*time.Hour {
				return errors.New("want a duration such as 30s, at most 24h")
			}
			fs.For = d
			return nil
		}
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n < 0 {
			return errors.New("want a byte count (0 or more)")
		}
		fs.After = n
	case "at", "for":
		d, err := time.ParseDuration(val)
		if err != nil || d < 0 {
			return errors.New("want a duration such as 2s or 500ms")
		}
		if d > 24*time.Hour {
			return errors.New("at most 24h")
		}
		if key == "at" {
			fs.At, fs.HasAt = d, true
		} else {
			fs.For = d
		}
	case "cmd":
		for _, r := range val {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return errors.New("want a command verb such as RETR, or greeting")
			}
		}
		fs.Cmd = strings.ToUpper(val)
	case "nth":
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 {
			return errors.New("want a count, 1 or more")
		}
		fs.Nth = n
	case "with":
		fs.With = val
	case "during":
		if !strings.EqualFold(val, "IDLE") {
			return errors.New("want IDLE")
		}
		fs.During = "IDLE"
	case "p":
		p, err := strconv.ParseFloat(val, 64)
		if err != nil || !(p > 0 && p <= 1) {
			return errors.New("want a probability above 0, at most 1")
		}
		fs.P = p
	case "seed":
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return errors.New("want an integer")
		}
		fs.Seed = n
	case "session":
		n, err := strconv.ParseUint(val, 10, 64)
		if err != nil || n == 0 {
			return errors.New("want a trace session number, 1 or more")
		}
		fs.Session = n
	case "user":
		fs.User = val
	}
	return nil
}

// IsProtocol reports whether the spec is a protocol fault (reply, delay,
// disconnect, chaos), which acts on commands, not on bytes.
func (fs FaultSpec) IsProtocol() bool { return fs.isProtocolFault() }

func (fs *FaultSpec) isProtocolFault() bool {
	switch fs.Kind {
	case "reset", "stall", "drop", "offline":
		return false
	}
	return true
}

// check applies each kind's defaults and required keys.
func (fs *FaultSpec) check() error {
	_, hasDir := fs.Params["dir"]
	_, hasAfter := fs.Params["after"]
	switch fs.Kind {
	case "reset":
		if !hasAfter {
			return errors.New("reset needs after=BYTES")
		}
		if !hasDir {
			fs.Dir = Down
		}
	case "stall":
		if fs.For <= 0 {
			return errors.New("stall needs for=DURATION, more than 0")
		}
		if fs.HasAt == hasAfter {
			return errors.New("stall needs one of at=DURATION or after=BYTES")
		}
		if !hasDir {
			fs.Dir = Both
		}
	case "drop":
		if !hasDir {
			fs.Dir = Both
		}
	case "offline":
		if fs.For <= 0 {
			return errors.New("offline needs for=DURATION, more than 0")
		}
	case "reply":
		if fs.Protocol == "" {
			return errors.New("reply needs @smtp, @pop3 or @imap: its line is the protocol's")
		}
		if fs.Cmd == "" || fs.With == "" {
			return errors.New("reply needs cmd=VERB and with=LINE")
		}
		if fs.Cmd == "GREETING" && fs.Nth > 1 {
			return errors.New("a connection has one greeting: no nth=")
		}
	case "delay":
		if fs.Cmd == "" || fs.For <= 0 {
			return errors.New("delay needs cmd=VERB and for=DURATION, more than 0")
		}
		if fs.Cmd == "GREETING" {
			return errors.New("delay acts on commands, not the greeting")
		}
	case "disconnect":
		if fs.During == "" {
			return errors.New("disconnect needs during=IDLE")
		}
		if fs.Protocol != "" && fs.Protocol != "imap" {
			return errors.New("disconnect during=IDLE is IMAP's (@imap)")
		}
		fs.Protocol = "imap"
	case "chaos":
		if fs.P == 0 {
			return errors.New("chaos needs p=PROBABILITY")
		}
		if _, ok := fs.Params["seed"]; !ok {
			return errors.New("chaos needs seed=N, so that a run can be played again")
		}
		if fs.With != "" && fs.Protocol == "" {
			return errors.New("chaos with=LINE needs @smtp, @pop3 or @imap: its line is the protocol's")
		}
		if fs.Cmd == "GREETING" {
			return errors.New("chaos acts on commands, not the greeting")
		}
	}
	return nil
}

// Supported reports whether this build can apply the spec: every kind
// parses and applies (the protocol faults through a lab, lab.ArmFault).
func (fs FaultSpec) Supported() error { return nil }

// Matches reports whether the spec applies to a connection.
func (fs FaultSpec) Matches(ci ConnInfo) bool {
	return fs.Kind != "offline" && !fs.isProtocolFault() && (fs.Protocol == "" || fs.Protocol == ci.Protocol)
}

// Fault builds the fault for one new connection: each connection gets its
// own (a fault keeps state). A timed stall (at=) counts from ci.Up, when
// the connection's line was up (after a dial), and reads each write's
// departure on whichever clock the connection runs.
// Offline and the protocol faults have no per-connection fault.
func (fs FaultSpec) Fault(ci ConnInfo) (Fault, error) {
	switch fs.Kind {
	case "reset":
		return ResetAfter{Dir: fs.Dir, Bytes: fs.After}, nil
	case "drop":
		return Drop{Dir: fs.Dir, After: fs.After}, nil
	case "stall":
		if !fs.HasAt {
			return Stall{Dir: fs.Dir, After: fs.After, For: fs.For}, nil
		}
		return &timedStall{dir: fs.Dir, at: fs.At, from: ci.Up + fs.At, until: ci.Up + fs.At + fs.For}, nil
	}
	return nil, fmt.Errorf("link: fault %q: %s is not a per-connection fault", fs.Spec, fs.Kind)
}

// ScheduleVirtual plays an offline spec on the virtual clock: the link is
// offline during [start+At, start+At+For) of virtual time (see
// Link.OfflineBetween). It does nothing for other kinds.
func (fs FaultSpec) ScheduleVirtual(l *Link, start time.Duration) {
	if fs.Kind == "offline" {
		l.OfflineBetween(start+fs.At, start+fs.At+fs.For)
	}
}

// ScheduleOffline plays an offline spec on a live clock: the link goes
// offline at At after start (virtual time on clock) and back online For
// later. Going offline resets every open connection, which the trace marks
// as a fault. stop cancels what has not happened yet and waits.
func (fs FaultSpec) ScheduleOffline(l *Link, clock *LiveClock, start time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		if !clock.Sleep(start+fs.At, done) {
			return
		}
		l.SetOffline(true)
		if clock.Sleep(start+fs.At+fs.For, done) {
			l.SetOffline(false)
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
