package link

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Errors a Conn returns.
var (
	// ErrReset is returned by reads and writes on a reset connection.
	ErrReset = errors.New("link: connection reset")
	// ErrOffline is returned when dialling an offline link, and by
	// connections the link reset when it went offline.
	ErrOffline = errors.New("link: offline")
	// ErrRefused is returned when nothing listens at the address.
	ErrRefused = errors.New("link: connection refused")
)

// timeoutError is a deadline's error: a net.Error whose Timeout is true and
// which matches os.ErrDeadlineExceeded.
type timeoutError struct{}

func (timeoutError) Error() string   { return "link: i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
func (timeoutError) Is(err error) bool {
	return err == os.ErrDeadlineExceeded
}

// Addr is the address of a simulated endpoint.
type Addr string

// Network is "link".
func (Addr) Network() string  { return "link" }
func (a Addr) String() string { return string(a) }

// pair is the shared state of one connection.
type pair struct {
	link   *Link
	info   ConnInfo
	live   *LiveClock // nil: virtual clock
	tap    Tap
	faults faultSet
	up     *pipe // client → server
	down   *pipe // server → client
	stats  [2]dirCounters
	fault  atomic.Pointer[string]
	client *Conn
	server *Conn
	closed atomic.Int32 // ends closed
	call   uint64       // the dial-up call it crosses (call.go); 0 for none
	// brk is when the link goes offline on the virtual clock while this
	// connection is open (Link.OfflineBetween), noBreak for never; upAt
	// is when the connection came up (after a dial).
	brk, upAt time.Duration
	dropped   atomic.Bool // a Drop ate bytes (see pipe.dropped)
}

// noBreak is a pair's brk when no offline window lies ahead of it.
const noBreak = time.Duration(math.MaxInt64)

// Conn is one end of a simulated connection. It implements net.Conn.
// Read and Write are safe to call from different goroutines.
type Conn struct {
	p        *pair
	isClient bool
	rd, wr   *pipe

	mu    sync.Mutex // guards clock and wrote
	clock time.Duration
	wrote bool // written since the last wait (a turn ends when we wait)
	turns atomic.Int64
	// waiting is set while a Read waits for the peer (virtual drops).
	waiting atomic.Bool

	rmu, wmu  sync.Mutex    // one reader, one writer at a time
	pending   []pendingMark // MarkFault's marks for the next write; guarded by wmu
	rdeadline atomic.Pointer[deadline]
	wdeadline atomic.Pointer[deadline]
	closeOnce sync.Once
	done      chan struct{}
}

// deadline is a read or write deadline: a wall time for virtual conns, a
// virtual time for live ones.
type deadline struct {
	wall time.Time
	vt   time.Duration
}

var _ net.Conn = (*Conn)(nil)

func (c *Conn) dir() Direction {
	if c.isClient {
		return Up
	}
	return Down
}

// Info describes the connection.
func (c *Conn) Info() ConnInfo { return c.p.info }

// IsClient reports whether this is the client's end.
func (c *Conn) IsClient() bool { return c.isClient }

// Now is this end's virtual clock.
func (c *Conn) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clock
}

// Advance moves this end's clock forward to t (a device that thinks, or
// waits for 09:00, before its next command). It never moves it back.
func (c *Conn) Advance(t time.Duration) {
	c.mu.Lock()
	if t > c.clock {
		c.clock = t
	}
	c.mu.Unlock()
}

// now is the time a write leaves: this end's clock, or the live clock if
// that is later.
func (c *Conn) now(wall time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p.live != nil {
		if lt := c.p.live.NowAt(wall); lt > c.clock {
			c.clock = lt
		}
	}
	return c.clock
}

// arrived moves the clock to the arrival of bytes just read and counts a
// turn if this end had to wait for them after writing.
func (c *Conn) arrived(t time.Duration) {
	c.mu.Lock()
	if t > c.clock {
		if c.wrote {
			c.turns.Add(1)
			c.wrote = false
		}
		c.clock = t
	}
	c.mu.Unlock()
}

