package link

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// DefaultIdleHangup is how long a line with no open connection stays up
// before it hangs up by itself, for callers that want the usual figure
// (a dial-up client's "disconnect when idle for 2 minutes").
const DefaultIdleHangup = 2 * time.Minute

// Why a call ended (CallState.Ended).
const (
	EndHangup  = "hangup"  // Hangup or HangupAt
	EndIdle    = "idle"    // no connection open for CallOptions.IdleHangup
	EndOffline = "offline" // the link went offline
	EndProfile = "profile" // another profile was chosen
)

// CallOptions turns on dial-on-demand (EnableCalls).
type CallOptions struct {
	// IdleHangup hangs the line up after this long with no connection
	// open, measured on the link's clock (see EnableCalls); 0 means never:
	// the line stays up until Hangup, going offline or another profile.
	IdleHangup time.Duration
	// Notify, if set, is called when the line changes by itself: a
	// connection dialled, a live call connected, the last connection of
	// a call closed or a new one opened on an idle line, the line hung up
	// when idle. Changes made through the Link's methods (Hangup,
	// SetIdleHangup, SetOffline, SetProfile) are not reported: their
	// caller knows. Notify is called without the link's locks, one call
	// at a time, from the goroutine that made the change; it must be
	// quick and must not change the link.
	Notify func(CallState)
}

// CallState is the line's meter: the call now up (if any) and the calls
// made so far. Times are link (virtual) times.
type CallState struct {
	// Enabled is true once EnableCalls was called; Metered when the
	// current profile is one that dials.
	Enabled bool `json:"enabled"`
	Metered bool `json:"metered"`
	// Up is true from the moment a call starts dialling until it ends;
	// Dialling while it has not connected yet (At < Connected).
	Up       bool `json:"up"`
	Dialling bool `json:"dialling"`
	// Live is true when the call runs on the live clock.
	Live bool `json:"live"`
	// At is the link time this reading was taken: the live clock's now
	// for a live call, else the latest clock of the call's connections.
	At time.Duration `json:"at"`
	// DialStart and Connected are when the current (or last) call began
	// dialling and connected (DialStart + the profile's DialTime).
	DialStart time.Duration `json:"dialStart"`
	Connected time.Duration `json:"connected"`
	// Online is the current call's time connected so far, Cost its price
	// so far on Tariff (while dialling: nothing yet).
	Online time.Duration `json:"online"`
	Cost   float64       `json:"cost"`
	// Calls counts the calls made, the current one included; the totals
	// add up every call, the current one so far.
	Calls       int           `json:"calls"`
	TotalDial   time.Duration `json:"totalDial"`
	TotalOnline time.Duration `json:"totalOnline"`
	TotalCost   float64       `json:"totalCost"`
	// Tariff and DialTime are the current (or last) call's, or the
	// current profile's before any call.
	Tariff   Tariff        `json:"tariff"`
	DialTime time.Duration `json:"dialTime"`
	// Open counts the current call's open connections.
	Open int `json:"open"`
	// IdleHangup is the idle time after which the line hangs up (0:
	// never); HangupAt, when the line is up with nothing open, is when it
	// will, if no connection comes first (0: not due).
	IdleHangup time.Duration `json:"idleHangup"`
	HangupAt   time.Duration `json:"hangupAt"`
	// Ended says why the last call ended ("" while none has).
	Ended string `json:"ended,omitempty"`
}

// callLine is a Link's dial-up line.
type callLine struct {
	notifyMu sync.Mutex // one Notify at a time, each with the latest state

	mu      sync.Mutex
	enabled bool
	idle    time.Duration
	notify  func(CallState)

	gen       uint64 // the current or last call; pairs remember theirs
	up        bool
	clock     *LiveClock // non-nil: the call runs on the live clock
	prof      Profile    // the profile the call dialled
	dialAt    time.Duration
	upAt      time.Duration
	open      int
	idleSince time.Duration // when open last fell to 0
	seen      time.Duration // the latest link time the line has heard of
	stopIdle  chan struct{} // cancels the live idle watcher
	quit      chan struct{} // closed by DisableCalls: every watcher stops

	calls  int
	dialed time.Duration // dialling time of every call
	online time.Duration // finished calls
	cost   float64       // finished calls
	ended  string
}

