package lessonrun

import (
	"errors"
	"testing"
	"time"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
)

// liveLab is a lab on the live clock, as the desktop app's, with the
// default devices; speed is the live clock's factor (0: real time).
func liveLab(t *testing.T, speed float64, preset string) *lab.Lab {
	t.Helper()
	o := lab.Options{Clock: lab.Live, Speed: speed}
	if preset != "" {
		p, err := link.Preset(preset)
		if err != nil {
			t.Fatal(err)
		}
		o.Profile = p
	}
	l, err := lab.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	for _, d := range lab.DefaultDevices() {
		if _, err := l.AddDevice(d); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func attach(t *testing.T, l *lab.Lab, o AttachOptions) (*Runner, func(string, map[string]lessons.Value) error) {
	t.Helper()
	r, err := Attach(l, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, func(name string, with map[string]lessons.Value) error {
		return r.Do(&lessons.Action{Do: name, With: with})
	}
}

func numOf(t *testing.T, r *Runner, fn string, args []lessons.Value, kw map[string]lessons.Value) float64 {
	t.Helper()
	f, ok := call(t, r, fn, args, kw).Number()
	if !ok {
		t.Fatalf("%s is no number", fn)
	}
	return f
}

func name(t *testing.T, r *Runner, path string) lessons.Value {
	t.Helper()
	v, err := r.Name(path)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// play walks a lesson on a runner as RunLesson does, every action done
// by the runner, and returns each check's answer from the run.
func play(t *testing.T, r *Runner, l *lessons.Lesson) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, st := range l.Steps {
		if err := r.Do(st.Action); err != nil {
			var fe *FaultError
			var re *RefusedError
			if !errors.As(err, &fe) && !errors.As(err, &re) {
				t.Fatalf("%s step %s: %v", l.ID, st.ID, err)
			}
		}
		if st.Check == nil {
			continue
		}
		answer, err := st.Check.Solve(r)
		if err != nil {
			t.Fatalf("%s step %s: %v", l.ID, st.ID, err)
		}
		res, err := st.Check.Grade(answer, r)
		if err != nil || !res.Correct {
			t.Fatalf("%s step %s: the run's own answer %q grades %+v, %v", l.ID, st.ID, answer, res, err)
		}
		out[st.ID] = res.Expected
	}
	return out
}

// A lesson played on the app's live lab gives the answers it gives
// headless: the runner acts on the lab it is given, at the live clock,
// and reads the same names.
func TestAttachedPlaysLessonsAsHeadless(t *testing.T) {
	set, err := lessons.Builtin(Catalog())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"journey", "pop3-delete"} {
		l, err := set.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := RunLesson(l, Options{Link: "loopback"})
		if err != nil {
			t.Fatal(err)
		}
		lv := liveLab(t, 0, "")
		r, _ := attach(t, lv, AttachOptions{})
		got := play(t, r, l)
		for step, want := range answers(rep) {
			if got[step] != want {
				t.Errorf("%s, step %s: live %q, headless %q", id, step, got[step], want)
			}
		}
		if r.Lab() != lv {
			t.Errorf("%s: the attached runner replaced the lab", id)
		}
	}
}

// Every built-in lesson plays on a live lab as the app's (dialling on
// demand, the live clock fast so that the modem's minutes pass in
// milliseconds), on its own link: every check is answered from the live
// run and grades right, and what a choice or a word concludes is what
// the headless run concludes. (Numbers that measure time are the live
// clock's, so at this speed they carry the machine's own delays; at 1×
// they agree with headless within a few per cent.)
func TestAttachedPlaysEveryBuiltinLesson(t *testing.T) {
	set, err := lessons.Builtin(Catalog())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range set.List() {
		rep, err := RunLesson(l, Options{})
		if err != nil {
			t.Fatal(err)
		}
		lv := liveLab(t, 1000, "")
		lv.DialOnDemand(link.CallOptions{IdleHangup: link.DefaultIdleHangup})
		r, _ := attach(t, lv, AttachOptions{Link: l.Link})
		got := play(t, r, l)
		want := answers(rep)
		for _, st := range l.Steps {
			if c := st.Check; c != nil && c.Kind != lessons.CheckNumber && got[st.ID] != want[st.ID] {
				t.Errorf("%s step %s: live %q, headless %q", l.ID, st.ID, got[st.ID], want[st.ID])
			}
		}
	}
}

// reset-lab on a live lab cleans it in place: the devices the learner
// added go, the default ones come back fresh, faults and offline states
// end, every account is emptied and its quota lifted; the run's trace
// starts after the reset, while the lab's trace keeps the earlier rows.
func TestAttachedResetInPlace(t *testing.T) {
	l := liveLab(t, 0, "")
	r, do := attach(t, l, AttachOptions{})
	if err := l.Seed("student", 2, 7); err != nil {
		t.Fatal(err)
	}
	home := map[string]lessons.Value{"device": lessons.Str("Home PC")}
	if err := do("check-mail", home); err != nil {
		t.Fatal(err)
	}
	retr := map[string]lessons.Value{"verb": lessons.Str("RETR"), "dir": lessons.Str("c2s")}
	if n := numOf(t, r, "trace.count", nil, retr); n != 2 {
		t.Fatalf("before the reset: %v RETR, want 2", n)
	}
	if _, err := l.AddDevice(lab.DeviceOptions{Name: "Tablet", User: "alice", Policy: mua.Policy{Mode: mua.IMAPOnline}}); err != nil {
		t.Fatal(err)
	}
	if err := do("go-offline", map[string]lessons.Value{"device": lessons.Str("Laptop")}); err != nil {
		t.Fatal(err)
	}
	if err := do("inject-fault", map[string]lessons.Value{"spec": lessons.Str("reset@pop3,after=10")}); err != nil {
		t.Fatal(err)
	}
	if err := do("inject-fault", map[string]lessons.Value{"spec": lessons.Str("offline,at=0s,for=1h")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the offline window to open", l.Link.Offline)
	if err := l.Store.SetQuota("student", 5000); err != nil {
		t.Fatal(err)
	}
	if err := l.Store.CreateMailbox("student", "Projects", ""); err != nil {
		t.Fatal(err)
	}
	before := l.Trace.Snapshot().Seq

	if err := do("reset-lab", map[string]lessons.Value{"messages": lessons.Num(3)}); err != nil {
		t.Fatal(err)
	}
	if r.Lab() != l {
		t.Fatal("reset-lab replaced the attached lab")
	}
	if got := r.TraceFrom(); got != before+1 {
		t.Errorf("TraceFrom = %d, want %d (the event after the last one before the reset)", got, before+1)
	}
	var names []string
	for _, d := range l.Devices() {
		names = append(names, d.Name)
	}
	if len(names) != 3 || names[0] != "Home PC" || names[1] != "Laptop" || names[2] != "Phone" {
		t.Errorf("devices after the reset = %v, want the default three", names)
	}
	if st, _ := l.DeviceState("Laptop"); st.Offline || st.View.Visible != 0 {
		t.Errorf("Laptop after the reset = offline %v, %d visible; want a fresh device", st.Offline, st.View.Visible)
	}
	if l.ArmedFaults() != 0 || l.Link.Offline() {
		t.Errorf("after the reset: %d faults armed, link offline %v", l.ArmedFaults(), l.Link.Offline())
	}
	if info, _ := l.Store.User("student"); info.Quota != 0 {
		t.Errorf("quota after the reset = %d", info.Quota)
	}
	if _, err := l.Store.Mailbox("student", "Projects"); err == nil {
		t.Error("the learner's folder survived the reset")
	}
	if c := member(t, call(t, r, "mailbox", []lessons.Value{lessons.Str("student")}, nil), "count"); c != "3" {
		t.Errorf("student's INBOX after reset-lab {messages: 3}: %s", c)
	}
	for _, n := range []string{"run.connections", "run.bytes_up", "run.bytes_down"} {
		if v := name(t, r, n); v.String() != "0" {
			t.Errorf("%s right after the reset = %s, want 0", n, v)
		}
	}
	if n := numOf(t, r, "trace.count", nil, retr); n != 0 {
		t.Errorf("right after the reset: %v RETR, want 0 (the earlier ones are before the run)", n)
	}
	// The fault was disarmed: the check is whole, and counts three.
	if err := do("check-mail", home); err != nil {
		t.Fatal(err)
	}
	if n := numOf(t, r, "trace.count", nil, retr); n != 3 {
		t.Errorf("after the reset's check: %v RETR, want 3", n)
	}
	if n := name(t, r, "run.connections"); n.String() != "1" {
		t.Errorf("run.connections = %s, want the one check", n)
	}
	// The offline window was cancelled: the link stays up.
	time.Sleep(20 * time.Millisecond)
	if l.Link.Offline() {
		t.Error("the cancelled offline window took the link down")
	}
}

// On a dial-up link the run's meter counts from the reset: what the
// line cost before is the lab's, not the lesson's.
func TestAttachedMeterFromReset(t *testing.T) {
	l := liveLab(t, 2000, "dialup-56k")
	l.DialOnDemand(link.CallOptions{IdleHangup: link.DefaultIdleHangup})
	r, do := attach(t, l, AttachOptions{})
	home := map[string]lessons.Value{"device": lessons.Str("Home PC")}
	if err := do("check-mail", home); err != nil {
		t.Fatal(err)
	}
	// The user hangs up when the check ends, as headless.
	if st := l.Link.CallState(); st.Up || st.Calls != 1 {
		t.Errorf("after the check: %+v; want the one call hung up", st)
	}
	online, _ := name(t, r, "run.online_seconds").Number()
	cost, _ := name(t, r, "run.cost").Number()
	if online <= 0 || cost <= 0 {
		t.Fatalf("before the reset: online %v s, cost %v; want a paid call", online, cost)
	}
	if err := do("reset-lab", nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"run.online_seconds", "run.cost"} {
		if v := name(t, r, n); v.String() != "0" {
			t.Errorf("%s right after the reset = %s, want 0", n, v)
		}
	}
	if err := do("check-mail", home); err != nil {
		t.Fatal(err)
	}
	again, _ := name(t, r, "run.cost").Number()
	total := l.Link.CallState().TotalCost
	if again <= 0 || again >= total {
		t.Errorf("run.cost after the reset's call = %v, lab's total %v; want the one call's share", again, total)
	}
	if p := name(t, r, "link.preset").String(); p != "dialup-56k" {
		t.Errorf("link.preset = %s", p)
	}
	sim, _ := name(t, r, "run.sim_seconds").Number()
	if sim < 20 { // the dial alone takes 20 s of link time
		t.Errorf("run.sim_seconds = %v, want at least the dial's 20 s", sim)
	}
}

// A lesson that names its link puts the app's link on it at reset-lab;
// one that names none keeps the app's.
func TestAttachedLink(t *testing.T) {
	l := liveLab(t, 0, "")
	if _, err := Attach(l, AttachOptions{Link: "no-such-link"}); err == nil {
		t.Error("Attach with an unknown preset: no error")
	}
	_, do := attach(t, l, AttachOptions{})
	if err := do("reset-lab", nil); err != nil || l.Link.Profile().ID != "loopback" {
		t.Errorf("reset-lab without a link: %v, link %s; want the app's loopback kept", err, l.Link.Profile().ID)
	}
	r, do := attach(t, l, AttachOptions{Link: "adsl-8m"})
	if err := do("reset-lab", nil); err != nil || l.Link.Profile().ID != "adsl-8m" {
		t.Errorf("reset-lab with link adsl-8m: %v, link %s", err, l.Link.Profile().ID)
	}
	// Someone else changes the app's link: link.preset follows.
	p, _ := link.Preset("fibre-1g")
	if err := l.Link.SetProfile(p); err != nil {
		t.Fatal(err)
	}
	if got := name(t, r, "link.preset").String(); got != "fibre-1g" {
		t.Errorf("link.preset after the app changed the link = %s", got)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// idle and poll wait for half an hour of mail on the live lab in a few
// seconds: the live clock runs fast meanwhile, and its speed comes back.
func TestAttachedWaitsFastForward(t *testing.T) {
	l := liveLab(t, 1, "")
	r, do := attach(t, l, AttachOptions{})
	if err := do("reset-lab", nil); err != nil {
		t.Fatal(err)
	}
	start, from := time.Now(), l.Link.LiveClock().Now()
	err := do("idle", map[string]lessons.Value{"device": lessons.Str("Phone"), "minutes": lessons.Num(30), "messages": lessons.Num(3)})
	if err != nil {
		t.Fatal(err)
	}
	wall, linkTime := time.Since(start), l.Link.LiveClock().Now()-from
	if wall > 4*FastForward || linkTime < 30*time.Minute {
		t.Errorf("idle for 30 minutes took %v of wall time, %v of link time; want about %v and at least 30 min", wall, linkTime, FastForward)
	}
	if s := l.Link.LiveClock().Speed(); s != 1 {
		t.Errorf("the live clock's speed after idle = %v, want 1 again", s)
	}
	w := call(t, r, "watched", []lessons.Value{lessons.Str("Phone")}, nil)
	if n := member(t, w, "noticed"); n != "3" {
		t.Errorf("watched(Phone).noticed = %s, want the 3 messages pushed", n)
	}
}
