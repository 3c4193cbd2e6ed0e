package scenario

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
)

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
	sender := r.w.sender("Newsletter")
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

// isCode reports an SMTP reply with the given code in err's chain.
func isCode(err error, code int) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code == code
}
