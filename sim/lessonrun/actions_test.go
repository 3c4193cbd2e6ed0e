package lessonrun

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
)

func newRunner(t *testing.T, o Options) (*Runner, func(string, map[string]lessons.Value) error) {
	t.Helper()
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, func(name string, with map[string]lessons.Value) error {
		return r.Do(&lessons.Action{Do: name, With: with})
	}
}

func member(t *testing.T, v lessons.Value, name string) string {
	t.Helper()
	m, ok := v.Member(name)
	if !ok {
		t.Fatalf("%v has no %s", v, name)
	}
	return m.String()
}

func call(t *testing.T, r *Runner, fn string, args []lessons.Value, kw map[string]lessons.Value) lessons.Value {
	t.Helper()
	v, err := r.Call(fn, args, kw)
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	return v
}

// inject-fault arms a fault for the next connection it matches: an SMTP
// send before the POP3 check does not use it up; the check it breaks
// returns a FaultError; the next check is whole.
func TestInjectFault(t *testing.T) {
	r, do := newRunner(t, Options{})
	if err := do("reset-lab", map[string]lessons.Value{"messages": lessons.Num(2)}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"reset@pop9", "reply@pop3,cmd=XTND,with=-ERR no", "offline"} {
		if err := do("inject-fault", map[string]lessons.Value{"spec": lessons.Str(bad)}); err == nil {
			t.Errorf("inject-fault %q: no error", bad)
		}
	}
	if err := do("inject-fault", map[string]lessons.Value{"spec": lessons.Str("reset@pop3,after=300")}); err != nil || r.Lab().ArmedFaults() != 1 {
		t.Fatalf("inject-fault: %v, %d armed", err, r.Lab().ArmedFaults())
	}
	if err := do("send", map[string]lessons.Value{"from": lessons.Str("Laptop"), "to": lessons.Str("student@mailscope.lab")}); err != nil || r.Lab().ArmedFaults() != 1 {
		t.Fatalf("send: %v, %d armed; want the fault still armed", err, r.Lab().ArmedFaults())
	}
	home := map[string]lessons.Value{"device": lessons.Str("Home PC")}
	err := do("check-mail", home)
	var fe *FaultError
	if !errors.As(err, &fe) || !errors.Is(err, link.ErrReset) || fe.Action != "check-mail" || r.Lab().ArmedFaults() != 0 {
		t.Fatalf("check-mail with the fault = %v, want a FaultError wrapping a reset", err)
	}
	down := map[string]lessons.Value{"protocol": lessons.Str("pop3"), "dir": lessons.Str("s2c"), "session": lessons.Num(-1)}
	if n, _ := call(t, r, "trace.bytes", nil, down).Number(); n != 300 {
		t.Errorf("bytes of the broken session = %v, want the fault's 300", n)
	}
	if c := member(t, call(t, r, "mailbox", []lessons.Value{lessons.Str("student")}, nil), "count"); c != "3" {
		t.Errorf("after the broken check: %s messages, want 3", c)
	}
	// The fault is spent: the next check ends with QUIT. A plain action
	// that fails with no fault armed is no FaultError.
	if err := do("check-mail", home); err != nil {
		t.Fatal(err)
	}
	if c := member(t, call(t, r, "mailbox", []lessons.Value{lessons.Str("student")}, nil), "count"); c != "0" {
		t.Errorf("after the whole check: %s messages, want 0", c)
	}
	if err := do("read", map[string]lessons.Value{"device": lessons.Str("Phone")}); err == nil || errors.As(err, &fe) {
		t.Errorf("read with nothing to read = %v, want a plain error", err)
	}
	// An offline window starts from the run's clock; a check inside it fails.
	if err := do("inject-fault", map[string]lessons.Value{"spec": lessons.Str("offline,for=1h")}); err != nil {
		t.Fatal(err)
	}
	if err := do("check-mail", home); err == nil {
		t.Error("check-mail during the offline window: no error")
	}
}

