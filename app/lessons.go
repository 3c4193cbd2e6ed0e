package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/lessonrun"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
)

// LessonsService is the Lessons mode: the course (the built-in lessons
// and the teacher's own folder), each lesson played beside the live lab.
// A step's action is done by the app in the app's one lab (Perform), or
// asked of the learner and seen there (Detect); a check is graded
// against the learner's own run (Answer, Reveal), never against a number
// in the lesson. What the learner has done is saved on disk (Progress,
// SaveProgress).
//
// Each lesson has its own run on the lab (lessonrun.Attach): its
// reset-lab cleans the lab in place and starts the lesson's trace at a
// new mark (traceFrom, told as lessons:changed), from which its checks
// count. Calls that touch one lesson's run go one at a time (a Detect
// waits for a Perform in progress); List and Get never wait for them.
type LessonsService struct {
	lab     *lab.Lab
	emit    *emitter
	actions *ActionService
	link    *LinkService
	dir     string           // the teacher's lessons
	cat     *lessons.Catalog // what the runner offers lessons
	config  string           // where progress.json lives; "" when there is no config dir

	mu   sync.Mutex // guards set and runs; never held while a run acts
	set  *lessons.Set
	runs map[string]*lessonRun

	saveMu sync.Mutex // one read or write of progress.json at a time
}

// lessonRun is one lesson's run on the lab, and what the learner did in
// it this session.
type lessonRun struct {
	traceFrom atomic.Uint64 // r.TraceFrom() after the last Perform

	mu       sync.Mutex // one call on the run at a time; guards what follows
	r        *lessonrun.Runner
	tries    map[string]int  // wrong answers per step
	revealed map[string]bool // steps whose answer was revealed
}

func newLessonsService(l *lab.Lab, e *emitter, actions *ActionService, lk *LinkService, o Options) *LessonsService {
	dir := o.LessonsDir
	if dir == "" {
		dir = lessons.DefaultDir()
	}
	config := o.ConfigDir
	if config == "" {
		if d, err := os.UserConfigDir(); err == nil {
			config = filepath.Join(d, "mailscope")
		}
	}
	return &LessonsService{lab: l, emit: e, actions: actions, link: lk, dir: dir, cat: lessonrun.Catalog(), config: config, runs: map[string]*lessonRun{}}
}

// LessonSummaryDTO is one row of the course.
type LessonSummaryDTO struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	Order         int      `json:"order"`
	Minutes       int      `json:"minutes"`
	Level         string   `json:"level"`
	Objectives    []string `json:"objectives"`
	Claims        []string `json:"claims"`
	Steps         int      `json:"steps"`
	Checks        int      `json:"checks"`
	Builtin       bool     `json:"builtin"`
	Prerequisites []string `json:"prerequisites"`
}

// LessonDTO is a lesson as the player shows it: its text and steps, with
// no answers and no explanations (Answer and Reveal give those).
type LessonDTO struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	Order         int      `json:"order"`
	Minutes       int      `json:"minutes"`
	Level         string   `json:"level"`
	Objectives    []string `json:"objectives"`
	Prerequisites []string `json:"prerequisites"`
	Claims        []string `json:"claims"`
	Intro         string   `json:"intro"` // Markdown
	// Link is the preset the lesson runs on (its reset-lab puts the
	// link there); "" runs it on the app's link as it is.
	Link  string          `json:"link"`
	Steps []LessonStepDTO `json:"steps"`
	// TraceFrom is the first trace seq of the lesson's run in this
	// session: 1 until its reset-lab, then the event after the reset.
	TraceFrom uint64 `json:"traceFrom"`
}

// LessonStepDTO is one step of a lesson (StepDTO in the UI's contract;
// scenarios have their own StepDTO).
type LessonStepDTO struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Narrative string   `json:"narrative"` // Markdown
	Claims    []string `json:"claims"`
	// By is who does the action: "app" when the step opens, "learner"
	// (then Detect sees it done); "" when there is no action.
	By     string     `json:"by"`
	Action *ActionDTO `json:"action"`
	Watch  *WatchDTO  `json:"watch"`
	Check  *CheckDTO  `json:"check"`
}

