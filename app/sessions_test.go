package app

import "testing"

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
