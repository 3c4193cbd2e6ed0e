package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// bigBody is a message larger than several TCP segments.
var bigBody = func() string {
	var b strings.Builder
	b.WriteString("Subject: lab report\r\nFrom: alice@example.org\r\n\r\n")
	for i := range 100 {
		fmt.Fprintf(&b, "line %03d of a long message body, long enough to need many segments\r\n", i)
	}
	return b.String()
}()

// labTrace records one SMTP, one POP3 and one IMAP session.
func labTrace(t *testing.T) *Recorder {
	t.Helper()
	r := NewRecorder(nil)

	c := newConn(t, r, SMTP)
	c.S("220 mx.example ESMTP\r\n")
	c.C("EHLO client\r\n")
	c.S("250-mx.example\r\n250 PIPELINING\r\n")
	c.C("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n")
	c.S("235 2.7.0 ok\r\n")
	c.C("MAIL FROM:<alice@example.org>\r\n")
	c.S("250 2.1.0 Ok\r\n")
	c.C("RCPT TO:<bob@example.org>\r\n")
	c.S("250 2.1.5 Ok\r\n")
	c.C("DATA\r\n")
	c.S("354 go ahead\r\n")
	c.C(bigBody)
	c.C(".\r\n")
	c.S("250 2.0.0 queued\r\n")
	c.C("QUIT\r\n")
	c.S("221 2.0.0 bye\r\n")
	c.close()

	c = newConn(t, r, POP3)
	c.S("+OK POP3 ready\r\n")
	c.C("USER bob\r\n")
	c.S("+OK\r\n")
	c.C("PASS hunter2\r\n")
	c.S("+OK 1 message\r\n")
	c.C("STAT\r\n")
	c.S("+OK 1 5000\r\n")
	c.C("RETR 1\r\n")
	c.S(fmt.Sprintf("+OK %d octets\r\n", len(bigBody)) + bigBody + ".\r\n")
	c.C("QUIT\r\n")
	c.S("+OK bye\r\n")
	c.close()

	c = newConn(t, r, IMAP)
	c.S("* OK IMAP4rev1 ready\r\n")
	c.C("a1 LOGIN bob hunter2\r\n")
	c.S("a1 OK LOGIN completed\r\n")
	c.C("a2 SELECT INBOX\r\n")
	c.S("* 1 EXISTS\r\na2 OK [READ-WRITE] SELECT completed\r\n")
	c.C("a3 FETCH 1 BODY[]\r\n")
	c.S(fmt.Sprintf("* 1 FETCH (BODY[] {%d}\r\n", len(bigBody)) + bigBody + ")\r\n")
	c.S("a3 OK FETCH completed\r\n")
	c.C("a4 LOGOUT\r\n")
	c.S("* BYE\r\na4 OK LOGOUT completed\r\n")
	c.close()
	return r
}

func TestWriteText(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, POP3)
	c.S("+OK ready\r\n")
	c.C("PASS hunter2\r\n")
	c.S("-ERR [AUTH] no\r\n")
	c.C("RETR 1\r\n")
	c.S("+OK\r\nbody\r\n.\r\n")
	tests := []struct {
		reveal bool
		want   string
	}{
		{false, `   0.000000  s1  ---  [connect]
   0.000000  s1  S→C  +OK ready
   0.001000  s1  C→S  PASS ********
   0.002000  s1  S→C  -ERR [AUTH] no
   0.003000  s1  C→S  RETR 1
   0.004000  s1  S→C  +OK
   0.005000  s1  S→C  [bulk 6 B] body↵
   0.006000  s1  S→C  .
`},
		{true, `   0.000000  s1  ---  [connect]
   0.000000  s1  S→C  +OK ready
   0.001000  s1  C→S  PASS hunter2
   0.002000  s1  S→C  -ERR [AUTH] no
   0.003000  s1  C→S  RETR 1
   0.004000  s1  S→C  +OK
   0.005000  s1  S→C  [bulk 6 B] body↵
   0.006000  s1  S→C  .
`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("reveal=%v", tt.reveal), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteText(&buf, r.Snapshot().Events(), ExportOptions{Reveal: tt.reveal}); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("WriteText() =\n%s\nwant\n%s", buf.String(), tt.want)
			}
		})
	}
}

