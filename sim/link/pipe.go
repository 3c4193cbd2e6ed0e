package link

import (
	"bytes"
	"math/rand/v2"
	"sync"
	"time"
)

// chunk is one write in flight: its bytes and the figures that give every
// segment's arrival time.
type chunk struct {
	data   []byte
	off    int // bytes already read
	told   int // bytes already reported to the tap as delivered
	wall   time.Time
	depart time.Duration
	lat    time.Duration // latency including jitter
	bps    int64
	mss    int
	ovh    int
	// marks are fault marks that belong just before this write's bytes
	// (a stall that held it): the tap hears of them when it hears of the
	// first of them, or when they are lost.
	marks []pendingMark
}

// pendingMark is a fault mark waiting for its write to be delivered.
type pendingMark struct {
	detail     string
	fromClient bool
	at         time.Duration
	wall       time.Time
}

// wireThrough is the wire bytes of the first k payload bytes of a write.
func wireThrough(k, mss, ovh int) int {
	if k <= 0 {
		return 0
	}
	return k + (k+mss-1)/mss*ovh
}

// arrival is when the segment holding byte i (0-based) reaches the reader.
func (c *chunk) arrival(i int) time.Duration {
	end := (i/c.mss + 1) * c.mss
	if end > len(c.data) {
		end = len(c.data)
	}
	return c.depart + Serialise(int64(wireThrough(end, c.mss, c.ovh)), c.bps) + c.lat
}

// pipe is one direction of a connection: a queue of writes in flight.
type pipe struct {
	dir Direction

	mu      sync.Mutex
	q       []*chunk
	queued  int           // payload bytes queued, for back-pressure
	freeAt  time.Duration // when the direction can take the next write
	lastArr time.Duration // arrival of the last byte written
	sent    int64         // payload bytes accepted, for faults
	fin     bool          // the writer closed: EOF once q drains
	finAt   time.Duration // arrival of the FIN
	finErr  error         // returned instead of io.EOF after a reset-after-drain
	gone    bool          // the reader closed: writes fail
	err     error         // the connection was reset
	rng     *rand.Rand    // jitter, seeded per connection and direction
	tap     Tap           // told of bytes as they are delivered; nil for none
	// lost and lostWire count the payload and wire bytes written that
	// never reached the reader: in flight at a reset, or still on their
	// way when it closed. The tap never hears of them.
	lost, lostWire int64
	// unsent and unsentWire count the bytes written that were still
	// waiting to leave the writer when the link went down (cutAt): they
	// never crossed, so they are not counted as sent at all. (A writer
	// on the virtual clock runs ahead of its bytes, so without this what
	// "was sent" by a cut would depend on goroutine scheduling.)
	unsent, unsentWire int64
	// dropped is how long a virtual reader waits for bytes a Drop ate
	// before it gives up; 0 while none were.
	dropped time.Duration

	waiters int
	changed chan struct{}
}

func newPipe(dir Direction, seed int64, id uint64) *pipe {
	return &pipe{
		dir:     dir,
		rng:     rand.New(rand.NewPCG(uint64(seed), id<<1|uint64(dir))),
		changed: make(chan struct{}),
	}
}

// waitCh returns a channel closed at the next change. Call with mu held.
func (p *pipe) waitCh() <-chan struct{} {
	p.waiters++
	return p.changed
}

// signal wakes every waiter. Call with mu held.
func (p *pipe) signal() {
	if p.waiters > 0 {
		close(p.changed)
		p.changed = make(chan struct{})
		p.waiters = 0
	}
}

// resetLocked fails the pipe with err and discards what was in flight.
// Call with mu held.
func (p *pipe) resetLocked(err error) {
	if p.err == nil {
		p.err = err
		p.discardLocked()
		p.q = nil
		p.queued = 0
		p.signal()
	}
}

// tell reports bytes [c.told, to) of c to the tap, one LF-terminated piece
// at a time with each piece's departure, arrival and share of the wire:
// they have been delivered (read, or certain to arrive). Call with mu held,
// so that pieces reach the tap in wire order.
func (p *pipe) tell(c *chunk, to int) {
	if p.tap == nil || to <= c.told {
		return
	}
	p.tellMarks(c)
	for start := c.told; start < to; {
		end := to
		if i := bytes.IndexByte(c.data[start:to], '\n'); i >= 0 {
			end = start + i + 1
		}
		w0 := wireThrough(start, c.mss, c.ovh)
		w1 := wireThrough(end, c.mss, c.ovh)
		depart := c.depart + Serialise(int64(w0), c.bps)
		p.tap.Transfer(p.dir == Up, c.data[start:end], depart, c.arrival(end-1), w1-w0, c.wall)
		start = end
	}
	c.told = to
}

// tellMarks reports the fault marks waiting on c. Call with mu held.
func (p *pipe) tellMarks(c *chunk) {
	if p.tap != nil {
		for _, m := range c.marks {
			p.tap.Mark(MarkFault, m.detail, m.fromClient, m.at, m.wall)
		}
	}
	c.marks = nil
}

