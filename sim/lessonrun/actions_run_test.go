package lessonrun

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
)

func number(t *testing.T, v lessons.Value) float64 {
	t.Helper()
	n, ok := v.Number()
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	return n
}

// The console types SMTP by hand over the link: each line waits for its
// reply, DATA's text goes up to the dot, a command out of order gets
// go-smtp's 502, and the message typed is delivered. The trace names the
// client "Console".
func TestConsoleAction(t *testing.T) {
	r, do := newRunner(t, Options{Link: "dialup-56k"})
	session := "EHLO me\nRCPT TO:<student@mailscope.lab>\nMAIL FROM:<alice@mailscope.lab>\nRCPT TO:<student@mailscope.lab>\nDATA\nSubject: by hand\n\nHello.\n.\nQUIT\n"
	if err := do("console", map[string]lessons.Value{"service": lessons.Str("smtp"), "lines": lessons.Str(session)}); err != nil {
		t.Fatal(err)
	}
	con := lessons.Str(ConsoleClient)
	for _, tt := range []struct {
		status string
		want   float64
	}{{"220", 1}, {"502", 1}, {"354", 1}, {"221", 1}} {
		if n := count(t, r, map[string]lessons.Value{"device": con, "status": lessons.Str(tt.status)}); n != tt.want {
			t.Errorf("Console replies %s: %v, want %v", tt.status, n, tt.want)
		}
	}
	if n := count(t, r, map[string]lessons.Value{"device": con, "dir": lessons.Str("c2s")}); n != 7 {
		t.Errorf("Console commands: %v, want 7 (six commands and the dot; the text is a body, not lines)", n)
	}
	if c := member(t, call(t, r, "mailbox", []lessons.Value{lessons.Str("student")}, nil), "count"); c != "1" {
		t.Errorf("INBOX after the console: %s, want 1", c)
	}
	// On the modem the session dialled first: the run's clock is past the dial.
	if r.Now() < r.prof.DialTime {
		t.Errorf("run clock %v, want past the dial time %v", r.Now(), r.prof.DialTime)
	}
	// POP3 and IMAP: multi-line answers and tagged replies are read whole.
	if err := do("console", map[string]lessons.Value{"service": lessons.Str("pop3"), "lines": lessons.Str("USER student\nPASS secret\nLIST\nRETR 1\nQUIT")}); err != nil {
		t.Fatal(err)
	}
	if err := do("console", map[string]lessons.Value{"service": lessons.Str("imap"), "lines": lessons.Str("a1 LOGIN student secret\na2 SELECT INBOX\na3 FETCH 1:* (FLAGS BODY.PEEK[])\na4 IDLE\nDONE\na5 LOGOUT")}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, r, map[string]lessons.Value{"device": con, "protocol": lessons.Str("imap"), "status": lessons.Str("OK"), "dir": lessons.Str("s2c")}); n < 5 {
		t.Errorf("IMAP console OKs: %v, want the greeting and a tagged OK per command", n)
	}
	// The password typed by hand is a secret of the trace too, in the clear.
	for _, proto := range []string{"pop3", "imap"} {
		kw := map[string]lessons.Value{"device": con, "protocol": lessons.Str(proto), "secret": lessons.Bool(true), "tls": lessons.Bool(false)}
		if n := count(t, r, kw); n != 1 {
			t.Errorf("%s console: %v lines with a secret in the clear, want 1 (PASS, LOGIN)", proto, n)
		}
	}
	// A DATA refused (no recipient yet) takes no text: the text is not
	// typed as commands, and the session goes on to its QUIT.
	before := count(t, r, map[string]lessons.Value{"device": con, "dir": lessons.Str("c2s")})
	if err := do("console", map[string]lessons.Value{"service": lessons.Str("smtp"), "lines": lessons.Str("EHLO me\nDATA\nSubject: lost\n\nNot sent.\n.\nQUIT")}); err != nil {
		t.Fatal(err)
	}
	if after := count(t, r, map[string]lessons.Value{"device": con, "dir": lessons.Str("c2s")}); after-before != 3 {
		t.Errorf("refused DATA: %v lines typed, want 3 (EHLO, DATA, QUIT)", after-before)
	}
	for _, bad := range []struct{ service, lines, want string }{
		{"smtp", "EHLO me\nDATA\nno end", "no line with a single"},
		{"smtp", "QUIT\nEHLO me", "ends the session"},
		{"smtp", "", "no lines"},
		{"smtp", "EHLO " + strings.Repeat("x", 1200), "bytes long"},
		{"smtp", "EHLO me\x00", "control character"},
		{"smtp", strings.Repeat("NOOP\n", MaxConsoleLines+1), "at most"},
		{"pop9", "USER x", "no service"},
	} {
		err := do("console", map[string]lessons.Value{"service": lessons.Str(bad.service), "lines": lessons.Str(bad.lines)})
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("console %q: %v, want an error with %q", bad.lines, err, bad.want)
		}
	}
}

