package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/lessonrun"
)

// newLessonsApp is an app whose progress and teacher's lessons live in
// temporary folders.
func newLessonsApp(t *testing.T, rt Runtime, lessonsDir string) (*App, string) {
	t.Helper()
	config := t.TempDir()
	a, err := NewWith(rt, lab.Options{}, Options{ConfigDir: config, LessonsDir: lessonsDir})
	if err != nil {
		t.Fatal(err)
	}
	a.Startup(context.Background())
	t.Cleanup(a.Shutdown)
	return a, config
}

func builtinLesson(t *testing.T, id string) *lessons.Lesson {
	t.Helper()
	set, err := lessons.Builtin(lessonrun.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	l, err := set.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The course lists the built-in lessons and the teacher's own, in
// order, with their counts.
func TestLessonsList(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "lessons", "builtin", "01-journey.md"))
	if err != nil {
		t.Fatal(err)
	}
	mine := strings.Replace(string(b), "id: journey", "id: my-journey", 1)
	mine = strings.Replace(mine, "order: 1", "order: 99", 1)
	if err := os.WriteFile(filepath.Join(dir, "mine.md"), []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	a, _ := newLessonsApp(t, NopRuntime{}, dir)
	list, err := a.Lessons.List()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]LessonSummaryDTO{}
	var order []int
	for _, s := range list {
		byID[s.ID] = s
		order = append(order, s.Order)
	}
	if !slices.IsSorted(order) {
		t.Errorf("List is not in order: %v", order)
	}
	j := builtinLesson(t, "journey")
	want := j.Summary()
	got := byID["journey"]
	if got.Title != j.Title || got.Steps != want.Steps || got.Checks != want.Checks || !got.Builtin ||
		!slices.Equal(got.Claims, j.Claims) || len(got.Objectives) != len(j.Objectives) || got.Prerequisites == nil {
		t.Errorf("journey = %+v, want %+v", got, want)
	}
	if m, ok := byID["my-journey"]; !ok || m.Builtin || m.Order != 99 || m.Steps != want.Steps {
		t.Errorf("the teacher's lesson = %+v, %v", m, ok)
	}
	if _, ok := byID["pop3-delete"]; !ok {
		t.Error("no pop3-delete in the list")
	}
	// A teacher's file with a mistake leaves the built-in course.
	if err := os.WriteFile(filepath.Join(dir, "broken.md"), []byte("---\nid: broken\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	list, err = a.Lessons.List()
	if err != nil || len(list) == 0 {
		t.Fatalf("List with a broken teacher's file = %d lessons, %v", len(list), err)
	}
	for _, s := range list {
		if !s.Builtin {
			t.Errorf("with a broken file in the folder, List still has %s", s.ID)
		}
	}
}

// Get gives the player everything but the answers: no answer
// expression, no option's rule, no goal, no explanation, no accepted
// word list.
func TestLessonsGetHidesAnswers(t *testing.T) {
	a, _ := newLessonsApp(t, NopRuntime{}, t.TempDir())
	set, err := lessons.Builtin(lessonrun.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	consoles := 0
	for _, l := range set.List() {
		id := l.ID
		dto, err := a.Lessons.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(dto)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		var secrets []string
		checks := 0
		for i, st := range l.Steps {
			got := dto.Steps[i]
			if got.ID != st.ID || got.By != st.By || (got.Action == nil) != (st.Action == nil) || (got.Check == nil) != (st.Check == nil) {
				t.Errorf("%s step %d = %+v, want %s", id, i, got, st.ID)
			}
			if st.Action != nil && (got.Action.Do != st.Action.Do || got.Action.Text == "" || len(got.Action.With) != len(st.Action.With)) {
				t.Errorf("%s %s action = %+v", id, st.ID, got.Action)
			}
			if st.Action != nil && st.Action.Do == "console" {
				lines, ok := got.Action.With["lines"].([]string)
				if want := strings.Split(strings.TrimSuffix(st.Action.With["lines"].String(), "\n"), "\n"); !ok || !slices.Equal(lines, want) {
					t.Errorf("%s %s: the console's lines = %#v, want %q", id, st.ID, got.Action.With["lines"], want)
				}
				consoles++
			}
			c := st.Check
			if c == nil {
				continue
			}
			checks++
			if got.Check.Kind != string(c.Kind) || len(got.Check.Options) != len(c.Options) || len(got.Check.Hints) != len(c.Hints) {
				t.Errorf("%s %s check = %+v", id, st.ID, got.Check)
			}
			if c.Explanation != "" {
				secrets = append(secrets, c.Explanation)
			}
			for _, e := range []*lessons.Expr{c.Answer, c.Goal} {
				if e != nil {
					secrets = append(secrets, e.String())
				}
			}
			for _, o := range c.Options {
				if o.Correct != nil && o.Correct.String() != "false" && o.Correct.String() != "true" {
					secrets = append(secrets, o.Correct.String())
				}
			}
		}
		if checks == 0 || len(secrets) < checks {
			t.Fatalf("%s: %d checks, %d secrets: the test looks at nothing", id, checks, len(secrets))
		}
		for _, s := range secrets {
			js, _ := json.Marshal(s)
			if strings.Contains(text, strings.Trim(string(js), `"`)) {
				t.Errorf("%s: Get's JSON holds %q", id, s)
			}
		}
		for _, key := range []string{`"answer"`, `"explanation"`, `"goal"`, `"accept"`, `"correct"`} {
			if strings.Contains(text, key) {
				t.Errorf("%s: Get's JSON has a %s field", id, key)
			}
		}
	}
	if consoles == 0 {
		t.Error("no built-in lesson opens the console: the lines' test looks at nothing")
	}
	if _, err := a.Lessons.Get("no-such-lesson"); err == nil {
		t.Error("Get(no-such-lesson): no error")
	}
}

// uiAnswer is what the player sends for the run's answer: a choice's
// option by its index, anything else as the run wrote it.
func uiAnswer(t *testing.T, c *CheckDTO, expected string) string {
	t.Helper()
	if c.Kind != "choice" {
		return expected
	}
	if i := slices.Index(c.Options, expected); i >= 0 { // one option, perhaps with a "; " of its own
		return strconv.Itoa(i)
	}
	var idx []string
	for _, want := range strings.Split(expected, "; ") {
		i := slices.Index(c.Options, want)
		if i < 0 {
			t.Fatalf("the run's answer %q is no option of %v", want, c.Options)
		}
		idx = append(idx, strconv.Itoa(i))
	}
	return strings.Join(idx, ",")
}

// A learner walks lessons 1 and 3 in the app: the app (or "Do it for
// me") does each step's action in the live lab, and every check answered
// with the run's own answer is right; a wrong number is not, and brings
// a hint but not the answer.
func TestLessonsWalk(t *testing.T) {
	rec := &recorder{}
	a, _ := newLessonsApp(t, rec, t.TempDir())
	for _, id := range []string{"journey", "pop3-delete"} {
		l := builtinLesson(t, id)
		dto, err := a.Lessons.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		rec.progress()
		faults := 0
		for i, st := range dto.Steps {
			if st.Action != nil {
				out, err := a.Lessons.Perform(id, st.ID)
				if err != nil || !out.Done || out.Error != "" || out.Outcome == "" {
					t.Fatalf("%s: Perform(%s) = %+v, %v", id, st.ID, out, err)
				}
				if out.Fault {
					faults++
				}
				if st.Action.Do == "check-mail" && !out.Fault {
					// The views are settled before Perform returns: what the
					// device downloaded is already on its way to the UI.
					device := st.Action.With["device"].(string)
					if !viewsTold(rec, device) {
						t.Errorf("%s %s: Perform returned before the views told of %s's check", id, st.ID, device)
					}
				}
				p := rec.progress()
				if len(p) != 2 || p[0].State != "running" || p[1].State == "running" || p[1].Outcome != out.Outcome {
					t.Errorf("%s %s: action:progress %+v, want running then its end", id, st.ID, p)
				}
				if st.Action.Do == "reset-lab" {
					ev := rec.waitEvent(t, EventLessonsChanged, func(d any) bool {
						return d.(LessonsChangedDTO).ID == id && d.(LessonsChangedDTO).TraceFrom == out.TraceFrom
					})
					snap, _ := a.Trace.Snapshot()
					if got := ev.(LessonsChangedDTO).TraceFrom; got != snap.Seq+1 {
						t.Errorf("%s: traceFrom %d right after the reset, trace at %d", id, got, snap.Seq)
					}
					if g, _ := a.Lessons.Get(id); g.TraceFrom != out.TraceFrom {
						t.Errorf("%s: Get's traceFrom %d, Perform's %d", id, g.TraceFrom, out.TraceFrom)
					}
				}
			}
			c := st.Check
			if c == nil {
				continue
			}
			if c.Kind == "number" {
				wrong, err := a.Lessons.Answer(id, st.ID, "1234567")
				if err != nil || wrong.Correct || wrong.Expected != "" || wrong.Explanation != "" || wrong.Feedback == "" {
					t.Errorf("%s %s: a wrong number = %+v, %v", id, st.ID, wrong, err)
				}
				if hints := l.Steps[i].Check.Hints; len(hints) > 0 && wrong.Hint != hints[0] {
					t.Errorf("%s %s: hint %q after a wrong answer, want the first %q", id, st.ID, wrong.Hint, hints[0])
				}
				if unread, _ := a.Lessons.Answer(id, st.ID, "lots"); unread.Correct || unread.Hint != "" || unread.Feedback == "" {
					t.Errorf("%s %s: an answer that is no number = %+v; want feedback and no hint spent", id, st.ID, unread)
				}
			}
			rev, err := a.Lessons.Reveal(id, st.ID)
			if err != nil || rev.Expected == "" || rev.Explanation == "" || rev.Correct {
				t.Fatalf("%s %s: Reveal = %+v, %v", id, st.ID, rev, err)
			}
			got, err := a.Lessons.Answer(id, st.ID, uiAnswer(t, c, rev.Expected))
			if err != nil || !got.Correct || got.Expected != rev.Expected || got.Explanation != rev.Explanation || got.Hint != "" ||
				!slices.Equal(got.Options, rev.Options) || (c.Kind == "choice") != (len(rev.Options) > 0) {
				t.Errorf("%s %s: Answer(the run's %q) = %+v, %v", id, st.ID, rev.Expected, got, err)
			}
			if c.Kind == "choice" {
				if byText, _ := a.Lessons.Answer(id, st.ID, strings.Split(rev.Expected, "; ")[0]); !byText.Correct && !strings.Contains(rev.Expected, "; ") {
					t.Errorf("%s %s: the right option by its text = %+v", id, st.ID, byText)
				}
				if out, err := a.Lessons.Answer(id, st.ID, strconv.Itoa(len(c.Options))); err != nil || out.Correct {
					t.Errorf("%s %s: an option past the last = %+v, %v", id, st.ID, out, err)
				}
			}
		}
		if want := map[string]int{"journey": 0, "pop3-delete": 1}[id]; faults != want {
			t.Errorf("%s: %d steps broken by a fault, want %d", id, faults, want)
		}
	}
	// A step with no check, and no such step.
	if _, err := a.Lessons.Answer("journey", "meet-the-lab", "1"); err == nil {
		t.Error("Answer on a step with no check: no error")
	}
	if _, err := a.Lessons.Perform("journey", "no-such-step"); err == nil {
		t.Error("Perform on no such step: no error")
	}
}

// Answers come from the learner's own run: before the action a check is
// about, the lab gives another answer, and the run's answer changes with
// what the learner does.
func TestLessonsAnswerFollowsTheRun(t *testing.T) {
	a, _ := newLessonsApp(t, NopRuntime{}, t.TempDir())
	if _, err := a.Lessons.Perform("pop3-delete", "three-waiting"); err != nil {
		t.Fatal(err)
	}
	// inbox-empty asks how many messages are left: 3 before the download.
	if got, err := a.Lessons.Answer("pop3-delete", "inbox-empty", "3"); err != nil || !got.Correct {
		t.Errorf("before the download, 3 left = %+v, %v", got, err)
	}
	if _, err := a.Lessons.Perform("pop3-delete", "download"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Lessons.Answer("pop3-delete", "inbox-empty", "3"); got.Correct {
		t.Error("after the download, 3 left is still right")
	}
	if got, _ := a.Lessons.Answer("pop3-delete", "inbox-empty", "0"); !got.Correct {
		t.Errorf("after the download, 0 left = %+v", got)
	}
	// Hints come one per wrong answer, then none; a reset-lab starts the
	// lesson's run again, and its hints with it.
	hints := builtinLesson(t, "pop3-delete").Step("inbox-empty").Check.Hints
	for _, step := range []string{"three-waiting", "download"} {
		if _, err := a.Lessons.Perform("pop3-delete", step); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for range len(hints) + 1 {
		g, _ := a.Lessons.Answer("pop3-delete", "inbox-empty", "99")
		got = append(got, g.Hint)
	}
	if want := append(slices.Clone(hints), ""); !slices.Equal(got, want) {
		t.Errorf("hints after wrong answers = %q, want %q", got, want)
	}
	if _, err := a.Lessons.Perform("pop3-delete", "three-waiting"); err != nil {
		t.Fatal(err)
	}
	if g, _ := a.Lessons.Answer("pop3-delete", "inbox-empty", "99"); g.Hint != hints[0] {
		t.Errorf("after reset-lab, the first wrong answer's hint = %q, want %q", g.Hint, hints[0])
	}
}

// Detect sees the learner's own action, done with the app's buttons,
// only once it is done.
func TestLessonsDetect(t *testing.T) {
	a, _ := newLessonsApp(t, NopRuntime{}, t.TempDir())
	if _, err := a.Lessons.Perform("journey", "meet-the-lab"); err != nil {
		t.Fatal(err)
	}
	snap, _ := a.Trace.Snapshot()
	since := snap.Seq
	got, err := a.Lessons.Detect("journey", "send-one", since)
	if err != nil || got.Done || !got.Detectable || got.Detail == "" {
		t.Fatalf("Detect before the send = %+v, %v", got, err)
	}
	if _, err := a.Actions.Compose("Phone", DraftDTO{To: []string{"student@mailscope.lab"}, Subject: "not the laptop"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Lessons.Detect("journey", "send-one", since); got.Done {
		t.Errorf("the Phone's message counted as the Laptop's: %+v", got)
	}
	if _, err := a.Actions.Compose("Laptop", DraftDTO{To: []string{"student@mailscope.lab"}, Subject: "Hello from the laptop"}); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Lessons.Detect("journey", "send-one", since); err != nil || !got.Done || !got.Detectable {
		t.Errorf("Detect after the Laptop's send = %+v, %v", got, err)
	}
	// The app does a reset-lab; it is never asked of the learner.
	if got, err := a.Lessons.Detect("journey", "meet-the-lab", 0); err != nil || got.Detectable || got.Detail == "" {
		t.Errorf("Detect(reset-lab) = %+v, %v; want not detectable", got, err)
	}
	if got, err := a.Lessons.Detect("journey", "smtp-words", 0); err != nil || !got.Done {
		t.Errorf("Detect on a step with no action = %+v, %v", got, err)
	}
	if _, err := a.Lessons.Detect("journey", "no-such-step", 0); err == nil {
		t.Error("Detect on no such step: no error")
	}
}

// Progress is saved whole, read back as saved, and a missing or broken
// file is a fresh start.
func TestLessonsProgress(t *testing.T) {
	a, config := newLessonsApp(t, NopRuntime{}, t.TempDir())
	p, err := a.Lessons.Progress()
	if err != nil || p.Welcomed || p.Lessons == nil || len(p.Lessons) != 0 {
		t.Fatalf("Progress with no file = %+v, %v", p, err)
	}
	want := ProgressDTO{Welcomed: true, Lessons: map[string]LessonProgressDTO{
		"journey": {Step: "pop3-fetch", TraceFrom: 42, Answers: map[string]AnswerDTO{
			"send-one": {Answer: "13", Correct: true, Tries: 2},
		}},
		"pop3-delete": {Done: true, Answers: map[string]AnswerDTO{}},
	}}
	if err := a.Lessons.SaveProgress(want); err != nil {
		t.Fatal(err)
	}
	// A second app reads it from disk.
	b, err := NewWith(NopRuntime{}, lab.Options{}, Options{ConfigDir: config, LessonsDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Shutdown()
	got, err := b.Lessons.Progress()
	// A new app has a new lab: its trace is all the lesson's.
	fresh := want.normal()
	for id, lp := range fresh.Lessons {
		lp.TraceFrom = 1
		fresh.Lessons[id] = lp
	}
	if err != nil || !reflect.DeepEqual(got, fresh) {
		t.Errorf("Progress read back = %+v, %v; want %+v", got, err, fresh)
	}
	// In the app whose lesson ran, traceFrom is its run's.
	if _, err := a.Lessons.Perform("pop3-delete", "three-waiting"); err != nil {
		t.Fatal(err)
	}
	snap, _ := a.Trace.Snapshot()
	if got, _ := a.Lessons.Progress(); got.Lessons["pop3-delete"].TraceFrom != snap.Seq+1 || got.Lessons["journey"].TraceFrom != 1 {
		t.Errorf("traceFrom after pop3-delete's reset-lab = %+v, want %d for it, 1 for journey", got.Lessons, snap.Seq+1)
	}
	raw, err := os.ReadFile(filepath.Join(config, "progress.json"))
	if err != nil || !strings.Contains(string(raw), `"traceFrom": 42`) || !strings.Contains(string(raw), `"welcomed": true`) {
		t.Errorf("progress.json = %s, %v", raw, err)
	}
	if entries, _ := os.ReadDir(config); len(entries) != 1 {
		t.Errorf("the config folder holds %d files, want progress.json alone (no temporary file left)", len(entries))
	}
	// Saving again replaces it whole.
	if err := a.Lessons.SaveProgress(ProgressDTO{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Lessons.Progress(); got.Welcomed || len(got.Lessons) != 0 {
		t.Errorf("after saving empty progress: %+v", got)
	}
	for _, junk := range []string{"{not json", `{"welcomed": "yes"}`, ""} {
		if err := os.WriteFile(filepath.Join(config, "progress.json"), []byte(junk), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := a.Lessons.Progress()
		if err != nil || got.Welcomed || got.Lessons == nil || len(got.Lessons) != 0 {
			t.Errorf("Progress from %q = %+v, %v; want a fresh start", junk, got, err)
		}
	}
	// A folder that cannot be made is an error, not a crash.
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	c, err := NewWith(NopRuntime{}, lab.Options{}, Options{ConfigDir: filepath.Join(file, "sub")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown()
	if err := c.Lessons.SaveProgress(want); err == nil {
		t.Error("SaveProgress into a folder under a file: no error")
	}
}

// A Perform that takes its time on a slow link holds up neither the
// course nor the lesson's text.
func TestLessonsGetDoesNotWaitForPerform(t *testing.T) {
	rec := &recorder{}
	a, _ := newLessonsApp(t, rec, t.TempDir())
	if _, err := a.Link.SetSpeed(10); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Link.Select("dialup-56k"); err != nil { // the dial alone: 2 s at 10×
		t.Fatal(err)
	}
	if _, err := a.Lessons.Perform("journey", "meet-the-lab"); err != nil {
		t.Fatal(err)
	}
	rec.progress()
	done := make(chan StepOutcomeDTO)
	go func() {
		out, _ := a.Lessons.Perform("journey", "pop3-fetch")
		done <- out
	}()
	rec.waitEvent(t, EventActionProgress, func(d any) bool {
		p := d.(ActionProgressDTO)
		return p.Action == "check" && p.State == "running"
	})
	if _, err := a.Lessons.Get("journey"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lessons.List(); err != nil {
		t.Fatal(err)
	}
	select {
	case out := <-done:
		t.Fatalf("the check over the modem ended before Get returned: %+v", out)
	default:
	}
	out := <-done
	if !out.Done {
		t.Errorf("the check over the modem = %+v", out)
	}
}

// viewsTold reports whether a views:changed batch told of a device
// downloading or listing a message, and forgets the batches so far.
func viewsTold(rec *recorder, device string) bool {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	told := false
	keep := rec.events[:0]
	for _, e := range rec.events {
		if e.name != EventViewsChanged {
			keep = append(keep, e)
			continue
		}
		for _, c := range e.data[0].(ViewsBatchDTO).Changes {
			told = told || c.Device == device && (c.Kind == "device-downloaded" || c.Kind == "device-listed")
		}
	}
	rec.events = keep
	return told
}

// A lesson that names its own link puts the app's link there at its
// reset-lab; one that names none leaves the app's link as it is.
func TestLessonsOwnLink(t *testing.T) {
	a, _ := newLessonsApp(t, NopRuntime{}, t.TempDir())
	if _, err := a.Link.Select("cable-100m"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lessons.Perform("journey", "meet-the-lab"); err != nil {
		t.Fatal(err)
	}
	if st, _ := a.Link.State(); st.Profile.ID != "cable-100m" {
		t.Errorf("journey's reset-lab changed the app's link to %s", st.Profile.ID)
	}
	var own *lessons.Lesson
	set, _ := lessons.Builtin(lessonrun.Catalog())
	for _, l := range set.List() {
		if l.Link != "" && l.Steps[0].Action != nil && l.Steps[0].Action.Do == "reset-lab" {
			own = l
			break
		}
	}
	if own == nil {
		t.Skip("no built-in lesson names its own link and starts with reset-lab")
	}
	dto, _ := a.Lessons.Get(own.ID)
	if dto.Link != own.Link {
		t.Errorf("Get(%s).link = %q, want %q", own.ID, dto.Link, own.Link)
	}
	if _, err := a.Lessons.Perform(own.ID, own.Steps[0].ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := a.Link.State(); st.Profile.ID != own.Link {
		t.Errorf("%s's reset-lab left the app's link on %s, want %s", own.ID, st.Profile.ID, own.Link)
	}
}

// Every built-in lesson walks through in the app, the live clock fast
// (the modem's minutes pass in milliseconds): each step's action done by
// Perform, each check answered right with the answer Reveal gives.
func TestLessonsWalkEveryLesson(t *testing.T) {
	a, _ := newLessonsApp(t, NopRuntime{}, t.TempDir())
	if _, err := a.Link.SetSpeed(1000); err != nil {
		t.Fatal(err)
	}
	list, err := a.Lessons.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, sum := range list {
		dto, err := a.Lessons.Get(sum.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range dto.Steps {
			if st.Action != nil {
				out, err := a.Lessons.Perform(dto.ID, st.ID)
				if err != nil || !out.Done || out.Error != "" {
					t.Fatalf("%s: Perform(%s) = %+v, %v", dto.ID, st.ID, out, err)
				}
			}
			if st.Check == nil {
				continue
			}
			rev, err := a.Lessons.Reveal(dto.ID, st.ID)
			if err != nil {
				t.Fatalf("%s %s: Reveal: %v", dto.ID, st.ID, err)
			}
			answer := rev.Expected
			if st.Check.Kind == "choice" {
				var idx []string
				for _, i := range rev.Options {
					idx = append(idx, strconv.Itoa(i))
				}
				answer = strings.Join(idx, ",")
			}
			if got, err := a.Lessons.Answer(dto.ID, st.ID, answer); err != nil || !got.Correct {
				t.Errorf("%s %s: Answer(the run's %q) = %+v, %v", dto.ID, st.ID, rev.Expected, got, err)
			}
		}
	}
}

// The learner does lesson 1's last step with the mailbox view's Open on
// the Laptop, which keeps offline copies: the read mark reaches the
// server at once, so the task's goal (read on the Laptop and on the
// server) is met, as the lesson's own read action meets it.
func TestLessonsLearnerReadsOnTheLaptop(t *testing.T) {
	a, _ := newLessonsApp(t, NopRuntime{}, t.TempDir())
	for _, st := range []string{"meet-the-lab", "send-one", "pop3-fetch", "second-message", "imap-check"} {
		if out, err := a.Lessons.Perform("journey", st); err != nil || !out.Done {
			t.Fatalf("Perform(%s) = %+v, %v", st, out, err)
		}
	}
	snap, _ := a.Trace.Snapshot()
	if g, err := a.Lessons.Answer("journey", "read-on-laptop", ""); err != nil || g.Correct {
		t.Fatalf("the task before the learner read = %+v, %v", g, err)
	}
	views, _ := a.Views.Snapshot()
	id := 0
	for _, d := range views.Devices {
		for _, m := range d.Messages {
			if d.Name == "Laptop" && !m.Seen && m.Readable {
				id = m.ID
			}
		}
	}
	if id == 0 {
		t.Fatal("the Laptop holds no unread copy")
	}
	m, err := a.Actions.Open("Laptop", id)
	if err != nil || !strings.Contains(m.Result.Outcome, "STORE") {
		t.Fatalf("Open(Laptop) = %+v, %v; want the read mark sent to the server", m.Result, err)
	}
	if d, err := a.Lessons.Detect("journey", "read-on-laptop", snap.Seq); err != nil || !d.Done {
		t.Errorf("Detect after the learner read = %+v, %v", d, err)
	}
	if g, err := a.Lessons.Answer("journey", "read-on-laptop", ""); err != nil || !g.Correct {
		t.Errorf("the task after the learner read = %+v, %v", g, err)
	}
}

// A search the learner makes with the Actions panel is the lesson's
// search: Detect sees it, and the check on search.hits reads it.
func TestLessonsLearnerSearches(t *testing.T) {
	a, _ := newLessonsApp(t, NopRuntime{}, t.TempDir())
	l := builtinLesson(t, "folders-search")
	var at *lessons.Step
	for _, st := range l.Steps {
		if st.ID == "search-server" {
			at = st
			break
		}
		if st.Action != nil {
			if out, err := a.Lessons.Perform(l.ID, st.ID); err != nil || !out.Done {
				t.Fatalf("Perform(%s) = %+v, %v", st.ID, out, err)
			}
		}
	}
	if at == nil {
		t.Fatal("folders-search has no step search-server")
	}
	snap, _ := a.Trace.Snapshot()
	if d, _ := a.Lessons.Detect(l.ID, at.ID, snap.Seq); d.Done || !d.Detectable {
		t.Fatalf("Detect before the learner searched = %+v", d)
	}
	text, _ := at.Action.With["text"].Text()
	found, err := a.Actions.Search("Laptop", "INBOX", text)
	if err != nil || !found.OnServer {
		t.Fatalf("Search(Laptop) = %+v, %v", found, err)
	}
	if d, _ := a.Lessons.Detect(l.ID, at.ID, snap.Seq); !d.Done {
		t.Errorf("Detect after the learner searched = %+v", d)
	}
	g, err := a.Lessons.Answer(l.ID, at.ID, strconv.Itoa(found.ServerMatches))
	if err != nil || !g.Correct {
		t.Errorf("Answer(the server's %d) = %+v, %v", found.ServerMatches, g, err)
	}
}

// Every action the runner offers has its own sentence, for the app and
// for the learner: none falls back to the generic "Do <action> (…)".
func TestActionTextEveryAction(t *testing.T) {
	for name, spec := range lessonrun.Catalog().Actions {
		a := &lessons.Action{Do: name, With: map[string]lessons.Value{}}
		for _, p := range spec.Params {
			switch {
			case p.Type.Kind == lessons.Number.Kind:
				a.With[p.Name] = lessons.Num(3)
			case len(p.Enum) > 0:
				a.With[p.Name] = lessons.Str(p.Enum[0])
			default:
				a.With[p.Name] = lessons.Str("x")
			}
		}
		for _, by := range []string{lessons.ByApp, lessons.ByLearner} {
			got := actionText(a, by)
			if strings.HasPrefix(got, "The app does "+name) || strings.HasPrefix(got, "Do "+name) || got == "" {
				t.Errorf("actionText(%s, %s) = %q, the generic fallback", name, by, got)
			}
		}
	}
}