// Stats returns the connection's counters so far.
func (c *Conn) Stats() Stats { return c.p.statsNow() }

// Inject adds a fault to this connection (both ends share it).
func (c *Conn) Inject(f Fault) { c.p.faults.add(f) }

// Reset breaks the connection at once: both ends' reads and writes fail
// with err (ErrReset if nil) and what was in flight is lost.
func (c *Conn) Reset(err error) { c.p.reset(err, "reset") }

func (p *pair) statsNow() Stats {
	s := Stats{
		ID: p.info.ID, Protocol: p.info.Protocol,
		Up: p.up.dirStats(&p.stats[Up]), Down: p.down.dirStats(&p.stats[Down]),
		ClientTurns: p.client.turns.Load(), ServerTurns: p.server.turns.Load(),
		Start: p.info.Start, End: max(p.client.Now(), p.server.Now()),
		Closed: p.closed.Load() == 2,
	}
	if f := p.fault.Load(); f != nil {
		s.Fault = *f
	}
	return s
}

func (p *pair) reset(err error, why string) {
	if err == nil {
		err = ErrReset
	}
	won := p.fault.CompareAndSwap(nil, &why)
	at := max(p.client.Now(), p.server.Now())
	// Both pipes locked throughout: what a reader took before the reset
	// reached the tap before the fault does, nothing in flight does after
	// it, and no end sees the reset (and closes) before the tap hears of it.
	p.up.mu.Lock()
	p.down.mu.Lock()
	defer p.up.mu.Unlock()
	defer p.down.mu.Unlock()
	p.up.resetLocked(err)
	p.down.resetLocked(err)
	if won && p.tap != nil {
		p.tap.Mark(MarkFault, why, true, at, time.Now())
	}
}

