package app

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/mailscope/mailscope/sim/link"
)

// recorder is a Runtime that remembers what was emitted.
type recorder struct {
	mu     sync.Mutex
	events []emitted
}

type emitted struct {
	ctx  context.Context
	name string
	data []any
}

func (r *recorder) EventsEmit(ctx context.Context, name string, data ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, emitted{ctx, name, data})
}

func TestPresetsCoverEveryLinkPreset(t *testing.T) {
	s := NewLinkService(NopRuntime{})
	got, err := s.Presets()
	if err != nil {
		t.Fatalf("Presets() error = %v", err)
	}
	want := link.Presets()
	if len(got) != len(want) {
		t.Fatalf("Presets() returned %d presets, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			t.Errorf("Presets()[%d].ID = %q, want %q", i, got[i].ID, want[i].ID)
		}
	}
}

func TestNewPresetDTO(t *testing.T) {
	p, err := link.Preset("dialup-56k")
	if err != nil {
		t.Fatal(err)
	}
	d := NewPresetDTO(p)
	if d.DownBps != p.DownBps || d.UpBps != p.UpBps {
		t.Errorf("bandwidth = %d/%d, want %d/%d", d.DownBps, d.UpBps, p.DownBps, p.UpBps)
	}
	if want := float64(p.RTT().Milliseconds()); d.RTTMs != want {
		t.Errorf("RTTMs = %v, want %v", d.RTTMs, want)
	}
	if want := float64(p.DialTime.Milliseconds()); d.DialTimeMs != want {
		t.Errorf("DialTimeMs = %v, want %v", d.DialTimeMs, want)
	}
	if d.Tariff.Flat || d.Tariff.PerMinute != p.Tariff.PerMinute || d.Tariff.Currency != p.Tariff.Currency {
		t.Errorf("Tariff = %+v, want the dial-up tariff %+v", d.Tariff, p.Tariff)
	}
}

// The JSON keys are the contract with frontend/src/lib/types.ts.
func TestPresetDTOJSONIsCamelCase(t *testing.T) {
	b, err := json.Marshal(PresetDTOs()[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "name", "description", "downBps", "upBps", "rttMs", "jitterMs", "dialTimeMs", "tariff"} {
		if _, ok := m[k]; !ok {
			t.Errorf("PresetDTO JSON %s has no key %q", b, k)
		}
	}
	tariff, _ := m["tariff"].(map[string]any)
	for _, k := range []string{"perMinute", "perCall", "incrementMs", "currency", "flat"} {
		if _, ok := tariff[k]; !ok {
			t.Errorf("TariffDTO JSON has no key %q", k)
		}
	}
}

func TestSelectEmitsLinkChanged(t *testing.T) {
	rec := &recorder{}
	s := NewLinkService(rec)
	ctx := context.WithValue(context.Background(), struct{}{}, "wails")
	s.Startup(ctx)

	got, err := s.Select("satellite-geo")
	if err != nil {
		t.Fatalf("Select(satellite-geo) error = %v", err)
	}
	if got.ID != "satellite-geo" {
		t.Errorf("Select(satellite-geo).ID = %q", got.ID)
	}
	if cur, _ := s.Current(); cur.ID != "satellite-geo" {
		t.Errorf("Current().ID = %q after Select, want satellite-geo", cur.ID)
	}
	if len(rec.events) != 1 {
		t.Fatalf("emitted %d events, want 1", len(rec.events))
	}
	e := rec.events[0]
	if e.name != EventLinkChanged || e.ctx != ctx {
		t.Errorf("emitted %q with ctx %v, want %q with the Startup ctx", e.name, e.ctx, EventLinkChanged)
	}
	if len(e.data) != 1 || e.data[0] != any(got) {
		t.Errorf("link:changed payload = %v, want the selected PresetDTO", e.data)
	}
}

func TestSelectUnknownPreset(t *testing.T) {
	rec := &recorder{}
	s := NewLinkService(rec)
	s.Startup(context.Background())
	before, _ := s.Current()
	if _, err := s.Select("carrier-pigeon"); err == nil || !strings.Contains(err.Error(), "carrier-pigeon") {
		t.Errorf("Select(carrier-pigeon) error = %v, want one naming the id", err)
	}
	if after, _ := s.Current(); after.ID != before.ID {
		t.Errorf("Current() changed to %q after a failed Select", after.ID)
	}
	if len(rec.events) != 0 {
		t.Errorf("a failed Select emitted %d events", len(rec.events))
	}
}

// Before Startup and after Shutdown there is no Wails context: a real
// runtime call would exit the process, so nothing may be emitted.
func TestNoEventsOutsideStartupShutdown(t *testing.T) {
	rec := &recorder{}
	s := NewLinkService(rec)
	if _, err := s.Select("lte"); err != nil {
		t.Fatal(err)
	}
	s.Startup(context.Background())
	s.Shutdown()
	if _, err := s.Select("fibre-1g"); err != nil {
		t.Fatal(err)
	}
	if len(rec.events) != 0 {
		t.Errorf("emitted %d events without a Wails context, want 0", len(rec.events))
	}
}

func TestSelectConcurrently(t *testing.T) {
	rec := &recorder{}
	s := NewLinkService(rec)
	s.Startup(context.Background())
	var wg sync.WaitGroup
	for _, p := range link.Presets() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Select(p.ID); err != nil {
				t.Error(err)
			}
			_, _ = s.Current()
		}()
	}
	wg.Wait()
	if len(rec.events) != len(link.Presets()) {
		t.Errorf("emitted %d events, want %d", len(rec.events), len(link.Presets()))
	}
}
