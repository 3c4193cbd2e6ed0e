package trace

import "time"

// SessionTotals is what one session's events add up to: the bytes each
// way, when it last did anything, and which of its ends have closed.
type SessionTotals struct {
	// PayloadUp and PayloadDown are the bytes of the TCP stream, client
	// to server and back (StreamBytes: a decrypted TLS line counts the
	// records that carried it, not its plaintext), so that they equal the
	// link's payload counters.
	PayloadUp, PayloadDown int64
	// WireUp and WireDown add each segment's overhead (Wire).
	WireUp, WireDown int64
	// End is the virtual time of the last arrival or mark; the session's
	// Start while nothing has happened.
	End time.Duration
	// ClientClosed and ServerClosed report a close event from that end:
	// the link marks each end's close once, in that end's direction.
	ClientClosed, ServerClosed bool
}

// Closed reports whether both ends have closed. One end's close is not
// enough: the other may still be reading what was sent, or be about to
// find out that the peer has gone.
func (t SessionTotals) Closed() bool { return t.ClientClosed && t.ServerClosed }

// SessionTotals adds up the snapshot's events per session, keyed by
// session id: every session registered in the snapshot (with zero totals
// if it has no events yet), and any other session an event names.
func (s *Snapshot) SessionTotals() map[uint64]SessionTotals {
	out := make(map[uint64]SessionTotals, len(s.sessions))
	for _, si := range s.sessions {
		out[si.ID] = SessionTotals{End: si.Start}
	}
	for id, t := range s.aside.totals { // sessions set aside (see Retention)
		out[id] = out[id].merge(t)
	}
	for i := range s.Len() {
		ev := s.At(i)
		t, ok := out[ev.Session]
		if !ok {
			t.End = ev.At
		}
		t.add(ev)
		out[ev.Session] = t
	}
	return out
}

// add counts one event of the session.
func (t *SessionTotals) add(ev *Event) {
	if ev.Dir == ClientToServer {
		t.PayloadUp += int64(ev.StreamBytes())
		t.WireUp += int64(ev.Wire)
	} else {
		t.PayloadDown += int64(ev.StreamBytes())
		t.WireDown += int64(ev.Wire)
	}
	t.End = max(t.End, ev.At, ev.Arrive)
	if ev.Kind == KindClose {
		if ev.Dir == ClientToServer {
			t.ClientClosed = true
		} else {
			t.ServerClosed = true
		}
	}
}

// merge adds u's counts to t's.
func (t SessionTotals) merge(u SessionTotals) SessionTotals {
	t.PayloadUp += u.PayloadUp
	t.PayloadDown += u.PayloadDown
	t.WireUp += u.WireUp
	t.WireDown += u.WireDown
	t.End = max(t.End, u.End)
	t.ClientClosed = t.ClientClosed || u.ClientClosed
	t.ServerClosed = t.ServerClosed || u.ServerClosed
	return t
}
