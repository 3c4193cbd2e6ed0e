package trace

import (
	"iter"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultPayloadLimit is the PayloadLimit used when Options leaves it 0.
const DefaultPayloadLimit = 256 << 20

// DefaultMaxLine is the MaxLine used when Options leaves it 0.
const DefaultMaxLine = 64 << 10

// Options configure a Recorder. The zero value is ready to use.
type Options struct {
	// PayloadLimit caps the bulk payload bytes (message bodies, literals)
	// the recorder keeps for export, across all sessions. A bulk event that
	// would exceed it keeps only its preview and is marked FlagTruncated.
	// 0 means DefaultPayloadLimit (256 MiB); a negative value keeps no
	// payload at all.
	PayloadLimit int64

	// MaxLine caps the bytes of one line kept as an event's Text; the rest
	// is counted but dropped and the event is marked FlagTruncated. 0 means
	// DefaultMaxLine (64 KiB).
	MaxLine int

	// KeyLog, if set, holds the TLS secrets the lab's servers log (pass
	// the same KeyLog as their crypto/tls Config.KeyLogWriter): TLS 1.3
	// sessions are then shown decrypted, each line marked FlagTLS. nil
	// records TLS as encrypted bulk.
	KeyLog *KeyLog

	// Retention bounds the memory the recorder holds (see Retention);
	// the zero value keeps every event in memory.
	Retention Retention
}

// chunkSize is how many events one storage chunk holds. Chunks are never
// moved once allocated, so a snapshot can read them while the recorder
// appends to the last one.
const chunkSize = 1024

// Recorder stores the events of every traced session in order and fans
// them out to subscribers. It is safe for concurrent use. A Recorder
// never blocks its writers on a subscriber.
type Recorder struct {
	opt Options

	payloadUsed atomic.Int64

	mu          sync.Mutex
	chunks      []*[chunkSize]Event
	n           int
	subs        []*Subscription
	sessions    []SessionInfo
	nextSession uint64
	closed      bool

	seq uint64 // the last Seq assigned; n falls behind it once sessions are set aside
	ret retention
}

// NewRecorder returns an empty recorder. opt may be nil.
func NewRecorder(opt *Options) *Recorder {
	r := &Recorder{}
	if opt != nil {
		r.opt = *opt
	}
	if r.opt.PayloadLimit == 0 {
		r.opt.PayloadLimit = DefaultPayloadLimit
	}
	if r.opt.MaxLine <= 0 {
		r.opt.MaxLine = DefaultMaxLine
	}
	r.ret.init(r.opt.Retention)
	return r
}

// SessionInfo describes one traced connection.
type SessionInfo struct {
	// ID identifies the session in events. 0 lets NewSession assign the
	// next free id.
	ID         uint64   `json:"id"`
	Protocol   Protocol `json:"protocol"`
	ClientAddr string   `json:"clientAddr"`
	ServerAddr string   `json:"serverAddr"`
	// ServerPort is the port the server really listened on (0 when
	// unknown, and then pcapng export uses the protocol's well-known
	// port). ClientAddr's port, when it has one, is the client's port in
	// pcapng export.
	ServerPort uint16        `json:"serverPort,omitempty"`
	Start      time.Duration `json:"startNs"` // virtual time the client began to connect
	Wall       time.Time     `json:"wall"`
}

// NewSession registers a session and returns the tap that records its
// traffic. The returned Session implements the link's Tap.
func (r *Recorder) NewSession(info SessionInfo) *Session {
	r.mu.Lock()
	if info.ID == 0 {
		r.nextSession++
		info.ID = r.nextSession
	} else if info.ID > r.nextSession {
		r.nextSession = info.ID
	}
	r.sessions = append(r.sessions, info)
	r.mu.Unlock()
	return newSession(r, info)
}

// reserve claims n bytes of the payload budget.
func (r *Recorder) reserve(n int) bool {
	if r.opt.PayloadLimit < 0 {
		return false
	}
	if r.payloadUsed.Add(int64(n)) > r.opt.PayloadLimit {
		r.payloadUsed.Add(-int64(n))
		return false
	}
	return true
}

func (r *Recorder) release(n int) { r.payloadUsed.Add(-int64(n)) }

// PayloadBytes reports how many payload bytes are kept.
func (r *Recorder) PayloadBytes() int64 { return r.payloadUsed.Load() }

// Append records ev, assigning its Seq, and returns that Seq. Sessions
// call it; it is exported for tools that replay or add events.
func (r *Recorder) Append(ev Event) uint64 {
	r.mu.Lock()
	seq := r.appendLocked(&ev)
	r.mu.Unlock()
	return seq
}

func (r *Recorder) appendLocked(ev *Event) uint64 {
	r.seq++
	ev.Seq = r.seq
	r.store(ev)
	for _, s := range r.subs {
		s.deliver(ev)
	}
	if r.ret.on {
		r.account(ev)
	}
	return ev.Seq
}

// store puts ev after the last event held.
func (r *Recorder) store(ev *Event) {
	i := r.n
	r.n++
	if i/chunkSize == len(r.chunks) {
		r.chunks = append(r.chunks, new([chunkSize]Event))
	}
	r.chunks[i/chunkSize][i%chunkSize] = *ev
}

// Len reports how many events are held in memory: every event recorded,
// unless sessions were set aside (see Retention).
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Snapshot returns a read-only view of every event recorded so far.
func (r *Recorder) Snapshot() *Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snapshotLocked()
}

