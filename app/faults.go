package app

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
)

// FaultsService is the Faults panel: arm a fault from its spec (the same
// text as --fault), list the armed ones with how often each fired, disarm
// one or all. Every change, a fault firing included, emits faults:changed
// with the new list.
type FaultsService struct {
	lab  *lab.Lab
	emit *emitter
}

// FaultDTO is one armed fault.
type FaultDTO struct {
	ID   int    `json:"id"`
	Spec string `json:"spec"`
	// Kind is reset, stall, drop (link faults: for the next connection
	// they match, then gone), reply, delay, disconnect or chaos
	// (protocol faults: armed until disarmed).
	Kind     string `json:"kind"`
	Protocol string `json:"protocol"` // smtp, pop3, imap; "" for every protocol
	// Scope says which sessions it applies to, as the panel shows it:
	// "every session", "session 4", "user alice", "session 4, user alice".
	Scope   string `json:"scope"`
	Link    bool   `json:"link"` // a link fault (one connection)
	Fired   int    `json:"fired"`
	ArmedAt string `json:"armedAt"` // RFC 3339, wall clock
}

func newFaultsService(l *lab.Lab, e *emitter) *FaultsService {
	s := &FaultsService{lab: l, emit: e}
	l.OnFaultsChanged(func() { s.emit.Emit(EventFaultsChanged, s.List()) })
	return s
}

func newFaultDTO(a lab.ArmedFault) FaultDTO {
	fs := a.Spec
	var scope []string
	if fs.Session != 0 {
		scope = append(scope, fmt.Sprintf("session %d", fs.Session))
	}
	if fs.User != "" {
		scope = append(scope, "user "+fs.User)
	}
	if len(scope) == 0 {
		scope = []string{"every session"}
		if !fs.IsProtocol() {
			scope = []string{"the next connection"}
		}
	}
	return FaultDTO{
		ID: a.ID, Spec: fs.Spec, Kind: fs.Kind, Protocol: fs.Protocol,
		Scope: strings.Join(scope, ", "), Link: !fs.IsProtocol(), Fired: a.Fired,
		ArmedAt: a.ArmedAt.UTC().Format(time.RFC3339),
	}
}

// List is the armed faults: link faults still waiting for their
// connection, then the protocol faults, each in the order armed.
func (s *FaultsService) List() []FaultDTO {
	out := []FaultDTO{}
	for _, a := range s.lab.Faults() {
		out = append(out, newFaultDTO(a))
	}
	return out
}

// Arm parses a spec and arms it. The error says what is wrong with the
// spec, or why the lab cannot do it (offline belongs to the Link panel).
func (s *FaultsService) Arm(spec string) (FaultDTO, error) {
	fs, err := link.ParseFault(strings.TrimSpace(spec))
	if err != nil {
		return FaultDTO{}, err
	}
	if fs.Kind == "offline" {
		return FaultDTO{}, fmt.Errorf("app: fault %q: offline takes the whole link: use the Link panel's offline switch", fs.Spec)
	}
	a, err := s.lab.Arm(fs)
	if err != nil {
		return FaultDTO{}, err
	}
	return newFaultDTO(a), nil
}

// Disarm removes one armed fault.
func (s *FaultsService) Disarm(id int) error { return s.lab.Disarm(id) }

// Clear disarms every fault.
func (s *FaultsService) Clear() { s.lab.ClearFaults() }
