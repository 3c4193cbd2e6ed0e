package trace

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

func lineEv(session uint64, text string) Event {
	return Event{Session: session, Kind: KindLine, Text: text, Bytes: len(text) + 2}
}

func TestRecorderSeqAndSnapshot(t *testing.T) {
	r := NewRecorder(nil)
	for i := range 2*chunkSize + 5 {
		if seq := r.Append(lineEv(1, fmt.Sprint(i))); seq != uint64(i+1) {
			t.Fatalf("Append #%d = seq %d, want %d", i, seq, i+1)
		}
	}
	snap := r.Snapshot()
	r.Append(lineEv(1, "after"))
	if snap.Seq != 2*chunkSize+5 || snap.Len() != 2*chunkSize+5 {
		t.Fatalf("Snapshot().Seq = %d, want %d", snap.Seq, 2*chunkSize+5)
	}
	i := 0
	for ev := range snap.Events() {
		if ev.Seq != uint64(i+1) || ev.Text != fmt.Sprint(i) {
			t.Fatalf("snapshot event %d = seq %d %q, want seq %d %q", i, ev.Seq, ev.Text, i+1, fmt.Sprint(i))
		}
		i++
	}
	if i != snap.Len() {
		t.Errorf("Events() yielded %d, want %d", i, snap.Len())
	}
	n := 0
	for ev := range snap.Since(2 * chunkSize) {
		n++
		if ev.Seq <= 2*chunkSize {
			t.Errorf("Since(%d) yielded seq %d", 2*chunkSize, ev.Seq)
		}
	}
	if n != 5 {
		t.Errorf("Since(%d) yielded %d events, want 5", 2*chunkSize, n)
	}
	if got := r.Len(); got != 2*chunkSize+6 {
		t.Errorf("Len() = %d, want %d", got, 2*chunkSize+6)
	}
}

func TestNewSessionIDs(t *testing.T) {
	r := NewRecorder(nil)
	a := r.NewSession(SessionInfo{Protocol: SMTP})
	b := r.NewSession(SessionInfo{ID: 10, Protocol: POP3})
	c := r.NewSession(SessionInfo{Protocol: IMAP})
	if a.ID() != 1 || b.ID() != 10 || c.ID() != 11 {
		t.Errorf("session ids = %d, %d, %d, want 1, 10, 11", a.ID(), b.ID(), c.ID())
	}
	if got := len(r.Snapshot().Sessions()); got != 3 {
		t.Errorf("len(Sessions()) = %d, want 3", got)
	}
}

func TestSubscribeDelivers(t *testing.T) {
	r := NewRecorder(nil)
	r.Append(lineEv(1, "before"))
	sub := r.Subscribe(16)
	snap := sub.Resync()
	if snap.Seq != 1 {
		t.Fatalf("Resync().Seq = %d, want 1", snap.Seq)
	}
	r.Append(lineEv(1, "one"))
	r.Append(lineEv(1, "two"))
	for _, want := range []string{"one", "two"} {
		u := <-sub.C
		if u.Resync || u.Event.Text != want {
			t.Errorf("update = %+v, want event %q", u, want)
		}
	}
	sub.Close()
	sub.Close() // twice is fine
	if _, ok := <-sub.C; ok {
		t.Errorf("channel still open after Close")
	}
	r.Append(lineEv(1, "after close")) // must not panic on a closed channel
}

func TestSlowSubscriberResyncs(t *testing.T) {
	r := NewRecorder(nil)
	sub := r.Subscribe(4)
	defer sub.Close()
	for i := range 10 {
		r.Append(lineEv(1, fmt.Sprint(i))) // never blocks
	}
	var got []Update
	for len(sub.C) > 0 {
		got = append(got, <-sub.C)
	}
	if len(got) != 4 || !got[3].Resync || got[0].Event.Text != "0" || got[2].Event.Text != "2" {
		t.Fatalf("updates = %+v, want events 0..2 then a resync notice", got)
	}
	if !sub.Stalled() {
		t.Errorf("Stalled() = false after overflow")
	}
	r.Append(lineEv(1, "ignored while stalled"))
	if len(sub.C) != 0 {
		t.Errorf("stalled subscriber received %d more updates", len(sub.C))
	}
	snap := sub.Resync()
	if snap.Seq != 11 || sub.Stalled() {
		t.Errorf("Resync() = seq %d, stalled %v; want 11, false", snap.Seq, sub.Stalled())
	}
	r.Append(lineEv(1, "live again"))
	if u := <-sub.C; u.Event.Seq != 12 {
		t.Errorf("after resync got seq %d, want 12", u.Event.Seq)
	}
}