// EnableCalls makes the link a dial-up line whenever its profile is
// Metered: the first connection dials, and the dial time passes on the
// link's clock before its handshake. On the virtual clock the client's
// and the server's clocks start DialTime later; on the live clock the
// connection really waits DialTime at the clock's speed (its first bytes
// arrive that much later; deadlines set meanwhile count from when the
// line is up). The dialling connection's tap sees a "dial" mark at the
// moment dialling began, then its "connect" mark when the line is up.
//
// While the call is up, further connections use it and do not dial;
// one that starts while the line is still dialling waits for it. The
// call is online from the moment it connects and costs Tariff.Cost of
// that time when it ends. It ends
//   - on Hangup or HangupAt, which reset the call's open connections
//     (as going offline does);
//   - after o.IdleHangup with no connection open, on the link's clock: a
//     live call hangs up when the time comes; a virtual one, whose clock
//     only moves with its connections, when the next connection starts
//     after that time (it then dials again) or at HangupAt;
//   - when the link goes offline (open connections reset, as always);
//   - when another profile is chosen (a different preset, or a profile
//     that does not dial): open connections carry on over the new
//     profile, and the next connection dials if it is metered.
//
// A link does not dial until EnableCalls: a caller that bills its own
// calls (the scenario runner) leaves it off. Calling it again changes the
// options.
func (l *Link) EnableCalls(o CallOptions) {
	c := &l.call
	c.mu.Lock()
	c.enabled = true
	c.notify = o.Notify
	if c.quit == nil {
		c.quit = make(chan struct{})
	}
	c.mu.Unlock()
	l.SetIdleHangup(o.IdleHangup)
}

// DisableCalls ends dial-up on the link: a call that is up hangs up
// (resetting what is open, as Hangup does), its watchers stop and Notify
// is called no more. A lab calls it when it closes.
func (l *Link) DisableCalls() {
	l.Hangup()
	c := &l.call
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enabled, c.notify = false, nil
	c.stopIdleLocked()
	if c.quit != nil {
		close(c.quit)
		c.quit = nil
	}
}

// SetIdleHangup changes the idle time after which the line hangs up by
// itself (0: never). The limit counts from when the line went idle: a
// live call idle for longer already hangs up at once, billed until the
// limit; a virtual one, at its next connection (see EnableCalls).
func (l *Link) SetIdleHangup(d time.Duration) {
	if d < 0 {
		d = 0
	}
	c := &l.call
	c.mu.Lock()
	defer c.mu.Unlock()
	c.idle = d
	c.stopIdleLocked()
	if !c.up || c.open > 0 || d == 0 {
		return
	}
	now := c.seen
	if c.clock != nil {
		now = c.clock.Now()
	}
	if !c.settleLocked(now) && c.clock != nil {
		l.watchIdleLocked()
	}
}

// Hangup ends the call now (on the call's clock, see CallState.At) and
// resets its open connections, as going offline does. Without a call up
// it does nothing.
func (l *Link) Hangup() { l.HangupAt(l.callNow()) }

// HangupAt ends the call at link time t, for callers on the virtual
// clock that know when their user hung up; see Hangup. A call hung up
// before it connected costs nothing. If the line went idle and its idle
// limit passed before t, it had already hung up then.
func (l *Link) HangupAt(t time.Duration) {
	c := &l.call
	c.mu.Lock()
	if !c.up || c.settleLocked(t) {
		c.mu.Unlock()
		return
	}
	gen := c.gen
	c.endLocked(t, EndHangup)
	c.mu.Unlock()
	l.resetCall(gen, EndHangup)
}

// HangupIdle ends the call, but only if no connection is open on it, and
// reports whether it did: a user who hangs up once their own work is
// done, without cutting off anyone else's. The call is billed until the
// line went idle (its last connection closed), not until the caller got
// round to it.
func (l *Link) HangupIdle() bool {
	now := l.callNow()
	c := &l.call
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.up || c.open > 0 || c.settleLocked(now) {
		return false
	}
	c.endLocked(max(c.idleSince, c.upAt), EndHangup)
	return true
}

