package imapd

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
)

// popDelete deletes INBOX message n as a POP3 session does: lock, DELE,
// QUIT (UPDATE).
func popDelete(t testing.TB, st *mailstore.Store, n int) {
	t.Helper()
	md, err := st.LockMaildrop("student")
	if err != nil {
		t.Fatal(err)
	}
	if err := md.MarkDeleted(n); err != nil {
		t.Fatal(err)
	}
	if got, err := md.Commit(time.Hour); got != 1 || err != nil {
		t.Fatalf("Commit = %d, %v; want 1, nil", got, err)
	}
}

// Changes from another IMAP session, an SMTP delivery and a POP3 UPDATE
// reach a selected session as FETCH FLAGS, EXISTS and EXPUNGE, once each.
func TestCrossSessionUpdates(t *testing.T) {
	w := newWorld(t, Options{})
	a := w.dial(t)
	a.login()
	a.ok("SELECT INBOX")
	b := w.dial(t)
	b.login()
	b.ok("SELECT INBOX")

	if u := b.ok(`STORE 1 +FLAGS (\Seen)`); joined(u) != `* 1 FETCH (FLAGS (\Seen))` {
		t.Errorf("B STORE = %q", u)
	}
	if u := b.ok("NOOP"); len(u) != 0 {
		t.Errorf("B NOOP after its own STORE = %q, want nothing", u)
	}
	if u := a.ok("NOOP"); joined(u) != `* 1 FETCH (UID 1 FLAGS (\Seen))` {
		t.Errorf("A NOOP after B's STORE = %q", u)
	}

	if _, err := w.store.Deliver("student", []byte("Subject: new\r\n\r\nfresh\r\n"), time.Hour); err != nil {
		t.Fatal(err)
	}
	// A is the first to hear of it, so it is recent in A alone.
	if u := a.ok("NOOP"); joined(u) != "* 4 EXISTS\n* 1 RECENT" {
		t.Errorf("A NOOP after a delivery = %q, want * 4 EXISTS, * 1 RECENT", u)
	}

	// POP3 deletes message 2; during a FETCH A must not hear of it
	// (RFC 3501 7.4.1), so sequence numbers still count it.
	popDelete(t, w.store, 2)
	u := a.ok("FETCH 1:* UID")
	if joined(u) != "* 1 FETCH (UID 1)\n* 3 FETCH (UID 3)\n* 4 FETCH (UID 4)" {
		t.Errorf("A FETCH after a POP3 delete = %q", u)
	}
	if u := a.ok("NOOP"); joined(u) != "* 2 EXPUNGE" {
		t.Errorf("A NOOP after a POP3 delete = %q, want * 2 EXPUNGE", u)
	}
	if u := b.ok("NOOP"); joined(u) != "* 4 EXISTS\n* 0 RECENT\n* 2 EXPUNGE" && joined(u) != "* 2 EXPUNGE\n* 3 EXISTS\n* 0 RECENT" {
		t.Errorf("B NOOP = %q", u)
	}

	// A change by B that A has not heard of survives A's silent STORE:
	// it follows as an update, with A's change in it.
	b.ok(`STORE 2 +FLAGS (\Answered)`)
	if u := a.ok(`STORE 2 +FLAGS.SILENT (\Flagged)`); joined(u) != `* 2 FETCH (UID 3 FLAGS (\Answered \Flagged))` {
		t.Errorf("A silent STORE = %q, want B's change reported", u)
	}
	if u := a.ok("NOOP"); len(u) != 0 {
		t.Errorf("A NOOP after its silent STORE = %q, want nothing", u)
	}
	b.ok("NOOP")

	// B's MOVE is one EXPUNGE for A too.
	b.ok("MOVE 1 Archive")
	if u := a.ok("NOOP"); joined(u) != "* 1 EXPUNGE" {
		t.Errorf("A NOOP after B's MOVE = %q, want * 1 EXPUNGE", u)
	}
	// A message delivered and deleted before A hears of it is never
	// mentioned.
	uid, _ := w.store.Deliver("student", []byte("Subject: brief\r\n\r\n.\r\n"), time.Hour)
	w.store.StoreFlags("student", "INBOX", mailstore.UIDSetOf(uid), mailstore.FlagsAdd, []string{`\Deleted`}, mailstore.Op{})
	w.store.Expunge("student", "INBOX", mailstore.Op{})
	if u := a.ok("NOOP"); len(u) != 0 {
		t.Errorf("A NOOP after a message came and went = %q, want nothing", u)
	}
}

