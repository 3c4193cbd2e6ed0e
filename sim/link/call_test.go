package link

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

func dialup(t testing.TB) Profile {
	t.Helper()
	p, err := Preset("dialup-56k")
	if err != nil {
		t.Fatal(err)
	}
	return noJitter(p)
}

// session runs a POP3-like lock-step session on l starting at start: a
// greeting, n commands each answered with one line, then both ends close.
// It returns the client's clock after the last reply and the
// connection's counters once both ends have closed (End is when the
// server read the client's FIN: the connection's last moment).
func session(t *testing.T, l *Link, start time.Duration, n int) (time.Duration, Stats) {
	t.Helper()
	c, s, err := l.Pipe(PipeOptions{Protocol: "pop3", ClientAddr: "Home PC", ServerAddr: "pop3.lab:110", Start: start})
	if err != nil {
		t.Fatalf("Pipe at %v: %v", start, err)
	}
	done := serveLines(s, "+OK ready\r\n", "+OK\r\n")
	br := bufio.NewReader(c)
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		io.WriteString(c, "NOOP\r\n")
		if line, err := br.ReadString('\n'); err != nil || line != "+OK\r\n" {
			t.Fatalf("reply %d = %q, %v", i, line, err)
		}
	}
	end := c.Now()
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.Close()
	return end, c.Stats()
}

// A lock-step session over the 56k modem takes exactly as long as on a
// line that is already up, plus the dial time before its handshake.
func TestDialDelaysTheFirstSession(t *testing.T) {
	p := dialup(t)
	plain, _ := session(t, New(Options{Profile: p}), 0, 5)

	l := New(Options{Profile: p})
	l.EnableCalls(CallOptions{})
	got, st := session(t, l, 0, 5)
	if got != plain+p.DialTime {
		t.Errorf("session over a dialled line ended at %v, want %v + dial %v = %v", got, plain, p.DialTime, plain+p.DialTime)
	}
	if st.Start != 0 || st.End != got+p.Latency {
		t.Errorf("Stats Start %v, End %v: want 0 (it began when it asked, dial included) and the FIN's arrival %v", st.Start, st.End, got+p.Latency)
	}
	cs := l.CallState()
	if !cs.Up || cs.Dialling || cs.Calls != 1 || cs.DialStart != 0 || cs.Connected != p.DialTime || cs.TotalDial != p.DialTime {
		t.Errorf("CallState = %+v, want one call up, connected at %v", cs, p.DialTime)
	}
	if cs.At != st.End || cs.Online != st.End-p.DialTime {
		t.Errorf("meter at %v online %v, want at the connection's end %v, online %v", cs.At, cs.Online, st.End, st.End-p.DialTime)
	}
}

// While the call is up, further connections do not dial: one after the
// first has closed, one beside it, and one that starts while the line is
// still dialling (it waits for the line).
func TestConnectionsShareTheCall(t *testing.T) {
	p := dialup(t)
	plain, _ := session(t, New(Options{Profile: p}), 0, 3)

	l := New(Options{Profile: p})
	l.EnableCalls(CallOptions{IdleHangup: time.Minute})
	first, _ := session(t, l, 0, 3)
	later := first + 30*time.Second
	if got, _ := session(t, l, later, 3); got != later+plain {
		t.Errorf("second session ended at %v, want %v: no second dial", got, later+plain)
	}

	l = New(Options{Profile: p})
	l.EnableCalls(CallOptions{})
	c1, s1 := mustPipe(t, l, PipeOptions{Start: 0})
	c2, _ := mustPipe(t, l, PipeOptions{Start: 5 * time.Second}) // while dialling
	c3, _ := mustPipe(t, l, PipeOptions{Start: time.Minute})     // beside c1
	if want := p.DialTime + p.Setup(); c1.Now() != want || c2.Now() != want {
		t.Errorf("clients during the dial start at %v and %v, want both at %v", c1.Now(), c2.Now(), want)
	}
	if want := time.Minute + p.Setup(); c3.Now() != want {
		t.Errorf("client beside an open one starts at %v, want %v", c3.Now(), want)
	}
	if want := p.DialTime + p.Setup() + p.Latency; s1.Now() != want {
		t.Errorf("server accepts at %v, want %v", s1.Now(), want)
	}
	if cs := l.CallState(); cs.Calls != 1 || cs.Open != 3 {
		t.Errorf("CallState = %+v, want 1 call with 3 connections open", cs)
	}
}

