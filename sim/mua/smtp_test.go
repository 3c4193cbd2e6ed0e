package mua_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	. "github.com/mailscope/mailscope/sim/mua"
)

func TestComposeOfflineSendOnNextLogon(t *testing.T) {
	for _, mode := range []Mode{POP3Delete, IMAPOffline} {
		t.Run(mode.String(), func(t *testing.T) {
			w := newWorld(t, dsl())
			w.seed(2, mailstore.GenOptions{Seed: 20})
			d := w.device("Home PC", Policy{Mode: mode})
			must(t)(d.CheckMail(9 * time.Hour))
			orig := d.Messages("INBOX")[0]

			// The modem hangs up; the user reads and replies offline.
			w.link.SetOffline(true)
			if _, err := d.Open(9*time.Hour+time.Minute, orig.ID); err != nil {
				t.Fatalf("Open offline: %v", err)
			}
			o, cr := d.Compose(9*time.Hour+2*time.Minute, Draft{To: []string{"alice@lab"}, Subject: "Re: " + orig.Subject,
				Body: "Thanks.\n.\n..a dot line\n", InReplyTo: orig.MessageID})
			if !cr.Offline || len(d.Outbox()) != 1 {
				t.Fatalf("Compose: offline %v, outbox %d", cr.Offline, len(d.Outbox()))
			}
			if _, err := d.Send(9*time.Hour + 3*time.Minute); !errors.Is(err, link.ErrOffline) {
				t.Errorf("Send offline = %v, want link.ErrOffline", err)
			}
			if len(d.Outbox()) != 1 {
				t.Errorf("outbox lost the message after a failed send")
			}
			if n := len(w.inbox("alice")); n != 0 {
				t.Errorf("alice got %d before the next logon", n)
			}

			// Next logon: the outbox goes first, then the mail comes in.
			w.link.SetOffline(false)
			r := must(t)(d.CheckMail(18 * time.Hour))
			if r.Sent != 1 || len(d.Outbox()) != 0 {
				t.Errorf("Sent = %d, outbox %d; want 1, 0", r.Sent, len(d.Outbox()))
			}
			if r.Connections != 2 || r.Conns[0].Protocol != "smtp" {
				t.Errorf("CheckMail connections = %d (first %q), want 2 starting with smtp", r.Connections, r.Conns[0].Protocol)
			}
			got := w.inbox("alice")
			if len(got) != 1 {
				t.Fatalf("alice has %d messages, want 1", len(got))
			}
			raw := string(got[0].Raw)
			if !strings.Contains(raw, "Subject: Re: "+orig.Subject) || !strings.Contains(raw, "\r\n.\r\n..a dot line\r\n") ||
				!strings.Contains(raw, "In-Reply-To: <"+orig.MessageID+">") {
				t.Errorf("delivered message:\n%s\nwant the reply with its dot lines intact (o=%q)", raw, o.Raw)
			}
			if s := d.Messages("Sent"); len(s) != 1 || !s[0].Readable() {
				t.Errorf("local Sent = %+v", s)
			}
		})
	}
}

func TestGoOfflineGoOnline(t *testing.T) {
	w := newWorld(t, dsl())
	d := w.device("Laptop", Policy{Mode: IMAPOnline})
	d.GoOffline(9 * time.Hour)
	if _, err := d.CheckMail(9 * time.Hour); !errors.Is(err, ErrWorkingOffline) {
		t.Errorf("CheckMail working offline = %v, want ErrWorkingOffline", err)
	}
	d.Compose(9*time.Hour, Draft{To: []string{"alice@lab"}, Subject: "one", Body: "1"})
	d.Compose(9*time.Hour, Draft{To: []string{"alice@lab", "student@lab"}, Subject: "two", Body: "2"})
	r := must(t)(d.GoOnline(10 * time.Hour))
	if r.Sent != 2 || r.Start != 10*time.Hour || r.Connections != 1 {
		t.Errorf("GoOnline: sent %d at %v over %d connections", r.Sent, r.Start, r.Connections)
	}
	if a, s := len(w.inbox("alice")), len(w.inbox("student")); a != 2 || s != 1 {
		t.Errorf("alice has %d, student %d; want 2, 1", a, s)
	}
	// Submission is lock-step: go-smtp's client has no PIPELINING, so each
	// of greeting, EHLO, AUTH, and per message MAIL, RCPT×n, DATA, the
	// text, and QUIT costs a round trip (Policy.SMTPPipelining: see
	// TestSMTPPipeliningSavesRoundTrips).
	if want := int64(1 + 1 + 1 + (1 + 1 + 1 + 1) + (1 + 2 + 1 + 1) + 1); r.RoundTrips != want {
		t.Errorf("submission took %d round trips, want %d", r.RoundTrips, want)
	}
}

