package lessonrun

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/trace"
)

// AttachOptions configures a Runner on a lab it does not own (Attach).
type AttachOptions struct {
	// Link is the id of the link preset reset-lab puts the link on (a
	// lesson that names its own link); "" leaves the link as it is.
	Link string
	// Seed is Options.Seed: the generated mail of reset-lab {messages:
	// n} that gives no seed of its own, and the jitter of set-link's
	// presets; 0 means 1.
	Seed int64
}

// attached is what a runner on someone else's live lab keeps.
type attached struct {
	mu       sync.Mutex
	windows  []func() // cancel the offline windows inject-fault scheduled
	read     map[readKey]int
	searches []searchSeen // the learner's searches (NoteSearch)
}

// readKey names one read action a learner was asked for: its device and
// the trace's last event when its step opened (Detect).
type readKey struct {
	device string
	since  uint64
}

func (a *attached) stop() {
	a.mu.Lock()
	ws := a.windows
	a.windows = nil
	a.mu.Unlock()
	for _, stop := range ws {
		stop()
	}
}

// mark is where a run starts in its lab's trace and meters: nothing
// before it counts. A runner on its own lab starts at the zero mark.
type mark struct {
	seq      uint64        // the trace's last event before the run
	sessions int           // the trace's sessions opened before the run
	start    time.Duration // the run's clock at its start
	online   time.Duration // the dial-up meter's totals then
	cost     float64
}

