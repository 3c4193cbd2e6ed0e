package mua_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	. "github.com/mailscope/mailscope/sim/mua"
)

func TestPOP3DeleteEmptiesServerAndReadsOffline(t *testing.T) {
	w := newWorld(t, dsl())
	sent := w.seed(5, mailstore.GenOptions{Seed: 1})
	home := w.device("Home PC", Policy{Mode: POP3Delete})

	r := must(t)(home.CheckMail(9 * time.Hour))
	if r.Downloaded != 5 || r.DeletedOnServer != 5 {
		t.Errorf("Downloaded, DeletedOnServer = %d, %d, want 5, 5", r.Downloaded, r.DeletedOnServer)
	}
	if n := len(w.inbox("student")); n != 0 {
		t.Errorf("server INBOX has %d messages after POP3 delete, want 0", n)
	}
	if r.Start != 9*time.Hour || r.End <= r.Start {
		t.Errorf("Start, End = %v, %v; want 9h and later", r.Start, r.End)
	}
	if r.Connections != 1 || r.RoundTrips == 0 {
		t.Errorf("Connections, RoundTrips = %d, %d", r.Connections, r.RoundTrips)
	}
	if r.FirstReadable <= 0 || r.FirstReadable > r.Duration() {
		t.Errorf("FirstReadable = %v, want within (0, %v]", r.FirstReadable, r.Duration())
	}

	// Off the network, every message still reads.
	w.link.SetOffline(true)
	msgs := home.Messages("INBOX")
	if len(msgs) != 5 {
		t.Fatalf("device holds %d messages, want 5", len(msgs))
	}
	for i, m := range msgs {
		or, err := home.Open(10*time.Hour, m.ID)
		if err != nil {
			t.Fatalf("Open(%d) offline: %v", m.ID, err)
		}
		if !or.Offline || or.Connections != 0 {
			t.Errorf("Open offline used the network: %+v", or)
		}
		got, _ := home.Message(m.ID)
		if !got.Seen || got.Subject != sent[i].Subject {
			t.Errorf("message %d: Seen=%v Subject=%q, want true %q", m.ID, got.Seen, got.Subject, sent[i].Subject)
		}
	}
	if _, err := home.CheckMail(11 * time.Hour); !errors.Is(err, link.ErrOffline) {
		t.Errorf("CheckMail offline = %v, want link.ErrOffline", err)
	}
	if v := home.View(); v.OfflineReadable != 5 || v.Unread != 0 {
		t.Errorf("View = %+v", v)
	}
}

