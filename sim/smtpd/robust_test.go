package smtpd

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
)

// A reset in the middle of DATA, or just before its final dot, stores
// nothing, and the server goes on serving.
func TestResetDuringData(t *testing.T) {
	msg := message("reset", 100_000)
	tests := []struct {
		name string
		keep int // bytes of the DATA payload (msg + ".\r\n") that get through
	}{
		{"at the start", 0},
		{"in the middle", len(msg) / 2},
		{"before the dot", len(msg)},
		{"before the last LF", len(msg) + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, Options{})
			conn, err := w.link.Dial(t.Context(), addr, link.DialOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c := smtp.NewClient(conn)
			defer c.Close()
			if err := c.Mail("alice@mailscope.lab", nil); err != nil {
				t.Fatal(err)
			}
			if err := c.Rcpt("student@mailscope.lab", nil); err != nil {
				t.Fatal(err)
			}
			wc, err := c.Data()
			if err != nil {
				t.Fatal(err)
			}
			sent := conn.Stats().Up.Payload
			conn.Inject(link.ResetAfter{Dir: link.Up, Bytes: sent + int64(tt.keep)})
			wc.Write([]byte(msg))
			if err := wc.Close(); !errors.Is(err, link.ErrReset) {
				t.Errorf("Close() = %v, want ErrReset", err)
			}
			// Another client's mail goes through, and is the only one.
			d := &link.Dialer{Link: w.link}
			c2conn, err := d.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c2 := smtp.NewClient(c2conn)
			defer c2.Close()
			if err := c2.SendMail("bob@mailscope.lab", []string{"student@mailscope.lab"}, strings.NewReader("Subject: after\r\n\r\nok\r\n")); err != nil {
				t.Fatalf("SendMail after the reset: %v", err)
			}
			msgs := w.inbox(t, "student")
			if len(msgs) != 1 || !bytes.HasSuffix(msgs[0].Raw, []byte("Subject: after\r\n\r\nok\r\n")) {
				t.Errorf("student has %d messages, want only the one sent after the reset", len(msgs))
			}
		})
	}
}

// Many sessions at once (run with -race): every message arrives once,
// under a unique id.
func TestConcurrentSessions(t *testing.T) {
	const sessions, each = 32, 8
	w := newWorld(t, Options{})
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &link.Dialer{Link: w.link, DialOptions: link.DialOptions{ClientAddr: fmt.Sprintf("device-%d", i)}}
			conn, err := d.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			c := smtp.NewClient(conn)
			defer c.Close()
			for j := range each {
				to := []string{"student@mailscope.lab"}
				if j%2 == 1 {
					to = append(to, "alice@localhost")
				}
				msg := fmt.Sprintf("Subject: %d.%d\r\n\r\nfrom session %d\r\n", i, j, i)
				if err := c.SendMail("x@example.org", to, strings.NewReader(msg)); err != nil {
					t.Errorf("session %d message %d: %v", i, j, err)
					return
				}
			}
			c.Quit()
		}()
	}
	wg.Wait()
	if n := len(w.inbox(t, "student")); n != sessions*each {
		t.Errorf("student has %d messages, want %d", n, sessions*each)
	}
	if n := len(w.inbox(t, "alice")); n != sessions*each/2 {
		t.Errorf("alice has %d messages, want %d", n, sessions*each/2)
	}
	ids := map[string]bool{}
	for _, d := range w.deliveries {
		if ids[d.ID] {
			t.Errorf("id %s used twice", d.ID)
		}
		ids[d.ID] = true
	}
}

// Close cuts off a transaction in progress without storing it, closes
// the connections and refuses new ones.
func TestClose(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.dial(t)
	c.ehlo()
	c.cmd("MAIL FROM:<a@example.org>", "250 ")
	c.cmd("RCPT TO:<student@mailscope.lab>", "250 ")
	c.cmd("DATA", "354 ")
	c.send("Subject: cut off\r\n\r\nhalf a message")
	if err := w.srv.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	c.closed()
	if n := len(w.inbox(t, "student")); n != 0 {
		t.Errorf("student has %d messages after Close, want 0", n)
	}
	if _, err := w.link.Dial(t.Context(), addr, link.DialOptions{}); !errors.Is(err, link.ErrRefused) {
		t.Errorf("Dial after Close = %v, want ErrRefused", err)
	}
	if err := w.srv.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
}

