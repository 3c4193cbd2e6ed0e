package link

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

const ms = time.Millisecond

// kiloLink carries 1,000 bytes a second each way with 100 ms latency and
// 100-byte segments without overhead: a segment takes 0.1 s on the wire,
// and byte i of a write leaving at d arrives at d + 0.1 s × (i/100 + 1) +
// 0.1 s. Easy sums for exact virtual times.
var kiloLink = Profile{ID: "kilo", DownBps: 8000, UpBps: 8000, Latency: 100 * ms, MSS: 100}

// timedTap records what the link reports, with virtual times.
type timedTap struct {
	mu     sync.Mutex
	events []tapEvent
}

type tapEvent struct {
	what string // "up", "down", or "mark:kind:detail"
	n    int
	at   time.Duration // departure, or the mark's time
}

func (d *timedTap) Transfer(fromClient bool, p []byte, depart, _ time.Duration, _ int, _ time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	what := "down"
	if fromClient {
		what = "up"
	}
	d.events = append(d.events, tapEvent{what: what, n: len(p), at: depart})
}

func (d *timedTap) Mark(kind, detail string, _ bool, at time.Duration, _ time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.events = append(d.events, tapEvent{what: "mark:" + kind + ":" + detail, at: at})
}

func (d *timedTap) snapshot() []tapEvent {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]tapEvent(nil), d.events...)
}

// bytes is how many bytes the tap heard of in direction what, and the
// index of the first mark with the prefix (-1 for none).
func (d *timedTap) find(what, mark string) (n, markAt int, m tapEvent) {
	markAt = -1
	for i, e := range d.snapshot() {
		if e.what == what {
			n += e.n
		}
		if markAt < 0 && strings.HasPrefix(e.what, "mark:"+mark) {
			markAt, m = i, e
		}
	}
	return n, markAt, m
}

func (d *timedTap) String() string {
	var b strings.Builder
	for _, e := range d.snapshot() {
		fmt.Fprintf(&b, "%s/%d@%v ", e.what, e.n, e.at)
	}
	return b.String()
}

// readAll reads until an error and returns the bytes and the error.
func readAll(c *Conn) (int, error) {
	buf := make([]byte, 4096)
	got := 0
	for {
		n, err := c.Read(buf)
		got += n
		if err != nil {
			return got, err
		}
	}
}