// compare keeps a result per protocol and link, read by result() and
// compare.*; run-scenario replaces them with one link's.
func TestCompareAndRunScenario(t *testing.T) {
	r, do := newRunner(t, Options{Link: "isdn-128k"})
	if _, err := r.Name("compare.pop3.cost"); err == nil {
		t.Error("compare.pop3.cost before any comparison: no error")
	}
	if err := do("compare", map[string]lessons.Value{"scenario": lessons.Str("dialup-morning"), "links": lessons.Str("dialup-56k\nadsl-8m")}); err != nil {
		t.Fatal(err)
	}
	res := func(proto, link string) lessons.Value {
		args := []lessons.Value{lessons.Str(proto)}
		if link != "" {
			args = append(args, lessons.Str(link))
		}
		return call(t, r, "result", args, nil)
	}
	m := func(v lessons.Value, k string) float64 {
		x, ok := v.Member(k)
		if !ok {
			t.Fatalf("%v has no %s", v, k)
		}
		return number(t, x)
	}
	pm, im := res("pop3", "dialup-56k"), res("imap", "dialup-56k")
	if m(pm, "cost") <= 0 || m(im, "cost") <= m(pm, "cost") || m(im, "online_seconds") <= m(pm, "online_seconds") {
		t.Errorf("modem: pop3 %v, imap %v; want IMAP online longer and dearer", pm, im)
	}
	if m(res("pop3", "adsl-8m"), "cost") != 0 || m(res("imap", "adsl-8m"), "left_on_server") == 0 || m(res("pop3", "adsl-8m"), "left_on_server") != 0 {
		t.Errorf("adsl: %v, %v", res("pop3", "adsl-8m"), res("imap", "adsl-8m"))
	}
	// The lab is on isdn-128k, which was not run: the default is the first link.
	if got, _ := r.Name("compare.imap.cost"); number(t, got) != m(im, "cost") {
		t.Errorf("compare.imap.cost = %v, want the modem's %v", got, m(im, "cost"))
	}
	if got := res("pop3", ""); m(got, "sim_seconds") != m(pm, "sim_seconds") {
		t.Errorf(`result("pop3") = %v, want the modem's run`, got)
	}
	if _, err := r.Call("result", []lessons.Value{lessons.Str("pop3"), lessons.Str("fibre-1g")}, nil); err == nil {
		t.Error("result on a link not run: no error")
	}
	// run-scenario: one protocol on the lab's own link.
	if err := do("run-scenario", map[string]lessons.Value{"scenario": lessons.Str("leave-on-server"), "policy": lessons.Str("pop3")}); err != nil {
		t.Fatal(err)
	}
	kept := res("pop3", "")
	if m(kept, "left_on_server") == 0 {
		t.Errorf("leave-on-server over POP3 left nothing on the server: %v", kept)
	}
	if v, err := r.Name("compare"); err != nil || len(strings.Fields(v.String())) == 0 {
		t.Errorf("compare = %v, %v", v, err)
	} else if _, ok := v.Member("imap"); ok {
		t.Errorf("compare = %v, want no IMAP run kept", v)
	}
	if _, err := r.Name("compare.imap.cost"); err == nil {
		t.Error("compare.imap.cost after a POP3-only run: no error")
	}
	for _, bad := range []map[string]lessons.Value{
		{"scenario": lessons.Str("no-such-story")},
		{"scenario": lessons.Str("search"), "links": lessons.Str("dialup-57k")},
	} {
		if err := do("compare", bad); err == nil {
			t.Errorf("compare %v: no error", bad)
		}
	}
}

