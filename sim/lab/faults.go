package lab

import (
	"fmt"

	"github.com/mailscope/mailscope/sim/link"
)

// ArmFault arms a link fault for the next connection of the lab's link
// that the spec matches (its @protocol, or any without one): that one
// connection gets the fault, later ones do not. Faults armed earlier are
// consumed first. Offline specs and the protocol faults are refused: an
// offline window belongs to the link (FaultSpec.ScheduleVirtual), not to
// one connection.
func (l *Lab) ArmFault(fs link.FaultSpec) error {
	if err := fs.Supported(); err != nil {
		return err
	}
	if !fs.Matches(link.ConnInfo{Protocol: fs.Protocol}) {
		return fmt.Errorf("lab: fault %q: %s is not a per-connection fault", fs.Spec, fs.Kind)
	}
	l.faultMu.Lock()
	l.armed = append(l.armed, fs)
	l.faultMu.Unlock()
	return nil
}

// ArmedFaults is how many armed faults wait for their connection.
func (l *Lab) ArmedFaults() int {
	l.faultMu.Lock()
	defer l.faultMu.Unlock()
	return len(l.armed)
}

// faultsFor is the link's per-connection hook: the Options' faults, then
// the first armed spec this connection matches (consumed).
func (l *Lab) faultsFor(opt func(link.ConnInfo) []link.Fault) func(link.ConnInfo) []link.Fault {
	return func(ci link.ConnInfo) []link.Fault {
		var out []link.Fault
		if opt != nil {
			out = opt(ci)
		}
		l.faultMu.Lock()
		defer l.faultMu.Unlock()
		for i, fs := range l.armed {
			if !fs.Matches(ci) {
				continue
			}
			if f, err := fs.Fault(ci); err == nil {
				out = append(out, f)
			}
			l.armed = append(l.armed[:i:i], l.armed[i+1:]...)
			break
		}
		return out
	}
}

// ArmedFaultSpecs are the armed faults still waiting for their
// connection, oldest first.
func (l *Lab) ArmedFaultSpecs() []link.FaultSpec {
	l.faultMu.Lock()
	defer l.faultMu.Unlock()
	return append([]link.FaultSpec(nil), l.armed...)
}

// ClearFaults disarms every armed fault that has not struck yet.
func (l *Lab) ClearFaults() {
	l.faultMu.Lock()
	l.armed = nil
	l.faultMu.Unlock()
}