// offline,at=5s,for=30s on the virtual clock: a transfer under way breaks
// where its bytes reach 5 s, exactly; an idle connection breaks when one
// of its ends acts after 5 s; one that ended before is untouched; dials
// in the window fail and after it work.
func TestOfflineBetweenOnTheVirtualClock(t *testing.T) {
	tap := &timedTap{}
	l := New(Options{Profile: kiloLink, NewTap: func(ConnInfo) Tap { return tap }})
	l.OfflineBetween(5*time.Second, 35*time.Second)

	// Ends before the window: nothing happens to it.
	c0, s0 := mustPipe(t, l, PipeOptions{})
	io.WriteString(s0, "+OK bye\r\n")
	readN(t, c0, 9)
	s0.Close()
	c0.Close()
	if f := c0.Stats().Fault; f != "" {
		t.Errorf("a connection that ended at %v broke: %q", c0.Now(), f)
	}

	// 10,000 bytes leave at 0 and take 10 s: the 48 segments that arrive
	// by 4.9 s get through, the 49th would arrive at 5.0 s.
	c, s := mustPipe(t, l, PipeOptions{})
	if _, err := s.Write(lines(10000)); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(c)
	if got != 4800 || !errors.Is(err, ErrOffline) {
		t.Errorf("client read %d bytes, %v; want 4800, ErrOffline", got, err)
	}
	if c.Now() != 5*time.Second {
		t.Errorf("the client learnt of the break at %v, want 5s", c.Now())
	}
	if _, err := s.Write([]byte("more\r\n")); !errors.Is(err, ErrOffline) {
		t.Errorf("server write after the break: %v, want ErrOffline", err)
	}
	// By 5 s the first 50 segments had begun to leave: 5,000 bytes were
	// sent, 4,800 arrived, 200 were on the wire and lost; the other
	// 5,000 never left the server, so they do not count as sent.
	if st := c.Stats(); st.Fault != "offline" || st.Down.Payload != 5000 || st.Down.Lost != 200 {
		t.Errorf("stats = fault %q, %d carried, %d lost; want offline, 5000, 200", st.Fault, st.Down.Payload, st.Down.Lost)
	}

	// Idle from 1 s; the client speaks again at 6 s: too late.
	c2, s2 := mustPipe(t, l, PipeOptions{Start: time.Second})
	c2.Advance(6 * time.Second)
	if _, err := c2.Write([]byte("NOOP\r\n")); !errors.Is(err, ErrOffline) {
		t.Errorf("write at 6s: %v, want ErrOffline", err)
	}
	if _, err := s2.Read(make([]byte, 10)); !errors.Is(err, ErrOffline) || s2.Now() != 5*time.Second {
		t.Errorf("the idle server's read: %v at %v, want ErrOffline at 5s", err, s2.Now())
	}

	for _, start := range []time.Duration{5 * time.Second, 20 * time.Second, 35*time.Second - 1} {
		if _, _, err := l.Pipe(PipeOptions{Start: start}); !errors.Is(err, ErrOffline) {
			t.Errorf("Pipe at %v: %v, want ErrOffline", start, err)
		}
	}
	c3, s3 := mustPipe(t, l, PipeOptions{Start: 35 * time.Second})
	io.WriteString(c3, "STAT\r\n")
	if readN(t, s3, 6); s3.Now() != 35*time.Second+106*ms {
		t.Errorf("after the window: STAT arrived at %v, want 35.106s", s3.Now())
	}

	s.Close()
	c.Close()
	// The trace: the bytes that arrived, then the fault at 5 s, then the
	// closes, none before it.
	var faults []tapEvent
	down := 0
	for _, e := range tap.snapshot() {
		switch {
		case e.what == "mark:fault:offline":
			faults = append(faults, e)
		case e.what == "down" && len(faults) == 0 && down < 4800+9:
			down += e.n
		}
	}
	if len(faults) != 2 || faults[0].at != 5*time.Second || faults[1].at != 5*time.Second {
		t.Errorf("offline marks = %+v, want two at 5s: %v", faults, tap)
	}
	if down != 9+4800 {
		t.Errorf("the tap heard %d bytes before the fault, want 4809 (the bye and what arrived)", down)
	}
}

// A dial-up call that is still dialling when the link goes offline ends
// then; its connection breaks as it comes up.
func TestOfflineBetweenEndsTheCall(t *testing.T) {
	p := kiloLink
	p.DialTime = 20 * time.Second
	tap := &timedTap{}
	l := New(Options{Profile: p, NewTap: func(ConnInfo) Tap { return tap }})
	l.EnableCalls(CallOptions{})
	l.OfflineBetween(5*time.Second, 35*time.Second)
	c, s := mustPipe(t, l, PipeOptions{})
	if _, err := s.Write([]byte("+OK\r\n")); !errors.Is(err, ErrOffline) {
		t.Errorf("greeting: %v, want ErrOffline", err)
	}
	if _, err := c.Read(make([]byte, 8)); !errors.Is(err, ErrOffline) {
		t.Errorf("client read: %v, want ErrOffline", err)
	}
	st := l.CallState()
	if st.Up || st.Ended != EndOffline || st.TotalOnline != 0 || st.TotalCost != 0 {
		t.Errorf("call = %+v, want ended offline, never online", st)
	}
	if _, i, m := tap.find("", "fault:offline"); i < 0 || m.at != 20*time.Second {
		t.Errorf("offline mark %+v, want at 20s, when the line came up: %v", m, tap)
	}
	c.Close()
	s.Close()
	// After the window the next connection dials again.
	c2, s2 := mustPipe(t, l, PipeOptions{Start: 40 * time.Second})
	io.WriteString(s2, "+OK\r\n")
	if readN(t, c2, 5); c2.Now() != 60*time.Second+105*ms {
		t.Errorf("greeting after the redial at %v, want 60.105s", c2.Now())
	}
	if st := l.CallState(); st.Calls != 2 || !st.Up {
		t.Errorf("call = %+v, want a second call up", st)
	}
}

