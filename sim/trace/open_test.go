package trace

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// comparable is what a saved trace must give back of an event.
type savedEv struct {
	Seq, Session uint64
	Dir          Direction
	Kind         Kind
	Text         string
	Bytes        int
	Verb, Status string
}

func keyOf(ev *Event) savedEv {
	return savedEv{ev.Seq, ev.Session, ev.Dir, ev.Kind, ev.Text, ev.Bytes, ev.Verb, ev.Status}
}

func TestReopenJSONL(t *testing.T) {
	r := NewRecorder(nil)
	for range 3 {
		popSession(r, 5000, true)
	}
	snap := r.Snapshot()
	var buf bytes.Buffer
	buf.WriteString(`{"type":"faults","faults":["reply@pop3,cmd=RETR,with=-ERR later"]}` + "\n")
	if err := WriteJSONL(&buf, snap.Events(), ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	saved, err := ReadSaved(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Format != "jsonl" || len(saved.Faults) != 1 || saved.Faults[0] != "reply@pop3,cmd=RETR,with=-ERR later" {
		t.Errorf("format %q, faults %q", saved.Format, saved.Faults)
	}
	if len(saved.Events) != snap.Len() || len(saved.Sessions) != 3 {
		t.Fatalf("read %d events, %d sessions; want %d, 3", len(saved.Events), len(saved.Sessions), snap.Len())
	}
	for i := range saved.Events {
		got, want := saved.Events[i], *snap.At(i)
		if keyOf(&got) != keyOf(&want) && !(want.Masked() && got.Text == want.Display(false)) {
			t.Errorf("event %d = %+v, want %+v", i, keyOf(&got), keyOf(&want))
		}
		if got.Flags != want.Flags || got.At != want.At {
			t.Errorf("event %d flags %v at %v, want %v at %v", i, got.Flags, got.At, want.Flags, want.At)
		}
	}
	// Written again, the saved trace is the same file.
	var again bytes.Buffer
	WriteJSONL(&again, saved.Snapshot().Events(), ExportOptions{})
	var orig bytes.Buffer
	WriteJSONL(&orig, snap.Events(), ExportOptions{})
	if again.String() != orig.String() {
		t.Errorf("JSON Lines written from the reopened trace differs")
	}
}

func TestReopenPcapng(t *testing.T) {
	r := NewRecorder(nil)
	for range 3 {
		popSession(r, 5000, true)
	}
	snap := r.Snapshot()
	for _, live := range []bool{false, true} {
		var buf bytes.Buffer
		if live {
			ps, err := NewPcapngStream(&buf, r.Session, ExportOptions{Reveal: true})
			if err != nil {
				t.Fatal(err)
			}
			evs := snap.Slice()
			for len(evs) > 0 { // in batches, as serve writes it
				n := min(len(evs), 7)
				if err := ps.Write(evs[:n]); err != nil {
					t.Fatal(err)
				}
				evs = evs[n:]
			}
		} else if err := WritePcapng(&buf, snap.Sessions(), snap.Events(), ExportOptions{Reveal: true}); err != nil {
			t.Fatal(err)
		}
		saved, err := ReadSaved(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Format != "pcapng" || len(saved.Sessions) != 3 {
			t.Fatalf("live %v: format %q, %d sessions", live, saved.Format, len(saved.Sessions))
		}
		for i, si := range saved.Sessions {
			if si.ID != uint64(i+1) || si.Protocol != POP3 {
				t.Errorf("live %v: session %d = %+v", live, i, si)
			}
		}
		if len(saved.Events) != snap.Len() {
			t.Fatalf("live %v: read %d events, want %d", live, len(saved.Events), snap.Len())
		}
		for i := range saved.Events {
			got, want := keyOf(&saved.Events[i]), keyOf(snap.At(i))
			if got != want {
				t.Errorf("live %v: event %d = %+v, want %+v", live, i, got, want)
			}
		}
		if !strings.Contains(saved.Events[4].Text, "PASS secret") {
			t.Errorf("revealed capture's PASS line = %q", saved.Events[4].Text)
		}
	}
}

// Exported and reopened, the sessions report the same: commands, round
// trips, bytes on the stream and the wire, and patterns (a pcapng keeps no
// virtual times, so its time split is not compared).
func TestReopenSameReports(t *testing.T) {
	r := NewRecorder(nil)
	for range 3 {
		popSession(r, 5000, true)
	}
	snap := r.Snapshot()
	want := Reports(snap)
	var jl, pc bytes.Buffer
	WriteJSONL(&jl, snap.Events(), ExportOptions{})
	WritePcapng(&pc, snap.Sessions(), snap.Events(), ExportOptions{})
	for name, buf := range map[string]*bytes.Buffer{"jsonl": &jl, "pcapng": &pc} {
		saved, err := ReadSaved(buf)
		if err != nil {
			t.Fatal(err)
		}
		got := Reports(saved.Snapshot())
		if len(got) != len(want) {
			t.Fatalf("%s: %d reports, want %d", name, len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.ID != w.ID || g.Protocol != w.Protocol || g.RoundTrips != w.RoundTrips || g.ClientTurns != w.ClientTurns ||
				g.CommandCount != w.CommandCount || g.Retrieved != w.Retrieved || g.Bytes != w.Bytes ||
				g.Client.Login != w.Client.Login || len(g.Patterns) != len(w.Patterns) || g.Open != w.Open {
				t.Errorf("%s: report %d = %+v\nwant %+v", name, i, g, w)
			}
			for v, n := range w.Commands {
				if g.Commands[v] != n {
					t.Errorf("%s: report %d: %s×%d, want ×%d", name, i, v, g.Commands[v], n)
				}
			}
		}
	}
}

// Armed faults exported with a pcapng ride in its section header's
// comment and are listed again when it is reopened; without any the
// capture has no comment and the reopened trace lists none.
func TestReopenPcapngFaults(t *testing.T) {
	r := NewRecorder(nil)
	popSession(r, 500, false)
	snap := r.Snapshot()
	specs := []string{"reply@pop3,cmd=RETR,nth=2,with=-ERR [SYS/TEMP] try later, please", "reset@pop3,after=300"}
	for _, faults := range [][]string{nil, specs} {
		var buf bytes.Buffer
		if err := WritePcapng(&buf, snap.Sessions(), snap.Events(), ExportOptions{Faults: faults}); err != nil {
			t.Fatal(err)
		}
		saved, err := ReadSaved(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(saved.Faults, faults) {
			t.Errorf("faults %q: reopened %q", faults, saved.Faults)
		}
		if len(saved.Events) != snap.Len() {
			t.Errorf("faults %q: %d events, want %d", faults, len(saved.Events), snap.Len())
		}
		// tshark reads the capture with its comment as it reads one without.
		path := filepath.Join(t.TempDir(), "faults.pcapng")
		buf.Reset()
		WritePcapng(&buf, snap.Sessions(), snap.Events(), ExportOptions{Faults: faults})
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if lines := TsharkLines(t, path, "-Y", "pop"); len(lines) == 0 {
			t.Errorf("faults %q: tshark sees no POP packets", faults)
		}
	}
}
