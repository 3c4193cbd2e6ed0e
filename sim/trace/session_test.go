package trace

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

// conn drives a Session the way the link does: every write is cut after
// each LF, every piece costs 1 ms and 40 bytes of overhead.
type conn struct {
	t   *testing.T
	s   *Session
	now time.Duration
}

var wall0 = time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)

func newConn(t *testing.T, r *Recorder, p Protocol) *conn {
	t.Helper()
	s := r.NewSession(SessionInfo{Protocol: p, ClientAddr: "10.1.0.2:51000", ServerAddr: "10.1.0.1:2525"})
	c := &conn{t: t, s: s}
	s.Mark("connect", "", true, c.now, wall0)
	return c
}

func (c *conn) write(fromClient bool, data string) {
	for data != "" {
		i := strings.IndexByte(data, '\n')
		piece := data
		if i >= 0 {
			piece = data[:i+1]
		}
		data = data[len(piece):]
		c.s.Transfer(fromClient, []byte(piece), c.now, c.now+time.Millisecond, len(piece)+40, wall0.Add(c.now))
		c.now += time.Millisecond
	}
}

func (c *conn) C(data string) { c.write(true, data) }
func (c *conn) S(data string) { c.write(false, data) }
func (c *conn) close()        { c.s.Mark("close", "", true, c.now, wall0.Add(c.now)) }

// brief renders an event for comparison: kind, direction, fields, text.
func brief(ev *Event, reveal bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", ev.Kind, ev.Dir)
	for _, f := range []struct{ k, v string }{{"tag", ev.Tag}, {"verb", ev.Verb}, {"status", ev.Status}, {"code", ev.Code}} {
		if f.v != "" {
			fmt.Fprintf(&b, " %s=%s", f.k, f.v)
		}
	}
	if ev.Has(FlagMore) {
		b.WriteString(" more")
	}
	if ev.Has(FlagContinued) {
		b.WriteString(" cont")
	}
	if ev.Kind == KindBulk {
		fmt.Fprintf(&b, " [%d]", ev.Bytes)
	}
	fmt.Fprintf(&b, " %q", ev.Display(reveal))
	return b.String()
}

func events(r *Recorder) []Event { return r.Snapshot().Slice() }

