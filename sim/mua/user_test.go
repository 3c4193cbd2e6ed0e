package mua_test

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim/link"
	. "github.com/mailscope/mailscope/sim/mua"
)

// Offline, nothing crosses the link: Send fails with the link's error,
// the outbox keeps the message, and the next connection sends it.
func TestOfflineOutboxNothingOnTheWire(t *testing.T) {
	for _, offline := range []string{"link", "device"} {
		t.Run(offline, func(t *testing.T) {
			w := newWorld(t, dsl())
			d := w.device("Laptop", Policy{Mode: IMAPOffline})
			want := link.ErrOffline
			if offline == "link" {
				w.link.SetOffline(true)
			} else {
				d.GoOffline(9 * time.Hour)
				want = ErrWorkingOffline
			}
			d.Compose(9*time.Hour, Draft{To: []string{"alice@lab"}, Subject: "Written on the train", Body: "Hi."})
			r, err := d.Send(9 * time.Hour)
			if !errors.Is(err, want) || r.Connections != 0 || r.Sent != 0 {
				t.Errorf("Send = %+v, %v; want no connection and %v", r, err, want)
			}
			if _, err := d.CheckMail(9 * time.Hour); !errors.Is(err, want) {
				t.Errorf("CheckMail = %v, want %v", err, want)
			}
			if n := len(d.Outbox()); n != 1 {
				t.Errorf("outbox holds %d, want 1", n)
			}
			if cmds := w.tap.commands("Laptop"); len(cmds) != 0 {
				t.Errorf("%d lines crossed the link while offline: %q", len(cmds), cmds[0].text)
			}
			w.link.SetOffline(false)
			if offline == "device" {
				must(t)(d.GoOnline(10 * time.Hour)) // sends it
			} else {
				must(t)(d.CheckMail(10 * time.Hour))
			}
			var verbs []string
			for _, c := range w.tap.commands("Laptop") {
				if v, _, _ := strings.Cut(c.text, ":"); v == "MAIL FROM" || v == "RCPT TO" || c.text == "DATA" {
					verbs = append(verbs, v)
				}
			}
			if got := strings.Join(verbs, ","); got != "MAIL FROM,RCPT TO,DATA" {
				t.Errorf("on the wire: %s, want MAIL FROM,RCPT TO,DATA", got)
			}
			if len(d.Outbox()) != 0 || len(w.inbox("alice")) != 1 {
				t.Errorf("outbox %d, alice's inbox %d; want 0, 1", len(d.Outbox()), len(w.inbox("alice")))
			}
		})
	}
}

// A submission that breaks off in the middle of DATA leaves the message
// in the outbox, and the next Send delivers it exactly once.
func TestSendBrokenMidwayStaysInOutbox(t *testing.T) {
	w := newWorld(t, dsl())
	d := w.device("Home PC", Policy{Mode: POP3Delete})
	body := strings.Repeat("a line of the report, long enough to take a while\n", 200)
	d.Compose(9*time.Hour, Draft{To: []string{"alice@lab"}, Subject: "Report", Body: body})
	d.Compose(9*time.Hour, Draft{To: []string{"alice@lab"}, Subject: "Second", Body: "short"})
	// EHLO, AUTH, MAIL, RCPT and DATA are well under 2 KB: the reset
	// comes inside the message text.
	w.link.InjectNext(link.ResetAfter{Dir: link.Up, Bytes: 2000})
	r, err := d.Send(9 * time.Hour)
	if err == nil || r.Sent != 0 {
		t.Fatalf("Send over a reset link = sent %d, %v; want an error", r.Sent, err)
	}
	if out := d.Outbox(); len(out) != 2 || out[0].Subject != "Report" {
		t.Fatalf("outbox after the break = %+v, want both messages", out)
	}
	if n := len(w.inbox("alice")); n != 0 {
		t.Errorf("alice has %d messages from a broken transaction", n)
	}
	r = must(t)(d.Send(10 * time.Hour))
	if r.Sent != 2 || len(d.Outbox()) != 0 {
		t.Errorf("retry: sent %d, outbox %d", r.Sent, len(d.Outbox()))
	}
	if got := w.inbox("alice"); len(got) != 2 || !bytes.Contains(got[0].Raw, []byte("Subject: Report")) {
		t.Errorf("alice has %d messages, want the report and the second once each", len(got))
	}
}

