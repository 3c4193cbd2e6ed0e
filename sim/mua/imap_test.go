package mua_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	. "github.com/mailscope/mailscope/sim/mua"
)

func TestIMAPTwoDevicesShareMailboxAndSeen(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(5, mailstore.GenOptions{Seed: 10})
	home := w.device("Home PC", Policy{Mode: IMAPOffline})
	laptop := w.device("Laptop", Policy{Mode: IMAPOnline})

	r := must(t)(home.CheckMail(9 * time.Hour))
	if r.Downloaded != 5 {
		t.Errorf("home downloaded %d, want 5", r.Downloaded)
	}
	msgs := home.Messages("INBOX")
	// Home reads two online (MarkRead) and one offline (Open of a local body).
	must(t)(home.MarkRead(9*time.Hour+time.Minute, msgs[0].ID, true))
	must(t)(home.MarkRead(9*time.Hour+2*time.Minute, msgs[1].ID, true))
	or := must(t)(home.Open(9*time.Hour+3*time.Minute, msgs[2].ID))
	if !or.Offline {
		t.Errorf("opening a synchronised message used the network")
	}

	lr := must(t)(laptop.CheckMail(18 * time.Hour))
	if lr.HeadersOnly != 5 || lr.Downloaded != 0 {
		t.Errorf("laptop: headers %d, bodies %d; want 5, 0", lr.HeadersOnly, lr.Downloaded)
	}
	seen := func(d *Device) (n int) {
		for _, m := range d.Messages("INBOX") {
			if m.Seen {
				n++
			}
		}
		return n
	}
	if n := seen(laptop); n != 2 {
		t.Errorf("laptop sees %d read, want 2 (the offline read is not on the server yet)", n)
	}
	// Home's next logon pushes the offline read mark.
	must(t)(home.CheckMail(19 * time.Hour))
	must(t)(laptop.CheckMail(20 * time.Hour))
	if n := seen(laptop); n != 3 {
		t.Errorf("laptop sees %d read, want 3", n)
	}
	if n := len(w.inbox("student")); n != 5 {
		t.Errorf("server has %d, want 5", n)
	}
	for _, m := range w.inbox("student")[:3] {
		if !m.HasFlag(`\Seen`) {
			t.Errorf("server message %d lacks \\Seen: %v", m.UID, m.Flags)
		}
	}
	// And back: the laptop marks one unread; home's resync sees it.
	must(t)(laptop.MarkRead(21*time.Hour, laptop.Messages("INBOX")[0].ID, false))
	must(t)(home.CheckMail(22 * time.Hour))
	if m, _ := home.Message(msgs[0].ID); m.Seen {
		t.Errorf("home still sees message %d read after the laptop cleared \\Seen", m.ID)
	}
}

func TestIMAPOnlineHeadersUntilOpen(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(8, mailstore.GenOptions{Seed: 11, TextSize: 4000})
	d := w.device("Phone", Policy{Mode: IMAPOnline})
	r := must(t)(d.CheckMail(9 * time.Hour))
	if r.HeadersOnly != 8 || r.Downloaded != 0 || r.FirstReadable != -1 {
		t.Errorf("check: headers %d, bodies %d, first readable %v; want 8, 0, -1", r.HeadersOnly, r.Downloaded, r.FirstReadable)
	}
	var total int64
	for _, m := range d.Messages("INBOX") {
		if m.Readable() {
			t.Errorf("message %d has a body before Open", m.ID)
		}
		if m.Subject == "" || m.Size == 0 {
			t.Errorf("message %d has no subject or size: %+v", m.ID, m)
		}
		total += m.Size
	}
	if r.PayloadDown >= total {
		t.Errorf("headers-only check moved %d bytes down, the messages are %d", r.PayloadDown, total)
	}
	m := d.Messages("INBOX")[2]
	or := must(t)(d.Open(10*time.Hour, m.ID))
	if or.Downloaded != 1 || or.Offline || or.PayloadDown < m.Size {
		t.Errorf("Open: downloaded %d, offline %v, %d bytes down for a %d-byte message", or.Downloaded, or.Offline, or.PayloadDown, m.Size)
	}
	got, _ := d.Message(m.ID)
	if !got.Readable() || !got.Seen || int64(len(got.Raw)) != m.Size {
		t.Errorf("after Open: readable %v, seen %v, %d bytes (size %d)", got.Readable(), got.Seen, len(got.Raw), m.Size)
	}
	if sm, _ := w.store.Message("student", "INBOX", got.UID); !sm.HasFlag(`\Seen`) {
		t.Errorf("server lacks \\Seen after Open: %v", sm.Flags)
	}
	// Offline, only the opened message reads.
	w.link.SetOffline(true)
	if _, err := d.Open(11*time.Hour, m.ID); err != nil {
		t.Errorf("reopening offline: %v", err)
	}
	other := d.Messages("INBOX")[0]
	if _, err := d.Open(11*time.Hour, other.ID); !errors.Is(err, ErrNotDownloaded) || !errors.Is(err, link.ErrOffline) {
		t.Errorf("opening an undownloaded message offline = %v, want ErrNotDownloaded and link.ErrOffline", err)
	}
	if v := d.View(); v.Visible != 8 || v.OfflineReadable != 1 {
		t.Errorf("View = %+v, want 8 visible, 1 readable", v)
	}
}

