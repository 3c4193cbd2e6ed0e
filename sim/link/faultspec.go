package link

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A FaultSpec is one fault written as text, the same everywhere (--fault on
// the command line, and later the app's Faults panel, the HTTP API and
// lessons):
//
//	spec     = kind [ "@" protocol ] *( "," key "=" value ) [ ",with=" rest ]
//	kind     = "reset" / "stall" / "drop" / "offline"          ; link faults
//	         / "reply" / "delay" / "disconnect" / "chaos"      ; protocol faults (later)
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
}

// ErrFaultNotSupported is what a spec of a kind this build parses but does
// not apply yet answers (the protocol faults).
var ErrFaultNotSupported = errors.New("not yet supported in this build")

// faultKeys lists each kind's keys; the first group are the link faults
// this build applies.
var faultKeys = map[string][]string{
	"reset":      {"after", "dir"},
	"stall":      {"at", "after", "for", "dir"},
	"drop":       {"dir", "after"},
	"offline":    {"at", "for"},
	"reply":      {"cmd", "nth", "with"},
	"delay":      {"cmd", "nth", "for"},
	"disconnect": {"cmd", "nth", "during"},
	"chaos":      {"p", "seed", "with"},
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
	}
	return nil
}

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
	}
	return nil
}

// Supported reports whether this build can apply the spec: the protocol
// faults answer ErrFaultNotSupported.
func (fs FaultSpec) Supported() error {
	if fs.isProtocolFault() {
		return fmt.Errorf("link: fault %q: %s: %w", fs.Spec, fs.Kind, ErrFaultNotSupported)
	}
	return nil
}

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
	if err := fs.Supported(); err != nil {
		return nil, err
	}
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
