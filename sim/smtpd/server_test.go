package smtpd

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// receivedRE matches the Received header this server writes.
var receivedRE = regexp.MustCompile(`^Received: from ([^ ]+) \(([^)]*)\)\r\n\tby mailscope\.lab \(Mailscope\) with (ESMTPS?A?) id ([0-9A-F]{8})(\r\n\tfor <[^>]+>)?;\r\n\t([^\r]+)\r\n`)

// splitReceived checks a stored message's Received header and returns
// its protocol, "for" clause and the bytes after it.
func splitReceived(t testing.TB, m mailstore.Message, st *mailstore.Store) (proto, forClause, rest string) {
	t.Helper()
	raw := string(m.Raw)
	sub := receivedRE.FindStringSubmatch(raw)
	if sub == nil {
		t.Fatalf("stored message lacks our Received header: %.300q", raw)
	}
	if want := st.Time(m.At).Format("Mon, 02 Jan 2006 15:04:05 -0700"); sub[6] != want {
		t.Errorf("Received date %q, want %q (the delivery's virtual time)", sub[6], want)
	}
	return sub[3], sub[5], raw[len(sub[0]):]
}

// The go-smtp client, which no one here wrote, sends over the link; each
// recipient's INBOX holds exactly what was sent behind one Received
// header, as soon as the 250 arrives.
func TestSendMail(t *testing.T) {
	tests := []struct {
		name  string
		to    []string
		users []string // who gets a copy
		msg   string
		want  string // stored after the Received header; "" = msg
	}{
		{"one recipient", []string{"alice@mailscope.lab"}, []string{"alice"}, message("one", 2000), ""},
		{"many recipients", []string{"alice@mailscope.lab", "student@localhost", "bob@mailscope.lab"}, []string{"alice", "student", "bob"}, message("many", 1000), ""},
		{"one user twice", []string{"Alice@MailScope.LAB", "alice@localhost"}, []string{"alice"}, message("twice", 100), ""},
		{"dots and 8-bit", []string{"student@mailscope.lab"}, []string{"student"},
			"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nnaïve café\r\n", ""},
		{"bare LF", []string{"student@mailscope.lab"}, []string{"student"},
			"Subject: lf\n\nline one\nline two\n", "Subject: lf\r\n\r\nline one\r\nline two\r\n"},
		{"SMTPUTF8 recipient", []string{"zoë@mailscope.lab"}, []string{"zoë"}, "Subject: utf8\r\n\r\nhi\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, Options{})
			d := &link.Dialer{Link: w.link}
			conn, err := d.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c := smtp.NewClient(conn)
			defer c.Close()
			if err := c.Hello("client.example"); err != nil {
				t.Fatal(err)
			}
			if err := c.SendMail("student@mailscope.lab", tt.to, strings.NewReader(tt.msg)); err != nil {
				t.Fatalf("SendMail() = %v, want nil", err)
			}
			want := tt.want
			if want == "" {
				want = tt.msg
			}
			// No wait: the 250 means it is stored.
			for _, u := range tt.users {
				msgs := w.inbox(t, u)
				if len(msgs) != 1 {
					t.Fatalf("%s has %d messages, want 1", u, len(msgs))
				}
				proto, forClause, rest := splitReceived(t, msgs[0], w.store)
				if rest != want {
					t.Errorf("%s's message after Received = %q, want %q", u, rest, want)
				}
				if proto != "ESMTP" {
					t.Errorf("Received with %s, want ESMTP", proto)
				}
				if got, wantFor := forClause != "", len(tt.to) == 1; got != wantFor {
					t.Errorf("Received has for clause %q with %d recipients", forClause, len(tt.to))
				}
			}
			if n := len(w.deliveries); n != 1 || len(w.deliveries[0].Users) != len(tt.users) {
				t.Errorf("deliveries = %+v, want one to %v", w.deliveries, tt.users)
			}
			if err := c.Quit(); err != nil {
				t.Errorf("Quit() = %v", err)
			}
		})
	}
}

