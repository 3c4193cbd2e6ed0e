package trace_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/trace"
)

// bigMessage is an RFC 5322 message of exactly size bytes.
func bigMessage(size int) []byte {
	b := []byte("From: alice@lab\r\nTo: student@lab\r\nSubject: big\r\n\r\n")
	line := strings.Repeat("x", 70) + "\r\n"
	for len(b)+len(line) <= size-2 {
		b = append(b, line...)
	}
	for len(b) < size-2 {
		b = append(b, 'y')
	}
	return append(b, "\r\n"...)
}

// countingConn counts the bytes its reader took from the link and its
// writer gave it.
type countingConn struct {
	*link.Conn
	read, wrote int
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.wrote += n
	return n, err
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.read += n
	return n, err
}

// breakCase is one way a transfer breaks: a reset after some bytes of a
// direction, or the link going offline once the client has read some.
type breakCase struct {
	proto   string // lab service
	dir     link.Direction
	after   int64 // ResetAfter bytes; 0: go offline instead
	offline int   // go offline once the client has read this many bytes
	detail  string
}

// The transfer of a 65,930-byte message over 56k breaks in the middle:
// POP3 RETR and IMAP FETCH (the server sending), SMTP DATA (the client
// sending), by a reset after some bytes or the link going offline. The
// trace shows what was read at the far end and no more: the message as
// incomplete, no closing "." or reply that never came, and the fault after
// the last bytes that arrived, and of how many announced (IMAP's literal,
// POP3's "+OK n octets"); the pcapng carries the same bytes and ends with
// RST, not FIN.
func TestBrokenTransferShowsWhatArrived(t *testing.T) {
	const size = 65930
	cases := []breakCase{
		{proto: lab.POP3, dir: link.Down, after: 30000, detail: "reset after 30000"},
		{proto: lab.POP3, dir: link.Down, offline: 20000, detail: "offline"},
		{proto: lab.IMAP, dir: link.Down, after: 30000, detail: "reset after 30000"},
		{proto: lab.IMAP, dir: link.Down, offline: 20000, detail: "offline"},
		{proto: lab.SMTP, dir: link.Up, after: 30000, detail: "reset after 30000"},
	}
	for _, tc := range cases {
		t.Run(tc.proto+" "+tc.detail, func(t *testing.T) { brokenTransfer(t, size, tc) })
	}
}

