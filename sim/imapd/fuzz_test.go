package imapd

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
)

// fuzzSeeds are command scripts sent after login.
var fuzzSeeds = []string{
	"a SELECT INBOX\r\nb FETCH 1:* (FLAGS BODY[] BODYSTRUCTURE ENVELOPE)\r\nc LOGOUT\r\n",
	"a SELECT INBOX\r\nb STORE 1 +FLAGS (\\Deleted)\r\nc EXPUNGE\r\n",
	"a SELECT INBOX\r\nb MOVE 1:2 Trash\r\nc UID MOVE 3 Archive\r\n",
	"a SELECT INBOX\r\nb COPY 1:* Archive\r\nc UID EXPUNGE 1:*\r\n",
	"a APPEND INBOX (\\Seen) {11+}\r\nSubject: x\r\nb SELECT INBOX\r\nc SEARCH TEXT x\r\n",
	"a APPEND INBOX {5}\r\nhello\r\n",
	"a CREATE x/y\r\nb RENAME x z\r\nc DELETE z/y\r\nd LIST \"\" *\r\ne LSUB \"\" %\r\n",
	"a RENAME INBOX Old\r\nb SELECT Old\r\nc FETCH 1:* UID\r\n",
	"a SELECT INBOX\r\nb IDLE\r\nDONE\r\nc NOOP\r\n",
	"a SELECT INBOX\r\nb SEARCH OR (FROM a) NOT (BODY b) LARGER 5 UID 1:* SENTSINCE 1-Jan-2020\r\n",
	"a EXAMINE INBOX\r\nb STORE 1:* FLAGS (\\Deleted)\r\nc CLOSE\r\n",
	"a SELECT INBOX\r\nb STORE 1:* FLAGS (\\Deleted)\r\nc CLOSE\r\n",
	"a STATUS INBOX (MESSAGES UNSEEN SIZE DELETED UIDNEXT UIDVALIDITY RECENT APPENDLIMIT DELETED-STORAGE)\r\n",
	"a LIST (SUBSCRIBED SPECIAL-USE) \"\" (* %) RETURN (CHILDREN STATUS (MESSAGES SIZE))\r\n",
	"a ENABLE IMAP4rev2 UTF8=ACCEPT\r\nb SELECT INBOX\r\nc SEARCH RETURN (SAVE MIN) ALL\r\nd FETCH $ BODY.PEEK[1.MIME]<0.10>\r\n",
	"a SELECT INBOX\r\nb FETCH 4294967295:* (BINARY[1] BINARY.SIZE[2] BODY[HEADER.FIELDS.NOT (To)])\r\n",
	"a SELECT INBOX\r\nb UNSELECT\r\nc UNAUTHENTICATE\r\nd LOGIN student secret\r\n",
	"\x00\xff\r\n",
	"a SELECT INBOX\r\nb FETCH 1 BODY[]<18446744073709551615.1>\r\n",
	"a NAMESPACE\r\nb CAPABILITY\r\nc NOOP\r\nd CHECK\r\n",
	"a SUBSCRIBE Trash\r\nb UNSUBSCRIBE Trash\r\nc UNSUBSCRIBE nowhere\r\n",
	"a CREATE Q (USE (\\Junk))\r\nb APPEND Q {1+}\r\nx\r\nc SELECT Q\r\nd MOVE 1 INBOX\r\n",
}

// FuzzServer feeds arbitrary client bytes to a logged-in session over an
// in-memory link conn. The server must not panic, and the store must not
// lose a message unless a command may legitimately remove it: an
// expunge of a message flagged \Deleted, or a MOVE, RENAME or DELETE.
// Messages that stay keep their bytes.
func FuzzServer(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		if len(input) > 64<<10 {
			return
		}
		st := mailstore.New(nil)
		st.AddUser("student", "secret", 1<<20)
		for _, m := range testMessages {
			st.Deliver("student", []byte(m), 0)
		}
		st.Append("student", "Archive", []byte(testMessages[0]), []string{`\Seen`}, time.Time{}, mailstore.Op{})
		before := map[string][]mailstore.Message{}
		var watchers []*mailstore.Watcher
		boxes, _ := st.Mailboxes("student")
		for _, b := range boxes {
			before[b.Name], _ = st.Messages("student", b.Name)
			w, err := st.Watch("student", b.Name)
			if err != nil {
				t.Fatal(err)
			}
			watchers = append(watchers, w)
		}

		l := link.New(link.Options{})
		ln, _ := l.Listen("imap", addr)
		lb := &logBuffer{}
		srv := New(Options{Store: st, InsecureAuth: true, Logger: lb, MaxLiteralSize: 1 << 16})
		go srv.Serve(ln)

		conn, err := l.Dial(t.Context(), addr, link.DialOptions{})
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		br.ReadString('\n') // greeting
		io.WriteString(conn, "L LOGIN student secret\r\n")
		for {
			s, err := br.ReadString('\n')
			if err != nil || strings.HasPrefix(s, "L ") {
				break
			}
		}
		done := make(chan struct{})
		go func() { // drain responses until the server hangs up
			io.Copy(io.Discard, br)
			close(done)
		}()
		conn.Write(input)
		conn.Write([]byte("\r\nZ LOGOUT\r\n"))
		conn.CloseWrite()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("session still running 5 s after the input ended: %q", input)
		}
		conn.Close()
		srv.Close()

		if p := lb.panics(); len(p) > 0 {
			t.Fatalf("server panicked: %v", p)
		}
		upper := strings.ToUpper(string(input))
		mayMove := strings.Contains(upper, "MOVE")
		mayRename := strings.Contains(upper, "RENAME")
		mayDelete := strings.Contains(upper, "DELETE")
		for _, w := range watchers {
			init := w.Initial()
			flags := map[uint32][]string{}
			for _, m := range init.Messages {
				flags[m.UID] = m.Flags
			}
			for _, ev := range w.Events() {
				switch ev.Kind {
				case mailstore.EventNew, mailstore.EventFlags:
					flags[ev.UID] = ev.Flags
				case mailstore.EventExpunge:
					if !hasFlag(flags[ev.UID], mailstore.FlagDeleted) && !mayMove && !mayRename {
						t.Errorf("%s UID %d expunged without \\Deleted, MOVE or RENAME", ev.Mailbox, ev.UID)
					}
				case mailstore.EventDeleted:
					if !mayDelete {
						t.Errorf("%s deleted without DELETE", ev.Mailbox)
					}
				}
			}
			w.Close()
		}
		for name, msgs := range before {
			for _, m := range msgs {
				now, err := st.Message("student", name, m.UID)
				if err != nil {
					continue // accounted for by the events above
				}
				if !bytes.Equal(now.Raw, m.Raw) || !now.InternalDate.Equal(m.InternalDate) {
					t.Errorf("%s UID %d changed its bytes or date", name, m.UID)
				}
			}
		}
	})
}