func TestEHLO(t *testing.T) {
	tlsConf, _ := selfSigned(t)
	tests := []struct {
		name    string
		opts    Options
		want    []string
		notWant []string
	}{
		{"insecure auth", Options{InsecureAuth: true, MaxMessageBytes: 1 << 20},
			[]string{"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "SIZE 1048576", "AUTH PLAIN LOGIN", "CHUNKING", "LIMITS RCPTMAX=100"},
			[]string{"STARTTLS"}},
		{"TLS configured", Options{TLSConfig: tlsConf},
			[]string{"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "SIZE 26214400", "STARTTLS"},
			[]string{"AUTH"}}, // AUTH only once TLS is on
		{"no TLS, no insecure auth", Options{},
			[]string{"SIZE 26214400"}, []string{"AUTH", "STARTTLS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.opts)
			c := w.dial(t)
			lines := c.ehlo()
			if lines[0] != "250-Hello client.example" {
				t.Errorf("first line %q, want 250-Hello client.example", lines[0])
			}
			exts := map[string]bool{}
			for _, l := range lines[1:] {
				exts[l[4:]] = true
			}
			for _, e := range tt.want {
				if !exts[e] {
					t.Errorf("EHLO lacks %q: %q", e, lines)
				}
			}
			for _, e := range tt.notWant {
				for got := range exts {
					if strings.HasPrefix(got, e) {
						t.Errorf("EHLO offers %q", got)
					}
				}
			}
		})
	}
}

// step sends a line (with CRLF added unless it ends in a newline) and
// reads one reply per entry of want, each a regexp matched against the
// reply's last line. "EOF" means the server must close.
type step struct {
	send string
	want []string
}

func s(send string, want ...string) step { return step{send, want} }

func TestTranscripts(t *testing.T) {
	plain := "AUTH PLAIN " + b64("\x00student\x00secret")
	body := message("transcript", 500) + ".\r\n"
	big := message("big", 4000) + ".\r\n"
	tests := []struct {
		name      string
		opts      Options
		steps     []step
		delivered map[string]int // new messages per user; nil: none
	}{
		{"deliver", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<someone@example.org>", "250 2.0.0"),
			s("RCPT TO:<student@mailscope.lab>", "250 2.0.0"),
			s("DATA", "354 "),
			s(body, "250 2.0.0 OK: delivered as [0-9A-F]{8}$"),
			s("QUIT", "221 2.0.0", "EOF"),
		}, map[string]int{"student": 1}},
		{"unknown user", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<someone@example.org>", "250 "),
			s("RCPT TO:<nobody@mailscope.lab>", "550 5.1.1 "),
			s("RCPT TO:<\"quoted user\"@mailscope.lab>", "550 5.1.1 "),
			s("DATA", "50[23] 5.5.1 "),
		}, nil},
		{"relay", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<student@mailscope.lab>", "250 "),
			s("RCPT TO:<someone@example.org>", "550 5.7.1 Relaying denied"),
			s("RCPT TO:<someone@mailscope.lab.example.org>", "550 5.7.1 "),
			s("RCPT TO:<student@[127.0.0.1]>", "550 5.7.1 "),
		}, nil},
		{"relay after AUTH", Options{InsecureAuth: true}, []step{
			s("EHLO client.example", "250 "),
			s(plain, "235 2.0.0"),
			s("MAIL FROM:<student@mailscope.lab>", "250 "),
			s("RCPT TO:<someone@example.org>", "550 5.7.1 .*local domains only"),
		}, nil},
		{"domains and users are case-insensitive", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<Someone@Example.ORG>", "250 "),
			s("RCPT TO:<STUDENT@MAILSCOPE.LAB>", "250 "),
			s("RCPT TO:<Alice@LocalHost>", "250 "),
			s("RCPT TO:<bob@mailscope.lab.>", "250 "),
			s("DATA", "354 "),
			s(body, "250 2.0.0"),
		}, map[string]int{"student": 1, "alice": 1, "bob": 1}},
		{"malformed recipients", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<>", "250 "), // the null sender is fine
			s("RCPT TO:<a@b..c>", "501 5.1.3 "),
			s("RCPT TO:<student@-mailscope.lab>", "501 5.1.3 "),
			s("RCPT TO:<student@mailscope.lab\rDATA>", "501 5.1.3 "), // a bare CR is no line end
			s("RCPT TO:<\x01student@mailscope.lab>", "501 5.1.3 "),
			s("RCPT TO:<student@[127.0.0.1>", "501 5.1.3 "),
			s("RCPT TO:<"+strings.Repeat("a", 65)+"@mailscope.lab>", "501 5.1.3 "),
			s("RCPT TO:<>", "501 5.5.2 "),             // go-smtp's parser
			s("RCPT TO:student", "501 5.5.2 "),        // go-smtp's parser
			s("RCPT TO:<x@y> NOTIFY=X", "504 5.5.4 "), // go-smtp: DSN is not offered
		}, nil},
		{"malformed senders", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@b..c>", "501 5.1.7 "),
			s("MAIL FROM:<a@[bad>", "501 5.1.7 "),
			s("MAIL FROM:<a\x7f@example.org>", "501 5.1.7 "),
			s("MAIL FROM:<zoë@example.org>", "553 5.6.7 "),
			s("MAIL FROM:<zoë@example.org> SMTPUTF8", "250 "),
		}, nil},
		{"commands out of order", Options{}, []step{
			s("MAIL FROM:<a@example.org>", "502 5.5.1 "),
			s("DATA", "50[23] 5.5.1 "),
			s("EHLO client.example", "250 "),
			s("RCPT TO:<student@mailscope.lab>", "50[23] 5.5.1 "),
			s("DATA", "50[23] 5.5.1 "),
			s("MAIL FROM:<a@example.org>", "250 "),
			s("DATA", "50[23] 5.5.1 "),
			s("MAIL FROM:<b@example.org>", "503 5.5.1 Nested MAIL"),
			s("RSET", "250 "),
			s("MAIL FROM:<b@example.org>", "250 "),
			s("STARTTLS", "502 5.5.1 "),
		}, nil},
		{"over quota after DATA stores nothing for anyone", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@example.org>", "250 "),
			s("RCPT TO:<alice@mailscope.lab>", "250 "),
			s("RCPT TO:<bob@mailscope.lab>", "250 "),
			s("DATA", "354 "),
			s(big, "552 5.2.2 Mailbox full <bob@mailscope.lab>"),
			s("MAIL FROM:<a@example.org>", "250 "), // the session goes on
			s("RCPT TO:<bob@mailscope.lab>", "250 "),
			s("DATA", "354 "),
			s(body, "250 "),
		}, map[string]int{"bob": 1}},
		{"over quota at RCPT with SIZE", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@example.org> SIZE=5000", "250 "),
			s("RCPT TO:<bob@mailscope.lab>", "552 5.2.2 "),
			s("RCPT TO:<alice@mailscope.lab>", "250 "),
		}, nil},
		{"SIZE declared too large", Options{MaxMessageBytes: 10000}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@example.org> SIZE=20000", "552 5.3.4 "),
			s("MAIL FROM:<a@example.org> SIZE=2000", "250 "),
		}, nil},
		{"SIZE exceeded in DATA", Options{MaxMessageBytes: 3000}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@example.org>", "250 "),
			s("RCPT TO:<student@mailscope.lab>", "250 "),
			s("DATA", "354 "),
			s(big, "552 5.3.4 "),
			s("MAIL FROM:<a@example.org>", "250 "),
			s("RCPT TO:<student@mailscope.lab>", "250 "),
			s("DATA", "354 "),
			s(body, "250 "),
		}, map[string]int{"student": 1}},
		{"RCPT limit", Options{MaxRecipients: 2}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@example.org>", "250 "),
			s("RCPT TO:<student@mailscope.lab>", "250 "),
			s("RCPT TO:<alice@mailscope.lab>", "250 "),
			s("RCPT TO:<bob@mailscope.lab>", "452 4.5.3 "),
		}, nil},
		{"10 KB command line", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("NOOP "+strings.Repeat("A", 10<<10), "500 5.4.0 ", "EOF"),
		}, nil},
		{"10 KB line in DATA", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@example.org>", "250 "),
			s("RCPT TO:<student@mailscope.lab>", "250 "),
			s("DATA", "354 "),
			s("Subject: long\r\n\r\n"+strings.Repeat("B", 10<<10)+"\r\n.\r\n", "500 5.5.2 Line too long", "500 5.4.0 ", "EOF"),
		}, nil},
		{"binary garbage", Options{}, []step{
			s("\x00\x01\xff\xfe garbage", "500 5.5.2 "),
			s("\x80\x81\x82", "501 5.5.2 "),
			s("\xff\xfe\xfd\xfc\xfb\xfa", "501 5.5.2 "),
			s("EHLO client.example", "250 "), // still talking
			s("\x1b[2J\x1b[H", "50[01] 5.5.2 ", "500 5.5.1 Too many errors", "EOF"),
		}, nil},
		{"injection: CRLF in MAIL", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@example.org>\r\nDATA", "250 ", "50[23] 5.5.1 "),
			s("RCPT TO:<student@mailscope.lab>\r\nRSET\r\nDATA", "250 ", "250 ", "50[23] 5.5.1 "),
		}, nil},
		{"injection: bare LF dot does not end DATA", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@example.org>", "250 "),
			s("RCPT TO:<student@mailscope.lab>", "250 "),
			s("DATA", "354 "),
			s("Subject: smuggle\r\n\r\nhi\n.\nMAIL FROM:<evil@example.org>\r\n.\nRCPT TO:<alice@mailscope.lab>\r\n.\r\n", "250 "),
			s("NOOP", "250 "),
		}, map[string]int{"student": 1}},
		{"pipelining", Options{}, []step{
			s("EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<student@mailscope.lab>\r\nRCPT TO:<nobody@mailscope.lab>\r\nRCPT TO:<alice@mailscope.lab>\r\nDATA",
				"250 ", "250 ", "250 ", "550 5.1.1 ", "250 ", "354 "),
			s(body+"RSET\r\nNOOP", "250 2.0.0", "250 ", "250 "),
		}, map[string]int{"student": 1, "alice": 1}},
		{"HELO, VRFY, EXPN", Options{}, []step{
			s("HELO client.example", "250 2.0.0 Hello client.example"),
			s("VRFY student", "252 "),
			s("EXPN staff", "502 5.5.1 "),
			s("HELP", "502 5.5.1 "),
		}, nil},
		{"BDAT", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@example.org>", "250 "),
			s("RCPT TO:<student@mailscope.lab>", "250 "),
			s("BDAT 12\r\nSubject: x\r\n", "250 "),
			s("BDAT 6 LAST\r\n\r\nhi\r\n", "250 2.0.0"),
		}, map[string]int{"student": 1}},
		{"AUTH PLAIN", Options{InsecureAuth: true}, []step{
			s("AUTH PLAIN "+b64("\x00student\x00secret"), "502 5.5.1 "), // before EHLO
			s("EHLO client.example", "250 "),
			s("AUTH PLAIN "+b64("\x00student\x00wrong"), "535 5.7.8 "),
			s("AUTH PLAIN "+b64("\x00nobody\x00secret"), "535 5.7.8 "),
			s("AUTH PLAIN "+b64("alice\x00student\x00secret"), "535 5.7.8 "), // acting for another
			s("AUTH PLAIN "+b64("no separators"), "501 5.5.2 "),
			s("AUTH PLAIN !!!", "454 4.7.0 "), // go-smtp: not base64
			s("AUTH CRAM-MD5", "504 5.7.4 "),
			s("AUTH PLAIN", "334 "),
			s("*", "501 5.0.0 "),
			s("AUTH PLAIN", "334 "),
			s(b64("student\x00Student\x00secret"), "235 2.0.0"),
			s("AUTH PLAIN "+b64("\x00student\x00secret"), "503 5.5.1 "),
			s("MAIL FROM:<student@mailscope.lab>", "250 "),
			s("RCPT TO:<alice@mailscope.lab>", "250 "),
			s("DATA", "354 "),
			s(body, "250 "),
		}, map[string]int{"alice": 1}},
		{"AUTH LOGIN", Options{InsecureAuth: true}, []step{
			s("EHLO client.example", "250 "),
			s("AUTH LOGIN", "334 VXNlcm5hbWU6$"),
			s(b64("student"), "334 UGFzc3dvcmQ6$"),
			s(b64("wrong"), "535 5.7.8 "),
			s("AUTH LOGIN", "334 VXNlcm5hbWU6$"),
			s("*", "501 5.0.0 "),
			s("AUTH LOGIN "+b64("alice@mailscope.lab"), "334 UGFzc3dvcmQ6$"),
			s(b64("wonder land"), "235 2.0.0"),
		}, nil},
		{"AUTH needs TLS", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("AUTH PLAIN "+b64("\x00student\x00secret"), "523 5.7.10 "),
		}, nil},
		{"RequireAuth", Options{InsecureAuth: true, RequireAuth: true}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@example.org>", "530 5.7.0 "),
			s(plain, "235 "),
			s("MAIL FROM:<student@mailscope.lab>", "250 "),
			s("RCPT TO:<alice@mailscope.lab>", "250 "),
			s("DATA", "354 "),
			s(body, "250 "),
		}, map[string]int{"alice": 1}},
		{"SMTPUTF8", Options{}, []step{
			s("EHLO client.example", "250 "),
			s("MAIL FROM:<a@example.org>", "250 "),
			s("RCPT TO:<zoë@mailscope.lab>", "553 5.6.7 "),
			s("RSET", "250 "),
			s("MAIL FROM:<a@example.org> SMTPUTF8", "250 "),
			s("RCPT TO:<zoë@mailscope.lab>", "250 "),
			s("RCPT TO:<ZOË@MAILSCOPE.LAB>", "250 "),
			s("RCPT TO:<josé@mailscope.lab>", "550 5.1.1 "),
			s("DATA", "354 "),
			s(body, "250 "),
		}, map[string]int{"zoë": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.opts)
			before := w.counts(t)
			c := w.dial(t)
			for _, st := range tt.steps {
				line := st.send
				if !strings.HasSuffix(line, "\n") {
					line += "\r\n"
				}
				c.send(line)
				for _, want := range st.want {
					if want == "EOF" {
						c.closed()
						continue
					}
					lines := c.reply()
					if last := lines[len(lines)-1]; !regexp.MustCompile("^" + want).MatchString(last) {
						t.Fatalf("after %.60q: got %q, want %q", st.send, last, want)
					}
				}
			}
			after := w.counts(t)
			for u, n := range after {
				if got, want := n-before[u], tt.delivered[u]; got != want {
					t.Errorf("%s got %d new messages, want %d", u, got, want)
				}
			}
			// The server keeps serving everyone else.
			c2 := w.dial(t)
			c2.ehlo()
			c2.cmd("QUIT", "221 ")
		})
	}
}