// ActionDTO is a step's action on the lab.
type ActionDTO struct {
	Do string `json:"do"`
	// With holds the parameters: strings, numbers and booleans, and a
	// list of strings for a list parameter (the console's lines).
	With map[string]any `json:"with"`
	// Text says it in a plain sentence: what the app does ("The Home PC
	// checks its mail") or what the learner is asked ("Check mail on
	// the Home PC").
	Text string `json:"text"`
}

// WatchDTO is what the learner should look at during a step.
type WatchDTO struct {
	Trace     *FilterDTO `json:"trace"`
	View      string     `json:"view"` // "server" or a device's name; "" for none
	Highlight *FilterDTO `json:"highlight"`
}

// FilterDTO selects trace lines: the text of the trace's filter box, or
// fields (verb, protocol, dir, status, device).
type FilterDTO struct {
	Text   string            `json:"text"`
	Fields map[string]string `json:"fields"`
}

// CheckDTO is a step's question or task, without its answer or
// explanation.
type CheckDTO struct {
	Kind     string   `json:"kind"`     // choice, number, text, task
	Question string   `json:"question"` // Markdown
	Prompt   string   `json:"prompt"`   // Markdown: a task's instruction
	Hints    []string `json:"hints"`
	// Options are a choice's option texts, in order; Answer takes an
	// option's index.
	Options []string `json:"options"`
	// Unit is the unit a number is counted in, if the lesson gives one;
	// Tolerance how far an answer may be from the run's ("±5%").
	Unit      string `json:"unit,omitempty"`
	Tolerance string `json:"tolerance,omitempty"`
	// Concept marks a question about the protocols themselves, not the run.
	Concept bool `json:"concept"`
}

// StepOutcomeDTO is what Perform did.
type StepOutcomeDTO struct {
	Done    bool   `json:"done"`
	Outcome string `json:"outcome"` // a sentence
	// Fault is true when an armed fault broke the action, as the lesson
	// meant (a check cut off mid-download): Done is true too. A message
	// bounced over the quota the lesson set is Done too, and said so in
	// the outcome.
	Fault bool `json:"fault"`
	// Error says why the action failed otherwise; "" when it did not.
	Error string `json:"error"`
	// TraceFrom is the first trace seq of the lesson's run; it changes
	// at reset-lab.
	TraceFrom uint64 `json:"traceFrom"`
}

// DetectDTO is whether the learner has done a step's action.
type DetectDTO struct {
	Done   bool   `json:"done"`
	Detail string `json:"detail"` // a sentence: what was seen, or is awaited
	// Detectable is false for an action the lab cannot see done: offer
	// "Do it for me" (Perform) or take the learner's word.
	Detectable bool `json:"detectable"`
}

// GradeDTO is the verdict on an answer.
type GradeDTO struct {
	Correct  bool   `json:"correct"`
	Feedback string `json:"feedback"`
	// Expected is the run's answer, and Explanation (Markdown) why:
	// both only once answered correctly, or revealed.
	Expected    string `json:"expected"`
	Explanation string `json:"explanation"`
	// Options are a choice's right options (indexes from 0), with
	// Expected: Expected joins their texts with "; ".
	Options []int `json:"options,omitempty"`
	// Hint is the next hint to show after a wrong answer ("" when there
	// is none left).
	Hint string `json:"hint"`
}

// ProgressDTO is what the learner has done, saved on disk.
type ProgressDTO struct {
	// Welcomed: the first-run welcome was shown; it does not come back.
	Welcomed bool                         `json:"welcomed"`
	Lessons  map[string]LessonProgressDTO `json:"lessons"`
}

// LessonProgressDTO is one lesson's progress.
type LessonProgressDTO struct {
	Step    string               `json:"step"` // the current step's id
	Answers map[string]AnswerDTO `json:"answers"`
	Done    bool                 `json:"done"`
	// TraceFrom is where the lesson's run starts in the app's trace in
	// this session: Progress gives the run's own (1 before any, and after
	// a restart, whose lab and trace are new), whatever was saved.
	TraceFrom uint64 `json:"traceFrom"`
}

