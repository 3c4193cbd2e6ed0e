package mua

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// SMTP command pipelining (RFC 2920), which go-smtp's client lacks.
//
// go-smtp's client still greets, says EHLO and authenticates, exactly as
// on the lock-step path; only the mail transactions are sent here, over
// the same conn: per message MAIL FROM, every RCPT TO and DATA in one
// write, their replies read in order, then the dot-stuffed text in one
// write and its reply. QUIT goes back through go-smtp.
//
// The two clients share the conn safely because of lineConn: no Read
// under either hands out bytes past the end of a line, so neither
// buffered reader can hold a reply meant for the other once a reply has
// been read in full.

// lineConn returns at most one line per Read, keeping what came after the
// LF for the next Read. Link conns already read that way; a TLS record can
// carry several lines.
type lineConn struct {
	net.Conn
	buf  [4096]byte
	rest []byte
	err  error // the underlying read's error, after rest is handed out
}

func (c *lineConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(c.rest) == 0 {
		if err := c.err; err != nil {
			c.err = nil
			return 0, err
		}
		n, err := c.Conn.Read(c.buf[:])
		if n == 0 {
			return 0, err
		}
		c.rest, c.err = c.buf[:n], err
	}
	k := len(c.rest)
	if i := bytes.IndexByte(c.rest, '\n'); i >= 0 {
		k = i + 1
	}
	k = copy(p, c.rest[:k])
	c.rest = c.rest[k:]
	return k, nil
}

// smtpPipe sends mail transactions pipelined over a session that go-smtp's
// client has greeted and authenticated.
type smtpPipe struct {
	conn net.Conn
	r    *textproto.Reader
	c    *smtp.Client // for the extensions its EHLO learnt
}

func newSMTPPipe(conn *lineConn, c *smtp.Client) *smtpPipe {
	return &smtpPipe{conn: conn, r: textproto.NewReader(bufio.NewReader(conn)), c: c}
}

// errAbortedData marks a failure after the server said 354 to DATA: the
// only way to abandon the transaction is to drop the connection, so the
// session must not be used again (not even for QUIT).
var errAbortedData = errors.New("connection dropped after 354 to abandon the message")

// send submits one message. It returns nil once the server took the
// message (250 after the text). A refusal comes as an error naming the
// command and wrapping the reply as an *smtp.SMTPError; every reply of
// the group has been read by then, so the session is at a command
// boundary, unless the error also wraps errAbortedData (or is an I/O
// error), after which the conn must be closed.
func (p *smtpPipe) send(from string, to []string, raw []byte) error {
	// What go-smtp's SendMail and Mail would send and refuse.
	for _, a := range append([]string{from}, to...) {
		if strings.ContainsAny(a, "\r\n") {
			return errors.New("smtp: a line must not contain CR or LF")
		}
	}
	mail := "MAIL FROM:<" + from + ">"
	if ok, _ := p.c.Extension("8BITMIME"); ok {
		mail += " BODY=8BITMIME"
	}
	if !isASCII(from) || !allASCII(to) {
		if ok, _ := p.c.Extension("SMTPUTF8"); !ok {
			return errors.New("smtp: server does not support SMTPUTF8")
		}
		mail += " SMTPUTF8"
	}
	cmds := make([]string, 0, len(to)+2)
	cmds = append(cmds, mail)
	for _, a := range to {
		cmds = append(cmds, "RCPT TO:<"+a+">")
	}
	cmds = append(cmds, "DATA")

	// go-smtp's deadlines: CommandTimeout for each reply up to 354,
	// SubmissionTimeout for the one after the text.
	defer p.conn.SetDeadline(time.Time{})
	p.conn.SetDeadline(time.Now().Add(p.c.CommandTimeout))

	// One write: RFC 2920 3.1 lets MAIL, RCPT and DATA share a group,
	// DATA last.
	if _, err := p.conn.Write([]byte(strings.Join(cmds, "\r\n") + "\r\n")); err != nil {
		return fmt.Errorf("%s: %w", cmds[0], err)
	}
	// Read every reply of the group, whatever the first ones said.
	var refused error
	dataOK := false
	for i, cmd := range cmds {
		want := 250 // MAIL
		switch {
		case i == len(cmds)-1:
			want = 354
		case i > 0:
			want = 25 // RCPT: 250 or 251, as go-smtp takes it
		}
		code, err := p.reply(want)
		if err != nil {
			var se *smtp.SMTPError
			if !errors.As(err, &se) {
				return fmt.Errorf("%s: %w", cmd, err) // the conn is broken
			}
			if refused == nil {
				refused = fmt.Errorf("%s: %w", cmd, err)
			}
			continue
		}
		if i == len(cmds)-1 && code == 354 {
			dataOK = true
		}
	}
	if refused != nil {
		if dataOK {
			// A recipient was refused but the server wants the text:
			// sending it would deliver to the others, and an empty
			// message would too. Like the lock-step path, which never
			// gets to DATA, deliver nothing.
			return fmt.Errorf("%w (%w)", refused, errAbortedData)
		}
		return refused
	}

	// The text, dot-stuffed and ended with CRLF.CRLF by the same writer
	// go-smtp uses, in one write.
	var b bytes.Buffer
	b.Grow(len(raw) + len(raw)/64 + 5)
	dw := textproto.NewWriter(bufio.NewWriter(&b)).DotWriter()
	dw.Write(raw)
	dw.Close()
	p.conn.SetDeadline(time.Now().Add(p.c.SubmissionTimeout))
	if _, err := p.conn.Write(b.Bytes()); err != nil {
		return fmt.Errorf("DATA text: %w", err)
	}
	if _, err := p.reply(250); err != nil {
		return fmt.Errorf("DATA text: %w", err)
	}
	return nil
}

// reply reads one reply, multi-line ("250-...", "250 ...") included. A
// reply other than want (a code, or its first two digits) comes as an
// *smtp.SMTPError as go-smtp makes them; a broken conn as its error.
func (p *smtpPipe) reply(want int) (int, error) {
	code, msg, err := p.r.ReadResponse(0)
	if err != nil {
		return code, err
	}
	if want < 100 && code/10 == want || code == want {
		return code, nil
	}
	return code, replyErr(code, msg)
}

// replyErr is go-smtp's SMTPError for a reply: the enhanced status code
// (RFC 2034), when the text starts with one, split off every line.
func replyErr(code int, msg string) *smtp.SMTPError {
	se := &smtp.SMTPError{Code: code, Message: msg}
	first, text, ok := strings.Cut(msg, " ")
	if !ok {
		return se
	}
	parts := strings.Split(first, ".")
	if len(parts) != 3 {
		return se
	}
	var ec smtp.EnhancedCode
	for i, s := range parts {
		n, err := strconv.Atoi(s)
		if err != nil {
			return se
		}
		ec[i] = n
	}
	se.EnhancedCode = ec
	se.Message = strings.ReplaceAll(text, "\n"+first+" ", "\n")
	return se
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > 127 {
			return false
		}
	}
	return true
}

func allASCII(ss []string) bool {
	for _, s := range ss {
		if !isASCII(s) {
			return false
		}
	}
	return true
}