// Write sends b towards the peer. It returns at once, like a write into a
// socket buffer, unless the peer has more than the link's buffer limit
// unread.
func (c *Conn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	select {
	case <-c.done:
		return 0, net.ErrClosed
	default:
	}
	if d := c.wdeadline.Load(); d != nil && c.expired(d) {
		return 0, timeoutError{}
	}
	if len(b) == 0 {
		return 0, nil
	}
	prof := c.p.link.Profile()
	if prof.Offline {
		c.p.reset(ErrOffline, "offline")
		return 0, ErrOffline
	}
	wall := time.Now() // once per write: clock reads are syscalls on some VMs
	now := c.now(wall)
	if c.p.watchOffline() && now >= c.p.brk {
		c.p.goOffline()
		return 0, ErrOffline
	}
	dir := c.dir()
	p := c.wr
	// Mark the turn before the bytes can be read: a reply read by another
	// goroutine (imapclient reads on its own) must find it set.
	c.mu.Lock()
	c.wrote = true
	c.mu.Unlock()

	p.mu.Lock()
	if p.err != nil {
		p.mu.Unlock()
		return 0, p.err
	}
	if p.finErr != nil {
		p.mu.Unlock()
		return 0, p.finErr
	}
	if p.fin {
		p.mu.Unlock()
		return 0, net.ErrClosed
	}
	if p.gone {
		p.mu.Unlock()
		return 0, ErrReset
	}
	bps := prof.UpBps
	if dir == Down {
		bps = prof.DownBps
	}
	mss, ovh := prof.SegmentPayload(), prof.SegmentOverhead()
	w := write{dir: dir, sent: p.sent, n: len(b), depart: max(now, p.freeAt), bps: bps, mss: mss, ovh: ovh}
	act, hit := c.p.faults.plan(w)

	n := len(b) // bytes that arrive
	if act.reset || act.drop {
		n = act.keep
	}
	sent := len(b) // bytes that occupy the wire
	if act.reset {
		sent = n
	}
	// A stall splits the write: bytes before hold leave at once, the
	// rest stall later (all of it, hold 0, for most stalls).
	depart, hold, resume := w.depart, 0, w.depart
	if act.stall > 0 {
		hold = min(act.hold, sent)
		resume = w.leaves(hold) + act.stall
	}
	lat := prof.Latency
	if prof.Jitter > 0 {
		lat += time.Duration(p.rng.Int64N(int64(prof.Jitter)))
	}
	wire := wireThrough(hold, mss, ovh) + wireThrough(sent-hold, mss, ovh)
	var marks []pendingMark
	if act.stall > 0 {
		// The stall marks go with the bytes it held, where they fired:
		// when the direction stopped.
		at := act.stallAt
		if at == 0 {
			at = w.leaves(hold)
		}
		for _, f := range hit {
			marks = append(marks, pendingMark{detail: f.String(), fromClient: c.isClient, at: at, wall: wall})
		}
	}
	for _, part := range [2]struct {
		from, to int
		depart   time.Duration
	}{{0, min(hold, n), depart}, {hold, n, resume}} {
		if part.to <= part.from {
			continue
		}
		ch := &chunk{depart: part.depart, lat: lat, bps: bps, mss: mss, ovh: ovh, wall: wall}
		ch.data = append([]byte(nil), b[part.from:part.to]...)
		// TCP never reorders: no segment overtakes the one before it.
		if first := ch.arrival(0); first < p.lastArr {
			ch.lat += p.lastArr - first
		}
		p.lastArr = ch.arrival(len(ch.data) - 1)
		if part.from == hold {
			ch.marks, marks = marks, nil
		}
		if c.pending != nil { // MarkFault's, before anything else of this write
			ch.marks, c.pending = append(c.pending, ch.marks...), nil
		}
		p.q = append(p.q, ch)
		p.queued += len(ch.data)
	}
	if sent > hold {
		p.freeAt = resume + Serialise(int64(wireThrough(sent-hold, mss, ovh)), bps)
	} else {
		p.freeAt = depart + Serialise(int64(wireThrough(sent, mss, ovh)), bps)
	}
	p.sent += int64(sent)
	if act.drop && n < sent {
		// A drop's bytes cross the link but never reach the reader.
		p.lost += int64(sent - n)
		p.lostWire += int64(wireThrough(sent, mss, ovh) - wireThrough(n, mss, ovh))
	}

	st := &c.p.stats[dir]
	st.payload.Add(int64(sent))
	st.wire.Add(int64(wire))
	st.segments.Add(int64(prof.Segments(sent)))
	st.writes.Add(1)
	// The tap hears of the bytes when they are delivered (pipe.tell), not
	// now: a break before then must not show them as arrived.
	if n > 0 {
		p.signal()
	}
	if act.drop && n < len(b) {
		c.p.dropped.Store(true)
		p.dropped = max(p.dropped, act.giveUp)
		p.signal() // a reader waiting for them may give up
	}
	brk := max(depart, p.lastArr) // when a reset reaches the reader
	p.mu.Unlock()
	if c.p.tap != nil {
		// A stall on bytes that never go (a reset or drop took them).
		for _, m := range marks {
			c.p.tap.Mark(MarkFault, m.detail, m.fromClient, m.at, m.wall)
		}
	}

	if act.reset {
		// The bytes before the reset still arrive; then the reader fails.
		// The trace shows them, then the fault where it reaches the reader.
		c.p.resetAfterDrain(hit, c.isClient, brk)
		return n, ErrReset
	}
	if act.stall == 0 {
		for _, f := range hit {
			if c.p.tap != nil {
				c.p.tap.Mark(MarkFault, f.String(), c.isClient, depart, time.Now())
			}
		}
	}
	c.backpressure(p)
	return len(b), nil
}

func f2s(fs []Fault) string {
	if len(fs) == 0 {
		return "reset"
	}
	return fs[0].String()
}