// AnswerDTO is the learner's answer to one step's check.
type AnswerDTO struct {
	Answer  string `json:"answer"`
	Correct bool   `json:"correct"`
	Tries   int    `json:"tries"`
}

// LessonsChangedDTO is lessons:changed's payload.
type LessonsChangedDTO struct {
	ID        string `json:"id"`
	TraceFrom uint64 `json:"traceFrom"`
}

// List is the course in order: the built-in lessons and the teacher's
// (read again at each call, so a lesson saved meanwhile appears). A
// teacher's file with a mistake leaves the built-in course (`mailscope
// lessons check` says what is wrong).
func (s *LessonsService) List() ([]LessonSummaryDTO, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.loadLocked()
	out := []LessonSummaryDTO{}
	for _, l := range set.List() {
		sum := l.Summary()
		out = append(out, LessonSummaryDTO{
			ID: l.ID, Title: l.Title, Order: l.Order, Minutes: l.Minutes, Level: l.Level,
			Objectives: strs(l.Objectives), Claims: strs(l.Claims), Steps: sum.Steps, Checks: sum.Checks,
			Builtin: l.Builtin, Prerequisites: strs(l.Prerequisites),
		})
	}
	return out, nil
}

// loadLocked reads the course; called with s.mu held.
func (s *LessonsService) loadLocked() *lessons.Set {
	set, err := lessons.LoadDir(s.dir, s.cat)
	if err != nil {
		log.Printf("app: lessons in %s: %v; showing the built-in ones", s.dir, err)
		if set, err = lessons.Builtin(s.cat); err != nil {
			log.Printf("app: built-in lessons: %v", err)
			set = &lessons.Set{}
		}
	}
	s.set = set
	return set
}

// lessonLocked finds a lesson, and a step of it when stepID is not "".
func (s *LessonsService) lessonLocked(id, stepID string) (*lessons.Lesson, *lessons.Step, error) {
	set := s.set
	if set == nil {
		set = s.loadLocked()
	}
	l, err := set.Get(id)
	if err != nil {
		return nil, nil, fmt.Errorf("app: %w", err)
	}
	if stepID == "" {
		return l, nil, nil
	}
	st := l.Step(stepID)
	if st == nil {
		return nil, nil, fmt.Errorf("app: lesson %s has no step %q", id, stepID)
	}
	return l, st, nil
}

// find is a lesson, its step (when stepID is not ""), and its run on the
// lab, attached on first use. The caller locks the run's mu to use it.
func (s *LessonsService) find(id, stepID string) (*lessons.Lesson, *lessons.Step, *lessonRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, st, err := s.lessonLocked(id, stepID)
	if err != nil {
		return nil, nil, nil, err
	}
	run, err := s.runLocked(l)
	return l, st, run, err
}

// runLocked is the lesson's run on the lab, attached on first use;
// called with s.mu held.
func (s *LessonsService) runLocked(l *lessons.Lesson) (*lessonRun, error) {
	if run := s.runs[l.ID]; run != nil {
		return run, nil
	}
	r, err := lessonrun.Attach(s.lab, lessonrun.AttachOptions{Link: lessonLink(l)})
	if err != nil {
		return nil, fmt.Errorf("app: lesson %s: %w", l.ID, err)
	}
	run := &lessonRun{r: r, tries: map[string]int{}, revealed: map[string]bool{}}
	run.traceFrom.Store(r.TraceFrom())
	s.runs[l.ID] = run
	return run, nil
}

// lessonLink is the preset a lesson names for itself; "" runs it on the
// app's link.
func lessonLink(l *lessons.Lesson) string { return l.Link }