// Over the AUTH PLAIN session above the Received header says ESMTPA; the
// stored text after it is exactly the DATA, dot-unstuffed.
func TestReceivedAfterAuth(t *testing.T) {
	w := newWorld(t, Options{InsecureAuth: true})
	c := w.dial(t)
	c.ehlo()
	c.cmd("AUTH PLAIN "+b64("\x00student\x00secret"), "235 ")
	c.cmd("MAIL FROM:<student@mailscope.lab>", "250 ")
	c.cmd("RCPT TO:<alice@mailscope.lab>", "250 ")
	c.cmd("DATA", "354 ")
	c.cmd("Subject: x\r\n\r\n..dot\r\n.", "250 ")
	msgs := w.inbox(t, "alice")
	proto, forClause, rest := splitReceived(t, msgs[0], w.store)
	if proto != "ESMTPA" || forClause != "\r\n\tfor <alice@mailscope.lab>" || rest != "Subject: x\r\n\r\n.dot\r\n" {
		t.Errorf("Received with %q, for %q, then %q", proto, forClause, rest)
	}
	if d := w.deliveries[0]; d.AuthUser != "student" || d.From != "student@mailscope.lab" || d.UIDs[0] != msgs[0].UID {
		t.Errorf("Delivery = %+v", d)
	}
}

