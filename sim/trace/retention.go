package trace

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"unsafe"
)

// Retention bounds what a recorder holds in memory. When the events,
// texts and payloads it holds pass Budget, it sets aside its oldest
// closed sessions: each one's events are written to a spill file on disk
// (JSON Lines, in a temporary folder removed by Recorder.Discard), where
// Snapshot.All and Snapshot.Spilled still read them, or — with NoSpill,
// or once the spill file would pass DiskBudget — dropped, keeping only the
// session's totals (SessionTotals). Open sessions are never set aside.
// The zero value keeps everything in memory.
type Retention struct {
	// Budget is the bytes of events (their fixed size, text and kept
	// payload) held in memory before the oldest closed sessions are set
	// aside; 0 or less keeps everything.
	Budget int64
	// NoSpill keeps set-aside sessions as their totals only.
	NoSpill bool
	// DiskBudget caps the spill file; 0 means DefaultDiskBudget.
	DiskBudget int64
	// Dir is where the spill folder is made; "" is os.TempDir.
	Dir string
}

// DefaultBudget is the budget `mailscope serve` and the app use.
const DefaultBudget = 256 << 20

// DefaultDiskBudget is the spill file's cap when Retention leaves it 0.
const DefaultDiskBudget = 4 << 30

// eventSize is what one event costs beyond its text and payload.
const eventSize = int64(unsafe.Sizeof(Event{}))

// EventBytes is what an event costs the recorder's memory budget: its
// fixed size, its text and its payload's whole allocation (a payload is
// grown by appending, so its capacity is what it holds).
func EventBytes(ev *Event) int64 { return eventSize + int64(len(ev.Text)+cap(ev.Payload)) }

// SetAside tells what a recorder has moved out of memory.
type SetAside struct {
	// Held is the bytes of events still in memory; Budget the budget.
	Held, Budget int64
	// Spilled is how many sessions were moved to disk, SpilledBytes
	// their events' memory cost and DiskBytes the spill file's size.
	Spilled                 int
	SpilledBytes, DiskBytes int64
	// Summarised is how many sessions are kept as their totals only, and
	// SummarisedBytes what their events had cost.
	Summarised      int
	SummarisedBytes int64
	// SpillError is why spilling stopped, if it failed.
	SpillError string
}

// Any reports whether anything was set aside.
func (a SetAside) Any() bool { return a.Spilled+a.Summarised > 0 }

// String says what was set aside: "412 older sessions (1.2 GB) moved to
// disk; 30 kept as summaries only".
func (a SetAside) String() string {
	if !a.Any() {
		return "no sessions set aside"
	}
	s := ""
	if a.Spilled > 0 {
		s = fmt.Sprintf("%d older sessions (%s) moved to disk", a.Spilled, FormatBytes(a.SpilledBytes))
	}
	if a.Summarised > 0 {
		if s != "" {
			s += "; "
		} else {
			s = "older sessions: "
		}
		s += fmt.Sprintf("%d kept as summaries only (%s dropped)", a.Summarised, FormatBytes(a.SummarisedBytes))
	}
	return s
}

// FormatBytes writes n as "512 B", "3.4 kB", "1.2 MB", "1.2 GB".
func FormatBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

// retention is the recorder's state for Retention; guarded by the
// recorder's mu.
type retention struct {
	opt  Retention
	on   bool
	held int64
	sess map[uint64]*sessHeld // sessions with events in memory

	aside  map[uint64]SessionTotals // set-aside sessions' totals
	status SetAside

	spill   *spillFile
	pending []*pendingBatch // batches being written; replaced, never changed in place
	writers sync.WaitGroup  // writeSpill goroutines
	// discarded: Discard was called; sessions set aside since are kept
	// as their totals.
	discarded bool
}

type sessHeld struct {
	bytes  int64
	closed [2]bool
	broken bool
}

func (s *sessHeld) done() bool { return s.broken || s.closed[0] && s.closed[1] }