func checkEvents(t *testing.T, r *Recorder, reveal bool, want []string) {
	t.Helper()
	got := events(r)
	var lines []string
	for i := range got {
		if got[i].Kind == KindConnect || got[i].Kind == KindClose {
			continue
		}
		lines = append(lines, brief(&got[i], reveal))
	}
	if testing.Verbose() {
		for _, l := range lines {
			t.Log(l)
		}
	}
	for i := 0; i < max(len(lines), len(want)); i++ {
		var g, w string
		if i < len(lines) {
			g = lines[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("event %d = %s, want %s", i, g, w)
		}
	}
}

const body = "Subject: hello\r\nFrom: alice@example.org\r\n\r\nHi Bob,\r\n..dot-stuffed line\r\n"

func TestSMTPSession(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, SMTP)
	c.S("220 mx.example ESMTP\r\n")
	c.C("EHLO client\r\n")
	c.S("250-mx.example\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
	c.C("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n")
	c.S("235 2.7.0 Authentication successful\r\n")
	c.C("MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n") // pipelined
	c.S("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
	c.C(body)
	c.C(".\r\n")
	c.S("250 2.0.0 Ok: queued\r\n")
	c.C("QUIT\r\n")
	c.S("221 2.0.0 Bye\r\n")
	c.close()
	checkEvents(t, r, false, []string{
		`line S→C status=220 "220 mx.example ESMTP"`,
		`line C→S verb=EHLO "EHLO client"`,
		`line S→C status=250 more "250-mx.example"`,
		`line S→C status=250 more "250-PIPELINING"`,
		`line S→C status=250 more "250-AUTH PLAIN LOGIN"`,
		`line S→C status=250 "250 8BITMIME"`,
		`line C→S verb=AUTH "AUTH PLAIN ********"`,
		`line S→C status=235 code=2.7.0 "235 2.7.0 Authentication successful"`,
		`line C→S verb=MAIL "MAIL FROM:<alice@example.org>"`,
		`line C→S verb=RCPT "RCPT TO:<bob@example.org>"`,
		`line C→S verb=DATA "DATA"`,
		`line S→C status=250 code=2.1.0 "250 2.1.0 Ok"`,
		`line S→C status=250 code=2.1.5 "250 2.1.5 Ok"`,
		`line S→C status=354 "354 End data with <CR><LF>.<CR><LF>"`,
		fmt.Sprintf(`bulk C→S verb=DATA [%d] %q`, len(body), preview([]byte(body))),
		`line C→S verb=. "."`,
		`line S→C status=250 code=2.0.0 "250 2.0.0 Ok: queued"`,
		`line C→S verb=QUIT "QUIT"`,
		`line S→C status=221 code=2.0.0 "221 2.0.0 Bye"`,
	})
	evs := events(r)
	for _, ev := range evs {
		if ev.Kind == KindBulk {
			if string(ev.Payload) != body {
				t.Errorf("bulk payload = %q, want %q", ev.Payload, body)
			}
			lines := strings.Count(body, "\n")
			if ev.Wire != len(body)+40*lines {
				t.Errorf("bulk wire = %d, want %d", ev.Wire, len(body)+40*lines)
			}
			if ev.Arrive-ev.At != time.Duration(lines)*time.Millisecond {
				t.Errorf("bulk spans %v, want %v", ev.Arrive-ev.At, time.Duration(lines)*time.Millisecond)
			}
		}
		if ev.Verb == "AUTH" && ev.Display(true) != "AUTH PLAIN AGFsaWNlAHNlY3JldA==" {
			t.Errorf("AUTH Display(true) = %q, want the raw line", ev.Display(true))
		}
	}
}

func TestSMTPAuthLoginMasksAnswers(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, SMTP)
	c.C("AUTH LOGIN\r\n")
	c.S("334 VXNlcm5hbWU6\r\n")
	c.C("YWxpY2U=\r\n")
	c.S("334 UGFzc3dvcmQ6\r\n")
	c.C("c2VjcmV0\r\n")
	c.S("535 5.7.8 Authentication credentials invalid\r\n")
	c.C("NOOP\r\n")
	c.S("250 2.0.0 Ok\r\n")
	checkEvents(t, r, false, []string{
		`line C→S verb=AUTH "AUTH LOGIN"`,
		`line S→C status=334 "334 VXNlcm5hbWU6"`,
		`line C→S "********"`,
		`line S→C status=334 "334 UGFzc3dvcmQ6"`,
		`line C→S "********"`,
		`line S→C status=535 code=5.7.8 "535 5.7.8 Authentication credentials invalid"`,
		`line C→S verb=NOOP "NOOP"`,
		`line S→C status=250 code=2.0.0 "250 2.0.0 Ok"`,
	})
}

func TestSMTPBDAT(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, SMTP)
	chunk := "Subject: x\r\n\r\nbinary\x00\r\n" // BDAT carries any bytes, no dot-stuffing
	c.C(fmt.Sprintf("BDAT %d LAST\r\n", len(chunk)) + chunk)
	c.S("250 2.0.0 Ok\r\n")
	c.C("QUIT\r\n")
	checkEvents(t, r, false, []string{
		fmt.Sprintf(`line C→S verb=BDAT "BDAT %d LAST"`, len(chunk)),
		fmt.Sprintf(`bulk C→S verb=BDAT [%d] %q`, len(chunk), preview([]byte(chunk))),
		`line S→C status=250 code=2.0.0 "250 2.0.0 Ok"`,
		`line C→S verb=QUIT "QUIT"`,
	})
}

func TestSMTPRejectedData(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, SMTP)
	c.C("DATA\r\n")
	c.S("503 5.5.1 Error: need RCPT command\r\n")
	c.C("QUIT\r\n") // a command again, not message content
	checkEvents(t, r, false, []string{
		`line C→S verb=DATA "DATA"`,
		`line S→C status=503 code=5.5.1 "503 5.5.1 Error: need RCPT command"`,
		`line C→S verb=QUIT "QUIT"`,
	})
}

