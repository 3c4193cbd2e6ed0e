package scenario

import (
	"time"

	"github.com/mailscope/mailscope/sim/mua"
)

// The runner bills dial-up itself, per device, as each device's user
// would: dial before a networked step, hang up when the next one is
// hangupGap away. It does not use the link's own line (link.EnableCalls,
// what the Lab and `mailscope run` use: one line per link, hung up after
// an idle time), whose sharing between devices would mix their bills; so
// `compare` and `run` can report different online time for a similar
// story, by design.

// hangupGap is how long a device on a metered link stays on the line
// waiting for its next networked step: a user paying by the minute hangs
// up rather than wait longer.
const hangupGap = 5 * time.Minute

// dial starts a call on a metered link if none is up; it returns when the
// line is connected.
func (r *runner) dial(a *actor, t time.Duration, sr *StepResult) time.Duration {
	if !r.metered || a.callUp {
		return t
	}
	dial := r.o.Link.DialTime
	tot := Totals{DialSeconds: secs(dial), SimSeconds: secs(dial), Calls: 1}
	sr.Totals.add(tot)
	a.totals.add(tot)
	a.callUp, a.callStart = true, t+dial
	a.busy = max(a.busy, t+dial)
	return t + dial
}

// maybeHangup ends the device's session after a step when its next step
// needs no network or is far off: the user closes the mail program (an
// IMAP logout) and, on a metered link, hangs up.
func (r *runner) maybeHangup(a *actor, sr *StepResult) {
	now := max(a.busy, a.dev.Now())
	if len(a.queue) > 0 {
		s := r.sc.Steps[a.queue[0]]
		next, _ := a.next(r.sc.Steps)
		// A hangup step needs no network, so it ends the session here.
		if actions[s.Do].(deviceAction).needsNetwork(r, a, s) && next-now < hangupGap {
			return
		}
	}
	r.finishSession(a, sr)
}

// finishSession logs a kept IMAP session out and hangs up the call.
func (r *runner) finishSession(a *actor, sr *StepResult) {
	now := max(a.busy, a.dev.Now())
	if res, err := a.dev.Close(now); err == nil && !res.Offline {
		r.account(a, sr, res)
		now = max(now, a.dev.Now())
	}
	r.hangup(a, now, sr)
}

func (r *runner) hangup(a *actor, at time.Duration, sr *StepResult) {
	if !a.callUp {
		return
	}
	a.callUp = false
	d := at - a.callStart
	tot := Totals{OnlineSeconds: secs(d), Cost: r.o.Link.Tariff.Cost(d)}
	a.totals.add(tot)
	if sr != nil {
		sr.Totals.add(tot)
	}
	r.mark(at)
}

// account adds an action's counters to the actor and the step.
func (r *runner) account(a *actor, sr *StepResult, res mua.ActionResult) {
	var t Totals
	if res.Action == "idle-wait" && res.Noticed > res.Start {
		// Waiting in IDLE is not waiting on the network: the push
		// starts the work.
		res.Start = res.Noticed
	}
	t.addAction(res, r.o.Link, r.metered)
	a.totals.add(t)
	if sr != nil {
		sr.Totals.add(t)
	}
	if res.FirstReadable >= 0 && !res.Offline {
		at := res.Start + res.FirstReadable
		if a.firstReadable < 0 || at < a.firstReadable {
			a.firstReadable = at
		}
	}
}