// A link dials only once EnableCalls is called: the scenario runner bills
// its own calls and must not be charged twice.
func TestNoDialUnlessEnabled(t *testing.T) {
	p := dialup(t)
	l := New(Options{Profile: p})
	c, _ := mustPipe(t, l, PipeOptions{})
	if c.Now() != p.Setup() {
		t.Errorf("client starts at %v, want %v: no dial", c.Now(), p.Setup())
	}
	if cs := l.CallState(); cs.Enabled || cs.Up || cs.Calls != 0 || !cs.Metered {
		t.Errorf("CallState = %+v, want a metered link that has not dialled", cs)
	}
	// An always-on link never dials, even with calls on.
	adsl, _ := Preset("adsl-8m")
	l = New(Options{Profile: adsl})
	l.EnableCalls(CallOptions{})
	c, _ = mustPipe(t, l, PipeOptions{})
	if c.Now() != adsl.Setup() || l.CallState().Calls != 0 {
		t.Errorf("ADSL: client starts at %v, %d calls", c.Now(), l.CallState().Calls)
	}
}

// The line hangs up after the idle time with no connection open, on the
// link's clock, billed until then; the next connection dials again.
// Before the limit, it does not.
func TestIdleHangup(t *testing.T) {
	p := dialup(t)
	const idle = 90 * time.Second
	plain, _ := session(t, New(Options{Profile: p}), 0, 2)
	for _, tc := range []struct {
		name  string
		after time.Duration // from the first session's close
		calls int
	}{
		{"just before the limit", idle - time.Millisecond, 1},
		{"at the limit", idle, 2},
		{"long after", time.Hour, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New(Options{Profile: p})
			l.EnableCalls(CallOptions{IdleHangup: idle})
			_, st := session(t, l, 0, 2)
			first := st.End
			closed := l.CallState()
			if closed.Open != 0 || closed.HangupAt != first+idle {
				t.Fatalf("after the close: %+v, want nothing open, hang-up due at %v", closed, first+idle)
			}
			start := first + tc.after
			end, _ := session(t, l, start, 2)
			cs := l.CallState()
			if cs.Calls != tc.calls {
				t.Fatalf("%d calls, want %d", cs.Calls, tc.calls)
			}
			if tc.calls == 1 {
				if end != start+plain {
					t.Errorf("session ended at %v, want %v (no dial)", end, start+plain)
				}
				return
			}
			if end != start+p.DialTime+plain {
				t.Errorf("session ended at %v, want %v (a new dial)", end, start+p.DialTime+plain)
			}
			// The first call was online from its connect until the limit.
			firstOnline := first + idle - p.DialTime
			if want := firstOnline + cs.Online; cs.TotalOnline != want {
				t.Errorf("TotalOnline = %v, want %v + %v", cs.TotalOnline, firstOnline, cs.Online)
			}
			if cs.TotalDial != 2*p.DialTime || cs.DialStart != start {
				t.Errorf("TotalDial %v, DialStart %v; want %v, %v", cs.TotalDial, cs.DialStart, 2*p.DialTime, start)
			}
		})
	}
}

// With no idle limit the line stays up until hung up. A limit set while
// the line is idle counts from when it went idle.
func TestSetIdleHangup(t *testing.T) {
	p := dialup(t)
	l := New(Options{Profile: p})
	l.EnableCalls(CallOptions{})
	_, st := session(t, l, 0, 1)
	_, st = session(t, l, st.End+time.Hour, 1)
	if cs := l.CallState(); cs.Calls != 1 || !cs.Up || cs.HangupAt != 0 {
		t.Fatalf("no idle limit: %+v, want one call still up", cs)
	}
	l.SetIdleHangup(-time.Second) // is 0
	if cs := l.CallState(); cs.IdleHangup != 0 || !cs.Up {
		t.Fatalf("SetIdleHangup(-1s): %+v", cs)
	}
	l.SetIdleHangup(time.Second)
	if cs := l.CallState(); cs.HangupAt != st.End+time.Second || !cs.Up {
		t.Fatalf("SetIdleHangup(1s): %+v, want a hang-up due at %v", cs, st.End+time.Second)
	}
	session(t, l, st.End+time.Minute, 1)
	cs := l.CallState()
	if cs.Calls != 2 || cs.TotalOnline-cs.Online != st.End+time.Second-p.DialTime {
		t.Errorf("after SetIdleHangup(1s): %+v, want the first call online until %v", cs, st.End+time.Second)
	}
}