func brokenTransfer(t *testing.T, size int, tc breakCase) {
	p, _ := link.Preset("dialup-56k")
	p.Jitter = 0
	raw := bigMessage(size)
	l, err := lab.New(lab.Options{
		Domain:   "lab",
		Accounts: []lab.Account{{Name: "student", Password: "secret"}},
		Seed:     []lab.SeedMessage{{To: "student", Raw: raw}},
		Profile:  p,
		NoTLS:    true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if tc.after > 0 {
		l.Link.InjectNext(link.ResetAfter{Dir: tc.dir, Bytes: tc.after})
	}
	lc, err := l.Dial(context.Background(), tc.proto, link.DialOptions{ClientAddr: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	conn := &countingConn{Conn: lc}
	defer conn.Close()
	br := bufio.NewReader(conn)
	expect := func(cmd, prefix string) {
		t.Helper()
		if cmd != "" {
			fmt.Fprintf(conn, "%s\r\n", cmd)
		}
		for {
			s, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %q, %v", cmd, s, err)
			}
			if strings.HasPrefix(s, prefix) {
				return
			}
		}
	}
	var endErr error
	switch tc.proto {
	case lab.POP3:
		expect("", "+OK")
		expect("USER student", "+OK")
		expect("PASS secret", "+OK")
		expect("RETR 1", "+OK")
	case lab.IMAP:
		expect("", "* OK")
		expect("a1 LOGIN student secret", "a1 OK")
		expect("a2 SELECT INBOX", "a2 OK")
		fmt.Fprintf(conn, "a3 FETCH 1 BODY[]\r\n")
	case lab.SMTP:
		expect("", "220 ")
		expect("EHLO laptop", "250 ")
		expect("MAIL FROM:<alice@lab>", "250 ")
		expect("RCPT TO:<student@lab>", "250 ")
		expect("DATA", "354 ")
		for i := 0; i < len(raw) && endErr == nil; i += 4096 {
			_, endErr = conn.Write(raw[i:min(i+4096, len(raw))])
		}
		if endErr == nil {
			_, endErr = conn.Write([]byte(".\r\n"))
		}
	}
	if tc.dir == link.Down {
		buf := make([]byte, 4096)
		for endErr == nil {
			if tc.offline > 0 && conn.read >= tc.offline {
				l.Link.SetOffline(true)
			}
			_, endErr = br.Read(buf)
		}
	}
	if !errors.Is(endErr, link.ErrReset) && !errors.Is(endErr, link.ErrOffline) {
		t.Fatalf("transfer ended with %v, want a reset", endErr)
	}
	conn.Close()
	l.Close()

	snap := l.Trace.Snapshot()
	events := snap.Slice()
	var sid uint64
	for _, s := range snap.Sessions() {
		if s.Protocol == trace.ParseProtocol(tc.proto) {
			sid = s.ID
		}
	}
	dir := trace.ServerToClient
	if tc.dir == link.Up {
		dir = trace.ClientToServer
	}
	delivered, lastData, fault := 0, -1, -1
	var bulk *trace.Event
	for i := range events {
		ev := &events[i]
		if ev.Session != sid {
			continue
		}
		switch {
		case ev.Kind == trace.KindFault:
			if fault < 0 {
				fault = i
			}
		case ev.Kind == trace.KindLine || ev.Kind == trace.KindBulk:
			if fault >= 0 {
				t.Errorf("event %d after the fault: %s %s %q", ev.Seq, ev.Dir, ev.Kind, ev.Text)
			}
			if ev.Dir != dir {
				continue
			}
			delivered += ev.Bytes
			lastData = i
			if ev.Verb == "." || ev.Tag == "a3" {
				t.Errorf("%q shows, though it never arrived", ev.Text)
			}
			if ev.Kind == trace.KindBulk {
				bulk = ev
			}
		}
	}
	want := conn.read // what the client read
	if dir == trace.ClientToServer {
		want = int(tc.after) // what the server could read: the bytes before the reset
		if conn.wrote != want {
			t.Fatalf("the client got %d bytes onto the link, want %d", conn.wrote, want)
		}
	}
	if delivered != want {
		t.Errorf("trace shows %d bytes %s, want %d (what arrived)", delivered, dir, want)
	}
	if tc.after > 0 && delivered != int(tc.after) {
		t.Errorf("trace shows %d bytes %s, the reset came after %d", delivered, dir, tc.after)
	}
	if bulk == nil || !bulk.Has(trace.FlagIncomplete) || bulk.Bytes >= size {
		t.Fatalf("message event = %+v, want it incomplete with fewer than %d bytes", bulk, size)
	}
	// IMAP's literal {n} is the message's size exactly; POP3's "+OK n
	// octets" is our server's hint; DATA announces nothing.
	wantAnnounced := uint32(size)
	if tc.proto == lab.SMTP {
		wantAnnounced = 0
	}
	if bulk.Announced != wantAnnounced {
		t.Errorf("message event Announced = %d, want %d", bulk.Announced, wantAnnounced)
	}
	said := fmt.Sprintf("[bulk %d B arrived, then the connection broke]", bulk.Bytes)
	if wantAnnounced > 0 {
		said = fmt.Sprintf("[bulk %d of %d B arrived, then the connection broke]", bulk.Bytes, wantAnnounced)
	}
	if line := string(trace.AppendText(nil, bulk, false)); !strings.Contains(line, said) {
		t.Errorf("transcript line %q does not say %q", line, said)
	}
	if fault < 0 || fault < lastData || !strings.Contains(events[fault].Text, tc.detail) {
		t.Fatalf("fault at %d, last data at %d", fault, lastData)
	}
	if f, d := events[fault], events[lastData]; f.At < d.Arrive {
		t.Errorf("fault at %v, before the last bytes arrived at %v", f.At, d.Arrive)
	}
	if msgs, _ := l.Store.Messages("student", "INBOX"); len(msgs) != 1 {
		t.Errorf("INBOX holds %d messages, want the 1 seeded: a broken DATA delivers nothing", len(msgs))
	}

	path := filepath.Join(t.TempDir(), "broken.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := trace.WritePcapng(f, snap.Sessions(), snap.Since(0), trace.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	port := map[string]string{lab.POP3: "110", lab.IMAP: "143", lab.SMTP: "25"}[tc.proto]
	stream := "tcp.port == " + port
	if rst := trace.TsharkLines(t, path, "-Y", stream+" && tcp.flags.reset == 1", "-T", "fields", "-e", "tcp.srcport"); len(rst) != 1 {
		t.Errorf("RST segments = %q, want one", rst)
	}
	if fin := trace.TsharkLines(t, path, "-Y", stream+" && tcp.flags.fin == 1"); len(fin) != 0 {
		t.Errorf("FIN segments = %q, want none", fin)
	}
	from := "tcp.srcport == " + port
	if dir == trace.ClientToServer {
		from = "tcp.dstport == " + port
	}
	sum := 0
	for _, n := range trace.TsharkLines(t, path, "-Y", from, "-T", "fields", "-e", "tcp.len") {
		k, _ := strconv.Atoi(n)
		sum += k
	}
	if sum != delivered {
		t.Errorf("pcapng carries %d bytes %s, the trace %d", sum, dir, delivered)
	}
}