// resetAfterDrain fails both directions, letting the reader of each first
// take what is already queued. The tap hears of those bytes, then of the
// faults (marked at, from the writer's side), before any reader can see
// the reset: both pipes stay locked throughout.
func (p *pair) resetAfterDrain(hit []Fault, fromClient bool, at time.Duration) {
	why := f2s(hit)
	p.fault.CompareAndSwap(nil, &why)
	p.up.mu.Lock()
	p.down.mu.Lock()
	defer p.up.mu.Unlock()
	defer p.down.mu.Unlock()
	for _, pp := range []*pipe{p.up, p.down} {
		if pp.err == nil {
			pp.tellQueued() // they arrive before the reset
		}
	}
	if p.tap != nil {
		for _, f := range hit {
			p.tap.Mark(MarkFault, f.String(), fromClient, at, time.Now())
		}
	}
	for _, pp := range []*pipe{p.up, p.down} {
		if pp.err == nil && !pp.fin {
			pp.fin = true
			pp.finAt = pp.lastArr
			pp.finErr = ErrReset
			pp.signal()
		}
		pp.gone = true
	}
}

// backpressure blocks while the peer has more than the buffer limit unread.
func (c *Conn) backpressure(p *pipe) {
	limit := c.p.link.bufferLimit
	for {
		p.mu.Lock()
		if p.queued <= limit || p.err != nil || p.gone {
			p.mu.Unlock()
			return
		}
		ch := p.waitCh()
		p.mu.Unlock()
		select {
		case <-ch:
		case <-c.done:
			return
		}
	}
}

