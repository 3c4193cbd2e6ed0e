package app

import (
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/trace"
)

// SessionService lists the connections the trace has seen, open or
// closed, with their counters.
type SessionService struct {
	lab *lab.Lab
}

// List returns every session, oldest first. Counters of open sessions come
// from the link; closed ones are summed from their trace events.
func (s *SessionService) List() ([]SessionDTO, error) {
	snap := s.lab.Trace.Snapshot()
	byID := map[uint64]*SessionDTO{}
	var out []SessionDTO
	for _, si := range snap.Sessions() {
		out = append(out, SessionDTO{SessionInfoDTO: newSessionInfoDTO(si)})
	}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	for ev := range snap.Events() {
		d := byID[ev.Session]
		if d == nil {
			continue
		}
		switch ev.Kind {
		case trace.KindClose:
			d.closes++
		case trace.KindLine, trace.KindBulk:
			if ev.Dir == trace.ClientToServer {
				d.PayloadUp += int64(ev.Bytes)
				d.WireUp += int64(ev.Wire)
			} else {
				d.PayloadDown += int64(ev.Bytes)
				d.WireDown += int64(ev.Wire)
			}
		}
		if t := us(ev.Arrive); t > d.EndUs {
			d.EndUs = t
		}
	}
	open := map[uint64]bool{}
	for _, st := range s.lab.Link.Open() {
		open[st.ID] = true
		if d := byID[st.ID]; d != nil {
			d.ClientTurns, d.ServerTurns = st.ClientTurns, st.ServerTurns
			d.WireUp, d.WireDown = st.Up.Wire, st.Down.Wire
			d.PayloadUp, d.PayloadDown = st.Up.Payload, st.Down.Payload
		}
	}
	for i := range out {
		out[i].Open = open[out[i].ID] && out[i].closes < 2
	}
	return out, nil
}
