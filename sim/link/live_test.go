package link

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// fakeWall is a wall clock the test moves by hand.
type fakeWall struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeWall) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeWall) add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func TestLiveClockArithmetic(t *testing.T) {
	w := &fakeWall{t: time.Unix(1000, 0)}
	c := NewLiveClock(LiveOptions{Speed: 10, Start: time.Hour, Now: w.now})
	w.add(time.Second)
	if got := c.Now(); got != time.Hour+10*time.Second {
		t.Errorf("after 1 s at 10×: %v, want 1h0m10s", got)
	}
	c.Pause()
	w.add(time.Minute)
	if got := c.Now(); got != time.Hour+10*time.Second || !c.Paused() {
		t.Errorf("paused clock moved to %v", got)
	}
	c.Resume()
	w.add(2 * time.Second)
	if got := c.Now(); got != time.Hour+30*time.Second || c.Speed() != 10 {
		t.Errorf("resumed at %v× → %v, want 10× → 1h0m30s", c.Speed(), got)
	}
	c.SetSpeed(1)
	if at := c.WallAt(time.Hour + 40*time.Second); !at.Equal(w.now().Add(10 * time.Second)) {
		t.Errorf("WallAt = %v, want now+10s", at)
	}
}

// On a live link a read waits for the wall-clock arrival of its bytes.
func TestLivePairPacesReads(t *testing.T) {
	p := Profile{Latency: 40 * time.Millisecond, HandshakeRTTs: 1, UpBps: 1e6, DownBps: 1e6}
	l := New(Options{Profile: p, Live: NewLiveClock(LiveOptions{Speed: 1})})
	c, s := mustPipe(t, l, PipeOptions{Live: true})
	wall := time.Now()
	io.WriteString(c, "HELLO\r\n")
	readN(t, s, 7)
	// Handshake (80 ms) + latency (40 ms): at least 120 ms of wall time.
	if el := time.Since(wall); el < 110*time.Millisecond {
		t.Errorf("live read returned after %v; the link says ≥ 120 ms", el)
	}
	if s.Now() < 120*time.Millisecond {
		t.Errorf("server clock %v, want ≥ 120ms", s.Now())
	}
}

// A paused live link never expires a read deadline: the library's
// wall-clock timeout must not fire while time stands still.
func TestLiveDeadlineHoldsWhilePaused(t *testing.T) {
	live := NewLiveClock(LiveOptions{})
	l := New(Options{Live: live})
	c, s := mustPipe(t, l, PipeOptions{Live: true})
	live.Pause()
	s.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	got := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 8))
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("read returned while paused: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	live.Resume()
	select {
	case err := <-got:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("after resume: %v, want a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("deadline never fired after resume")
	}
	_ = c
}

// An outside client over real TCP goes through the link: the server sees
// its bytes, the counters and the tap count them.
func TestWrapListener(t *testing.T) {
	tap := &recTap{}
	l := New(Options{NewTap: func(ConnInfo) Tap { return tap }, Live: NewLiveClock(LiveOptions{Speed: 100})})
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := l.WrapListener(raw, "pop3")
	defer ln.Close()
	served := make(chan Stats, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		io.WriteString(conn, "+OK hello\r\n")
		br := bufio.NewReader(conn)
		line, _ := br.ReadString('\n')
		io.WriteString(conn, "+OK you said "+line)
		br.ReadString('\n') // EOF when the client closes
		served <- conn.(*Conn).Stats()
		conn.Close()
	}()
	cl, err := net.Dial("tcp", raw.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(cl)
	g, _ := br.ReadString('\n')
	io.WriteString(cl, "NOOP\r\n")
	r, _ := br.ReadString('\n')
	cl.Close()
	if g != "+OK hello\r\n" || r != "+OK you said NOOP\r\n" {
		t.Errorf("over TCP: %q, %q", g, r)
	}
	st := <-served
	if st.Up.Payload != 6 || st.Down.Payload != int64(len(g)+len(r)) || st.Protocol != "pop3" {
		t.Errorf("Stats = %+v", st)
	}
	if len(tap.pieces) != 3 {
		t.Errorf("tap pieces = %q", tap.pieces)
	}
}