func TestPOP3LeaveOnServerDownloadsOnce(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(4, mailstore.GenOptions{Seed: 2})
	d := w.device("Laptop", Policy{Mode: POP3Keep})

	r1 := must(t)(d.CheckMail(9 * time.Hour))
	if r1.Downloaded != 4 {
		t.Errorf("first check downloaded %d, want 4", r1.Downloaded)
	}
	// Two more arrive; the second check takes only those.
	for i := range 2 {
		raw := "From: bob@lab\r\nTo: student@lab\r\nSubject: late " + string(rune('a'+i)) + "\r\n\r\nhello\r\n"
		if _, err := w.store.Deliver("student", []byte(raw), 9*time.Hour+time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	r2 := must(t)(d.CheckMail(10 * time.Hour))
	if r2.Downloaded != 2 {
		t.Errorf("second check downloaded %d, want 2", r2.Downloaded)
	}
	r3 := must(t)(d.CheckMail(11 * time.Hour))
	if r3.Downloaded != 0 || r3.FirstReadable != -1 {
		t.Errorf("third check downloaded %d (first readable %v), want 0 (-1)", r3.Downloaded, r3.FirstReadable)
	}
	if n := len(w.inbox("student")); n != 6 {
		t.Errorf("server keeps %d messages, want 6", n)
	}
	if n := len(d.Messages("INBOX")); n != 6 {
		t.Errorf("device holds %d messages, want 6", n)
	}
	if r3.PayloadDown >= r1.PayloadDown {
		t.Errorf("a check with nothing new moved %d bytes down, the first %d", r3.PayloadDown, r1.PayloadDown)
	}
}

func TestPOP3LeaveOnServerDeleteAfterDays(t *testing.T) {
	for _, pipelining := range []bool{false, true} {
		t.Run(map[bool]string{false: "lock-step", true: "pipelined"}[pipelining], func(t *testing.T) {
			w := newWorld(t, link.Profile{})
			w.seed(3, mailstore.GenOptions{Seed: 3})
			d := w.device("Laptop", Policy{Mode: POP3Keep, DeleteAfter: 7 * 24 * time.Hour, POP3Pipelining: pipelining})
			must(t)(d.CheckMail(9 * time.Hour))
			must(t)(d.CheckMail(3 * 24 * time.Hour))
			if n := len(w.inbox("student")); n != 3 {
				t.Fatalf("after 3 days the server has %d, want 3", n)
			}
			r := must(t)(d.CheckMail(8 * 24 * time.Hour))
			if r.DeletedOnServer != 3 || r.Downloaded != 0 {
				t.Errorf("DeletedOnServer, Downloaded = %d, %d, want 3, 0", r.DeletedOnServer, r.Downloaded)
			}
			if n := len(w.inbox("student")); n != 0 {
				t.Errorf("after 8 days the server has %d, want 0", n)
			}
			if n := len(d.Messages("INBOX")); n != 3 {
				t.Errorf("device holds %d, want 3", n)
			}
		})
	}
}

func TestPOP3TwoDevicesHomeTakesAll(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(6, mailstore.GenOptions{Seed: 4})
	home := w.device("Home PC", Policy{Mode: POP3Delete})
	laptop := w.device("Laptop", Policy{Mode: POP3Delete})

	must(t)(home.CheckMail(9 * time.Hour))
	r := must(t)(laptop.CheckMail(18 * time.Hour))
	if r.Downloaded != 0 || len(laptop.Messages("")) != 0 {
		t.Errorf("laptop downloaded %d, holds %d; want 0, 0", r.Downloaded, len(laptop.Messages("")))
	}
	if len(home.Messages("INBOX")) != 6 {
		t.Errorf("home holds %d, want 6", len(home.Messages("INBOX")))
	}
}

func TestPOP3PipeliningSavesRoundTrips(t *testing.T) {
	run := func(pipelining bool) ActionResult {
		w := newWorld(t, dsl())
		w.seed(10, mailstore.GenOptions{Seed: 5})
		d := w.device("Home PC", Policy{Mode: POP3Delete, POP3Pipelining: pipelining})
		r := must(t)(d.CheckMail(9 * time.Hour))
		if r.Downloaded != 10 || r.DeletedOnServer != 10 {
			t.Errorf("pipelining=%v: Downloaded, Deleted = %d, %d", pipelining, r.Downloaded, r.DeletedOnServer)
		}
		if n := len(w.inbox("student")); n != 0 {
			t.Errorf("pipelining=%v: %d left on server", pipelining, n)
		}
		return r
	}
	lock, pipe := run(false), run(true)
	// Lock-step: greeting, CAPA, USER, PASS, LIST, 10×(RETR, DELE), QUIT.
	if lock.RoundTrips < 25 {
		t.Errorf("lock-step round trips = %d, want ≥ 25", lock.RoundTrips)
	}
	if pipe.RoundTrips >= lock.RoundTrips/2 {
		t.Errorf("pipelined round trips = %d, lock-step %d: want less than half", pipe.RoundTrips, lock.RoundTrips)
	}
	if pipe.Duration() >= lock.Duration() {
		t.Errorf("pipelined took %v, lock-step %v", pipe.Duration(), lock.Duration())
	}
	if pipe.PayloadDown != lock.PayloadDown {
		t.Errorf("payload down differs: pipelined %d, lock-step %d", pipe.PayloadDown, lock.PayloadDown)
	}
}

func TestPOP3AuthPlain(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(1, mailstore.GenOptions{Seed: 6})
	plain := must(t)(w.device("Phone", Policy{Mode: POP3Keep, POP3Auth: AuthPlain}).CheckMail(0))
	user := must(t)(w.device("Laptop", Policy{Mode: POP3Keep}).CheckMail(0))
	if plain.Downloaded != 1 || user.Downloaded != 1 {
		t.Fatalf("downloaded %d and %d, want 1 and 1", plain.Downloaded, user.Downloaded)
	}
	if plain.RoundTrips != user.RoundTrips-1 {
		t.Errorf("AUTH PLAIN took %d round trips, USER/PASS %d: want one fewer", plain.RoundTrips, user.RoundTrips)
	}
}

func TestPOP3BadPasswordAndNoServer(t *testing.T) {
	w := newWorld(t, link.Profile{})
	d := New(Config{Name: "Phone", Account: Account{User: "student", Password: "wrong"},
		Servers: Servers{POP3: pop3Addr}, Link: w.link})
	r, err := d.CheckMail(0)
	if err == nil || !strings.Contains(err.Error(), "login") {
		t.Errorf("CheckMail with a bad password = %v", err)
	}
	if r.Connections != 1 {
		t.Errorf("Connections = %d, want 1", r.Connections)
	}
	// The client closed its end; the server closes its own when it reads EOF.
	for i := 0; len(w.link.Open()) != 0 && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if open := w.link.Open(); len(open) != 0 {
		t.Errorf("connections left open: %+v", open)
	}
	d2 := New(Config{Name: "x", Link: w.link, Policy: Policy{Mode: IMAPOnline}})
	if _, err := d2.CheckMail(0); !errors.Is(err, ErrNoServer) {
		t.Errorf("CheckMail without an IMAP server = %v, want ErrNoServer", err)
	}
}

func TestPOP3LocalSearch(t *testing.T) {
	w := newWorld(t, dsl())
	msgs := w.seed(20, mailstore.GenOptions{Seed: 7})
	word := strings.Fields(msgs[3].Subject)[0]
	want := 0
	for _, m := range msgs {
		if strings.Contains(strings.ToLower(string(m.Raw)), strings.ToLower(word)) {
			want++
		}
	}
	d := w.device("Home PC", Policy{Mode: POP3Delete})
	must(t)(d.CheckMail(9 * time.Hour))
	w.link.SetOffline(true)
	r, err := d.Search(10*time.Hour, "INBOX", word)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Offline || r.PayloadDown != 0 {
		t.Errorf("POP3 search used the network: %+v", r)
	}
	if len(r.Found) != want || want == 0 {
		t.Errorf("Search(%q) found %d, want %d", word, len(r.Found), want)
	}
}

func TestPOP3APOPKeepsThePasswordOffTheWire(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(2, mailstore.GenOptions{Seed: 8})
	d := w.device("Phone", Policy{Mode: POP3Keep, POP3Auth: AuthAPOP})
	r := must(t)(d.CheckMail(9 * time.Hour))
	if r.Downloaded != 2 {
		t.Errorf("APOP session downloaded %d, want 2", r.Downloaded)
	}
	var apop bool
	for _, l := range w.tap.commands("Phone") {
		if strings.Contains(l.text, "secret") {
			t.Errorf("the password crossed the link: %q", l.text)
		}
		apop = apop || strings.HasPrefix(l.text, "APOP student ")
	}
	if !apop {
		t.Errorf("no APOP command on the wire")
	}
}

func TestTLSModes(t *testing.T) {
	w := newWorldTLS(t, dsl())
	cliTLS := w.lab.ClientTLS()
	w.seed(3, mailstore.GenOptions{Seed: 9})
	plain := w.device("Plain", Policy{Mode: POP3Keep})
	base := must(t)(plain.CheckMail(9 * time.Hour))

	for _, tc := range []struct {
		name    string
		mode    TLSMode
		servers Servers
		policy  Policy
	}{
		{"pop3-stls", TLSStartTLS, Servers{SMTP: smtpAddr, POP3: pop3Addr}, Policy{Mode: POP3Keep}},
		{"pop3s", TLSImplicit, Servers{SMTP: w.lab.Addr(lab.SMTPS), POP3: w.lab.Addr(lab.POP3S)}, Policy{Mode: POP3Keep}},
		{"imap-starttls", TLSStartTLS, Servers{SMTP: smtpAddr, IMAP: imapAddr}, Policy{Mode: IMAPOffline}},
		{"imaps", TLSImplicit, Servers{SMTP: w.lab.Addr(lab.SMTPS), IMAP: w.lab.Addr(lab.IMAPS)}, Policy{Mode: IMAPOffline}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New(Config{Name: tc.name, Account: Account{User: "student", Password: "secret", Address: "student@lab"},
				Servers: tc.servers, Policy: tc.policy, Link: w.link, TLSMode: tc.mode, TLS: cliTLS})
			d.Compose(9*time.Hour, Draft{To: []string{"alice@lab"}, Subject: "over TLS", Body: "sealed"})
			r := must(t)(d.CheckMail(9 * time.Hour))
			if r.Downloaded != 3 || r.Sent != 1 {
				t.Errorf("downloaded %d, sent %d; want 3, 1", r.Downloaded, r.Sent)
			}
			for _, l := range w.tap.commands(tc.name) {
				if strings.Contains(l.text, "sealed") || strings.Contains(l.text, "AUTH PLAIN") || strings.Contains(l.text, "LOGIN") {
					t.Errorf("cleartext on the wire: %q", l.text)
				}
			}
			if tc.policy.Mode == POP3Keep && r.PayloadDown <= base.PayloadDown {
				t.Errorf("TLS session moved %d bytes down, plain %d", r.PayloadDown, base.PayloadDown)
			}
		})
	}
	if n := len(w.inbox("alice")); n != 4 {
		t.Errorf("alice got %d messages over TLS, want 4", n)
	}
}

// A lock-step POP3 session on the virtual clock lasts exactly its set-up,
// its round trips and its bytes through the bandwidth (nothing overlaps,
// the servers think in no time): the metrics add up.
func TestPOP3LockStepTimeAddsUp(t *testing.T) {
	for _, prof := range []link.Profile{dsl(),
		{ID: "modem", DownBps: 50_000, UpBps: 33_600, Latency: 75 * time.Millisecond, MSS: 536, HeaderBytes: 40, FramingBytes: 8, HandshakeRTTs: 1}} {
		t.Run(prof.ID, func(t *testing.T) {
			w := newWorld(t, prof)
			w.seed(10, mailstore.GenOptions{Seed: 23, TextSize: 3000})
			r := must(t)(w.device("Home PC", Policy{Mode: POP3Delete}).CheckMail(9 * time.Hour))
			want := prof.Setup() + time.Duration(r.RoundTrips)*prof.RTT() +
				link.Serialise(r.WireUp, prof.UpBps) + link.Serialise(r.WireDown, prof.DownBps)
			if diff := (r.Duration() - want).Abs(); diff > want/200 {
				t.Errorf("took %v; set-up + %d round trips + bytes/bandwidth = %v (off by %v)", r.Duration(), r.RoundTrips, want, diff)
			}
		})
	}
}

func TestPOP3DroppedSessionDeletesNothing(t *testing.T) {
	w := newWorld(t, dsl())
	w.seed(6, mailstore.GenOptions{Seed: 24, TextSize: 2000})
	d := w.device("Home PC", Policy{Mode: POP3Delete})
	// The line drops in the middle of the download.
	w.link.InjectNext(link.ResetAfter{Dir: link.Down, Bytes: 6000})
	r, err := d.CheckMail(9 * time.Hour)
	if !errors.Is(err, link.ErrReset) {
		t.Fatalf("CheckMail over a dropped line = %v, want link.ErrReset", err)
	}
	checkTotals(t, r)
	if r.Downloaded == 0 || r.Downloaded == 6 {
		t.Errorf("downloaded %d before the drop, want some", r.Downloaded)
	}
	if n := len(w.inbox("student")); n != 6 {
		t.Errorf("server has %d after a dropped session, want all 6 (no QUIT, no UPDATE)", n)
	}
	// The server learns of the reset a moment later, when its read fails;
	// until then the maildrop stays locked ([IN-USE]), as on a real server.
	waitUnlocked(t, w.store, "student")
	// Without UIDLs the next session fetches everything again.
	r2 := must(t)(d.CheckMail(10 * time.Hour))
	if r2.Downloaded != 6 || len(w.inbox("student")) != 0 {
		t.Errorf("retry downloaded %d, server left with %d", r2.Downloaded, len(w.inbox("student")))
	}
	if n := len(d.Messages("INBOX")); n != r.Downloaded+6 {
		t.Errorf("device holds %d, want %d (duplicates from the dropped session)", n, r.Downloaded+6)
	}
}
