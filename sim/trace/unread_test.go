package trace_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/trace"
)

// A client that hangs up in the middle of a RETR, the message unread,
// resets the connection, as TCP does (RFC 1122 4.2.2.13, RFC 9293 3.6):
// the trace ends with the link's "reset: client closed with N bytes
// unread" fault, and the pcapng with one RST from the client and no FIN.
// The message stays on the server.
func TestCloseWithUnreadBytesIsAnRST(t *testing.T) {
	p, _ := link.Preset("dialup-56k")
	p.Jitter = 0
	l, err := lab.New(lab.Options{
		Domain:   "lab",
		Accounts: []lab.Account{{Name: "student", Password: "secret"}},
		Seed:     []lab.SeedMessage{{To: "student", Raw: bigMessage(20000)}},
		Profile:  p,
		NoTLS:    true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	conn, err := l.Dial(context.Background(), lab.POP3, link.DialOptions{ClientAddr: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	for _, cmd := range []string{"", "USER student", "PASS secret", "RETR 1"} {
		if cmd != "" {
			fmt.Fprintf(conn, "%s\r\n", cmd)
		}
		if s, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(s, "+OK") {
			t.Fatalf("%s: %q, %v", cmd, s, err)
		}
	}
	conn.Close() // the message is on its way
	l.Close()

	snap := l.Trace.Snapshot()
	var fault, closes int
	for ev := range snap.Events() {
		switch ev.Kind {
		case trace.KindFault:
			fault++
			if !strings.HasPrefix(ev.Text, "reset: client closed with ") || !strings.HasSuffix(ev.Text, " bytes unread") || ev.Dir != trace.ClientToServer {
				t.Errorf("fault %s %q, want the client's reset with its bytes unread", ev.Dir, ev.Text)
			}
		case trace.KindClose:
			closes++
			if fault == 0 {
				t.Errorf("close %q before the reset", ev.Text)
			}
		case trace.KindLine, trace.KindBulk:
			if fault > 0 {
				t.Errorf("%s %q after the reset", ev.Kind, ev.Text)
			}
		}
	}
	if fault != 1 || closes != 2 {
		t.Errorf("%d faults and %d closes, want 1 and 2", fault, closes)
	}
	if msgs, _ := l.Store.Messages("student", "INBOX"); len(msgs) != 1 {
		t.Errorf("INBOX holds %d messages, want 1: no QUIT, nothing deleted", len(msgs))
	}

	path := filepath.Join(t.TempDir(), "unread.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := trace.WritePcapng(f, snap.Sessions(), snap.Since(0), trace.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if rst := trace.TsharkLines(t, path, "-Y", "tcp.flags.reset == 1", "-T", "fields", "-e", "tcp.dstport"); len(rst) != 1 || rst[0] != "110" {
		t.Errorf("RST segments to port = %q, want one, from the client to 110", rst)
	}
	if fin := trace.TsharkLines(t, path, "-Y", "tcp.flags.fin == 1"); len(fin) != 0 {
		t.Errorf("FIN segments = %q, want none", fin)
	}
}

// The link offline from 30 s of virtual time (OfflineBetween, run's
// --fault offline,at=30s) in the middle of a POP3 RETR over 56k: the trace
// shows the message as far as it arrived by 30 s, then the "offline" fault
// at 30 s exactly, then the closes; the pcapng ends with one RST and no
// FIN and carries the same bytes.
func TestVirtualOfflineBreaksATransfer(t *testing.T) {
	p, _ := link.Preset("dialup-56k")
	p.Jitter = 0
	l, err := lab.New(lab.Options{
		Domain:   "lab",
		Accounts: []lab.Account{{Name: "student", Password: "secret"}},
		Seed:     []lab.SeedMessage{{To: "student", Raw: bigMessage(300000)}},
		Profile:  p,
		NoTLS:    true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Link.OfflineBetween(30*time.Second, time.Hour)
	conn, err := l.Dial(context.Background(), lab.POP3, link.DialOptions{ClientAddr: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	cc := &countingConn{Conn: conn}
	br := bufio.NewReader(cc)
	for _, cmd := range []string{"", "USER student", "PASS secret", "RETR 1"} {
		if cmd != "" {
			fmt.Fprintf(cc, "%s\r\n", cmd)
		}
		if s, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(s, "+OK") {
			t.Fatalf("%s: %q, %v", cmd, s, err)
		}
	}
	_, err = io.Copy(io.Discard, br)
	if !errors.Is(err, link.ErrOffline) || conn.Now() != 30*time.Second {
		t.Errorf("RETR ended with %v at %v, want ErrOffline at 30s", err, conn.Now())
	}
	conn.Close()
	l.Close()

	snap := l.Trace.Snapshot()
	var fault *trace.Event
	down := 0
	for ev := range snap.Events() {
		switch {
		case ev.Kind == trace.KindFault:
			e := ev
			fault = &e
		case fault == nil && ev.Dir == trace.ServerToClient && (ev.Kind == trace.KindLine || ev.Kind == trace.KindBulk):
			down += ev.Bytes
		case fault != nil && ev.Kind != trace.KindClose:
			t.Errorf("%s %q after the fault", ev.Kind, ev.Text)
		}
	}
	if fault == nil || fault.Text != "offline" || fault.At != 30*time.Second {
		t.Fatalf("fault = %+v, want offline at 30s", fault)
	}
	if down != cc.read {
		t.Errorf("the trace shows %d bytes down, the client read %d", down, cc.read)
	}
	path := filepath.Join(t.TempDir(), "offline.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := trace.WritePcapng(f, snap.Sessions(), snap.Since(0), trace.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if rst := trace.TsharkLines(t, path, "-Y", "tcp.flags.reset == 1"); len(rst) != 1 {
		t.Errorf("RST segments = %q, want one", rst)
	}
	if fin := trace.TsharkLines(t, path, "-Y", "tcp.flags.fin == 1"); len(fin) != 0 {
		t.Errorf("FIN segments = %q, want none", fin)
	}
	sum := 0
	for _, n := range trace.TsharkLines(t, path, "-Y", "tcp.srcport == 110", "-T", "fields", "-e", "tcp.len") {
		k, _ := strconv.Atoi(n)
		sum += k
	}
	if sum != down {
		t.Errorf("pcapng carries %d bytes from the server, the trace %d", sum, down)
	}
}
