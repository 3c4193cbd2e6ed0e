package app

import (
	"github.com/mailscope/mailscope/sim/lab"
)

// SessionService lists the connections the trace has seen, open or
// closed, with their counters.
type SessionService struct {
	lab *lab.Lab
}

// List returns every session, oldest first, with its totals from the
// trace (trace.Snapshot.SessionTotals). A session is open until both ends
// have closed; while it is, its counters come from the link, which also
// counts a line still on its way and knows the round trips.
func (s *SessionService) List() ([]SessionDTO, error) {
	snap := s.lab.Trace.Snapshot()
	totals := snap.SessionTotals()
	var out []SessionDTO
	byID := map[uint64]*SessionDTO{}
	for _, si := range snap.Sessions() {
		t := totals[si.ID]
		out = append(out, SessionDTO{
			SessionInfoDTO: newSessionInfoDTO(si), Open: !t.Closed(), EndUs: us(t.End),
			PayloadUp: t.PayloadUp, PayloadDown: t.PayloadDown, WireUp: t.WireUp, WireDown: t.WireDown,
		})
	}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	for _, st := range s.lab.Link.Open() {
		if d := byID[st.ID]; d != nil && d.Open {
			d.ClientTurns, d.ServerTurns = st.ClientTurns, st.ServerTurns
			d.WireUp, d.WireDown = st.Up.Wire, st.Down.Wire
			d.PayloadUp, d.PayloadDown = st.Up.Payload, st.Down.Payload
		}
	}
	return out, nil
}
