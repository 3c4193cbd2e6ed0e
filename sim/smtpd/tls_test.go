package smtpd

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/mailscope/mailscope/sim/link"
)

// STARTTLS (RFC 3207) with a certificate made here: AUTH appears only
// after TLS, the go-smtp client verifies the certificate, and the
// message is stored with ESMTPSA in its Received header.
func TestSTARTTLS(t *testing.T) {
	conf, pool := selfSigned(t)
	w := newWorld(t, Options{TLSConfig: conf})

	// Raw: STARTTLS is offered, AUTH is not yet.
	raw := w.dial(t)
	ehlo := strings.Join(raw.ehlo(), "\n")
	if !strings.Contains(ehlo, "STARTTLS") || strings.Contains(ehlo, "AUTH") {
		t.Errorf("EHLO before TLS = %q, want STARTTLS and no AUTH", ehlo)
	}
	raw.cmd("AUTH PLAIN "+b64("\x00student\x00secret"), "523 5.7.10 ")
	raw.cmd("STARTTLS", "220 2.0.0 ")
	tc := tls.Client(raw.conn, &tls.Config{ServerName: "mx.mailscope.lab", RootCAs: pool})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	raw2 := &wire{t: t, conn: tc, br: newReader(tc)}
	raw2.cmd("MAIL FROM:<a@example.org>", "502 5.5.1 ") // EHLO again first (RFC 3207 §4.2)
	ehlo = strings.Join(raw2.ehlo(), "\n")
	if strings.Contains(ehlo, "STARTTLS") || !strings.Contains(ehlo, "AUTH PLAIN LOGIN") {
		t.Errorf("EHLO after TLS = %q, want AUTH and no STARTTLS", ehlo)
	}
	raw2.cmd("STARTTLS", "502 5.5.1 ")

	// The go-smtp client.
	conn, err := w.link.Dial(t.Context(), addr, link.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClientStartTLS(conn, &tls.Config{ServerName: "mx.mailscope.lab", RootCAs: pool})
	if err != nil {
		t.Fatalf("NewClientStartTLS: %v", err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "student", "wrong")); err == nil {
		t.Error("Auth(wrong password) = nil")
	}
	if err := c.Auth(sasl.NewPlainClient("", "student", "secret")); err != nil {
		t.Fatalf("Auth() = %v", err)
	}
	msg := message("over TLS", 3000)
	if err := c.SendMail("student@mailscope.lab", []string{"alice@mailscope.lab"}, strings.NewReader(msg)); err != nil {
		t.Fatalf("SendMail() = %v", err)
	}
	msgs := w.inbox(t, "alice")
	if len(msgs) != 1 {
		t.Fatalf("alice has %d messages, want 1", len(msgs))
	}
	proto, _, rest := splitReceived(t, msgs[0], w.store)
	if proto != "ESMTPSA" || rest != msg {
		t.Errorf("stored with %s, %d bytes after Received; want ESMTPSA and the %d bytes sent", proto, len(rest), len(msg))
	}
	if d := w.deliveries[0]; !d.TLS || d.AuthUser != "student" {
		t.Errorf("Delivery = %+v, want TLS by student", d)
	}
	c.Quit()
}

// Implicit TLS (RFC 8314): TLS from the first byte; the message keeps
// the link's virtual time, read through the TLS layer.
func TestImplicitTLS(t *testing.T) {
	conf, pool := selfSigned(t)
	l := link.New(link.Options{Profile: link.Profile{Latency: 40e6, UpBps: 1e6, DownBps: 1e6}})
	w := newWorldOn(t, l, Options{TLSConfig: conf, ImplicitTLS: true})
	conn, err := l.Dial(t.Context(), addr, link.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(conn, &tls.Config{ServerName: "mx.mailscope.lab", RootCAs: pool})
	c := smtp.NewClient(tc)
	defer c.Close()
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered inside implicit TLS")
	}
	if err := c.Auth(sasl.NewPlainClient("", "alice@mailscope.lab", "wonder land")); err != nil {
		t.Fatalf("Auth() = %v", err)
	}
	msg := message("implicit", 1000)
	if err := c.SendMail("alice@mailscope.lab", []string{"student@mailscope.lab"}, strings.NewReader(msg)); err != nil {
		t.Fatalf("SendMail() = %v", err)
	}
	m := w.inbox(t, "student")[0]
	if proto, _, rest := splitReceived(t, m, w.store); proto != "ESMTPSA" || rest != msg {
		t.Errorf("stored with %s, %q", proto, rest)
	}
	// The end of DATA reached the server after 15 one-way trips of 40 ms
	// (TLS 1.3 handshake, greeting, EHLO, AUTH, MAIL, RCPT, DATA, the
	// body) plus serialisation, and before the client had its 250.
	if m.At < 15*40e6 || m.At > conn.Now()-40e6 {
		t.Errorf("message At = %v, want ≥ 600ms and ≤ the client's clock %v - 40ms", m.At, conn.Now())
	}
}
