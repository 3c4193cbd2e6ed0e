package scenario

import (
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
)

// actions is every step a scenario can take, by the name its YAML uses.
// Each action is a type in its own file (step_check.go, ...), which holds
// all it knows: what it needs, whether it uses the network, and what it
// does. The table is written out, not filled by each file's init, so that
// the list a teacher may use is read in one place, as go-imap's server
// names its commands in one switch.
var actions = map[string]action{
	"check":   stepCheck{},
	"read":    stepRead{},
	"reply":   stepReply{},
	"compose": stepCompose{},
	"send":    stepSend{},
	"search":  stepSearch{},
	"move":    stepMove{},
	"delete":  stepDelete{},
	"deliver": stepDeliver{},
	"watch":   stepWatch{},
	"hangup":  stepHangup{},
	"offline": stepOffline{},
	"online":  stepOnline{},
}

// An action is one kind of step. It is either a deviceAction, done by a
// device in its turn, or a worldAction, which happens to the world on its
// own timetable; the runner asks which.
type action interface {
	// help says what the action does and which of Step's fields it reads.
	help() string
	// validate reports what is wrong with the fields the action reads.
	// The checks common to every step (device, negative values, at and
	// after, the message selector) are Validate's.
	validate(s Step) []error
}

// A deviceAction is done by a scenario's device, when its turn comes.
type deviceAction interface {
	action
	// needsNetwork predicts whether the step will use the network if it
	// starts now, so that a metered link's call is up before it starts
	// and is not hung up in between.
	needsNetwork(r *runner, a *actor, s Step) bool
	// run performs the step from t and returns when the user is done
	// with it. Failures that are part of the story are the step's
	// outcome (see failed); an error stops the run.
	run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error)
}

// A worldAction names no device: mail arriving from outside.
type worldAction interface {
	action
	// schedule lists when the step's events happen, in time order.
	schedule(s Step) []time.Duration
	// fire runs one of the step's events.
	fire(r *runner, e worldEvent) error
}

// turn is one step being run by a device.
type turn struct {
	idx int         // the step's place in the file, from 0
	s   Step        // the step
	sr  *StepResult // where its outcome and counters go
}

// worldEvent is one event of a world step, at its time.
type worldEvent struct {
	at   time.Duration
	step int
	n    int // 1-based within its step
	act  worldAction
}

// Actions are the steps a scenario can take, with what each needs. It is
// made from the actions' own help, for people; changing it changes nothing.
var Actions = func() map[string]string {
	m := make(map[string]string, len(actions))
	for name, act := range actions {
		m[name] = act.help()
	}
	return m
}()

// actionNames lists the actions in alphabetical order, for messages.
func actionNames() []string {
	names := make([]string, 0, len(actions))
	for name := range actions {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// validateCount checks the count and size of the steps that make mail
// (compose, deliver).
func validateCount(s Step) []error {
	var errs []error
	if s.Count == 0 {
		errs = append(errs, errors.New("count must be at least 1"))
	}
	if s.Count > 10_000 || s.Size > 10<<20 {
		errs = append(errs, errors.New("count or size too large"))
	}
	return errs
}

// eachMessage does one thing to each message in turn (move, delete),
// the user thinking between them. The first failure stops it and becomes
// the step's outcome (ok is false); n counts the messages done.
func eachMessage(r *runner, a *actor, x turn, t time.Duration, msgs []mua.Message,
	do func(at time.Duration, id int) (mua.ActionResult, error)) (end time.Duration, n int, ok bool) {
	for _, m := range msgs {
		res, err := do(t, m.ID)
		r.account(a, x.sr, res)
		t = res.End
		if failed(x.sr, err) {
			return t, n, false
		}
		n++
		t += time.Duration(x.s.Think)
	}
	return t, n, true
}

// failed records a step's error as its outcome.
func failed(sr *StepResult, err error) bool {
	if err == nil {
		return false
	}
	sr.Failed = true
	sr.Outcome = reason(err)
	return true
}

// reason says in words why a step failed.
func reason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, mua.ErrWorkingOffline):
		return "working offline"
	case errors.Is(err, mua.ErrNotDownloaded):
		return "not downloaded, and no network"
	case errors.Is(err, link.ErrOffline):
		return "the link is offline"
	}
	return err.Error()
}

// inbox is a step's folder, INBOX when it names none.
func inbox(folder string) string {
	if folder == "" {
		return "INBOX"
	}
	return folder
}

// filler is a deterministic plain-text body of about n bytes.
func filler(n int, seed int64) string {
	if n <= 0 {
		n = 600
	}
	words := []string{"the", "mail", "server", "keeps", "a", "copy", "of", "every", "message", "until", "you", "delete", "it", "over", "link", "modem", "folder", "reply", "thanks", "see", "tomorrow"}
	var b strings.Builder
	x := uint64(seed)*6364136223846793005 + 1442695040888963407
	col := 0
	for b.Len() < n {
		x = x*6364136223846793005 + 1442695040888963407
		w := words[(x>>33)%uint64(len(words))]
		if col+len(w) > 72 {
			b.WriteString("\n")
			col = 0
		} else if col > 0 {
			b.WriteString(" ")
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String() + "\n"
}