// Read reads bytes of at most one write, stopping after the first LF, and
// moves this end's clock to their arrival.
func (c *Conn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if len(b) == 0 {
		return 0, nil
	}
	p := c.rd
	live := c.p.live
	for {
		select {
		case <-c.done:
			return 0, net.ErrClosed
		default:
		}
		watch := c.p.watchOffline()
		var clock time.Duration
		if watch {
			clock = c.Now()
		}
		var peerIdle bool // nothing on its way to the peer
		var peerDropped time.Duration
		if live == nil && c.p.dropped.Load() {
			peerIdle, peerDropped = c.wr.idle()
		}
		p.mu.Lock()
		if p.err != nil {
			p.mu.Unlock()
			return 0, p.err
		}
		if watch && p.reaches(clock, c.p.brk) {
			p.mu.Unlock()
			c.p.goOffline()
			continue
		}
		if len(p.q) > 0 {
			limit := -1
			if watch {
				// Only what arrives before the link goes offline.
				limit = p.q[0].arrivedBy(c.p.brk - 1)
			}
			if live != nil {
				head := p.q[0]
				limit = head.arrivedBy(live.Now())
				if limit == 0 {
					at := head.arrival(head.off)
					p.mu.Unlock()
					if !live.Sleep(at, c.done) {
						return 0, net.ErrClosed
					}
					continue
				}
			}
			n, arr := p.take(b, limit)
			// The clock moves before the pipe is unlocked, so that
			// Drained never sees the bytes gone and the clock behind.
			c.arrived(arr)
			if wasFull := p.queued+n > c.p.link.bufferLimit; wasFull || len(p.q) == 0 {
				p.signal()
			}
			p.mu.Unlock()
			return n, nil
		}
		if p.fin {
			at, err := p.finAt, p.finErr
			p.mu.Unlock()
			if live != nil && !live.Sleep(at, c.done) {
				return 0, net.ErrClosed
			}
			c.arrived(at)
			if err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		if giveUp := p.dropped; giveUp > 0 && live == nil && c.peer().waiting.Load() && peerIdle {
			// Both ends wait and what this one waits for was dropped:
			// on the virtual clock nothing will ever come.
			p.mu.Unlock()
			c.Advance(c.Now() + giveUp)
			return 0, timeoutError{}
		}
		wake := p.waitCh()
		p.mu.Unlock()
		c.waiting.Store(true)
		if peerDropped > 0 {
			// The peer may be waiting for bytes dropped on their way
			// from here: now that this end waits too, it can give up.
			c.wr.mu.Lock()
			c.wr.signal()
			c.wr.mu.Unlock()
		}
		err := c.waitRead(wake)
		c.waiting.Store(false)
		if err != nil {
			return 0, err
		}
	}
}

// Drained blocks until this end has read every byte written to it so
// far (its clock then stands at the last one's arrival), the connection
// breaks or closes, or ctx ends. A client whose library reads on its own
// goroutine calls it before answering an unsolicited response: the
// answer then leaves after the whole of what came with it, rather than
// after as much of it as that goroutine happened to have read.
func (c *Conn) Drained(ctx context.Context) error {
	p := c.rd
	for {
		p.mu.Lock()
		if len(p.q) == 0 || p.err != nil || p.gone {
			p.mu.Unlock()
			return nil
		}
		ch := p.waitCh()
		p.mu.Unlock()
		select {
		case <-ch:
		case <-c.done:
			return net.ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// PeerClosed returns a channel that is closed once the other end of the
// connection has closed.
func (c *Conn) PeerClosed() <-chan struct{} { return c.peer().done }

// peer is the other end of the connection.
func (c *Conn) peer() *Conn {
	if c.isClient {
		return c.p.server
	}
	return c.p.client
}

// readBulk is Read for a pump that forwards bytes to a real socket: it
// returns everything that has arrived, across writes and past LFs, so a
// message body leaves in one syscall rather than one per line. It still
// blocks until at least one byte has arrived.
func (c *Conn) readBulk(b []byte) (int, error) {
	n, err := c.Read(b)
	if n == 0 || err != nil {
		return n, err
	}
	// A response is usually several writes in quick succession (a FETCH
	// line, its literal, the tagged OK): let the writer finish before
	// taking what has arrived, so they leave in one segment.
	runtime.Gosched()
	p := c.rd
	live := c.p.live
	var arr, now time.Duration
	if live != nil {
		now = live.Now()
	}
	p.mu.Lock()
	for n < len(b) && len(p.q) > 0 && p.err == nil {
		limit := -1
		if live != nil {
			if limit = p.q[0].arrivedBy(now); limit == 0 {
				break
			}
		}
		k, a := p.take(b[n:], limit)
		n += k
		arr = a
	}
	p.signal()
	p.mu.Unlock()
	if arr > 0 {
		c.arrived(arr)
	}
	return n, nil
}

// waitRead waits for the pipe to change, the conn to close or the read
// deadline to pass.
func (c *Conn) waitRead(wake <-chan struct{}) error {
	d := c.rdeadline.Load()
	if d == nil {
		select {
		case <-wake:
			return nil
		case <-c.done:
			return net.ErrClosed
		}
	}
	if c.expired(d) {
		return timeoutError{}
	}
	var timer *time.Timer
	var speed <-chan struct{}
	if live := c.p.live; live != nil {
		wait, running, changed := live.until(d.vt)
		speed = changed
		if running {
			timer = time.NewTimer(wait)
		}
	} else {
		timer = time.NewTimer(time.Until(d.wall))
	}
	var fire <-chan time.Time
	if timer != nil {
		defer timer.Stop()
		fire = timer.C
	}
	select {
	case <-wake:
		return nil
	case <-c.done:
		return net.ErrClosed
	case <-speed:
		return nil // re-evaluate the deadline at the new speed
	case <-fire:
		return timeoutError{}
	}
}

func (c *Conn) expired(d *deadline) bool {
	if c.p.live != nil {
		return c.p.live.Now() >= d.vt
	}
	return !time.Now().Before(d.wall)
}

// toDeadline converts a library's wall-clock deadline. On a live link the
// time left becomes virtual time at no less than real time, so a paused
// clock never expires it and a fast-forwarded one never shortens it; and
// it counts from when this end can act, so a deadline set while the line
// is still dialling (or the handshake is under way) does not spend itself
// on them.
func (c *Conn) toDeadline(t time.Time) *deadline {
	if t.IsZero() {
		return nil
	}
	d := &deadline{wall: t}
	if live := c.p.live; live != nil {
		left := time.Until(t)
		d.vt = max(live.Now(), c.Now()) + time.Duration(float64(left)*max(1, live.Speed()))
	}
	return d
}

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the read deadline. A read waiting for the peer fails
// with a timeout (os.ErrDeadlineExceeded) once it passes; see the package
// doc for how live links scale it.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.rdeadline.Store(c.toDeadline(t))
	// Wake a waiting reader so it sees the new deadline.
	c.rd.mu.Lock()
	c.rd.signal()
	c.rd.mu.Unlock()
	return nil
}

// SetWriteDeadline sets the write deadline. Writes rarely wait (see Write);
// a write after the deadline fails with a timeout.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.wdeadline.Store(c.toDeadline(t))
	return nil
}

// LocalAddr is this end's address.
func (c *Conn) LocalAddr() net.Addr {
	if c.isClient {
		return Addr(c.p.info.ClientAddr)
	}
	return Addr(c.p.info.ServerAddr)
}

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr {
	if c.isClient {
		return Addr(c.p.info.ServerAddr)
	}
	return Addr(c.p.info.ClientAddr)
}

// CloseWrite sends a FIN: the peer reads EOF after everything written so
// far; this end can still read.
func (c *Conn) CloseWrite() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.fin()
	return nil
}

func (c *Conn) fin() {
	now := c.now(time.Now())
	p := c.wr
	p.mu.Lock()
	if !p.fin && p.err == nil {
		p.fin = true
		p.finAt = max(now, p.freeAt) + c.p.link.Profile().Latency
		if p.finAt < p.lastArr {
			p.finAt = p.lastArr
		}
		p.signal()
	}
	p.mu.Unlock()
}

// Close closes this end: the peer reads EOF after what was written, and
// its later writes fail with ErrReset. An end that closes with bytes sent
// to it still unread, or on their way, resets the connection instead, as
// TCP does (RFC 1122 4.2.2.13; RFC 9293 3.6): what it wrote still arrives,
// ahead of the RST, then the peer's reads fail with ErrReset; the tap
// hears of a fault "reset: client closed with N bytes unread" before the
// close, and the bytes that had not arrived count as lost (DirStats.Lost).
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		now := c.now(time.Now())
		if c.p.watchOffline() && now >= c.p.brk {
			c.p.goOffline()
		}
		who := "server closed"
		if c.isClient {
			who = "client closed"
		}
		if !c.abort(now, who) {
			c.fin()
			// What this end wrote is ahead of its FIN and arrives: the
			// trace shows it before the close.
			wr := c.wr
			wr.mu.Lock()
			if wr.err == nil {
				wr.tellQueued()
			}
			wr.mu.Unlock()
		}
		close(c.done)
		rd := c.rd
		rd.mu.Lock()
		if rd.err == nil {
			rd.tellArrived(now) // what had not arrived is lost
		}
		rd.gone = true
		rd.discardLocked()
		rd.q = nil
		rd.queued = 0
		rd.signal()
		rd.mu.Unlock()
		if tap := c.p.tap; tap != nil {
			// The tap puts the close after everything it follows.
			tap.Mark(MarkClose, who, c.isClient, c.Now(), time.Now())
		}
		if c.p.closed.Add(1) == 2 {
			c.p.link.forget(c.p)
		}
	})
	return nil
}