// CallState reads the meter.
func (l *Link) CallState() CallState {
	now := l.callNow()
	prof := l.Profile()
	c := &l.call
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stateLocked(now, prof)
}

func (c *callLine) stateLocked(now time.Duration, prof Profile) CallState {
	st := CallState{
		Enabled: c.enabled, Metered: prof.Metered(), Up: c.up, Live: c.clock != nil, At: now,
		DialStart: c.dialAt, Connected: c.upAt,
		Calls: c.calls, TotalDial: c.dialed, TotalOnline: c.online, TotalCost: c.cost,
		Tariff: prof.Tariff, DialTime: prof.DialTime,
		IdleHangup: c.idle, Ended: c.ended,
	}
	if c.calls > 0 {
		st.Tariff, st.DialTime = c.prof.Tariff, c.prof.DialTime
	}
	if c.up {
		st.Open = c.open
		st.Dialling = now < c.upAt
		if !st.Dialling {
			st.Online = now - c.upAt
			st.Cost = c.prof.Tariff.Cost(st.Online)
		}
		if c.open == 0 && c.idle > 0 {
			st.HangupAt = c.idleSince + c.idle
		}
		st.TotalOnline += st.Online
		st.TotalCost += st.Cost
	}
	st.TotalCost = math.Round(st.TotalCost*1e6) / 1e6
	return st
}

// join puts a new connection starting at t on the line: it dials if the
// line is down (or hung up idle before t) and returns the call's number
// (0 when the link does not dial), the time the connection may start its
// handshake, whether it dialled, and whether to notify.
func (l *Link) join(prof Profile, t time.Duration, live *LiveClock) (gen uint64, start time.Duration, dialled, changed bool) {
	c := &l.call
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled || !prof.Metered() {
		return 0, t, false, false
	}
	c.seen = max(c.seen, t)
	if c.up && !sameLine(c.prof, prof) {
		// A Pipe that read the profile just before SetProfile changed it.
		c.endLocked(t, EndProfile)
		changed = true
	}
	if c.up && c.settleLocked(t) {
		changed = true
	}
	if !c.up {
		c.gen++
		c.calls++
		c.up, c.clock, c.prof, c.open = true, live, prof, 0
		c.dialAt, c.upAt = t, t+prof.DialTime
		c.dialed += prof.DialTime
		c.seen = max(c.seen, c.upAt)
		dialled, changed = true, true
		if live != nil && prof.DialTime > 0 {
			l.watchConnected(c.gen, c.upAt)
		}
	} else if c.open == 0 {
		changed = true // busy again: no idle hangup pending
	}
	c.open++
	c.stopIdleLocked()
	return c.gen, max(t, c.upAt), dialled, changed
}

// onCall reports whether call gen is still up.
func (l *Link) onCall(gen uint64) bool {
	c := &l.call
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up && c.gen == gen
}

// leave takes a closed connection off its call.
func (l *Link) leave(p *pair) {
	at := max(p.client.Now(), p.server.Now())
	if p.live != nil {
		at = max(at, p.live.Now())
	}
	c := &l.call
	c.mu.Lock()
	if !c.up || p.call != c.gen {
		c.mu.Unlock()
		return
	}
	c.seen = max(c.seen, at)
	c.open--
	idle := c.open == 0
	if idle {
		c.idleSince = max(at, c.upAt)
		if c.clock != nil && c.idle > 0 {
			l.watchIdleLocked()
		}
	}
	c.mu.Unlock()
	if idle {
		l.notifyCall()
	}
}

// callEnds ends the call when the profile becomes p, if p is offline or a
// different line; it does not touch the connections.
func (l *Link) callEnds(p Profile) {
	c := &l.call
	c.mu.Lock()
	up := c.up
	c.mu.Unlock()
	if !up {
		return
	}
	now := l.callNow()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.up || c.settleLocked(now) {
		return
	}
	switch {
	case p.Offline:
		c.endLocked(now, EndOffline)
	case !sameLine(c.prof, p):
		c.endLocked(now, EndProfile)
	}
}