// IDLE wakes for changes made anywhere.
func TestIdleWakes(t *testing.T) {
	w := newWorld(t, Options{})
	a := w.dial(t)
	a.login()
	a.ok("SELECT INBOX")
	a.send("i1 IDLE\r\n")
	a.expect("+ idling")

	b := w.dial(t)
	b.login()
	b.ok("SELECT INBOX")
	b.ok(`STORE 3 +FLAGS (\Flagged)`)
	a.expect(`* 3 FETCH (UID 3 FLAGS (\Flagged))`)

	w.store.Deliver("student", []byte("Subject: during idle\r\n\r\nhi\r\n"), time.Hour)
	a.expect("* 4 EXISTS")
	a.expect("* 1 RECENT")

	popDelete(t, w.store, 1)
	a.expect("* 1 EXPUNGE")

	a.send("DONE\r\n")
	a.expect("i1 OK IDLE completed")
	if u := a.ok("NOOP"); len(u) != 0 {
		t.Errorf("NOOP after IDLE = %q, want nothing", u)
	}
}

// go-imap's client in IDLE sees the same.
func TestGoIMAPClientIdle(t *testing.T) {
	w := newWorld(t, Options{})
	exists := make(chan uint32, 10)
	expunged := make(chan uint32, 10)
	flags := make(chan []imap.Flag, 10)
	c := w.client(t, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Expunge: func(n uint32) { expunged <- n },
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		},
		Fetch: func(m *imapclient.FetchMessageData) {
			buf, _ := m.Collect()
			if buf != nil {
				flags <- buf.Flags
			}
		},
	}})
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatalf("Idle = %v", err)
	}
	wait := func(what string, ch any) any {
		t.Helper()
		timeout := time.After(10 * time.Second)
		switch ch := ch.(type) {
		case chan uint32:
			select {
			case v := <-ch:
				return v
			case <-timeout:
			}
		case chan []imap.Flag:
			select {
			case v := <-ch:
				return v
			case <-timeout:
			}
		}
		t.Fatalf("IDLE did not wake for %s", what)
		return nil
	}
	w.store.Deliver("student", []byte("Subject: x\r\n\r\ny\r\n"), 0)
	if n := wait("a delivery", exists); n != uint32(4) {
		t.Errorf("EXISTS %v, want 4", n)
	}
	w.store.StoreFlags("student", "INBOX", mailstore.UIDSetOf(2), mailstore.FlagsAdd, []string{`\Answered`}, mailstore.Op{})
	if f := wait("a flag change", flags); fmt.Sprint(f) != `[\Answered]` {
		t.Errorf("FETCH FLAGS %v, want [\\Answered]", f)
	}
	popDelete(t, w.store, 1)
	if n := wait("a POP3 delete", expunged); n != uint32(1) {
		t.Errorf("EXPUNGE %v, want 1", n)
	}
	if err := idle.Close(); err != nil {
		t.Errorf("Idle.Close = %v", err)
	}
	if err := idle.Wait(); err != nil {
		t.Errorf("Idle.Wait = %v", err)
	}
}

// An update caused by a delivery leaves when the delivery happened on the
// virtual clock, not when the client last spoke.
func TestIdleVirtualTime(t *testing.T) {
	p := link.Profile{Latency: 50 * time.Millisecond}
	w := newWorldOn(t, Options{}, p)
	conn := w.dialConn(t)
	c := &wire{t: t, conn: conn}
	c.br = newReader(conn)
	c.expect("* OK")
	c.login()
	c.ok("SELECT INBOX")
	c.send("i1 IDLE\r\n")
	c.expect("+ idling")
	at := 9 * time.Hour
	w.store.Deliver("student", []byte("Subject: at nine\r\n\r\n.\r\n"), at)
	c.expect("* 4 EXISTS")
	c.expect("* 1 RECENT")
	if got := conn.Now(); got < at+p.Latency || got > at+time.Second {
		t.Errorf("EXISTS arrived at virtual %v, want %v + latency", got, at)
	}
	c.send("DONE\r\n")
	c.expect("i1 OK")
}

// The updates one change causes leave in one write. In IDLE the reader
// of DONE runs beside the writer of updates: were RECENT a write of its
// own, a DONE sent on seeing EXISTS could move the server's clock before
// RECENT left, and it would leave a round trip late, or not, depending on
// which goroutine ran first.
func TestIdleUpdatesLeaveAsOneWrite(t *testing.T) {
	p := link.Profile{Latency: 50 * time.Millisecond, DownBps: 56000}
	w := newWorldOn(t, Options{}, p)
	conn := w.dialConn(t)
	c := &wire{t: t, conn: conn}
	c.br = newReader(conn)
	c.expect("* OK")
	c.login()
	c.ok("SELECT INBOX")
	c.send("i1 IDLE\r\n")
	c.expect("+ idling")
	before := conn.Stats().Down.Writes
	w.store.Deliver("student", []byte("Subject: at nine\r\n\r\n.\r\n"), 9*time.Hour)
	c.expect("* 4 EXISTS")
	c.expect("* 1 RECENT")
	if got := conn.Stats().Down.Writes - before; got != 1 {
		t.Errorf("EXISTS and RECENT took %d writes, want 1", got)
	}
	c.send("DONE\r\n")
	c.expect("i1 OK")
}

