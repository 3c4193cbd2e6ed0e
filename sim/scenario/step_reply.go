package scenario

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim/mua"
)

// stepReply writes a reply to each message into the outbox; a later send,
// check or online step sends them.
type stepReply struct{}

var _ deviceAction = stepReply{}

func (stepReply) help() string {
	return "compose replies to messages (messages, think per reply) into the outbox"
}

func (stepReply) validate(Step) []error { return nil }

func (stepReply) needsNetwork(*runner, *actor, Step) bool { return false }

func (stepReply) run(r *runner, a *actor, x turn, t time.Duration) (time.Duration, error) {
	n := 0
	for _, m := range a.pick(inbox(x.s.Folder), x.s.Messages) {
		to := addressOf(m.From)
		if to == "" {
			continue
		}
		_, res := a.dev.Compose(t, mua.Draft{To: []string{to}, Subject: "Re: " + m.Subject,
			Body: filler(int(x.s.Size), int64(m.ID)), InReplyTo: strings.Trim(m.MessageID, "<>")})
		r.account(a, x.sr, res)
		t += time.Duration(x.s.Think)
		n++
	}
	x.sr.Outcome = fmt.Sprintf("wrote %d replies; %d in the outbox", n, len(a.dev.Outbox()))
	return t, nil
}