// Over a 56k modem the message is stored at the virtual time its last
// byte arrived: after its serialisation, before the client hears 250.
func TestVirtualTime(t *testing.T) {
	p, err := link.Preset("dialup-56k")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorldOn(t, link.New(link.Options{Profile: p}), Options{})
	conn, err := w.link.Dial(t.Context(), addr, link.DialOptions{Start: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClient(conn)
	defer c.Close()
	msg := message("slow", 10_000)
	if err := c.SendMail("a@example.org", []string{"student@mailscope.lab"}, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	m := w.inbox(t, "student")[0]
	if min := time.Hour + link.Serialise(int64(len(msg)), p.UpBps) + 5*p.RTT(); m.At < min || m.At > conn.Now() {
		t.Errorf("At = %v, want between %v and the client's clock %v", m.At, min, conn.Now())
	}
	if want := w.store.Time(m.At); !m.InternalDate.Equal(want) {
		t.Errorf("InternalDate = %v, want %v", m.InternalDate, want)
	}
}

// chanListener hands out the server ends of net.Pipe pairs: conns with
// no clock of their own.
type chanListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}
func (l *chanListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *chanListener) Addr() net.Addr { return &net.TCPAddr{} }

// Conns without a clock take Options.Clock, or else the wall clock since
// the store's epoch.
func TestClockWithoutLink(t *testing.T) {
	tests := []struct {
		name  string
		clock func() time.Duration
		check func(t *testing.T, at time.Duration, date time.Time)
	}{
		{"Options.Clock", func() time.Duration { return 42 * time.Minute }, func(t *testing.T, at time.Duration, _ time.Time) {
			if at != 42*time.Minute {
				t.Errorf("At = %v, want 42m", at)
			}
		}},
		{"wall clock", nil, func(t *testing.T, _ time.Duration, date time.Time) {
			want := time.Now()
			if e := mailstore.DefaultEpoch(); want.Before(e) {
				want = e // virtual time never goes below zero
			}
			if d := want.Sub(date); d < 0 || d > time.Minute {
				t.Errorf("InternalDate = %v, want about %v", date, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, Options{Clock: tt.clock})
			ln := &chanListener{conns: make(chan net.Conn), done: make(chan struct{})}
			go w.srv.Serve(ln)
			client, server := net.Pipe()
			ln.conns <- server
			c := smtp.NewClient(client)
			defer c.Close()
			if err := c.SendMail("a@example.org", []string{"student@mailscope.lab"}, strings.NewReader("Subject: pipe\r\n\r\nx\r\n")); err != nil {
				t.Fatal(err)
			}
			m := w.inbox(t, "student")[0]
			tt.check(t, m.At, m.InternalDate)
		})
	}
}

// go-smtp takes a BDAT chunk cut short by the client's FIN for a whole
// one; the server must not store the fragment.
func TestBDATCutShort(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.dial(t)
	c.ehlo()
	c.cmd("MAIL FROM:<a@example.org>", "250 ")
	c.cmd("RCPT TO:<student@mailscope.lab>", "250 ")
	c.send("BDAT 100 LAST\r\nSubject: cut\r\n\r\nonly part of the")
	c.conn.(*link.Conn).CloseWrite()
	c.expect("451 4.3.0 ")
	c.closed()
	if n := len(w.inbox(t, "student")); n != 0 {
		t.Errorf("student has %d messages, want 0", n)
	}
}

// Should a store still fail part way through the recipients (an IMAP
// APPEND filling a quota between the check and the store), the copies
// already stored are taken back: all or nothing.
func TestPartialFailureRollsBack(t *testing.T) {
	w := newWorld(t, Options{})
	storeOne := w.srv.storeOne
	w.srv.storeOne = func(user string, raw []byte, at time.Duration) (uint32, error) {
		if user == "bob" {
			return 0, fmt.Errorf("racing APPEND: %w", mailstore.ErrOverQuota)
		}
		return storeOne(user, raw, at)
	}
	c := w.dial(t)
	c.ehlo()
	c.cmd("MAIL FROM:<a@example.org>", "250 ")
	c.cmd("RCPT TO:<student@mailscope.lab>", "250 ")
	c.cmd("RCPT TO:<alice@mailscope.lab>", "250 ")
	c.cmd("RCPT TO:<bob@mailscope.lab>", "250 ")
	c.cmd("DATA", "354 ")
	c.cmd("Subject: x\r\n\r\nx\r\n.", "552 5.2.2 Mailbox full <bob@mailscope.lab>")
	for _, u := range []string{"student", "alice", "bob"} {
		if n := len(w.inbox(t, u)); n != 0 {
			t.Errorf("%s has %d messages, want 0", u, n)
		}
		if used, _, _ := w.store.QuotaUsage(u); used != 0 {
			t.Errorf("%s uses %d bytes, want 0", u, used)
		}
	}
	if len(w.deliveries) != 0 {
		t.Errorf("deliveries = %+v, want none", w.deliveries)
	}
}