// discardLocked counts what is queued and untold as lost. Call with mu
// held, before the queue is dropped. The faults that held those bytes
// still happened: the tap hears of them.
func (p *pipe) discardLocked() {
	for _, c := range p.q {
		p.tellMarks(c)
		if c.told < len(c.data) {
			p.lost += int64(len(c.data) - c.told)
			p.lostWire += int64(wireThrough(len(c.data), c.mss, c.ovh) - wireThrough(c.told, c.mss, c.ovh))
		}
	}
}

// tellQueued reports every byte still queued: a FIN or a reset-after-drain
// follows them, so they arrive. Call with mu held.
func (p *pipe) tellQueued() {
	for _, c := range p.q {
		p.tell(c, len(c.data))
	}
}

// tellArrived reports the queued bytes that have arrived by vt, when the
// reader closes without reading them: they reached its end; the rest are
// lost. Call with mu held.
func (p *pipe) tellArrived(vt time.Duration) {
	for _, c := range p.q {
		if c.off == len(c.data) {
			continue
		}
		k := c.off + c.arrivedBy(vt)
		p.tell(c, k)
		if k < len(c.data) {
			return
		}
	}
}

// cutAt keeps of what is queued only the bytes that arrive by vt (and
// those already reported as delivered): the rest is lost, as when the
// link goes down at vt. Call with mu held.
func (p *pipe) cutAt(vt time.Duration) {
	kept := p.q[:0]
	for _, c := range p.q {
		k := c.off
		if c.off < len(c.data) {
			k += c.arrivedBy(vt)
		}
		k = max(k, c.told)
		if k < len(c.data) {
			if k == c.told {
				p.tellMarks(c) // none of it arrives; the stall happened
			}
			gone := max(k, c.departedBy(vt))
			p.lost += int64(gone - k)
			p.lostWire += int64(wireThrough(gone, c.mss, c.ovh) - wireThrough(k, c.mss, c.ovh))
			p.unsent += int64(len(c.data) - gone)
			p.unsentWire += int64(wireThrough(len(c.data), c.mss, c.ovh) - wireThrough(gone, c.mss, c.ovh))
			p.queued -= len(c.data) - k
			c.data = c.data[:k:k]
		}
		if c.off < len(c.data) {
			kept = append(kept, c)
		}
	}
	clear(p.q[len(kept):])
	p.q = kept
}

// idle reports whether nothing is on its way through the pipe, and how
// long its reader waits for dropped bytes (see pipe.dropped).
func (p *pipe) idle() (idle bool, dropped time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.q) == 0 && !p.fin && p.err == nil, p.dropped
}

// reaches reports whether a reader whose clock is at clock gets to
// virtual time b on this pipe: the next byte or the FIN arrives at or
// after b, or nothing is on its way and its clock has passed b. Call with
// mu held.
func (p *pipe) reaches(clock, b time.Duration) bool {
	if len(p.q) > 0 {
		h := p.q[0]
		return h.arrival(h.off) >= b
	}
	if p.fin {
		return p.finErr == nil && p.finAt >= b
	}
	return clock >= b
}

// take removes up to len(b) bytes of the head write, stopping after the
// first LF, and returns how many and the arrival of the last one. Call with
// mu held and q non-empty. limit bounds the bytes by what has arrived (live
// mode); limit < 0 means no bound.
func (p *pipe) take(b []byte, limit int) (int, time.Duration) {
	c := p.q[0]
	rest := c.data[c.off:]
	n := len(b)
	if n > len(rest) {
		n = len(rest)
	}
	if limit >= 0 && n > limit {
		n = limit
	}
	if i := bytes.IndexByte(rest[:n], '\n'); i >= 0 {
		n = i + 1
	}
	copy(b, rest[:n])
	arr := c.arrival(c.off + n - 1)
	c.off += n
	p.tell(c, c.off)
	p.queued -= n
	if c.off == len(c.data) {
		p.q[0] = nil
		p.q = p.q[1:]
	}
	return n, arr
}

// arrivedBy is how many bytes of the head write have arrived by vt.
// departedBy is how many bytes of the write (from its start) had begun
// to leave the writer by vt: whole segments whose first bit was on the
// wire.
func (c *chunk) departedBy(vt time.Duration) int {
	n := len(c.data)
	if vt <= c.depart {
		return 0
	}
	// Segment j starts once the j segments before it are serialised.
	segs := (n + c.mss - 1) / c.mss
	lo, hi := 0, segs // find the number of segments begun by vt
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if c.depart+Serialise(int64(wireThrough((mid-1)*c.mss, c.mss, c.ovh)), c.bps) < vt {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return min(lo*c.mss, n)
}

func (c *chunk) arrivedBy(vt time.Duration) int {
	n := len(c.data)
	if c.arrival(n-1) <= vt {
		return n - c.off
	}
	// Segments arrive in order: find the last one that has.
	lo, hi := c.off/c.mss, (n-1)/c.mss // segment indexes
	if c.arrival(lo*c.mss) > vt {
		return 0
	}
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if c.arrival(mid*c.mss) <= vt {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	end := (lo + 1) * c.mss
	if end > n {
		end = n
	}
	return end - c.off
}
