package trace

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// popSession plays one POP3 session through a real Session tap: greeting,
// USER/PASS, RETR of a body of size n, QUIT, both closes.
func popSession(r *Recorder, n int, closeIt bool) uint64 {
	n0 := len(r.Snapshot().Sessions()) + 1
	s := r.NewSession(SessionInfo{Protocol: POP3, ClientAddr: fmt.Sprintf("127.0.0.1:%d", 50000+n0), ServerAddr: "127.0.0.1:110", Start: time.Duration(n0) * time.Second})
	at := time.Duration(s.ID()) * time.Second
	step := func(fromClient bool, line string) {
		// 40 bytes of TCP/IP headers per segment, as the link counts.
		s.Transfer(fromClient, []byte(line), at, at+time.Millisecond, len(line)+40*((len(line)+MSS-1)/MSS), time.Time{})
		at += time.Millisecond
	}
	s.Mark("connect", "", true, at, time.Time{})
	step(false, "+OK POP3 ready\r\n")
	step(true, "USER alice\r\n")
	step(false, "+OK\r\n")
	step(true, "PASS secret\r\n")
	step(false, "+OK logged in\r\n")
	step(true, "RETR 1\r\n")
	step(false, fmt.Sprintf("+OK %d octets\r\n", n))
	body := strings.Repeat("x", n-2) + "\r\n"
	step(false, body)
	step(false, ".\r\n")
	step(true, "QUIT\r\n")
	step(false, "+OK bye\r\n")
	if closeIt {
		s.Mark("close", "", true, at, time.Time{})
		s.Mark("close", "", false, at, time.Time{})
	}
	return s.ID()
}

func TestRetentionBudget(t *testing.T) {
	const budget = 64 << 10
	dir := t.TempDir()
	r := NewRecorder(&Options{Retention: Retention{Budget: budget, Dir: dir}})
	defer r.Discard()
	all := NewRecorder(nil) // the same sessions, everything kept
	open := popSession(r, 3000, false)
	popSession(all, 3000, false)
	for range 200 {
		popSession(r, 3000, true)
		popSession(all, 3000, true)
		if st := r.SetAside(); st.Held > budget+8<<10 {
			t.Fatalf("held %d bytes, over the budget %d by more than one session", st.Held, budget)
		}
	}
	// Before the spill file is written, a snapshot reads the batches
	// from memory; All is checked below once they are on disk.
	early := r.Snapshot()
	n := 0
	for range early.All() {
		n++
	}
	if n != int(early.Seq) {
		t.Errorf("All() before the spill is written yielded %d events, want %d", n, early.Seq)
	}
	r.waitSpill()
	st := r.SetAside()
	if st.Spilled == 0 || st.Summarised != 0 || st.DiskBytes == 0 {
		t.Fatalf("SetAside() = %+v, want sessions spilled", st)
	}
	if !strings.Contains(st.String(), "moved to disk") {
		t.Errorf("SetAside().String() = %q", st.String())
	}
	snap, want := r.Snapshot(), all.Snapshot()
	if snap.Seq != want.Seq || snap.Len() >= want.Len() {
		t.Fatalf("snapshot Seq %d Len %d; want Seq %d and fewer than %d held", snap.Seq, snap.Len(), want.Seq, want.Len())
	}
	if snap.AsideSession(open) {
		t.Errorf("open session %d was set aside", open)
	}
	// Every event is still there, in memory or on disk, payloads too.
	var got []Event
	for ev := range snap.All() {
		got = append(got, ev)
	}
	if len(got) != want.Len() {
		t.Fatalf("All() yielded %d events, want %d", len(got), want.Len())
	}
	for i, ev := range got {
		w := want.At(i)
		if ev.Seq != w.Seq || ev.Session != w.Session || ev.Text != w.Text || ev.Bytes != w.Bytes || ev.Dir != w.Dir || !bytes.Equal(ev.Payload, w.Payload) || ev.Secret != w.Secret {
			t.Fatalf("All()[%d] = %+v, want %+v", i, ev, *w)
		}
	}
	// AllSince starts after a Seq, wherever the events are.
	mid := got[len(got)/3].Seq
	k := 0
	for ev := range snap.AllSince(mid) {
		if w := got[len(got)/3+1+k]; ev.Seq != w.Seq || ev.Text != w.Text {
			t.Fatalf("AllSince(%d)[%d] = seq %d %q, want seq %d %q", mid, k, ev.Seq, ev.Text, w.Seq, w.Text)
		}
		k++
	}
	if k != len(got)-len(got)/3-1 {
		t.Errorf("AllSince(%d) yielded %d events, want %d", mid, k, len(got)-len(got)/3-1)
	}
	// The exports read the spilled sessions as well.
	var a, b bytes.Buffer
	WriteJSONL(&a, snap.All(), ExportOptions{})
	WriteJSONL(&b, want.Events(), ExportOptions{})
	if a.String() != b.String() {
		t.Errorf("JSON Lines export of a spilled trace differs from the whole one")
	}
	a.Reset()
	b.Reset()
	WritePcapng(&a, snap.Sessions(), snap.All(), ExportOptions{})
	WritePcapng(&b, want.Sessions(), want.Events(), ExportOptions{})
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("pcapng export of a spilled trace differs from the whole one")
	}
	// Totals count the sessions set aside.
	gt, wt := snap.SessionTotals(), want.SessionTotals()
	for id, w := range wt {
		if gt[id] != w {
			t.Errorf("SessionTotals()[%d] = %+v, want %+v", id, gt[id], w)
		}
	}
	// Index finds an event held in memory by its Seq.
	last := snap.At(snap.Len() - 1)
	if i, ok := snap.Index(last.Seq); !ok || i != snap.Len()-1 {
		t.Errorf("Index(%d) = %d, %v", last.Seq, i, ok)
	}
	if _, ok := snap.Index(got[1].Seq); ok && snap.AsideSession(got[1].Session) {
		t.Errorf("Index found an event of a session set aside")
	}
	// Since counts from a Seq, not an index.
	n = 0
	for ev := range snap.Since(last.Seq - 1) {
		n++
		if ev.Seq != last.Seq {
			t.Errorf("Since(%d) yielded %d", last.Seq-1, ev.Seq)
		}
	}
	if n != 1 {
		t.Errorf("Since(%d) yielded %d events, want 1", last.Seq-1, n)
	}
	// Discard removes the spill folder.
	r.Discard()
	if m, _ := filepath.Glob(filepath.Join(dir, "mailscope-trace-*")); len(m) != 0 {
		t.Errorf("after Discard: %v left", m)
	}
}