func (t *retention) init(opt Retention) {
	t.opt = opt
	t.on = opt.Budget > 0
	if t.opt.DiskBudget == 0 {
		t.opt.DiskBudget = DefaultDiskBudget
	}
	t.status.Budget = max(opt.Budget, 0)
}

// account adds ev to the budget and sets sessions aside when over it.
func (r *Recorder) account(ev *Event) {
	t := &r.ret
	if t.sess == nil {
		t.sess = map[uint64]*sessHeld{}
	}
	h := t.sess[ev.Session]
	if h == nil {
		h = &sessHeld{}
		t.sess[ev.Session] = h
	}
	n := EventBytes(ev)
	h.bytes += n
	t.held += n
	switch {
	case ev.Kind == KindClose:
		h.closed[ev.Dir] = true
	case ev.Kind == KindFault && Breaks(ev.Text):
		h.broken = true
	}
	if t.held > t.opt.Budget {
		r.setAsideLocked()
	}
}

// setAsideLocked moves the oldest closed sessions out of memory until
// three quarters of the budget are held (so that it runs once in a while,
// not at every event), then rebuilds the chunks without them. Old chunks
// are left as they were: snapshots taken before still read them.
func (r *Recorder) setAsideLocked() {
	t := &r.ret
	target := t.opt.Budget * 3 / 4
	victims := map[uint64]bool{}
	free := t.held
	for _, si := range r.sessions {
		if free <= target {
			break
		}
		if h := t.sess[si.ID]; h != nil && h.done() {
			victims[si.ID] = true
			free -= h.bytes
		}
	}
	if len(victims) == 0 {
		return // everything held is still open
	}
	spill := !t.opt.NoSpill && !t.discarded && t.status.SpillError == ""
	if spill && t.spill == nil {
		var err error
		if t.spill, err = newSpillFile(t.opt.Dir); err != nil {
			t.status.SpillError = err.Error()
			spill = false
		}
	}
	var pb *pendingBatch
	if spill {
		pb = &pendingBatch{bytes: map[uint64]int64{}}
	}
	totals := map[uint64]SessionTotals{}
	var payload int64
	old, n := r.chunks, r.n
	r.chunks, r.n = nil, 0
	for i := 0; i < n; i++ {
		ev := &old[i/chunkSize][i%chunkSize]
		if !victims[ev.Session] {
			r.store(ev)
			continue
		}
		tot := totals[ev.Session]
		tot.add(ev)
		totals[ev.Session] = tot
		if !ev.Has(FlagTruncated) { // a truncated payload's preview was never reserved
			payload += int64(len(ev.Payload))
		}
		if pb != nil {
			pb.events = append(pb.events, *ev)
		}
	}
	// A new map each time, so that snapshots share it without a copy.
	aside := make(map[uint64]SessionTotals, len(t.aside)+len(victims))
	for id, tot := range t.aside {
		aside[id] = tot
	}
	for id := range victims {
		h := t.sess[id]
		t.held -= h.bytes
		delete(t.sess, id)
		if pb != nil {
			// Counted as spilled now; writeSpill moves them to the
			// summaries if the write fails or the disk budget is spent.
			t.status.Spilled++
			t.status.SpilledBytes += h.bytes
			pb.bytes[id] = h.bytes
		} else {
			t.status.Summarised++
			t.status.SummarisedBytes += h.bytes
		}
		aside[id] = aside[id].merge(totals[id])
	}
	t.aside = aside
	if pb != nil && len(pb.events) > 0 {
		// The file is written outside the lock: the servers' taps do
		// not wait for the disk. Until it is, snapshots read the batch
		// from memory.
		t.pending = append(t.pending[:len(t.pending):len(t.pending)], pb)
		t.writers.Add(1)
		go r.writeSpill(t.spill, pb)
	}
	// The payload bytes those events kept are free for new payloads.
	r.release(int(payload))
}

// waitSpill waits for the batches on their way to disk.
func (r *Recorder) waitSpill() { r.ret.writers.Wait() }

