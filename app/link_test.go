package app

import (
	"context"
	"encoding/json"
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
	a := newApp(t, &recorder{})
	got, err := a.Link.Presets()
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