// A call costs its tariff's price per call plus every started minute
// from connecting to hanging up; several calls add up.
func TestCallCost(t *testing.T) {
	isdn, _ := Preset("isdn-128k")
	for _, tc := range []struct {
		p      Profile
		online time.Duration
		want   float64
	}{
		{dialup(t), 0, 0.10},
		{dialup(t), time.Second, 0.14},
		{dialup(t), time.Minute, 0.14},
		{dialup(t), 2*time.Minute + 30*time.Second, 0.22}, // 3 started minutes
		{noJitter(isdn), 2*time.Minute + 30*time.Second, 0.44},
		{noJitter(isdn), 10 * time.Minute, 1.00},
	} {
		l := New(Options{Profile: tc.p})
		l.EnableCalls(CallOptions{})
		c, s := mustPipe(t, l, PipeOptions{})
		up := tc.p.DialTime
		c.Advance(up + tc.online)
		s.Advance(up + tc.online)
		// (The server's clock starts at its accept: the meter can show
		// less than a second only after hanging up.)
		if cs := l.CallState(); tc.online >= time.Second && (cs.Online != tc.online || cs.Cost != tc.want) {
			t.Errorf("%s, %v online: meter shows %v, %v; want %v", tc.p.ID, tc.online, cs.Online, cs.Cost, tc.want)
		}
		c.Close()
		s.Close()
		l.HangupAt(up + tc.online)
		cs := l.CallState()
		if cs.Up || cs.TotalOnline != tc.online || cs.TotalCost != tc.want || cs.Cost != 0 || cs.Tariff.Currency != "EUR" {
			t.Errorf("%s, %v online: after hanging up %+v, want %v", tc.p.ID, tc.online, cs, tc.want)
		}
	}

	// Two calls of 30 s: two call charges, two started minutes.
	p := dialup(t)
	l := New(Options{Profile: p})
	l.EnableCalls(CallOptions{})
	for _, at := range []time.Duration{0, time.Hour} {
		c, _ := mustPipe(t, l, PipeOptions{Start: at})
		c.Advance(at + p.DialTime + 30*time.Second)
		l.HangupAt(at + p.DialTime + 30*time.Second)
	}
	if cs := l.CallState(); cs.Calls != 2 || cs.TotalOnline != time.Minute || cs.TotalCost != 0.28 {
		t.Errorf("two 30 s calls: %+v, want 2 calls, 1m online, 0.28", cs)
	}

	// Hung up while still dialling: the call never connected.
	l = New(Options{Profile: p})
	l.EnableCalls(CallOptions{})
	mustPipe(t, l, PipeOptions{})
	l.HangupAt(p.DialTime / 2)
	if cs := l.CallState(); cs.Calls != 1 || cs.TotalCost != 0 || cs.TotalOnline != 0 {
		t.Errorf("hung up while dialling: %+v, want a free call", cs)
	}
}

// Hanging up resets the call's open connections, as going offline does,
// and the trace sees where; the next connection dials again.
func TestHangupResetsOpenConnections(t *testing.T) {
	p := dialup(t)
	tap := &recTap{}
	l := New(Options{Profile: p, NewTap: func(ConnInfo) Tap { return tap }})
	l.EnableCalls(CallOptions{})
	c, s := mustPipe(t, l, PipeOptions{})
	io.WriteString(s, "+OK ready\r\n")
	readN(t, c, len("+OK ready\r\n"))
	at := c.Now()
	l.Hangup()
	if _, err := c.Read(make([]byte, 8)); !errors.Is(err, ErrReset) {
		t.Errorf("client Read after hangup = %v, want ErrReset", err)
	}
	if _, err := s.Write([]byte("+OK\r\n")); !errors.Is(err, ErrReset) {
		t.Errorf("server Write after hangup = %v, want ErrReset", err)
	}
	if st := c.Stats(); st.Fault != EndHangup {
		t.Errorf("Stats().Fault = %q, want %q", st.Fault, EndHangup)
	}
	if last := tap.marks[len(tap.marks)-1]; last != "fault:hangup" {
		t.Errorf("last mark %q, want fault:hangup", last)
	}
	cs := l.CallState()
	if cs.Up || cs.Ended != EndHangup || cs.TotalOnline != at-p.DialTime {
		t.Errorf("after Hangup: %+v, want ended at %v", cs, at)
	}
	c2, _ := mustPipe(t, l, PipeOptions{Start: time.Hour})
	if c2.Now() != time.Hour+p.DialTime+p.Setup() || l.CallState().Calls != 2 {
		t.Errorf("next connection starts at %v, %d calls: want a new dial", c2.Now(), l.CallState().Calls)
	}
	l.Hangup()
	l.Hangup() // no call: nothing
	if cs := l.CallState(); cs.Calls != 2 || cs.Up {
		t.Errorf("after two hangups: %+v", cs)
	}
}

