package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLessonsJSON(t *testing.T) {
	code, out, errOut := run(t, "lessons", "--json", "--dir", "")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var journey map[string]any
	for _, l := range list {
		if l["id"] == "journey" {
			journey = l
		}
	}
	if journey == nil {
		t.Fatalf("no journey in %s", out)
	}
	want := []string{"checks", "claims", "id", "minutes", "steps", "title"}
	if len(journey) != len(want) {
		t.Errorf("keys %v, want %v", journey, want)
	}
	for _, k := range want {
		if _, ok := journey[k]; !ok {
			t.Errorf("no %q in %v", k, journey)
		}
	}
	if journey["steps"] != 9.0 || journey["checks"] != 7.0 || journey["minutes"] != 10.0 {
		t.Errorf("journey = %v", journey)
	}
	if claims, _ := journey["claims"].([]any); len(claims) == 0 {
		t.Errorf("claims = %v", journey["claims"])
	}
}

func TestLessonsShow(t *testing.T) {
	code, out, errOut := run(t, "lessons", "show", "journey", "--dir", "")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"A message's journey", "You will be able to:", "Name the four stops",
		"9. Read it, and the server knows", "Q: How many lines of the trace show the SMTP server answering 250",
		"1) Only on the Home PC", "Do: Open “Lunch tomorrow?” on the Laptop.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut := run(t, "lessons", "show", "jorney", "--dir", ""); code != ExitError || !strings.Contains(errOut, `did you mean "journey"`) {
		t.Errorf("show jorney: exit %d, stderr %q", code, errOut)
	}
}