// stall,at=2s,for=10s on the virtual clock: nothing leaves between 2 s
// and 12 s. A write on its way at 2 s keeps the segments already on the
// wire and the rest leaves at 12 s; the other direction's first write in
// the window waits too; the stall is in the trace before the bytes it held.
func TestTimedStallOnTheVirtualClock(t *testing.T) {
	spec, err := ParseFault("stall,at=2s,for=10s")
	if err != nil {
		t.Fatal(err)
	}
	tap := &timedTap{}
	l := New(Options{Profile: kiloLink, NewTap: func(ConnInfo) Tap { return tap }, Faults: func(ci ConnInfo) []Fault {
		f, err := spec.Fault(ci)
		if err != nil {
			t.Error(err)
		}
		return []Fault{f}
	}})
	c, s := mustPipe(t, l, PipeOptions{})
	// Before the window: untouched.
	io.WriteString(c, "hi\n")
	if readN(t, s, 3); s.Now() != 103*ms {
		t.Errorf("before the stall: %v, want 0.103s", s.Now())
	}
	// 1,000 bytes leaving at 1.75 s: segments leave at 1.75, 1.85 and
	// 1.95 s, before 2 s; the other 700 bytes leave at 12 s.
	s.Advance(1750 * ms)
	s.Write(lines(1000))
	if readN(t, c, 300); c.Now() != 2150*ms {
		t.Errorf("the 300 bytes on the wire arrived at %v, want 2.15s", c.Now())
	}
	if readN(t, c, 700); c.Now() != 12800*ms {
		t.Errorf("the 700 held bytes arrived at %v, want 12.8s", c.Now())
	}
	// The client's first write in the window, at 2.5 s, leaves at 12 s.
	c2, s2 := mustPipe(t, l, PipeOptions{})
	c2.Advance(2500 * ms)
	io.WriteString(c2, "ab\n")
	if readN(t, s2, 3); s2.Now() != 12*time.Second+103*ms {
		t.Errorf("a write at 2.5s arrived at %v, want 12.103s", s2.Now())
	}
	// After the window: untouched (it queues behind the one before).
	io.WriteString(c2, "cd\n")
	if readN(t, s2, 3); s2.Now() != 12*time.Second+106*ms {
		t.Errorf("the next write arrived at %v, want 12.106s", s2.Now())
	}

	// The first connection's trace: hi, the 300 bytes, the stall at 2 s,
	// the 700 bytes.
	var seq []string
	for _, e := range tap.snapshot() {
		seq = append(seq, fmt.Sprintf("%s@%v", e.what, e.at))
		if strings.HasPrefix(e.what, "mark:connect") && len(seq) > 1 {
			break // the second connection
		}
	}
	down, mark, m := tap.find("down", "fault:stall both for 10s at 2s")
	if mark < 0 || m.at != 2*time.Second || down != 1000 {
		t.Fatalf("stall mark %+v at %d, %d bytes down: %q", m, mark, down, seq)
	}
	before := 0
	for _, e := range tap.snapshot()[:mark] {
		if e.what == "down" {
			before += e.n
		}
	}
	if before != 300 {
		t.Errorf("the tap heard %d bytes down before the stall, want the 300 on the wire: %q", before, seq)
	}
}