// flag sets \Flagged (or \Seen) on the server from an IMAP device, and the
// other IMAP device finds it there; on the POP3 Home PC it stays local.
func TestFlagAction(t *testing.T) {
	r, do := newRunner(t, Options{})
	if err := do("reset-lab", map[string]lessons.Value{"messages": lessons.Num(3)}); err != nil {
		t.Fatal(err)
	}
	laptop := lessons.Str("Laptop")
	if err := do("flag", map[string]lessons.Value{"device": laptop}); err == nil || !strings.Contains(err.Error(), "no message") {
		t.Errorf("flag before any check = %v", err)
	}
	for _, dev := range []string{"Laptop", "Phone"} {
		if err := do("check-mail", map[string]lessons.Value{"device": lessons.Str(dev)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := do("flag", map[string]lessons.Value{"device": laptop}); err != nil {
		t.Fatal(err)
	}
	if err := do("flag", map[string]lessons.Value{"device": laptop, "message": lessons.Str("no such subject")}); err == nil {
		t.Error("flag on a missing subject: no error")
	}
	mb := func() lessons.Value { return call(t, r, "mailbox", []lessons.Value{lessons.Str("student")}, nil) }
	if f, u := member(t, mb(), "flagged"), member(t, mb(), "unseen"); f != "1" || u != "3" {
		t.Errorf("server after flag: flagged %s unseen %s, want 1 and 3", f, u)
	}
	if n, _ := call(t, r, "trace.count", nil, map[string]lessons.Value{"verb": lessons.Str("UID STORE"), "device": lessons.Str("Laptop")}).Number(); n != 1 {
		t.Errorf("UID STORE from the Laptop: %v, want 1", n)
	}
	// flag: seen marks the oldest message read, by its subject.
	var oldest string
	_ = r.Lab().UseDevice("Laptop", func(d *mua.Device) error {
		oldest = d.Messages("INBOX")[0].Subject
		return nil
	})
	if err := do("flag", map[string]lessons.Value{"device": laptop, "message": lessons.Str(oldest), "flag": lessons.Str("seen")}); err != nil {
		t.Fatal(err)
	}
	if u := member(t, mb(), "unseen"); u != "2" {
		t.Errorf("unseen after flag seen: %s, want 2", u)
	}
	phone := []lessons.Value{lessons.Str("Phone")}
	if f := member(t, call(t, r, "device", phone, nil), "flagged"); f != "0" {
		t.Errorf("Phone before its check: flagged %s, want 0", f)
	}
	if err := do("check-mail", map[string]lessons.Value{"device": lessons.Str("Phone")}); err != nil {
		t.Fatal(err)
	}
	if v := call(t, r, "device", phone, nil); member(t, v, "flagged") != "1" || member(t, v, "unread") != "2" {
		t.Errorf("Phone after its check: %v, want flagged 1, unread 2", v)
	}
	// The Home PC's copies are its own: a flag there sends nothing.
	if err := do("check-mail", map[string]lessons.Value{"device": lessons.Str("Home PC")}); err != nil {
		t.Fatal(err)
	}
	lines, _ := r.TraceTotals(Filter{})
	if err := do("flag", map[string]lessons.Value{"device": lessons.Str("Home PC")}); err != nil {
		t.Fatal(err)
	}
	if after, _ := r.TraceTotals(Filter{}); after != lines || member(t, call(t, r, "device", []lessons.Value{lessons.Str("Home PC")}, nil), "flagged") != "1" {
		t.Errorf("flag on the Home PC: %d lines → %d, want none more and one flagged", lines, after)
	}
}

// session= keeps one connection of those protocol= and device= select.
func TestTraceSession(t *testing.T) {
	r, do := newRunner(t, Options{})
	if err := do("reset-lab", map[string]lessons.Value{"messages": lessons.Num(1)}); err != nil {
		t.Fatal(err)
	}
	home := map[string]lessons.Value{"device": lessons.Str("Home PC")}
	if err := do("check-mail", home); err != nil {
		t.Fatal(err)
	}
	if err := do("send", map[string]lessons.Value{"from": lessons.Str("Phone"), "to": lessons.Str("student@mailscope.lab")}); err != nil {
		t.Fatal(err)
	}
	if err := do("check-mail", home); err != nil {
		t.Fatal(err)
	}
	retr := func(session int, proto string) float64 {
		kw := map[string]lessons.Value{"verb": lessons.Str("RETR"), "dir": lessons.Str("c2s"), "session": lessons.Num(float64(session))}
		if proto != "" {
			kw["protocol"] = lessons.Str(proto)
		}
		n, _ := call(t, r, "trace.count", nil, kw).Number()
		return n
	}
	// Sessions: POP3, SMTP, POP3. Among the POP3 ones, each has one RETR.
	for _, tt := range []struct {
		session int
		proto   string
		want    float64
	}{
		{1, "pop3", 1}, {2, "pop3", 1}, {-1, "pop3", 1}, {-2, "pop3", 1}, {3, "pop3", 0}, {-3, "pop3", 0},
		{2, "", 0}, {3, "", 1}, {-2, "", 0}, {0, "pop3", 2},
	} {
		if got := retr(tt.session, tt.proto); got != tt.want {
			t.Errorf("RETR in session %d (protocol %q) = %v, want %v", tt.session, tt.proto, got, tt.want)
		}
	}
	if _, err := r.Call("trace.count", nil, map[string]lessons.Value{"session": lessons.Num(1.5)}); err == nil {
		t.Error("session=1.5: no error")
	}
	if _, err := r.Call("trace.count", nil, map[string]lessons.Value{"session": lessons.Str("last")}); err == nil {
		t.Error(`session="last": no error`)
	}
}