func TestPOP3Session(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, POP3)
	c.S("+OK POP3 ready <1896.697170952@mx>\r\n")
	c.C("CAPA\r\n")
	c.S("+OK\r\nUSER\r\nUIDL\r\n.\r\n")
	c.C("USER alice\r\n")
	c.S("+OK\r\n")
	c.C("PASS s3cret pw\r\n")
	c.S("+OK maildrop has 1 message\r\n")
	c.C("LIST\r\n")
	c.S("+OK 1 messages\r\n1 83\r\n.\r\n")
	c.C("RETR 1\r\n")
	c.S("+OK 83 octets\r\n" + body + ".\r\n")
	c.C("RETR 9\r\n")
	c.S("-ERR no such message\r\n")
	c.C("DELE 1\r\n")
	c.S("+OK\r\n")
	c.C("QUIT\r\n")
	c.S("+OK bye\r\n")
	c.close()
	checkEvents(t, r, false, []string{
		`line S→C status=+OK "+OK POP3 ready <1896.697170952@mx>"`,
		`line C→S verb=CAPA "CAPA"`,
		`line S→C status=+OK "+OK"`,
		`line S→C "USER"`,
		`line S→C "UIDL"`,
		`line S→C verb=. "."`,
		`line C→S verb=USER "USER alice"`,
		`line S→C status=+OK "+OK"`,
		`line C→S verb=PASS "PASS ********"`,
		`line S→C status=+OK "+OK maildrop has 1 message"`,
		`line C→S verb=LIST "LIST"`,
		`line S→C status=+OK "+OK 1 messages"`,
		`line S→C "1 83"`,
		`line S→C verb=. "."`,
		`line C→S verb=RETR "RETR 1"`,
		`line S→C status=+OK "+OK 83 octets"`,
		fmt.Sprintf(`bulk S→C verb=RETR [%d] %q`, len(body), preview([]byte(body))),
		`line S→C verb=. "."`,
		`line C→S verb=RETR "RETR 9"`,
		`line S→C status=-ERR "-ERR no such message"`,
		`line C→S verb=DELE "DELE 1"`,
		`line S→C status=+OK "+OK"`,
		`line C→S verb=QUIT "QUIT"`,
		`line S→C status=+OK "+OK bye"`,
	})
}

func TestPOP3AuthAndAPOP(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, POP3)
	c.C("APOP alice c4c9334bac560ecc979e58001b3e22fb\r\n")
	c.S("-ERR [AUTH] permission denied\r\n")
	c.C("AUTH PLAIN\r\n")
	c.S("+ \r\n")
	c.C("AGFsaWNlAHNlY3JldA==\r\n")
	c.S("+OK logged in\r\n")
	c.C("STAT\r\n")
	checkEvents(t, r, false, []string{
		`line C→S verb=APOP "APOP alice ********"`,
		`line S→C status=-ERR code=AUTH "-ERR [AUTH] permission denied"`,
		`line C→S verb=AUTH "AUTH PLAIN"`,
		`line S→C status=+ "+ "`,
		`line C→S "********"`,
		`line S→C status=+OK "+OK logged in"`,
		`line C→S verb=STAT "STAT"`,
	})
}

