package lessonrun

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/trace"
)

// DefaultLink is the link a lesson runs on unless told otherwise.
const DefaultLink = "adsl-8m"

// DefaultBody is the text of a message a send action gives no body.
const DefaultBody = "A short note written for the lesson.\n"

// Options configures a Runner.
type Options struct {
	// Link is the id of the link preset the lab starts on (and returns
	// to at each reset-lab). Set, it is the caller's choice (--link) and
	// overrides a lesson's own link:; "" means the lesson's link in
	// RunLesson, else DefaultLink.
	Link string
	// Seed seeds the generated mail of reset-lab {messages: n} that gives
	// no seed of its own, and the link's jitter; 0 means 1.
	Seed int64
}

func (o Options) withDefaults() Options {
	if o.Link == "" {
		o.Link = DefaultLink
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Runner binds lessons to one live lab on the virtual clock: it performs
// a step's action and is the lessons.Env a check's expressions read. The
// lab holds lab.DefaultDevices (Home PC: POP3, deletes; Laptop: IMAP with
// an offline copy; Phone: IMAP online), all reading student@<domain>.
//
// Actions run one after the other: each starts when the one before it
// ended (the run's clock, run.sim_seconds), so a slower link makes a
// longer run. On a metered preset the link dials before the first
// connection of an action and hangs up when the action ends.
//
// A Runner is not safe for concurrent use. Close it.
type Runner struct {
	opts Options
	prof link.Profile
	lab  *lab.Lab
	now  time.Duration
	// lastSearch is what the last search action found (search.hits).
	lastSearch *searchResult
	delivered  int        // messages deliver made, for their Message-IDs
	ext        *runExtras // actions_run.go's results
	// live is set on a runner attached to a live lab it does not own
	// (Attach); nil when the runner owns its virtual lab.
	live *attached
	// from is where the run starts in the lab's trace and meters.
	from mark
	last mua.ActionResult // the last device action's result
}

// New builds a runner and its lab.
func New(o Options) (*Runner, error) {
	o = o.withDefaults()
	prof, err := link.Preset(o.Link)
	if err != nil || prof.ID == "custom" {
		return nil, fmt.Errorf("lessonrun: unknown link preset %q (have %s)", o.Link, strings.Join(PresetIDs(), ", "))
	}
	r := &Runner{opts: o, prof: prof}
	if err := r.reset(o.Seed, 0); err != nil {
		return nil, err
	}
	return r, nil
}

// Lab is the runner's current lab; reset-lab replaces it (except on an
// attached lab, which it resets in place).
func (r *Runner) Lab() *lab.Lab { return r.lab }

// Now is the run's clock: when the last action ended.
func (r *Runner) Now() time.Duration { return r.now }

// Close closes the lab. An attached runner leaves its lab open and only
// cancels the offline windows it scheduled.
func (r *Runner) Close() error {
	if r.live != nil {
		r.live.stop()
		return nil
	}
	if r.lab == nil {
		return nil
	}
	err := r.lab.Close()
	r.lab = nil
	return err
}

// reset replaces the lab with a new one on the runner's preset.
func (r *Runner) reset(seed int64, messages int) error {
	if r.live != nil {
		return r.resetLive(seed, messages)
	}
	if err := r.Close(); err != nil {
		return err
	}
	prof, _ := link.Preset(r.opts.Link)
	prof.Seed = r.opts.Seed
	r.prof = prof
	l, err := lab.New(lab.Options{Profile: prof})
	if err != nil {
		return err
	}
	r.lab, r.now = l, 0
	r.lastSearch, r.delivered = nil, 0
	// The user hangs up when an action ends (finish): no idle timer.
	l.DialOnDemand(link.CallOptions{})
	for _, d := range lab.DefaultDevices() {
		if _, err := l.AddDevice(d); err != nil {
			return err
		}
	}
	if messages > 0 {
		if err := l.Seed("student", messages, seed); err != nil {
			return err
		}
	}
	return nil
}

// finish moves the run's clock to the end of an action and hangs up a
// dialled line.
func (r *Runner) finish(res mua.ActionResult) {
	r.now = max(r.now, res.End)
	r.last = res
	if r.live != nil {
		r.hangupLive(res)
		return
	}
	if r.lab.Link.CallState().Up {
		r.lab.Link.HangupAt(r.now)
	}
}

// FaultError is what Do returns when an action failed while a link
// fault that inject-fault armed struck one of its connections: the
// failure the lesson asked for (a check that was cut off mid-RETR), not
// a broken lesson. RunLesson lists it in Report.Faults and goes on.
type FaultError struct {
	Action string
	Err    error
}

func (e *FaultError) Error() string {
	return fmt.Sprintf("%s, broken by the armed fault: %v", e.Action, e.Err)
}

func (e *FaultError) Unwrap() error { return e.Err }

// Do performs an action: one of Catalog's. The lesson's loader has
// checked its parameters' names and types. An action that fails while
// an armed fault strikes returns a *FaultError; one whose message the
// server refuses because a mailbox is over its quota, a *RefusedError.
func (r *Runner) Do(a *lessons.Action) error {
	if a == nil {
		return nil
	}
	r.last = mua.ActionResult{}
	defer r.fastForward(a)()
	if a.Do == "reset-lab" || a.Do == "inject-fault" {
		return r.do(a)
	}
	armed := r.lab.ArmedFaults()
	err := r.do(a)
	if err != nil && r.lab.ArmedFaults() < armed {
		return &FaultError{Action: a.Do, Err: err}
	}
	if r.overQuota(err) {
		return &RefusedError{Action: a.Do, Err: err}
	}
	return err
}

func (r *Runner) do(a *lessons.Action) error {
	str := func(k string) string { s, _ := a.With[k].Text(); return s }
	num := func(k string) (float64, bool) { return a.With[k].Number() }
	switch a.Do {
	case "reset-lab":
		seed := r.opts.Seed
		if f, ok := num("seed"); ok {
			seed = int64(f)
		}
		n := 0
		if f, ok := num("messages"); ok {
			if f < 0 || f > 10000 || f != math.Trunc(f) {
				return fmt.Errorf("reset-lab: messages %v: want a whole number from 0 to 10000", f)
			}
			n = int(f)
		}
		return r.reset(seed, n)
	case "send":
		subject, body := str("subject"), str("body")
		if body == "" {
			body = DefaultBody
		}
		return r.use(str("from"), func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			d.Compose(at, mua.Draft{To: []string{str("to")}, Subject: subject, Body: body})
			return d.Send(at)
		})
	case "check-mail":
		return r.use(str("device"), func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			return d.CheckMail(at)
		})
	case "read":
		return r.use(str("device"), func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			return read(d, at, str("message"))
		})
	case "flag":
		return r.use(str("device"), func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			return flag(d, at, str("message"), str("flag"))
		})
	case "inject-fault":
		fs, err := link.ParseFault(str("spec"))
		if err != nil {
			return err
		}
		if fs.Kind == "offline" {
			// The link's own window, counted from now on the run's clock.
			if err := fs.Supported(); err != nil {
				return err
			}
			r.scheduleOffline(fs)
			return nil
		}
		return r.lab.ArmFault(fs)
	case "set-link":
		p, err := link.Preset(str("preset"))
		if err != nil {
			return err
		}
		p.Seed = r.opts.Seed
		if err := r.lab.Link.SetProfile(p); err != nil {
			return err
		}
		r.prof = p
		return nil
	case "go-offline", "go-online":
		offline := a.Do == "go-offline"
		name := str("device")
		if name == "" {
			r.lab.Link.SetOffline(offline)
			return nil
		}
		return r.use(name, func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			if offline {
				return d.GoOffline(at), nil
			}
			return d.GoOnline(at)
		})
	case "reply", "compose", "delete", "move", "create-folder", "open-folder", "search", "set-quota", "deliver":
		return r.doMail(a)
	case "console", "run-scenario", "compare", "add-device", "idle", "poll":
		_, err := r.doRun(a)
		return err
	}
	return fmt.Errorf("lessonrun: no action %q", a.Do)
}