// HangupIdle hangs up a call with nothing open on it, billed until now,
// and leaves one that still carries a connection alone.
func TestHangupIdle(t *testing.T) {
	p := dialup(t)
	l := New(Options{Profile: p})
	if l.HangupIdle() {
		t.Error("HangupIdle with no call = true")
	}
	l.EnableCalls(CallOptions{})
	end, _ := session(t, l, 0, 2)
	c, s := mustPipe(t, l, PipeOptions{Start: end})
	if l.HangupIdle() || !l.CallState().Up {
		t.Fatal("HangupIdle hung up a call that carries a connection")
	}
	io.WriteString(s, "+OK ready\r\n")
	readN(t, c, len("+OK ready\r\n"))
	at := max(c.Now(), s.Now())
	c.Close()
	s.Close()
	// The bill stops when the line went idle, whatever the clock says
	// when the caller hangs up.
	if !l.HangupIdle() {
		t.Fatal("HangupIdle with nothing open = false")
	}
	cs := l.CallState()
	if cs.Up || cs.Ended != EndHangup || cs.Calls != 1 || cs.TotalOnline != at-p.DialTime {
		t.Errorf("after HangupIdle: %+v, want one call ended by hangup, online %v (until the last close)", cs, at-p.DialTime)
	}
	if l.HangupIdle() {
		t.Error("HangupIdle twice = true")
	}
}

// The dialling connection's tap sees the dial, then the connect; a
// connection on the call sees only its connect.
func TestDialMarks(t *testing.T) {
	p := dialup(t)
	type mark struct {
		kind, detail string
		at           time.Duration
	}
	var mu sync.Mutex
	marks := map[uint64][]mark{}
	l := New(Options{Profile: p, NewTap: func(ci ConnInfo) Tap {
		return markTap(func(kind, detail string, at time.Duration) {
			mu.Lock()
			marks[ci.ID] = append(marks[ci.ID], mark{kind, detail, at})
			mu.Unlock()
		})
	}})
	l.EnableCalls(CallOptions{})
	mustPipe(t, l, PipeOptions{ClientAddr: "Home PC", ServerAddr: "pop3.lab:110", Start: time.Second})
	mustPipe(t, l, PipeOptions{ClientAddr: "Laptop", ServerAddr: "imap.lab:143", Start: time.Minute})
	mu.Lock()
	defer mu.Unlock()
	want1 := []mark{
		{MarkDial, "☎ dialling 56k modem… connected after 20.0 s", time.Second},
		{MarkConnect, "Home PC → pop3.lab:110", time.Second + p.DialTime},
	}
	want2 := []mark{{MarkConnect, "Laptop → imap.lab:143", time.Minute}}
	if !equalMarks(marks[1], want1) || !equalMarks(marks[2], want2) {
		t.Errorf("marks = %+v / %+v, want %+v / %+v", marks[1], marks[2], want1, want2)
	}
}