// pendingBatch is a batch of set-aside events on its way to the spill
// file. Its events never change.
type pendingBatch struct {
	events []Event
	bytes  map[uint64]int64 // each session's memory cost
}

// writeSpill writes a batch to the spill file and then, under the lock,
// files it with the batches on disk, or, if the write failed or the file
// would pass the disk budget, counts its sessions as summaries only.
func (r *Recorder) writeSpill(sf *spillFile, pb *pendingBatch) {
	defer r.ret.writers.Done()
	b, err := sf.write(pb.events, r.ret.opt.DiskBudget)
	r.mu.Lock()
	defer r.mu.Unlock()
	t := &r.ret
	for i, p := range t.pending {
		if p == pb {
			t.pending = append(t.pending[:i:i], t.pending[i+1:]...)
			break
		}
	}
	if err == nil {
		sf.batches = append(sf.batches[:len(sf.batches):len(sf.batches)], b)
		t.status.DiskBytes = max(t.status.DiskBytes, b.off+b.len)
		return
	}
	if !errors.Is(err, errDiskBudget) && t.status.SpillError == "" {
		t.status.SpillError = err.Error()
	}
	for _, n := range pb.bytes {
		t.status.Spilled--
		t.status.SpilledBytes -= n
		t.status.Summarised++
		t.status.SummarisedBytes += n
	}
}

// SetAside reports what the recorder has moved out of memory.
func (r *Recorder) SetAside() SetAside {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.ret.status
	st.Held = r.ret.held
	return st
}

func (t *retention) snapshot(s *Snapshot) {
	if len(t.aside) == 0 {
		return
	}
	s.aside.totals = t.aside // never changed: setAsideLocked makes a new one
	s.aside.status = t.status
	s.aside.pending = t.pending[:len(t.pending):len(t.pending)]
	if t.spill != nil {
		s.aside.spill = t.spill
		s.aside.batches = t.spill.batches[:len(t.spill.batches):len(t.spill.batches)]
	}
}

func (t *retention) discard() {
	t.pending = nil
	if t.spill != nil {
		t.spill.remove()
		t.spill = nil
	}
}

// asideView is what a snapshot knows of the sessions set aside.
type asideView struct {
	totals  map[uint64]SessionTotals
	status  SetAside
	spill   *spillFile
	batches []spillBatch
	pending []*pendingBatch
}

// SetAside reports what had been set aside when the snapshot was taken.
func (s *Snapshot) SetAside() SetAside { return s.aside.status }

// AsideSession reports whether session id was set aside (spilled or
// summarised) when the snapshot was taken.
func (s *Snapshot) AsideSession(id uint64) bool {
	_, ok := s.aside.totals[id]
	return ok
}

// Spilled yields the events of the sessions moved to disk, in Seq order,
// reading the spill file as it goes (a batch still on its way there is
// read from memory). An error reading the file, or its removal by
// Discard, ends that batch early.
func (s *Snapshot) Spilled() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		s.merge(false, 0, yield)
	}
}

// All yields every event the recorder still has, in memory or on disk,
// in Seq order: what an export or a search over the whole trace reads.
func (s *Snapshot) All() iter.Seq[Event] { return s.AllSince(0) }

// AllSince is All from the event after seq: what a reader that fell
// behind (serve's printer, its live pcapng) catches up with. Batches on
// disk that end before seq are not read.
func (s *Snapshot) AllSince(seq uint64) iter.Seq[Event] {
	if len(s.aside.batches) == 0 && len(s.aside.pending) == 0 {
		return s.Since(seq)
	}
	return func(yield func(Event) bool) {
		s.merge(true, seq, yield)
	}
}

