package app

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/trace"
)

// popConsole runs a POP3 session through the app's console and waits for
// its QUIT to be traced.
func popConsole(t *testing.T, a *App, rec *recorder) {
	t.Helper()
	c, err := a.Console.Open("pop3")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"USER student", "PASS secret", "STAT", "QUIT"} {
		if err := a.Console.Send(c.ID, l); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitEvent(t, EventConsoleClosed, func(d any) bool { return true })
}

// A trace exported, then opened again, is shown read-only in place of the
// live one, event for event; CloseView brings the live lab back.
func TestTraceOpenSaved(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	popConsole(t, a, rec)
	live, _ := a.Trace.Snapshot()
	for _, format := range []string{FormatJSONL, FormatPcapng} {
		x, err := a.Trace.ExportData(format)
		if err != nil {
			t.Fatal(err)
		}
		resyncs := len(rec.named(EventTraceResync))
		if err := a.Trace.OpenData(x.Name, x.Base64); err != nil {
			t.Fatalf("OpenData(%s): %v", format, err)
		}
		if len(rec.named(EventTraceResync)) != resyncs+1 {
			t.Errorf("%s: OpenData did not ask the UI to resync", format)
		}
		got, _ := a.Trace.Snapshot()
		if got.Viewing == nil || got.Viewing.Name != x.Name || got.Viewing.Format != format {
			t.Fatalf("%s: Snapshot().Viewing = %+v", format, got.Viewing)
		}
		// The lines match the live trace's (a pcapng gives back the lines
		// and marks it can carry; seq and session as they were).
		var want, have []string
		for i := range live.Events.Seq {
			if live.Events.Kind[i] == byte(trace.KindLine) {
				want = append(want, string(rune('0'+live.Events.Dir[i]))+" "+live.Events.Text[i])
			}
		}
		for i := range got.Events.Seq {
			if got.Events.Kind[i] == byte(trace.KindLine) {
				have = append(have, string(rune('0'+got.Events.Dir[i]))+" "+got.Events.Text[i])
			}
		}
		if strings.Join(have, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: opened lines\n%s\nwant\n%s", format, strings.Join(have, "\n"), strings.Join(want, "\n"))
		}
		// Explain reads the opened trace.
		for i, verb := range got.Events.Verb {
			if verb == "STAT" {
				if ex, err := a.Trace.Explain(got.Events.Seq[i]); err != nil || len(ex) == 0 || ex[0].RFC != 1939 {
					t.Errorf("%s: Explain(STAT) = %+v, %v", format, ex, err)
				}
			}
		}
		a.Trace.CloseView()
		back, _ := a.Trace.Snapshot()
		if back.Viewing != nil || back.Seq != live.Seq {
			t.Errorf("%s: after CloseView: viewing %+v, seq %d, want live seq %d", format, back.Viewing, back.Seq, live.Seq)
		}
	}
	// From a path, as the native dialog would give.
	x, _ := a.Trace.ExportData(FormatJSONL)
	raw, _ := base64.StdEncoding.DecodeString(x.Base64)
	path := filepath.Join(t.TempDir(), "saved.jsonl")
	os.WriteFile(path, append([]byte(`{"type":"faults","faults":["reply@pop3,cmd=STAT,with=-ERR no"]}`+"\n"), raw...), 0o644)
	if p, err := a.Trace.Open(path); err != nil || p != path {
		t.Fatalf("Open(%s) = %q, %v", path, p, err)
	}
	got, _ := a.Trace.Snapshot()
	if got.Viewing == nil || len(got.Viewing.Faults) != 1 || got.Viewing.Faults[0] != "reply@pop3,cmd=STAT,with=-ERR no" {
		t.Errorf("Viewing = %+v, want the saved fault", got.Viewing)
	}
	if err := a.Trace.OpenData("junk.txt", base64.StdEncoding.EncodeToString([]byte("hello\n"))); err == nil {
		t.Error("OpenData of a file that is no trace succeeded")
	}
	if _, err := a.Trace.Open(""); err == nil {
		t.Error("Open without a window should say to use OpenData")
	}
}

// With a small budget the app sets sessions aside: the bridge asks the UI
// to resync and the snapshot says what was set aside.
func TestTraceSetAsideTrims(t *testing.T) {
	rec := &recorder{}
	a, err := NewWith(rec, lab.Options{Trace: &trace.Options{Retention: trace.Retention{Budget: 6 << 10, Dir: t.TempDir()}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Startup(context.Background())
	t.Cleanup(a.Shutdown)
	for range 8 {
		popConsole(t, a, rec)
	}
	deadline := time.Now().Add(5 * time.Second)
	var snap TraceSnapshotDTO
	for time.Now().Before(deadline) {
		if snap, _ = a.Trace.Snapshot(); snap.Aside != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if snap.Aside == nil || snap.Aside.Spilled == 0 || !strings.Contains(snap.Aside.Text, "moved to disk") {
		t.Fatalf("Snapshot().Aside = %+v", snap.Aside)
	}
	if len(snap.Events.Seq) >= int(snap.Seq) {
		t.Errorf("snapshot holds %d events of %d: nothing left out", len(snap.Events.Seq), snap.Seq)
	}
	popConsole(t, a, rec) // a batch after the set-aside brings trace:aside
	d := rec.waitEvent(t, EventTraceAside, func(d any) bool { return len(d.(TraceAsideEventDTO).Sessions) > 0 })
	ev := d.(TraceAsideEventDTO)
	// It names sessions the UI was sent and that are now set aside, and
	// says what is held aside; the UI drops them without a reload.
	for _, id := range ev.Sessions {
		if !a.lab.Trace.IsAside(id) {
			t.Errorf("trace:aside names session %d, which is not set aside", id)
		}
		if !strings.Contains(rec.appendedSessions(), fmt.Sprintf(" %d ", id)) {
			t.Errorf("trace:aside names session %d, which the UI was never sent", id)
		}
	}
	if ev.Aside == nil || ev.Aside.Spilled < len(ev.Sessions) {
		t.Errorf("trace:aside's totals %+v, for %d sessions", ev.Aside, len(ev.Sessions))
	}
	if n := len(rec.named(EventTraceResync)); n != 0 {
		t.Errorf("%d trace:resync events: the set-aside reloaded the UI", n)
	}
	// The export still has every session.
	x, _ := a.Trace.ExportData(FormatJSONL)
	raw, _ := base64.StdEncoding.DecodeString(x.Base64)
	if n := strings.Count(string(raw), `"text":"STAT"`); n != 9 {
		t.Errorf("export has %d STAT lines, want 9", n)
	}
}
