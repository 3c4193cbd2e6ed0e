package app

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
)

func (r *recorder) named(name string) []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []any
	for _, e := range r.events {
		if e.name == name {
			out = append(out, e.data...)
		}
	}
	return out
}

// waitEvent polls until an event named name satisfies ok.
func (r *recorder) waitEvent(t *testing.T, name string, ok func(any) bool) any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, d := range r.named(name) {
			if ok(d) {
				return d
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %s event matched", name)
	return nil
}

// appendedSessions is the session ids of every event the UI has been
// sent, each as " id ".
func (r *recorder) appendedSessions() string {
	var b strings.Builder
	for _, d := range r.named(EventTraceAppend) {
		for _, id := range d.(TraceBatchDTO).Session {
			fmt.Fprintf(&b, " %d ", id)
		}
	}
	return b.String()
}

// appendedText is every trace line the UI has received so far.
func (r *recorder) appendedText() string {
	var b strings.Builder
	for _, d := range r.named(EventTraceAppend) {
		for _, text := range d.(TraceBatchDTO).Text {
			b.WriteString(text + "\n")
		}
	}
	return b.String()
}

func newApp(t *testing.T, rt Runtime) *App {
	t.Helper()
	a, err := New(rt, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Startup(context.Background())
	t.Cleanup(a.Shutdown)
	return a
}

func TestLinkService(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	st, err := a.Link.Select("satellite-geo")
	if err != nil || st.Profile.ID != "satellite-geo" || st.Profile.RTTMs != 600 {
		t.Fatalf("Select(satellite-geo) = %+v, %v", st, err)
	}
	if a.lab.Link.Profile().ID != "satellite-geo" {
		t.Errorf("the lab's link is %q", a.lab.Link.Profile().ID)
	}
	if _, err := a.Link.Select("carrier-pigeon"); err == nil {
		t.Error("unknown preset accepted")
	}
	st, _ = a.Link.SetOffline(true)
	if !st.Offline || !a.lab.Link.Offline() {
		t.Error("SetOffline(true) did not take the link offline")
	}
	st, _ = a.Link.Select("lte")
	if !st.Offline {
		t.Error("choosing a preset brought the link back online")
	}
	a.Link.SetOffline(false)
	st, err = a.Link.SetCustom(CustomLinkDTO{DownBps: 64000, UpBps: 16000, RTTMs: 300, JitterMs: 10})
	if err != nil || !st.Custom || st.Profile.RTTMs != 300 || a.lab.Link.Profile().UpBps != 16000 {
		t.Errorf("SetCustom = %+v, %v", st, err)
	}
	// The user gives bandwidth and latency; TCP/IP's overhead is the link's.
	if got := a.lab.Link.Profile().HeaderBytes; got != link.DefaultHeaderBytes {
		t.Errorf("custom link HeaderBytes = %d, want link.DefaultHeaderBytes (%d)", got, link.DefaultHeaderBytes)
	}
	if _, err := a.Link.SetCustom(CustomLinkDTO{RTTMs: -1}); err == nil {
		t.Error("negative RTT accepted")
	}
	st, _ = a.Link.SetSpeed(10)
	if st.Speed != 10 {
		t.Errorf("SetSpeed(10) → %v", st.Speed)
	}
	st, _ = a.Link.SetSpeed(0)
	if !st.Paused {
		t.Error("SetSpeed(0) did not pause")
	}
	a.Link.SetSpeed(1)
	if n := len(rec.named(EventLinkChanged)); n != 8 {
		t.Errorf("%d link:changed events, want one per successful change (8)", n)
	}
}

// A console session: its lines go to the console and, batched, into the
// trace stream; the password is masked until reveal is on; explanations
// and exports work on what was recorded.
func TestConsoleTraceExplainExport(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	c, err := a.Console.Open("pop3")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Verbs) == 0 || c.Service != "pop3" {
		t.Errorf("Open(pop3) = %+v", c)
	}
	hasLine := func(prefix string) func(any) bool {
		return func(d any) bool {
			for _, l := range d.(ConsoleOutputDTO).Lines {
				if strings.HasPrefix(l, prefix) {
					return true
				}
			}
			return false
		}
	}
	rec.waitEvent(t, EventConsoleOutput, hasLine("+OK POP3 server ready"))
	for _, l := range []string{"USER student", "PASS secret", "STAT"} {
		if err := a.Console.Send(c.ID, l); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitEvent(t, EventConsoleOutput, hasLine("+OK 0 0"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(rec.appendedText(), "+OK 0 0") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := rec.appendedText()
	if !strings.Contains(got, "USER student") || !strings.Contains(got, "+OK 0 0") {
		t.Fatalf("trace:append batches lack the session:\n%s", got)
	}
	if strings.Contains(got, "PASS secret") {
		t.Error("the password reached the UI unmasked")
	}
	snap, _ := a.Trace.Snapshot()
	var userSeq uint64
	for i, verb := range snap.Events.Verb {
		if verb == "USER" {
			userSeq = snap.Events.Seq[i]
		}
	}
	ex, err := a.Trace.Explain(userSeq)
	if err != nil || len(ex) == 0 || ex[0].RFC != 1939 || ex[0].Sentence == "" {
		t.Errorf("Explain(USER) = %+v, %v", ex, err)
	}
	if _, err := a.Trace.Explain(99999); err == nil {
		t.Error("Explain of a missing event succeeded")
	}
	a.Trace.SetReveal(true)
	if len(rec.named(EventTraceResync)) != 1 {
		t.Error("SetReveal did not ask the UI to resync")
	}
	snap, _ = a.Trace.Snapshot()
	revealed := false
	for _, text := range snap.Events.Text {
		revealed = revealed || text == "PASS secret"
	}
	if !revealed || !snap.Reveal {
		t.Error("reveal on: the snapshot still masks the password")
	}
	for _, f := range []string{FormatText, FormatJSONL, FormatPcapng} {
		x, err := a.Trace.ExportData(f)
		raw, _ := base64.StdEncoding.DecodeString(x.Base64)
		if err != nil || len(raw) != x.Bytes || x.Bytes < 100 || !strings.HasSuffix(x.Name, map[string]string{FormatText: ".txt", FormatJSONL: ".jsonl", FormatPcapng: ".pcapng"}[f]) {
			t.Errorf("ExportData(%s) = %s, %d bytes, %v", f, x.Name, x.Bytes, err)
		}
		if f == FormatText && !strings.Contains(string(raw), "USER student") {
			t.Errorf("text export lacks the session")
		}
	}
	if _, err := a.Trace.ExportData("docx"); err == nil {
		t.Error("unknown export format accepted")
	}
	if _, err := a.Trace.Export(FormatText); err == nil {
		t.Error("Export without a window should say to use ExportData")
	}
	a.Console.Send(c.ID, "QUIT")
	rec.waitEvent(t, EventConsoleClosed, func(any) bool { return true })
	if err := a.Console.Send(c.ID, "NOOP"); err == nil {
		t.Error("Send on a closed console succeeded")
	}
	if _, err := a.Console.Open("finger"); err == nil {
		t.Error("console to an unknown service opened")
	}
}

func TestActionsAndSessions(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	a.Link.Select("adsl-8m")
	a.Link.SetSpeed(1000) // live actions: keep the test quick
	r, err := a.Actions.SendMail(DraftDTO{From: "alice", To: []string{"student@mailscope.lab"}, Subject: "Lunch?", Body: "At noon."})
	if err != nil || r.Sent != 1 || r.RoundTrips < 5 {
		t.Fatalf("SendMail = %+v, %v", r, err)
	}
	st, _ := a.Lab.State()
	var inbox int
	for _, acc := range st.Accounts {
		if acc.Name == "student" {
			inbox = acc.Inbox
		}
	}
	if inbox != 1 {
		t.Errorf("student's INBOX has %d messages after SendMail, want 1", inbox)
	}
	r, err = a.Actions.CheckMail("Home PC")
	if err != nil || r.Downloaded != 1 || r.FirstReadable < 0 {
		t.Fatalf("CheckMail(Home PC) = %+v, %v", r, err)
	}
	devs, _ := a.Actions.Devices()
	if len(devs) != 3 || devs[0].Name != "Home PC" || devs[0].OfflineReadable != 1 {
		t.Errorf("Devices() = %+v", devs)
	}
	if _, err := a.Actions.CheckMail("Toaster"); err == nil {
		t.Error("unknown device accepted")
	}
	var states []string
	for _, d := range rec.named(EventActionProgress) {
		states = append(states, d.(ActionProgressDTO).State)
	}
	if strings.Join(states, ",") != "running,done,running,done" {
		t.Errorf("action:progress states = %v", states)
	}
	// The client has hung up when an action returns; the server's end
	// closes a moment later, on its own goroutine.
	var sessions []SessionDTO
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		sessions, _ = a.Sessions.List()
		if len(sessions) != 2 || !(sessions[0].Open || sessions[1].Open) || time.Now().After(deadline) {
			break
		}
	}
	if len(sessions) != 2 || sessions[0].Protocol != "smtp" || sessions[1].Protocol != "pop3" {
		t.Fatalf("Sessions.List() = %+v", sessions)
	}
	for _, s := range sessions {
		if s.Open || s.PayloadUp == 0 || s.WireDown <= s.PayloadDown {
			t.Errorf("session %+v: want closed with counters", s)
		}
	}
	if _, err := a.Lab.Seed("bob", 5); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lab.Seed("bob", 0); err == nil {
		t.Error("Seed(0) accepted")
	}
}

// A flood of trace events reaches the UI in batches of at most 500, or as
// a resync when it falls behind; never one event per call.
func TestTraceBatching(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	p, _ := link.Preset("loopback")
	a.lab.Link.SetProfile(p)
	const n = 3000
	c, s, err := a.lab.Link.Pipe(link.PipeOptions{Protocol: "pop3"})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := s.Read(buf); err != nil {
				return
			}
		}
	}()
	for i := 0; i < n; i++ {
		fmt.Fprintf(c, "NOOP %d\r\n", i)
	}
	c.Close()
	s.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		got := 0
		for _, d := range rec.named(EventTraceAppend) {
			got += d.(TraceBatchDTO).N
		}
		if got >= n || len(rec.named(EventTraceResync)) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	batches := rec.named(EventTraceAppend)
	total := 0
	for _, d := range batches {
		k := d.(TraceBatchDTO).N
		if k > batchMax {
			t.Errorf("a batch of %d events, more than %d", k, batchMax)
		}
		total += k
	}
	if total < n && len(rec.named(EventTraceResync)) == 0 {
		t.Errorf("%d of %d events arrived and no resync was asked for", total, n)
	}
	if len(batches) >= n/2 {
		t.Errorf("%d batches for %d events: not batched", len(batches), n)
	}
}
