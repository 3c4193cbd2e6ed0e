package lessonrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
)

func journey(t *testing.T) *lessons.Lesson {
	t.Helper()
	set, err := lessons.Builtin(Catalog())
	if err != nil {
		t.Fatal(err)
	}
	l, err := set.Get("journey")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func answers(rep Report) map[string]string {
	out := map[string]string{}
	for _, c := range rep.Checks {
		out[c.Step] = c.Answer
	}
	return out
}

func TestCatalogValidates(t *testing.T) {
	if err := Catalog().Validate(); err != nil {
		t.Fatal(err)
	}
	// Every built-in lesson validates against what the runner offers.
	if _, err := lessons.Builtin(Catalog()); err != nil {
		t.Fatal(err)
	}
}

// Lesson 1 runs to the end on two links. What it counts and the bytes it
// moves follow from the protocols, not the link: the answers are the same;
// the time the run takes is the link's.
func TestJourneyOnTwoLinks(t *testing.T) {
	l := journey(t)
	want := map[string]string{
		// EHLO's ten lines, MAIL, RCPT and the end of the data.
		"send-one":        "13",
		"smtp-words":      "DATA",
		"in-the-maildrop": "1",
		"pop3-fetch":      "851",
		"where-now":       "Only on the Home PC",
		"imap-check":      "On the server, and shown on the Laptop",
		"read-on-laptop":  "done",
	}
	reps := map[string]Report{}
	for _, preset := range []string{"adsl-8m", "dialup-56k"} {
		rep, err := RunLesson(l, Options{Link: preset})
		if err != nil {
			t.Fatalf("%s: %v", preset, err)
		}
		if !rep.OK || rep.Link != preset || len(rep.Checks) != 7 {
			t.Fatalf("%s: %+v", preset, rep)
		}
		got := answers(rep)
		for step, a := range want {
			if got[step] != a {
				t.Errorf("%s: step %s answered %q, want %q", preset, step, got[step], a)
			}
		}
		for _, c := range rep.Checks {
			if !c.OK || c.Question == "" || strings.Contains(c.Question, "**") {
				t.Errorf("%s: %+v", preset, c)
			}
		}
		reps[preset] = rep
	}
	fast, slow := reps["adsl-8m"].SimSeconds, reps["dialup-56k"].SimSeconds
	if fast <= 0 || slow < 10*fast {
		t.Errorf("sim_seconds: adsl-8m %v, dialup-56k %v: want the modem (dialling included) far slower", fast, slow)
	}
	// The same options give the same run.
	again, err := RunLesson(l, Options{Link: "dialup-56k"})
	if err != nil || again.SimSeconds != slow {
		t.Errorf("again: %v s (%v), want %v s", again.SimSeconds, err, slow)
	}
}

// writeLesson puts one lesson file in a new folder and loads it.
func writeLesson(t *testing.T, text string) *lessons.Lesson {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.md"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := lessons.LoadDir(dir, Catalog())
	if err != nil {
		t.Fatal(err)
	}
	l, err := set.Get("broken")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

const brokenHead = `---
id: broken
title: A lesson whose actions do not do what it says
order: 99
minutes: 5
level: beginner
objectives: [None]
claims: [imap-server-state]
steps:
  - id: reset
    title: Empty lab
    narrative: Two messages wait.
    action: {do: reset-lab, with: {messages: 2}}
`

// A check that says the Phone's IMAP check empties the server: no option
// comes out right, the run cannot answer it, the lesson fails.
func TestRunLessonFailsWhenTheRunDisagrees(t *testing.T) {
	l := writeLesson(t, brokenHead+`  - id: phone
    title: The Phone checks
    narrative: The Phone looks over IMAP.
    claims: [imap-server-state]
    action: {do: check-mail, with: {device: Phone}}
    check:
      kind: choice
      question: Where is the mail now?
      options:
        - text: Gone from the server
          correct: mailbox("student").count == 0
        - text: Nowhere
          correct: "false"
---
`)
	rep, err := RunLesson(l, Options{})
	if err == nil || rep.OK {
		t.Fatalf("RunLesson = %+v, %v; want it to fail", rep, err)
	}
	if len(rep.Checks) != 1 || rep.Checks[0].OK || rep.Checks[0].Error == "" || !strings.Contains(err.Error(), "step phone") {
		t.Errorf("report %+v, err %v", rep, err)
	}
}

// An action that cannot be done (nothing unread to read: the Home PC has
// checked no mail) fails the lesson even with no check.
func TestRunLessonFailsOnAFailedAction(t *testing.T) {
	l := writeLesson(t, brokenHead+`  - id: read
    title: Read on the Home PC
    narrative: Open the newest message.
    action: {do: read, with: {device: Home PC}}
    by: learner
  - id: count
    title: Count
    narrative: Look at the server.
    claims: [imap-server-state]
    check:
      kind: number
      question: How many messages are on the server?
      answer: mailbox("student").count
---
`)
	rep, err := RunLesson(l, Options{})
	if err == nil || rep.OK || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "step read: read:") {
		t.Fatalf("RunLesson = %+v, %v", rep, err)
	}
	if len(rep.Checks) != 1 || !rep.Checks[0].OK || rep.Checks[0].Answer != "2" {
		t.Errorf("checks %+v", rep.Checks)
	}
}

// The trace functions count lines and sum bytes as the package doc says.
func TestTraceTotals(t *testing.T) {
	r, err := New(Options{Link: "loopback"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	err = r.Do(&lessons.Action{Do: "send", With: map[string]lessons.Value{
		"from": lessons.Str("Laptop"), "to": lessons.Str("student@mailscope.lab"), "subject": lessons.Str("Hi"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	count := func(f Filter) int { n, _ := r.TraceTotals(f); return n }
	// The client: EHLO, AUTH, MAIL, RCPT, DATA, ".", QUIT.
	if n := count(Filter{Protocol: "smtp", Dir: "c2s"}); n != 7 {
		t.Errorf("client lines = %d, want 7", n)
	}
	if n := count(Filter{Verb: "data"}); n != 1 { // the body after DATA is no line
		t.Errorf("DATA lines = %d, want 1", n)
	}
	if n := count(Filter{Device: "Phone"}); n != 0 {
		t.Errorf("Phone lines = %d, want 0", n)
	}
	_, body := r.TraceTotals(Filter{Verb: "DATA", Dir: "c2s"})
	msgs, _ := r.Lab().Store.Messages("student", "INBOX")
	// "DATA\r\n" and the message as sent: the store adds a Received: header.
	if len(msgs) != 1 || body != 6+len(msgs[0].Raw)-bytes.Index(msgs[0].Raw, []byte("\r\nFrom: "))-2 {
		t.Errorf("DATA bytes = %d, message %v", body, msgs)
	}
	v, err := r.Call("trace.count", nil, map[string]lessons.Value{"status": lessons.Str("250"), "protocol": lessons.Str("smtp")})
	if n, _ := v.Number(); err != nil || n != 13 {
		t.Errorf("trace.count(status=250) = %v, %v", v, err)
	}
}

// What follows from the link differs between links, and only that: the
// bytes of a POP3 download are the protocol's, the time it takes and the
// link's name are the link's; the mail generated follows --seed.
func TestAnswersFollowTheRun(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "timing.md"), []byte(`---
id: timing
title: The same download on two links
order: 98
minutes: 5
level: beginner
objectives: [None]
claims: [dialup-vs-broadband]
steps:
  - id: fetch
    title: The Home PC downloads three messages
    narrative: Watch the clock.
    claims: [dialup-vs-broadband]
    action: {do: reset-lab, with: {messages: 3}}
  - id: bytes
    title: Bytes
    narrative: Count them.
    claims: [dialup-vs-broadband]
    action: {do: check-mail, with: {device: Home PC}}
    check:
      kind: number
      question: How many bytes came down?
      answer: trace.bytes(protocol="pop3", dir="s2c")
  - id: time
    title: Time
    narrative: How long?
    claims: [dialup-vs-broadband]
    check:
      kind: number
      question: How many seconds did it take?
      answer: run.sim_seconds
      tolerance: 1%
  - id: link
    title: Link
    narrative: Which link?
    claims: [dialup-vs-broadband]
    check:
      kind: text
      question: Which link is it?
      answer: link.preset
---
`), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := lessons.LoadDir(dir, Catalog())
	if err != nil {
		t.Fatal(err)
	}
	l, _ := set.Get("timing")
	run := func(o Options) map[string]string {
		rep, err := RunLesson(l, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s seed %d: %v", o.Link, o.Seed, answers(rep))
		return answers(rep)
	}
	fast, slow := run(Options{Link: "adsl-8m"}), run(Options{Link: "dialup-56k"})
	if fast["bytes"] == "" || fast["bytes"] != slow["bytes"] {
		t.Errorf("bytes: adsl-8m %q, dialup-56k %q: want the same", fast["bytes"], slow["bytes"])
	}
	if fast["time"] == slow["time"] || fast["link"] != "adsl-8m" || slow["link"] != "dialup-56k" {
		t.Errorf("adsl-8m %v, dialup-56k %v", fast, slow)
	}
	if other := run(Options{Link: "adsl-8m", Seed: 2}); other["bytes"] == fast["bytes"] {
		t.Errorf("seed 2 downloads %s bytes, as seed 1 does", other["bytes"])
	}
}

func TestLinkAndOfflineActions(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	do := func(name string, with map[string]lessons.Value) error {
		return r.Do(&lessons.Action{Do: name, With: with})
	}
	name := func(path string) string { v, _ := r.Name(path); return v.String() }
	if err := do("set-link", map[string]lessons.Value{"preset": lessons.Str("dialup-56k")}); err != nil || name("link.preset") != "dialup-56k" {
		t.Fatalf("set-link: %v, link.preset %s", err, name("link.preset"))
	}
	if err := do("go-offline", map[string]lessons.Value{"device": lessons.Str("Phone")}); err != nil {
		t.Fatal(err)
	}
	v, _ := r.Call("device", []lessons.Value{lessons.Str("Phone")}, nil)
	if off, _ := v.Member("offline"); off.String() != "true" {
		t.Errorf("Phone after go-offline: %v", v)
	}
	// The link down: a message waits in the outbox, and sending it fails.
	if err := do("go-offline", nil); err != nil {
		t.Fatal(err)
	}
	err = do("send", map[string]lessons.Value{"from": lessons.Str("Laptop"), "to": lessons.Str("alice@mailscope.lab")})
	v, _ = r.Call("device", []lessons.Value{lessons.Str("Laptop")}, nil)
	if out, _ := v.Member("outbox"); err == nil || out.String() != "1" {
		t.Errorf("send offline: %v; Laptop %v", err, v)
	}
	if err := do("go-online", nil); err != nil {
		t.Fatal(err)
	}
	if err := do("check-mail", map[string]lessons.Value{"device": lessons.Str("Laptop")}); err != nil {
		t.Fatal(err)
	}
	mb, _ := r.Call("mailbox", []lessons.Value{lessons.Str("alice")}, nil)
	if n, _ := mb.Member("count"); n.String() != "1" || r.Now() < 20e9 {
		t.Errorf("alice %v after %v (the modem dials for 20 s)", mb, r.Now())
	}
	if _, err := r.Call("mailbox", []lessons.Value{lessons.Str("nobody")}, nil); err == nil {
		t.Error("mailbox(nobody): no error")
	}
}