// Get is one lesson with its steps, for the player: never an answer or
// an explanation.
func (s *LessonsService) Get(id string) (LessonDTO, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, _, err := s.lessonLocked(id, "")
	if err != nil {
		return LessonDTO{}, err
	}
	out := LessonDTO{
		ID: l.ID, Title: l.Title, Order: l.Order, Minutes: l.Minutes, Level: l.Level,
		Objectives: strs(l.Objectives), Prerequisites: strs(l.Prerequisites), Claims: strs(l.Claims),
		Intro: l.Intro, Link: lessonLink(l), Steps: []LessonStepDTO{}, TraceFrom: 1,
	}
	if run := s.runs[l.ID]; run != nil {
		out.TraceFrom = run.traceFrom.Load()
	}
	for _, st := range l.Steps {
		out.Steps = append(out.Steps, newStepDTO(st, s.cat))
	}
	return out, nil
}

func newStepDTO(st *lessons.Step, cat *lessons.Catalog) LessonStepDTO {
	out := LessonStepDTO{ID: st.ID, Title: st.Title, Narrative: st.Narrative, Claims: strs(st.Claims), By: st.By}
	if a := st.Action; a != nil {
		with := map[string]any{}
		for k, v := range a.With {
			switch v.Kind() {
			case lessons.KindNumber:
				with[k], _ = v.Number()
			case lessons.KindBool:
				with[k], _ = v.Truth()
			default:
				with[k] = v.String()
				if listParam(cat, a.Do, k) { // the console's lines: one string each
					with[k] = strings.Split(strings.TrimSuffix(v.String(), "\n"), "\n")
				}
			}
		}
		out.Action = &ActionDTO{Do: a.Do, With: with, Text: actionText(a, st.By)}
	}
	if w := st.Watch; w != nil {
		out.Watch = &WatchDTO{Trace: newFilterDTO(w.Trace), View: w.View, Highlight: newFilterDTO(w.Highlight)}
	}
	if c := st.Check; c != nil {
		dto := &CheckDTO{Kind: string(c.Kind), Question: c.Question, Prompt: c.Prompt, Hints: strs(c.Hints), Options: []string{}, Concept: c.Concept}
		for _, o := range c.Options {
			dto.Options = append(dto.Options, o.Text)
		}
		if c.Kind == lessons.CheckNumber && c.Tolerance != (lessons.Tolerance{}) {
			dto.Tolerance = c.Tolerance.String()
		}
		out.Check = dto
	}
	return out
}

// listParam reports whether an action's parameter is a list (the lesson
// may give it as a YAML list; the runner gets it one item a line).
func listParam(cat *lessons.Catalog, action, name string) bool {
	for _, p := range cat.Actions[action].Params {
		if p.Name == name {
			return p.List
		}
	}
	return false
}

func newFilterDTO(f *lessons.Filter) *FilterDTO {
	if f == nil {
		return nil
	}
	out := &FilterDTO{Text: f.Text, Fields: map[string]string{}}
	for k, v := range f.Fields {
		out.Fields[k] = v
	}
	return out
}

// strs is a list that is never null in JSON.
func strs(in []string) []string { return append([]string{}, in...) }

