package imapd

import (
	"testing"
	"time"
)

// \Recent (RFC 3501 2.3.2): each new message is recent in exactly one
// session, the first to hear of it; EXAMINE sees the recent messages and
// takes none (6.3.2); SEARCH RECENT, NEW and OLD ask it; a session that
// enabled IMAP4rev2 has none (RFC 9051) and leaves them to others.
func TestWireRecent(t *testing.T) {
	w := newWorld(t, Options{}) // messages 1 to 3 are no longer recent
	deliver := func(subject string) {
		t.Helper()
		if _, err := w.store.Deliver("student", []byte("Subject: "+subject+"\r\n\r\nhi\r\n"), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	check := func(c *wire, cmd, want string) {
		t.Helper()
		if u := c.ok(cmd); joined(u) != want {
			t.Errorf("%s = %q, want %q", cmd, u, want)
		}
	}
	selectRecent := func(c *wire, cmd, want string) {
		t.Helper()
		u := c.ok(cmd)
		if n := count(u, `^\* \d+ RECENT$`); n != 1 || count(u, "^"+want+"$") != 1 {
			t.Errorf("%s = %q, want %q once", cmd, u, want)
		}
	}
	deliver("four")
	deliver("five")
	ro, a, b := w.dial(t), w.dial(t), w.dial(t)
	for _, c := range []*wire{ro, a, b} {
		c.login()
	}
	check(ro, "STATUS INBOX (MESSAGES RECENT)", "* STATUS INBOX (MESSAGES 5 RECENT 2)")

	selectRecent(ro, "EXAMINE INBOX", "* 2 RECENT")
	check(ro, "FETCH 3:5 FLAGS", `* 3 FETCH (FLAGS ())`+"\n"+`* 4 FETCH (FLAGS (\Recent))`+"\n"+`* 5 FETCH (FLAGS (\Recent))`)
	check(a, "STATUS INBOX (RECENT)", "* STATUS INBOX (RECENT 2)") // EXAMINE took none

	selectRecent(a, "SELECT INBOX", "* 2 RECENT")
	check(a, "FETCH 3:5 FLAGS", `* 3 FETCH (FLAGS ())`+"\n"+`* 4 FETCH (FLAGS (\Recent))`+"\n"+`* 5 FETCH (FLAGS (\Recent))`)
	check(a, "SEARCH RECENT", "* SEARCH 4 5")
	check(a, "SEARCH OLD", "* SEARCH 1 2 3")
	check(a, `STORE 4 +FLAGS (\Seen)`, `* 4 FETCH (FLAGS (\Seen \Recent))`)
	check(a, "SEARCH NEW", "* SEARCH 5")
	check(a, "SEARCH NOT RECENT SEEN", "* SEARCH")

	selectRecent(b, "SELECT INBOX", "* 0 RECENT")
	check(b, "FETCH 4:5 FLAGS", `* 4 FETCH (FLAGS (\Seen))`+"\n"+`* 5 FETCH (FLAGS ())`)
	check(b, "SEARCH RECENT", "* SEARCH")
	check(b, "STATUS INBOX (RECENT)", "* STATUS INBOX (RECENT 0)")

	// A delivery while both are selected: the first to hear of it has it.
	deliver("six")
	check(b, "NOOP", "* 6 EXISTS\n* 1 RECENT")
	check(a, "NOOP", "* 6 EXISTS\n* 2 RECENT")
	check(b, "FETCH 6 FLAGS", `* 6 FETCH (FLAGS (\Recent))`)
	check(a, "FETCH 6 FLAGS", `* 6 FETCH (FLAGS ())`)
	// EXAMINE claims nothing new; it hears of A's \Seen, its \Recent kept.
	check(ro, "NOOP", "* 6 EXISTS\n* 2 RECENT\n"+`* 4 FETCH (UID 4 FLAGS (\Seen \Recent))`)

	// IMAP4rev2: no RECENT, no \Recent, and nothing taken from others.
	r2 := w.dial(t)
	r2.login()
	check(r2, "ENABLE IMAP4rev2", "* ENABLED IMAP4rev2")
	if u := r2.ok("SELECT INBOX"); count(u, "RECENT") != 0 {
		t.Errorf("SELECT in an IMAP4rev2 session = %q, want no RECENT", u)
	}
	deliver("seven")
	check(r2, "NOOP", "* 7 EXISTS")
	check(r2, "FETCH 7 FLAGS", `* 7 FETCH (FLAGS ())`)
	c := w.dial(t)
	c.login()
	selectRecent(c, "SELECT INBOX", "* 1 RECENT")
	check(c, "FETCH 7 FLAGS", `* 7 FETCH (FLAGS (\Recent))`)
}