func TestIMAPSession(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, IMAP)
	msg := "Subject: hi\r\n\r\nHello\r\n"
	c.S("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n")
	c.C("a1 LOGIN alice secret\r\n")
	c.S("a1 OK [CAPABILITY IMAP4rev1] LOGIN completed\r\n")
	c.C("a2 SELECT INBOX\r\n")
	c.S("* 1 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n* OK [UIDNEXT 2] ok\r\na2 OK [READ-WRITE] SELECT completed\r\n")
	c.C("a3 UID FETCH 1 (BODY.PEEK[])\r\n")
	c.S(fmt.Sprintf("* 1 FETCH (UID 1 BODY[] {%d}\r\n", len(msg)) + msg + ")\r\n")
	c.S("a3 OK FETCH completed\r\n")
	c.C(fmt.Sprintf("a4 APPEND Sent (\\Seen) {%d}\r\n", len(msg)))
	c.S("+ Ready for literal data\r\n")
	c.C(msg)
	c.C("\r\n")
	c.S("a4 OK [APPENDUID 42 7] APPEND completed\r\n")
	c.C("a5 IDLE\r\n")
	c.S("+ idling\r\n")
	c.C("DONE\r\n")
	c.S("a5 OK IDLE terminated\r\n")
	c.close()
	checkEvents(t, r, false, []string{
		`line S→C tag=* status=OK code=CAPABILITY "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready"`,
		`line C→S tag=a1 verb=LOGIN "a1 LOGIN alice ********"`,
		`line S→C tag=a1 status=OK code=CAPABILITY "a1 OK [CAPABILITY IMAP4rev1] LOGIN completed"`,
		`line C→S tag=a2 verb=SELECT "a2 SELECT INBOX"`,
		`line S→C tag=* verb=EXISTS "* 1 EXISTS"`,
		`line S→C tag=* status=OK code=UIDVALIDITY "* OK [UIDVALIDITY 42] ok"`,
		`line S→C tag=* status=OK code=UIDNEXT "* OK [UIDNEXT 2] ok"`,
		`line S→C tag=a2 status=OK code=READ-WRITE "a2 OK [READ-WRITE] SELECT completed"`,
		`line C→S tag=a3 verb=UID FETCH "a3 UID FETCH 1 (BODY.PEEK[])"`,
		fmt.Sprintf(`line S→C tag=* verb=FETCH "* 1 FETCH (UID 1 BODY[] {%d}"`, len(msg)),
		fmt.Sprintf(`bulk S→C tag=* verb=FETCH [%d] %q`, len(msg), preview([]byte(msg))),
		`line S→C cont ")"`,
		`line S→C tag=a3 status=OK "a3 OK FETCH completed"`,
		fmt.Sprintf(`line C→S tag=a4 verb=APPEND "a4 APPEND Sent (\\Seen) {%d}"`, len(msg)),
		`line S→C tag=+ status=+ "+ Ready for literal data"`,
		fmt.Sprintf(`bulk C→S tag=a4 verb=APPEND [%d] %q`, len(msg), preview([]byte(msg))),
		`line C→S cont ""`,
		`line S→C tag=a4 status=OK code=APPENDUID "a4 OK [APPENDUID 42 7] APPEND completed"`,
		`line C→S tag=a5 verb=IDLE "a5 IDLE"`,
		`line S→C tag=+ status=+ "+ idling"`,
		`line C→S verb=DONE "DONE"`,
		`line S→C tag=a5 status=OK "a5 OK IDLE terminated"`,
	})
}

// A literal's bytes need not end in LF, so the link hands them over in
// the same piece as the line that follows.
func TestIMAPLiteralSharesPieceWithContinuation(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, IMAP)
	c.S("* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {5}\r\n")
	c.S("abcde FLAGS (\\Seen))\r\n")
	checkEvents(t, r, false, []string{
		`line S→C tag=* verb=FETCH "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {5}"`,
		`bulk S→C tag=* verb=FETCH [5] "abcde"`,
		`line S→C cont " FLAGS (\\Seen))"`,
	})
}

