package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/mailscope/mailscope/sim/link"
)

// LinkService exposes the simulated link to the frontend: the presets, and
// which one is current. Create it with NewLinkService and bind it in
// main.go; Wails calls Startup and Shutdown.
type LinkService struct {
	rt Runtime

	mu      sync.Mutex
	ctx     context.Context // set by Startup; nil until then
	current link.Profile
}

// NewLinkService returns a service whose current link is the first preset
// (loopback: no delay, no limit). rt must not be nil: pass NopRuntime{} when
// no window exists.
func NewLinkService(rt Runtime) *LinkService {
	return &LinkService{rt: rt, current: link.Presets()[0]}
}

// Startup keeps the Wails context, which every runtime call needs.
func (s *LinkService) Startup(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctx = ctx
}

// Shutdown forgets the context: events after it are dropped.
func (s *LinkService) Shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctx = nil
}

// Presets lists the built-in link profiles, slowest first.
func (s *LinkService) Presets() ([]PresetDTO, error) {
	return PresetDTOs(), nil
}

// Current is the link profile in use.
func (s *LinkService) Current() (PresetDTO, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return NewPresetDTO(s.current), nil
}

// Select makes the preset with this id current and emits link:changed.
func (s *LinkService) Select(id string) (PresetDTO, error) {
	p, err := link.Preset(id)
	if err != nil {
		return PresetDTO{}, fmt.Errorf("app: select link: %w", err)
	}
	dto := NewPresetDTO(p)
	s.mu.Lock()
	s.current = p
	ctx := s.ctx
	s.mu.Unlock()
	if ctx != nil {
		s.rt.EventsEmit(ctx, EventLinkChanged, dto)
	}
	return dto, nil
}