func TestLessonsRunJSON(t *testing.T) {
	for _, args := range [][]string{
		{"lessons", "run", "journey", "--json", "--dir", ""},
		{"lessons", "run", "--all", "--link", "dialup-56k", "--seed", "7", "--json", "--dir", ""},
	} {
		code, out, errOut := run(t, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
		var got struct {
			Lessons []struct {
				ID     string `json:"id"`
				OK     bool   `json:"ok"`
				Checks []struct {
					Step, Question, Answer string
					OK                     bool
				} `json:"checks"`
			} `json:"lessons"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: not JSON: %v\n%s", args, err, out)
		}
		if len(got.Lessons) == 0 || got.Lessons[0].ID != "journey" || !got.Lessons[0].OK || len(got.Lessons[0].Checks) != 7 {
			t.Fatalf("%v: %s", args, out)
		}
		ids := map[string]bool{}
		for _, l := range got.Lessons {
			ids[l.ID] = true
			if !l.OK || len(l.Checks) == 0 {
				t.Errorf("%v: lesson %s: %+v", args, l.ID, l)
			}
			for _, c := range l.Checks {
				if c.Step == "" || c.Question == "" || c.Answer == "" || !c.OK {
					t.Errorf("%v: %s: check %+v", args, l.ID, c)
				}
			}
		}
		// --all plays every built-in lesson.
		if slices.Contains(args, "--all") && (!ids["pop3-delete"] || !ids["imap-state"]) {
			t.Errorf("%v: lessons %v, want pop3-delete and imap-state among them", args, ids)
		}
	}
}

// Lesson 3's broken check is reported as the fault it meant, not an error.
func TestLessonsRunFault(t *testing.T) {
	code, out, errOut := run(t, "lessons", "run", "pop3-delete", "--link", "dialup-56k", "--dir", "")
	if code != ExitOK || !strings.Contains(out, "pop3-delete on dialup-56k: ok (7 checks") ||
		!strings.Contains(out, "fault: step broken-check: check-mail, broken by the armed fault") || strings.Contains(out, "error:") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestLessonsRunText(t *testing.T) {
	code, out, errOut := run(t, "lessons", "run", "journey", "--dir", "")
	if code != ExitOK || !strings.Contains(out, "journey on adsl-8m: ok (7 checks") || !strings.Contains(out, "→ DATA") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}

// A lesson that names its link runs on it; --link moves it, and every
// other lesson, to the preset given.
func TestLessonsRunLink(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"dialup-vs-broadband"}, []string{"dialup-vs-broadband on dialup-56k: ok"}},
		{[]string{"dialup-vs-broadband", "--link", "isdn-128k"}, []string{"dialup-vs-broadband on isdn-128k: ok"}},
		{[]string{"--all"}, []string{"journey on adsl-8m: ok", "dialup-vs-broadband on dialup-56k: ok"}},
		{[]string{"--all", "--link", "fibre-1g"}, []string{"journey on fibre-1g: ok", "dialup-vs-broadband on fibre-1g: ok"}},
	} {
		code, out, errOut := run(t, append(append([]string{"lessons", "run"}, tt.args...), "--dir", "")...)
		for _, w := range tt.want {
			if code != ExitOK || !strings.Contains(out, w) {
				t.Errorf("%v: exit %d, want %q in\n%s%s", tt.args, code, w, out, errOut)
			}
		}
	}
}

func TestLessonsRunUsage(t *testing.T) {
	for _, args := range [][]string{
		{"lessons", "run"},
		{"lessons", "run", "journey", "--all"},
		{"lessons", "run", "journey", "--link", "modem"},
		{"lessons", "frobnicate"},
		{"lessons", "run", "journey", "--nope"},
	} {
		if code, _, errOut := run(t, append(args, "--dir", "")...); code != ExitUsage || !strings.Contains(errOut, "Usage: mailscope lessons") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	code, out, errOut := run(t, "lessons", "run", "--help")
	if code != ExitOK || errOut != "" || strings.Count(out, "Usage: mailscope lessons") != 1 {
		t.Errorf("run --help: exit %d, stderr %q, stdout %q", code, errOut, out)
	}
}

// A lesson whose run cannot answer its own check fails run, exit 1.
func TestLessonsRunFails(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "gone.md"), `---
id: gone
title: The Phone empties the server (it does not)
order: 50
minutes: 5
level: beginner
objectives: [None]
claims: [imap-server-state]
steps:
  - id: reset
    title: Two messages
    narrative: Two messages wait.
    action: {do: reset-lab, with: {messages: 2}}
  - id: phone
    title: The Phone checks
    narrative: The Phone looks.
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
	code, out, errOut := run(t, "lessons", "run", "gone", "--json", "--dir", dir)
	if code != ExitError || !strings.Contains(out, `"ok": false`) || !strings.Contains(errOut, "1 of 1 lesson failed") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLessonsCheck(t *testing.T) {
	code, out, errOut := run(t, "lessons", "check", filepath.Join(t.TempDir(), "nowhere"))
	if code != ExitOK || !strings.Contains(out, "lessons ok") && !strings.Contains(out, "lesson ok") {
		t.Errorf("built-ins only: exit %d, stderr %q, stdout %q", code, errOut, out)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.md")
	writeFile(t, bad, `---
id: bad
title: A bad lesson
order: 60
minutes: 5
level: beginner
objectives: [None]
claims: [clients]
steps:
  - id: count
    title: Count
    narrative: Count the lines.
    claims: [clients]
    check:
      kind: number
      question: How many?
      answer: trace.cnt(verb="RETR")
---
`)
	code, out, errOut = run(t, "lessons", "check", dir)
	want := bad + `:17: steps[0].check.answer: unknown function "trace.cnt" (did you mean "trace.count"?)`
	if code != ExitError || !strings.Contains(errOut, want) || out != "" {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant %s", code, out, errOut, want)
	}
	// The other subcommands load the same folder, and stop on it too.
	if code, _, errOut := run(t, "lessons", "--dir", dir); code != ExitError || !strings.Contains(errOut, bad+":17:") {
		t.Errorf("lessons --dir: exit %d, stderr %q", code, errOut)
	}
}