// abort closes this end with a reset if bytes sent to it are unread (see
// Close) and reports whether it did: not when nothing is unread, nor when
// the connection already broke.
func (c *Conn) abort(now time.Duration, who string) bool {
	p := c.p
	p.up.mu.Lock()
	p.down.mu.Lock()
	defer p.up.mu.Unlock()
	defer p.down.mu.Unlock()
	rd, wr := c.rd, c.wr
	if rd.err != nil || rd.gone || rd.queued == 0 || p.fault.Load() != nil {
		return false
	}
	why := fmt.Sprintf("reset: %s with %d bytes unread", who, rd.queued)
	if !p.fault.CompareAndSwap(nil, &why) {
		return false
	}
	// What reached this end by now reached it; the rest never will.
	rd.tellArrived(now)
	rd.discardLocked()
	rd.q, rd.queued, rd.gone = nil, 0, true
	rd.signal()
	at := now
	if wr.err == nil {
		at = max(now, wr.freeAt)
		wr.tellQueued() // on the wire ahead of the RST
		if !wr.fin {
			wr.fin = true
			wr.finAt = max(at+p.link.Profile().Latency, wr.lastArr)
		}
		wr.finErr = ErrReset
		wr.signal()
	}
	if p.tap != nil {
		p.tap.Mark(MarkFault, why, c.isClient, at, time.Now())
	}
	return true
}