// Reply on an IMAP device: written offline into the outbox, threaded on
// the original, and \Answered reaches the server after the reply has gone.
func TestReplyIMAPAnswered(t *testing.T) {
	w := newWorld(t, dsl())
	// alice's reply to the student: the lab delivers to its own accounts
	// only (a reply to example.org would be refused, 550).
	raw := "From: Alice <alice@lab>\r\nTo: student@lab\r\nSubject: Re: Lunch\r\nDate: Mon, 05 Jan 2026 07:00:00 +0000\r\n" +
		"Message-ID: <2@lab>\r\nIn-Reply-To: <1@lab>\r\nReferences: <1@lab>\r\n\r\nNoon?\r\n"
	if _, err := w.store.Deliver("student", []byte(raw), 0); err != nil {
		t.Fatal(err)
	}
	d := w.device("Laptop", Policy{Mode: IMAPOffline})
	must(t)(d.CheckMail(9 * time.Hour))
	orig := d.Messages("INBOX")[0]
	w.link.SetOffline(true)
	out, r, err := d.Reply(9*time.Hour, orig.ID, "Sounds good.\nSee you.")
	if err != nil || !r.Offline || r.Action != "reply" {
		t.Fatalf("Reply offline = %+v, %v", r, err)
	}
	if want := orig.Subject; !strings.HasPrefix(want, "Re: ") || out.Subject != want {
		t.Errorf("reply subject %q to %q: want one Re:", out.Subject, orig.Subject)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(out.Raw))
	if err != nil {
		t.Fatal(err)
	}
	from, _ := mail.ParseAddress(orig.From)
	refs := msg.Header.Get("References")
	if len(out.To) != 1 || out.To[0] != from.Address || msg.Header.Get("In-Reply-To") != "<"+orig.MessageID+">" ||
		!strings.HasSuffix(refs, "<"+orig.MessageID+">") || strings.Count(refs, "<") != 2 {
		t.Errorf("reply To %v, In-Reply-To %q, References %q; want %s and the thread", out.To,
			msg.Header.Get("In-Reply-To"), refs, from.Address)
	}
	if m, _ := d.Message(orig.ID); !m.Answered {
		t.Error("the original is not marked answered on the device")
	}
	answered := func() bool {
		ms, _ := w.store.Message("student", "INBOX", orig.UID)
		return ms.HasFlag(`\Answered`)
	}
	if answered() {
		t.Error("\\Answered on the server while offline")
	}
	w.link.SetOffline(false)
	r = must(t)(d.Send(10 * time.Hour))
	if r.Sent != 1 || r.Connections != 2 || r.Conns[1].Protocol != "imap" {
		t.Errorf("Send: sent %d over %d connections; want 1 and an IMAP logon for the flag", r.Sent, r.Connections)
	}
	if !answered() {
		t.Error("no \\Answered on the server after the reply went")
	}
	// The flag stays on the next sync, and is not pushed again.
	r = must(t)(d.CheckMail(11 * time.Hour))
	if m, _ := d.Message(orig.ID); !m.Answered {
		t.Error("the resync cleared \\Answered")
	}
	for _, c := range w.tap.commands("Laptop") {
		if c.depart >= 11*time.Hour && strings.Contains(c.text, "STORE") {
			t.Errorf("the next check stored flags again: %q", c.text)
		}
	}
	if _, _, err := d.Reply(12*time.Hour, 999, "?"); !errors.Is(err, ErrNoMessage) {
		t.Errorf("Reply to a missing message = %v, want ErrNoMessage", err)
	}
}