func equalMarks[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type markTap func(kind, detail string, at time.Duration)

func (markTap) Transfer(bool, []byte, time.Duration, time.Duration, int, time.Time) {}
func (f markTap) Mark(kind, detail string, _ bool, at time.Duration, _ time.Time) {
	f(kind, detail, at)
}

// Going offline ends the call (and resets, as always); choosing another
// profile ends it without touching open connections; choosing the same
// preset again keeps it.
func TestOfflineAndProfileChangesEndTheCall(t *testing.T) {
	p := dialup(t)
	l := New(Options{Profile: p})
	l.EnableCalls(CallOptions{})
	c, _ := mustPipe(t, l, PipeOptions{})
	c.Advance(p.DialTime + time.Minute)
	l.SetOffline(true)
	if cs := l.CallState(); cs.Up || cs.Ended != EndOffline || cs.TotalOnline != time.Minute {
		t.Errorf("offline: %+v, want ended after 1m online", cs)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, ErrOffline) {
		t.Errorf("Read after offline = %v, want ErrOffline", err)
	}
	l.SetOffline(false)

	c, s := mustPipe(t, l, PipeOptions{Start: time.Hour})
	if err := l.SetProfile(p); err != nil { // the same line again
		t.Fatal(err)
	}
	if cs := l.CallState(); !cs.Up || cs.Calls != 2 {
		t.Fatalf("re-selecting the preset: %+v, want the call kept", cs)
	}
	adsl, _ := Preset("adsl-8m")
	if err := l.SetProfile(adsl); err != nil {
		t.Fatal(err)
	}
	if cs := l.CallState(); cs.Up || cs.Ended != EndProfile || cs.Metered {
		t.Errorf("after choosing ADSL: %+v, want the call ended", cs)
	}
	io.WriteString(s, "+OK still here\r\n")
	if n := readN(t, c, len("+OK still here\r\n")); n == 0 {
		t.Error("the open connection did not carry on")
	}
	c2, _ := mustPipe(t, l, PipeOptions{Start: 2 * time.Hour})
	if c2.Now() != 2*time.Hour+adsl.Setup() || l.CallState().Calls != 2 {
		t.Errorf("over ADSL the next connection starts at %v: it must not dial", c2.Now())
	}

	// Offline through SetProfile ends it too.
	l = New(Options{Profile: p})
	l.EnableCalls(CallOptions{})
	mustPipe(t, l, PipeOptions{})
	off := p
	off.Offline = true
	l.SetProfile(off)
	if cs := l.CallState(); cs.Up || cs.Ended != EndOffline {
		t.Errorf("SetProfile(offline): %+v", cs)
	}
}

// Notify hears of what the line does by itself: dialling, going idle,
// busy again; not what the caller did.
func TestCallNotify(t *testing.T) {
	p := dialup(t)
	var mu sync.Mutex
	var got []string
	l := New(Options{Profile: p})
	l.EnableCalls(CallOptions{IdleHangup: time.Minute, Notify: func(cs CallState) {
		mu.Lock()
		defer mu.Unlock()
		s := "down"
		switch {
		case cs.Up && cs.Open > 0:
			s = "busy"
		case cs.Up:
			s = "idle"
		}
		got = append(got, s)
	}})
	end, _ := session(t, l, 0, 1)     // dial, then idle at the close
	session(t, l, end+time.Second, 1) // busy, idle
	session(t, l, end+time.Hour, 1)   // idle hang-up then a dial: one notice; idle
	l.Hangup()                        // the caller's doing: not reported
	mu.Lock()
	defer mu.Unlock()
	if want := "busy idle busy idle busy idle"; strings.Join(got, " ") != want {
		t.Errorf("notices %q, want %q", strings.Join(got, " "), want)
	}
}

// On the live clock the dialling connection really waits: its first
// bytes arrive the dial time (at the clock's speed) later, and a deadline
// a library set meanwhile counts from when the line is up.
func TestLiveDialWaits(t *testing.T) {
	p := dialup(t) // 20 s of dialling
	// At 10× the dial takes 2 s of wall time: the deadline below is
	// shorter than the dial, with 1.9 s to spare for a loaded machine.
	const speed = 10
	live := NewLiveClock(LiveOptions{Speed: speed})
	l := New(Options{Profile: p, Live: live})
	l.EnableCalls(CallOptions{})
	wall := time.Now()
	c, s := mustPipe(t, l, PipeOptions{Live: true})
	// A client that speaks first (a TLS ClientHello) and waits for the
	// reply with a 1.9 s timeout: 19 s of link time, less than the dial.
	c.SetReadDeadline(time.Now().Add(1900 * time.Millisecond))
	io.WriteString(c, "HELLO\r\n")
	go func() {
		br := bufio.NewReader(s)
		br.ReadString('\n')
		io.WriteString(s, "+OK\r\n")
	}()
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		t.Fatalf("read across the dial: %v", err)
	}
	if el, min := time.Since(wall), p.DialTime/speed; el < min {
		t.Errorf("reply after %v of wall time; the dial alone takes %v at %d×", el, min, speed)
	}
	if want := p.DialTime + p.Setup() + p.RTT(); c.Now() < want {
		t.Errorf("client clock %v, want ≥ %v", c.Now(), want)
	}
	if cs := l.CallState(); !cs.Live || cs.Dialling || !cs.Up {
		t.Errorf("CallState = %+v, want a live call connected", cs)
	}
}

