package lab

import (
	"time"

	"github.com/mailscope/mailscope/sim/link"
)

// multiTap passes each transfer and mark to several taps, in order: the
// trace first, then an observer (Options.Observe).
type multiTap []link.Tap

func (m multiTap) Transfer(fromClient bool, p []byte, depart, arrive time.Duration, wire int, wall time.Time) {
	for _, t := range m {
		t.Transfer(fromClient, p, depart, arrive, wire, wall)
	}
}

func (m multiTap) Mark(kind, detail string, fromClient bool, at time.Duration, wall time.Time) {
	for _, t := range m {
		t.Mark(kind, detail, fromClient, at, wall)
	}
}