func TestIMAPHeadersFirstVersusWhole(t *testing.T) {
	run := func(p Policy) ActionResult {
		w := newWorld(t, dsl())
		w.seed(10, mailstore.GenOptions{Seed: 12, TextSize: 3000})
		return must(t)(w.device("Home PC", p).CheckMail(9 * time.Hour))
	}
	online := run(Policy{Mode: IMAPOnline})
	whole := run(Policy{Mode: IMAPOffline})
	split := run(Policy{Mode: IMAPOffline, IMAPHeadersThenBodies: true})
	if online.PayloadDown >= whole.PayloadDown {
		t.Errorf("headers only moved %d bytes down, whole messages %d", online.PayloadDown, whole.PayloadDown)
	}
	if whole.Downloaded != 10 || split.Downloaded != 10 || split.HeadersOnly != 0 {
		t.Errorf("downloaded: whole %d, split %d (+%d headers only)", whole.Downloaded, split.Downloaded, split.HeadersOnly)
	}
	// One more FETCH, one more round trip. (Durations, not ClientTurns:
	// imapclient writes and reads in two goroutines, and the link can miss
	// a turn when the reply is read before the write has returned.)
	if extra := split.Duration() - whole.Duration(); extra < dsl().RTT() {
		t.Errorf("headers-then-bodies took %v, whole %v: want at least one more round trip", split.Duration(), whole.Duration())
	}
	if split.FirstReadable <= whole.FirstReadable {
		t.Errorf("first readable: headers-then-bodies %v, whole %v", split.FirstReadable, whole.FirstReadable)
	}
	if split.PayloadDown <= whole.PayloadDown {
		t.Errorf("headers-then-bodies moved %d bytes down, whole %d: want more", split.PayloadDown, whole.PayloadDown)
	}
}

func TestIMAPSearchOnServerVersusPOP3Local(t *testing.T) {
	w := newWorld(t, dsl())
	msgs := w.seed(40, mailstore.GenOptions{Seed: 13})
	word := strings.Fields(msgs[7].Subject)[0]
	want := 0
	for _, m := range msgs {
		if strings.Contains(strings.ToLower(string(m.Raw)), strings.ToLower(word)) {
			want++
		}
	}
	imapDev := w.device("Laptop", Policy{Mode: IMAPOnline})
	check := must(t)(imapDev.CheckMail(9 * time.Hour))
	sr := must(t)(imapDev.Search(9*time.Hour+time.Minute, "INBOX", word))
	if sr.ServerMatches != want || len(sr.Found) != want {
		t.Errorf("IMAP SEARCH %q: server %d, local IDs %d; want %d", word, sr.ServerMatches, len(sr.Found), want)
	}
	if sr.Offline || sr.RoundTrips == 0 {
		t.Errorf("IMAP search did not go to the server: %+v", sr)
	}

	pop := w.device("Home PC", Policy{Mode: POP3Keep})
	pc := must(t)(pop.CheckMail(9 * time.Hour))
	pr := must(t)(pop.Search(9*time.Hour+time.Minute, "INBOX", word))
	if len(pr.Found) != want || !pr.Offline {
		t.Errorf("POP3 local search: %d found (offline %v), want %d", len(pr.Found), pr.Offline, want)
	}
	// To search, POP3 had to download everything; IMAP only headers and the search.
	if pc.PayloadDown <= check.PayloadDown+sr.PayloadDown {
		t.Errorf("POP3 moved %d bytes down to search, IMAP %d", pc.PayloadDown, check.PayloadDown+sr.PayloadDown)
	}
}

func TestIMAPMoveSeenFromSecondDevice(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(4, mailstore.GenOptions{Seed: 14})
	home := w.device("Home PC", Policy{Mode: IMAPOffline})
	laptop := w.device("Laptop", Policy{Mode: IMAPOnline})
	must(t)(home.CheckMail(9 * time.Hour))
	m := home.Messages("INBOX")[1]
	must(t)(home.Move(9*time.Hour+time.Minute, m.ID, "Projects"))
	moved, _ := home.Message(m.ID)
	if moved.Folder != "Projects" || moved.UID == 0 || !moved.Readable() {
		t.Errorf("after Move: %+v", moved)
	}
	// And an existing folder.
	must(t)(home.Move(9*time.Hour+2*time.Minute, home.Messages("INBOX")[0].ID, "Archive"))

	r := must(t)(laptop.CheckFolders(18*time.Hour, "INBOX", "Projects", "Archive"))
	if r.Connections != 1 {
		t.Errorf("CheckFolders used %d connections, want 1", r.Connections)
	}
	if n := len(laptop.Messages("INBOX")); n != 2 {
		t.Errorf("laptop INBOX has %d, want 2", n)
	}
	p := laptop.Messages("Projects")
	if len(p) != 1 || p[0].Subject != m.Subject {
		t.Errorf("laptop Projects = %+v, want %q", p, m.Subject)
	}
	if n := len(laptop.Messages("Archive")); n != 1 {
		t.Errorf("laptop Archive has %d, want 1", n)
	}
	if ms, _ := w.store.Messages("student", "Projects"); len(ms) != 1 {
		t.Errorf("server Projects has %d, want 1", len(ms))
	}
}