func TestRetentionSummariesOnly(t *testing.T) {
	for _, tc := range []struct {
		name string
		ret  Retention
	}{
		{"no spill", Retention{Budget: 32 << 10, NoSpill: true}},
		{"disk full", Retention{Budget: 32 << 10, DiskBudget: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.ret.Dir = t.TempDir()
			r := NewRecorder(&Options{Retention: tc.ret})
			defer r.Discard()
			for range 100 {
				popSession(r, 2000, true)
			}
			r.waitSpill()
			st := r.SetAside()
			if st.Spilled != 0 || st.Summarised == 0 || st.Held > tc.ret.Budget {
				t.Fatalf("SetAside() = %+v, want summaries only within the budget", st)
			}
			snap := r.Snapshot()
			n := 0
			for range snap.All() {
				n++
			}
			if n != snap.Len() {
				t.Errorf("All() yielded %d, want the %d held", n, snap.Len())
			}
			tot := snap.SessionTotals()
			if len(tot) != 100 || tot[1].PayloadDown < 2000 || !tot[1].Closed() {
				t.Errorf("SessionTotals() has %d sessions, session 1 = %+v", len(tot), tot[1])
			}
		})
	}
}

func TestRetentionOffKeepsAll(t *testing.T) {
	r := NewRecorder(nil)
	for range 50 {
		popSession(r, 2000, true)
	}
	snap := r.Snapshot()
	if snap.Len() != int(snap.Seq) || r.SetAside().Any() {
		t.Fatalf("Len %d, Seq %d, SetAside %+v", snap.Len(), snap.Seq, r.SetAside())
	}
	for i := range snap.Len() {
		if j, ok := snap.Index(uint64(i + 1)); !ok || j != i {
			t.Fatalf("Index(%d) = %d, %v", i+1, j, ok)
		}
	}
	if _, err := os.Stat(os.TempDir()); err != nil {
		t.Fatal(err)
	}
}

// Sessions recorded from several goroutines while readers walk All():
// every snapshot yields each event once, in Seq order, whether it is in
// memory, on its way to disk or on disk.
func TestRetentionConcurrent(t *testing.T) {
	r := NewRecorder(&Options{Retention: Retention{Budget: 48 << 10, Dir: t.TempDir()}})
	defer r.Discard()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 40 {
				popSession(r, 1500, true)
			}
		}()
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
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
			var last uint64
			n := 0
			for ev := range snap.All() {
				if ev.Seq <= last {
					t.Errorf("All() yielded seq %d after %d", ev.Seq, last)
					return
				}
				last = ev.Seq
				n++
			}
			if n != int(snap.Seq) {
				t.Errorf("All() yielded %d events of a snapshot at seq %d", n, snap.Seq)
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()
	r.waitSpill()
	if st := r.SetAside(); st.Spilled == 0 || st.Held > 48<<10+8<<10 {
		t.Errorf("SetAside() = %+v", st)
	}
}
