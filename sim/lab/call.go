package lab

import "github.com/mailscope/mailscope/sim/link"

// DialOnDemand makes the lab's link a dial-up line whenever its profile is
// metered (the 56k modem, ISDN): the first connection, an in-app device's
// or an outside client's, dials and waits the profile's dial time, on the
// virtual clock for virtual devices and really, at the live clock's
// speed, for live ones and outside clients; the trace shows the call as
// a dial event on that connection. Connections made while the call is up
// share it. The line hangs up on Link.Hangup (resetting what is open),
// after o.IdleHangup with nothing open, when the link goes offline or
// another profile is chosen; Link.CallState is the meter (time online,
// cost on the tariff). See link.Link.EnableCalls.
//
// A lab does not dial until asked: the scenario runner dials and hangs up
// around its steps itself (sim/scenario/call.go) and bills those calls on
// the virtual clock. The desktop app, `mailscope serve` and `mailscope
// run` ask.
func (l *Lab) DialOnDemand(o link.CallOptions) { l.Link.EnableCalls(o) }