func TestRecorderClose(t *testing.T) {
	r := NewRecorder(nil)
	sub := r.Subscribe(4)
	r.Close()
	if _, ok := <-sub.C; ok {
		t.Errorf("subscription open after Recorder.Close")
	}
	late := r.Subscribe(4)
	if _, ok := <-late.C; ok {
		t.Errorf("subscription made after Close is open")
	}
	sub.Close()
	r.Append(lineEv(1, "still recorded"))
	if r.Len() != 1 {
		t.Errorf("Len() = %d after Close, want 1", r.Len())
	}
}

// Many sessions, subscribers and readers at once, under -race.
func TestRecorderConcurrent(t *testing.T) {
	r := NewRecorder(nil)
	const writers, perWriter = 8, 2000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 3 {
		sub := r.Subscribe(64)
		readers.Add(1)
		go func() {
			defer readers.Done()
			last := sub.Resync().Seq
			for u := range sub.C {
				if u.Resync {
					last = sub.Resync().Seq
					continue
				}
				if u.Event.Seq <= last {
					t.Errorf("subscriber got seq %d after %d", u.Event.Seq, last)
				}
				last = u.Event.Seq
			}
		}()
	}
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			snap := r.Snapshot()
			var prev uint64
			for ev := range snap.Events() {
				if ev.Seq != prev+1 {
					t.Errorf("snapshot seq %d after %d", ev.Seq, prev)
					return
				}
				prev = ev.Seq
			}
		}
	}()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := r.NewSession(SessionInfo{Protocol: POP3})
			for i := range perWriter {
				s.Transfer(i%2 == 0, []byte("NOOP\r\n"), 0, 0, 0, wall0)
			}
			_ = w
		}()
	}
	wg.Wait()
	close(stop)
	r.Close()
	readers.Wait()
	if got := r.Len(); got != writers*perWriter {
		t.Errorf("Len() = %d, want %d", got, writers*perWriter)
	}
}

// TestMemoryPerEvent measures the heap one recorded line event costs
// beyond its text, and holds it to the 200-byte budget. The Event struct
// alone is 200 bytes: the budget is spent.
func TestMemoryPerEvent(t *testing.T) {
	if size := unsafe.Sizeof(Event{}); size > 200 {
		t.Errorf("unsafe.Sizeof(Event{}) = %d, want ≤ 200", size)
	}
	// The heap is the process's: what another goroutine allocates during
	// a measurement counts too (0.06 B an event once under a loaded
	// make test). Such noise only adds, so the least of three is the
	// recorder's own.
	perEvent, textPerEvent := measureEventMemory(100 * chunkSize)
	for range 2 {
		if p, tp := measureEventMemory(100 * chunkSize); p-tp < perEvent-textPerEvent {
			perEvent, textPerEvent = p, tp
		}
	}
	beyond := perEvent - textPerEvent
	t.Logf("Event struct %d B; heap per line event %.2f B, of which text %.2f B, so %.2f B beyond text",
		unsafe.Sizeof(Event{}), perEvent, textPerEvent, beyond)
	// To a tenth of a byte: the recorder's and the session's fixed cost
	// (about 1 KB) spread over the events adds 0.01 B an event.
	if math.Round(beyond*10)/10 > 200 {
		t.Errorf("heap per event beyond text = %.2f B, want ≤ 200", beyond)
	}
}