// watchOffline reports whether the connection runs on the virtual clock
// towards an offline window and has not broken yet.
func (p *pair) watchOffline() bool {
	return p.live == nil && p.brk != noBreak && p.fault.Load() == nil
}

// goOffline breaks the connection where the link went offline on the
// virtual clock (Link.OfflineBetween), once one of its ends reaches that
// time: each direction delivers what arrives before it, then its reader
// fails with ErrOffline, as do later writes; the rest is lost. The tap
// hears of the bytes, then of the fault "offline", at brk (or, for a
// connection whose line came up later, when it did).
func (p *pair) goOffline() {
	why := "offline"
	// Both pipes locked from the moment the fault is set: a reader that
	// sees it finds the queues already cut at brk.
	p.up.mu.Lock()
	p.down.mu.Lock()
	if !p.fault.CompareAndSwap(nil, &why) {
		p.down.mu.Unlock()
		p.up.mu.Unlock()
		return
	}
	b := p.brk
	at := max(b, p.upAt)
	for _, pp := range []*pipe{p.up, p.down} {
		if pp.err != nil {
			continue
		}
		pp.cutAt(b - 1)
		pp.tellQueued()
		if !pp.fin || pp.finAt >= b {
			pp.fin, pp.finAt, pp.finErr = true, at, ErrOffline
		}
		pp.gone = true
		pp.signal()
	}
	if p.tap != nil {
		p.tap.Mark(MarkFault, why, true, at, time.Now())
	}
	p.down.mu.Unlock()
	p.up.mu.Unlock()
	p.link.offlineEndsCall(b)
}

// MarkFault tells the trace that a fault acted here, at this end's clock,
// without breaking the connection: the lab marks a protocol fault (a
// chosen reply, a held command) on the server's end where it fired.
//
// The mark goes with this end's next write (the reply the fault made, a
// BYE), so that the trace lists it just before those bytes, when they
// are delivered; it is stamped now.
func (c *Conn) MarkFault(detail string) {
	if c.p.tap == nil {
		return
	}
	now := time.Now()
	m := pendingMark{detail: detail, fromClient: c.isClient, at: c.now(now), wall: now}
	c.wmu.Lock()
	c.pending = append(c.pending, m)
	c.wmu.Unlock()
}

// Hold keeps this end from sending for d on its clock: on the live clock
// it sleeps until then (or until stop closes; it reports whether d
// passed), on the virtual clock it moves this end's clock on by d.
func (c *Conn) Hold(d time.Duration, stop <-chan struct{}) bool {
	until := c.now(time.Now()) + d
	if c.p.live != nil {
		if !c.p.live.Sleep(until, stop) {
			return false
		}
	}
	c.Advance(until)
	return true
}
