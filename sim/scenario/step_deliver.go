package scenario

import (
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim/mua"
)

// stepDeliver is mail from outside: count messages of about size reach
// the student's mailbox, every apart from at, over the mx link, so they
// never count as the reader's traffic. Over quota the server refuses
// them (552) and the run counts it.
type stepDeliver struct{}

var _ worldAction = stepDeliver{}

func (stepDeliver) help() string {
	return "count messages (size) arrive at the server, every apart, from someone outside"
}

func (stepDeliver) validate(s Step) []error { return validateCount(s) }

func (stepDeliver) schedule(s Step) []time.Duration {
	at := make([]time.Duration, s.Count)
	for k := range at {
		at[k] = time.Duration(s.At) + time.Duration(k)*time.Duration(s.Every)
	}
	return at
}

// fire delivers the step's e.n-th message.
func (stepDeliver) fire(r *runner, e worldEvent) error {
	s := r.sc.Steps[e.step]
	sr := &r.steps[e.step]
	r.mark(e.at)
	if sr.StartSeconds < 0 {
		sr.StartSeconds = secs(e.at)
	}
	subject := fmt.Sprintf("Update %d.%d", e.step+1, e.n)
	sender, err := r.w.sender("Newsletter")
	if err != nil {
		return err
	}
	sender.Compose(e.at, mua.Draft{To: []string{user + "@" + domain}, Subject: subject, Body: filler(int(s.Size), int64(e.step*1000+e.n))})
	res, err := sender.Send(e.at)
	sr.EndSeconds = secs(res.End)
	switch {
	case err == nil:
		r.delivered[subject] = res.End
		r.stepIn[e.step]++
	case isCode(err, 552):
		r.refused++
		r.stepRefused[e.step]++
	default:
		return fmt.Errorf("scenario %s: step %d: delivery: %w", r.sc.ID, e.step+1, err)
	}
	sr.Outcome = fmt.Sprintf("%d delivered, %d refused (mailbox full)", r.stepIn[e.step], r.stepRefused[e.step])
	sr.VisibleAfter = r.visible()
	sr.Failed = r.stepRefused[e.step] > 0
	if err != nil {
		return nil
	}
	return r.pushToIdle(res.End)
}

// isCode reports an SMTP reply with the given code in err's chain.
func isCode(err error, code int) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code == code
}