func TestIMAPLoginLiteralPassword(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, IMAP)
	c.C("a1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n")
	c.S("a1 OK done\r\n")
	c.C(`a2 LOGIN "alice" {6+}` + "\r\nsecret\r\n")
	c.C("a3 LOGIN {5+}\r\nalice \"secret\"\r\n")
	c.C("a4 AUTHENTICATE PLAIN\r\n")
	c.S("+ \r\n")
	c.C("AGFsaWNlAHNlY3JldA==\r\n")
	c.S("a4 OK done\r\n")
	c.C("a5 NOOP\r\n")
	checkEvents(t, r, false, []string{
		`line C→S tag=a1 verb=LOGIN "a1 LOGIN {5+}"`,
		`bulk C→S tag=a1 verb=LOGIN [5] "alice"`,
		`line C→S cont " {6+}"`,
		`bulk C→S tag=a1 verb=LOGIN [6] "********"`,
		`line C→S cont ""`,
		`line S→C tag=a1 status=OK "a1 OK done"`,
		`line C→S tag=a2 verb=LOGIN "a2 LOGIN \"alice\" {6+}"`,
		`bulk C→S tag=a2 verb=LOGIN [6] "********"`,
		`line C→S cont ""`,
		`line C→S tag=a3 verb=LOGIN "a3 LOGIN {5+}"`,
		`bulk C→S tag=a3 verb=LOGIN [5] "alice"`,
		`line C→S cont " ********"`,
		`line C→S tag=a4 verb=AUTHENTICATE "a4 AUTHENTICATE PLAIN"`,
		`line S→C tag=+ status=+ "+ "`,
		`line C→S "********"`,
		`line S→C tag=a4 status=OK "a4 OK done"`,
		`line C→S tag=a5 verb=NOOP "a5 NOOP"`,
	})
	// The masked literal is masked in exports too.
	for _, ev := range events(r) {
		if ev.Kind == KindBulk && ev.Masked() {
			if b, _ := ev.WireBytes(false); string(b) != "******" {
				t.Errorf("WireBytes(false) = %q, want %q", b, "******")
			}
			if b, _ := ev.WireBytes(true); string(b) != "secret" {
				t.Errorf("WireBytes(true) = %q, want %q", b, "secret")
			}
		}
	}
}

func TestLineReassembly(t *testing.T) {
	r := NewRecorder(nil)
	s := r.NewSession(SessionInfo{Protocol: POP3})
	s.Transfer(true, []byte("RE"), 10, 20, 42, wall0)
	s.Transfer(true, []byte("TR"), 30, 40, 42, wall0)
	s.Transfer(true, []byte(" 1\r\n"), 50, 60, 44, wall0)
	evs := events(r)
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	ev := evs[0]
	want := Event{Seq: 1, Session: s.ID(), At: 10, Arrive: 60, Wall: wall0, Bytes: 8, Wire: 128,
		Text: "RETR 1", Verb: "RETR", Protocol: POP3, Dir: ClientToServer, Kind: KindLine}
	if fmt.Sprint(ev) != fmt.Sprint(want) {
		t.Errorf("reassembled = %+v, want %+v", ev, want)
	}
}

func TestCloseFlushesPartials(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, SMTP)
	c.C("DATA\r\n")
	c.S("354 go\r\n")
	c.C("Subject: cut\r\nhalf a li")
	c.S("421 4.4.2 timeout") // no CRLF
	c.close()
	checkEvents(t, r, false, []string{
		`line C→S verb=DATA "DATA"`,
		`line S→C status=354 "354 go"`,
		`bulk C→S verb=DATA [23] "Subject: cut↵half a li"`,
		`line S→C "421 4.4.2 timeout"`,
	})
	evs := events(r)
	for _, ev := range evs {
		if (ev.Kind == KindBulk || ev.Text == "421 4.4.2 timeout") && !ev.Has(FlagIncomplete) {
			t.Errorf("event %q lacks FlagIncomplete", ev.Text)
		}
	}
	if last := evs[len(evs)-1]; last.Kind != KindClose {
		t.Errorf("last event is %v, want close", last.Kind)
	}
}

func TestSTARTTLSOpaque(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, SMTP)
	c.C("STARTTLS\r\n")
	c.S("220 2.0.0 Ready to start TLS\r\n")
	hello := "\x16\x03\x01\x00\x05hello\nmore"
	c.C(hello)
	c.S("\x16\x03\x03\x00\x02hi")
	c.C("\x17\x03\x03\x00\x01x")
	c.close()
	checkEvents(t, r, false, []string{
		`line C→S verb=STARTTLS "STARTTLS"`,
		`line S→C status=220 code=2.0.0 "220 2.0.0 Ready to start TLS"`,
		`tls C→S "TLS handshake begins"`,
		fmt.Sprintf(`bulk C→S [%d] "TLS records"`, len(hello)),
		`bulk S→C [7] "TLS records"`,
		`bulk C→S [6] "TLS records"`,
	})
}