// Store operations carry the connection's virtual time.
func TestOpsCarryVirtualTime(t *testing.T) {
	p := link.Profile{Latency: 100 * time.Millisecond}
	w := newWorldOn(t, Options{}, p)
	conn := w.dialConn(t)
	conn.Advance(2 * time.Hour)
	c := &wire{t: t, conn: conn}
	c.br = newReader(conn)
	c.expect("* OK")
	c.login()
	c.ok("APPEND Drafts {3+}\r\nx\r\n")
	msgs, _ := w.store.Messages("student", "Drafts")
	if len(msgs) != 1 || msgs[0].At < 2*time.Hour+p.Latency || msgs[0].At > 2*time.Hour+time.Second {
		t.Errorf("appended message At = %v, want just after 2h", msgs)
	}
	if !msgs[0].InternalDate.Equal(w.store.Time(msgs[0].At)) {
		t.Errorf("InternalDate %v, want Epoch + At", msgs[0].InternalDate)
	}
}

// A reset in the middle of a large FETCH changes nothing in the store and
// the server keeps serving.
func TestResetDuringFetch(t *testing.T) {
	w := newWorld(t, Options{})
	body := strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n", 64)
	for i := range 100 {
		w.store.Deliver("student", []byte(fmt.Sprintf("Subject: big %d\r\n\r\n%s", i, body)), 0)
	}
	for _, item := range []string{"BODY.PEEK[]", "BODY[]"} {
		t.Run(item, func(t *testing.T) {
			before := snapshot(t, w.store, "student")
			w.link.InjectNext(link.ResetAfter{Dir: link.Down, Bytes: 100 << 10})
			c := w.dial(t)
			c.login()
			c.ok("SELECT INBOX")
			c.send("f1 FETCH 1:* " + item + "\r\n")
			var err error
			n := 0
			for err == nil {
				var s string
				s, err = c.readLine()
				if strings.HasPrefix(s, "f1 ") {
					t.Fatalf("FETCH completed (%q) despite the reset", s)
				}
				n++
			}
			if n < 10 {
				t.Errorf("only %d responses before the reset", n)
			}
			after := snapshot(t, w.store, "student")
			if len(after) != len(before) {
				t.Fatalf("store holds %d messages after the reset, want %d", len(after), len(before))
			}
			for k, v := range before {
				if item == "BODY.PEEK[]" && after[k] != v {
					t.Errorf("message %s changed: %.60q → %.60q", k, v, after[k])
				}
				if !strings.HasSuffix(after[k], v[strings.Index(v, "] ")+1:]) {
					t.Errorf("message %s bytes changed", k)
				}
			}
			d := w.dial(t)
			d.login()
			if u := d.ok("SELECT INBOX"); joined(u) == "" {
				t.Error("no SELECT data")
			}
		})
	}
}

// Hundreds of sessions at once, under -race.
func TestConcurrentSessions(t *testing.T) {
	w := newWorld(t, Options{})
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := w.link.Dial(t.Context(), addr, link.DialOptions{})
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			c := imapclient.New(conn, nil)
			defer c.Close()
			if err := c.WaitGreeting(); err != nil {
				errs <- err
				return
			}
			if err := c.Login("student", "secret").Wait(); err != nil {
				errs <- err
				return
			}
			if _, err := c.Select("INBOX", nil).Wait(); err != nil {
				errs <- err
				return
			}
			if _, err := c.Fetch(imap.SeqSetNum(1, 2, 3), &imap.FetchOptions{Envelope: true, BodySection: []*imap.FetchItemBodySection{{}}}).Collect(); err != nil {
				errs <- err
				return
			}
			flag := imap.Flag(fmt.Sprintf("$s%d", i%7))
			if _, err := c.Store(imap.SeqSetNum(uint32(i%3+1)), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{flag}}, nil).Collect(); err != nil {
				errs <- err
				return
			}
			if i%10 == 0 {
				ac := c.Append("INBOX", 9, nil)
				ac.Write([]byte("Subject:\r\n"[:9]))
				ac.Close()
				if _, err := ac.Wait(); err != nil {
					errs <- err
					return
				}
			}
			if err := c.Noop().Wait(); err != nil {
				errs <- err
				return
			}
			if err := c.Logout().Wait(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st, _ := w.store.Status("student", "INBOX")
	if st.Messages != 3+n/10 {
		t.Errorf("INBOX holds %d messages, want %d", st.Messages, 3+n/10)
	}
}
