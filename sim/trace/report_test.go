package trace_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/trace"
)

// talk drives both ends of one link connection from the test: each call
// writes one turn in one write and reads all of it at the other end, so
// the link sees exactly the turns written.
type talk struct {
	t    *testing.T
	c, s net.Conn
}

// newTalk opens connection n (from 1) of a client at 127.0.0.1, a
// minute after the previous one.
func newTalk(t *testing.T, l *link.Link, proto string, n int) *talk {
	t.Helper()
	c, s, err := l.Pipe(link.PipeOptions{Protocol: proto, ClientAddr: fmt.Sprintf("127.0.0.1:%d", 40000+n), Start: time.Duration(n) * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return &talk{t: t, c: c, s: s}
}

func (k *talk) send(w, r net.Conn, lines ...string) {
	k.t.Helper()
	data := strings.Join(lines, "\r\n") + "\r\n"
	go io.WriteString(w, data)
	if _, err := io.ReadFull(r, make([]byte, len(data))); err != nil {
		k.t.Fatalf("reading %q: %v", data, err)
	}
}

// C is one client turn; S one server run.
func (k *talk) C(lines ...string) { k.t.Helper(); k.send(k.c, k.s, lines...) }
func (k *talk) S(lines ...string) { k.t.Helper(); k.send(k.s, k.c, lines...) }

func (k *talk) close() {
	k.c.Close()
	k.s.Close()
}

// profile has latency, so that every read that waits is a turn on the
// link too.
func profile() link.Profile {
	p, _ := link.Preset("adsl-8m")
	p.Jitter = 0
	return p
}

func reportFor(t *testing.T, rec *trace.Recorder, id uint64) trace.Report {
	t.Helper()
	for _, r := range trace.Reports(rec.Snapshot()) {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no report for session %d", id)
	return trace.Report{}
}

func pattern(r trace.Report, name string) (trace.Pattern, bool) {
	for _, p := range r.Patterns {
		if p.Name == name {
			return p, true
		}
	}
	return trace.Pattern{}, false
}

var ehloReply = []string{"250-lab Hello", "250-PIPELINING", "250-8BITMIME", "250 AUTH PLAIN LOGIN"}

// Counted by hand: the greeting (1), EHLO (2), AUTH (3), MAIL (4), RCPT
// (5), DATA (6), the message (7), QUIT (8): 8 round trips. Pipelined,
// MAIL RCPT DATA share one turn: 6. The link, which counts the reads that
// had to wait, agrees with both.
func TestReportRoundTripsSMTP(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pipelined bool
		want      int
	}{{"lock-step", false, 8}, {"pipelined", true, 6}} {
		t.Run(tc.name, func(t *testing.T) {
			rec := trace.NewRecorder(nil)
			k := newTalk(t, tapped(profile(), rec), "smtp", 1)
			k.S("220 lab ESMTP")
			k.C("EHLO client.example")
			k.S(ehloReply...)
			k.C("AUTH PLAIN AHN0dWRlbnQAc2VjcmV0") // student / secret
			k.S("235 2.7.0 Authentication successful")
			if tc.pipelined {
				k.C("MAIL FROM:<student@lab> BODY=8BITMIME", "RCPT TO:<bob@lab>", "DATA")
				k.S("250 2.0.0 OK", "250 2.0.0 OK", "354 Go ahead")
			} else {
				k.C("MAIL FROM:<student@lab> BODY=8BITMIME")
				k.S("250 2.0.0 OK")
				k.C("RCPT TO:<bob@lab>")
				k.S("250 2.0.0 OK")
				k.C("DATA")
				k.S("354 Go ahead")
			}
			k.C("From: student@lab", "X-Mailer: handmade 1.0", "", "Hi", ".")
			k.S("250 2.0.0 OK: queued")
			k.C("QUIT")
			k.S("221 2.0.0 Bye")
			st := k.c.(*link.Conn).Stats()
			k.close()

			r := reportFor(t, rec, st.ID)
			if r.RoundTrips != tc.want {
				t.Errorf("RoundTrips = %d, want %d", r.RoundTrips, tc.want)
			}
			if int64(r.RoundTrips) != st.ClientTurns {
				t.Errorf("RoundTrips = %d, the link's ClientTurns = %d", r.RoundTrips, st.ClientTurns)
			}
			if r.ClientTurns != tc.want-1 {
				t.Errorf("ClientTurns = %d, want %d (every turn answered, after the greeting)", r.ClientTurns, tc.want-1)
			}
			wantCmds := map[string]int{"EHLO": 1, "AUTH": 1, "MAIL": 1, "RCPT": 1, "DATA": 1, "QUIT": 1}
			if !mapsEqual(r.Commands, wantCmds) || r.CommandCount != 6 {
				t.Errorf("Commands = %v (%d), want %v", r.Commands, r.CommandCount, wantCmds)
			}
			if r.Client.Login != "student" || r.Client.Hello != "client.example" || r.Client.Software != "handmade 1.0" {
				t.Errorf("Client = %+v, want login student, hello client.example, software handmade 1.0", r.Client)
			}
			if want := []string{"PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN"}; !slices.Equal(r.Capabilities.Offered, want) {
				t.Errorf("Offered = %q, want %q", r.Capabilities.Offered, want)
			}
			wantUsed := []string{"8BITMIME", "AUTH PLAIN"}
			if tc.pipelined {
				wantUsed = append(wantUsed, "PIPELINING")
			}
			slices.Sort(wantUsed)
			if !slices.Equal(r.Capabilities.Used, wantUsed) {
				t.Errorf("Used = %q, want %q", r.Capabilities.Used, wantUsed)
			}
			if r.Bytes.PayloadUp != st.Up.Payload || r.Bytes.WireDown != st.Down.Wire {
				t.Errorf("Bytes = %+v, link up %d payload, down %d wire", r.Bytes, st.Up.Payload, st.Down.Wire)
			}
			if r.Open {
				t.Error("Open after both ends closed")
			}
			// Lock-step: EHLO | MAIL | RCPT | DATA | … | QUIT took 5 command
			// turns; pipelined, EHLO | MAIL RCPT DATA | "." QUIT take 3.
			p, ok := pattern(r, trace.PatternPipeliningUnused)
			if tc.pipelined && ok {
				t.Errorf("pipelined session reports %+v", p)
			}
			if !tc.pipelined && (!ok || p.SavingRoundTrips != 3 || r.SavingRoundTrips != 3) {
				t.Errorf("lock-step: pipelining-unused = %+v (found %v), total saving %d; want saving 3", p, ok, r.SavingRoundTrips)
			}
			b, _ := json.Marshal(r)
			if strings.Contains(string(b), "secret") {
				t.Errorf("the report carries the password: %s", b)
			}
			// The time split: the parts add up, and over ADSL each round trip
			// spends at least the link's RTT on latency.
			tm := r.Time
			if tm.ServerNs+tm.ClientNs+tm.LinkNs != tm.TotalNs || tm.LatencyNs+tm.SerialisationNs != tm.LinkNs {
				t.Errorf("Time = %+v: the parts do not add up", tm)
			}
			if rtt := profile().RTT(); time.Duration(tm.LatencyNs) < time.Duration(r.RoundTrips-1)*rtt {
				t.Errorf("LatencyNs = %v, want ≥ %d × %v", time.Duration(tm.LatencyNs), r.RoundTrips-1, rtt)
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// fetchmail's habit: LIST n before each RETR n. The second session
// retrieves again a message the first had (same UIDL).
func TestReportPOP3Patterns(t *testing.T) {
	rec := trace.NewRecorder(nil)
	l := tapped(profile(), rec)
	n := 0
	session := func(msgs []int) uint64 {
		n++
		k := newTalk(t, l, "pop3", n)
		k.S("+OK ready")
		k.C("CAPA")
		k.S("+OK", "TOP", "UIDL", "PIPELINING", ".")
		k.C("USER alice")
		k.S("+OK")
		k.C("PASS alice")
		k.S("+OK")
		k.C("UIDL")
		k.S("+OK", "1 uid-a", "2 uid-b", "3 uid-c", ".")
		for _, n := range msgs {
			ns := string(rune('0' + n))
			k.C("LIST " + ns)
			k.S("+OK " + ns + " 20")
			k.C("RETR " + ns)
			k.S("+OK 20 octets", "Subject: x", "", "body", ".")
		}
		k.C("QUIT")
		k.S("+OK bye")
		id := k.c.(*link.Conn).Stats().ID
		k.close()
		return id
	}
	first := session([]int{1, 2})
	second := session([]int{2, 3})

	r := reportFor(t, rec, first)
	p, ok := pattern(r, trace.PatternListBeforeRetr)
	// 2 LIST n, each its own turn; one LIST would replace them: 1 saved.
	if !ok || p.Count != 2 || p.SavingRoundTrips != 1 {
		t.Errorf("list-before-retr = %+v (found %v), want count 2, saving 1", p, ok)
	}
	p, ok = pattern(r, trace.PatternOneRetrPerMessage)
	if !ok || p.Count != 2 || p.SavingRoundTrips != 1 {
		t.Errorf("one-retr-per-message = %+v (found %v), want count 2, saving 1", p, ok)
	}
	if _, ok := pattern(r, trace.PatternDownloadedAgain); ok {
		t.Errorf("first session downloaded nothing again: %+v", r.Patterns)
	}
	if r.Retrieved != 2 || r.Client.Login != "alice" || r.RoundTrips != 10 {
		t.Errorf("Retrieved %d, login %q, RoundTrips %d; want 2, alice, 10", r.Retrieved, r.Client.Login, r.RoundTrips)
	}
	if want := []string{"TOP", "UIDL", "PIPELINING"}; !slices.Equal(r.Capabilities.Offered, want) {
		t.Errorf("Offered = %q, want %q", r.Capabilities.Offered, want)
	}
	r2 := reportFor(t, rec, second)
	p, ok = pattern(r2, trace.PatternDownloadedAgain)
	if !ok || p.Count != 1 || p.SavingRoundTrips != 1 {
		t.Errorf("downloaded-again = %+v (found %v), want message 2 counted once", p, ok)
	}
	if r2.PreviousSession != first || r2.PollIntervalNs != int64(time.Minute) {
		t.Errorf("PreviousSession %d, PollIntervalNs %d; want %d and 1 min", r2.PreviousSession, r2.PollIntervalNs, first)
	}
	if _, ok := pattern(r2, trace.PatternPollingWhereIdle); ok {
		t.Error("POP3 has no IDLE: polling-where-idle reported")
	}
}

// One FETCH per message, the client's ID, and a second session that polls
// where IDLE was offered and fetches a message again by UID.
func TestReportIMAPPatterns(t *testing.T) {
	rec := trace.NewRecorder(nil)
	l := tapped(profile(), rec)
	n := 0
	session := func(uids []string, idle bool) uint64 {
		n++
		k := newTalk(t, l, "imap", n)
		k.S("* OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS LITERAL+] ready")
		k.C(`a1 ID ("name" "Handmade" "version" "2.1" "os" NIL)`)
		k.S(`* ID NIL`, "a1 OK ID done")
		k.C(`a2 LOGIN "bob" "bob"`)
		k.S("a2 OK LOGIN completed")
		k.C("a3 SELECT INBOX")
		k.S("* 3 EXISTS", "* OK [UIDVALIDITY 42] ok", "a3 OK [READ-WRITE] SELECT completed")
		for i, uid := range uids {
			tag := "f" + uid
			seq := string(rune('1' + i))
			k.C(tag + " FETCH " + seq + " (UID RFC822)")
			k.S("* "+seq+" FETCH (UID "+uid+" RFC822 {5}", "Hello)", tag+" OK FETCH completed")
		}
		if idle {
			k.C("i1 IDLE")
			k.S("+ idling")
			k.C("DONE")
			k.S("i1 OK IDLE terminated")
		}
		k.C("z LOGOUT")
		k.S("* BYE", "z OK")
		id := k.c.(*link.Conn).Stats().ID
		k.close()
		return id
	}
	first := session([]string{"7", "8", "9"}, false)
	second := session([]string{"9"}, false)
	if _, ok := pattern(reportFor(t, rec, second), trace.PatternPollingWhereIdle); ok {
		t.Error("two sessions are not yet polling on a timer")
	}
	third := session(nil, false)

	r := reportFor(t, rec, first)
	p, ok := pattern(r, trace.PatternOneFetchPerMessage)
	if !ok || p.Count != 3 || p.SavingRoundTrips != 2 {
		t.Errorf("one-fetch-per-message = %+v (found %v), want count 3, saving 2", p, ok)
	}
	if r.Client.Software != "Handmade 2.1" || r.Client.Login != "bob" || r.Client.ID["os"] != "" {
		t.Errorf("Client = %+v, want Handmade 2.1, login bob, no os", r.Client)
	}
	if r.Retrieved != 3 || r.Commands["FETCH"] != 3 {
		t.Errorf("Retrieved %d, FETCH %d; want 3 and 3", r.Retrieved, r.Commands["FETCH"])
	}
	r2 := reportFor(t, rec, second)
	if p, ok := pattern(r2, trace.PatternDownloadedAgain); !ok || p.Count != 1 {
		t.Errorf("downloaded-again = %+v (found %v), want UID 9 counted", p, ok)
	}
	// A minute apart, three times: polling. Greeting, ID, LOGIN, SELECT,
	// FETCH, LOGOUT: 6 round trips, one of them fetching mail, which an
	// IDLE client would spend too.
	p, ok = pattern(reportFor(t, rec, second), trace.PatternPollingWhereIdle)
	if !ok || p.SavingRoundTrips != 5 {
		t.Errorf("polling-where-idle = %+v (found %v), want saving 5", p, ok)
	}
	p, ok = pattern(reportFor(t, rec, third), trace.PatternPollingWhereIdle)
	if !ok || p.Count != 1 || p.SavingRoundTrips != 5 {
		t.Errorf("third session: polling-where-idle = %+v (found %v), want saving 5 (no fetch)", p, ok)
	}

	// A client that uses IDLE is not polling.
	rec = trace.NewRecorder(nil)
	l = tapped(profile(), rec)
	n = 0
	session(nil, true)
	session(nil, true)
	id := session(nil, true)
	r = reportFor(t, rec, id)
	if _, ok := pattern(r, trace.PatternPollingWhereIdle); ok {
		t.Errorf("IDLE client reported polling: %+v", r.Patterns)
	}
	if r.Idle == nil || r.Idle.Count != 1 || r.Idle.TotalNs <= 0 || !slices.Contains(r.Capabilities.Used, "IDLE") {
		t.Errorf("Idle = %+v, Used %q; want one IDLE with its time", r.Idle, r.Capabilities.Used)
	}
}

// ReportOf gives the same single-session report as Reports.
func TestReportOfMatchesReports(t *testing.T) {
	rec := trace.NewRecorder(nil)
	k := newTalk(t, tapped(profile(), rec), "pop3", 1)
	k.S("+OK ready")
	k.C("USER a", "PASS b", "STAT")
	k.S("+OK", "+OK", "+OK 0 0")
	k.C("QUIT")
	k.S("+OK")
	k.close()
	snap := rec.Snapshot()
	all := trace.Reports(snap)
	one := trace.ReportOf(snap.Sessions()[0], snap.Slice())
	a, _ := json.Marshal(all[0])
	b, _ := json.Marshal(one)
	if string(a) != string(b) {
		t.Errorf("ReportOf = %s\nReports = %s", b, a)
	}
	if one.RoundTrips != 3 || one.MaxCommandsPerTurn != 3 {
		t.Errorf("RoundTrips %d, MaxCommandsPerTurn %d; want 3 and 3", one.RoundTrips, one.MaxCommandsPerTurn)
	}
}

// BenchmarkReports: 100 POP3 sessions of 1,000 lines each (100k events),
// alternating command and reply.
func BenchmarkReports(b *testing.B) {
	rec := trace.NewRecorder(nil)
	for s := range 100 {
		rec.NewSession(trace.SessionInfo{ID: uint64(s + 1), Protocol: trace.POP3, ClientAddr: "127.0.0.1:4000"})
		for i := range 500 {
			rec.Append(trace.Event{Session: uint64(s + 1), Protocol: trace.POP3, Kind: trace.KindLine, Dir: trace.ClientToServer, Text: "LIST 1", Verb: "LIST", Bytes: 8, At: time.Duration(i)})
			rec.Append(trace.Event{Session: uint64(s + 1), Protocol: trace.POP3, Kind: trace.KindLine, Dir: trace.ServerToClient, Text: "+OK 1 20", Status: "+OK", Bytes: 10, At: time.Duration(i)})
		}
	}
	snap := rec.Snapshot()
	b.ResetTimer()
	for range b.N {
		if rs := trace.Reports(snap); len(rs) != 100 || rs[0].RoundTrips != 500 {
			b.Fatalf("%d reports, %d round trips", len(rs), rs[0].RoundTrips)
		}
	}
}

// Client and server write from their own goroutines, so the trace can list
// a reply before a command the client had already sent. The times decide:
// RETR 2 left (at 12 ms) before the reply to RETR 1 arrived (at 40 ms), so
// both are one turn: greeting + 1 round trip. Sent after the reply arrived,
// it is a turn of its own.
func TestReportTurnsFollowTheTimes(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		retr2 time.Duration
		want  int
	}{{"pipelined, listed late", 12 * ms, 2}, {"after the reply", 41 * ms, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			rec := trace.NewRecorder(nil)
			rec.NewSession(trace.SessionInfo{ID: 1, Protocol: trace.POP3})
			line := func(d trace.Direction, at, arrive time.Duration, text, verb, status string) {
				rec.Append(trace.Event{Session: 1, Protocol: trace.POP3, Kind: trace.KindLine, Dir: d, At: at, Arrive: arrive, Text: text, Verb: verb, Status: status, Bytes: len(text) + 2})
			}
			line(trace.ServerToClient, 0, 20*ms, "+OK ready", "", "+OK")
			line(trace.ClientToServer, 10*ms, 30*ms, "RETR 1", "RETR", "")
			line(trace.ServerToClient, 31*ms, 40*ms, "+OK", "", "+OK")
			line(trace.ClientToServer, tc.retr2, tc.retr2+20*ms, "RETR 2", "RETR", "")
			line(trace.ServerToClient, tc.retr2+21*ms, tc.retr2+30*ms, "+OK", "", "+OK")
			r := trace.Reports(rec.Snapshot())[0]
			if r.RoundTrips != tc.want || r.ClientTurns != tc.want-1 {
				t.Errorf("RoundTrips %d, ClientTurns %d; want %d, %d", r.RoundTrips, r.ClientTurns, tc.want, tc.want-1)
			}
		})
	}
}
