package app

import (
	"bufio"
	"io"
	"testing"

	"github.com/mailscope/mailscope/sim/link"
)

// A session stays open until both of its ends have closed; closed, its
// counters are the trace's totals and report, which agree with the link's.
func TestSessionsOpenUntilBothEndsClose(t *testing.T) {
	a := newApp(t, &recorder{})
	c, s, err := a.lab.Link.Pipe(link.PipeOptions{Protocol: "pop3"})
	if err != nil {
		t.Fatal(err)
	}
	cr, sr := bufio.NewReader(c), bufio.NewReader(s)
	io.WriteString(s, "+OK ready\r\n")
	cr.ReadString('\n')
	io.WriteString(c, "QUIT\r\n")
	sr.ReadString('\n')
	io.WriteString(s, "+OK bye\r\n")
	cr.ReadString('\n')

	only := func(when string) SessionDTO {
		t.Helper()
		list, err := a.Sessions.List()
		if err != nil || len(list) != 1 {
			t.Fatalf("%s: Sessions.List() = %+v, %v; want one session", when, list, err)
		}
		return list[0]
	}
	if got := only("both ends open"); !got.Open || got.PayloadUp != int64(len("QUIT\r\n")) {
		t.Errorf("both ends open: %+v, want open with 6 bytes up", got)
	}
	c.Close()
	if got := only("the client closed"); !got.Open {
		t.Errorf("the client closed, the server not yet: %+v, want open", got)
	}
	s.Close()
	st := c.Stats()
	got := only("both ends closed")
	// The turns come from the trace's report: the greeting and QUIT are
	// 2 round trips, and the server waited for 1 client turn. (On this
	// zero-latency link the link itself counts no turns at all.)
	want := SessionDTO{
		SessionInfoDTO: got.SessionInfoDTO, Open: false, EndUs: us(st.End),
		PayloadUp: st.Up.Payload, PayloadDown: st.Down.Payload, WireUp: st.Up.Wire, WireDown: st.Down.Wire,
		ClientTurns: 2, ServerTurns: 1, Report: got.Report,
	}
	if got != want {
		t.Errorf("both ends closed: %+v, want %+v", got, want)
	}
	if got.ID != st.ID || got.Protocol != "pop3" || got.PayloadDown != int64(len("+OK ready\r\n+OK bye\r\n")) {
		t.Errorf("both ends closed: %+v, want pop3 session %d with its 20 bytes down", got, st.ID)
	}
}

// The session list carries each session's report, and a closed session's
// turns are its report's round trips: the same figure the link counted
// while the device's connections were open (ActionResult.RoundTrips).
func TestSessionListReports(t *testing.T) {
	a := newApp(t, &recorder{})
	if _, err := a.Link.Select("adsl-8m"); err != nil {
		t.Fatal(err)
	}
	if err := a.lab.Seed("student", 3, 4); err != nil {
		t.Fatal(err)
	}
	var linkTurns int64
	for _, dev := range []string{"Home PC", "Laptop"} {
		r, err := a.Actions.CheckMail(dev)
		if err != nil {
			t.Fatalf("CheckMail(%s): %v", dev, err)
		}
		linkTurns += r.RoundTrips
	}
	ss, err := a.Sessions.List()
	if err != nil || len(ss) == 0 {
		t.Fatalf("List() = %d sessions, %v", len(ss), err)
	}
	var sum int64
	for _, s := range ss {
		if s.Report == nil {
			t.Fatalf("session %d has no report", s.ID)
		}
		if s.Open {
			continue
		}
		if s.ClientTurns == 0 || s.ClientTurns != int64(s.Report.RoundTrips) || s.Report.CommandCount == 0 {
			t.Errorf("session %d (%s): %d client turns, report %d round trips, %d commands",
				s.ID, s.Protocol, s.ClientTurns, s.Report.RoundTrips, s.Report.CommandCount)
		}
		if s.Report.Login != "student" {
			t.Errorf("session %d: login %q, want student", s.ID, s.Report.Login)
		}
		sum += s.ClientTurns
	}
	if sum != linkTurns {
		t.Errorf("the reports' round trips add up to %d, the link counted %d", sum, linkTurns)
	}
}