func TestLoginMechanism(t *testing.T) {
	var gotUser, gotPass string
	auth := func(u, p string) error { gotUser, gotPass = u, p; return nil }
	tests := []struct {
		name  string
		steps []string // responses; nil = no initial response
		ir    []byte
	}{
		{"no initial response", []string{"alice", "pw"}, nil},
		{"initial response", []string{"pw"}, []byte("alice")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &loginServer{authenticate: auth}
			ch, done, err := l.Next(tt.ir)
			for _, r := range tt.steps {
				if done || err != nil {
					t.Fatalf("Next() done=%v err=%v too early", done, err)
				}
				if string(ch) != "Username:" && string(ch) != "Password:" {
					t.Fatalf("challenge %q", ch)
				}
				ch, done, err = l.Next([]byte(r))
			}
			if !done || err != nil || gotUser != "alice" || gotPass != "pw" {
				t.Errorf("done=%v err=%v user=%q pass=%q", done, err, gotUser, gotPass)
			}
			if _, _, err := l.Next([]byte("more")); err == nil {
				t.Error("Next() after done = nil, want an error")
			}
		})
	}
}

func TestParseMailbox(t *testing.T) {
	tests := []struct {
		in         string
		local, dom string
		ok         bool
	}{
		{"alice@mailscope.lab", "alice", "mailscope.lab", true},
		{"Alice@MailScope.LAB.", "Alice", "mailscope.lab", true},
		{"a@[192.0.2.1]", "a", "[192.0.2.1]", true},
		{"a@[IPv6:2001:db8::1]", "a", "[ipv6:2001:db8::1]", true},
		{"zoë@bücher.example", "zoë", "bücher.example", true},
		{"a b@x.example", "a b", "x.example", true}, // from a quoted local part
		{"a@b@x.example", "a@b", "x.example", true},
		{"nobody", "", "", false},
		{"@x.example", "", "", false},
		{"a@", "", "", false},
		{"a@x..example", "", "", false},
		{"a@-x.example", "", "", false},
		{"a@x_y.example", "", "", false},
		{"a@[]", "", "", false},
		{"a\x00@x.example", "", "", false},
		{"a@x.example\r", "", "", false},
		{"\xff@x.example", "", "", false},
		{strings.Repeat("a", 65) + "@x.example", "", "", false},
		{"a@" + strings.Repeat("x", 64) + ".example", "", "", false},
	}
	for _, tt := range tests {
		mb, err := parseMailbox(tt.in)
		if (err == nil) != tt.ok || mb.Local != tt.local || mb.Domain != tt.dom {
			t.Errorf("parseMailbox(%q) = %+v, %v; want %q %q ok=%v", tt.in, mb, err, tt.local, tt.dom, tt.ok)
		}
	}
}