// add-device replaces a device with a policy and a TLS mode: a POP3 Home
// PC that keeps the mail, then one that upgrades with STLS, whose PASS
// crosses inside TLS.
func TestAddDeviceAndTLSKeywords(t *testing.T) {
	r, do := newRunner(t, Options{})
	if err := do("reset-lab", map[string]lessons.Value{"messages": lessons.Num(2)}); err != nil {
		t.Fatal(err)
	}
	home := lessons.Str("Home PC")
	if err := do("add-device", map[string]lessons.Value{"name": home, "policy": lessons.Str("pop3-keep")}); err != nil {
		t.Fatal(err)
	}
	if err := do("check-mail", map[string]lessons.Value{"device": home}); err != nil {
		t.Fatal(err)
	}
	if c := member(t, call(t, r, "mailbox", []lessons.Value{lessons.Str("student")}, nil), "count"); c != "2" {
		t.Errorf("after a pop3-keep check: %s on the server, want 2", c)
	}
	secret := func(tls bool) float64 {
		return count(t, r, map[string]lessons.Value{"device": home, "secret": lessons.Bool(true), "tls": lessons.Bool(tls), "session": lessons.Num(-1)})
	}
	if secret(false) != 1 || secret(true) != 0 {
		t.Errorf("cleartext session: %v secrets in the clear, %v in TLS; want 1 and 0", secret(false), secret(true))
	}
	if err := do("add-device", map[string]lessons.Value{"name": home, "policy": lessons.Str("pop3-delete"), "tls": lessons.Str("starttls")}); err != nil {
		t.Fatal(err)
	}
	if v := call(t, r, "device", []lessons.Value{home}, nil); member(t, v, "visible") != "0" {
		t.Errorf("the new Home PC: %v, want an empty local store", v)
	}
	if err := do("check-mail", map[string]lessons.Value{"device": home}); err != nil {
		t.Fatal(err)
	}
	if secret(false) != 0 || secret(true) != 1 {
		t.Errorf("STLS session: %v secrets in the clear, %v in TLS; want 0 and 1", secret(false), secret(true))
	}
	if n := count(t, r, map[string]lessons.Value{"verb": lessons.Str("STLS"), "tls": lessons.Bool(false)}); n != 1 {
		t.Errorf("STLS in the clear: %v, want 1", n)
	}
	// A spare name adds a device; a bad policy or TLS mode is refused.
	if err := do("add-device", map[string]lessons.Value{"name": lessons.Str("Tablet"), "policy": lessons.Str("imap-online"), "tls": lessons.Str("tls")}); err != nil {
		t.Fatal(err)
	}
	if err := do("check-mail", map[string]lessons.Value{"device": lessons.Str("Tablet")}); err != nil {
		t.Fatal(err)
	}
	if v := call(t, r, "device", []lessons.Value{lessons.Str("Tablet")}, nil); member(t, v, "visible") != "0" {
		t.Errorf("Tablet after the Home PC deleted everything: %v", v)
	}
	for _, bad := range []map[string]lessons.Value{
		{"name": home, "policy": lessons.Str("pop3-forever")},
		{"name": home, "policy": lessons.Str("pop3-keep"), "tls": lessons.Str("ssl")},
	} {
		if err := do("add-device", bad); err == nil {
			t.Errorf("add-device %v: no error", bad)
		}
	}
	if _, err := r.Call("trace.count", nil, map[string]lessons.Value{"tls": lessons.Str("yes")}); err == nil {
		t.Error(`tls="yes": no error`)
	}
}

