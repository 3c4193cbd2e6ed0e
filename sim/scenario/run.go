package scenario

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

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

// hangupGap is how long a device on a metered link stays on the line
// waiting for its next networked step: a user paying by the minute hangs
// up rather than wait longer.
const hangupGap = 5 * time.Minute

// idleWait bounds, in wall time, how long the runner waits for an IDLE
// session to hear of a delivery it knows was made.
const idleWait = 20 * time.Second

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
	r.metered = o.Link.DialTime > 0 || !o.Link.Tariff.Flat()
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

	actors     []*actor
	deliveries []delivery
	steps      []StepResult

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

// delivery is one message arriving from outside.
type delivery struct {
	at   time.Duration
	step int
	n    int // 1-based within its step
}

func (r *runner) plan() error {
	byName := map[string]*actor{}
	for _, a := range r.actors {
		byName[a.spec.Name] = a
	}
	for i, s := range r.sc.Steps {
		if s.Do == "deliver" {
			every := time.Duration(s.Every)
			for k := 0; k < s.Count; k++ {
				r.deliveries = append(r.deliveries, delivery{at: time.Duration(s.At) + time.Duration(k)*every, step: i, n: k + 1})
			}
			continue
		}
		a := byName[s.Device]
		if a == nil {
			return fmt.Errorf("scenario %s: step %d: unknown device %q", r.sc.ID, i+1, s.Device)
		}
		a.queue = append(a.queue, i)
	}
	sort.SliceStable(r.deliveries, func(i, j int) bool { return r.deliveries[i].at < r.deliveries[j].at })
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
		if len(r.deliveries) > 0 && (best == nil || r.deliveries[0].at <= bestAt) {
			d := r.deliveries[0]
			r.deliveries = r.deliveries[1:]
			if err := r.deliver(d); err != nil {
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

// deliver sends one message from outside to the student over the mx
// link; over quota, the server refuses it (552) and it is counted.
func (r *runner) deliver(d delivery) error {
	s := r.sc.Steps[d.step]
	sr := &r.steps[d.step]
	r.mark(d.at)
	if sr.StartSeconds < 0 {
		sr.StartSeconds = secs(d.at)
	}
	subject := fmt.Sprintf("Update %d.%d", d.step+1, d.n)
	sender, err := r.w.sender("Newsletter")
	if err != nil {
		return err
	}
	sender.Compose(d.at, mua.Draft{To: []string{user + "@" + domain}, Subject: subject, Body: filler(int(s.Size), int64(d.step*1000+d.n))})
	res, err := sender.Send(d.at)
	sr.EndSeconds = secs(res.End)
	switch {
	case err == nil:
		r.delivered[subject] = res.End
		r.stepIn[d.step]++
	case isCode(err, 552):
		r.refused++
		r.stepRefused[d.step]++
	default:
		return fmt.Errorf("scenario %s: step %d: delivery: %w", r.sc.ID, d.step+1, err)
	}
	sr.Outcome = fmt.Sprintf("%d delivered, %d refused (mailbox full)", r.stepIn[d.step], r.stepRefused[d.step])
	sr.VisibleAfter = r.visible()
	sr.Failed = r.stepRefused[d.step] > 0
	// Devices in IDLE hear of it now.
	if err == nil {
		for _, a := range r.actors {
			if w := a.watch; w != nil && w.idle != nil && res.End < w.until {
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
	}
	return nil
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
	if r.needsNetwork(a, s) {
		t = r.dial(a, t, sr)
	}
	end, err := r.do(a, idx, s, sr, t)
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

// needsNetwork predicts whether a step will use the network, so that a
// metered link's call is up before it starts.
func (r *runner) needsNetwork(a *actor, s Step) bool {
	if a.dev.Offline() {
		return s.Do == "online"
	}
	imap := r.o.Protocol == IMAP
	switch s.Do {
	case "check", "send", "online", "watch":
		return true
	case "search", "move", "delete":
		return imap
	case "read":
		if !imap {
			return false
		}
		for _, m := range r.pick(a, s) {
			if !m.Readable() {
				return true
			}
		}
	}
	return false
}

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
		if s.Do != "hangup" && r.needsNetwork(a, s) && next-now < hangupGap {
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

// pick selects the messages a step names, from the device's folder.
func (r *runner) pick(a *actor, s Step) []mua.Message {
	folder := s.Folder
	if folder == "" || s.Do == "move" {
		folder = "INBOX"
	}
	msgs := a.dev.Messages(folder)
	kind, n, _ := parseSelector(s.Messages)
	switch kind {
	case "unread":
		var out []mua.Message
		for _, m := range msgs {
			if !m.Seen {
				out = append(out, m)
			}
		}
		return out
	case "first":
		return msgs[:min(n, len(msgs))]
	case "last":
		return msgs[max(0, len(msgs)-n):]
	case "found":
		want := map[int]bool{}
		for _, id := range a.found {
			want[id] = true
		}
		var out []mua.Message
		for _, m := range a.dev.Messages("") {
			if want[m.ID] {
				out = append(out, m)
			}
		}
		return out
	}
	return msgs
}

// do performs a step at t and returns when the user is done with it.
func (r *runner) do(a *actor, idx int, s Step, sr *StepResult, t time.Duration) (time.Duration, error) {
	d := a.dev
	think := time.Duration(s.Think)
	acct := func(res mua.ActionResult) { r.account(a, sr, res) }
	switch s.Do {
	case "check":
		folders := []string{"INBOX"}
		if s.Folder != "" {
			folders = strings.Split(s.Folder, ",")
		}
		before := d.View().Visible
		res, err := d.CheckFolders(t, folders...)
		acct(res)
		if failed(sr, err) {
			return res.End, nil
		}
		sr.Outcome = fmt.Sprintf("downloaded %d, headers only %d, sent %d; the device now lists %d (was %d)",
			res.Downloaded, res.HeadersOnly, res.Sent, d.View().Visible, before)
		return res.End, nil
	case "send", "online":
		var res mua.ActionResult
		var err error
		n := len(d.Outbox())
		if s.Do == "send" {
			res, err = d.Send(t)
		} else {
			res, err = d.GoOnline(t)
		}
		acct(res)
		if failed(sr, err) {
			return res.End, nil
		}
		sr.Outcome = fmt.Sprintf("sent %d of %d", res.Sent, n)
		return res.End, nil
	case "read":
		opened, unreadable := 0, 0
		var why error
		for _, m := range r.pick(a, s) {
			res, err := d.Open(t, m.ID)
			acct(res)
			t = res.End
			if err != nil {
				if !errors.Is(err, mua.ErrNotDownloaded) {
					return t, err
				}
				unreadable++
				why = err
				continue
			}
			opened++
			t += think
		}
		sr.Outcome = fmt.Sprintf("read %d", opened)
		if unreadable > 0 {
			sr.Failed = true
			sr.Outcome += fmt.Sprintf("; could not open %d (%s)", unreadable, reason(why))
		}
		return t, nil
	case "reply":
		n := 0
		for _, m := range r.pick(a, s) {
			to := addressOf(m.From)
			if to == "" {
				continue
			}
			_, res := d.Compose(t, mua.Draft{To: []string{to}, Subject: "Re: " + m.Subject,
				Body: filler(int(s.Size), int64(m.ID)), InReplyTo: strings.Trim(m.MessageID, "<>")})
			acct(res)
			t += think
			n++
		}
		sr.Outcome = fmt.Sprintf("wrote %d replies; %d in the outbox", n, len(d.Outbox()))
		return t, nil
	case "compose":
		for i := 0; i < s.Count; i++ {
			_, res := d.Compose(t, mua.Draft{To: []string{friend}, Subject: fmt.Sprintf("Note %d", i+1),
				Body: filler(int(s.Size), int64(i))})
			acct(res)
			t += think
		}
		sr.Outcome = fmt.Sprintf("wrote %d; %d in the outbox", s.Count, len(d.Outbox()))
		return t, nil
	case "search":
		folder := s.Folder
		if folder == "" {
			folder = "INBOX"
		}
		res, err := d.Search(t, folder, s.Text)
		acct(res)
		if failed(sr, err) {
			return res.End, nil
		}
		a.found = res.Found
		if res.Offline {
			sr.Outcome = fmt.Sprintf("found %d of the device's own %d copies", len(res.Found), len(d.Messages(folder)))
		} else {
			sr.Outcome = fmt.Sprintf("the server matched %d; %d of them are on the device", res.ServerMatches, len(res.Found))
		}
		return res.End, nil
	case "move", "delete":
		n := 0
		for _, m := range r.pick(a, s) {
			var res mua.ActionResult
			var err error
			if s.Do == "move" {
				res, err = d.Move(t, m.ID, s.Folder)
			} else {
				res, err = d.Delete(t, m.ID)
			}
			acct(res)
			t = res.End
			if failed(sr, err) {
				return t, nil
			}
			n++
			t += think
		}
		if s.Do == "move" {
			sr.Outcome = fmt.Sprintf("moved %d to %s", n, s.Folder)
		} else {
			sr.Outcome = fmt.Sprintf("deleted %d", n)
		}
		return t, nil
	case "watch":
		w := &watch{step: idx, until: time.Duration(s.Until), every: time.Duration(s.Every), nextPoll: t}
		if r.o.Protocol == IMAP {
			is, res, err := d.StartIdle(t)
			acct(res)
			if failed(sr, err) {
				return res.End, nil
			}
			w.idle = is
			sr.Outcome = "IDLE: waiting for the server to push"
			a.watch = w
			return res.End, nil
		}
		a.watch = w
		sr.Outcome = fmt.Sprintf("polling every %v", w.every)
		return t, nil
	case "hangup":
		r.hangup(a, t, sr)
		sr.Outcome = "hung up"
		return t, nil
	case "offline":
		res := d.GoOffline(t)
		acct(res)
		sr.Outcome = "working offline"
		return res.End, nil
	}
	return t, fmt.Errorf("unknown action %q", s.Do)
}

// watchEvent is a POP3 poll, or the end of a watch.
func (r *runner) watchEvent(a *actor, w *watch, t time.Duration) error {
	sr := &r.steps[w.step]
	if w.idle == nil && w.nextPoll < w.until {
		t = r.dial(a, t, sr)
		res, err := a.dev.CheckMail(t)
		r.account(a, sr, res)
		if err != nil {
			return fmt.Errorf("scenario %s: %s: poll: %w", r.sc.ID, a.spec.Name, err)
		}
		w.polls++
		w.nextPoll += w.every
		a.busy = max(a.busy, res.End)
		sr.Outcome = fmt.Sprintf("polled %d times", w.polls)
		sr.VisibleAfter = r.visible()
		sr.EndSeconds = secs(res.End)
		r.mark(res.End)
		if r.metered {
			next := max(w.nextPoll, res.End)
			if next-res.End >= hangupGap || next >= w.until {
				r.hangup(a, res.End, sr)
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

// failed records a step's error as its outcome.
func failed(sr *StepResult, err error) bool {
	if err == nil {
		return false
	}
	sr.Failed = true
	sr.Outcome = reason(err)
	return true
}

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

func (r *runner) result() *Result {
	p := r.o.Link
	res := &Result{
		Scenario: r.sc.ID, Protocol: r.o.Protocol, Switches: r.o.Switches,
		Link: LinkInfo{ID: p.ID, Name: p.Name, DownBps: p.DownBps, UpBps: p.UpBps,
			RTTms: float64(p.RTT()) / float64(time.Millisecond), DialSeconds: secs(p.DialTime),
			Metered: r.metered, Currency: p.Tariff.Currency},
		SpanSeconds: secs(r.end - r.start),
		Steps:       r.steps,
		QuotaBytes:  int64(r.sc.Mailbox.Quota),
		Delivered:   len(r.delivered),
		Refused:     r.refused,
	}
	res.MessagesOnServerAfter, res.ServerBytesAfter = r.w.onServer()
	first := time.Duration(-1)
	var delays []time.Duration
	noticed := map[string]time.Duration{} // subject → first device to list it
	for _, a := range r.actors {
		v := a.dev.View()
		dr := DeviceResult{Name: a.spec.Name, Policy: a.dev.Policy().Mode.String(),
			VisibleMessages: v.Visible, OfflineReadable: v.OfflineReadable, Unread: v.Unread,
			Outbox: v.Outbox, Folders: v.Folders, Totals: a.totals}
		if a.firstReadable >= 0 {
			dr.FirstReadableSec = ptr(secs(a.firstReadable - r.start))
			if first < 0 || a.firstReadable < first {
				first = a.firstReadable
			}
		}
		res.Devices = append(res.Devices, dr)
		res.Totals.add(a.totals)
		for _, m := range a.dev.Messages("") {
			if _, ok := r.delivered[m.Subject]; ok {
				if t, seen := noticed[m.Subject]; !seen || m.Received < t {
					noticed[m.Subject] = m.Received
				}
			}
		}
	}
	for subj, t := range noticed {
		if at := r.delivered[subj]; t >= at {
			delays = append(delays, t-at)
		}
	}
	if first >= 0 {
		res.FirstReadableSeconds = ptr(secs(first - r.start))
	}
	if len(delays) > 0 {
		var sum, top time.Duration
		for _, d := range delays {
			sum += d
			top = max(top, d)
		}
		res.NoticeDelayAvgSeconds = ptr(secs(sum / time.Duration(len(delays))))
		res.NoticeDelayMaxSeconds = ptr(secs(top))
	}
	for i := range res.Steps {
		if res.Steps[i].StartSeconds < 0 {
			res.Steps[i].StartSeconds = 0
		} else {
			res.Steps[i].StartSeconds -= secs(r.start)
		}
		res.Steps[i].EndSeconds = max(0, res.Steps[i].EndSeconds-secs(r.start))
	}
	res.Totals.round()
	res.SpanSeconds = round6(res.SpanSeconds)
	res.FirstReadableSeconds = roundPtr(res.FirstReadableSeconds)
	res.NoticeDelayAvgSeconds = roundPtr(res.NoticeDelayAvgSeconds)
	res.NoticeDelayMaxSeconds = roundPtr(res.NoticeDelayMaxSeconds)
	for i := range res.Devices {
		d := &res.Devices[i]
		d.Totals.round()
		d.FirstReadableSec = roundPtr(d.FirstReadableSec)
	}
	for i := range res.Steps {
		st := &res.Steps[i]
		st.Totals.round()
		st.StartSeconds, st.EndSeconds = round6(st.StartSeconds), round6(st.EndSeconds)
	}
	if r.w.rec != nil {
		res.Trace = r.w.rec.Snapshot()
	}
	return res
}

// isCode reports an SMTP reply with the given code in err's chain.
func isCode(err error, code int) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code == code
}
