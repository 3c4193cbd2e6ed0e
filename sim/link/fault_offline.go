package link

// SetOffline takes the whole link offline or back online. Offline, dials
// fail with ErrOffline and every open connection is reset at once, as when
// a modem hangs up, and a dial-up call ends (EnableCalls); online again,
// new connections work and the reset ones stay broken.
func (l *Link) SetOffline(offline bool) {
	for {
		old := l.profile.Load()
		if old.Offline == offline {
			return
		}
		p := *old
		p.Offline = offline
		if l.profile.CompareAndSwap(old, &p) {
			if offline {
				l.callEnds(p)
				l.resetAll(ErrOffline, "offline")
			}
			return
		}
	}
}

// Offline reports whether the link is offline.
func (l *Link) Offline() bool { return l.Profile().Offline }
