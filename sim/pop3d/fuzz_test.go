package pop3d

import (
	"bytes"
	"errors"
	"io"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
)

// FuzzParseCommand: any line parses to a command or a clean error, never
// a panic, and a parsed command round-trips through its String form.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"USER student", "PASS a b c", "RETR 1", "TOP 1 10", "LIST", "uidl 3",
		"APOP mrose c4c9334bac560ecc979e58001b3e22fb", "AUTH PLAIN AGFsaWNlAHNlY3JldA==", "", " ", "X", "\x00\xff",
		strings.Repeat("A", 300), "QUIT  ", "CAPA\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := ParseCommand(line)
		if err != nil {
			return
		}
		if len(cmd.Verb) < 3 || len(cmd.Verb) > 4 || strings.ToUpper(cmd.Verb) != cmd.Verb {
			t.Fatalf("ParseCommand(%q).Verb = %q", line, cmd.Verb)
		}
		again, err := ParseCommand(cmd.String())
		if err != nil || again.String() != cmd.String() {
			t.Fatalf("ParseCommand(%q) = %q; reparsed %q, %v", line, cmd, again, err)
		}
	})
}

// FuzzServer drives a logged-in session with arbitrary client bytes. The
// server must answer or close without panicking (a recovered panic still
// shows in ErrorLog) or failing inside, and at most delete what a
// well-formed DELE + QUIT could have deleted: the messages' bytes never
// change and nothing appears.
func FuzzServer(f *testing.F) {
	for _, s := range []string{
		"STAT\r\nLIST\r\nRETR 1\r\nQUIT\r\n",
		"DELE 1\r\nRSET\r\nDELE 2\r\nQUIT\r\n",
		"TOP 2 0\r\nUIDL\r\nUIDL 3\r\nNOOP\r\n",
		"DELE 1\r\n", // dropped: nothing deleted
		"RETR 99\r\nLIST x\r\nTOP 1 -1\r\n\x00\xff\r\n",
		strings.Repeat("A", 1000) + "\r\nSTAT\r\n",
		"AUTH PLAIN\r\n*\r\nCAPA\r\nQUIT\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var logged bytes.Buffer
		w := newWorld(t, Options{MaxErrors: 5, ErrorLog: log.New(&logged, "", 0)})
		before, _ := w.store.Messages("student", "INBOX")
		c, err := w.link.Dial(t.Context(), addr, link.DialOptions{})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "USER student\r\nPASS secret\r\n")
		c.Write(in)
		c.CloseWrite()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		out, err := io.ReadAll(c)
		c.Close()
		// A server that hangs up with input unread (too many bad
		// commands) resets the connection, as TCP does.
		if err != nil && !errors.Is(err, link.ErrReset) {
			t.Fatalf("server did not finish: %v (output %q)", err, out)
		}
		if !bytes.HasPrefix(out, []byte("+OK POP3 server ready")) {
			t.Fatalf("no greeting: %q", out)
		}
		// The server closed the conn after its last log line.
		if logged.Len() != 0 {
			t.Fatalf("internal error: %s", logged.String())
		}
		waitUnlocked(t, w.store, "student")
		after, _ := w.store.Messages("student", "INBOX")
		if len(after) > len(before) {
			t.Fatalf("messages appeared: %d → %d", len(before), len(after))
		}
		if !bytes.Contains(bytes.ToUpper(in), []byte("QUIT")) && len(after) != len(before) {
			t.Fatalf("deleted %d messages without QUIT", len(before)-len(after))
		}
		for _, m := range after {
			if !contains(testMessages, string(m.Raw)) {
				t.Fatalf("a stored message changed: %q", m.Raw)
			}
		}
	})
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