// Compose keeps what the user typed out of the headers' structure: no
// header smuggled through a line break, non-ASCII encoded and decoded
// back, a long or non-ASCII body as quoted-printable.
func TestComposeSafeHeadersAndBody(t *testing.T) {
	w := newWorld(t, dsl())
	d := w.device("Téléphone", Policy{Mode: POP3Delete})
	body := "Grüße aus Köln\n" + strings.Repeat("x", 1500) + "\n"
	o, _ := d.Compose(9*time.Hour, Draft{To: []string{"alice@lab\r\nBcc: bob@lab"}, Subject: "Café\r\nBcc: bob@lab", Body: body})
	msg, err := mail.ReadMessage(bytes.NewReader(o.Raw))
	if err != nil {
		t.Fatalf("composed message does not parse: %v\n%s", err, o.Raw)
	}
	if msg.Header.Get("Bcc") != "" {
		t.Errorf("a Bcc header was smuggled in:\n%s", o.Raw)
	}
	if s, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); s != "Café  Bcc: bob@lab" {
		t.Errorf("Subject decodes to %q", s)
	}
	if a, err := mail.ParseAddress(msg.Header.Get("From")); err != nil || a.Name != "Téléphone" {
		t.Errorf("From = %q (%v)", msg.Header.Get("From"), err)
	}
	if cte := msg.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding = %q", cte)
	}
	for _, line := range strings.Split(string(o.Raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("a line of %d characters", len(line))
		}
		for _, c := range []byte(line) {
			if c >= 0x80 {
				t.Fatalf("8-bit byte in %q", line)
			}
		}
	}
	if id := msg.Header.Get("Message-Id"); !strings.Contains(id, ".tlphone@") {
		t.Errorf("Message-ID %q", id)
	}
	// The envelope has no line break either: the server refuses the
	// address, and the refusal does not keep the device from its mail.
	if len(o.To) != 1 || strings.ContainsAny(o.To[0], "\r\n") {
		t.Errorf("envelope recipients %q", o.To)
	}
	d.Delete(9*time.Hour, o.ID)
	d.Compose(9*time.Hour, Draft{To: []string{"alice@lab\r\nRCPT TO:<student@lab>", " "}, Subject: "x", Body: "y"})
	if _, err := d.CheckMail(9 * time.Hour); !errors.Is(err, ErrNotSent) {
		t.Errorf("CheckMail with a smuggling address = %v, want ErrNotSent", err)
	}
	// (student's mail would have been downloaded by that check)
	if len(w.inbox("alice"))+len(d.Messages("INBOX")) != 0 || len(d.Outbox()) != 1 {
		t.Errorf("a smuggled recipient got mail, or the outbox lost it")
	}
	d.Delete(9*time.Hour, d.Outbox()[0].ID)
	// A plain ASCII message is as it always was.
	o, _ = d.Compose(9*time.Hour, Draft{To: []string{"alice@lab"}, Subject: "Plain", Body: "Hi.\n"})
	if !bytes.Contains(o.Raw, []byte("Subject: Plain\r\n")) || bytes.Contains(o.Raw, []byte("Transfer-Encoding")) ||
		!bytes.HasSuffix(o.Raw, []byte("\r\n\r\nHi.\r\n")) {
		t.Errorf("plain message:\n%s", o.Raw)
	}
}

func TestCreateFolderIMAPNeedsTheServer(t *testing.T) {
	w := newWorld(t, dsl())
	d := w.device("Phone", Policy{Mode: IMAPOnline})
	w.link.SetOffline(true)
	if _, err := d.CreateFolder(9*time.Hour, "Trips"); !errors.Is(err, link.ErrOffline) {
		t.Errorf("CreateFolder offline = %v, want link.ErrOffline", err)
	}
	w.link.SetOffline(false)
	for _, bad := range []string{"", " ", "a\r\nb"} {
		if _, err := d.CreateFolder(9*time.Hour, bad); err == nil {
			t.Errorf("CreateFolder(%q) succeeded", bad)
		}
	}
	must(t)(d.CreateFolder(9*time.Hour, "Trips"))
	if _, err := d.CreateFolder(9*time.Hour, "Trips"); err == nil {
		t.Error("CreateFolder of an existing server folder succeeded")
	}
	if _, err := w.store.Mailbox("student", "Trips"); err != nil {
		t.Errorf("server: %v", err)
	}
	if got := strings.Join(d.Folders(), ","); got != "INBOX,Trips" {
		t.Errorf("Folders() = %s", got)
	}
}