// A payload cut short says in the transcript how much arrived, of how
// much was announced when that is known, and JSON Lines carries both.
func TestExportCutShort(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, POP3)
	c.C("RETR 1\r\n")
	c.S("+OK 65930 octets\r\nSubject: big\r\n")
	c.s.Mark("fault", "reset after 30000 bytes S→C", false, c.now, wall0)
	c = newConn(t, r, SMTP)
	c.C("DATA\r\n")
	c.S("354 go ahead\r\n")
	c.C("Subject: big\r\n")
	c.s.Mark("fault", "offline", true, c.now, wall0)
	var text bytes.Buffer
	if err := WriteText(&text, r.Snapshot().Events(), ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	want := `   0.000000  s1  ---  [connect]
   0.000000  s1  C→S  RETR 1
   0.001000  s1  S→C  +OK 65930 octets
   0.002000  s1  S→C  [bulk 14 of 65930 B arrived, then the connection broke] Subject: big↵
   0.003000  s1  ---  [fault] reset after 30000 bytes S→C
   0.000000  s2  ---  [connect]
   0.000000  s2  C→S  DATA
   0.001000  s2  S→C  354 go ahead
   0.002000  s2  C→S  [bulk 14 B arrived, then the connection broke] Subject: big↵
   0.003000  s2  ---  [fault] offline
`
	if text.String() != want {
		t.Errorf("WriteText() =\n%s\nwant\n%s", text.String(), want)
	}
	var jl bytes.Buffer
	if err := WriteJSONL(&jl, r.Snapshot().Events(), ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	var bulks []string
	for _, l := range strings.Split(strings.TrimSuffix(jl.String(), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if m["kind"] == "bulk" {
			bulks = append(bulks, fmt.Sprintf("bytes=%v announced=%v incomplete=%v", m["bytes"], m["announced"], m["incomplete"]))
		}
	}
	if got, want := strings.Join(bulks, "; "), "bytes=14 announced=65930 incomplete=true; bytes=14 announced=<nil> incomplete=true"; got != want {
		t.Errorf("JSON Lines bulk events: %s, want %s", got, want)
	}
}

func TestWriteJSONL(t *testing.T) {
	r := labTrace(t)
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, r.Snapshot().Events(), ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != r.Len() {
		t.Fatalf("WriteJSONL wrote %d lines, want %d", len(lines), r.Len())
	}
	if strings.Contains(buf.String(), "hunter2") || strings.Contains(buf.String(), "AGFsaWNlAHNlY3JldA==") {
		t.Errorf("JSON Lines export leaks a secret")
	}
	var sawPass bool
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		for _, k := range []string{"seq", "session", "protocol", "dir", "kind", "atNs", "arriveNs", "wall", "bytes", "wire", "text"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %q lacks field %q", l, k)
			}
		}
		// An announced size travels; none is omitted (DATA).
		if m["kind"] == "bulk" {
			want := map[string]any{"DATA": nil, "RETR": float64(len(bigBody)), "FETCH": float64(len(bigBody))}[m["verb"].(string)]
			if m["announced"] != want {
				t.Errorf("%v bulk announced = %v, want %v", m["verb"], m["announced"], want)
			}
		}
		if m["verb"] == "PASS" {
			sawPass = true
			if m["text"] != "PASS ********" || m["masked"] != true || m["protocol"] != "pop3" || m["dir"] != "c2s" {
				t.Errorf("PASS line = %s, want masked pop3 c2s", l)
			}
		}
	}
	if !sawPass {
		t.Errorf("no PASS event in JSON Lines")
	}
	buf.Reset()
	if err := WriteJSONL(&buf, r.Snapshot().Events(), ExportOptions{Reveal: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "PASS hunter2") {
		t.Errorf("JSON Lines with Reveal lacks the password")
	}
}

func writePcap(t *testing.T, r *Recorder, opt ExportOptions) string {
	t.Helper()
	snap := r.Snapshot()
	path := filepath.Join(t.TempDir(), "lab.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WritePcapng(f, snap.Sessions(), snap.Events(), opt); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPcapngStreams reads the capture back and checks the TCP streams:
// handshake, sequence numbers, segment sizes, and that each direction
// reassembles to exactly the bytes the sessions carried.
func TestPcapngStreams(t *testing.T) {
	r := labTrace(t)
	base := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	path := writePcap(t, r, ExportOptions{Base: base})
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ src, dst layers.TCPPort }
	streams := map[key]*bytes.Buffer{}
	next := map[key]uint32{}
	synSeen := map[key]bool{}
	var last time.Time
	n := 0
	for {
		data, ci, err := rd.ReadPacketData()
		if err != nil {
			break
		}
		n++
		if ci.Timestamp.Before(last) {
			t.Errorf("packet %d at %v, before the previous %v", n, ci.Timestamp, last)
		}
		last = ci.Timestamp
		if ci.Timestamp.Before(base) {
			t.Errorf("packet %d at %v, before base %v", n, ci.Timestamp, base)
		}
		pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			t.Fatalf("packet %d is not TCP: %v", n, pkt)
		}
		k := key{tcp.SrcPort, tcp.DstPort}
		if len(tcp.Payload) > MSS {
			t.Errorf("packet %d carries %d bytes, more than MSS %d", n, len(tcp.Payload), MSS)
		}
		if tcp.SYN {
			synSeen[k] = true
			next[k] = tcp.Seq + 1
			continue
		}
		if !synSeen[k] {
			t.Fatalf("packet %d on %v before its SYN", n, k)
		}
		if tcp.Seq != next[k] {
			t.Errorf("packet %d on %v: seq %d, want %d", n, k, tcp.Seq, next[k])
		}
		if want := next[key{k.dst, k.src}]; !tcp.ACK || tcp.Ack > want {
			t.Errorf("packet %d on %v acks %d, beyond the peer's %d", n, k, tcp.Ack, want)
		}
		next[k] = tcp.Seq + uint32(len(tcp.Payload))
		if tcp.FIN {
			next[k]++
		}
		if streams[k] == nil {
			streams[k] = &bytes.Buffer{}
		}
		streams[k].Write(tcp.Payload)
	}
	// Expected streams from the events, masked.
	want := map[key]*bytes.Buffer{}
	for ev := range r.Snapshot().Events() {
		b, _ := ev.WireBytes(false)
		cport := layers.TCPPort(51000) // the client's own port (newConn)
		sport := layers.TCPPort(ev.Protocol.WellKnownPort())
		k := key{cport, sport}
		if ev.Dir == ServerToClient {
			k = key{sport, cport}
		}
		if want[k] == nil {
			want[k] = &bytes.Buffer{}
		}
		want[k].Write(b)
	}
	if len(streams) != 6 {
		t.Errorf("capture has %d directed streams, want 6", len(streams))
	}
	for k, w := range want {
		if got := streams[k]; got == nil || got.String() != w.String() {
			t.Errorf("stream %v differs from the events' bytes (got %d bytes, want %d)", k, got.Len(), w.Len())
		}
	}
	for k, s := range streams {
		if strings.Contains(s.String(), "hunter2") {
			t.Errorf("stream %v leaks the password", k)
		}
	}
}

// TestPcapngTshark has Wireshark's dissectors read the capture.
func TestPcapngTshark(t *testing.T) {
	path := writePcap(t, labTrace(t), ExportOptions{})
	run := func(args ...string) []string { t.Helper(); return TsharkLines(t, path, args...) }
	tests := []struct {
		name   string
		filter string
		field  string
		want   []string
	}{
		{"smtp commands", "smtp.req.command", "smtp.req.command", []string{"EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"}},
		{"smtp replies", "smtp.response.code", "smtp.response.code", []string{"220", "250", "235", "354", "221"}},
		{"pop3 commands", "pop.request.command", "pop.request.command", []string{"USER", "PASS", "STAT", "RETR", "QUIT"}},
		{"pop3 password masked", `pop.request.command == "PASS"`, "pop.request.parameter", []string{"*******"}},
		{"imap commands", "imap.request.command", "imap.request.command", []string{"LOGIN", "SELECT", "FETCH", "LOGOUT"}},
		{"imap tags", "imap.request.command", "imap.request_tag", []string{"a1", "a2", "a3", "a4"}},
		{"message body reassembled", "imf", "imf.subject", []string{"lab report"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run("-Y", tt.filter, "-T", "fields", "-e", tt.field)
			var all []string
			for _, l := range got {
				all = append(all, strings.Split(l, ",")...)
			}
			for _, w := range tt.want {
				if !slices.Contains(all, w) {
					t.Errorf("tshark -Y %q -e %s = %q, want it to contain %q", tt.filter, tt.field, all, w)
				}
			}
		})
	}
	if bad := run("-Y", "tcp.analysis.flags && !tcp.analysis.window_update"); len(bad) > 0 {
		t.Errorf("tshark flags TCP problems:\n%s", strings.Join(bad, "\n"))
	}
	if streams := run("-T", "fields", "-e", "tcp.stream"); len(slices.Compact(slices.Sorted(slices.Values(streams)))) != 3 {
		t.Errorf("tshark sees TCP streams %q, want 3", slices.Compact(slices.Sorted(slices.Values(streams))))
	}
}

// pcapng uses the ports the connection really had: the server's listening
// port, the client's own port when its address has one, and a made-up
// client port for an in-app client, which has a name instead.
func TestPcapngPorts(t *testing.T) {
	tests := []struct {
		name   string
		info   SessionInfo
		client uint16
		server uint16
	}{
		{"outside client", SessionInfo{ID: 1, Protocol: POP3, ClientAddr: "127.0.0.1:34574", ServerAddr: "127.0.0.1:2110", ServerPort: 2110}, 34574, 2110},
		{"in-app client", SessionInfo{ID: 2, Protocol: IMAP, ClientAddr: "laptop", ServerAddr: "imap.lab:143", ServerPort: 143}, clientPortBase + 2, 143},
		{"server port unknown", SessionInfo{ID: 3, Protocol: SMTP, ClientAddr: "phone"}, clientPortBase + 3, 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(tt.info)
			if f.port[ClientToServer] != tt.client || f.port[ServerToClient] != tt.server {
				t.Errorf("ports = %d → %d, want %d → %d", f.port[ClientToServer], f.port[ServerToClient], tt.client, tt.server)
			}
		})
	}
}