// use runs fn on a device at the run's clock: the one way a device
// action gets its start time.
func (r *Runner) use(name string, fn func(*mua.Device, time.Duration) (mua.ActionResult, error)) error {
	return r.lab.UseDevice(name, func(d *mua.Device) error {
		res, err := fn(d, r.clock())
		r.finish(res)
		return err
	})
}

// read opens a message: the one with the subject, else the newest unread
// in the INBOX. Reading a downloaded copy marks it read on the device
// only; an IMAP device that is online then tells the server (STORE
// \Seen), as a mail reader does when a message is opened.
func read(d *mua.Device, at time.Duration, subject string) (mua.ActionResult, error) {
	var pick *mua.Message
	msgs := d.Messages("INBOX")
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if subject != "" && strings.EqualFold(m.Subject, subject) || subject == "" && !m.Seen {
			pick = &m
			break
		}
	}
	if pick == nil {
		if subject != "" {
			return mua.ActionResult{Start: at, End: at}, fmt.Errorf("read: %s has no message %q in its INBOX", d.Name(), subject)
		}
		return mua.ActionResult{Start: at, End: at}, fmt.Errorf("read: %s has no unread message in its INBOX", d.Name())
	}
	res, err := d.Open(at, pick.ID)
	if err != nil || !res.Offline || !d.Policy().Mode.IsIMAP() || d.Offline() || pick.UID == 0 {
		return res, err
	}
	res2, err := d.MarkRead(res.End, pick.ID, true)
	res2.Start = res.Start
	return res2, err
}

