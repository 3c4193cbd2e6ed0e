package app

import (
	"fmt"
	"math"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
)

// LinkService is the link panel: the presets, the current profile (a
// preset or custom figures), the offline switch, the live speed and the
// dial-up call. Every change emits link:changed with the new
// LinkStateDTO, and so does the call when it dials, connects, goes idle
// or busy, and hangs up (see CallDTO).
type LinkService struct {
	lab  *lab.Lab
	emit *emitter
}

// newLinkService makes the lab dial on demand, hanging up after
// link.DefaultIdleHangup with nothing open, and reports the call's changes.
func newLinkService(l *lab.Lab, e *emitter) *LinkService {
	s := &LinkService{lab: l, emit: e}
	l.DialOnDemand(link.CallOptions{
		IdleHangup: link.DefaultIdleHangup,
		Notify:     func(link.CallState) { s.changed() },
	})
	return s
}

// Presets lists the built-in link profiles, slowest first.
func (s *LinkService) Presets() ([]PresetDTO, error) { return PresetDTOs(), nil }

// State is the link as it is now.
func (s *LinkService) State() (LinkStateDTO, error) { return s.state(), nil }

func (s *LinkService) state() LinkStateDTO {
	clock := s.lab.Link.LiveClock()
	p := s.lab.Link.Profile()
	return LinkStateDTO{
		Profile: NewPresetDTO(p), Custom: p.ID == "custom",
		Offline: p.Offline, Speed: clock.Speed(), Paused: clock.Paused(),
		NowUs: us(clock.Now()), Call: NewCallDTO(s.lab.Link.CallState()),
	}
}

func (s *LinkService) changed() LinkStateDTO {
	st := s.state()
	s.emit.Emit(EventLinkChanged, st)
	return st
}

// Select makes the preset with this id current, keeping the offline
// state. A preset other than the one a dial-up call dialled ends the call
// (SetCustom too: a custom link never dials).
func (s *LinkService) Select(id string) (LinkStateDTO, error) {
	p, err := link.Preset(id)
	if err != nil {
		return LinkStateDTO{}, fmt.Errorf("app: select link: %w", err)
	}
	p.Offline = s.lab.Link.Offline()
	if err := s.lab.Link.SetProfile(p); err != nil {
		return LinkStateDTO{}, err
	}
	return s.changed(), nil
}

// SetCustom makes a custom profile current: bandwidth down and up in
// bit/s (0 = unlimited), round-trip time and jitter in milliseconds.
func (s *LinkService) SetCustom(c CustomLinkDTO) (LinkStateDTO, error) {
	if c.DownBps < 0 || c.UpBps < 0 || c.RTTMs < 0 || c.JitterMs < 0 || c.RTTMs > 60_000 || c.JitterMs > 10_000 {
		return LinkStateDTO{}, fmt.Errorf("app: custom link out of range: %+v", c)
	}
	base := s.lab.Link.Profile()
	p := link.Custom(c.DownBps, c.UpBps, time.Duration(c.RTTMs*float64(time.Millisecond)), time.Duration(c.JitterMs*float64(time.Millisecond)))
	p.Offline = base.Offline
	if err := s.lab.Link.SetProfile(p); err != nil {
		return LinkStateDTO{}, err
	}
	return s.changed(), nil
}

// SetOffline takes the link offline (open connections reset, dials fail,
// a dial-up call ends) or back online.
func (s *LinkService) SetOffline(off bool) (LinkStateDTO, error) {
	s.lab.Link.SetOffline(off)
	return s.changed(), nil
}

// SetSpeed sets the live clock's speed factor (1 = real time); 0 pauses.
func (s *LinkService) SetSpeed(speed float64) (LinkStateDTO, error) {
	if speed < 0 || speed > 10_000 {
		return LinkStateDTO{}, fmt.Errorf("app: speed %v out of range 0–10000", speed)
	}
	s.lab.Link.LiveClock().SetSpeed(speed)
	return s.changed(), nil
}

// Hangup ends the dial-up call now. Connections still open on it are
// reset, as when going offline: a mail client in the middle of a
// download sees its connection drop. Without a call it changes nothing.
func (s *LinkService) Hangup() (LinkStateDTO, error) {
	s.lab.Link.Hangup()
	return s.changed(), nil
}

// SetIdleHangup sets how long the line stays up with no connection open
// before it hangs up by itself, in seconds of link time (0 = never; at
// most a day).
func (s *LinkService) SetIdleHangup(seconds float64) (LinkStateDTO, error) {
	if seconds < 0 || seconds > 86_400 || math.IsNaN(seconds) {
		return LinkStateDTO{}, fmt.Errorf("app: idle hang-up %v s out of range 0–86400", seconds)
	}
	s.lab.Link.SetIdleHangup(time.Duration(seconds * float64(time.Second)))
	return s.changed(), nil
}