// sameLine reports whether profile b dials the same line as a.
func sameLine(a, b Profile) bool {
	return b.Metered() && a.ID == b.ID && a.DialTime == b.DialTime && a.Tariff == b.Tariff
}

// settleLocked hangs up an idle call whose idle limit passed by now, at
// the limit, and reports whether it did.
func (c *callLine) settleLocked(now time.Duration) bool {
	if !c.up || c.open > 0 || c.idle == 0 || now < c.idleSince+c.idle {
		return false
	}
	c.endLocked(c.idleSince+c.idle, EndIdle)
	return true
}

// endLocked ends the call at t and bills it.
func (c *callLine) endLocked(t time.Duration, why string) {
	if t >= c.upAt {
		c.online += t - c.upAt
		c.cost += c.prof.Tariff.Cost(t - c.upAt)
	}
	c.seen = max(c.seen, t)
	c.up, c.ended = false, why
	c.stopIdleLocked()
}

func (c *callLine) stopIdleLocked() {
	if c.stopIdle != nil {
		close(c.stopIdle)
		c.stopIdle = nil
	}
}

// watchIdleLocked hangs a live call up when its idle limit comes.
func (l *Link) watchIdleLocked() {
	c := &l.call
	c.stopIdleLocked()
	stop := make(chan struct{})
	c.stopIdle = stop
	clock, gen, at := c.clock, c.gen, c.idleSince+c.idle
	go func() {
		if !clock.Sleep(at, stop) {
			return
		}
		c.mu.Lock()
		ended := c.gen == gen && c.settleLocked(clock.Now())
		c.mu.Unlock()
		if ended {
			l.notifyCall()
		}
	}()
}

// watchConnected reports a live call's connecting when it comes. It ends
// by itself: the dial time is short.
func (l *Link) watchConnected(gen uint64, at time.Duration) {
	c := &l.call
	clock, quit := c.clock, c.quit // c.mu is held
	go func() {
		if !clock.Sleep(at, quit) {
			return
		}
		c.mu.Lock()
		up := c.up && c.gen == gen
		c.mu.Unlock()
		if up {
			l.notifyCall()
		}
	}()
}

// callNow is the call's clock: the live clock's now for a live call,
// else the latest clock of the call's connections and what the line has
// heard of.
func (l *Link) callNow() time.Duration {
	c := &l.call
	c.mu.Lock()
	clock, gen, t := c.clock, c.gen, c.seen
	c.mu.Unlock()
	if clock != nil {
		return clock.Now()
	}
	for _, p := range l.callPairs(gen) {
		t = max(t, p.client.Now(), p.server.Now())
	}
	return t
}

// callPairs are the open connections of call gen.
func (l *Link) callPairs(gen uint64) []*pair {
	if gen == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var ps []*pair
	for _, p := range l.conns {
		if p.call == gen {
			ps = append(ps, p)
		}
	}
	return ps
}

// resetCall resets the open connections of call gen: not one whose client
// has already closed (the server has its FIN and is closing too), which
// the hang-up no longer touches.
func (l *Link) resetCall(gen uint64, why string) {
	for _, p := range l.callPairs(gen) {
		select {
		case <-p.client.done:
			continue
		default:
		}
		p.reset(ErrReset, why)
	}
}

// notifyCall passes the state to CallOptions.Notify.
func (l *Link) notifyCall() {
	c := &l.call
	c.notifyMu.Lock()
	defer c.notifyMu.Unlock()
	c.mu.Lock()
	fn := c.notify
	c.mu.Unlock()
	if fn != nil {
		fn(l.CallState())
	}
}

// dialDetail is the dial mark's text, worded as the race lanes word it:
// "☎ dialling 56k modem… connected after 20.0 s".
func dialDetail(p Profile) string {
	name := p.Name
	if name == "" {
		name = p.ID
	}
	return fmt.Sprintf("☎ dialling %s… connected after %.1f s", name, p.DialTime.Seconds())
}
