package mua

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/mailscope/mailscope/sim/link"
)

// Draft is a message to compose.
type Draft struct {
	To      []string
	Subject string
	Body    string
	// InReplyTo is the Message-ID (without brackets) this replies to.
	InReplyTo string
	// References are the Message-IDs (without brackets) of the thread,
	// oldest first, InReplyTo last. Nil: InReplyTo alone.
	References []string
}

// Compose writes a message into the outbox. It needs no network; the
// message leaves with the next Send, GoOnline or CheckMail. Line breaks in
// the subject or the recipients become spaces (no header can be smuggled
// in), a non-ASCII subject or device name is MIME-encoded (RFC 2047), and
// a body with non-ASCII text or lines longer than SMTP allows goes as
// quoted-printable.
func (d *Device) Compose(at time.Duration, draft Draft) (Outgoing, ActionResult) {
	r := d.begin("compose", at)
	d.nextID++
	id := d.nextID
	// The envelope too: a line break in an address would make go-smtp
	// refuse the message before the server sees it, and a message that
	// can never leave would block every CheckMail. The server judges
	// what is left.
	var to []string
	for _, a := range draft.To {
		if a = strings.TrimSpace(oneLine(a)); a != "" {
			to = append(to, a)
		}
	}
	draft.To = to
	from := d.cfg.Account.Address
	date := d.cfg.Epoch.Add(r.res.Start)
	host := from[strings.LastIndexByte(from, '@')+1:]
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", fromHeader(d.name, from))
	fmt.Fprintf(&b, "To: %s\r\n", oneLine(strings.Join(draft.To, ", ")))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", oneLine(draft.Subject)))
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	msgID := fmt.Sprintf("%d.%d.%s@%s", id, r.res.Start.Milliseconds(), msgIDPart(d.name), host)
	fmt.Fprintf(&b, "Message-ID: <%s>\r\n", msgID)
	if draft.InReplyTo != "" {
		refs := draft.References
		if len(refs) == 0 {
			refs = []string{draft.InReplyTo}
		}
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", draft.InReplyTo, strings.Join(refs, ">\r\n <"))
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(draft.Body, "\r\n", "\n"), "\n", "\r\n")
	if !strings.HasSuffix(body, "\r\n") {
		body += "\r\n"
	}
	if needsQP(body) {
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
		qp := quotedprintable.NewWriter(&b)
		qp.Write([]byte(body))
		qp.Close()
		if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
			b.WriteString("\r\n")
		}
	} else {
		b.WriteString("\r\n")
		b.WriteString(body)
	}
	o := &Outgoing{ID: id, From: from, To: append([]string(nil), draft.To...), Subject: draft.Subject, Raw: b.Bytes(), Composed: r.res.Start}
	d.outbox = append(d.outbox, o)
	d.changed(ChangeQueued, o.ID, OutboxFolder, r.res.Start)
	return *o, d.finishLocal(r)
}

// Send submits the outbox over SMTP with AUTH PLAIN. Sent messages leave
// the outbox for the local "Sent" folder (and, with Policy.SaveSent, the
// server's). A message the server did not accept, or whose transaction
// broke off, stays in the outbox for the next Send, CheckMail or GoOnline.
// An IMAP device that replied then stores \Answered on the originals.
func (d *Device) Send(at time.Duration) (ActionResult, error) {
	r := d.begin("send", at)
	if err := d.sendOutbox(r); err != nil {
		return d.finish(r), err
	}
	if d.cfg.Policy.Mode.IsIMAP() && len(d.answer) > 0 && d.cfg.Servers.IMAP != "" {
		if err := d.withIMAP(r, func(s *imapSession) error { return s.flushPending(nil) }); err != nil {
			return d.finish(r), err
		}
	}
	return d.finish(r), nil
}