// Perform does a step's action in the live lab: the app does a step by
// "app" when it opens, and the learner may ask it to ("Do it for me").
// It is told on action:progress like the Actions panel's buttons, the
// mailbox views are settled before it returns, then lab:changed and
// link:changed follow; a reset-lab also sends lessons:changed with the
// run's new traceFrom. An action that fails is no error here: the
// outcome says so (Error; or Fault when the armed fault broke it as the
// lesson meant, and a bounce over the quota the lesson set, both Done).
// The error is for a lesson or step that does not exist.
func (s *LessonsService) Perform(id, stepID string) (StepOutcomeDTO, error) {
	l, st, run, err := s.find(id, stepID)
	if err != nil {
		return StepOutcomeDTO{}, err
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	a := st.Action
	if a == nil {
		return StepOutcomeDTO{Done: true, Outcome: "Nothing to do in the lab at this step.", TraceFrom: run.r.TraceFrom()}, nil
	}
	name, device := progressName(a)
	pid := s.actions.begin(name, device)
	err = run.r.Do(a)
	res := run.r.LastResult()
	var out StepOutcomeDTO
	var fe *lessonrun.FaultError
	var re *lessonrun.RefusedError
	switch {
	case errors.As(err, &fe):
		out.Done, out.Fault = true, true
		out.Outcome = "broken by the armed fault, as the lesson meant: " + mua.Explain(fe.Err)
	case errors.As(err, &re):
		out.Done = true
		out.Outcome = "bounced, as the lesson meant: " + mua.Explain(re.Err)
	case err != nil:
		out.Error = err.Error()
		out.Outcome = "failed: " + mua.Explain(err)
	default:
		out.Done = true
		out.Outcome = s.outcome(a, res)
	}
	s.actions.end(pid, name, device, res, out.Outcome, err)
	s.link.changed()
	out.TraceFrom = run.r.TraceFrom()
	run.traceFrom.Store(out.TraceFrom)
	if a.Do == "reset-lab" && err == nil {
		// A new run: the hints start again, and no answer is revealed.
		run.tries, run.revealed = map[string]int{}, map[string]bool{}
		s.emit.Emit(EventLessonsChanged, LessonsChangedDTO{ID: l.ID, TraceFrom: out.TraceFrom})
	}
	return out, nil
}

// progressName is how action:progress names a lesson's action (the
// Actions panel's names where there is one) and its device.
func progressName(a *lessons.Action) (action, device string) {
	str := func(k string) string { s, _ := a.With[k].Text(); return s }
	switch a.Do {
	case "send":
		return "compose", str("from")
	case "check-mail":
		return "check", str("device")
	case "read":
		return "open", str("device")
	case "flag":
		if str("flag") == "seen" {
			return "mark-read", str("device")
		}
		return "flag", str("device")
	case "go-offline", "go-online":
		if d := str("device"); d != "" {
			return strings.TrimPrefix(a.Do, "go-"), d
		}
	}
	return a.Do, str("device")
}

// outcome says what an action that went through did.
func (s *LessonsService) outcome(a *lessons.Action, res mua.ActionResult) string {
	str := func(k string) string { v, _ := a.With[k].Text(); return v }
	switch a.Do {
	case "check-mail":
		if d, _, ok := s.lab.Device(str("device")); ok { // Policy never changes: no lock needed
			return checked(d, res)
		}
	case "send":
		if res.Sent > 0 {
			return fmt.Sprintf("sent: %s left the outbox over SMTP", count(res.Sent, "message"))
		}
		return "queued in the outbox: it goes at the next connection"
	}
	return actionText(a, lessons.ByApp)
}

// actionText says an action in a sentence: what the app does (by app),
// or what the learner is asked to do.
func actionText(a *lessons.Action, by string) string {
	str := func(k string) string { v, _ := a.With[k].Text(); return v }
	app := by != lessons.ByLearner
	device := str("device")
	message := func(def string) string {
		if m := str("message"); m != "" {
			return "“" + m + "”"
		}
		return def
	}
	pick := func(appText, learnerText string) string {
		if app {
			return appText
		}
		return learnerText
	}
	switch a.Do {
	case "reset-lab":
		extra := ""
		if n, ok := a.With["messages"].Number(); ok && n > 0 {
			extra = fmt.Sprintf(", with %s waiting in student's INBOX", count(int(n), "message"))
		}
		return pick("The lab starts afresh: the three devices, empty mailboxes"+extra, "Reset the lab"+extra)
	case "send":
		subject := ""
		if s := str("subject"); s != "" {
			subject = " “" + s + "”"
		}
		return pick(fmt.Sprintf("The %s sends a message%s to %s", str("from"), subject, str("to")),
			fmt.Sprintf("Send a message%s from the %s to %s", subject, str("from"), str("to")))
	case "check-mail":
		return pick(fmt.Sprintf("The %s checks its mail", device), fmt.Sprintf("Check mail on the %s", device))
	case "read":
		return pick(fmt.Sprintf("The %s opens %s", device, message("the newest unread message")),
			fmt.Sprintf("Open %s on the %s", message("the newest unread message"), device))
	case "flag":
		what, doing := "Flag", "flags"
		if str("flag") == "seen" {
			what, doing = "Mark as read", "marks as read"
		}
		return pick(fmt.Sprintf("The %s %s %s", device, doing, message("the newest message")),
			fmt.Sprintf("%s %s on the %s", what, message("the newest message"), device))
	case "inject-fault":
		return pick("A fault is armed on the link: "+str("spec"), "Arm the fault "+str("spec")+" on the link")
	case "set-link":
		name := str("preset")
		if p, err := link.Preset(name); err == nil {
			name = p.Name
		}
		return pick("The link becomes "+name, "Choose the "+name+" link")
	case "go-offline":
		if device == "" {
			return pick("The link goes down", "Take the link offline")
		}
		return pick(fmt.Sprintf("The %s works offline", device), fmt.Sprintf("Make the %s work offline", device))
	case "go-online":
		if device == "" {
			return pick("The link comes back", "Bring the link back online")
		}
		return pick(fmt.Sprintf("The %s works online again", device), fmt.Sprintf("Make the %s work online again", device))
	case "reply":
		return pick(fmt.Sprintf("The %s replies to %s", device, message("the newest message")),
			fmt.Sprintf("Reply to %s on the %s", message("the newest message"), device))
	case "compose":
		return pick(fmt.Sprintf("The %s writes a message to %s and keeps it in its outbox", str("from"), str("to")),
			fmt.Sprintf("Write a message to %s on the %s (it waits in the outbox)", str("to"), str("from")))
	case "delete":
		return pick(fmt.Sprintf("The %s deletes %s", device, message("the newest message")),
			fmt.Sprintf("Delete %s on the %s", message("the newest message"), device))
	case "move":
		return pick(fmt.Sprintf("The %s moves %s to the folder %s", device, message("the newest message"), str("folder")),
			fmt.Sprintf("Move %s to the folder %s on the %s", message("the newest message"), str("folder"), device))
	case "create-folder":
		return pick(fmt.Sprintf("The %s makes the folder %s", device, str("folder")),
			fmt.Sprintf("Make the folder %s on the %s", str("folder"), device))
	case "open-folder":
		return pick(fmt.Sprintf("The %s opens the folder %s", device, str("folder")),
			fmt.Sprintf("Open the folder %s on the %s", str("folder"), device))
	case "search":
		return pick(fmt.Sprintf("The %s searches for “%s”", device, str("text")),
			fmt.Sprintf("Search the %s for “%s”", device, str("text")))
	case "set-quota":
		user := str("user")
		if user == "" {
			user = "student"
		}
		n, _ := a.With["bytes"].Number()
		if n == 0 {
			return pick(user+"'s account has no quota any more", "Remove "+user+"'s quota")
		}
		return pick(fmt.Sprintf("%s's account may hold %.0f bytes", user, n), fmt.Sprintf("Set %s's quota to %.0f bytes", user, n))
	case "deliver":
		to := str("to")
		if to == "" {
			to = "student"
		}
		return pick(fmt.Sprintf("A message from %s reaches %s's mailbox", str("from"), to),
			fmt.Sprintf("Deliver a message from %s to %s", str("from"), to))
	case "console":
		return pick("The app types the lines in the "+strings.ToUpper(str("service"))+" console",
			"Type the lines in the "+strings.ToUpper(str("service"))+" console, one at a time")
	case "run-scenario":
		return pick("The app runs the scenario "+str("scenario"), "Run the scenario "+str("scenario"))
	case "compare":
		return pick("The app races POP3 against IMAP in the scenario "+str("scenario"),
			"Race POP3 against IMAP in the scenario "+str("scenario"))
	case "add-device":
		return pick(fmt.Sprintf("The %s is set up as a %s client", str("name"), str("policy")),
			fmt.Sprintf("Set up the %s as a %s client", str("name"), str("policy")))
	case "idle":
		n, _ := a.With["minutes"].Number()
		return pick(fmt.Sprintf("The %s waits in IDLE for %.0f minutes", device, n),
			fmt.Sprintf("Let the %s wait in IDLE for %.0f minutes", device, n))
	case "poll":
		n, _ := a.With["minutes"].Number()
		e, _ := a.With["every"].Number()
		return pick(fmt.Sprintf("The %s checks its mail every %.0f minutes for %.0f minutes", device, e, n),
			fmt.Sprintf("Let the %s check its mail every %.0f minutes for %.0f minutes", device, e, n))
	}
	var params []string
	for _, k := range slices.Sorted(maps.Keys(a.With)) {
		params = append(params, k+": "+a.With[k].String())
	}
	text := a.Do
	if len(params) > 0 {
		text += " (" + strings.Join(params, ", ") + ")"
	}
	return pick("The app does "+text, "Do "+text)
}

// Detect says whether the learner has done the step's action in the lab
// since the step opened: since is the trace's last seq then.
func (s *LessonsService) Detect(id, stepID string, since uint64) (DetectDTO, error) {
	_, st, run, err := s.find(id, stepID)
	if err != nil {
		return DetectDTO{}, err
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	done, detail, err := run.r.Detect(st.Action, since)
	switch {
	case errors.Is(err, lessonrun.ErrCannotDetect):
		return DetectDTO{Detail: "Mailscope cannot see this done in the lab: let it do it for you, or say when you have."}, nil
	case err != nil:
		return DetectDTO{Detectable: true, Detail: strings.TrimPrefix(err.Error(), "lessonrun: ")}, nil
	}
	return DetectDTO{Done: done, Detail: detail, Detectable: true}, nil
}

// noteSearch tells every lesson's run of a search the learner made with
// the Actions panel: a check on search.hits reads it as the run's own.
func (s *LessonsService) noteSearch(device, folder, text string, onServer bool, hits int) {
	s.mu.Lock()
	runs := make([]*lessonRun, 0, len(s.runs))
	for _, run := range s.runs {
		runs = append(runs, run)
	}
	s.mu.Unlock()
	for _, run := range runs {
		run.mu.Lock()
		run.r.NoteSearch(device, folder, text, onServer, hits)
		run.mu.Unlock()
	}
}

// choiceList is a choice answer given by option indexes: "0", "1, 2".
var choiceList = regexp.MustCompile(`^\s*\d+(\s*,\s*\d+)*\s*$`)

// Answer grades the learner's answer against the lesson's run: a
// number, a word, a choice's option by its index from 0 ("0", "1") or
// its text; a task's answer is ignored and its goal checked in the lab.
// The run's answer and the explanation come only with a right answer
// (or after Reveal); a wrong one brings the next hint, if any is left.
// The error says the lab cannot answer the check yet (the lesson's
// fault, or a step done out of order), or that there is no such check.
func (s *LessonsService) Answer(id, stepID, answer string) (GradeDTO, error) {
	c, run, err := s.check(id, stepID)
	if err != nil {
		return GradeDTO{}, err
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	if c.Kind == lessons.CheckChoice && choiceList.MatchString(answer) {
		var from1 []string
		for _, f := range strings.Split(answer, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n >= len(c.Options) {
				return GradeDTO{Feedback: fmt.Sprintf("Choose one of the %d options.", len(c.Options))}, nil
			}
			from1 = append(from1, strconv.Itoa(n+1))
		}
		answer = strings.Join(from1, ",")
	}
	res, err := c.Grade(answer, run.r)
	if err != nil {
		return GradeDTO{}, fmt.Errorf("app: the lab cannot answer this check yet: %w", err)
	}
	out := GradeDTO{Correct: res.Correct, Feedback: res.Feedback}
	if res.Correct || run.revealed[stepID] {
		out.Expected, out.Explanation, out.Options = res.Expected, res.Explanation, res.Options
	}
	switch {
	case res.Correct:
		out.Feedback = "Right."
	case res.Feedback == "" || c.Kind == lessons.CheckTask:
		if out.Feedback == "" {
			out.Feedback = "Not quite: look again, and try once more."
		}
		run.tries[stepID]++
		if n := run.tries[stepID]; n <= len(c.Hints) {
			out.Hint = c.Hints[n-1]
		}
	}
	return out, nil
}

// Reveal gives the run's answer and its explanation (teacher mode), and
// from then on Answer shows them too. Correct is false: revealing is not
// answering. For a task, Expected is "done" and Feedback says whether
// the lab meets its goal now.
func (s *LessonsService) Reveal(id, stepID string) (GradeDTO, error) {
	c, run, err := s.check(id, stepID)
	if err != nil {
		return GradeDTO{}, err
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	answer, err := c.Solve(run.r)
	var res lessons.Result
	if err == nil {
		res, err = c.Grade(answer, run.r)
	}
	if err != nil {
		return GradeDTO{}, fmt.Errorf("app: the lab cannot answer this check yet: %w", err)
	}
	run.revealed[stepID] = true
	out := GradeDTO{Expected: res.Expected, Explanation: res.Explanation, Options: res.Options, Feedback: "The answer from your run."}
	if c.Kind == lessons.CheckTask {
		out.Feedback = "The goal is met in the lab."
		if !res.Correct {
			out.Feedback = "The goal is not met in the lab yet."
		}
	}
	return out, nil
}

func (s *LessonsService) check(id, stepID string) (*lessons.Check, *lessonRun, error) {
	_, st, run, err := s.find(id, stepID)
	if err != nil {
		return nil, nil, err
	}
	if st.Check == nil {
		return nil, nil, fmt.Errorf("app: step %s of lesson %s has no check", stepID, id)
	}
	return st.Check, run, nil
}

// progressFile is where the progress is saved.
const progressFile = "progress.json"

// Progress is what the learner has done, as last saved, with each
// lesson's traceFrom as its run has it now. No file, or one that cannot
// be read, is no progress yet.
func (s *LessonsService) Progress() (ProgressDTO, error) {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	var p ProgressDTO
	if s.config != "" {
		b, err := os.ReadFile(filepath.Join(s.config, progressFile))
		if err == nil {
			if err := json.Unmarshal(b, &p); err != nil {
				log.Printf("app: %s: %v; starting afresh", filepath.Join(s.config, progressFile), err)
				p = ProgressDTO{}
			}
		}
	}
	p = p.normal()
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, lp := range p.Lessons {
		lp.TraceFrom = 1
		if run := s.runs[id]; run != nil {
			lp.TraceFrom = run.traceFrom.Load()
		}
		p.Lessons[id] = lp
	}
	return p, nil
}

// SaveProgress saves the learner's progress, whole: a new file written
// beside the old one, then renamed over it, so that a crash leaves one or
// the other.
func (s *LessonsService) SaveProgress(p ProgressDTO) error {
	if s.config == "" {
		return errors.New("app: no config folder to save progress in")
	}
	b, err := json.MarshalIndent(p.normal(), "", "  ")
	if err != nil {
		return fmt.Errorf("app: progress: %w", err)
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if err := os.MkdirAll(s.config, 0o755); err != nil {
		return fmt.Errorf("app: progress: %w", err)
	}
	f, err := os.CreateTemp(s.config, "progress-*.json")
	if err != nil {
		return fmt.Errorf("app: progress: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(s.config, progressFile))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("app: progress: %w", err)
	}
	return nil
}

// normal has no null maps.
func (p ProgressDTO) normal() ProgressDTO {
	out := ProgressDTO{Welcomed: p.Welcomed, Lessons: map[string]LessonProgressDTO{}}
	for id, lp := range p.Lessons {
		answers := map[string]AnswerDTO{}
		for k, v := range lp.Answers {
			answers[k] = v
		}
		lp.Answers = answers
		out.Lessons[id] = lp
	}
	return out
}

// close ends the runs (their scheduled offline windows) before the lab
// closes.
func (s *LessonsService) close() {
	s.mu.Lock()
	runs := s.runs
	s.runs = map[string]*lessonRun{}
	s.mu.Unlock()
	for _, run := range runs {
		// Not under run.mu: an attached runner's Close only cancels its
		// offline windows (its own lock), and a Perform still running on
		// a slow link must not hold the window's closing up.
		run.r.Close()
	}
}