func (r *Recorder) snapshotLocked() *Snapshot {
	snap := &Snapshot{
		Seq:      r.seq,
		n:        r.n,
		chunks:   append([]*[chunkSize]Event(nil), r.chunks...),
		sessions: r.sessions[:len(r.sessions):len(r.sessions)],
	}
	r.ret.snapshot(snap)
	return snap
}

// Snapshot is a consistent read-only view of a recorder: the events with
// Seq 1 through Seq that it holds in memory. It shares storage with the
// recorder (events never change once appended), so taking one is cheap.
// Until the recorder sets sessions aside (see Retention) it holds every
// event, and the event at index i has Seq i+1.
type Snapshot struct {
	Seq      uint64 // the last event included; 0 when empty
	n        int    // events held in memory
	chunks   []*[chunkSize]Event
	sessions []SessionInfo
	aside    asideView
}

// Len is the number of events the snapshot holds in memory.
func (s *Snapshot) Len() int { return s.n }

// At returns the event with index i (Seq i+1 unless sessions were set
// aside: see Index). The event is shared: do not modify it.
func (s *Snapshot) At(i int) *Event { return &s.chunks[i/chunkSize][i%chunkSize] }

// Index returns the index (for At) of the event with Seq seq, and false
// when the snapshot does not hold it in memory.
func (s *Snapshot) Index(seq uint64) (int, bool) {
	i := s.search(seq)
	return i, i < s.n && s.At(i).Seq == seq
}

// search returns the index of the first event whose Seq is at least seq.
func (s *Snapshot) search(seq uint64) int {
	if s.n == int(s.Seq) { // nothing set aside: Seq i+1 is at i
		return min(int(max(seq, 1))-1, s.n)
	}
	return sort.Search(s.n, func(i int) bool { return s.At(i).Seq >= seq })
}

// Events yields every event held in memory, in order.
func (s *Snapshot) Events() iter.Seq[Event] { return s.Since(0) }

// Since yields the events held in memory after seq, in order.
func (s *Snapshot) Since(seq uint64) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for i := s.search(seq + 1); i < s.n; i++ {
			if !yield(*s.At(i)) {
				return
			}
		}
	}
}

// Slice copies the events into a new slice.
func (s *Snapshot) Slice() []Event {
	out := make([]Event, 0, s.Len())
	for ev := range s.Events() {
		out = append(out, ev)
	}
	return out
}

// Sessions returns the sessions registered when the snapshot was taken.
func (s *Snapshot) Sessions() []SessionInfo { return s.sessions }

// Update is one message on a subscription's channel: an event, or a
// notice that the subscriber fell behind.
type Update struct {
	Event Event
	// Resync is set when the subscriber's buffer filled up: events were
	// dropped, and nothing more arrives until it calls Resync.
	Resync bool
}

// Subscription receives the events a recorder appends, on C. The
// recorder never waits for a subscriber: when C is full the subscriber is
// sent one Update with Resync set and then nothing until it calls Resync.
// Call Close when done.
type Subscription struct {
	C <-chan Update

	c       chan Update
	r       *Recorder
	stalled bool // guarded by r.mu
	closed  bool // guarded by r.mu
}

// Subscribe returns a subscription whose channel buffers up to buffer
// updates (at least 2: one slot is kept for the resync notice). Events
// appended after Subscribe returns are delivered; call Resync at once for
// a snapshot that lines up with the channel.
func (r *Recorder) Subscribe(buffer int) *Subscription {
	buffer = max(buffer, 2)
	c := make(chan Update, buffer)
	s := &Subscription{C: c, c: c, r: r}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		s.closed = true
		close(c)
		return s
	}
	r.subs = append(r.subs, s)
	return s
}

// deliver sends ev without blocking; the caller holds r.mu, so it is the
// only sender and the length check cannot go stale.
func (s *Subscription) deliver(ev *Event) {
	if s.stalled {
		return
	}
	if len(s.c) >= cap(s.c)-1 {
		s.stalled = true
		s.c <- Update{Resync: true}
		return
	}
	s.c <- Update{Event: *ev}
}

// Resync discards whatever is still queued on C and returns a snapshot;
// live delivery resumes with the event after the snapshot's Seq.
func (s *Subscription) Resync() *Snapshot {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	// Drain even a closed subscription: what is queued predates the
	// snapshot, and a reader that resyncs after Close must not see it.
drain:
	for {
		select {
		case _, ok := <-s.c:
			if !ok {
				break drain
			}
		default:
			break drain
		}
	}
	s.stalled = false
	return s.r.snapshotLocked()
}

// Stalled reports whether the subscriber fell behind and awaits Resync.
func (s *Subscription) Stalled() bool {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	return s.stalled
}

// Close ends the subscription and closes C. It is safe to call twice.
func (s *Subscription) Close() {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.closeLocked()
	for i, x := range s.r.subs {
		if x == s {
			s.r.subs = append(s.r.subs[:i], s.r.subs[i+1:]...)
			break
		}
	}
}

func (s *Subscription) closeLocked() {
	if !s.closed {
		s.closed = true
		close(s.c)
	}
}

// Close ends every subscription. Events may still be appended and
// snapshotted; new subscriptions start closed.
func (r *Recorder) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	for _, s := range r.subs {
		s.closeLocked()
	}
	r.subs = nil
}

// Discard closes the recorder and removes its spill file (see
// Retention): the sessions moved to disk are gone, their summaries stay.
func (r *Recorder) Discard() {
	r.Close()
	r.mu.Lock()
	r.ret.discarded = true // no more batches start for the disk
	r.mu.Unlock()
	r.ret.writers.Wait() // the batches on their way there
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ret.discard()
}