// merge yields the spilled batches (each in Seq order) and, with mem, the
// events in memory, merged by Seq, from the event after since.
func (s *Snapshot) merge(mem bool, since uint64, yield func(Event) bool) {
	type head struct {
		ev   Event
		ok   bool
		next func() (Event, bool)
	}
	var heads []*head
	for _, b := range s.aside.batches {
		if b.last <= since {
			continue
		}
		next, stop := iter.Pull(s.aside.spill.read(b))
		defer stop()
		heads = append(heads, &head{next: next})
	}
	for _, pb := range s.aside.pending {
		if pb.events[len(pb.events)-1].Seq <= since {
			continue
		}
		next, stop := iter.Pull(slices.Values(pb.events))
		defer stop()
		heads = append(heads, &head{next: next})
	}
	if mem {
		next, stop := iter.Pull(s.Since(since))
		defer stop()
		heads = append(heads, &head{next: next})
	}
	for _, h := range heads {
		for h.ev, h.ok = h.next(); h.ok && h.ev.Seq <= since; h.ev, h.ok = h.next() {
		}
	}
	for {
		var best *head
		for _, h := range heads {
			if h.ok && (best == nil || h.ev.Seq < best.ev.Seq) {
				best = h
			}
		}
		if best == nil {
			return
		}
		if !yield(best.ev) {
			return
		}
		best.ev, best.ok = best.next()
	}
}

// spillFile is the recorder's file of set-aside sessions: batches of
// events, each in Seq order, one JSON object per line with every field
// (payloads too), so that what is read back is the event that was held.
type spillFile struct {
	dir string
	f   *os.File

	mu   sync.Mutex // serialises writes; guards size and removed
	size int64
	gone bool

	batches []spillBatch // guarded by the recorder's mu
}

type spillBatch struct {
	off, len int64
	last     uint64 // the Seq of its last event
}

var errDiskBudget = errors.New("trace: spill file full")

func newSpillFile(dir string) (*spillFile, error) {
	d, err := os.MkdirTemp(dir, "mailscope-trace-")
	if err != nil {
		return nil, fmt.Errorf("trace: spill: %w", err)
	}
	f, err := os.Create(filepath.Join(d, "spill.jsonl"))
	if err != nil {
		os.RemoveAll(d)
		return nil, fmt.Errorf("trace: spill: %w", err)
	}
	return &spillFile{dir: d, f: f}, nil
}

// spilled is an Event with every field, for the spill file (Event's own
// MarshalJSON writes the export shape, without payloads).
type spilled Event

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// write appends a batch of events; errDiskBudget when the file would pass
// limit (what was written past the end is overwritten by the next batch).
func (sf *spillFile) write(events []Event, limit int64) (spillBatch, error) {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if sf.gone {
		return spillBatch{}, errors.New("trace: spill file removed")
	}
	cw := &countWriter{w: io.NewOffsetWriter(sf.f, sf.size)}
	bw := bufio.NewWriterSize(cw, 256<<10)
	enc := json.NewEncoder(bw)
	for i := range events {
		if cw.n+int64(bw.Buffered()) > limit-sf.size {
			return spillBatch{}, errDiskBudget
		}
		if err := enc.Encode((*spilled)(&events[i])); err != nil {
			return spillBatch{}, fmt.Errorf("trace: spill: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return spillBatch{}, fmt.Errorf("trace: spill: %w", err)
	}
	if sf.size+cw.n > limit {
		return spillBatch{}, errDiskBudget
	}
	b := spillBatch{off: sf.size, len: cw.n, last: events[len(events)-1].Seq}
	sf.size += cw.n
	return b, nil
}

// read yields a batch's events.
func (sf *spillFile) read(b spillBatch) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		dec := json.NewDecoder(bufio.NewReaderSize(io.NewSectionReader(sf.f, b.off, b.len), 32<<10))
		for {
			var ev spilled
			if err := dec.Decode(&ev); err != nil {
				return // io.EOF, or the file was removed
			}
			if !yield(Event(ev)) {
				return
			}
		}
	}
}

func (sf *spillFile) remove() {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	sf.gone = true
	sf.f.Close()
	os.RemoveAll(sf.dir)
}

// IsAside reports whether session id has been set aside (spilled or kept
// as its totals): its events are no longer in memory, so state kept per
// session beside the trace (the lab's POP3 numbering) can go too.
func (r *Recorder) IsAside(id uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.ret.aside[id]
	return ok
}
