package trace_test

import (
	"bufio"
	"io"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/trace"
)

// A session's totals are the link's own counters, direction by direction,
// and it is closed only once both ends have closed.
func TestSessionTotalsFollowTheLink(t *testing.T) {
	rec := trace.NewRecorder(nil)
	p, _ := link.Preset("dialup-56k")
	p.Jitter = 0
	l := tapped(p, rec)
	c, s, err := l.Pipe(link.PipeOptions{Protocol: "pop3"})
	if err != nil {
		t.Fatal(err)
	}
	cr, sr := bufio.NewReader(c), bufio.NewReader(s)
	io.WriteString(s, "+OK POP3 ready\r\n")
	cr.ReadString('\n')
	for _, cmd := range []string{"USER student\r\n", "PASS secret\r\n", "QUIT\r\n"} {
		io.WriteString(c, cmd)
		sr.ReadString('\n')
		io.WriteString(s, "+OK\r\n")
		cr.ReadString('\n')
	}

	c.Close()
	got := rec.Snapshot().SessionTotals()[c.Stats().ID]
	if !got.ClientClosed || got.ServerClosed || got.Closed() {
		t.Errorf("after the client's close: ClientClosed %v, ServerClosed %v, Closed() %v; want true, false, false",
			got.ClientClosed, got.ServerClosed, got.Closed())
	}
	s.Close()
	st := c.Stats()
	totals := rec.Snapshot().SessionTotals()
	if len(totals) != 1 {
		t.Errorf("SessionTotals has %d sessions, want 1: %+v", len(totals), totals)
	}
	got = totals[st.ID]
	if !got.ClientClosed || !got.ServerClosed || !got.Closed() {
		t.Errorf("after both closes: %+v, want closed at both ends", got)
	}
	want := trace.SessionTotals{
		PayloadUp: st.Up.Payload, PayloadDown: st.Down.Payload, WireUp: st.Up.Wire, WireDown: st.Down.Wire,
		End: st.End, ClientClosed: true, ServerClosed: true,
	}
	if got != want {
		t.Errorf("SessionTotals = %+v, want the link's %+v", got, want)
	}
	if got.PayloadUp == 0 || got.WireDown <= got.PayloadDown {
		t.Errorf("SessionTotals = %+v: no traffic, or no segment overhead", got)
	}
}

// Over TLS, decrypted, the totals count the records that crossed (what the
// link counted), not the plaintext lines the trace shows.
func TestSessionTotalsCountTLSRecords(t *testing.T) {
	lab := newTLSLab(t, true)
	st := runPOP3S(t, lab)
	snap := lab.rec.Snapshot()
	var plaintext int64
	for ev := range snap.Events() {
		if ev.Session == st.ID && ev.Has(trace.FlagTLS) {
			plaintext += int64(ev.Bytes)
		}
	}
	if plaintext == 0 {
		t.Fatal("no line was decrypted: the test shows nothing")
	}
	got := snap.SessionTotals()[st.ID]
	if got.PayloadUp != st.Up.Payload || got.PayloadDown != st.Down.Payload || got.WireUp != st.Up.Wire || got.WireDown != st.Down.Wire {
		t.Errorf("SessionTotals = %+v, want the link's up %+v, down %+v", got, st.Up, st.Down)
	}
	if !got.Closed() {
		t.Errorf("SessionTotals = %+v, want closed", got)
	}
}

// Closed means a close from each end: two closes from the same end, or
// none, leave the session open.
func TestSessionTotalsClosedNeedsBothEnds(t *testing.T) {
	rec := trace.NewRecorder(nil)
	start := 3 * time.Second
	idle := rec.NewSession(trace.SessionInfo{Protocol: trace.IMAP, Start: start})
	twice := rec.NewSession(trace.SessionInfo{Protocol: trace.POP3, Start: start})
	wall := time.Now()
	twice.Mark(link.MarkClose, "client closed", true, start+time.Second, wall)
	twice.Mark(link.MarkClose, "client closed", true, start+2*time.Second, wall)

	totals := rec.Snapshot().SessionTotals()
	if got := totals[idle.ID()]; got != (trace.SessionTotals{End: start}) {
		t.Errorf("a session with no events: %+v, want zero totals ending at its start %v", got, start)
	}
	got := totals[twice.ID()]
	if got.Closed() || got.ServerClosed || !got.ClientClosed {
		t.Errorf("two client closes: %+v, want only ClientClosed", got)
	}
	if got.End != start+2*time.Second {
		t.Errorf("End = %v, want the last close's %v", got.End, start+2*time.Second)
	}
}