// A live call that is dialling says so, reports its connect, and hangs up
// by itself when idle, billed exactly until its limit.
func TestLiveIdleHangup(t *testing.T) {
	p := dialup(t)
	const speed = 400
	live := NewLiveClock(LiveOptions{Speed: speed})
	l := New(Options{Profile: p, Live: live})
	notes := make(chan CallState, 16)
	l.EnableCalls(CallOptions{IdleHangup: 4 * time.Second, Notify: func(cs CallState) { notes <- cs }})
	c, s, err := l.Pipe(PipeOptions{Live: true})
	if err != nil {
		t.Fatal(err)
	}
	if cs := <-notes; !cs.Dialling || cs.Connected != cs.DialStart+p.DialTime {
		t.Errorf("first notice %+v, want dialling until DialStart + %v", cs, p.DialTime)
	}
	if cs := <-notes; cs.Dialling || !cs.Up {
		t.Errorf("second notice %+v, want connected", cs)
	}
	c.Close()
	s.Close()
	idle := <-notes
	if idle.Open != 0 || idle.HangupAt == 0 {
		t.Fatalf("idle notice %+v, want a hang-up due", idle)
	}
	select {
	case cs := <-notes:
		if cs.Up || cs.Ended != EndIdle || cs.TotalOnline != idle.HangupAt-idle.Connected {
			t.Errorf("hang-up notice %+v, want online exactly until %v", cs, idle.HangupAt)
		}
		if want := p.Tariff.Cost(cs.TotalOnline); math.Abs(cs.TotalCost-want) > 0 {
			t.Errorf("cost %v, want %v", cs.TotalCost, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the idle line never hung up")
	}
}

// A dial given up before the server accepted (its context ended) still
// dialled the line, and leaves the call idle.
func TestAbandonedDialLeavesTheCall(t *testing.T) {
	p := dialup(t)
	l := New(Options{Profile: p})
	l.EnableCalls(CallOptions{})
	if _, err := l.Listen("pop3", "pop3.lab:110"); err != nil { // never accepts
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Dial(ctx, "pop3.lab:110", DialOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial with a cancelled context: %v", err)
	}
	if cs := l.CallState(); cs.Calls != 1 || cs.Open != 0 || !cs.Up || cs.At != p.DialTime+p.Setup()+p.Latency {
		t.Errorf("CallState = %+v, want one call up and idle", cs)
	}
}

// A connection being made while the line hangs up (or goes offline) does
// not outlive the call: whichever comes first, it ends reset, its tap
// having seen it connect first. (A probe left 7 of 2000 open.)
func TestPipeRacingHangup(t *testing.T) {
	p := dialup(t)
	for i := 0; i < 300; i++ {
		marks := map[uint64][]string{} // by connection
		var mu sync.Mutex
		l := New(Options{Profile: p, NewTap: func(ci ConnInfo) Tap {
			return kindTap(func(kind string) { mu.Lock(); marks[ci.ID] = append(marks[ci.ID], kind); mu.Unlock() })
		}})
		l.EnableCalls(CallOptions{})
		// A first connection brings the line up.
		first, _, err := l.Pipe(PipeOptions{Protocol: "pop3"})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan *Conn)
		go func() {
			c, _, err := l.Pipe(PipeOptions{Protocol: "pop3", Start: time.Second})
			if err != nil {
				done <- nil
				return
			}
			done <- c
		}()
		if i%2 == 0 {
			l.Hangup()
		} else {
			l.SetProfile(Profile{Offline: true})
		}
		c := <-done
		if first.Stats().Fault == "" {
			t.Fatalf("run %d: the first connection survived the hang-up", i)
		}
		if c != nil && c.Stats().Fault == "" && !l.onCall(c.p.call) {
			t.Fatalf("run %d: a connection made during the hang-up is open on an ended call", i)
		}
		mu.Lock()
		for id, ms := range marks {
			for j, k := range ms {
				if k == MarkFault && (j == 0 || ms[j-1] == MarkDial) {
					t.Fatalf("run %d: connection %d has a fault before its connect mark: %v", i, id, ms)
				}
			}
		}
		mu.Unlock()
	}
}

type kindTap func(kind string)

func (kindTap) Transfer(bool, []byte, time.Duration, time.Duration, int, time.Time) {}
func (m kindTap) Mark(kind, _ string, _ bool, _ time.Duration, _ time.Time)         { m(kind) }