// A message the server refuses stays in the outbox, does not keep the
// device from its mail, and Delete takes it out unsent.
func TestRefusedMessageDoesNotBlockCheckMail(t *testing.T) {
	w := newWorld(t, dsl())
	d, o := w.observed(t, "Home PC", Policy{Mode: POP3Delete})
	out, _ := d.Compose(9*time.Hour, Draft{To: []string{"someone@example.org"}, Subject: "Abroad", Body: "Hi."})
	if _, err := w.store.Deliver("student", []byte("From: alice@lab\r\nSubject: hi\r\n\r\nhello\r\n"), 0); err != nil {
		t.Fatal(err)
	}
	r, err := d.CheckMail(9 * time.Hour)
	if !errors.Is(err, ErrNotSent) || !strings.Contains(err.Error(), "550") {
		t.Errorf("CheckMail = %v, want ErrNotSent with the server's 550", err)
	}
	if r.Downloaded != 1 || len(d.Outbox()) != 1 {
		t.Errorf("downloaded %d, outbox %d; want 1, 1", r.Downloaded, len(d.Outbox()))
	}
	o.take()
	must(t)(d.Delete(9*time.Hour, out.ID))
	expectChanges(t, "Delete of the outgoing message", o, "removed 1 Outbox")
	if len(d.Outbox()) != 0 {
		t.Errorf("outbox %d after Delete", len(d.Outbox()))
	}
	must(t)(d.CheckMail(10 * time.Hour))
}

func TestExplainAndWhyUnreadable(t *testing.T) {
	w := newWorld(t, dsl())
	if _, err := w.store.Deliver("student", []byte("From: alice@lab\r\nSubject: one\r\n\r\n1\r\n"), 0); err != nil {
		t.Fatal(err)
	}
	pc := w.device("Home PC", Policy{Mode: POP3Delete})
	phone := w.device("Phone", Policy{Mode: IMAPOnline})
	must(t)(phone.CheckMail(9 * time.Hour))
	must(t)(pc.CheckMail(9 * time.Hour))
	must(t)(pc.Delete(9*time.Hour, 1))
	_, err := pc.Open(9*time.Hour, 1)
	if why := pc.WhyUnreadable(1, err); !errors.Is(err, ErrNoMessage) || !strings.Contains(why, "POP3 deleted the server's copy") {
		t.Errorf("POP3 after delete: %v → %q", err, why)
	}
	if why := pc.WhyUnreadable(42, nil); why != "Home PC has no message 42" {
		t.Errorf("never had it: %q", why)
	}
	// The phone listed the message; the home PC took it off the server.
	_, err = phone.Open(9*time.Hour, 1)
	if why := phone.WhyUnreadable(1, err); !errors.Is(err, ErrNoMessage) || !strings.Contains(why, "gone from the server") {
		t.Errorf("IMAP, expunged elsewhere: %v → %q", err, why)
	}
	if _, err := w.store.Deliver("student", []byte("From: alice@lab\r\nSubject: two\r\n\r\n2\r\n"), 0); err != nil {
		t.Fatal(err)
	}
	must(t)(phone.CheckMail(10 * time.Hour))
	id := phone.Messages("INBOX")[0].ID
	w.link.SetOffline(true)
	_, err = phone.Open(10*time.Hour, id)
	if why := phone.WhyUnreadable(id, err); !errors.Is(err, ErrNotDownloaded) || !strings.Contains(why, "only the headers") ||
		!strings.Contains(why, "the link is offline") {
		t.Errorf("IMAP online, link down: %v → %q", err, why)
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("mua: x: %w", ErrWorkingOffline), "the device is working offline"},
		{fmt.Errorf("mua: x: %w", link.ErrOffline), "the link is offline"},
		{fmt.Errorf("mua: x: %w", link.ErrReset), "the connection broke off (the link reset it)"},
		{fmt.Errorf("mua: x: %w", &smtp.SMTPError{Code: 552, Message: "mailbox full"}), "the server refused it: 552 mailbox full"},
		{errors.New("mua: something else"), "something else"},
	} {
		if got := Explain(c.err); got != c.want {
			t.Errorf("Explain(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
