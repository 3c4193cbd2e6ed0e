package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/trace"
)

// traceBatchGolden is the wire format of a trace batch, shared with the
// frontend's decoder test (tracelog.test.ts). UPDATE_GOLDEN=1 rewrites it.
var traceBatchGolden = filepath.Join("..", "frontend", "src", "lib", "testdata", "trace-batch.json")

func goldenEvents() []trace.Event {
	wall := time.UnixMilli(1_764_000_000_000)
	return []trace.Event{
		{Seq: 7, Session: 3, Protocol: trace.POP3, Dir: trace.ClientToServer, Kind: trace.KindConnect,
			At: 1200500 * time.Nanosecond, Arrive: 1800 * time.Microsecond, Wall: wall, Text: "connect 10.0.0.2:110"},
		{Seq: 8, Session: 3, Protocol: trace.POP3, Dir: trace.ClientToServer, Kind: trace.KindLine,
			At: 2 * time.Millisecond, Arrive: 2500250 * time.Nanosecond, Wall: wall.Add(time.Millisecond),
			Bytes: 13, Wire: 65, Text: "PASS secret", Verb: "PASS", Secret: trace.Span{Start: 5, End: 11}},
		{Seq: 9, Session: 4, Protocol: trace.IMAP, Dir: trace.ServerToClient, Kind: trace.KindLine,
			At: 3 * time.Second, Arrive: 3*time.Second + 40*time.Millisecond, Wall: wall.Add(3 * time.Second),
			Bytes: 40, Wire: 92, Text: "a1 OK [CAPABILITY IMAP4rev1] Logged in", Tag: "a1", Status: "OK", Code: "CAPABILITY",
			Flags: trace.FlagTLS},
		{Seq: 10, Session: 5, Protocol: trace.SMTP, Dir: trace.ServerToClient, Kind: trace.KindLine,
			At: 4 * time.Second, Arrive: 4*time.Second + time.Millisecond, Wall: wall.Add(4 * time.Second),
			Bytes: 16, Wire: 68, Text: "250-PIPELINING", Status: "250", Flags: trace.FlagMore},
		{Seq: 11, Session: 5, Protocol: trace.SMTP, Dir: trace.ClientToServer, Kind: trace.KindBulk,
			At: 5 * time.Second, Arrive: 6 * time.Second, Wall: wall.Add(5 * time.Second),
			Bytes: 12345, Wire: 13000, Text: "Subject: hi↵↵body", Verb: "DATA"},
		{Seq: 12, Session: 6, Protocol: trace.ProtocolUnknown, Dir: trace.ServerToClient, Kind: trace.KindFault,
			At: 7 * time.Second, Arrive: 7 * time.Second, Wall: wall.Add(7 * time.Second), Text: "link dropped"},
		{Seq: 13, Session: 4, Protocol: trace.IMAP, Dir: trace.ClientToServer, Kind: trace.KindTLS,
			At: 8 * time.Second, Arrive: 8 * time.Second, Wall: wall.Add(8 * time.Second), Text: "TLS handshake", Verb: "ClientHello"},
		{Seq: 14, Session: 4, Protocol: trace.IMAP, Dir: trace.ServerToClient, Kind: trace.KindClose,
			At: 9 * time.Second, Arrive: 9 * time.Second, Wall: wall.Add(9 * time.Second), Text: "close"},
		{Seq: 15, Session: 7, Protocol: trace.POP3, Dir: trace.ClientToServer, Kind: trace.KindDial,
			At: 10 * time.Second, Arrive: 10 * time.Second, Wall: wall.Add(10 * time.Second), Text: "☎ dialling 56k modem…"},
		// A FETCH literal inside TLS, cut short: 30,000 of its 65,930 bytes arrived.
		{Seq: 16, Session: 4, Protocol: trace.IMAP, Dir: trace.ServerToClient, Kind: trace.KindBulk,
			At: 11 * time.Second, Arrive: 15 * time.Second, Wall: wall.Add(11 * time.Second),
			Bytes: 30000, Wire: 31200, Text: "Subject: big↵↵xxxx", Verb: "FETCH", Tag: "*",
			Flags: trace.FlagTLS | trace.FlagIncomplete, RecordBytes: 30660, Announced: 65930},
	}
}

func TestTraceBatchColumns(t *testing.T) {
	evs := goldenEvents()
	b := newTraceBatch(0)
	for i := range evs {
		b.add(&evs[i], false)
	}
	d := b.done()
	if d.N != len(evs) || d.Proto != "2231103323" || d.Dir != "0011010101" || d.Kind != "2000154361" || d.Flags != "014200000c" {
		t.Errorf("codes: n %d proto %q dir %q kind %q flags %q", d.N, d.Proto, d.Dir, d.Kind, d.Flags)
	}
	// Only the bulk event with an announced size is in the sparse pair
	// (the DATA body at index 4 announced nothing).
	if fmt.Sprint(d.AnnouncedAt, d.Announced) != "[9] [65930]" {
		t.Errorf("announcedAt %v announced %v, want [9] [65930]", d.AnnouncedAt, d.Announced)
	}
	for _, col := range []int{len(d.Seq), len(d.Session), len(d.AtUs), len(d.ArriveUs), len(d.WallMs), len(d.Bytes), len(d.Wire),
		len(d.Text), len(d.Verb), len(d.Tag), len(d.Status), len(d.Code), len(d.Proto), len(d.Dir), len(d.Kind), len(d.Flags)} {
		if col != d.N {
			t.Fatalf("a column of %d entries for %d events", col, d.N)
		}
	}
	if d.Text[1] != "PASS "+trace.Mask || d.AtUs[0] != 1200.5 || d.ArriveUs[1] != 2500.25 || d.WallMs[2] != 1_764_000_003_000 {
		t.Errorf("fields: text %q atUs %v arriveUs %v wallMs %v", d.Text[1], d.AtUs[0], d.ArriveUs[1], d.WallMs[2])
	}
	got, err := json.MarshalIndent(d, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(traceBatchGolden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(traceBatchGolden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the batch's JSON differs from %s (UPDATE_GOLDEN=1 rewrites it, then check the frontend test):\n%s", traceBatchGolden, got)
	}
}

func TestEmptyTraceBatchHasArrays(t *testing.T) {
	raw, err := json.Marshal(newTraceBatch(0).done())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("null")) {
		t.Errorf("an empty batch has null columns: %s", raw)
	}
}
