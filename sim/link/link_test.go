package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func noJitter(p Profile) Profile {
	p.Jitter = 0
	return p
}

func mustPipe(t testing.TB, l *Link, o PipeOptions) (*Conn, *Conn) {
	t.Helper()
	c, s, err := l.Pipe(o)
	if err != nil {
		t.Fatalf("Pipe: %v", err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c, s
}

// readN reads exactly n bytes and returns the reader's clock afterwards.
func readN(t testing.TB, c *Conn, n int) time.Duration {
	t.Helper()
	buf := make([]byte, 32<<10)
	got := 0
	for got < n {
		k, err := c.Read(buf)
		got += k
		if err != nil {
			t.Fatalf("Read after %d of %d bytes: %v", got, n, err)
		}
	}
	return c.Now()
}

// A 1 MiB transfer takes exactly handshake + wire bytes × 8 / bandwidth +
// latency on every preset.
func TestTransferDurationPerPreset(t *testing.T) {
	const size = 1 << 20
	payload := make([]byte, size) // no LF: reads are bounded by the buffer
	for _, p := range Presets() {
		p := noJitter(p)
		t.Run(p.ID, func(t *testing.T) {
			l := New(Options{Profile: p})
			c, s := mustPipe(t, l, PipeOptions{Start: time.Hour})
			if _, err := c.Write(payload); err != nil {
				t.Fatal(err)
			}
			got := readN(t, s, size) - time.Hour
			want := p.Setup() + Serialise(int64(p.WireBytes(size)), p.UpBps) + p.Latency
			if got != want {
				t.Errorf("1 MiB up over %s took %v, want %v", p.ID, got, want)
			}
			st := c.Stats()
			if st.Up.Payload != size || st.Up.Wire != int64(p.WireBytes(size)) || st.Up.Segments != int64(p.Segments(size)) {
				t.Errorf("Stats().Up = %+v, want payload %d wire %d segments %d", st.Up, size, p.WireBytes(size), p.Segments(size))
			}
			if c.Now() != time.Hour+p.Setup() {
				t.Errorf("writer clock moved to %v; writes must not advance it", c.Now())
			}
		})
	}
}

// serveLines answers every line with reply, after an optional greeting,
// until EOF.
func serveLines(s *Conn, greeting, reply string) chan error {
	done := make(chan error, 1)
	go func() {
		br := bufio.NewReader(s)
		if greeting != "" {
			if _, err := io.WriteString(s, greeting); err != nil {
				done <- err
				return
			}
		}
		for {
			if _, err := br.ReadString('\n'); err != nil {
				if err == io.EOF {
					err = nil
				}
				done <- err
				return
			}
			if _, err := io.WriteString(s, reply); err != nil {
				done <- err
				return
			}
		}
	}()
	return done
}

func lockStep(t *testing.T, p Profile, n int) (time.Duration, Stats) {
	t.Helper()
	return session(t, New(Options{Profile: p}), 0, n)
}

// A lock-step exchange of N commands costs N round trips plus the
// serialisation of each line, exactly.
func TestLockStepCostsRoundTrips(t *testing.T) {
	const n = 20
	for _, p := range Presets() {
		p := noJitter(p)
		t.Run(p.ID, func(t *testing.T) {
			end, st := lockStep(t, p, n)
			su := Serialise(int64(p.WireBytes(len("NOOP\r\n"))), p.UpBps)
			sd := Serialise(int64(p.WireBytes(len("+OK\r\n"))), p.DownBps)
			greet := Serialise(int64(p.WireBytes(len("+OK ready\r\n"))), p.DownBps)
			want := p.Setup() + p.RTT() + greet + n*(p.RTT()+su+sd)
			if end != want {
				t.Errorf("%d lock-step commands over %s took %v, want %v", n, p.ID, end, want)
			}
			if p.Latency > 0 && st.ClientTurns != n+1 {
				t.Errorf("ClientTurns = %d, want %d (greeting + %d commands)", st.ClientTurns, n+1, n)
			}
		})
	}
}

// Pipelined commands cost one round trip, not N.
func TestPipeliningCostsOneRoundTrip(t *testing.T) {
	const n = 20
	for _, id := range []string{"dialup-56k", "satellite-geo", "adsl-8m"} {
		p, _ := Preset(id)
		p = noJitter(p)
		t.Run(id, func(t *testing.T) {
			l := New(Options{Profile: p})
			c, s := mustPipe(t, l, PipeOptions{})
			done := serveLines(s, "", "+OK\r\n")
			for i := 0; i < n; i++ {
				io.WriteString(c, "NOOP\r\n")
			}
			br := bufio.NewReader(c)
			for i := 0; i < n; i++ {
				if _, err := br.ReadString('\n'); err != nil {
					t.Fatal(err)
				}
			}
			end := c.Now()
			c.Close()
			<-done
			su := Serialise(int64(p.WireBytes(6)), p.UpBps)
			sd := Serialise(int64(p.WireBytes(5)), p.DownBps)
			if sd > su {
				t.Fatalf("test assumes replies serialise faster than commands")
			}
			want := p.Setup() + n*su + sd + p.RTT()
			if end != want {
				t.Errorf("%d pipelined commands took %v, want %v", n, end, want)
			}
			if turns := c.Stats().ClientTurns; turns != 1 {
				t.Errorf("ClientTurns = %d, want 1", turns)
			}
		})
	}
}

func TestJitterIsReproducible(t *testing.T) {
	p, _ := Preset("3g")
	base, _ := lockStep(t, noJitter(p), 10)
	a, _ := lockStep(t, p, 10)
	b, _ := lockStep(t, p, 10)
	if a != b {
		t.Errorf("same seed: %v then %v", a, b)
	}
	if a <= base || a > base+2*11*p.Jitter {
		t.Errorf("jittered run %v outside [%v, %v]", a, base, base+2*11*p.Jitter)
	}
	p.Seed = 99
	c, _ := lockStep(t, p, 10)
	if c == a {
		t.Errorf("seed 99 gave the same time as seed 0: %v", c)
	}
}

func TestReadReturnsOneWriteUpToLF(t *testing.T) {
	l := New(Options{})
	c, s := mustPipe(t, l, PipeOptions{})
	io.WriteString(c, "a\r\nbb\r\n")
	io.WriteString(c, "ccc")
	io.WriteString(c, "d\r\n")
	buf := make([]byte, 100)
	for _, want := range []string{"a\r\n", "bb\r\n", "ccc", "d\r\n"} {
		n, err := s.Read(buf)
		if err != nil || string(buf[:n]) != want {
			t.Errorf("Read = %q, %v; want %q", buf[:n], err, want)
		}
	}
}

// Drained waits for a reader on another goroutine to take all that was
// written, and the clock stands at the last byte's arrival when it
// returns: whoever answers then answers after the whole write, however
// far the reader had got.
func TestDrained(t *testing.T) {
	p := Profile{UpBps: 8000, MSS: 3, Latency: 10 * time.Millisecond} // 1 byte per ms, 3 per segment
	l := New(Options{Profile: p})
	c, s := mustPipe(t, l, PipeOptions{})
	if err := s.Drained(t.Context()); err != nil {
		t.Fatalf("Drained on nothing = %v", err)
	}
	io.WriteString(c, "a\r\nbbbb\r\n")
	first, more := make(chan time.Duration), make(chan struct{})
	go func() {
		buf := make([]byte, 100)
		s.Read(buf) // "a\r\n"
		first <- s.Now()
		<-more
		s.Read(buf) // "bbbb\r\n"
	}()
	if got := <-first; got != 13*time.Millisecond {
		t.Fatalf("first line at %v, want 13ms", got)
	}
	done := make(chan time.Duration)
	go func() {
		if err := s.Drained(t.Context()); err != nil {
			t.Errorf("Drained = %v", err)
		}
		done <- s.Now()
	}()
	close(more)
	if got := <-done; got != 19*time.Millisecond {
		t.Errorf("clock when Drained returned = %v, want 19ms (the last byte's arrival)", got)
	}
}

// A reader of a large write gets each segment's bytes at that segment's
// arrival, not the whole write's.
func TestSegmentArrivals(t *testing.T) {
	p := Profile{UpBps: 8000, MSS: 100, HeaderBytes: 0} // 1 byte per ms
	l := New(Options{Profile: p})
	c, s := mustPipe(t, l, PipeOptions{})
	c.Write(make([]byte, 250))
	buf := make([]byte, 150)
	n, _ := s.Read(buf)
	if n != 150 || s.Now() != 200*time.Millisecond {
		t.Errorf("first read: %d bytes at %v, want 150 at 200ms (end of segment 2)", n, s.Now())
	}
	n, _ = s.Read(buf)
	if n != 100 || s.Now() != 250*time.Millisecond {
		t.Errorf("second read: %d bytes at %v, want 100 at 250ms", n, s.Now())
	}
}

type recTap struct {
	mu     sync.Mutex
	pieces []string
	wire   int
	last   time.Duration
	marks  []string
	order  bool
}

func (r *recTap) Transfer(fromClient bool, p []byte, depart, arrive time.Duration, wire int, _ time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pieces = append(r.pieces, fmt.Sprintf("%v:%s", fromClient, p))
	r.wire += wire
	if arrive < depart {
		r.order = true
	}
}

func (r *recTap) Mark(kind, detail string, fromClient bool, at time.Duration, _ time.Time) {
	r.mu.Lock()
	r.marks = append(r.marks, kind+":"+detail)
	r.mu.Unlock()
}

func TestTapSeesEveryLine(t *testing.T) {
	tap := &recTap{}
	p, _ := Preset("dialup-56k")
	l := New(Options{Profile: p, NewTap: func(ConnInfo) Tap { return tap }})
	c, s, _ := l.Pipe(PipeOptions{Protocol: "smtp", ServerAddr: "mx"})
	io.WriteString(c, "HELO a\r\nMAIL FROM:<a@b>\r\npartial")
	readN(t, s, len("HELO a\r\nMAIL FROM:<a@b>\r\npartial"))
	io.WriteString(s, "250 ok\r\n")
	readN(t, c, len("250 ok\r\n"))
	c.Close()
	s.Close()
	want := []string{"true:HELO a\r\n", "true:MAIL FROM:<a@b>\r\n", "true:partial", "false:250 ok\r\n"}
	if strings.Join(tap.pieces, "|") != strings.Join(want, "|") {
		t.Errorf("pieces = %q, want %q", tap.pieces, want)
	}
	st := c.Stats()
	if int64(tap.wire) != st.Up.Wire+st.Down.Wire {
		t.Errorf("tap wire %d != stats wire %d", tap.wire, st.Up.Wire+st.Down.Wire)
	}
	if tap.order {
		t.Error("a piece arrived before it departed")
	}
	if len(tap.marks) != 3 || !strings.HasPrefix(tap.marks[0], "connect:") || !strings.HasPrefix(tap.marks[2], "close:") {
		t.Errorf("marks = %q, want connect, close, close", tap.marks)
	}
	if !st.Closed || len(l.Open()) != 0 {
		t.Errorf("closed pair still open: %+v, %d open", st, len(l.Open()))
	}
}

func TestCloseSemantics(t *testing.T) {
	l := New(Options{})
	c, s := mustPipe(t, l, PipeOptions{})
	io.WriteString(c, "QUIT\r\n")
	c.Close()
	got, err := io.ReadAll(s)
	if string(got) != "QUIT\r\n" || err != nil {
		t.Errorf("ReadAll after peer close = %q, %v", got, err)
	}
	if _, err := io.WriteString(s, "+OK\r\n"); !errors.Is(err, ErrReset) {
		t.Errorf("write to closed peer: %v, want ErrReset", err)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("read on closed conn: %v, want net.ErrClosed", err)
	}
}

func TestResetAfter(t *testing.T) {
	l := New(Options{})
	l.InjectNext(ResetAfter{Dir: Down, Bytes: 600})
	c, s := mustPipe(t, l, PipeOptions{})
	n, err := s.Write(make([]byte, 1000))
	if n != 600 || !errors.Is(err, ErrReset) {
		t.Errorf("Write over the reset = %d, %v; want 600, ErrReset", n, err)
	}
	got, err := io.ReadAll(c)
	if len(got) != 600 || !errors.Is(err, ErrReset) {
		t.Errorf("reader got %d bytes, %v; want 600, ErrReset", len(got), err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, ErrReset) {
		t.Errorf("write after reset: %v, want ErrReset", err)
	}
	if f := c.Stats().Fault; !strings.Contains(f, "reset after 600") {
		t.Errorf("Stats().Fault = %q", f)
	}
}

func TestStall(t *testing.T) {
	p := Profile{Latency: 10 * time.Millisecond}
	l := New(Options{Profile: p})
	c, s := mustPipe(t, l, PipeOptions{})
	c.Inject(Stall{Dir: Up, After: 3, For: 5 * time.Second})
	io.WriteString(c, "ab\n")
	readN(t, s, 3)
	if s.Now() != 10*time.Millisecond {
		t.Errorf("before the stall: %v, want 10ms", s.Now())
	}
	io.WriteString(c, "cd\n")
	readN(t, s, 3)
	if s.Now() != 5*time.Second+10*time.Millisecond {
		t.Errorf("after the stall: %v, want 5.01s", s.Now())
	}
}

func TestDrop(t *testing.T) {
	l := New(Options{})
	c, s := mustPipe(t, l, PipeOptions{})
	c.Inject(Drop{Dir: Up, After: 2})
	io.WriteString(c, "ok")
	io.WriteString(c, "lost\r\n")
	readN(t, s, 2)
	s.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := s.Read(make([]byte, 10))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read of dropped bytes: %v, want a timeout", err)
	}
	if st := c.Stats(); st.Up.Payload != 8 {
		t.Errorf("dropped bytes still leave the sender: payload %d, want 8", st.Up.Payload)
	}
}

func TestOffline(t *testing.T) {
	l := New(Options{})
	c, s := mustPipe(t, l, PipeOptions{})
	readErr := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 10))
		readErr <- err
	}()
	l.SetOffline(true)
	if err := <-readErr; !errors.Is(err, ErrOffline) {
		t.Errorf("blocked read when going offline: %v, want ErrOffline", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, ErrOffline) {
		t.Errorf("write while offline: %v", err)
	}
	if _, _, err := l.Pipe(PipeOptions{}); !errors.Is(err, ErrOffline) {
		t.Errorf("Pipe while offline: %v, want ErrOffline", err)
	}
	l.SetOffline(false)
	c2, s2 := mustPipe(t, l, PipeOptions{})
	io.WriteString(c2, "hi\n")
	if readN(t, s2, 3); c.Stats().Fault != "offline" {
		t.Errorf("Fault = %q, want offline", c.Stats().Fault)
	}
}

