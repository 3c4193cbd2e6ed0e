package imapd

import (
	"fmt"
	"strings"
	"testing"
)

func TestWireSearch(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.dial(t)
	c.login()
	c.ok("SELECT INBOX")
	c.ok(`STORE 2 +FLAGS.SILENT (\Seen $Work)`)
	c.ok(`STORE 3 +FLAGS.SILENT (\Flagged)`)
	// Internal dates are the store's epoch (2026-01-05 08:00 UTC) plus
	// 0, 1 and 2 minutes; Date headers are 29 Dec, 30 Dec and 2 Jan.
	for _, tc := range []struct{ criteria, want string }{
		{"ALL", "1 2 3"},
		{"2:*", "2 3"},
		{"*", "3"},
		{"UID 1,3", "1 3"},
		{"UID 3:*", "3"},
		{"SEEN", "2"},
		{"UNSEEN", "1 3"},
		{"FLAGGED UNSEEN", "3"},
		{"KEYWORD $work", "2"},
		{"UNKEYWORD $Work", "1 3"},
		{"NEW", ""},
		{"OLD", "1 2 3"},
		{"FROM carol", "3"},
		{"FROM BOB@LAB", "2"},
		{"TO student", "1 2 3"},
		{"CC alice", "3"},
		{"SUBJECT LUNCH", "2"},
		{`HEADER Message-ID "<one@lab>"`, "1"},
		{`HEADER Cc ""`, "3"},
		{"BODY pizza", "2"},
		{"BODY lunch", ""},
		{"TEXT lunch", "2"},
		{"BODY figures", "3"},
		{"TEXT carol", "3"},
		{"LARGER 200", "3"},
		{"SMALLER 140", "1"},
		{"SENTBEFORE 30-Dec-2025", "1"},
		{"SENTSINCE 30-Dec-2025", "2 3"},
		{"SENTON 02-Jan-2026", "3"},
		{"SINCE 5-Jan-2026", "1 2 3"},
		{"BEFORE 5-Jan-2026", ""},
		{"ON 05-Jan-2026", "1 2 3"},
		{"NOT SEEN", "1 3"},
		{"OR FROM alice FROM bob", "1 2"},
		{"OR (SEEN) (FLAGGED)", "2 3"},
		{"NOT OR SUBJECT one SUBJECT report", "2"},
		{"(UNSEEN SMALLER 200)", "1"},
		{"CHARSET UTF-8 SUBJECT one", "1"},
	} {
		u := c.ok("SEARCH " + tc.criteria)
		want := strings.TrimSpace("* SEARCH " + tc.want)
		if len(u) != 1 || u[0] != want {
			t.Errorf("SEARCH %s = %q, want %q", tc.criteria, u, want)
		}
	}
	u := c.ok("UID SEARCH NOT UID 2")
	if joined(u) != "* SEARCH 1 3" {
		t.Errorf("UID SEARCH NOT UID 2 = %q", u)
	}
	_, st := c.cmd("SEARCH CHARSET KOI8-R ALL")
	if !strings.HasPrefix(st, "NO [BADCHARSET]") {
		t.Errorf("SEARCH CHARSET KOI8-R = %q", st)
	}
}

// Searches for text decode MIME: a word in a base64 or quoted-printable
// part is found.
func TestSearchDecodesMIME(t *testing.T) {
	w := newWorld(t, Options{})
	w.store.Deliver("student", []byte("Subject: =?utf-8?q?Caf=C3=A9_menu?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"+
		"U291cCBvZiB0aGUgZGF5OiBwdW1wa2lu\r\n"), 0) // "Soup of the day: pumpkin"
	c := w.dial(t)
	c.login()
	c.ok("SELECT INBOX")
	for _, tc := range []struct{ criteria, want string }{
		{"BODY pumpkin", "* SEARCH 4"},
		{"SUBJECT café", "* SEARCH 4"},
		{"TEXT PUMPKIN", "* SEARCH 4"},
	} {
		lit := strings.TrimPrefix(tc.criteria, strings.Fields(tc.criteria)[0]+" ")
		cmd := fmt.Sprintf("SEARCH CHARSET UTF-8 %s {%d+}\r\n%s", strings.Fields(tc.criteria)[0], len(lit), lit)
		if u := c.ok(cmd); joined(u) != tc.want {
			t.Errorf("SEARCH %s = %q, want %q", tc.criteria, u, tc.want)
		}
	}
}

// FROM, TO and CC match an address however it is written: comments and
// folding inside it are not part of it (RFC 5322 3.2.2).
func TestWireSearchAddressWithComments(t *testing.T) {
	w := newWorld(t, Options{})
	w.store.Deliver("student", []byte("From: Sam <user-from (comment)@ (comment) domain.org>\r\n"+
		"To: (lead)user-to(tail) @domain.org\r\n"+
		"Cc: Team: <user-cc@\r\n (host comment) domain.org>;\r\n"+
		"Subject: commented\r\n\r\nhi\r\n"), 0)
	c := w.dial(t)
	c.login()
	c.ok("SELECT INBOX")
	for _, tc := range []struct{ criteria, want string }{
		{"FROM user-from@domain.org", "4"},
		{"FROM <user-from@domain.org>", "4"},
		{`FROM "Sam <user-from@domain.org>"`, "4"},
		{"FROM comment", "4"}, // the raw field still matches
		{"TO user-to@domain.org", "4"},
		{"CC user-cc@domain.org", "4"},
		{"CC Team", "4"},
		{"FROM user-to@domain.org", ""},
	} {
		u := c.ok("SEARCH " + tc.criteria)
		want := strings.TrimSpace("* SEARCH " + tc.want)
		if len(u) != 1 || u[0] != want {
			t.Errorf("SEARCH %s = %q, want %q", tc.criteria, u, want)
		}
	}
}