func (d *Device) sendOutbox(r *recorder) error {
	if len(d.outbox) == 0 {
		return nil
	}
	if d.cfg.Servers.SMTP == "" {
		return fmt.Errorf("mua: %s: smtp: %w", d.name, ErrNoServer)
	}
	addr := d.cfg.Servers.SMTP
	nc, conn, err := d.connect(r, addr)
	if err != nil {
		return err
	}
	// Pipelining (Policy.SMTPPipelining) takes over after AUTH on the
	// same conn, so the conn under go-smtp must hand out one line per
	// Read. go-smtp keeps the STARTTLS conn to itself: no pipelining there.
	var lc *lineConn
	if d.cfg.Policy.SMTPPipelining && d.cfg.TLSMode != TLSStartTLS {
		lc = &lineConn{Conn: nc}
		nc = lc
	}
	var c *smtp.Client
	if d.cfg.TLSMode == TLSStartTLS {
		// go-smtp's STARTTLS client says EHLO as "localhost": it has no
		// way to name the host before the upgrade.
		cfg, err := d.tlsConfig(addr)
		if err != nil {
			nc.Close()
			return err
		}
		if c, err = smtp.NewClientStartTLS(nc, cfg); err != nil {
			return fmt.Errorf("mua: %s: smtp STARTTLS: %w", d.name, err)
		}
	} else {
		c = smtp.NewClient(nc)
		host := d.cfg.Account.Address[strings.LastIndexByte(d.cfg.Account.Address, '@')+1:]
		if err := c.Hello(hostPart(d.name) + "." + host); err != nil {
			c.Close()
			return fmt.Errorf("mua: %s: smtp EHLO: %w", d.name, err)
		}
	}
	defer c.Close()
	acct := d.cfg.Account
	if err := c.Auth(sasl.NewPlainClient("", acct.User, acct.Password)); err != nil {
		return fmt.Errorf("mua: %s: smtp AUTH: %w", d.name, err)
	}
	var pipe *smtpPipe
	if lc != nil {
		if ok, _ := c.Extension("PIPELINING"); ok {
			pipe = newSMTPPipe(lc, c)
		}
	}
	var sent []*Outgoing
	for len(d.outbox) > 0 {
		o := d.outbox[0]
		var err error
		if pipe != nil {
			err = pipe.send(o.From, o.To, o.Raw)
		} else {
			err = c.SendMail(o.From, o.To, bytes.NewReader(o.Raw))
		}
		if err != nil {
			d.keepSent(sent, conn.Now())
			var se *smtp.SMTPError
			if pipe != nil && errors.As(err, &se) && !errors.Is(err, errAbortedData) {
				// Refused with every reply read: end the session
				// properly. After a 354 only dropping the conn aborts.
				c.Quit()
			}
			return fmt.Errorf("mua: %s: smtp send %q: %w", d.name, o.Subject, err)
		}
		d.outbox = d.outbox[1:]
		sent = append(sent, o)
		r.res.Sent++
		d.changed(ChangeSent, o.ID, "", conn.Now())
	}
	// Quit's error may only be that of closing: a TLS close_notify sent
	// after the server hung up on its 221. The mail is in by then.
	if err := c.Quit(); err != nil && !errors.Is(err, link.ErrReset) {
		d.keepSent(sent, conn.Now())
		return fmt.Errorf("mua: %s: smtp QUIT: %w", d.name, err)
	}
	d.keepSent(sent, conn.Now())
	if d.cfg.Policy.SaveSent && d.cfg.Policy.Mode.IsIMAP() && d.cfg.Servers.IMAP != "" {
		return d.appendSent(r, sent)
	}
	return nil
}

// keepSent files sent messages in the local "Sent" folder.
func (d *Device) keepSent(sent []*Outgoing, now time.Duration) {
	for _, o := range sent {
		m := &Message{Folder: "Sent", Size: int64(len(o.Raw)), Raw: o.Raw, Seen: true, Received: now, Downloaded: now}
		fillHeaders(m, o.Raw)
		d.add(m)
		d.changed(ChangeFiled, m.ID, m.Folder, now)
	}
}

// oneLine turns the line breaks in a header's text into spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

// fromHeader is the From field: the device's name and the address,
// plain for a name of letters, digits and spaces ("Home PC <a@b>"), else
// as net/mail quotes and encodes it.
func fromHeader(name, addr string) string {
	plain := true
	for _, r := range name {
		if !(r == ' ' || r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return name + " <" + addr + ">"
	}
	return (&mail.Address{Name: oneLine(name), Address: addr}).String()
}

// msgIDPart is the device's name as it goes into a Message-ID: lower case,
// spaces as hyphens, only what a dot-atom allows (RFC 5322 3.2.3).
func msgIDPart(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r > ' ' && r < 0x7f && !strings.ContainsRune(`()<>[]:;@\,"`, r):
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "device"
	}
	return b.String()
}

// hostPart is the device's name as a host name label for EHLO: lower
// case, spaces as hyphens, letters, digits, hyphens and dots only.
func hostPart(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "device"
	}
	return b.String()
}

// needsQP reports whether a CRLF body must be quoted-printable: non-ASCII
// bytes, or a line longer than SMTP's 998 characters (RFC 5321 4.5.3.1.6).
func needsQP(body string) bool {
	line := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= 0x80 || c == 0:
			return true
		case c == '\n':
			line = 0
		default:
			if line++; line > 998 {
				return true
			}
		}
	}
	return false
}
