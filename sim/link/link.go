package link

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Link is one simulated network: a current Profile shared by every
// connection it makes, the in-memory listeners, and the open connections.
// A Link is safe for concurrent use.
type Link struct {
	profile     atomic.Pointer[Profile]
	live        *LiveClock
	newTap      func(ConnInfo) Tap
	faultsFor   func(ConnInfo) []Fault
	bufferLimit int

	nextID atomic.Uint64

	mu        sync.Mutex
	conns     map[uint64]*pair
	listeners map[string]*Listener
	next      []Fault  // faults for the next connection
	offline   []window // offline on the virtual clock (OfflineBetween), by start

	call callLine // dial-up, once EnableCalls (call.go)
}

// Options configures a Link.
type Options struct {
	// Profile is the initial profile; the zero Profile is a perfect link.
	Profile Profile
	// Live, if set, is the live clock for connections made with
	// PipeOptions.Live and for wrapped TCP conns. Nil means the link makes
	// its own real-time clock the first time one is needed.
	Live *LiveClock
	// NewTap, if set, is called for each new connection and returns the
	// Tap that observes it (nil for none).
	NewTap func(ConnInfo) Tap
	// Faults, if set, is called for each new connection and returns the
	// faults it carries (`--fault` specs matched to its protocol), added
	// to it before any byte moves.
	Faults func(ConnInfo) []Fault
	// BufferLimit is the unread bytes a direction holds before writes
	// block; zero means 16 MiB.
	BufferLimit int
}

// New makes a Link.
func New(o Options) *Link {
	l := &Link{
		live:        o.Live,
		newTap:      o.NewTap,
		faultsFor:   o.Faults,
		bufferLimit: o.BufferLimit,
		conns:       map[uint64]*pair{},
		listeners:   map[string]*Listener{},
	}
	if l.bufferLimit <= 0 {
		l.bufferLimit = 16 << 20
	}
	p := o.Profile
	l.profile.Store(&p)
	return l
}

// Profile is the current profile.
func (l *Link) Profile() Profile { return *l.profile.Load() }

// SetProfile changes the profile. Writes already in flight keep the
// figures they left with; later writes use the new ones. Going offline
// resets every open connection. Either, or a profile that is not the line
// a call dialled, ends the call (see EnableCalls).
func (l *Link) SetProfile(p Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	old := l.profile.Swap(&p)
	l.callEnds(p)
	if p.Offline && !old.Offline {
		l.resetAll(ErrOffline, "offline")
	}
	return nil
}

// LiveClock returns the link's live clock, making a real-time one if there
// is none yet.
func (l *Link) LiveClock() *LiveClock {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live == nil {
		l.live = NewLiveClock(LiveOptions{})
	}
	return l.live
}

// InjectNext adds a fault to the next connection the link makes.
func (l *Link) InjectNext(f Fault) {
	l.mu.Lock()
	l.next = append(l.next, f)
	l.mu.Unlock()
}

// PipeOptions describes a new connection.
type PipeOptions struct {
	Protocol   string
	ClientAddr string
	ServerAddr string
	// Start is the virtual time the client begins to connect. On a live
	// pair the live clock's now is used if it is later.
	Start time.Duration
	// Live paces the pair against the link's live clock.
	Live bool
}

// Pipe makes a connected pair. The client's clock starts after the
// handshake, the server's half a round trip later; on a line that dials
// (EnableCalls), after the dial too. It fails with ErrOffline when the
// link is offline.
func (l *Link) Pipe(o PipeOptions) (client, server *Conn, err error) {
	prof := l.Profile()
	if prof.Offline {
		return nil, nil, fmt.Errorf("link: dial %s: %w", o.ServerAddr, ErrOffline)
	}
	brk := noBreak
	if !o.Live {
		l.offlineEndsCall(o.Start) // a virtual call up across a window ended in it
		var off bool
		if brk, off = l.offlineAt(o.Start); off {
			return nil, nil, fmt.Errorf("link: dial %s: %w", o.ServerAddr, ErrOffline)
		}
	}
	id := l.nextID.Add(1)
	pr := &pair{link: l, brk: brk}
	if o.Live {
		pr.live = l.LiveClock()
		if now := pr.live.Now(); now > o.Start {
			o.Start = now
		}
	}
	if o.ClientAddr == "" {
		o.ClientAddr = fmt.Sprintf("client-%d", id)
	}
	pr.info = ConnInfo{
		ID: id, Protocol: o.Protocol, ClientAddr: o.ClientAddr, ServerAddr: o.ServerAddr,
		Start: o.Start, Wall: time.Now(),
	}
	pr.up = newPipe(Up, prof.Seed, id)
	pr.down = newPipe(Down, prof.Seed, id)
	// The handshake starts when the line is up: after dialling, or at once.
	call, start, dialled, callChanged := l.join(prof, o.Start, pr.live)
	pr.call, pr.upAt, pr.info.Up = call, start, start
	setup := prof.Setup()
	accept := setup
	if setup > 0 {
		accept += prof.Latency
	}
	pr.client = &Conn{p: pr, isClient: true, rd: pr.down, wr: pr.up, clock: start + setup, wrote: true, done: make(chan struct{})}
	pr.server = &Conn{p: pr, rd: pr.up, wr: pr.down, clock: start + accept, wrote: true, done: make(chan struct{})}

	// The tap and its first marks come before the pair is published:
	// a reset (hang-up, offline) finds the pair only with its tap, so
	// the trace shows the reset after the connection, never before it.
	if l.newTap != nil {
		if t := l.newTap(pr.info); t != nil {
			pr.tap = &orderTap{tap: t}
			pr.up.tap, pr.down.tap = pr.tap, pr.tap
		}
	}
	if pr.tap != nil {
		wall := pr.info.Wall
		if dialled {
			pr.tap.Mark(MarkDial, dialDetail(prof), true, o.Start, wall)
			if pr.live != nil {
				if w := pr.live.WallAt(start); w.After(wall) {
					wall = w // the line comes up later, in real time too
				}
			}
		}
		pr.tap.Mark(MarkConnect, fmt.Sprintf("%s → %s", o.ClientAddr, o.ServerAddr), true, start, wall)
	}
	if l.faultsFor != nil {
		for _, f := range l.faultsFor(pr.info) {
			pr.faults.add(f)
		}
	}
	l.mu.Lock()
	for _, f := range l.next {
		pr.faults.add(f)
	}
	l.next = nil
	l.conns[id] = pr
	l.mu.Unlock()
	// A hang-up or the link going offline between join and now did not
	// see this pair: it must not outlive them.
	switch {
	case l.Profile().Offline:
		pr.reset(ErrOffline, "offline")
	case call != 0 && !l.onCall(call):
		pr.reset(ErrReset, "hangup")
	}
	if callChanged {
		l.notifyCall()
	}
	return pr.client, pr.server, nil
}