func TestIMAPDeleteExpungesEverywhere(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(3, mailstore.GenOptions{Seed: 15})
	home := w.device("Home PC", Policy{Mode: IMAPOnline})
	laptop := w.device("Laptop", Policy{Mode: IMAPOnline})
	must(t)(home.CheckMail(9 * time.Hour))
	must(t)(laptop.CheckMail(9 * time.Hour))
	r := must(t)(home.Delete(10*time.Hour, home.Messages("INBOX")[0].ID))
	if r.DeletedOnServer != 1 {
		t.Errorf("DeletedOnServer = %d", r.DeletedOnServer)
	}
	if n := len(w.inbox("student")); n != 2 {
		t.Errorf("server has %d, want 2", n)
	}
	must(t)(laptop.CheckMail(11 * time.Hour))
	if n := len(laptop.Messages("INBOX")); n != 2 {
		t.Errorf("laptop has %d after the other device deleted one, want 2", n)
	}
	// Offline, a server-side delete cannot happen.
	laptop.GoOffline(12 * time.Hour)
	if _, err := laptop.Delete(12*time.Hour, laptop.Messages("INBOX")[0].ID); !errors.Is(err, ErrWorkingOffline) {
		t.Errorf("Delete while working offline = %v, want ErrWorkingOffline", err)
	}
}

func TestIMAPIdleNoticesDelivery(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(2, mailstore.GenOptions{Seed: 16})
	phone := w.device("Phone", Policy{Mode: IMAPOnline})
	sender := New(Config{Name: "Alice PC", Account: Account{User: "alice", Password: "secret", Address: "alice@lab"},
		Servers: Servers{SMTP: smtpAddr}, Link: w.link})

	is, r, err := phone.StartIdle(8 * time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, r)
	if r.HeadersOnly != 2 {
		t.Errorf("IDLE start synchronised %d, want 2", r.HeadersOnly)
	}
	sender.Compose(9*time.Hour, Draft{To: []string{"student@lab"}, Subject: "push me", Body: "hello"})
	sr := must(t)(sender.Send(9 * time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wr, err := is.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, wr)
	if wr.Connections != 0 || wr.HeadersOnly != 1 {
		t.Errorf("IDLE wait: %d new connections, %d headers; want 0, 1", wr.Connections, wr.HeadersOnly)
	}
	if wr.Noticed < sr.Start || wr.Noticed > sr.End+time.Second {
		t.Errorf("EXISTS noticed at %v; the message was sent %v..%v", wr.Noticed, sr.Start, sr.End)
	}
	ms := phone.Messages("INBOX")
	if len(ms) != 3 || ms[2].Subject != "push me" {
		t.Errorf("phone INBOX after IDLE: %d messages, last %q", len(ms), ms[len(ms)-1].Subject)
	}
	must(t)(is.Stop(10 * time.Hour))
}

func TestIMAPStayConnected(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(4, mailstore.GenOptions{Seed: 17})
	stay := w.device("Laptop", Policy{Mode: IMAPOnline, IMAPStayConnected: true})
	each := w.device("Phone", Policy{Mode: IMAPOnline})

	c1 := must(t)(stay.CheckMail(9 * time.Hour))
	must(t)(each.CheckMail(9 * time.Hour))
	if c1.Connections != 1 {
		t.Fatalf("first check: %d connections", c1.Connections)
	}
	o1 := must(t)(stay.Open(10*time.Hour, stay.Messages("INBOX")[0].ID))
	o2 := must(t)(each.Open(10*time.Hour, each.Messages("INBOX")[0].ID))
	if o1.Connections != 0 || o1.Reused != 1 || o2.Connections != 1 {
		t.Errorf("Open: kept session %d new + %d reused, fresh %d new", o1.Connections, o1.Reused, o2.Connections)
	}
	if o1.Start != 10*time.Hour || o1.Duration() >= o2.Duration() {
		t.Errorf("Open on the kept session %v (from %v), on a new one %v", o1.Duration(), o1.Start, o2.Duration())
	}
	if o1.Downloaded != 1 {
		t.Errorf("Open on the kept session downloaded %d", o1.Downloaded)
	}

	// The modem hangs up: the kept connection is reset; the next action
	// after reconnecting opens a new one.
	w.link.SetOffline(true)
	w.link.SetOffline(false)
	r := must(t)(stay.MarkRead(11*time.Hour, stay.Messages("INBOX")[1].ID, true))
	if r.Connections != 1 || r.Reused != 0 {
		t.Errorf("after a reset: %d new, %d reused connections", r.Connections, r.Reused)
	}
	must(t)(stay.Close(12 * time.Hour))
	for i := 0; len(w.link.Open()) != 0 && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if open := w.link.Open(); len(open) != 0 {
		t.Errorf("connections left open after Close: %+v", open)
	}
}