// flag sets a flag on a message of the INBOX: the one with the subject,
// else the newest. flag is "flagged" (the default: \Flagged, which an
// IMAP device stores on the server with STORE) or "seen" (\Seen, as
// MarkRead).
func flag(d *mua.Device, at time.Duration, subject, which string) (mua.ActionResult, error) {
	var pick *mua.Message
	msgs := d.Messages("INBOX")
	for i := len(msgs) - 1; i >= 0; i-- {
		if m := msgs[i]; subject == "" || strings.EqualFold(m.Subject, subject) {
			pick = &m
			break
		}
	}
	if pick == nil {
		if subject != "" {
			return mua.ActionResult{Start: at, End: at}, fmt.Errorf("flag: %s has no message %q in its INBOX", d.Name(), subject)
		}
		return mua.ActionResult{Start: at, End: at}, fmt.Errorf("flag: %s has no message in its INBOX", d.Name())
	}
	switch which {
	case "", "flagged":
		return d.Flag(at, pick.ID, true)
	case "seen":
		return d.MarkRead(at, pick.ID, true)
	}
	return mua.ActionResult{Start: at, End: at}, fmt.Errorf("flag: no flag %q (want flagged or seen)", which)
}

// Name reads a named value of the run (lessons.Env).
func (r *Runner) Name(path string) (lessons.Value, error) {
	switch path {
	case "link.preset":
		return lessons.Str(r.profile().ID), nil
	case "link.rtt_ms":
		return lessons.Num(float64(r.profile().RTT()) / float64(time.Millisecond)), nil
	case "run":
		return lessons.Record(r.runRecord()), nil
	}
	if v, ok, err := r.mailName(path); ok {
		return v, err
	}
	if v, ok, err := r.nameRun(path); ok {
		return v, err
	}
	if m, ok := strings.CutPrefix(path, "run."); ok {
		if v, ok := r.runRecord()[m]; ok {
			return v, nil
		}
	}
	return lessons.Value{}, fmt.Errorf("lessonrun: no name %q", path)
}

func (r *Runner) runRecord() map[string]lessons.Value {
	snap := r.lab.Trace.Snapshot()
	sessions, events := r.run(snap)
	var up, down int
	for ev := range events {
		if ev.Kind != trace.KindLine && ev.Kind != trace.KindBulk {
			continue
		}
		if ev.Dir == trace.ClientToServer {
			up += ev.Bytes
		} else {
			down += ev.Bytes
		}
	}
	online, cost := r.callTotals()
	return map[string]lessons.Value{
		"sim_seconds":    lessons.Num(r.simTime(sessions, events).Seconds()),
		"bytes_up":       lessons.Num(float64(up)),
		"bytes_down":     lessons.Num(float64(down)),
		"connections":    lessons.Num(float64(len(sessions))),
		"online_seconds": lessons.Num(online.Seconds()),
		"cost":           lessons.Num(cost),
	}
}