// When the tap sits above TLS it sees plain text again after STARTTLS.
func TestSTARTTLSPlaintextTap(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, POP3)
	c.C("STLS\r\n")
	c.S("+OK begin TLS\r\n")
	c.s.Mark("tls", "TLS 1.3 established", true, c.now, wall0)
	c.C("CAPA\r\n")
	checkEvents(t, r, false, []string{
		`line C→S verb=STLS "STLS"`,
		`line S→C status=+OK "+OK begin TLS"`,
		`tls C→S "TLS 1.3 established"`,
		`line C→S verb=CAPA "CAPA"`,
	})
}

func TestPayloadLimit(t *testing.T) {
	r := NewRecorder(&Options{PayloadLimit: 100})
	c := newConn(t, r, POP3)
	small := strings.Repeat("a", 60) + "\r\n"
	big := strings.Repeat("b", 200) + "\r\n"
	c.C("RETR 1\r\n")
	c.S("+OK\r\n" + small + ".\r\n")
	c.C("RETR 2\r\n")
	c.S("+OK\r\n" + big + ".\r\n")
	var bulks []Event
	for _, ev := range events(r) {
		if ev.Kind == KindBulk {
			bulks = append(bulks, ev)
		}
	}
	if len(bulks) != 2 {
		t.Fatalf("got %d bulk events, want 2", len(bulks))
	}
	if string(bulks[0].Payload) != small || bulks[0].Has(FlagTruncated) {
		t.Errorf("first bulk payload = %q (truncated %v), want it kept", bulks[0].Payload, bulks[0].Has(FlagTruncated))
	}
	if bulks[1].Payload != nil || !bulks[1].Has(FlagTruncated) || bulks[1].Bytes != len(big) {
		t.Errorf("second bulk = %d payload bytes, truncated %v, Bytes %d; want none, true, %d",
			len(bulks[1].Payload), bulks[1].Has(FlagTruncated), bulks[1].Bytes, len(big))
	}
	if want := preview([]byte(big)); bulks[1].Text != want {
		t.Errorf("truncated preview = %q, want %q", bulks[1].Text, want)
	}
	if got := r.PayloadBytes(); got != int64(len(small)) {
		t.Errorf("PayloadBytes() = %d, want %d", got, len(small))
	}
}

func TestMaxLine(t *testing.T) {
	r := NewRecorder(&Options{MaxLine: 10})
	s := r.NewSession(SessionInfo{Protocol: SMTP})
	s.Transfer(true, []byte("NOOP 0123456789abcdef"), 0, 1, 0, wall0)
	s.Transfer(true, []byte("xyz\r\n"), 1, 2, 0, wall0)
	ev := events(r)[0]
	if ev.Text != "NOOP 01234" || ev.Bytes != 26 || !ev.Has(FlagTruncated) {
		t.Errorf("long line = %q, %d bytes, truncated %v; want %q, 26, true", ev.Text, ev.Bytes, ev.Has(FlagTruncated), "NOOP 01234")
	}
	if b, missing := ev.WireBytes(true); string(b) != "NOOP 01234" || missing != 16 {
		t.Errorf("WireBytes(true) = %q, %d missing; want %q, 16", b, missing, "NOOP 01234")
	}
	// Truncated by exactly two bytes: the terminator must not be guessed.
	s.Transfer(true, []byte("NOOP 012345\n"), 2, 3, 0, wall0)
	ev = events(r)[1]
	if b, missing := ev.WireBytes(true); string(b) != "NOOP 01234" || missing != 2 {
		t.Errorf("WireBytes(true) = %q, %d missing; want %q, 2", b, missing, "NOOP 01234")
	}
}

