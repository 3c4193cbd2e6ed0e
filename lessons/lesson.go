package lessons

import (
	"fmt"
	"sort"
	"strings"
)

// ClaimIDs are the article's claims a lesson may say it teaches; every one
// is covered by at least one step with a check somewhere in the course.
var ClaimIDs = []string{
	"smtp-server", "clients", "pop3-download", "pop3-delete",
	"offline-reading", "held-replies", "imap-server-state", "folders",
	"search", "capacity", "dialup-vs-broadband", "multiple-locations",
	"too-simple",
}

// Levels are the values of a lesson's level.
var Levels = []string{"beginner", "intermediate", "advanced"}

// MinMinutes and MaxMinutes bound a lesson's minutes.
const (
	MinMinutes = 5
	MaxMinutes = 15
)

// Lesson is one lesson file, parsed and validated.
type Lesson struct {
	ID      string
	Title   string
	Order   int
	Minutes int
	Level   string
	// Link is the link preset the lesson runs on ("dialup-56k"), unless
	// the learner or --link chooses another; "" leaves it to the runner.
	Link          string
	Objectives    []string
	Prerequisites []string
	Claims        []string
	// Intro is the Markdown between the front matter and the first
	// "## Step:" section.
	Intro string
	Steps []*Step
	// File is where the lesson came from: "lessons/builtin/01-journey.md"
	// or the path of a teacher's file.
	File string
	// Builtin is true for a lesson embedded in the binary.
	Builtin bool

	idLine      int
	prereqLines []int
}

// Step is one screen of a lesson: a story, perhaps an action on the lab,
// what to watch, and perhaps a check.
type Step struct {
	ID        string
	Title     string
	Narrative string // Markdown
	Claims    []string
	Action    *Action // nil: nothing happens in the lab
	// By says who does the action: ByApp does it when the step opens;
	// ByLearner asks the learner, and the runner detects it. Empty when
	// there is no action.
	By    string
	Watch *Watch // nil: nothing to point at
	Check *Check // nil: no question

	checked bool // the file gives a check, even a broken one
}

// Who does a step's action.
const (
	ByApp     = "app"
	ByLearner = "learner"
)

// Action is a step's action on the lab: {do: set-link, with: {preset:
// dialup-56k}}. With holds each parameter typed as the catalogue's
// ActionSpec says.
type Action struct {
	Do   string
	With map[string]Value
}

// Watch says what the learner should look at during a step.
type Watch struct {
	Trace     *Filter // lines of the trace to show
	View      string  // a mailbox view to open
	Highlight *Filter // lines to highlight
}

// Filter selects trace lines: either the text a learner would type in the
// trace's filter box, or fields ({verb: DELE, protocol: pop3}).
type Filter struct {
	Text   string
	Fields map[string]string
}

func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	if f.Text != "" {
		return f.Text
	}
	parts := make([]string, 0, len(f.Fields))
	for _, k := range sortedKeys(f.Fields) {
		parts = append(parts, k+"="+f.Fields[k])
	}
	return strings.Join(parts, " ")
}

// CheckKind is the kind of a check.
type CheckKind string

// The kinds of check.
const (
	CheckChoice CheckKind = "choice"
	CheckNumber CheckKind = "number"
	CheckText   CheckKind = "text"
	CheckTask   CheckKind = "task"
)

// Check is a question whose answer comes from the learner's run, or a task
// whose goal is checked against the lab.
type Check struct {
	Kind        CheckKind
	Question    string // Markdown; may be empty for a task
	Prompt      string // a task's instruction (Markdown)
	Hints       []string
	Explanation string // shown after answering

	// Answer is the expected answer: a number (number), the text of the
	// right option (choice), or a word (text).
	Answer *Expr
	// Tolerance applies to a number check.
	Tolerance Tolerance
	// Options are a choice's options.
	Options []Option
	// Accept lists literal answers to a text check; allowed only with
	// Concept.
	Accept []string
	// Concept marks a question about the protocols themselves (a command
	// name), not about the run: only then may answers be literals.
	Concept bool
	// Goal is a task's condition on the lab.
	Goal *Expr
}

// Option is one option of a choice check. Correct, when set, decides from
// the run whether the option is right.
type Option struct {
	Text    string
	Correct *Expr
}

// Summary is a lesson in one line, for `mailscope lessons --json`.
type Summary struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Minutes int      `json:"minutes"`
	Claims  []string `json:"claims"`
	Steps   int      `json:"steps"`
	Checks  int      `json:"checks"`
}

// Summary returns the lesson's id, title, minutes, claims and counts.
func (l *Lesson) Summary() Summary {
	s := Summary{ID: l.ID, Title: l.Title, Minutes: l.Minutes, Claims: append([]string{}, l.Claims...), Steps: len(l.Steps)}
	for _, st := range l.Steps {
		if st.Check != nil {
			s.Checks++
		}
	}
	return s
}

// Step returns the step with the given id, or nil.
func (l *Lesson) Step(id string) *Step {
	for _, s := range l.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Set is a course: the built-in lessons, with a teacher's own added or
// replacing them, sorted by order.
type Set struct {
	list []*Lesson
}

// List returns the lessons sorted by order (then id).
func (s *Set) List() []*Lesson { return append([]*Lesson(nil), s.list...) }

// Summaries returns every lesson's Summary, in order.
func (s *Set) Summaries() []Summary {
	out := make([]Summary, len(s.list))
	for i, l := range s.list {
		out[i] = l.Summary()
	}
	return out
}

// Get returns the lesson with the given id.
func (s *Set) Get(id string) (*Lesson, error) {
	for _, l := range s.list {
		if l.ID == id {
			return l, nil
		}
	}
	ids := make([]string, len(s.list))
	for i, l := range s.list {
		ids[i] = l.ID
	}
	return nil, fmt.Errorf("lessons: no lesson %q%s (have %s)", id, didYouMean(id, ids), strings.Join(ids, ", "))
}

// UncoveredClaims lists the claim ids that no step with a check covers in
// the whole set: the course test wants none.
func (s *Set) UncoveredClaims() []string {
	covered := map[string]bool{}
	for _, l := range s.list {
		for _, st := range l.Steps {
			if st.Check != nil {
				for _, c := range st.Claims {
					covered[c] = true
				}
			}
		}
	}
	var out []string
	for _, c := range ClaimIDs {
		if !covered[c] {
			out = append(out, c)
		}
	}
	return out
}

func (s *Set) sort() {
	sort.SliceStable(s.list, func(i, j int) bool {
		a, b := s.list[i], s.list[j]
		if a.Order != b.Order {
			return a.Order < b.Order
		}
		return a.ID < b.ID
	})
}

// Error is one mistake in a lesson file, at a line, in a field:
// "lessons/builtin/01-journey.md:14: steps[2].check.answer: unknown
// function "trace.cnt" (did you mean "trace.count"?)".
type Error struct {
	File  string
	Line  int    // 1-based line in the file; 0 when the file as a whole
	Field string // a path such as steps[2].check.answer; may be empty
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every mistake found, sorted by file and line. Use errors.As to
// get it from LoadDir's error.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].File != es[j].File {
			return es[i].File < es[j].File
		}
		return es[i].Line < es[j].Line
	})
}

func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	es.sort()
	return es
}