func TestOptionsDefaults(t *testing.T) {
	st := mailstore.New(nil)
	s := New(Options{Store: st})
	if s.Domain() != "localhost" || !s.IsLocalDomain("LOCALHOST") || s.IsLocalDomain("example.org") {
		t.Errorf("zero Options: domain %q", s.Domain())
	}
	s = New(Options{Store: st, Domain: "mailscope.lab"})
	for _, d := range []string{"mailscope.lab", "MailScope.Lab.", "localhost"} {
		if !s.IsLocalDomain(d) {
			t.Errorf("IsLocalDomain(%q) = false, want true", d)
		}
	}
	s = New(Options{Store: st, Domain: "mailscope.lab", LocalDomains: []string{}})
	if s.IsLocalDomain("localhost") {
		t.Error("empty LocalDomains still accepts localhost")
	}
	if s.smtp.MaxMessageBytes != DefaultMaxMessageBytes || s.smtp.MaxRecipients != 100 || s.smtp.MaxLineLength != 2000 || s.smtp.ReadTimeout != DefaultTimeout {
		t.Errorf("defaults: %d bytes, %d rcpts, %d line, %v", s.smtp.MaxMessageBytes, s.smtp.MaxRecipients, s.smtp.MaxLineLength, s.smtp.ReadTimeout)
	}
	s = New(Options{Store: st, MaxMessageBytes: -1, ReadTimeout: -1})
	if s.smtp.MaxMessageBytes != 0 || s.smtp.ReadTimeout != 0 {
		t.Errorf("negative options: %d bytes, %v", s.smtp.MaxMessageBytes, s.smtp.ReadTimeout)
	}
	if err := New(Options{Store: st, ImplicitTLS: true}).Serve(nil); err == nil {
		t.Error("ImplicitTLS without TLSConfig: Serve() = nil")
	}
}