func (l *Link) forget(p *pair) {
	l.mu.Lock()
	delete(l.conns, p.info.ID)
	l.mu.Unlock()
	if p.call != 0 {
		l.leave(p)
	}
}

// Open returns the counters of every connection not yet closed at both
// ends, oldest first.
func (l *Link) Open() []Stats {
	l.mu.Lock()
	ps := make([]*pair, 0, len(l.conns))
	for _, p := range l.conns {
		ps = append(ps, p)
	}
	l.mu.Unlock()
	sort.Slice(ps, func(i, j int) bool { return ps[i].info.ID < ps[j].info.ID })
	out := make([]Stats, len(ps))
	for i, p := range ps {
		out[i] = p.statsNow()
	}
	return out
}

func (l *Link) resetAll(err error, why string) {
	l.mu.Lock()
	ps := make([]*pair, 0, len(l.conns))
	for _, p := range l.conns {
		ps = append(ps, p)
	}
	l.mu.Unlock()
	for _, p := range ps {
		p.reset(err, why)
	}
}

// window is a span of virtual time [from, until).
type window struct{ from, until time.Duration }

// OfflineBetween takes the link offline on the virtual clock from virtual
// time from until until, for connections that do not run on the live
// clock (use SetOffline, or FaultSpec.ScheduleOffline, on the live one).
// Nothing happens at a moment on the virtual clock: each connection open
// at from breaks when its traffic reaches from, that is when a write
// leaves, a byte or a FIN arrives, or an end that waits, writes or closes
// is at from or later. It then behaves as when SetOffline resets it:
// bytes that arrive before from are delivered, the rest are lost, reads
// and writes fail with ErrOffline, and the tap hears of the fault
// "offline" at from (for a connection whose line was still dialling,
// when it came up). A connection that never gets that far is not
// touched. A connection that starts in the window fails with ErrOffline,
// one that starts at until or later works, and a dial-up call up at from
// ends then (EndOffline).
func (l *Link) OfflineBetween(from, until time.Duration) {
	if until <= from {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.offline = append(l.offline, window{from, until})
	sort.Slice(l.offline, func(i, j int) bool { return l.offline[i].from < l.offline[j].from })
}

// offlineAt reports whether virtual time t is in an offline window and,
// if not, when the next one begins (noBreak for none).
func (l *Link) offlineAt(t time.Duration) (next time.Duration, off bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	next = noBreak
	for _, w := range l.offline {
		if t >= w.from && t < w.until {
			return 0, true
		}
		if w.from > t && w.from < next {
			next = w.from
		}
	}
	return next, false
}

// offlineEndsCall ends a virtual dial-up call that was up when an offline
// window began at or before t, at the window's start.
func (l *Link) offlineEndsCall(t time.Duration) {
	l.mu.Lock()
	ws := append([]window(nil), l.offline...)
	l.mu.Unlock()
	if len(ws) == 0 {
		return
	}
	c := &l.call
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.up || c.clock != nil {
		return
	}
	for _, w := range ws {
		if w.from > c.dialAt && w.from <= t {
			c.endLocked(w.from, EndOffline)
			return
		}
	}
}

// orderTap passes a connection's events to its Tap and puts each close no
// earlier in virtual time than anything the tap heard before it: an end
// that closes at its clock may have written bytes that leave later (they
// queue behind the ones before them), and the trace lists events in the
// order they happened.
type orderTap struct {
	mu   sync.Mutex
	tap  Tap
	last time.Duration
}

func (o *orderTap) Transfer(fromClient bool, p []byte, depart, arrive time.Duration, wire int, wall time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.last = max(o.last, depart)
	o.tap.Transfer(fromClient, p, depart, arrive, wire, wall)
}

func (o *orderTap) Mark(kind, detail string, fromClient bool, at time.Duration, wall time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if kind == MarkClose {
		at = max(at, o.last)
	}
	o.last = max(o.last, at)
	o.tap.Mark(kind, detail, fromClient, at, wall)
}