// Attach binds a runner to a lab someone else owns and keeps open: the
// desktop app's, on the live clock (lab.Options Clock Live). Every action
// runs on that lab at the live clock's now, beside whatever else uses it
// (a learner's own actions, outside clients), and every name and function
// reads it. The run starts with the lab's whole trace; reset-lab gives the
// learner a clean lab in place (see Runner.TraceFrom). The link dials as
// its owner set it up (lab.DialOnDemand); an action hangs a call up when
// it ends, as on a runner's own lab, unless another connection still
// uses the line. Close cancels the offline windows inject-fault
// scheduled and leaves the lab open.
func Attach(l *lab.Lab, o AttachOptions) (*Runner, error) {
	if o.Link != "" {
		if p, err := link.Preset(o.Link); err != nil || p.ID == "custom" {
			return nil, fmt.Errorf("lessonrun: unknown link preset %q (have %s)", o.Link, strings.Join(PresetIDs(), ", "))
		}
	}
	if l.Trace == nil {
		return nil, fmt.Errorf("lessonrun: the lab has no trace to answer from")
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	r := &Runner{opts: Options{Link: o.Link, Seed: o.Seed}, prof: l.Link.Profile(), lab: l, live: &attached{}}
	r.now = r.clock()
	return r, nil
}

// clock is the run's clock now, when an action that is not a device's
// starts (device actions get theirs from use): on a runner's own lab the
// time the last action ended; on an attached one the live clock's now.
func (r *Runner) clock() time.Duration {
	if r.live != nil {
		return r.lab.Link.LiveClock().Now()
	}
	return r.now
}

// profile is the link's current profile, as link.preset reads it.
func (r *Runner) profile() link.Profile {
	if r.live != nil { // anyone may change the app's link
		return r.lab.Link.Profile()
	}
	return r.prof
}

// TraceFrom is the Seq of the first trace event of the run: 1 on a
// runner's own lab (its trace is the run's), and on an attached lab the
// event after the one that was last when reset-lab ran (1 before any).
// A trace view that hides the rows before it shows what the checks count.
func (r *Runner) TraceFrom() uint64 { return r.from.seq + 1 }

// LastResult is what the last device action of the last Do cost; the
// zero ActionResult when it ran none.
func (r *Runner) LastResult() mua.ActionResult { return r.last }

// run is the part of a snapshot the run counts: the connections opened
// since its mark, and their events after it. A connection opened before
// a reset-lab (an outside client's) does not count, even for the lines
// it sends later.
func (r *Runner) run(snap *trace.Snapshot) ([]trace.SessionInfo, iter.Seq[trace.Event]) {
	all := snap.Sessions()
	if r.from.sessions == 0 {
		return all, snap.Since(r.from.seq)
	}
	sessions := all[min(r.from.sessions, len(all)):]
	in := make(map[uint64]bool, len(sessions))
	for _, si := range sessions {
		in[si.ID] = true
	}
	return sessions, func(yield func(trace.Event) bool) {
		for ev := range snap.Since(r.from.seq) {
			if in[ev.Session] && !yield(ev) {
				return
			}
		}
	}
}

// simTime is run.sim_seconds: on a runner's own lab, where each action
// starts when the one before it ended, the clock when the last ended. On
// a live lab the learner reads and thinks between actions, so it is the
// time the run's connections were busy instead (the union of each one's
// span, from its dial or connect to its last byte, wherever its actions
// came from): what the clock would say had they run back to back.
func (r *Runner) simTime(sessions []trace.SessionInfo, events iter.Seq[trace.Event]) time.Duration {
	if r.live == nil {
		return r.now
	}
	type span struct{ from, to time.Duration }
	spans := map[uint64]*span{}
	var order []uint64
	for ev := range events {
		end := max(ev.At, ev.Arrive)
		sp := spans[ev.Session]
		if sp == nil {
			sp = &span{ev.At, end}
			spans[ev.Session] = sp
			order = append(order, ev.Session)
		}
		sp.from, sp.to = min(sp.from, ev.At), max(sp.to, end)
	}
	list := make([]span, 0, len(order))
	for _, id := range order {
		list = append(list, *spans[id])
	}
	slices.SortFunc(list, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	var total, reach time.Duration
	for _, sp := range list {
		if sp.from > reach {
			total += sp.to - sp.from
		} else if sp.to > reach {
			total += sp.to - reach
		}
		reach = max(reach, sp.to)
	}
	return total
}

// callTotals are the dial-up meter's totals since the run's mark.
func (r *Runner) callTotals() (time.Duration, float64) {
	call := r.lab.Link.CallState()
	online, cost := call.TotalOnline-r.from.online, call.TotalCost-r.from.cost
	if r.from.cost != 0 {
		cost = math.Round(cost*1e6) / 1e6
	}
	return online, cost
}

// scheduleOffline plays an offline fault spec from the run's clock: on
// the virtual clock as a window of the link's; on a live lab in real
// time, cancelled by reset-lab and Close.
func (r *Runner) scheduleOffline(fs link.FaultSpec) {
	if r.live == nil {
		fs.ScheduleVirtual(r.lab.Link, r.now)
		return
	}
	stop := fs.ScheduleOffline(r.lab.Link, r.lab.Link.LiveClock(), r.clock())
	r.live.mu.Lock()
	r.live.windows = append(r.live.windows, stop)
	r.live.mu.Unlock()
}

// FastForward is how long, in wall time, an action that plays minutes of
// waiting (idle, poll) takes on an attached lab: its live clock runs that
// much faster meanwhile.
const FastForward = 3 * time.Second

// fastForward speeds an attached lab's live clock up for an action that
// waits for minutes of link time (idle, poll: a lesson's half hour of
// mail arriving), so that it takes FastForward, and returns what puts
// the speed back. It does nothing on a runner's own lab (its clock is
// virtual), for other actions, on a paused clock, or when the clock
// already runs that fast.
func (r *Runner) fastForward(a *lessons.Action) (restore func()) {
	restore = func() {}
	if r.live == nil || a.Do != "idle" && a.Do != "poll" {
		return
	}
	mins, _ := a.With["minutes"].Number()
	clock := r.lab.Link.LiveClock()
	was := clock.Speed()
	fast := mins * float64(time.Minute) / float64(FastForward)
	if was == 0 || fast <= was {
		return
	}
	clock.SetSpeed(fast)
	return func() { clock.SetSpeed(was) }
}

// hangupLive ends a dial-up call when an action ends, as the user of a
// headless run does, unless a connection still uses the line (the
// console's, an outside client's, a learner's action beside it): the
// line's own idle hang-up ends that call later.
//
// The action's connections have closed at the client; the server's ends
// follow within moments, on their own goroutines: it waits for those
// (a second at most), then for the line to count them gone.
func (r *Runner) hangupLive(res mua.ActionResult) {
	lk := r.lab.Link
	mine := map[uint64]bool{}
	for _, c := range res.Conns {
		mine[c.ID] = true
	}
	deadline := time.Now().Add(time.Second)
	var closed time.Time // when the last of the action's connections was gone
	for lk.CallState().Up && !lk.HangupIdle() {
		open := false
		for _, st := range lk.Open() {
			open = open || mine[st.ID]
		}
		now := time.Now()
		switch {
		case open:
		case closed.IsZero():
			closed = now
		case now.Sub(closed) > 10*time.Millisecond:
			return // another connection holds the line
		}
		if now.After(deadline) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// resetLive gives the learner a clean lab without replacing it (the app's
// services hold it): faults disarmed and scheduled windows cancelled, the
// link online (on AttachOptions.Link, if set) with no call up, every
// device removed (their sessions logged out) and the default ones added
// fresh, every account emptied (lab.ResetMail: default folders, no
// quota), then the generated messages. The run starts again from here:
// the trace's later events, the clock, the meter.
func (r *Runner) resetLive(seed int64, messages int) error {
	l := r.lab
	r.live.stop()
	l.ClearFaults()
	l.Link.SetOffline(false)
	if r.opts.Link != "" {
		p, _ := link.Preset(r.opts.Link)
		p.Seed = r.opts.Seed
		if err := l.Link.SetProfile(p); err != nil {
			return err
		}
		r.prof = p
	}
	for _, d := range l.Devices() {
		// A session that does not log out cleanly is dropped all the
		// same: the device is gone either way.
		_ = l.RemoveDevice(d.Name)
	}
	l.Link.Hangup()
	if err := l.ResetMail(); err != nil {
		return err
	}
	snap := l.Trace.Snapshot()
	call := l.Link.CallState()
	r.now = r.clock()
	r.from = mark{seq: snap.Seq, sessions: len(snap.Sessions()), start: r.now, online: call.TotalOnline, cost: call.TotalCost}
	r.lastSearch, r.delivered, r.ext = nil, 0, nil
	r.live.mu.Lock()
	r.live.read, r.live.searches = nil, nil
	r.live.mu.Unlock()
	for _, d := range lab.DefaultDevices() {
		if _, err := l.AddDevice(d); err != nil {
			return err
		}
	}
	if messages > 0 {
		return l.Seed("student", messages, seed)
	}
	return nil
}
