package lessonrun

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
)

func act(do string, with map[string]lessons.Value) *lessons.Action {
	return &lessons.Action{Do: do, With: with}
}

// detect asks Detect and fails the test on an error.
func detect(t *testing.T, r *Runner, a *lessons.Action, since uint64) bool {
	t.Helper()
	done, detail, err := r.Detect(a, since)
	if err != nil {
		t.Fatalf("Detect(%s) = %v", a.Do, err)
	}
	if detail == "" {
		t.Errorf("Detect(%s) says nothing", a.Do)
	}
	if testing.Verbose() {
		t.Logf("Detect(%s %v) = %v: %s", a.Do, a.With, done, detail)
	}
	return done
}

// use runs one of the learner's own actions on a device, as the app's
// buttons do: through the lab, at the live clock's now.
func use(t *testing.T, l *lab.Lab, device string, fn func(d *mua.Device, at time.Duration) error) {
	t.Helper()
	if err := l.UseDevice(device, func(d *mua.Device) error { return fn(d, l.Link.LiveClock().Now()) }); err != nil {
		t.Fatalf("%s: %v", device, err)
	}
}

func seq(l *lab.Lab) uint64 { return l.Trace.Snapshot().Seq }

// Each action a learner may be asked for is seen in the lab once they
// have done it, and not before; what happened before the step opened
// does not count.
func TestDetect(t *testing.T) {
	l := liveLab(t, 0, "")
	r, _ := attach(t, l, AttachOptions{})
	to := lessons.Str("student@mailscope.lab")
	sendTo := func(device, rcpt, subject string) {
		use(t, l, device, func(d *mua.Device, at time.Duration) error {
			d.Compose(at, mua.Draft{To: []string{rcpt}, Subject: subject, Body: "hi\n"})
			_, err := d.Send(at)
			return err
		})
	}
	send := func(device, subject string) {
		use(t, l, device, func(d *mua.Device, at time.Duration) error {
			d.Compose(at, mua.Draft{To: []string{"student@mailscope.lab"}, Subject: subject, Body: "hi\n"})
			_, err := d.Send(at)
			return err
		})
	}

	t.Run("send", func(t *testing.T) {
		a := act("send", map[string]lessons.Value{"from": lessons.Str("Laptop"), "to": to})
		since := seq(l)
		if detect(t, r, a, since) {
			t.Fatal("done before the Laptop sent")
		}
		send("Phone", "from the phone")
		if detect(t, r, a, since) {
			t.Error("the Phone's message counted as the Laptop's")
		}
		sendTo("Laptop", "alice@mailscope.lab", "to someone else")
		if detect(t, r, a, since) {
			t.Error("the Laptop's message to alice counted as one to student")
		}
		send("Laptop", "from the laptop")
		if !detect(t, r, a, since) {
			t.Error("the Laptop's message was not seen")
		}
		if detect(t, r, a, seq(l)) {
			t.Error("a message sent before the step opened counted")
		}
		// From a client that is no device (an outside mail program): any
		// accepted message will do.
		outside := act("send", map[string]lessons.Value{"from": lessons.Str("Thunderbird"), "to": to})
		since = seq(l)
		if detect(t, r, outside, since) {
			t.Fatal("done before anyone sent")
		}
		send("Phone", "again")
		if !detect(t, r, outside, since) {
			t.Error("an accepted message from any client was not seen")
		}
	})

	t.Run("send refused", func(t *testing.T) {
		if err := l.Store.SetQuota("student", 1); err != nil {
			t.Fatal(err)
		}
		defer l.Store.SetQuota("student", 0)
		a := act("send", map[string]lessons.Value{"from": lessons.Str("Laptop"), "to": to})
		since := seq(l)
		l.UseDevice("Laptop", func(d *mua.Device) error {
			at := l.Link.LiveClock().Now()
			d.Compose(at, mua.Draft{To: []string{"student@mailscope.lab"}, Subject: "too big", Body: "hi\n"})
			_, err := d.Send(at)
			if err == nil {
				t.Error("the send over quota went through")
			}
			return nil
		})
		done, detail, _ := r.Detect(a, since)
		if !done || !strings.Contains(detail, "refused") || !strings.Contains(detail, "552") {
			t.Errorf("a message the server refused over quota = %v, %q; want done, saying it was refused with 552", done, detail)
		}
		// The refused message waits in the Laptop's outbox; drop it.
		l.UseDevice("Laptop", func(d *mua.Device) error {
			for _, o := range d.Outbox() {
				d.Delete(l.Link.LiveClock().Now(), o.ID)
			}
			return nil
		})
	})

	t.Run("check-mail", func(t *testing.T) {
		send("Phone", "waiting")
		for _, device := range []string{"Laptop", "Phone", "Home PC"} {
			a := act("check-mail", map[string]lessons.Value{"device": lessons.Str(device)})
			since := seq(l)
			if detect(t, r, a, since) {
				t.Fatalf("%s: done before it checked", device)
			}
			other := map[string]string{"Laptop": "Phone", "Phone": "Laptop", "Home PC": "Laptop"}[device]
			use(t, l, other, func(d *mua.Device, at time.Duration) error { _, err := d.CheckMail(at); return err })
			if detect(t, r, a, since) {
				t.Errorf("%s: the %s's check counted", device, other)
			}
			use(t, l, device, func(d *mua.Device, at time.Duration) error { _, err := d.CheckMail(at); return err })
			if !detect(t, r, a, since) {
				t.Errorf("%s: its check was not seen", device)
			}
		}
		// Opening a message over IMAP is no check.
		send("Laptop", "to open")
		use(t, l, "Phone", func(d *mua.Device, at time.Duration) error { _, err := d.CheckMail(at); return err })
		a := act("check-mail", map[string]lessons.Value{"device": lessons.Str("Phone")})
		since := seq(l)
		use(t, l, "Phone", func(d *mua.Device, at time.Duration) error {
			msgs := d.Messages("INBOX")
			_, err := d.Open(at, msgs[len(msgs)-1].ID)
			return err
		})
		if detect(t, r, a, since) {
			t.Error("the Phone's opening a message counted as a check")
		}
	})

	t.Run("read", func(t *testing.T) {
		send("Phone", "Other news")
		send("Phone", "Lunch tomorrow?")
		use(t, l, "Laptop", func(d *mua.Device, at time.Duration) error { _, err := d.CheckMail(at); return err })
		newest := act("read", map[string]lessons.Value{"device": lessons.Str("Laptop")})
		bySubject := act("read", map[string]lessons.Value{"device": lessons.Str("Laptop"), "message": lessons.Str("lunch tomorrow?")})
		since := seq(l)
		if detect(t, r, newest, since) || detect(t, r, bySubject, since) {
			t.Fatal("done before the Laptop opened anything")
		}
		var lunch, other int
		use(t, l, "Laptop", func(d *mua.Device, at time.Duration) error {
			for _, m := range d.Messages("INBOX") {
				if m.Subject == "Lunch tomorrow?" {
					lunch = m.ID
				} else if !m.Seen {
					other = m.ID
				}
			}
			_, err := d.Open(at, other)
			return err
		})
		if detect(t, r, newest, since) || detect(t, r, bySubject, since) {
			t.Error("reading another message counted")
		}
		use(t, l, "Laptop", func(d *mua.Device, at time.Duration) error { _, err := d.Open(at, lunch); return err })
		if !detect(t, r, newest, since) || !detect(t, r, bySubject, since) {
			t.Error("reading the newest unread message was not seen")
		}
	})

	t.Run("flag", func(t *testing.T) {
		use(t, l, "Phone", func(d *mua.Device, at time.Duration) error { _, err := d.CheckMail(at); return err })
		a := act("flag", map[string]lessons.Value{"device": lessons.Str("Phone")})
		if detect(t, r, a, seq(l)) {
			t.Fatal("done before the Phone flagged")
		}
		use(t, l, "Phone", func(d *mua.Device, at time.Duration) error {
			msgs := d.Messages("INBOX")
			_, err := d.Flag(at, msgs[len(msgs)-1].ID, true)
			return err
		})
		if !detect(t, r, a, seq(l)) {
			t.Error("the flag was not seen")
		}
		seen := act("flag", map[string]lessons.Value{"device": lessons.Str("Phone"), "flag": lessons.Str("seen"), "message": lessons.Str("other news")})
		if detect(t, r, seen, 0) {
			t.Fatal("seen before the Phone read it")
		}
		use(t, l, "Phone", func(d *mua.Device, at time.Duration) error {
			for _, m := range d.Messages("INBOX") {
				if m.Subject == "Other news" {
					_, err := d.MarkRead(at, m.ID, true)
					return err
				}
			}
			return errors.New("no message")
		})
		if !detect(t, r, seen, 0) {
			t.Error("the read mark was not seen")
		}
	})

	t.Run("set-link", func(t *testing.T) {
		a := act("set-link", map[string]lessons.Value{"preset": lessons.Str("adsl-8m")})
		if detect(t, r, a, 0) {
			t.Fatal("done on loopback")
		}
		p, _ := link.Preset("adsl-8m")
		l.Link.SetProfile(p)
		if !detect(t, r, a, 0) {
			t.Error("the new link was not seen")
		}
		loop, _ := link.Preset("loopback")
		l.Link.SetProfile(loop)
	})

	t.Run("offline", func(t *testing.T) {
		dev := map[string]lessons.Value{"device": lessons.Str("Laptop")}
		if detect(t, r, act("go-offline", dev), 0) || !detect(t, r, act("go-online", dev), 0) {
			t.Fatal("the Laptop is not online to start with")
		}
		use(t, l, "Laptop", func(d *mua.Device, at time.Duration) error { d.GoOffline(at); return nil })
		if !detect(t, r, act("go-offline", dev), 0) || detect(t, r, act("go-online", dev), 0) {
			t.Error("the Laptop working offline was not seen")
		}
		use(t, l, "Laptop", func(d *mua.Device, at time.Duration) error { _, err := d.GoOnline(at); return err })
		if detect(t, r, act("go-offline", nil), 0) {
			t.Fatal("the link is down to start with")
		}
		l.Link.SetOffline(true)
		if !detect(t, r, act("go-offline", nil), 0) || detect(t, r, act("go-online", nil), 0) {
			t.Error("the link going down was not seen")
		}
		l.Link.SetOffline(false)
		if !detect(t, r, act("go-online", nil), 0) {
			t.Error("the link coming back was not seen")
		}
	})

	t.Run("inject-fault", func(t *testing.T) {
		a := act("inject-fault", map[string]lessons.Value{"spec": lessons.Str("reset@pop3,after=1500")})
		if detect(t, r, a, 0) {
			t.Fatal("armed before anyone armed it")
		}
		other, _ := link.ParseFault("reset@imap,after=10")
		l.ArmFault(other)
		if detect(t, r, a, 0) {
			t.Error("an IMAP fault counted for a POP3 one")
		}
		fs, _ := link.ParseFault("reset@pop3,after=99")
		l.ArmFault(fs)
		if !detect(t, r, a, 0) {
			t.Error("the armed fault was not seen")
		}
		l.ClearFaults()
	})

	t.Run("cannot detect", func(t *testing.T) {
		for _, a := range []*lessons.Action{
			act("reset-lab", nil),
			act("inject-fault", map[string]lessons.Value{"spec": lessons.Str("offline,at=1s,for=5s")}),
			act("no-such-action", nil),
		} {
			if _, _, err := r.Detect(a, 0); !errors.Is(err, ErrCannotDetect) {
				t.Errorf("Detect(%s) = %v, want ErrCannotDetect", a.Do, err)
			}
		}
		if _, _, err := r.Detect(act("check-mail", map[string]lessons.Value{"device": lessons.Str("Pager")}), 0); err == nil || errors.Is(err, ErrCannotDetect) {
			t.Errorf("Detect on no device = %v, want an error that is not ErrCannotDetect", err)
		}
	})
}

