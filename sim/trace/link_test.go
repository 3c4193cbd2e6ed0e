package trace_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/trace"
)

// tapped returns a link whose every connection is traced into rec.
func tapped(p link.Profile, rec *trace.Recorder) *link.Link {
	return link.New(link.Options{Profile: p, NewTap: func(ci link.ConnInfo) link.Tap {
		return rec.NewSession(trace.SessionInfo{
			ID: ci.ID, Protocol: trace.ParseProtocol(ci.Protocol),
			ClientAddr: ci.ClientAddr, ServerAddr: ci.ServerAddr, Start: ci.Start, Wall: ci.Wall,
		})
	}})
}

type sink struct{}

func (sink) NewSession(*smtp.Conn) (smtp.Session, error) { return sinkSession{}, nil }

type sinkSession struct{}

func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (sinkSession) Data(r io.Reader) error               { _, err := io.Copy(io.Discard, r); return err }
func (sinkSession) Reset()                               {}
func (sinkSession) Logout() error                        { return nil }

// The tap on real link conns, with real go-smtp on both ends, yields one
// event per protocol line and one bulk event for the message, with
// virtual times that follow the link and wire bytes that add up to the
// link's own counters.
func TestTapOnLinkConns(t *testing.T) {
	rec := trace.NewRecorder(nil)
	p, _ := link.Preset("dialup-56k")
	p.Jitter = 0
	l := tapped(p, rec)
	ln, _ := l.Listen("smtp", "mx.lab:25")
	srv := smtp.NewServer(sink{})
	srv.Domain = "mx.lab"
	go srv.Serve(ln)
	defer srv.Close()
	d := &link.Dialer{Link: l}
	conn, err := d.Dial("tcp", "mx.lab:25")
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClient(conn)
	body := "Subject: t\r\n\r\n" + strings.Repeat("body line\r\n", 300)
	if err := c.SendMail("a@lab", []string{"b@lab"}, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	conn.Close()
	st := d.Last().Stats()

	var verbs []string
	var bulk *trace.Event
	var wire int64
	var last trace.Event
	for ev := range rec.Snapshot().Events() {
		wire += int64(ev.Wire)
		if ev.Kind == trace.KindBulk {
			e := ev
			bulk = &e
		}
		if ev.Kind == trace.KindLine && ev.Dir == trace.ClientToServer {
			verbs = append(verbs, ev.Verb)
		}
		if ev.Arrive < ev.At {
			t.Errorf("event %d arrives (%v) before it departs (%v)", ev.Seq, ev.Arrive, ev.At)
		}
		if ev.Kind == trace.KindLine && ev.Dir == last.Dir && ev.At < last.At {
			t.Errorf("event %d departs before event %d in the same direction", ev.Seq, last.Seq)
		}
		last = ev
	}
	if got := strings.Join(verbs, " "); !strings.HasPrefix(got, "EHLO MAIL RCPT DATA") || !strings.HasSuffix(got, "QUIT") {
		t.Errorf("client verbs = %q", got)
	}
	if bulk == nil || bulk.Bytes < len(body) || !bytes.HasPrefix(bulk.Payload, []byte("Subject: t")) {
		t.Fatalf("bulk event = %+v, want the %d-byte message", bulk, len(body))
	}
	if want := st.Up.Wire + st.Down.Wire; wire != want {
		t.Errorf("events carry %d wire bytes, the link counted %d", wire, want)
	}
	// 3.3 KB of body at 33.6 kbit/s: its arrival follows its departure by
	// at least the serialisation time plus the latency.
	if min := link.Serialise(int64(len(body)), p.UpBps) + p.Latency; bulk.Arrive-bulk.At < min-p.Latency {
		t.Errorf("bulk took %v on the wire, want ≈ %v", bulk.Arrive-bulk.At, min)
	}
}

// The link's dial mark is a dial event (not a fault), shown and exported
// under that name.
func TestDialMark(t *testing.T) {
	rec := trace.NewRecorder(nil)
	s := rec.NewSession(trace.SessionInfo{ID: 1, Protocol: trace.POP3, ClientAddr: "Home PC", ServerAddr: "pop3.lab:110", Start: time.Second})
	s.Mark(link.MarkDial, "☎ dialling 56k modem… connected after 20.0 s", true, time.Second, time.Now())
	s.Mark(link.MarkConnect, "Home PC → pop3.lab:110", true, 21*time.Second, time.Now())
	evs := rec.Snapshot().Slice()
	if len(evs) != 2 || evs[0].Kind != trace.KindDial || evs[1].Kind != trace.KindConnect {
		t.Fatalf("events = %+v, want dial then connect", evs)
	}
	var text, jsonl bytes.Buffer
	trace.WriteText(&text, rec.Snapshot().Events(), trace.ExportOptions{})
	trace.WriteJSONL(&jsonl, rec.Snapshot().Events(), trace.ExportOptions{})
	if first, _, _ := strings.Cut(text.String(), "\n"); first != "   1.000000  s1  ---  [dial] ☎ dialling 56k modem… connected after 20.0 s" {
		t.Errorf("text export's first line = %q", first)
	}
	if !strings.Contains(jsonl.String(), `"kind":"dial"`) {
		t.Errorf("JSON Lines export has no dial event:\n%s", jsonl.String())
	}
	var k trace.Kind
	if err := k.UnmarshalText([]byte("dial")); err != nil || k != trace.KindDial {
		t.Errorf(`UnmarshalText("dial") = %v, %v`, k, err)
	}
	// In a capture the call sends nothing: the SYN leaves when the line
	// is up, not while the modem dials.
	base := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	var pcap bytes.Buffer
	snap := rec.Snapshot()
	if err := trace.WritePcapng(&pcap, snap.Sessions(), snap.Events(), trace.ExportOptions{Base: base}); err != nil {
		t.Fatal(err)
	}
	rd, err := pcapgo.NewNgReader(&pcap, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	_, ci, err := rd.ReadPacketData()
	if err != nil {
		t.Fatal(err)
	}
	if want := base.Add(21 * time.Second); !ci.Timestamp.Equal(want) {
		t.Errorf("first packet (SYN) at %v, want %v: when the line is up", ci.Timestamp, want)
	}
}

// BenchmarkTappedThroughput is the virtual link's payload throughput with
// the trace tap on: 1 MiB POP3 RETR bodies (76-character lines) crossing a
// virtual pair, server to client.
func BenchmarkTappedThroughput(b *testing.B) {
	line := strings.Repeat("x", 76) + "\r\n"
	var msg bytes.Buffer
	for msg.Len() < 1<<20 {
		msg.WriteString(line)
	}
	payload := msg.Bytes()
	// Keeping payload holds every byte in memory: run with -benchtime=300x.
	for _, keep := range []int64{8 << 30, -1} {
		name := "payload-kept"
		if keep < 0 {
			name = "payload-counted"
		}
		b.Run(name, func(b *testing.B) {
			rec := trace.NewRecorder(&trace.Options{PayloadLimit: keep})
			p, _ := link.Preset("adsl-8m")
			l := tapped(p, rec)
			c, s, _ := l.Pipe(link.PipeOptions{Protocol: "pop3"})
			done := make(chan struct{})
			go func() { io.Copy(io.Discard, c); close(done) }()
			io.WriteString(c, "USER a\r\n")
			b.SetBytes(int64(len(payload)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				io.WriteString(c, "RETR 1\r\n")
				io.WriteString(s, "+OK message follows\r\n")
				for off := 0; off < len(payload); off += 32 << 10 {
					s.Write(payload[off:min(off+32<<10, len(payload))])
				}
				io.WriteString(s, ".\r\n")
			}
			s.Close()
			<-done
			c.Close()
		})
	}
}