// idle: one connection, the server pushes each message at once; poll:
// one connection per check, mail waits until the next one.
func TestIdleAndPoll(t *testing.T) {
	r, do := newRunner(t, Options{})
	phone, home := lessons.Str("Phone"), lessons.Str("Home PC")
	if _, err := r.Call("watched", []lessons.Value{phone}, nil); err == nil {
		t.Error("watched before any wait: no error")
	}
	if err := do("idle", map[string]lessons.Value{"device": phone, "minutes": lessons.Num(30), "messages": lessons.Num(3)}); err != nil {
		t.Fatal(err)
	}
	if r.Now().Minutes() < 30 {
		t.Errorf("run clock after a 30-minute IDLE: %v", r.Now())
	}
	if err := do("poll", map[string]lessons.Value{"device": home, "every": lessons.Num(10), "minutes": lessons.Num(30), "messages": lessons.Num(3)}); err != nil {
		t.Fatal(err)
	}
	w := func(dev lessons.Value, k string) float64 {
		v := call(t, r, "watched", []lessons.Value{dev}, nil)
		x, _ := v.Member(k)
		return number(t, x)
	}
	if w(phone, "connections") != 1 || w(phone, "noticed") != 3 || w(phone, "delay_max_seconds") > 5 {
		t.Errorf("idle: %v", call(t, r, "watched", []lessons.Value{phone}, nil))
	}
	if w(home, "connections") != 4 || w(home, "checks") != 4 || w(home, "noticed") != 3 {
		t.Errorf("poll: %v, want 4 checks (0, 10, 20, 30 min) and 3 messages", call(t, r, "watched", []lessons.Value{home}, nil))
	}
	// The messages arrive at 5, 15 and 25 minutes; the checks come 5 later.
	if d := w(home, "delay_avg_seconds"); d < 300 || d > 310 {
		t.Errorf("poll delay %v s, want 5 minutes and the check's time", d)
	}
	if n := count(t, r, map[string]lessons.Value{"device": phone, "verb": lessons.Str("IDLE"), "dir": lessons.Str("c2s")}); n != 4 {
		t.Errorf("IDLE commands: %v, want 4 (one, and one after each push)", n)
	}
	for _, bad := range []struct {
		do   string
		with map[string]lessons.Value
	}{
		{"idle", map[string]lessons.Value{"device": home, "minutes": lessons.Num(5)}}, // POP3 has no IDLE
		{"idle", map[string]lessons.Value{"device": phone, "minutes": lessons.Num(0)}},
		{"poll", map[string]lessons.Value{"device": home, "every": lessons.Num(20), "minutes": lessons.Num(10)}},
		{"poll", map[string]lessons.Value{"device": home, "every": lessons.Num(5), "minutes": lessons.Num(10), "messages": lessons.Num(1.5)}},
	} {
		if err := do(bad.do, bad.with); err == nil {
			t.Errorf("%s %v: no error", bad.do, bad.with)
		}
	}
	// A reset forgets the watches.
	if err := do("reset-lab", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Call("watched", []lessons.Value{phone}, nil); err == nil {
		t.Error("watched after reset-lab: no error")
	}
}

// A lesson's link: is where RunLesson starts, unless Options.Link says
// otherwise.
func TestLessonLink(t *testing.T) {
	set, err := lessons.Builtin(Catalog())
	if err != nil {
		t.Fatal(err)
	}
	l, err := set.Get("dialup-vs-broadband")
	if err != nil || l.Link != "dialup-56k" {
		t.Fatalf("dialup-vs-broadband: %v, link %q", err, l.Link)
	}
	for _, tt := range []struct{ given, want string }{{"", "dialup-56k"}, {"isdn-128k", "isdn-128k"}} {
		rep, err := RunLesson(l, Options{Link: tt.given})
		if err != nil || rep.Link != tt.want {
			t.Errorf("RunLesson(link %q) = %s, %v; want it on %s", tt.given, rep.Link, err, tt.want)
		}
	}
	j, _ := set.Get("journey")
	if rep, err := RunLesson(j, Options{}); err != nil || rep.Link != DefaultLink {
		t.Errorf("journey: on %s, %v; want %s", rep.Link, err, DefaultLink)
	}
}

// A teacher's lesson that names a scenario or a preset the runner does
// not have is refused at load, with the file, the line and the field.
func TestRunActionsValidated(t *testing.T) {
	const lesson = `---
id: typo
title: Typo
order: 30
minutes: 5
level: beginner
link: %s
objectives: [Race]
claims: [dialup-vs-broadband]
steps:
  - id: race
    title: Race
    claims: [dialup-vs-broadband]
    action: {do: compare, with: {scenario: %s, links: [dialup-56k, %s]}}
    check:
      kind: number
      question: Cost?
      answer: result("pop3", "dialup-56k").cost
---

## Step: race

Race.
`
	for _, tt := range []struct{ link, scenario, second, want string }{
		{"dialup-56k", "dialup-morning", "adsl-8m", ""},
		{"dialup-56", "dialup-morning", "adsl-8m", `typo.md:7: link: "dialup-56" is not one of`},
		{"dialup-56k", "dialup-mornin", "adsl-8m", `typo.md:14: steps[0].action.with.scenario: "dialup-mornin" is not one of`},
		{"dialup-56k", "dialup-morning", "custom", `typo.md:14: steps[0].action.with.links: "custom" is not one of`},
	} {
		_, err := lessons.Parse("typo.md", []byte(fmt.Sprintf(lesson, tt.link, tt.scenario, tt.second)), Catalog())
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("link %s, scenario %s, links %s: %v; want %q", tt.link, tt.scenario, tt.second, err, tt.want)
		}
	}
	if got, want := strings.Join(ScenarioIDs(), ","), "dialup-morning,two-devices,search,folders,quota,always-on,leave-on-server,offline-imap"; got != want {
		t.Errorf("ScenarioIDs = %s, want %s", got, want)
	}
}