// The mail actions a learner is asked for, and the console, are seen
// once done with the lab's own devices and connections, and not before.
func TestDetectMailActions(t *testing.T) {
	l := liveLab(t, 0, "")
	r, _ := attach(t, l, AttachOptions{})
	dev := func(name string) lessons.Value { return lessons.Str(name) }
	use(t, l, "Phone", func(d *mua.Device, at time.Duration) error {
		d.Compose(at, mua.Draft{To: []string{"student@mailscope.lab"}, Subject: "Plans", Body: "Shall we?\n"})
		_, err := d.Send(at)
		return err
	})
	use(t, l, "Laptop", func(d *mua.Device, at time.Duration) error { _, err := d.CheckMail(at); return err })
	plans := func(d *mua.Device) int {
		for _, m := range d.Messages("") {
			if m.Subject == "Plans" {
				return m.ID
			}
		}
		t.Fatal("no Plans on " + d.Name())
		return 0
	}
	steps := []struct {
		name string
		a    *lessons.Action
		do   func(d *mua.Device, at time.Duration) error
	}{
		{"reply", act("reply", map[string]lessons.Value{"device": dev("Laptop"), "message": lessons.Str("plans")}),
			func(d *mua.Device, at time.Duration) error { _, _, err := d.Reply(at, plans(d), "Yes.\n"); return err }},
		{"create-folder", act("create-folder", map[string]lessons.Value{"device": dev("Laptop"), "folder": lessons.Str("Trips")}),
			func(d *mua.Device, at time.Duration) error { _, err := d.CreateFolder(at, "Trips"); return err }},
		{"move", act("move", map[string]lessons.Value{"device": dev("Laptop"), "message": lessons.Str("Plans"), "folder": lessons.Str("Trips")}),
			func(d *mua.Device, at time.Duration) error { _, err := d.Move(at, plans(d), "Trips"); return err }},
		{"search", act("search", map[string]lessons.Value{"device": dev("Laptop"), "text": lessons.Str("shall")}),
			func(d *mua.Device, at time.Duration) error { _, err := d.Search(at, "Trips", "shall"); return err }},
		{"delete", act("delete", map[string]lessons.Value{"device": dev("Laptop"), "message": lessons.Str("Plans")}),
			func(d *mua.Device, at time.Duration) error { _, err := d.Delete(at, plans(d)); return err }},
	}
	for _, st := range steps {
		since := seq(l)
		if detect(t, r, st.a, since) {
			t.Fatalf("%s: done before the Laptop did it", st.name)
		}
		use(t, l, "Laptop", st.do)
		if !detect(t, r, st.a, since) {
			t.Errorf("%s: not seen once the Laptop did it", st.name)
		}
	}

	// open-folder: the Phone's SELECT of the folder, not of its INBOX.
	if err := l.Store.CreateMailbox("student", "Receipts", ""); err != nil {
		t.Fatal(err)
	}
	open := act("open-folder", map[string]lessons.Value{"device": dev("Phone"), "folder": lessons.Str("Receipts")})
	since := seq(l)
	use(t, l, "Phone", func(d *mua.Device, at time.Duration) error { _, err := d.CheckMail(at); return err })
	if detect(t, r, open, since) {
		t.Error("open-folder: the Phone's INBOX check counted")
	}
	use(t, l, "Phone", func(d *mua.Device, at time.Duration) error { _, err := d.CheckFolders(at, "Receipts"); return err })
	if !detect(t, r, open, since) {
		t.Error("open-folder: the Phone's SELECT of Receipts was not seen")
	}

	// A POP3 device's search leaves no trace: the app tells the runner.
	home := act("search", map[string]lessons.Value{"device": dev("Home PC"), "text": lessons.Str("plans")})
	since = seq(l)
	if detect(t, r, home, since) {
		t.Fatal("the Home PC's search seen before it searched")
	}
	r.NoteSearch("Home PC", "INBOX", "plans", false, 2)
	if !detect(t, r, home, since) {
		t.Error("the search the app told of was not seen")
	}
	if v := name(t, r, "search.hits"); v.String() != "2" {
		t.Errorf("search.hits after NoteSearch = %s, want 2", v)
	}
	if v := name(t, r, "search.where"); v.String() != "local" {
		t.Errorf("search.where after NoteSearch = %s, want local", v)
	}

	// The console: every command line, in order, on one connection.
	console := act("console", map[string]lessons.Value{"service": lessons.Str("smtp"), "lines": lessons.Str("EHLO console.mailscope.lab\nQUIT\n")})
	since = seq(l)
	c, err := l.Dial(context.Background(), lab.SMTP, link.DialOptions{ClientAddr: ConsoleClient, Live: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	reply := func() {
		for {
			line, err := br.ReadString('\n')
			if err != nil || len(line) < 4 || line[3] == ' ' {
				return
			}
		}
	}
	reply()
	io.WriteString(c, "EHLO console.mailscope.lab\r\n")
	reply()
	if detect(t, r, console, since) {
		t.Error("console: done before QUIT was typed")
	}
	io.WriteString(c, "QUIT\r\n")
	reply()
	waitFor(t, "the console's QUIT in the trace", func() bool { done, _, _ := r.Detect(console, since); return done })

	for _, a := range []*lessons.Action{
		act("delete", map[string]lessons.Value{"device": dev("Laptop")}),
		act("open-folder", map[string]lessons.Value{"device": dev("Home PC"), "folder": lessons.Str("INBOX")}),
	} {
		if _, _, err := r.Detect(a, 0); !errors.Is(err, ErrCannotDetect) {
			t.Errorf("Detect(%s %v) = %v, want ErrCannotDetect", a.Do, a.With, err)
		}
	}
}
