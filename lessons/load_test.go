package lessons

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// mine is a small valid teacher's lesson; the tests break it one line at
// a time. Its line numbers are in the comments of the cases below.
const mine = `---
id: mine
title: Mine
order: 20
minutes: 5
level: beginner
objectives: [Count the RETRs]
claims: [pop3-download]
steps:
  - id: fetch
    title: Fetch
    claims: [pop3-download]
    action: {do: check-mail, with: {device: Home PC}}
    check:
      kind: number
      question: How many RETR?
      answer: trace.count(verb="RETR")
---

## Step: fetch

Watch the RETR lines.
`

func writeLessons(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func loadErrors(t *testing.T, files map[string]string) (*Set, []string) {
	t.Helper()
	dir := writeLessons(t, files)
	set, err := LoadDir(dir, testCatalog())
	if err == nil {
		return set, nil
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("LoadDir error %T %v, want Errors", err, err)
	}
	var out []string
	for _, e := range es {
		out = append(out, strings.TrimPrefix(e.Error(), dir+string(filepath.Separator)))
	}
	return set, out
}

func TestLoadMine(t *testing.T) {
	set, errs := loadErrors(t, map[string]string{"mine.md": mine, "README.md": "not a lesson", "_draft.md": "nor this"})
	if errs != nil {
		t.Fatalf("LoadDir: %v", errs)
	}
	if got, want := len(set.List()), builtinCount(t)+1; got != want {
		t.Errorf("%d lessons, want %d: the built-in ones and mine", got, want)
	}
	l, err := set.Get("mine")
	if err != nil {
		t.Fatal(err)
	}
	st := l.Steps[0]
	if st.Narrative != "Watch the RETR lines." || st.By != ByApp || st.Action.Do != "check-mail" {
		t.Errorf("step = %+v", st)
	}
	if d, _ := st.Action.With["device"].Text(); d != "Home PC" {
		t.Errorf("with.device = %v", st.Action.With["device"])
	}
	if l.Builtin || !strings.HasSuffix(l.File, "mine.md") {
		t.Errorf("mine: Builtin=%v File=%s", l.Builtin, l.File)
	}
	// mine says order: 20, after every built-in lesson.
	if list := set.List(); list[0].ID != "journey" || list[len(list)-1].ID != "mine" {
		t.Errorf("order = %v, want journey first and mine last", list)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // a change to mine
		want     []string
	}{
		{"broken YAML", `title: Mine`, `title: [Mine`,
			[]string{`mine.md:3: broken YAML: did not find expected ',' or ']'`}},
		{"broken YAML, tab", "level: beginner", "level: beginner\n\tx: 1",
			[]string{`mine.md:7: broken YAML: found a tab character that violates indentation`}},
		{"unknown action", `do: check-mail`, `do: chek-mail`,
			[]string{`mine.md:13: steps[0].action.do: unknown action "chek-mail" (did you mean "check-mail"?); the lab offers ` + actionList()}},
		{"unknown function", `trace.count(verb="RETR")`, `trace.cnt(verb="RETR")`,
			[]string{`mine.md:17: steps[0].check.answer: unknown function "trace.cnt" (did you mean "trace.count"?)`}},
		{"unknown keyword", `trace.count(verb="RETR")`, `trace.count(verbs="RETR")`,
			[]string{`mine.md:17: steps[0].check.answer: trace.count has no keyword "verbs" (did you mean "verb"?); it takes "verb", "protocol", "dir", "status", "device", "session", "tls", "secret" (at column 13)`}},
		{"missing answer", "\n      answer: trace.count(verb=\"RETR\")", "",
			[]string{`mine.md:14: steps[0].check.answer: missing: a number check needs answer: <expression>, such as trace.count(verb="RETR")`}},
		{"answer written into the lesson", `answer: trace.count(verb="RETR")`, `answer: 3`,
			[]string{`mine.md:17: steps[0].check.answer: 3 is written into the lesson: an answer must come from the run (a name or a function of the lab); mark the check concept: true if it asks about the protocol itself`}},
		{"answer of the wrong type", `answer: trace.count(verb="RETR")`, `answer: trace.count(verb="RETR") > 0`,
			[]string{`mine.md:17: steps[0].check.answer: trace.count(verb="RETR") > 0 yields a bool; want a number`}},
		{"unknown claim", `claims: [pop3-download]
steps`, `claims: [pop3-dowload]
steps`,
			[]string{
				`mine.md:8: claims[0]: unknown claim "pop3-dowload" (did you mean "pop3-download"?); the claims are ` + strings.Join(ClaimIDs, ", "),
				`mine.md:12: steps[0].claims[0]: "pop3-download" is not among the lesson's claims: add it there`,
			}},
		{"claim without a check", `    claims: [pop3-download]
`, ``,
			[]string{`mine.md:8: claims[0]: "pop3-download" is covered by no step with a check: add it to the claims of the step whose check teaches it`}},
		{"unknown field", `title: Fetch`, `tittle: Fetch`,
			[]string{
				`mine.md:10: steps[0].title: missing`,
				`mine.md:11: steps[0].tittle: unknown field (did you mean "title"?); a step has id, title, narrative, claims, action, by, watch, check`,
			}},
		{"minutes", `minutes: 5`, `minutes: 45`,
			[]string{`mine.md:5: minutes: 45 is out of range: a lesson takes 5 to 15 minutes`}},
		{"link", `level: beginner`, "level: beginner\nlink: dialup-57k",
			[]string{`mine.md:7: link: "dialup-57k" is not one of "dialup-56k", "isdn-128k", "adsl-8m", "fibre-1g" (did you mean "dialup-56k"?)`}},
		{"empty link", `level: beginner`, "level: beginner\nlink: ''",
			[]string{`mine.md:7: link: empty: name a link preset, or leave link out`}},
		{"list item not in the enum", `action: {do: check-mail, with: {device: Home PC}}`, `action: {do: compare, with: {scenario: dialup-morning, links: [dialup-56k, adsl8m]}}`,
			[]string{`mine.md:13: steps[0].action.with.links: "adsl8m" is not one of "dialup-56k", "isdn-128k", "adsl-8m", "fibre-1g" (did you mean "adsl-8m"?)`}},
		{"unknown scenario", `action: {do: check-mail, with: {device: Home PC}}`, `action: {do: compare, with: {scenario: dialup-mornin}}`,
			[]string{`mine.md:13: steps[0].action.with.scenario: "dialup-mornin" is not one of "dialup-morning", "two-devices", "search", "folders", "quota", "always-on", "leave-on-server", "offline-imap" (did you mean "dialup-morning"?)`}},
		{"level", `level: beginner`, `level: beginer`,
			[]string{`mine.md:6: level: "beginer" is not one of "beginner", "intermediate", "advanced" (did you mean "beginner"?)`}},
		{"bad id", `id: mine`, `id: My Lesson`,
			[]string{`mine.md:2: id: "My Lesson": want kebab-case (lower-case letters and digits, joined by dashes)`}},
		{"tolerance", `answer: trace.count(verb="RETR")`, "answer: trace.count(verb=\"RETR\")\n      tolerance: five%",
			[]string{`mine.md:18: steps[0].check.tolerance: "five%": want a percentage from 0% to 100%`}},
		{"unknown parameter", `with: {device: Home PC}`, `with: {device: Home PC, fast: true}`,
			[]string{`mine.md:13: steps[0].action.with.fast: check-mail takes no parameter "fast"; it takes "device"`}},
		{"missing parameter", `with: {device: Home PC}`, `with: {}`,
			[]string{`mine.md:13: steps[0].action.with: check-mail needs device`}},
		{"parameter not in the enum", `with: {device: Home PC}`, `with: {device: Home-PC}`,
			[]string{`mine.md:13: steps[0].action.with.device: "Home-PC" is not one of "Home PC", "Laptop", "Phone" (did you mean "Home PC"?)`}},
		{"by without action", `    action: {do: check-mail, with: {device: Home PC}}`, `    by: learner`,
			[]string{`mine.md:13: steps[0].by: there is no action to do`}},
		{"unknown view", `    action:`, "    watch: {view: servr}\n    action:",
			[]string{`mine.md:13: steps[0].watch.view: unknown view "servr" (did you mean "server"?); the lab has "server", "Home PC", "Laptop", "Phone"`}},
		{"unknown trace field", `    action:`, "    watch: {trace: {verbb: RETR}}\n    action:",
			[]string{`mine.md:13: steps[0].watch.trace.verbb: unknown trace field "verbb" (did you mean "verb"?); filter by "device", "dir", "protocol", "status", "verb"`}},
		{"unknown step section", `## Step: fetch`, "## Step: fetch\n\nok\n\n## Step: fecth",
			[]string{`mine.md:24: ## Step: fecth: no step has the id "fecth" (did you mean "fetch"?)`}},
		{"step heading with a title", `## Step: fetch`, `## Step: fetch — Fetch`,
			[]string{
				`mine.md:20: ## Step: fetch — Fetch: want "## Step: <step id>", the id alone (the title is the step's title:)`,
			}},
		{"missing narrative", `## Step: fetch`, `## Fetch`,
			[]string{`mine.md:10: steps[0].narrative: missing: write a section "## Step: fetch" below the front matter`}},
		{"two narratives", `    title: Fetch`, "    title: Fetch\n    narrative: Also here.",
			[]string{`mine.md:21: ## Step: fetch: the step already has a narrative in the front matter: keep one of the two`}},
		{"no id", "id: mine\n", "",
			[]string{`mine.md:2: id: missing`}},
		{"no step id", "  - id: fetch\n    title: Fetch", "  - title: Fetch",
			[]string{`mine.md:10: steps[0].id: missing`, `mine.md:19: ## Step: fetch: no step has the id "fetch"`}},
		{"no front matter", "---\nid: mine", "id: mine",
			[]string{`mine.md:1: no front matter: a lesson starts with a line "---", its YAML fields, and another "---"`}},
		{"unknown prerequisite", `claims: [pop3-download]
steps`, `prerequisites: [jorney]
claims: [pop3-download]
steps`,
			[]string{`mine.md:8: prerequisites[0]: no lesson "jorney" (did you mean "journey"?)`}},
		{"quotes taken by YAML", `kind: number
      question: How many RETR?
      answer: trace.count(verb="RETR")`, `kind: text
      question: How many RETR?
      answer: "RETR"`,
			[]string{`mine.md:17: steps[0].check.answer: unknown name "RETR"; YAML took the quotes off: to compare with a string, quote the expression too, '"DATA"'`}},
		{"unknown check kind", `kind: number`, `kind: numbr`,
			[]string{`mine.md:15: steps[0].check.kind: "numbr" is not one of "choice", "number", "text", "task" (did you mean "number"?)`}},
		{"several mistakes, all reported", `minutes: 5`, "minutes: 1\nlevel: expert\nlevel: beginner",
			[]string{
				`mine.md:5: minutes: 1 is out of range: a lesson takes 5 to 15 minutes`,
				`mine.md:6: level: "expert" is not one of "beginner", "intermediate", "advanced"`,
				`mine.md:7: level: given twice`,
				`mine.md:8: level: given twice`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(mine, tt.old) {
				t.Fatalf("mine has no %q", tt.old)
			}
			set, errs := loadErrors(t, map[string]string{"mine.md": strings.Replace(mine, tt.old, tt.new, 1)})
			if strings.Join(errs, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("LoadDir errors:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(tt.want, "\n"))
			}
			// The broken lesson is left out; the built-in ones stay.
			if set == nil || len(set.List()) != builtinCount(t) || set.List()[0].ID != "journey" {
				t.Errorf("set after errors = %v, want the built-in lessons alone", set)
			}
		})
	}
}

func TestLoadCycle(t *testing.T) {
	a := strings.Replace(strings.Replace(mine, "id: mine", "id: a", 1), "claims: [pop3-download]\nsteps", "prerequisites: [journey, b]\nclaims: [pop3-download]\nsteps", 1)
	b := strings.Replace(strings.Replace(mine, "id: mine", "id: b", 1), "claims: [pop3-download]\nsteps", "prerequisites: [a]\nclaims: [pop3-download]\nsteps", 1)
	self := strings.Replace(strings.Replace(mine, "id: mine", "id: c", 1), "claims: [pop3-download]\nsteps", "prerequisites:\n  - c\nclaims: [pop3-download]\nsteps", 1)
	_, errs := loadErrors(t, map[string]string{"a.md": a, "b.md": b, "c.md": self})
	want := []string{
		`a.md:8: prerequisites[1]: prerequisites form a cycle: a → b → a`,
		`b.md:8: prerequisites[0]: prerequisites form a cycle: b → a → b`,
		`c.md:9: prerequisites[0]: a lesson cannot be its own prerequisite`,
	}
	if strings.Join(errs, "\n") != strings.Join(want, "\n") {
		t.Errorf("LoadDir errors:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadDuplicateID(t *testing.T) {
	_, errs := loadErrors(t, map[string]string{"one.md": mine, "two.md": mine})
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "two.md:2: id: \"mine\" is also the id of ") || !strings.HasSuffix(errs[0], "one.md") {
		t.Errorf("LoadDir errors = %q, want two.md:2 naming one.md", errs)
	}
}

func TestTeacherReplacesBuiltin(t *testing.T) {
	theirs := strings.Replace(strings.Replace(mine, "id: mine", "id: journey", 1), "title: Mine", "title: Our own first lesson", 1)
	set, errs := loadErrors(t, map[string]string{"first.md": theirs})
	if errs != nil {
		t.Fatal(errs)
	}
	if n := len(set.List()); n != builtinCount(t) {
		t.Fatalf("%d lessons, want the built-in ones with the teacher's journey", n)
	}
	l, _ := set.Get("journey")
	if l.Title != "Our own first lesson" || l.Builtin || filepath.Base(l.File) != "first.md" {
		t.Errorf("journey = %q builtin=%v file=%s, want the teacher's", l.Title, l.Builtin, l.File)
	}
	// A missing folder adds nothing and is no error.
	set, err := LoadDir(filepath.Join(t.TempDir(), "none"), testCatalog())
	if err != nil || len(set.List()) != builtinCount(t) || !set.List()[0].Builtin {
		t.Errorf("LoadDir(missing) = %v, %v; want the built-in lessons", set, err)
	}
}

func TestBuiltinAgainstWrongCatalog(t *testing.T) {
	// A runner whose catalogue lacks what lesson 1 needs hears it, with
	// the built-in file's name.
	cat := testCatalog()
	delete(cat.Funcs, "trace.bytes")
	_, err := Builtin(cat)
	if err == nil || !strings.Contains(err.Error(), `lessons/builtin/01-journey.md:`) || !strings.Contains(err.Error(), `unknown function "trace.bytes"`) {
		t.Errorf("Builtin = %v, want an unknown trace.bytes in 01-journey.md", err)
	}
}

func TestChecksParse(t *testing.T) {
	step := func(check string) string {
		return strings.Replace(mine, "    check:\n      kind: number\n      question: How many RETR?\n      answer: trace.count(verb=\"RETR\")\n", check, 1)
	}
	tests := []struct {
		name, check string
		want        []string
	}{
		{"choice from the run", `    check:
      kind: choice
      question: Deleted?
      options:
        - {text: "Yes", correct: trace.count(verb="DELE") > 0}
        - {text: "No", correct: trace.count(verb="DELE") == 0}
        - {text: Never, correct: false}
`, nil},
		{"choice by answer", `    check:
      kind: choice
      question: Which link?
      options: [dialup-56k, adsl-8m]
      answer: link.preset
`, nil},
		{"choice without source", `    check:
      kind: choice
      question: Which link?
      options: [dialup-56k, adsl-8m]
`, []string{`mine.md:14: steps[0].check.answer: missing: give each option correct: <expression>, or the check answer: <expression> yielding an option's text`}},
		{"choice half sourced", `    check:
      kind: choice
      question: Deleted?
      options:
        - {text: "Yes", correct: trace.count(verb="DELE") > 0}
        - "No"
`, []string{`mine.md:19: steps[0].check.options[1].correct: missing: when one option has correct:, every option needs it (false for one that is never right)`}},
		{"choice all literal", `    check:
      kind: choice
      question: Which protocol fetches?
      options:
        - {text: SMTP, correct: false}
        - {text: POP3, correct: true}
`, []string{`mine.md:17: steps[0].check.options: every correct: is written into the lesson: at least one must come from the run; mark the check concept: true if it asks about the protocol itself`}},
		{"choice all literal, concept", `    check:
      kind: choice
      concept: true
      question: Which protocol fetches?
      options:
        - {text: SMTP, correct: false}
        - {text: POP3, correct: true}
`, nil},
		{"text accept without concept", `    check:
      kind: text
      question: Which command?
      accept: [RETR]
`, []string{`mine.md:17: steps[0].check.accept: literal answers are allowed only for words of the protocol: mark the check concept: true, or compute the answer from the run with answer:`}},
		{"text from the run", `    check:
      kind: text
      question: Which link?
      answer: link.preset
`, nil},
		{"task", `    check:
      kind: task
      prompt: Read everything on the Laptop.
      goal: device("Laptop").unread == 0
`, nil},
		{"task without goal", `    check:
      kind: task
      prompt: Read everything on the Laptop.
`, []string{`mine.md:14: steps[0].check.goal: missing: a task needs goal: <expression>, such as device("Laptop").unread == 3`}},
		{"number with options", `    check:
      kind: number
      question: How many?
      answer: run.round_trips
      options: [a, b]
`, []string{`mine.md:18: steps[0].check.options: a number check has no options (it takes answer and tolerance)`}},
		{"block-scalar answer", `    check:
      kind: number
      question: How many?
      answer: >
        trace.count(verb="RETR")
        + trace.count(verb="TOP")
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := loadErrors(t, map[string]string{"mine.md": step(tt.check)})
			if strings.Join(errs, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("LoadDir errors:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestNarrativeInFrontMatter(t *testing.T) {
	text := strings.Replace(mine, "    title: Fetch\n", "    title: Fetch\n    narrative: |\n      Watch the RETR lines.\n", 1)
	text = strings.Replace(text, "## Step: fetch\n\nWatch the RETR lines.\n", "Intro.\n\n```\n## Step: fetch\n```\n", 1)
	l, err := Parse("mine.md", []byte(text), testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	if l.Steps[0].Narrative != "Watch the RETR lines." {
		t.Errorf("narrative = %q", l.Steps[0].Narrative)
	}
	if want := "Intro.\n\n```\n## Step: fetch\n```"; l.Intro != want {
		t.Errorf("intro = %q, want %q (a heading in a code block is text)", l.Intro, want)
	}
}

func TestLoadFS(t *testing.T) {
	set, err := LoadFS(fstest.MapFS{"mine.md": {Data: []byte(mine)}, "notes.txt": {Data: []byte("x")}}, testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(set.List()), builtinCount(t)+1; got != want {
		t.Errorf("LoadFS: %d lessons, want %d", got, want)
	}
	if _, err := set.Get("mne"); err == nil || !strings.Contains(err.Error(), `(did you mean "mine"?)`) {
		t.Errorf("Get(mne) = %v", err)
	}
}

func FuzzParseLesson(f *testing.F) {
	f.Add([]byte(mine))
	if b, err := builtin.ReadFile("builtin/01-journey.md"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("---\nsteps: [1, [2], {a: b}]\nclaims: {x: 1}\n---\n## Step: \n"))
	cat := testCatalog()
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("f.md", data, cat)
		if err == nil && l == nil {
			t.Fatal("Parse returned neither a lesson nor an error")
		}
		var es Errors
		if err != nil && !errors.As(err, &es) {
			t.Fatalf("Parse error %T, want Errors", err)
		}
	})
}

// builtinCount is how many lessons are built in.
func builtinCount(t *testing.T) int {
	t.Helper()
	set, err := Builtin(testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	return len(set.List())
}

// actionList is the test catalogue's actions as the loader lists them.
func actionList() string {
	var ids []string
	for id := range testCatalog().Actions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}
