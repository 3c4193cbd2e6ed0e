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

// List returns every session, oldest first, with its totals from the
// trace (trace.Snapshot.SessionTotals) and its report (trace.Reports):
// the round trips it spent and could have saved. A session is open until
// both ends have closed; while it is, its byte counters come from the
// link, which also counts a line still on its way.
func (s *SessionService) List() ([]SessionDTO, error) {
	snap := s.lab.Trace.Snapshot()
	totals := snap.SessionTotals()
	reports := map[uint64]trace.Report{}
	for _, r := range trace.Reports(snap) {
		reports[r.ID] = r
	}
	var out []SessionDTO
	byID := map[uint64]*SessionDTO{}
	for _, si := range snap.Sessions() {
		t := totals[si.ID]
		d := SessionDTO{
			SessionInfoDTO: newSessionInfoDTO(si), Open: !t.Closed(), EndUs: us(t.End),
			PayloadUp: t.PayloadUp, PayloadDown: t.PayloadDown, WireUp: t.WireUp, WireDown: t.WireDown,
		}
		if r, ok := reports[si.ID]; ok {
			// The turns come from the trace: the client's round trips and
			// the turns the server waited for. (The link counts only reads
			// that had to wait, so on a zero-latency link it says 0.)
			d.Report = newReportDTO(r)
			d.ClientTurns, d.ServerTurns = int64(r.RoundTrips), int64(r.ClientTurns)
		}
		out = append(out, d)
	}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	for _, st := range s.lab.Link.Open() {
		if d := byID[st.ID]; d != nil && d.Open {
			d.WireUp, d.WireDown = st.Up.Wire, st.Down.Wire
			d.PayloadUp, d.PayloadDown = st.Up.Payload, st.Down.Payload
		}
	}
	return out, nil
}