func TestListenerAndDialer(t *testing.T) {
	p, _ := Preset("isdn-128k")
	l := New(Options{Profile: noJitter(p)})
	ln, err := l.Listen("pop3", "pop3.lab:110")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Listen("pop3", "pop3.lab:110"); err == nil {
		t.Error("second Listen on the same address succeeded")
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				io.WriteString(conn, "+OK POP3 ready\r\n")
			}()
		}
	}()
	d := &Dialer{Link: l, DialOptions: DialOptions{Start: 9 * time.Hour, ClientAddr: "Laptop"}}
	conn, err := d.Dial("tcp", "pop3.lab:110")
	if err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(conn).ReadString('\n')
	if line != "+OK POP3 ready\r\n" {
		t.Errorf("greeting = %q", line)
	}
	if got := d.Last().Info(); got.Protocol != "pop3" || got.ClientAddr != "Laptop" || got.Start != 9*time.Hour {
		t.Errorf("Info() = %+v", got)
	}
	if d.Last().Now() <= 9*time.Hour+p.RTT() {
		t.Errorf("client clock %v: greeting should arrive after 09:00 + handshake + RTT", d.Last().Now())
	}
	conn.Close()
	if _, err := d.Dial("tcp", "nowhere:1"); !errors.Is(err, ErrRefused) {
		t.Errorf("Dial unknown: %v, want ErrRefused", err)
	}
	ln.Close()
	if _, err := d.Dial("tcp", "pop3.lab:110"); !errors.Is(err, ErrRefused) {
		t.Errorf("Dial closed listener: %v, want ErrRefused", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ln2, _ := l.Listen("imap", "imap.lab:143")
	defer ln2.Close()
	if _, err := l.Dial(ctx, "imap.lab:143", DialOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Dial with cancelled ctx: %v", err)
	}
}

func TestTariffCost(t *testing.T) {
	tr := Tariff{PerMinute: 0.04, PerCall: 0.10, Increment: time.Minute}
	for _, tc := range []struct {
		d    time.Duration
		want float64
	}{{0, 0.10}, {time.Second, 0.14}, {time.Minute, 0.14}, {61 * time.Second, 0.18}} {
		if got := tr.Cost(tc.d); got != tc.want {
			t.Errorf("Cost(%v) = %v, want %v", tc.d, got, tc.want)
		}
	}
	if (Tariff{}).Cost(time.Hour) != 0 {
		t.Error("flat tariff costs money")
	}
}

func TestPresets(t *testing.T) {
	want := []string{"loopback", "dialup-56k", "isdn-128k", "adsl-8m", "cable-100m", "fibre-1g", "3g", "lte", "satellite-geo"}
	for _, id := range want {
		p, err := Preset(id)
		if err != nil {
			t.Errorf("Preset(%q): %v", id, err)
			continue
		}
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
		if id != "loopback" && (p.DownBps == 0 || p.UpBps == 0 || p.Latency == 0 || p.HandshakeRTTs != 1) {
			t.Errorf("%s: incomplete: %+v", id, p)
		}
	}
	d, _ := Preset("dialup-56k")
	if d.RTT() != 150*time.Millisecond || d.UpBps != 33_600 || d.DialTime != 20*time.Second || d.Tariff.Flat() {
		t.Errorf("dialup-56k = %+v", d)
	}
	if s, _ := Preset("satellite-geo"); s.RTT() != 600*time.Millisecond {
		t.Errorf("satellite RTT = %v", s.RTT())
	}
	if _, err := Preset("carrier-pigeon"); err == nil {
		t.Error("unknown preset accepted")
	}
}

func TestConcurrentPairs(t *testing.T) {
	p, _ := Preset("lte")
	l := New(Options{Profile: p})
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, s, err := l.Pipe(PipeOptions{Start: time.Duration(i) * time.Second})
			if err != nil {
				t.Error(err)
				return
			}
			done := serveLines(s, "* OK\r\n", "a OK\r\n")
			br := bufio.NewReader(c)
			br.ReadString('\n')
			for j := 0; j < 50; j++ {
				fmt.Fprintf(c, "a NOOP %d\r\n", j)
				if line, err := br.ReadString('\n'); err != nil || line != "a OK\r\n" {
					t.Errorf("pair %d reply %d = %q, %v", i, j, line, err)
					return
				}
			}
			c.Close()
			<-done
			s.Close()
		}(i)
	}
	for i := 0; i < 20; i++ {
		q := p
		q.Latency = time.Duration(i) * time.Millisecond
		l.SetProfile(q)
	}
	wg.Wait()
	if n := len(l.Open()); n != 0 {
		t.Errorf("%d pairs still open", n)
	}
}

func TestFormatBps(t *testing.T) {
	for in, want := range map[int64]string{0: "unlimited", 33_600: "33.6 kbit/s", 8_000_000: "8 Mbit/s", 1_000_000_000: "1 Gbit/s", 300: "300 bit/s"} {
		if got := FormatBps(in); got != want {
			t.Errorf("FormatBps(%d) = %q, want %q", in, got, want)
		}
	}
}

// A custom link has the user's figures and TCP's usual costs: IPv4 + TCP
// headers and a handshake of one round trip.
func TestCustomProfile(t *testing.T) {
	p := Custom(1_000_000, 256_000, 100*time.Millisecond, 0)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.RTT() != 100*time.Millisecond || p.Setup() != 100*time.Millisecond || p.HeaderBytes != DefaultHeaderBytes {
		t.Errorf("Custom: RTT %v, set-up %v, headers %d; want 100ms, 100ms, %d", p.RTT(), p.Setup(), p.HeaderBytes, DefaultHeaderBytes)
	}
}
