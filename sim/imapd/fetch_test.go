package imapd

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/mailstore"
)

func TestWireFetchSections(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.dial(t)
	c.login()
	c.ok("SELECT INBOX")
	hdr, text, _ := strings.Cut(testMessages[2], "\r\n\r\n")
	hdr += "\r\n\r\n"
	for _, tc := range []struct{ items, want string }{
		{"BODY.PEEK[HEADER]", fmt.Sprintf("* 3 FETCH (BODY[HEADER] {%d}\r\n%s)", len(hdr), hdr)},
		{"BODY.PEEK[TEXT]", fmt.Sprintf("* 3 FETCH (BODY[TEXT] {%d}\r\n%s)", len(text), text)},
		{"BODY.PEEK[1]", "* 3 FETCH (BODY[1] {25}\r\nSee the attached figures.)"},
		{"BODY.PEEK[1.MIME]", "* 3 FETCH (BODY[1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n)"},
		{"BODY.PEEK[2]<2.3>", "* 3 FETCH (BODY[2]<2> {3}\r\nECA)"},
		{"BODY.PEEK[]<100000.10>", "* 3 FETCH (BODY[]<100000> {0}\r\n)"},
		{"BODY.PEEK[9]", "* 3 FETCH (BODY[9] {0}\r\n)"},
		{"BODY.PEEK[HEADER.FIELDS (SUBJECT CC)]", "* 3 FETCH (BODY[HEADER.FIELDS (\"SUBJECT\" \"CC\")] {34}\r\nCc: alice@lab\r\nSubject: report\r\n\r\n)"},
		// imapserver counts a part's lines as its LFs: the text part
		// ends at the boundary's CRLF, so it counts 0.
		{"BODY", `* 3 FETCH (BODY (("text" "plain" NIL NIL NIL "7bit" 25 0)("application" "octet-stream" NIL NIL NIL "base64" 8) "mixed"))`},
		{"BINARY.PEEK[2]", "* 3 FETCH (BINARY[2] ~{6}\r\n\x00\x01\x02\x03\x04\x05)"},
		{"BINARY.SIZE[2]", "* 3 FETCH (BINARY.SIZE[2] 6)"},
		{"RFC822.HEADER", fmt.Sprintf("* 3 FETCH (RFC822.HEADER {%d}\r\n%s)", len(hdr), hdr)},
	} {
		u := c.ok("FETCH 3 " + tc.items)
		if len(u) != 1 || u[0] != tc.want {
			t.Errorf("FETCH 3 %s =\n%q\nwant\n%q", tc.items, u, tc.want)
		}
	}
	if st, _ := w.store.Status("student", "INBOX"); st.Unseen != 3 {
		t.Errorf("peeking set \\Seen")
	}
	u := c.ok("FETCH 1 (ENVELOPE INTERNALDATE)")
	want := `* 1 FETCH (INTERNALDATE " 5-Jan-2026 08:00:00 +0000" ENVELOPE ("Mon, 29 Dec 2025 10:00:00 +0000" "one" (("Alice" NIL "alice" "lab")) (("Alice" NIL "alice" "lab")) (("Alice" NIL "alice" "lab")) ((NIL NIL "student" "lab")) NIL NIL NIL "<one@lab>"))`
	if len(u) != 1 || u[0] != want {
		t.Errorf("FETCH ENVELOPE =\n%q\nwant\n%q", u, want)
	}
	// A body fetch without PEEK sets \Seen and says so once.
	if u := c.ok("FETCH 1 BODY[TEXT]"); len(u) != 1 || !strings.HasPrefix(u[0], `* 1 FETCH (FLAGS (\Seen) BODY[TEXT]`) {
		t.Errorf("FETCH BODY[TEXT] = %q", u)
	}
	if u := c.ok("FETCH 1 BODY[TEXT]"); len(u) != 1 || strings.Contains(u[0], "FLAGS") {
		t.Errorf("second FETCH BODY[TEXT] = %q, want no FLAGS", u)
	}
	if u := c.ok("NOOP"); len(u) != 0 {
		t.Errorf("NOOP after FETCH = %q", u)
	}
}