// Client and server writers call one session at once.
func TestSessionConcurrentDirections(t *testing.T) {
	r := NewRecorder(nil)
	s := r.NewSession(SessionInfo{Protocol: IMAP})
	var wg sync.WaitGroup
	const n = 2000
	for _, fromClient := range []bool{true, false} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				line := fmt.Sprintf("a%d NOOP\r\n", i)
				if !fromClient {
					line = fmt.Sprintf("a%d OK done\r\n", i)
				}
				s.Transfer(fromClient, []byte(line[:3]), 0, 0, 0, wall0)
				s.Transfer(fromClient, []byte(line[3:]), 0, 0, 0, wall0)
			}
		}()
	}
	wg.Wait()
	evs := events(r)
	if len(evs) != 2*n {
		t.Fatalf("got %d events, want %d", len(evs), 2*n)
	}
	next := [2]int{}
	for _, ev := range evs {
		if want := fmt.Sprintf("a%d", next[ev.Dir]); ev.Tag != want {
			t.Fatalf("%v event tag = %q, want %q (text %q)", ev.Dir, ev.Tag, want, ev.Text)
		}
		next[ev.Dir]++
	}
}

func TestTransferDoesNotRetain(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, SMTP)
	c.C("DATA\r\n")
	c.S("354 go\r\n")
	buf := []byte("line one\r\n")
	c.s.Transfer(true, buf, 0, 0, 0, wall0)
	copy(buf, "XXXXXXXX")
	c.s.Transfer(true, []byte("RE"), 0, 0, 0, wall0) // partial
	c.s.Transfer(true, []byte("ST\r\n.\r\n"), 0, 0, 0, wall0)
	for _, ev := range events(r) {
		if ev.Kind == KindBulk && !bytes.Equal(ev.Payload, []byte("line one\r\nREST\r\n")) {
			t.Errorf("payload = %q, want %q", ev.Payload, "line one\r\nREST\r\n")
		}
	}
}

// The "." that ends DATA may itself arrive in pieces; payload lines in
// pieces go straight into the bulk.
func TestDotLineInPieces(t *testing.T) {
	r := NewRecorder(nil)
	s := r.NewSession(SessionInfo{Protocol: SMTP})
	for _, p := range []string{"DATA\r\n"} {
		s.Transfer(true, []byte(p), 0, 0, 0, wall0)
	}
	s.Transfer(false, []byte("354 go\r\n"), 0, 0, 0, wall0)
	for _, p := range []string{"Subj", "ect: x\r\n", ".", ".stuffed\r\n", "\r", "\n", ".", "\r", "\n"} {
		s.Transfer(true, []byte(p), 0, 0, 0, wall0)
	}
	s.Transfer(false, []byte("250 ok\r\n"), 0, 0, 0, wall0)
	evs := events(r)
	if len(evs) != 5 {
		t.Fatalf("got %d events, want 5: DATA, 354, bulk, \".\", 250", len(evs))
	}
	if want := "Subject: x\r\n..stuffed\r\n\r\n"; string(evs[2].Payload) != want {
		t.Errorf("bulk payload = %q, want %q", evs[2].Payload, want)
	}
	if evs[3].Verb != "." || evs[3].Bytes != 3 {
		t.Errorf("end of data = %q verb %q %d bytes, want \".\" 3 bytes", evs[3].Text, evs[3].Verb, evs[3].Bytes)
	}
	if evs[4].Status != "250" {
		t.Errorf("reply = %q, want 250", evs[4].Text)
	}
}

// A fault that breaks the connection ends what was half-received, before
// the fault row: the message so far is incomplete, and nothing after it
// is parsed as its end. A stall breaks nothing.
func TestBreakingFaultEndsHalfReceived(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, POP3)
	c.S("+OK ready\r\n")
	c.C("RETR 1\r\n")
	c.S("+OK 5000 octets\r\n")
	c.S("Subject: x\r\n\r\nhalf a li")
	c.s.Mark("fault", "stall S→C for 1s after 10 bytes", false, c.now, wall0)
	c.S("ne\r\n")
	c.s.Mark("fault", "offline", true, c.now, wall0)
	c.close()
	evs := r.Snapshot().Slice()
	var kinds []string
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind.String())
	}
	want := "connect line line line fault bulk fault close"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("events = %s, want %s", got, want)
	}
	bulk := evs[5]
	if !bulk.Has(FlagIncomplete) || bulk.Bytes != len("Subject: x\r\n\r\nhalf a line\r\n") {
		t.Errorf("message = %d bytes, flags %b; want the bytes that came, incomplete", bulk.Bytes, bulk.Flags)
	}
	for _, d := range []string{"offline", "hangup", "reset", "reset after 30000 bytes S→C"} {
		if !Breaks(d) {
			t.Errorf("Breaks(%q) = false", d)
		}
	}
	for _, d := range []string{"stall S→C for 1s after 10 bytes", "drop C→S after 2 bytes"} {
		if Breaks(d) {
			t.Errorf("Breaks(%q) = true", d)
		}
	}
}