// measureEventMemory records n POP3 command/response lines through a
// session and returns heap bytes per event and text bytes per event. The
// texts are 16 and 24 bytes, sizes the allocator hands out exactly, so
// that what a text costs is its length: shorter ones (7 and 20 bytes
// before) were rounded up, by 2.5 B an event, or 6.5 B under the race
// detector (which turns off the allocator's packing of tiny strings), and
// the rounding counted as the event's own.
func measureEventMemory(n int) (perEvent, textPerEvent float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := NewRecorder(nil)
	s := r.NewSession(SessionInfo{Protocol: POP3})
	cmd, reply := []byte("RETR 12345678901\r\n"), []byte("-ERR no such message 123\r\n")
	var text int
	for i := range n / 2 {
		s.Transfer(true, cmd, time.Duration(i), time.Duration(i), 49, wall0)
		s.Transfer(false, reply, time.Duration(i), time.Duration(i), 62, wall0)
		text += len(cmd) - 2 + len(reply) - 2
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(r)
	heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	return heap / float64(n), float64(text) / float64(n)
}

func BenchmarkRecorderAppend(b *testing.B) {
	r := NewRecorder(nil)
	ev := lineEv(1, "a1 OK FETCH completed")
	b.ReportAllocs()
	start := time.Now()
	i := 0
	for b.Loop() {
		if i++; i%benchRecorderEvents == 0 {
			r = NewRecorder(nil) // bound the benchmark's memory
		}
		r.Append(ev)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// benchRecorderEvents is how many events a benchmark records before it
// starts a fresh recorder, so that long runs do not hold gigabytes.
const benchRecorderEvents = 1 << 20

// BenchmarkRecorderAppendSubscribed appends with one subscriber draining
// the channel, as the UI bridge does.
func BenchmarkRecorderAppendSubscribed(b *testing.B) {
	var r *Recorder
	var done chan struct{}
	var delivered, resyncs atomic.Int64
	restart := func() {
		if r != nil {
			r.Close()
			<-done
		}
		r = NewRecorder(nil) // a fresh recorder bounds the benchmark's memory
		sub := r.Subscribe(1024)
		done = make(chan struct{})
		go func() {
			defer close(done)
			for u := range sub.C {
				if u.Resync {
					resyncs.Add(1)
					sub.Resync()
					continue
				}
				delivered.Add(1)
			}
		}()
	}
	restart()
	ev := lineEv(1, "a1 OK FETCH completed")
	b.ReportAllocs()
	start := time.Now()
	i := 0
	for b.Loop() {
		if i++; i%benchRecorderEvents == 0 {
			restart()
		}
		r.Append(ev)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	r.Close()
	<-done
	b.ReportMetric(float64(delivered.Load())/float64(b.N), "delivered/event")
	b.ReportMetric(float64(resyncs.Load()), "resyncs")
}

// BenchmarkSessionLines is the per-line cost of the tap: reassembly,
// parsing and recording of short command and reply lines.
func BenchmarkSessionLines(b *testing.B) {
	r := NewRecorder(nil)
	s := r.NewSession(SessionInfo{Protocol: IMAP})
	cmd, reply := []byte("a1 UID FETCH 1:* (FLAGS)\r\n"), []byte("* 1 FETCH (UID 5 FLAGS (\\Seen))\r\n")
	b.ReportAllocs()
	start := time.Now()
	i := 0
	for b.Loop() {
		if i++; i%(benchRecorderEvents/2) == 0 {
			r = NewRecorder(nil)
			s = r.NewSession(SessionInfo{Protocol: IMAP})
		}
		s.Transfer(true, cmd, 0, 0, 0, wall0)
		s.Transfer(false, reply, 0, 0, 0, wall0)
	}
	b.ReportMetric(2*float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkSessionTransfer is bulk throughput through the tap: the body
// of a POP3 RETR, 76-byte lines as the link hands them over, one bulk
// event per 1 MiB message. Payload is kept until the limit, then only
// previews, so it runs at steady state.
func BenchmarkSessionTransfer(b *testing.B) {
	for _, keep := range []bool{true, false} {
		b.Run(fmt.Sprintf("keepPayload=%v", keep), func(b *testing.B) {
			opt := &Options{PayloadLimit: -1}
			if keep {
				opt.PayloadLimit = 1 << 62
			}
			r := NewRecorder(opt)
			s := r.NewSession(SessionInfo{Protocol: POP3})
			line := []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/ABCDEFGHIJ\r\n")
			const perMsg = (1 << 20) / 76
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i%perMsg == 0 {
					if i > 0 {
						s.Transfer(false, []byte(".\r\n"), 0, 0, 0, wall0)
						if keep {
							r = NewRecorder(opt) // drop kept payload between messages
							s = r.NewSession(SessionInfo{Protocol: POP3})
						}
					}
					s.Transfer(true, []byte("RETR 1\r\n"), 0, 0, 0, wall0)
					s.Transfer(false, []byte("+OK\r\n"), 0, 0, 0, wall0)
				}
				s.Transfer(false, line, time.Duration(i), time.Duration(i+1), 116, wall0)
				i++
			}
		})
	}
}

// A reader that resyncs after the recorder closed sees nothing queued
// before the snapshot (TestRecorderConcurrent's readers can start late).
func TestResyncAfterClose(t *testing.T) {
	r := NewRecorder(nil)
	sub := r.Subscribe(8)
	s := r.NewSession(SessionInfo{Protocol: POP3})
	for range 20 {
		s.Transfer(true, []byte("NOOP\r\n"), 0, 0, 0, wall0)
	}
	r.Close()
	last := sub.Resync().Seq
	if last != 20 {
		t.Fatalf("Resync().Seq = %d, want 20", last)
	}
	for u := range sub.C {
		t.Errorf("after Resync at %d: got %+v, want nothing", last, u)
	}
}