// Call evaluates a function of the run (lessons.Env).
func (r *Runner) Call(fn string, args []lessons.Value, kw map[string]lessons.Value) (lessons.Value, error) {
	switch fn {
	case "trace.count", "trace.bytes":
		f, err := filterOf(kw)
		if err != nil {
			return lessons.Value{}, err
		}
		n, bytes := r.TraceTotals(f)
		if fn == "trace.count" {
			return lessons.Num(float64(n)), nil
		}
		return lessons.Num(float64(bytes)), nil
	case "device":
		name, _ := arg(args, 0)
		ev, ok := r.lab.DeviceState(name)
		if !ok {
			return lessons.Value{}, fmt.Errorf("lessonrun: no device %q", name)
		}
		flagged := 0
		_ = r.lab.UseDevice(name, func(d *mua.Device) error {
			for _, m := range d.Messages("INBOX") {
				if m.Flagged {
					flagged++
				}
			}
			return nil
		})
		return lessons.Record(map[string]lessons.Value{
			"flagged":          lessons.Num(float64(flagged)),
			"visible":          lessons.Num(float64(ev.View.Visible)),
			"unread":           lessons.Num(float64(ev.View.Unread)),
			"offline_readable": lessons.Num(float64(ev.View.OfflineReadable)),
			"outbox":           lessons.Num(float64(ev.View.Outbox)),
			"offline":          lessons.Bool(ev.Offline),
			"folders":          lessons.Num(float64(r.deviceFolders(name))),
		}), nil
	case "mailbox":
		user, _ := arg(args, 0)
		folder, ok := arg(args, 1)
		if !ok {
			folder = "INBOX"
		}
		msgs, err := r.lab.Store.Messages(user, folder)
		if err != nil {
			return lessons.Value{}, fmt.Errorf("lessonrun: mailbox(%q, %q): %w", user, folder, err)
		}
		var unseen, flagged, bytes int64
		for _, m := range msgs {
			if !m.HasFlag(`\Seen`) {
				unseen++
			}
			if m.HasFlag(`\Flagged`) {
				flagged++
			}
			bytes += m.Size
		}
		return lessons.Record(map[string]lessons.Value{
			"count": lessons.Num(float64(len(msgs))), "unseen": lessons.Num(float64(unseen)), "bytes": lessons.Num(float64(bytes)),
			"flagged": lessons.Num(float64(flagged)),
		}), nil
	}
	if v, ok, err := r.callMail(fn, args); ok {
		return v, err
	}
	if v, ok, err := r.callRun(fn, args); ok {
		return v, err
	}
	return lessons.Value{}, fmt.Errorf("lessonrun: no function %q", fn)
}

func arg(args []lessons.Value, i int) (string, bool) {
	if i >= len(args) {
		return "", false
	}
	s, ok := args[i].Text()
	return s, ok
}

// Filter selects trace events for trace.count and trace.bytes; an empty
// field matches every event.
type Filter struct {
	Verb     string // the event's Verb, any case: "RETR", "UID FETCH", "EXISTS"
	Protocol string // smtp, pop3, imap
	Dir      string // c2s: the client's side; s2c: the server's
	Status   string // a reply's status, any case: "250", "+OK", "OK"
	Device   string // the client of the connection ("Home PC")
	// TLS, if set, keeps what crossed inside TLS records (true) or in
	// the clear (false).
	TLS *bool
	// Secret, if set, keeps the lines that carry a password or login
	// data, which the trace masks (true), or the others (false).
	Secret *bool
	// Session, if not 0, keeps one connection: the Session-th (from 1)
	// of the trace's connections that Protocol and Device select, or
	// counting from the end when negative (-1: the last). One that does
	// not exist matches nothing.
	Session int
}

