package mua

import (
	"bytes"
	"errors"
	"fmt"
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
}

// Compose writes a message into the outbox. It needs no network; the
// message leaves with the next Send, GoOnline or CheckMail.
func (d *Device) Compose(at time.Duration, draft Draft) (Outgoing, ActionResult) {
	r := d.begin("compose", at)
	d.nextID++
	id := d.nextID
	from := d.cfg.Account.Address
	date := d.cfg.Epoch.Add(r.res.Start)
	host := from[strings.LastIndexByte(from, '@')+1:]
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s <%s>\r\n", d.name, from)
	fmt.Fprintf(&b, "To: %s\r\n", strings.Join(draft.To, ", "))
	fmt.Fprintf(&b, "Subject: %s\r\n", draft.Subject)
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	msgID := fmt.Sprintf("%d.%d.%s@%s", id, r.res.Start.Milliseconds(), strings.ReplaceAll(strings.ToLower(d.name), " ", "-"), host)
	fmt.Fprintf(&b, "Message-ID: <%s>\r\n", msgID)
	if draft.InReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", draft.InReplyTo, draft.InReplyTo)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(draft.Body, "\r\n", "\n"), "\n", "\r\n")
	b.WriteString(body)
	if !strings.HasSuffix(body, "\r\n") {
		b.WriteString("\r\n")
	}
	o := &Outgoing{ID: id, From: from, To: append([]string(nil), draft.To...), Subject: draft.Subject, Raw: b.Bytes(), Composed: r.res.Start}
	d.outbox = append(d.outbox, o)
	return *o, d.finishLocal(r)
}

// Send submits the outbox over SMTP with AUTH PLAIN. Sent messages leave
// the outbox for the local "Sent" folder (and, with Policy.SaveSent, the
// server's).
func (d *Device) Send(at time.Duration) (ActionResult, error) {
	r := d.begin("send", at)
	if err := d.sendOutbox(r); err != nil {
		return d.finish(r), err
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
		if err := c.Hello(strings.ReplaceAll(strings.ToLower(d.name), " ", "-") + "." + host); err != nil {
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
	}
}
