package link

import (
	"sync"
	"time"
)

// LiveClock maps virtual time onto the wall clock at a speed factor: at
// speed 10 one wall second is ten virtual seconds. Speed 0 pauses it.
// Changing the speed re-anchors the mapping, so virtual time never jumps.
type LiveClock struct {
	mu        sync.Mutex
	speed     float64
	resume    float64 // speed to restore after Pause
	baseWall  time.Time
	baseVT    time.Duration
	changed   chan struct{}
	wallClock func() time.Time
	fake      bool // wallClock is a test's, not time.Now
}

// LiveOptions configures a LiveClock.
type LiveOptions struct {
	// Speed is the initial speed factor; 0 means 1 (real time).
	Speed float64
	// Start is the virtual time at the moment of creation; zero is zero.
	Start time.Duration
	// Now reads the wall clock; nil means time.Now. Tests inject a fake.
	Now func() time.Time
}

// NewLiveClock starts a live clock at o.Start, running at o.Speed.
func NewLiveClock(o LiveOptions) *LiveClock {
	c := &LiveClock{speed: o.Speed, wallClock: o.Now, baseVT: o.Start, changed: make(chan struct{})}
	if c.speed <= 0 {
		c.speed = 1
	}
	c.resume = c.speed
	c.fake = c.wallClock != nil
	if c.wallClock == nil {
		c.wallClock = time.Now
	}
	c.baseWall = c.wallClock()
	return c
}

// Now is the current virtual time.
func (c *LiveClock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked(c.wallClock())
}

func (c *LiveClock) nowLocked(wall time.Time) time.Duration {
	return c.baseVT + time.Duration(float64(wall.Sub(c.baseWall))*c.speed)
}

// NowAt is the virtual time at wall-clock time wall, a time.Now() the
// caller already read (a clock with an injected wall clock reads its own).
func (c *LiveClock) NowAt(wall time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fake {
		wall = c.wallClock()
	}
	return c.nowLocked(wall)
}

// Speed is the current speed factor (0 while paused).
func (c *LiveClock) Speed() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}

// SetSpeed changes the speed factor from now on. A speed ≤ 0 pauses.
func (c *LiveClock) SetSpeed(s float64) {
	if s < 0 {
		s = 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	wall := c.wallClock()
	c.baseVT = c.nowLocked(wall)
	c.baseWall = wall
	c.speed = s
	if s > 0 {
		c.resume = s
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// Pause stops virtual time; Resume restarts it at the previous speed.
func (c *LiveClock) Pause() { c.SetSpeed(0) }

// Resume restarts a paused clock at the speed it had before.
func (c *LiveClock) Resume() {
	c.mu.Lock()
	s := c.resume
	c.mu.Unlock()
	c.SetSpeed(s)
}

// Paused reports whether virtual time is stopped.
func (c *LiveClock) Paused() bool { return c.Speed() == 0 }

// until returns the wall time left until virtual time vt, whether the clock
// is running at all, and a channel closed when the speed changes (the
// answer is then stale).
func (c *LiveClock) until(vt time.Duration) (wait time.Duration, running bool, changed <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.nowLocked(c.wallClock())
	if vt <= now {
		return 0, true, c.changed
	}
	if c.speed == 0 {
		return 0, false, c.changed
	}
	return time.Duration(float64(vt-now)/c.speed) + 1, true, c.changed
}

// WallAt is the wall-clock time at which virtual time vt occurs at the
// current speed (the zero time while paused).
func (c *LiveClock) WallAt(vt time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.speed == 0 {
		return time.Time{}
	}
	return c.baseWall.Add(time.Duration(float64(vt-c.baseVT) / c.speed))
}

// Sleep blocks until virtual time reaches vt or done is closed; it reports
// whether vt was reached.
func (c *LiveClock) Sleep(vt time.Duration, done <-chan struct{}) bool {
	for {
		wait, running, changed := c.until(vt)
		if running && wait == 0 {
			return true
		}
		var timer <-chan time.Time
		var t *time.Timer
		if running {
			t = time.NewTimer(wait)
			timer = t.C
		}
		select {
		case <-timer:
		case <-changed:
		case <-done:
			if t != nil {
				t.Stop()
			}
			return false
		}
		if t != nil {
			t.Stop()
		}
	}
}
