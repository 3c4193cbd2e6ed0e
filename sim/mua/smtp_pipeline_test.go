package mua_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim/lab"
	. "github.com/mailscope/mailscope/sim/mua"
)

// afterReceived is a stored message without the Received header smtpd
// puts in front (its id and date differ from delivery to delivery).
func afterReceived(t testing.TB, raw []byte) []byte {
	t.Helper()
	if !bytes.HasPrefix(raw, []byte("Received: ")) {
		t.Fatalf("stored message lacks a Received header: %.200q", raw)
	}
	i := bytes.Index(raw, []byte("\r\n"))
	for i >= 0 && i+2 < len(raw) && (raw[i+2] == '\t' || raw[i+2] == ' ') {
		j := bytes.Index(raw[i+2:], []byte("\r\n"))
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return raw[i+2:]
}

// sendThree composes three messages to rcpts and sends them in one Send.
func sendThree(t *testing.T, d *Device, rcpts []string) ([]Outgoing, ActionResult) {
	t.Helper()
	bodies := []string{
		"First message.\n",
		".leading dot\n.\n..two dots\nend\n",
		strings.Repeat("A line long enough to make a few kilobytes of text.\n", 120),
	}
	var outs []Outgoing
	for i, b := range bodies {
		o, _ := d.Compose(9*time.Hour+time.Duration(i)*time.Minute, Draft{To: rcpts, Subject: "pipe " + string(rune('A'+i)), Body: b})
		outs = append(outs, o)
	}
	return outs, must(t)(d.Send(10 * time.Hour))
}

// Per message, MAIL, every RCPT and DATA share one round trip: 1 + n + 1
// become 1. The same bytes arrive either way.
func TestSMTPPipeliningSavesRoundTrips(t *testing.T) {
	for _, rcpts := range [][]string{{"alice@lab"}, {"alice@lab", "student@lab"}} {
		n := int64(len(rcpts))
		t.Run(strings.Join(rcpts, ","), func(t *testing.T) {
			stored := map[bool][][]byte{}
			turns := map[bool]int64{}
			for _, on := range []bool{false, true} {
				w := newWorld(t, dsl())
				d := w.device("Home PC", Policy{Mode: IMAPOnline, SMTPPipelining: on})
				outs, r := sendThree(t, d, rcpts)
				if r.Sent != 3 || len(d.Outbox()) != 0 || len(d.Messages("Sent")) != 3 || r.Connections != 1 {
					t.Fatalf("pipelining %v: sent %d, outbox %d, local Sent %d, %d connections",
						on, r.Sent, len(d.Outbox()), len(d.Messages("Sent")), r.Connections)
				}
				turns[on] = r.RoundTrips
				// greeting, EHLO, AUTH; per message the commands and the
				// text; QUIT.
				perMsg := 1 + n + 1 + 1
				if on {
					perMsg = 1 + 1
				}
				if want := 3 + 3*perMsg + 1; r.RoundTrips != want {
					t.Errorf("pipelining %v: %d round trips, want %d", on, r.RoundTrips, want)
				}
				for _, rc := range rcpts {
					user := strings.TrimSuffix(rc, "@lab")
					got := w.inbox(user)
					if len(got) != 3 {
						t.Fatalf("pipelining %v: %s has %d messages, want 3", on, user, len(got))
					}
					for i, m := range got {
						body := afterReceived(t, m.Raw)
						if !bytes.Equal(body, outs[i].Raw) {
							t.Errorf("pipelining %v: %s's message %d differs from the one sent:\n%q\nwant\n%q", on, user, i, body, outs[i].Raw)
						}
						stored[on] = append(stored[on], body)
					}
				}
				// On the wire: MAIL, the RCPTs and DATA leave together
				// (one write) pipelined, a round trip apart lock-step.
				cmds := w.tap.commands("Home PC")
				var groups int
				for i, l := range cmds {
					if !strings.HasPrefix(l.text, "MAIL FROM:") || i+int(n)+1 >= len(cmds) {
						continue
					}
					last := cmds[i+int(n)+1]
					if last.text != "DATA" {
						t.Fatalf("%q follows %q, want DATA", last.text, l.text)
					}
					if last.depart-l.depart < dsl().RTT() {
						groups++
					}
				}
				if want := map[bool]int{false: 0, true: 3}[on]; groups != want {
					t.Errorf("pipelining %v: %d MAIL/RCPT/DATA groups sent at once, want %d", on, groups, want)
				}
			}
			if saved := turns[false] - turns[true]; saved != 3*(n+1) {
				t.Errorf("pipelining saved %d round trips (%d → %d), want %d", saved, turns[false], turns[true], 3*(n+1))
			}
			t.Logf("%d recipient(s), 3 messages: %d round trips lock-step, %d pipelined", n, turns[false], turns[true])
			if len(stored[false]) != len(stored[true]) {
				t.Fatalf("stored %d lock-step, %d pipelined", len(stored[false]), len(stored[true]))
			}
			for i := range stored[false] {
				if !bytes.Equal(stored[false][i], stored[true][i]) {
					t.Errorf("message %d stored differently:\n%q\n%q", i, stored[false][i], stored[true][i])
				}
			}
		})
	}
}

func TestSMTPPipeliningDotStuffing(t *testing.T) {
	w := newWorld(t, dsl())
	d := w.device("Phone", Policy{Mode: IMAPOnline, SMTPPipelining: true})
	body := ".\n.hidden\n..\n. space\nlast line without newline\n."
	o, _ := d.Compose(9*time.Hour, Draft{To: []string{"alice@lab"}, Subject: "dots", Body: body})
	r := must(t)(d.Send(9 * time.Hour))
	if r.Sent != 1 {
		t.Fatalf("sent %d", r.Sent)
	}
	got := w.inbox("alice")
	if len(got) != 1 {
		t.Fatalf("alice has %d messages", len(got))
	}
	stored := afterReceived(t, got[0].Raw)
	if !bytes.Equal(stored, o.Raw) {
		t.Errorf("stored\n%q\nwant\n%q", stored, o.Raw)
	}
	if !bytes.Contains(stored, []byte("\r\n\r\n.\r\n.hidden\r\n..\r\n. space\r\n")) {
		t.Errorf("dot lines lost: %q", stored)
	}
	// And stuffed on the wire.
	var text []string
	for _, l := range w.tap.commands("Phone") {
		if l.text == "Subject: dots" || text != nil {
			text = append(text, l.text)
		}
	}
	want := []string{"", "..", "..hidden", "...", ".. space", "last line without newline", "..", "."}
	if len(text) < len(want) || strings.Join(text[len(text)-len(want)-1:len(text)-1], "|") != strings.Join(want, "|") {
		t.Errorf("text on the wire not dot-stuffed: %q", text)
	}
}

func TestSMTPPipeliningRefusals(t *testing.T) {
	w := newWorld(t, dsl())
	d := w.device("Phone", Policy{Mode: IMAPOnline, SMTPPipelining: true})
	d.Compose(9*time.Hour, Draft{To: []string{"alice@lab"}, Subject: "fine", Body: "ok"})
	d.Compose(9*time.Hour, Draft{To: []string{"nobody@lab"}, Subject: "to nobody", Body: "lost"})

	// The only recipient is refused: DATA is refused too (no valid
	// recipient), the session is at a command boundary and ends with QUIT.
	r, err := d.Send(9 * time.Hour)
	checkTotals(t, r)
	var se *smtp.SMTPError
	if err == nil || !strings.Contains(err.Error(), "RCPT TO:<nobody@lab>") || !errors.As(err, &se) || se.Code != 550 {
		t.Fatalf("Send to an unknown user = %v, want a 550 naming RCPT", err)
	}
	t.Logf("refused RCPT: %v", err)
	if !strings.Contains(err.Error(), `smtp send "to nobody"`) {
		t.Errorf("error %q does not name the message", err)
	}
	if r.Sent != 1 || len(w.inbox("alice")) != 1 || len(d.Messages("Sent")) != 1 {
		t.Errorf("sent %d, alice has %d, local Sent %d; want the first message through", r.Sent, len(w.inbox("alice")), len(d.Messages("Sent")))
	}
	if ob := d.Outbox(); len(ob) != 1 || ob[0].Subject != "to nobody" {
		t.Errorf("outbox = %+v, want the refused message kept", ob)
	}
	var quit bool
	for _, l := range w.tap.commands("Phone") {
		quit = quit || l.text == "QUIT"
	}
	if !quit {
		t.Errorf("no QUIT after a refused group")
	}

	// One recipient good, one refused: the server says 354 and wants the
	// text. Nothing may be delivered: the device drops the connection.
	d2 := w.device("Laptop", Policy{Mode: IMAPOnline, SMTPPipelining: true})
	d2.Compose(9*time.Hour, Draft{To: []string{"alice@lab", "nobody@lab"}, Subject: "half", Body: "half"})
	r, err = d2.Send(9 * time.Hour)
	checkTotals(t, r)
	if err == nil || !strings.Contains(err.Error(), "RCPT TO:<nobody@lab>") || !errors.As(err, &se) || se.Code != 550 {
		t.Fatalf("Send with one unknown user = %v, want a 550 naming RCPT", err)
	}
	t.Logf("refused RCPT after 354: %v", err)
	if r.Sent != 0 || len(d2.Outbox()) != 1 || len(d2.Messages("Sent")) != 0 {
		t.Errorf("sent %d, outbox %d, local Sent %d; want 0, 1, 0", r.Sent, len(d2.Outbox()), len(d2.Messages("Sent")))
	}

	// The server still works; alice got only the first message.
	d3 := w.device("Tablet", Policy{Mode: IMAPOnline, SMTPPipelining: true})
	d3.Compose(10*time.Hour, Draft{To: []string{"alice@lab"}, Subject: "later", Body: "later"})
	if r := must(t)(d3.Send(10 * time.Hour)); r.Sent != 1 {
		t.Errorf("later send: sent %d", r.Sent)
	}
	got := w.inbox("alice")
	if len(got) != 2 {
		t.Fatalf("alice has %d messages, want 2", len(got))
	}
	for _, m := range got {
		if strings.Contains(string(m.Raw), "Subject: half") {
			t.Errorf("the half-refused message was delivered")
		}
	}

	// A refused MAIL: every reply of the group is read, the error names
	// MAIL, the message stays.
	bad := New(Config{Name: "Broken", Account: Account{User: "student", Password: "secret", Address: "no-at-sign"},
		Servers: Servers{SMTP: smtpAddr}, Policy: Policy{Mode: IMAPOnline, SMTPPipelining: true}, Link: w.link})
	bad.Compose(11*time.Hour, Draft{To: []string{"alice@lab"}, Subject: "bad from", Body: "x"})
	r, err = bad.Send(11 * time.Hour)
	checkTotals(t, r)
	if err == nil || !strings.Contains(err.Error(), "MAIL FROM:<no-at-sign>") || !errors.As(err, &se) {
		t.Fatalf("Send from a bad address = %v, want an error naming MAIL", err)
	}
	t.Logf("refused MAIL: %v", err)
	if len(bad.Outbox()) != 1 || r.Sent != 0 {
		t.Errorf("outbox %d, sent %d after a refused MAIL", len(bad.Outbox()), r.Sent)
	}

	// The first device's refused message is retried, and refused again.
	if _, err := d.Send(12 * time.Hour); err == nil || len(d.Outbox()) != 1 {
		t.Errorf("retry: %v, outbox %d", err, len(d.Outbox()))
	}
	if n := len(w.inbox("alice")); n != 2 {
		t.Errorf("alice has %d messages at the end, want 2", n)
	}
}

// Implicit TLS pipelines too (go-smtp's client runs over the device's TLS
// conn); STARTTLS stays lock-step.
func TestSMTPPipeliningTLS(t *testing.T) {
	w := newWorldTLS(t, dsl())
	cliTLS := w.lab.ClientTLS()
	turns := map[string]int64{}
	for _, tc := range []struct {
		name string
		mode TLSMode
		addr string
		on   bool
	}{
		{"smtps-off", TLSImplicit, w.lab.Addr(lab.SMTPS), false},
		{"smtps-on", TLSImplicit, w.lab.Addr(lab.SMTPS), true},
		{"starttls-off", TLSStartTLS, smtpAddr, false},
		{"starttls-on", TLSStartTLS, smtpAddr, true},
	} {
		d := New(Config{Name: tc.name, Account: Account{User: "student", Password: "secret", Address: "student@lab"},
			Servers: Servers{SMTP: tc.addr}, Policy: Policy{Mode: IMAPOnline, SMTPPipelining: tc.on}, Link: w.link,
			TLSMode: tc.mode, TLS: cliTLS})
		for i := range 3 {
			d.Compose(9*time.Hour, Draft{To: []string{"alice@lab"}, Subject: tc.name, Body: strings.Repeat(".x\n", i*500+1)})
		}
		r := must(t)(d.Send(9 * time.Hour))
		if r.Sent != 3 {
			t.Errorf("%s: sent %d", tc.name, r.Sent)
		}
		turns[tc.name] = r.RoundTrips
	}
	if saved := turns["smtps-off"] - turns["smtps-on"]; saved != 6 {
		t.Errorf("implicit TLS: pipelining saved %d round trips (%v), want 6", saved, turns)
	}
	if turns["starttls-off"] != turns["starttls-on"] {
		t.Errorf("STARTTLS: %d round trips with pipelining, %d without; want the same", turns["starttls-on"], turns["starttls-off"])
	}
	t.Logf("round trips: %v", turns)
	if n := len(w.inbox("alice")); n != 12 {
		t.Errorf("alice got %d, want 12", n)
	}
}