// An end that closes with bytes sent to it unread, or still on their way,
// resets the connection (RFC 1122 4.2.2.13): the tap hears of a reset
// fault, then the close; the peer reads what the closer wrote, then
// ErrReset, and its writes fail. A close with nothing unread is a FIN.
func TestCloseWithUnreadBytesResets(t *testing.T) {
	tap := &timedTap{}
	l := New(Options{Profile: kiloLink, NewTap: func(ConnInfo) Tap { return tap }})
	c, s := mustPipe(t, l, PipeOptions{})
	s.Write([]byte(strings.Repeat("x", 1000)))
	io.WriteString(c, "QUIT\r\n")
	if n, _ := c.Read(make([]byte, 100)); n != 100 || c.Now() != 200*ms {
		t.Fatalf("first segment: %d bytes at %v, want 100 at 0.2s", n, c.Now())
	}
	c.Close() // 900 bytes unread, 800 of them still on their way
	if got, err := readAll(s); got != 6 || !errors.Is(err, ErrReset) {
		t.Errorf("server read %d bytes, %v; want QUIT and ErrReset", got, err)
	}
	if _, err := s.Write([]byte("+OK\r\n")); !errors.Is(err, ErrReset) {
		t.Errorf("server write after the reset: %v, want ErrReset", err)
	}
	s.Close()
	down, fault, f := tap.find("down", "fault:reset: client closed with 900 bytes unread")
	_, cl, _ := tap.find("", "close:client closed")
	if fault < 0 || cl < fault || down != 100 {
		t.Errorf("fault at %d, close at %d, %d bytes heard: %v", fault, cl, down, tap)
	}
	if f.at != 200*ms {
		t.Errorf("reset at %v, want 0.2s", f.at)
	}
	if st := c.Stats(); st.Down.Lost != 900 || !strings.HasPrefix(st.Fault, "reset: client closed") {
		t.Errorf("stats: lost %d, fault %q; want 900 lost and the reset", st.Down.Lost, st.Fault)
	}

	// Nothing unread: a plain close.
	tap2 := &timedTap{}
	l2 := New(Options{Profile: kiloLink, NewTap: func(ConnInfo) Tap { return tap2 }})
	c2, s2 := mustPipe(t, l2, PipeOptions{})
	io.WriteString(s2, "+OK bye\r\n")
	readN(t, c2, 9)
	c2.Close()
	if n, err := readAll(s2); n != 0 || err != io.EOF {
		t.Errorf("server read after a clean close: %d, %v; want EOF", n, err)
	}
	s2.Close()
	if _, i, _ := tap2.find("", "fault"); i >= 0 {
		t.Errorf("a clean close reported a fault: %v", tap2)
	}
}

// A close is never earlier in virtual time than what the tap heard before
// it: a server that writes ten 100-byte replies at 0 s and closes has its
// last one leave at 0.9 s, ahead of its close.
func TestCloseMarkFollowsItsEvents(t *testing.T) {
	tap := &timedTap{}
	l := New(Options{Profile: kiloLink, NewTap: func(ConnInfo) Tap { return tap }})
	c, s := mustPipe(t, l, PipeOptions{})
	for i := 0; i < 10; i++ {
		s.Write([]byte(strings.Repeat("x", 99) + "\n"))
	}
	s.Close()
	readAll(c)
	c.Close()
	var last time.Duration
	for _, e := range tap.snapshot() {
		if e.at < last && strings.HasPrefix(e.what, "mark:close") {
			t.Errorf("%s at %v after an event at %v: %v", e.what, e.at, last, tap)
		}
		last = max(last, e.at)
	}
	if _, i, m := tap.find("", "close:server closed"); i < 0 || m.at != 900*ms {
		t.Errorf("server close at %+v, want 0.9s (its last bytes left then)", m)
	}
}

// On the virtual clock a reader waiting for bytes a drop ate, while its
// peer waits for it, gives up a minute later with a timeout, as a mail
// client's own timeout would; nothing else would ever happen.
func TestDropGivesUpOnTheVirtualClock(t *testing.T) {
	l := New(Options{Profile: kiloLink})
	l.InjectNext(Drop{Dir: Down, After: 5})
	c, s := mustPipe(t, l, PipeOptions{})
	go func() {
		io.WriteString(s, "+OK\r\n+OK lost\r\n")
		s.Read(make([]byte, 10)) // the server waits for the next command
	}()
	got, err := readAll(c)
	var ne interface{ Timeout() bool }
	if got != 5 || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("client read %d bytes, %v; want 5 and a timeout", got, err)
	}
	if c.Now() != 105*ms+DefaultDropGiveUp {
		t.Errorf("the client gave up at %v, want 1m0.105s", c.Now())
	}
}
