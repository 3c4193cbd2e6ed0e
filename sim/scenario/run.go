package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
)

// RunOptions chooses one run of a scenario.
type RunOptions struct {
	Protocol Protocol
	// Link is the profile every device connects over. Its jitter stays as
	// given: zero it for exact figures.
	Link     link.Profile
	Switches Switches
	// Trace keeps the run's trace in Result.Events (slower; the race view
	// shows it under each lane).
	Trace bool
	// Mail supplies the generated mailbox; nil generates it for this run.
	Mail *MailCache
}

// Run plays a scenario once on the virtual clock. Step failures that are
// part of the story (a message that cannot be opened offline, mail
// refused over quota) are reported in the result, not as errors; an error
// means the run itself could not be made.
func Run(ctx context.Context, sc *Scenario, o RunOptions) (*Result, error) {
	if err := o.Link.Validate(); err != nil {
		return nil, err
	}
	w, err := newWorld(sc, o.Link, o.Trace, o.Mail)
	if err != nil {
		return nil, err
	}
	defer w.close()
	r := &runner{ctx: ctx, sc: sc, w: w, o: o, delivered: map[string]time.Duration{},
		stepIn: map[int]int{}, stepRefused: map[int]int{}}
	r.metered = o.Link.Metered()
	for _, d := range sc.Devices {
		dev, err := w.device(d, o.Protocol, o.Switches)
		if err != nil {
			return nil, err
		}
		r.actors = append(r.actors, &actor{spec: d, dev: dev, firstReadable: -1, last: -1})
	}
	if err := r.plan(); err != nil {
		return nil, err
	}
	if err := r.loop(); err != nil {
		return nil, err
	}
	return r.result(), nil
}

type runner struct {
	ctx     context.Context
	sc      *Scenario
	w       *world
	o       RunOptions
	metered bool

	actors []*actor
	events []worldEvent // world steps' events, in time order
	steps  []StepResult

	delivered map[string]time.Duration // subject → when it reached the server
	refused   int
	// per deliver step: how many of its messages arrived, and were refused
	stepIn, stepRefused map[int]int
	start               time.Duration // the first step's start
	started             bool
	end                 time.Duration
}

// actor is a device in a run, with its queue of steps.
type actor struct {
	spec  Device
	dev   *mua.Device
	queue []int // step indexes, in file order
	last  int   // the step it ran last; -1 before any
	busy  time.Duration
	found []int

	callUp    bool
	callStart time.Duration
	watch     *watch

	totals        Totals
	firstReadable time.Duration
}

// act runs an actor's next event at t.
func (r *runner) act(a *actor, t time.Duration) error {
	if w := a.watch; w != nil {
		return r.watchEvent(a, w, t)
	}
	idx := a.queue[0]
	a.queue = a.queue[1:]
	a.last = idx
	s := r.sc.Steps[idx]
	sr := &r.steps[idx]
	sr.StartSeconds = secs(t)
	r.mark(t)
	act := actions[s.Do].(deviceAction) // plan queued only these
	if act.needsNetwork(r, a, s) {
		t = r.dial(a, t, sr)
	}
	end, err := act.run(r, a, turn{idx: idx, s: s, sr: sr}, t)
	if err != nil {
		return fmt.Errorf("scenario %s: step %d (%s, %s): %w", r.sc.ID, idx+1, s.Do, a.spec.Name, err)
	}
	a.busy = max(a.busy, end)
	sr.VisibleAfter = r.visible()
	sr.EndSeconds = secs(max(end, a.dev.Now()))
	r.mark(max(end, a.dev.Now()))
	if a.watch == nil {
		r.maybeHangup(a, sr)
	}
	return nil
}

// visible is how many messages each device lists now.
func (r *runner) visible() map[string]int {
	m := make(map[string]int, len(r.actors))
	for _, a := range r.actors {
		m[a.spec.Name] = a.dev.View().Visible
	}
	return m
}