func TestSaveSentAppendsToServer(t *testing.T) {
	w := newWorld(t, dsl())
	d := w.device("Home PC", Policy{Mode: IMAPOffline, SaveSent: true})
	body := strings.Repeat("A long line of text for a message above four kilobytes.\n", 100)
	d.Compose(9*time.Hour, Draft{To: []string{"alice@lab"}, Subject: "big", Body: body})
	r := must(t)(d.Send(9 * time.Hour))
	if r.Connections != 2 || r.Conns[1].Protocol != "imap" {
		t.Fatalf("Send with SaveSent: %d connections", r.Connections)
	}
	sent, err := w.store.Messages("student", "Sent")
	if err != nil || len(sent) != 1 || !sent[0].HasFlag(`\Seen`) {
		t.Fatalf("server Sent = %v, %v", sent, err)
	}
	// The message crossed the link twice: SMTP and APPEND.
	if r.PayloadUp < 2*int64(len(body)) {
		t.Errorf("payload up %d, want at least twice the %d-byte body", r.PayloadUp, len(body))
	}
}

func TestMetricsMatchTheWire(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(6, mailstore.GenOptions{Seed: 21, TextSize: 2000})
	pop := w.device("Home PC", Policy{Mode: POP3Keep, POP3Pipelining: true})
	imapDev := w.device("Laptop", Policy{Mode: IMAPOnline})
	var rs []ActionResult
	rs = append(rs, must(t)(pop.CheckMail(9*time.Hour)))
	pop.Compose(9*time.Hour+time.Minute, Draft{To: []string{"alice@lab"}, Subject: "hi", Body: "hi"})
	rs = append(rs, must(t)(pop.Send(9*time.Hour+2*time.Minute)))
	rs = append(rs, must(t)(imapDev.CheckMail(9*time.Hour)))
	rs = append(rs, must(t)(imapDev.Open(9*time.Hour+time.Minute, imapDev.Messages("INBOX")[0].ID)))
	rs = append(rs, must(t)(imapDev.Search(9*time.Hour+2*time.Minute, "INBOX", "the")))

	sum := map[string]*[2]int64{}
	for _, r := range rs {
		if r.RoundTrips <= 0 || r.Connections != 1 && r.Action != "check-mail" {
			t.Errorf("%s %s: %d round trips, %d connections", r.Device, r.Action, r.RoundTrips, r.Connections)
		}
		if r.WireUp <= r.PayloadUp || r.WireDown <= r.PayloadDown {
			t.Errorf("%s %s: wire %d/%d not above payload %d/%d", r.Device, r.Action, r.WireUp, r.WireDown, r.PayloadUp, r.PayloadDown)
		}
		// With latency, an action lasts at least its round trips.
		if min := time.Duration(r.RoundTrips) * 2 * dsl().Latency; r.Duration() < min {
			t.Errorf("%s %s: %v for %d round trips", r.Device, r.Action, r.Duration(), r.RoundTrips)
		}
		if sum[r.Device] == nil {
			sum[r.Device] = new([2]int64)
		}
		sum[r.Device][0] += r.PayloadUp
		sum[r.Device][1] += r.PayloadDown
	}
	for dev, s := range sum {
		up, down := w.tap.sent(dev)
		if up != s[0] || down != s[1] {
			t.Errorf("%s: results say %d up, %d down; the tap saw %d, %d", dev, s[0], s[1], up, down)
		}
	}

	// Pipelining really batched: every RETR left (one write, back to back)
	// before any answer could have come back.
	var retr []tapLine
	for _, l := range w.tap.commands("Home PC") {
		if strings.HasPrefix(l.text, "RETR ") {
			retr = append(retr, l)
		}
	}
	if len(retr) != 6 {
		t.Fatalf("%d RETR commands on the wire, want 6", len(retr))
	}
	for _, l := range retr[1:] {
		if l.depart-retr[0].depart >= dsl().RTT() {
			t.Errorf("%q left at %v, the first RETR at %v: not pipelined", l.text, l.depart, retr[0].depart)
		}
	}
}

func TestActionsDoNotStartBeforeThePreviousEnds(t *testing.T) {
	w := newWorld(t, link.Profile{ID: "slow", DownBps: 50_000, UpBps: 33_600, Latency: 75 * time.Millisecond, HandshakeRTTs: 1})
	w.seed(10, mailstore.GenOptions{Seed: 22, TextSize: 5000})
	d := w.device("Home PC", Policy{Mode: POP3Delete})
	r1 := must(t)(d.CheckMail(9 * time.Hour))
	if r1.Duration() < time.Second {
		t.Fatalf("50 KB over 50 kbit/s took %v", r1.Duration())
	}
	// Asked to start before the first ended, the second waits for it.
	r2 := must(t)(d.CheckMail(9 * time.Hour))
	if r2.Start != r1.End || d.Now() != r2.End {
		t.Errorf("second check %v..%v, first ended %v, device now %v", r2.Start, r2.End, r1.End, d.Now())
	}
}