// Hostile MIME never breaks a FETCH.
func TestFetchMalformedMIME(t *testing.T) {
	w := newWorld(t, Options{})
	for _, raw := range []string{
		"Content-Type: multipart/mixed; boundary=Q\r\n\r\nno parts at all\r\n",
		"Content-Type: multipart/mixed\r\n\r\n--\r\n--\r\n",
		"Content-Type: message/rfc822\r\n\r\n",
		"Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/alternative; boundary=z\r\n\r\n",
		"Content-Type: ;;;\r\nContent-Disposition: =\r\n\r\nx",
		"no header at all",
		"\r\njust a body",
		"Subject: \xff\xfe\x00\r\nFrom: \"\x01\" <@>\r\n\r\n\x00\x00",
		"Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n--a--\r\n",
	} {
		w.store.Deliver("student", []byte(raw), 0)
	}
	c := w.dial(t)
	c.login()
	c.ok("SELECT INBOX")
	u := c.ok("FETCH 4:* (ENVELOPE BODY BODYSTRUCTURE BODY.PEEK[1] BODY.PEEK[1.1.TEXT] BODY.PEEK[HEADER.FIELDS (FROM)] BINARY.PEEK[1] BINARY.SIZE[1])")
	if len(u) != 9 {
		t.Errorf("FETCH of malformed messages gave %d responses, want 9: %q", len(u), u)
	}
	c.ok("SEARCH TEXT x BODY y HEADER from z SENTSINCE 1-Jan-2000")
}

// A selected mailbox renamed or deleted by someone else.
func TestSelectedMailboxRenamedOrDeleted(t *testing.T) {
	w := newWorld(t, Options{})
	w.store.CreateMailbox("student", "Work", "")
	w.store.Copy("student", "INBOX", "Work", mailstore.AllUIDs(), mailstore.Op{})
	c := w.dial(t)
	c.login()
	c.ok("SELECT Work")
	if err := w.store.RenameMailbox("student", "Work", "Job", mailstore.Op{}); err != nil {
		t.Fatal(err)
	}
	if u := c.ok("FETCH 1 UID"); joined(u) != "* 1 FETCH (UID 1)" {
		t.Errorf("FETCH after a rename = %q", u)
	}
	c.ok(`STORE 1 +FLAGS (\Deleted)`)
	c.ok("EXPUNGE")
	if st, _ := w.store.Status("student", "Job"); st.Messages != 2 {
		t.Errorf("renamed mailbox holds %d messages, want 2", st.Messages)
	}
	if err := w.store.DeleteMailbox("student", "Job", mailstore.Op{}); err != nil {
		t.Fatal(err)
	}
	w.store.CreateMailbox("student", "Job", "") // same name, new mailbox
	w.store.Append("student", "Job", []byte("Subject: new\r\n\r\n"), []string{`\Deleted`}, time.Time{}, mailstore.Op{})
	if u := c.ok("NOOP"); joined(u) != "* 1 EXPUNGE\n* 1 EXPUNGE" {
		t.Errorf("NOOP after DELETE = %q, want both messages expunged", u)
	}
	if _, st := c.cmd("EXPUNGE"); !strings.HasPrefix(st, "NO") {
		t.Errorf("EXPUNGE in a deleted mailbox = %q, want NO", st)
	}
	if st, _ := w.store.Status("student", "Job"); st.Messages != 1 {
		t.Errorf("the new mailbox lost its message")
	}
	c.ok("SELECT INBOX")
}

func TestCloseAndUnauthenticate(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.dial(t)
	c.login()
	c.ok("SELECT INBOX")
	c.ok(`STORE 2 +FLAGS.SILENT (\Deleted)`)
	if u := c.ok("CLOSE"); len(u) != 0 {
		t.Errorf("CLOSE = %q, want no EXPUNGE responses", u)
	}
	if st, _ := w.store.Status("student", "INBOX"); st.Messages != 2 {
		t.Errorf("CLOSE left %d messages, want 2", st.Messages)
	}
	c.ok("SELECT INBOX")
	c.ok("UNSELECT")
	c.ok("SELECT INBOX")
	c.ok("UNAUTHENTICATE")
	if _, st := c.cmd("SELECT INBOX"); !strings.HasPrefix(st, "BAD") {
		t.Errorf("SELECT after UNAUTHENTICATE = %q", st)
	}
	c.ok("LOGIN alice wonderland")
	if u := c.ok("SELECT INBOX"); count(u, `^\* 0 EXISTS$`) != 1 {
		t.Errorf("alice's INBOX = %q", u)
	}
}
