package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/mailscope/mailscope/sim/mua"
)

// idleWait bounds, in wall time, how long the runner waits for an IDLE
// session to hear of a delivery it knows was made.
const idleWait = 20 * time.Second

// watch is a device staying reachable: an IDLE session or POP3 polling.
type watch struct {
	step     int
	until    time.Duration
	every    time.Duration
	nextPoll time.Duration
	idle     *mua.IdleSession
	polls    int
	pushes   int
}

// watchEvent is a POP3 poll, or the end of a watch.
func (r *runner) watchEvent(a *actor, w *watch, t time.Duration) error {
	sr := &r.steps[w.step]
	if w.idle == nil && w.nextPoll < w.until {
		if !a.dev.Offline() {
			t = r.dial(a, t, sr)
		}
		res, err := a.dev.CheckMail(t)
		r.account(a, sr, res)
		// A poll that fails (the device went offline) fails the step, as
		// a failed IDLE does; the poller tries again at the next poll.
		if !failed(sr, err) {
			w.polls++
			sr.Outcome = fmt.Sprintf("polled %d times", w.polls)
		}
		w.nextPoll += w.every
		end := max(res.End, t)
		a.busy = max(a.busy, end)
		sr.VisibleAfter = r.visible()
		sr.EndSeconds = secs(end)
		r.mark(end)
		if r.metered {
			next := max(w.nextPoll, end)
			if next-end >= hangupGap || next >= w.until {
				r.hangup(a, end, sr)
			}
		}
		return nil
	}
	if w.idle != nil {
		res, err := w.idle.Stop(t)
		r.account(a, sr, res)
		if err != nil {
			return fmt.Errorf("scenario %s: %s: leaving IDLE: %w", r.sc.ID, a.spec.Name, err)
		}
	}
	a.watch = nil
	sr.VisibleAfter = r.visible()
	a.busy = max(a.busy, t, a.dev.Now())
	sr.EndSeconds = secs(a.busy)
	r.mark(a.busy)
	r.maybeHangup(a, sr)
	return nil
}

// pushToIdle tells the devices in IDLE of mail that reached the server
// at t, as the server's untagged EXISTS does, and counts the push.
func (r *runner) pushToIdle(t time.Duration) error {
	for _, a := range r.actors {
		if w := a.watch; w != nil && w.idle != nil && t < w.until {
			ctx, cancel := context.WithTimeout(r.ctx, idleWait)
			wr, werr := w.idle.Wait(ctx)
			cancel()
			if werr != nil {
				return fmt.Errorf("scenario %s: %s: IDLE: %w", r.sc.ID, a.spec.Name, werr)
			}
			w.pushes++
			r.account(a, &r.steps[w.step], wr)
			r.steps[w.step].Outcome = fmt.Sprintf("IDLE: told of new mail %d times", w.pushes)
		}
	}
	return nil
}