// A bulk event keeps the size its protocol announced, so a payload cut
// short says how much of it arrived: exact for an IMAP literal and BDAT,
// POP3's "+OK n octets" to RETR as the hint it is, and nothing for DATA,
// TOP or a bare +OK. The next payload does not inherit it.
func TestAnnouncedSize(t *testing.T) {
	type bulkWant struct {
		bytes, announced int
		incomplete       bool
	}
	tests := []struct {
		name  string
		proto Protocol
		run   func(c *conn)
		want  []bulkWant
	}{
		{"imap literal cut by a reset", IMAP, func(c *conn) {
			c.C("a3 FETCH 1 BODY[]\r\n")
			c.S("* 1 FETCH (BODY[] {65930}\r\nSubject: big\r\n\r\nhalf of it")
			c.s.Mark("fault", "reset after 30000 bytes S→C", false, c.now, wall0)
		}, []bulkWant{{len("Subject: big\r\n\r\nhalf of it"), 65930, true}}},
		{"imap literal8 whole, then a LITERAL+ one", IMAP, func(c *conn) {
			c.C("a4 FETCH 1 BINARY[1]\r\n")
			c.S("* 1 FETCH (BINARY[1] ~{5}\r\nhello)\r\na4 OK done\r\n")
			c.C("a5 APPEND INBOX {3+}\r\nabc\r\n")
		}, []bulkWant{{5, 5, false}, {3, 3, false}}},
		{"pop3 retr cut by a reset", POP3, func(c *conn) {
			c.C("RETR 1\r\n")
			c.S("+OK 65930 octets\r\nSubject: big\r\n\r\nhalf a li")
			c.s.Mark("fault", "reset after 30000 bytes S→C", false, c.now, wall0)
		}, []bulkWant{{len("Subject: big\r\n\r\nhalf a li"), 65930, true}}},
		{"pop3 top and a bare +OK announce nothing", POP3, func(c *conn) {
			c.C("TOP 1 0\r\n")
			c.S("+OK 65930 octets\r\nSubject: big\r\n\r\n.\r\n")
			c.C("RETR 2\r\n")
			c.S("+OK\r\nSubject: small\r\n\r\n.\r\n")
		}, []bulkWant{{len("Subject: big\r\n\r\n"), 0, false}, {len("Subject: small\r\n\r\n"), 0, false}}},
		{"smtp bdat cut by a reset, data announces nothing", SMTP, func(c *conn) {
			c.C("DATA\r\n")
			c.S("354 go ahead\r\n")
			c.C("Subject: a\r\n\r\n.\r\n")
			c.S("250 ok\r\n")
			c.C("BDAT 4096 LAST\r\n")
			c.C("Subject: b\r\n")
			c.s.Mark("fault", "reset", true, c.now, wall0)
		}, []bulkWant{{len("Subject: a\r\n\r\n"), 0, false}, {len("Subject: b\r\n"), 4096, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRecorder(nil)
			c := newConn(t, r, tt.proto)
			tt.run(c)
			c.close()
			var got []bulkWant
			for _, ev := range events(r) {
				if ev.Kind == KindBulk {
					got = append(got, bulkWant{ev.Bytes, int(ev.Announced), ev.Has(FlagIncomplete)})
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("bulk events (bytes, announced, incomplete) = %v, want %v", got, tt.want)
			}
		})
	}
	if got := announced(1 << 40); got != math.MaxUint32 {
		t.Errorf("announced(1 TiB) = %d, want math.MaxUint32", got)
	}
}