func filterOf(kw map[string]lessons.Value) (Filter, error) {
	var f Filter
	for k, v := range kw {
		if k == "session" {
			n, ok := v.Number()
			if !ok || n != math.Trunc(n) || math.Abs(n) > 1e6 {
				return f, fmt.Errorf("lessonrun: session=%s: want a whole number (1: the first connection, -1: the last)", v.String())
			}
			f.Session = int(n)
			continue
		}
		if k == "tls" || k == "secret" {
			b, ok := v.Truth()
			if !ok {
				return f, fmt.Errorf("lessonrun: %s= wants true or false, not a %s", k, v.Kind())
			}
			if k == "tls" {
				f.TLS = &b
			} else {
				f.Secret = &b
			}
			continue
		}
		s, ok := v.Text()
		if !ok {
			return f, fmt.Errorf("lessonrun: %s= wants a string, not a %s", k, v.Kind())
		}
		switch k {
		case "verb":
			f.Verb = s
		case "protocol":
			f.Protocol = s
		case "dir":
			if s != "c2s" && s != "s2c" {
				return f, fmt.Errorf("lessonrun: dir=%q: want c2s or s2c", s)
			}
			f.Dir = s
		case "status":
			f.Status = s
		case "device":
			f.Device = s
		default:
			return f, fmt.Errorf("lessonrun: no trace keyword %q", k)
		}
	}
	return f, nil
}

// TraceTotals applies a filter to the run's trace (a snapshot taken now):
// the lab's, or on an attached lab what came after the last reset-lab.
//
// Lines counts protocol lines, one per line as the protocol defines it: a
// command the client sent (c2s) or a line of the server's reply (s2c), so
// that a multi-line SMTP reply ("250-…", "250 …") counts each of its
// lines and a POP3 listing counts each entry and its final ".". The part
// of an IMAP line that resumes after a literal is the same line and does
// not count again; message bodies (after DATA, RETR, in a FETCH literal),
// TLS records, connects, closes, dials and faults are not lines.
//
// Bytes sums the payload bytes (line terminators included, TLS and TCP
// overhead not) of the matching lines, their continuations and the
// message bodies they carry: trace.bytes(protocol="pop3", dir="s2c") is
// everything the POP3 server said, the messages included.
func (r *Runner) TraceTotals(f Filter) (lines, bytes int) {
	snap := r.lab.Trace.Snapshot()
	sessions, events := r.run(snap)
	client := map[uint64]string{}
	var picked []uint64 // the sessions Protocol and Device select, in order
	for _, si := range sessions {
		client[si.ID] = si.ClientAddr
		if (f.Protocol == "" || strings.EqualFold(si.Protocol.String(), f.Protocol)) &&
			(f.Device == "" || strings.EqualFold(si.ClientAddr, f.Device)) {
			picked = append(picked, si.ID)
		}
	}
	var only uint64 // with Session: the one session kept (0: none exists)
	if n := f.Session; n > 0 && n <= len(picked) {
		only = picked[n-1]
	} else if n < 0 && -n <= len(picked) {
		only = picked[len(picked)+n]
	}
	for ev := range events {
		if ev.Kind != trace.KindLine && ev.Kind != trace.KindBulk {
			continue
		}
		if f.Session != 0 && ev.Session != only {
			continue
		}
		if f.Protocol != "" && !strings.EqualFold(ev.Protocol.String(), f.Protocol) ||
			f.Dir != "" && (f.Dir == "c2s") != (ev.Dir == trace.ClientToServer) ||
			f.Verb != "" && !strings.EqualFold(ev.Verb, f.Verb) ||
			f.Status != "" && !strings.EqualFold(ev.Status, f.Status) ||
			f.Device != "" && !strings.EqualFold(client[ev.Session], f.Device) ||
			f.TLS != nil && *f.TLS != ev.Has(trace.FlagTLS) ||
			f.Secret != nil && *f.Secret != ev.Masked() {
			continue
		}
		bytes += ev.Bytes
		if ev.Kind == trace.KindLine && !ev.Has(trace.FlagContinued) {
			lines++
		}
	}
	return lines, bytes
}

