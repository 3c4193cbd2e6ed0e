package lab

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
)

// One store, three protocols: what SMTP delivers, POP3 and IMAP read
// byte for byte; a POP3 delete is an IMAP EXPUNGE; \Seen set over IMAP
// stays; an IMAP IDLE wakes for an SMTP delivery.

const pyCross = `
import os, smtplib, poplib, imaplib
msg = ("From: visitor@example.org\r\nTo: student@mailscope.lab\r\nSubject: cross-protocol\r\n\r\n"
       "first line\r\n.starts with a dot\r\n\r\nlast line\r\n")
h, p = os.environ["SMTP"].split(":")
with smtplib.SMTP(h, int(p)) as s:
    s.sendmail("visitor@example.org", ["student@mailscope.lab"], msg)
h, p = os.environ["IMAP"].split(":")
im = imaplib.IMAP4(h, int(p))
im.login("student", "secret")
typ, data = im.select("INBOX")
typ, data = im.uid("FETCH", "1:*", "(BODY.PEEK[])")
imap_raw = data[0][1]
im.store("1", "+FLAGS", "\\Seen")
typ, data = im.fetch("1", "(FLAGS)")
print("IMAP-FLAGS", data[0].decode())
h2, p2 = os.environ["POP3"].split(":")
pp = poplib.POP3(h2, int(p2))
pp.user("student"); pp.pass_("secret")
resp, lines, octets = pp.retr(1)
pop_raw = b"\r\n".join(lines) + b"\r\n"
print("SAME", imap_raw == pop_raw, len(imap_raw), octets)
print("HAS-BODY", msg.encode() in pop_raw)
pp.dele(1)
pp.quit()
typ, data = im.noop()
print("EXPUNGE", im.untagged_responses.get("EXPUNGE"))
im.logout()
im = imaplib.IMAP4(h, int(p))
im.login("student", "secret")
typ, data = im.select("INBOX")
print("EXISTS-AFTER", data[0].decode())
im.logout()
`

func TestCrossProtocolPython(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	out := python(t, eps, pyCross)
	for _, want := range []string{`IMAP-FLAGS 1 (FLAGS (\Seen \Recent))`, "SAME True", "HAS-BODY True", "EXPUNGE [b'1']", "EXISTS-AFTER 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if msgs, _ := l.Store.Messages("student", "INBOX"); len(msgs) != 0 {
		t.Errorf("store still holds %d messages after POP3 DELE+QUIT", len(msgs))
	}
}

// \Seen set over IMAP survives the session and is seen by a new one.
func TestSeenStays(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	l.Seed("alice", 2, 5)
	out := python(t, eps, `
import os, imaplib
h, p = os.environ["IMAP"].split(":")
im = imaplib.IMAP4(h, int(p)); im.login("alice", "alice"); im.select("INBOX")
im.store("2", "+FLAGS", "(\\Seen \\Flagged)"); im.logout()
im = imaplib.IMAP4(h, int(p)); im.login("alice", "alice"); im.select("INBOX", readonly=True)
typ, data = im.fetch("1:2", "(FLAGS)")
print([d.decode() for d in data])
`)
	if !strings.Contains(out, `'2 (FLAGS (\\Seen \\Flagged))'`) || !strings.Contains(out, `'1 (FLAGS ())'`) {
		t.Errorf("flags after a new session: %s", out)
	}
	msgs, _ := l.Store.Messages("alice", "INBOX")
	if !msgs[1].HasFlag(`\Seen`) || msgs[0].HasFlag(`\Seen`) {
		t.Errorf("store flags: %v, %v", msgs[0].Flags, msgs[1].Flags)
	}
}

func TestCurlIMAP(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	l.Seed("bob", 3, 9)
	msgs, _ := l.Store.Messages("bob", "INBOX")
	body := curl(t, "imap://"+eps[IMAP]+"/INBOX;UID="+itoa(int(msgs[2].UID)), "-u", "bob:bob")
	if body != string(msgs[2].Raw) {
		t.Errorf("curl imap fetched %d bytes, want the stored %d", len(body), len(msgs[2].Raw))
	}
	list := curl(t, "imap://"+eps[IMAP]+"/", "-u", "bob:bob")
	for _, box := range []string{"INBOX", "Sent", "Trash"} {
		if !strings.Contains(list, box) {
			t.Errorf("curl LIST lacks %s:\n%s", box, list)
		}
	}
	if tl := curl(t, "-k", "imaps://"+eps[IMAPS]+"/INBOX;UID="+itoa(int(msgs[0].UID)), "-u", "bob:bob"); tl != string(msgs[0].Raw) {
		t.Errorf("imaps fetch returned %d bytes", len(tl))
	}
}

// An IMAP client idling on INBOX over real TCP hears of an SMTP delivery
// at once.
func TestIdleWakesOnSMTPDelivery(t *testing.T) {
	_, eps := tcpLab(t, Options{})
	conn, err := net.Dial("tcp", eps[IMAP])
	if err != nil {
		t.Fatal(err)
	}
	exists := make(chan uint32, 4)
	c := imapclient.New(conn, &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					exists <- *d.NumMessages
				}
			},
		},
	})
	defer c.Close()
	if err := c.Login("student", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := smtp.Dial(eps[SMTP])
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.SendMail("x@example.org", []string{"student@mailscope.lab"}, strings.NewReader("Subject: ping\r\n\r\nping\r\n")); err != nil {
		t.Fatal(err)
	}
	sc.Quit()
	select {
	case n := <-exists:
		if n != 1 {
			t.Errorf("IDLE got EXISTS %d, want 1", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("IDLE never heard of the delivery")
	}
	idle.Close()
	idle.Wait()
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].Envelope.Subject != "ping" {
		t.Errorf("fetch after IDLE: %v, %v", msgs, err)
	}
}