// TsharkLines runs tshark on a capture and returns its non-empty output
// (exported for the external tests, in this test-only file)
// lines; it skips the test without tshark (fails under
// MAILSCOPE_REQUIRE_TOOLS=1).
func TsharkLines(t *testing.T, path string, args ...string) []string {
	t.Helper()
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("MAILSCOPE_REQUIRE_TOOLS") == "1" {
			t.Fatal("tshark not on PATH and MAILSCOPE_REQUIRE_TOOLS=1")
		}
		t.Skip("tshark not on PATH")
	}
	cmd := exec.Command(tshark, append([]string{"-r", path}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no user profile
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, out)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// The armed faults go first in JSON Lines, in a record an event line
// cannot be mistaken for, and as comments in the transcript.
func TestExportFaultsRecord(t *testing.T) {
	ev := Event{Seq: 1, Session: 1, Kind: KindFault, Text: "reply@pop3,cmd=RETR,with=-ERR x: answered RETR"}
	events := func(yield func(Event) bool) { yield(ev) }
	specs := []string{"reply@pop3,cmd=RETR,with=-ERR x, with a comma", "delay@imap,cmd=FETCH,for=5s"}
	var b strings.Builder
	if err := WriteJSONL(&b, events, ExportOptions{Faults: specs}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	var rec FaultsRecord
	if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &rec) != nil || rec.Type != "faults" || !slices.Equal(rec.Faults, specs) {
		t.Fatalf("JSON Lines with faults:\n%s", b.String())
	}
	if strings.Contains(lines[1], `"type"`) {
		t.Errorf("an event line has a type field: %s", lines[1])
	}
	b.Reset()
	if err := WriteJSONL(&b, events, ExportOptions{}); err != nil || strings.Count(b.String(), "\n") != 1 {
		t.Errorf("without faults: %q, %v; want the event only", b.String(), err)
	}
	b.Reset()
	WriteText(&b, events, ExportOptions{Faults: specs})
	if !strings.HasPrefix(b.String(), "# fault: "+specs[0]+"\n# fault: "+specs[1]+"\n") {
		t.Errorf("transcript with faults:\n%s", b.String())
	}
}