// Report is the outcome of a headless run of one lesson.
type Report struct {
	ID   string `json:"id"`
	Link string `json:"link"`
	OK   bool   `json:"ok"`
	// SimSeconds is the run's clock when the lesson ended.
	SimSeconds float64       `json:"sim_seconds"`
	Checks     []CheckReport `json:"checks"`
	// Errors are the actions that failed and the checks the run could
	// not answer, each as "step <id>: …".
	Errors []string `json:"errors,omitempty"`
	// Faults are the actions an armed fault broke, as the lesson meant
	// (FaultError), each as "step <id>: …"; they do not fail the lesson.
	Faults []string `json:"faults,omitempty"`
	// Bounces are the actions whose message the server refused over a
	// quota the lesson set (RefusedError), each as "step <id>: …"; they
	// do not fail the lesson.
	Bounces []string `json:"bounces,omitempty"`
}

// CheckReport is one check of a run.
type CheckReport struct {
	Step     string `json:"step"`
	Question string `json:"question"` // plain text; a task's prompt
	// Answer is the run's answer as a learner would read it: a number,
	// the right options' text, a word, or "done" for a task met.
	Answer string `json:"answer"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
}

// RunLesson runs a lesson headless on a new lab: it walks every step in
// order, performs its action (the learner's too), and answers each check
// from the run with Solve, then grades that answer to confirm it. An
// action that fails, or a check that the run cannot answer or whose
// answer does not grade right, makes the lesson not ok: the Report says
// which, and the error joins them. The Report is complete either way.
//
// The lab starts on o.Link when it is set, else on the lesson's own link
// (Lesson.Link), else on DefaultLink.
func RunLesson(l *lessons.Lesson, o Options) (Report, error) {
	if o.Link == "" {
		o.Link = l.Link
	}
	o = o.withDefaults()
	rep := Report{ID: l.ID, Link: o.Link, Checks: []CheckReport{}}
	r, err := New(o)
	if err != nil {
		return rep, err
	}
	defer r.Close()
	var errs []error
	fail := func(step string, err error) {
		e := fmt.Errorf("step %s: %w", step, err)
		errs = append(errs, e)
		rep.Errors = append(rep.Errors, e.Error())
	}
	for _, st := range l.Steps {
		if err := r.Do(st.Action); err != nil {
			var fe *FaultError
			var re *RefusedError
			if errors.As(err, &fe) {
				rep.Faults = append(rep.Faults, fmt.Sprintf("step %s: %v", st.ID, err))
			} else if errors.As(err, &re) {
				rep.Bounces = append(rep.Bounces, fmt.Sprintf("step %s: %v", st.ID, err))
			} else {
				fail(st.ID, fmt.Errorf("%s: %w", st.Action.Do, err))
			}
		}
		if st.Check == nil {
			continue
		}
		c := st.Check
		cr := CheckReport{Step: st.ID, Question: PlainText(c.Question)}
		if cr.Question == "" {
			cr.Question = PlainText(c.Prompt)
		}
		answer, err := c.Solve(r)
		var res lessons.Result
		if err == nil {
			res, err = c.Grade(answer, r)
		}
		switch {
		case err != nil:
			cr.Error = err.Error()
			fail(st.ID, err)
		case !res.Correct:
			cr.Answer = res.Expected
			cr.Error = "the run's own answer does not grade right"
			if res.Feedback != "" {
				cr.Error += ": " + res.Feedback
			}
			fail(st.ID, errors.New(cr.Error))
		default:
			cr.Answer, cr.OK = res.Expected, true
		}
		rep.Checks = append(rep.Checks, cr)
	}
	rep.SimSeconds = r.now.Seconds()
	rep.OK = len(errs) == 0
	if !rep.OK {
		return rep, fmt.Errorf("lesson %s on %s: %w", l.ID, o.Link, errors.Join(errs...))
	}
	return rep, nil
}

// PlainText strips a short Markdown text to plain words; it is
// lessons.PlainText, which the worksheets share.
func PlainText(md string) string { return lessons.PlainText(md) }
