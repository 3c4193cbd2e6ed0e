package scenario

import (
	"fmt"
	"sort"
	"time"
)

// plan queues each device's steps, in file order, and lays out the
// world's events (mail from outside) on one timetable.
func (r *runner) plan() error {
	byName := map[string]*actor{}
	for _, a := range r.actors {
		byName[a.spec.Name] = a
	}
	for i, s := range r.sc.Steps {
		act := actions[s.Do]
		if wa, ok := act.(worldAction); ok {
			for k, at := range wa.schedule(s) {
				r.events = append(r.events, worldEvent{at: at, step: i, n: k + 1, act: wa})
			}
			continue
		}
		a := byName[s.Device]
		if a == nil {
			return fmt.Errorf("scenario %s: step %d: unknown device %q", r.sc.ID, i+1, s.Device)
		}
		// Parse validates the action; a scenario built in Go may not be.
		if _, ok := act.(deviceAction); !ok {
			return fmt.Errorf("scenario %s: step %d (%s, %s): unknown action %q", r.sc.ID, i+1, s.Do, s.Device, s.Do)
		}
		a.queue = append(a.queue, i)
	}
	sort.SliceStable(r.events, func(i, j int) bool { return r.events[i].at < r.events[j].at })
	r.steps = make([]StepResult, len(r.sc.Steps))
	for i, s := range r.sc.Steps {
		r.steps[i] = StepResult{Index: i + 1, Device: s.Device, Do: s.Do, StartSeconds: -1}
	}
	return nil
}

// next is when an actor's next event starts, and whether it has one.
func (a *actor) next(steps []Step) (time.Duration, bool) {
	now := max(a.busy, a.dev.Now())
	if w := a.watch; w != nil {
		if w.idle == nil && w.nextPoll < w.until {
			return max(w.nextPoll, now), true
		}
		return max(w.until, now), true
	}
	if len(a.queue) == 0 {
		return 0, false
	}
	s := steps[a.queue[0]]
	switch {
	case s.At > 0:
		return max(time.Duration(s.At), now), true
	default:
		return now + time.Duration(s.After), true
	}
}

func (r *runner) loop() error {
	for {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		var best *actor
		var bestAt time.Duration
		for _, a := range r.actors {
			at, ok := a.next(r.sc.Steps)
			if !ok {
				continue
			}
			if best == nil || at < bestAt || (at == bestAt && a.order() < best.order()) {
				best, bestAt = a, at
			}
		}
		// Mail from outside arrives first when times tie: a check at
		// 09:00 sees what arrived at 09:00.
		if len(r.events) > 0 && (best == nil || r.events[0].at <= bestAt) {
			e := r.events[0]
			r.events = r.events[1:]
			if err := e.act.fire(r, e); err != nil {
				return err
			}
			continue
		}
		if best == nil {
			break
		}
		if err := r.act(best, bestAt); err != nil {
			return err
		}
	}
	for _, a := range r.actors {
		var sr *StepResult
		if a.last >= 0 {
			sr = &r.steps[a.last]
		}
		r.finishSession(a, sr)
	}
	return nil
}

// order ties actors by their next step's place in the file.
func (a *actor) order() int {
	if a.watch != nil {
		return a.watch.step
	}
	if len(a.queue) > 0 {
		return a.queue[0]
	}
	return 1 << 30
}

func (r *runner) mark(t time.Duration) {
	if !r.started || t < r.start {
		r.start, r.started = t, true
	}
	r.end = max(r.end, t)
}
