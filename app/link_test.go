package app

import (
	"context"
	"encoding/json"
	"math"
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

func lastLinkState(r *recorder) LinkStateDTO {
	evs := r.named(EventLinkChanged)
	if len(evs) == 0 {
		return LinkStateDTO{}
	}
	return evs[len(evs)-1].(LinkStateDTO)
}

// On the 56k modem the app's first connection dials: link:changed tells
// the UI when the call dials, connects and hangs up, with the meter in
// LinkStateDTO.Call; Hangup resets what is open; the line hangs up by
// itself after the idle time the user set.
func TestLinkServiceCall(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	if st, _ := a.Link.State(); !st.Call.Enabled || st.Call.Metered || st.Call.Up {
		t.Fatalf("on loopback: Call = %+v, want enabled, not metered, down", st.Call)
	}
	a.Link.SetSpeed(200) // the 20 s dial in 0.1 s
	st, err := a.Link.Select("dialup-56k")
	if err != nil || !st.Call.Metered || st.Call.IdleHangupSeconds != 120 || st.Call.Currency != "EUR" {
		t.Fatalf("Select(dialup-56k) = %+v, %v", st.Call, err)
	}
	c, err := a.Console.Open("pop3")
	if err != nil {
		t.Fatal(err)
	}
	dialling := rec.waitEvent(t, EventLinkChanged, func(d any) bool { return d.(LinkStateDTO).Call.Dialling }).(LinkStateDTO).Call
	if dialling.Calls != 1 || dialling.StartedUs-dialling.DialStartUs != 20e6 || dialling.OpenConnections != 1 || dialling.Cost != 0 {
		t.Errorf("while dialling: %+v", dialling)
	}
	up := rec.waitEvent(t, EventLinkChanged, func(d any) bool {
		c := d.(LinkStateDTO).Call
		return c.Up && !c.Dialling
	}).(LinkStateDTO).Call
	if up.StartedUs != dialling.StartedUs || up.Tariff.PerMinute != 0.04 || up.Tariff.IncrementMs != 60_000 {
		t.Errorf("connected: %+v", up)
	}
	st, err = a.Link.Hangup()
	if err != nil || st.Call.Up || st.Call.Ended != "hangup" || st.Call.Calls != 1 || st.Call.TotalCost < 0.14 {
		t.Errorf("Hangup() = %+v, %v; want the call ended and billed (≥ 0.14 EUR)", st.Call, err)
	}
	firstOnline := st.Call.TotalOnlineSeconds
	if got := lastLinkState(rec); got.Call.Up {
		t.Errorf("the last link:changed after Hangup still shows the call up: %+v", got.Call)
	}
	rec.waitEvent(t, EventConsoleClosed, func(any) bool { return true }) // reset with the line
	if err := a.Console.Send(c.ID, "NOOP"); err == nil {
		t.Error("the console's connection survived the hang-up")
	}

	// 1 s of idle time at 200× is 5 ms: the next session's line hangs up
	// by itself once its connection closes, billed until exactly then.
	for _, bad := range []float64{-1, 86_401, math.NaN()} {
		if _, err := a.Link.SetIdleHangup(bad); err == nil {
			t.Errorf("SetIdleHangup(%v) accepted", bad)
		}
	}
	if st, err = a.Link.SetIdleHangup(1); err != nil || st.Call.IdleHangupSeconds != 1 {
		t.Fatalf("SetIdleHangup(1) = %+v, %v", st.Call, err)
	}
	c, err = a.Console.Open("pop3")
	if err != nil {
		t.Fatal(err)
	}
	rec.waitEvent(t, EventConsoleOutput, func(d any) bool { return d.(ConsoleOutputDTO).ID == c.ID })
	a.Console.Send(c.ID, "QUIT")
	idle := rec.waitEvent(t, EventLinkChanged, func(d any) bool {
		c := d.(LinkStateDTO).Call
		return c.Up && c.Calls == 2 && c.OpenConnections == 0
	}).(LinkStateDTO).Call
	if idle.HangupAtUs == 0 {
		t.Errorf("idle line: %+v, want a hang-up due", idle)
	}
	ended := rec.waitEvent(t, EventLinkChanged, func(d any) bool { return d.(LinkStateDTO).Call.Ended == "idle" }).(LinkStateDTO).Call
	// The first call's online time, plus the second's up to its limit.
	want := firstOnline + (idle.HangupAtUs-idle.StartedUs)/1e6
	if ended.Up || ended.Calls != 2 || math.Abs(ended.TotalOnlineSeconds-want) > 1e-6 {
		t.Errorf("after the idle hang-up: %+v, want %v s online in all", ended, want)
	}

	// Choosing an always-on link ends a call: the next one dials no more.
	a.Link.SetIdleHangup(0)
	a.Console.Open("pop3")
	rec.waitEvent(t, EventLinkChanged, func(d any) bool { return d.(LinkStateDTO).Call.Calls == 3 })
	if st, _ = a.Link.Select("adsl-8m"); st.Call.Up || st.Call.Ended != "profile" || st.Call.Metered {
		t.Errorf("Select(adsl-8m) during a call: %+v", st.Call)
	}
}

// The call meter's JSON keys are the contract with the frontend.
func TestCallDTOJSONIsCamelCase(t *testing.T) {
	b, err := json.Marshal(LinkStateDTO{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"enabled", "metered", "up", "dialling", "dialStartUs", "startedUs", "atUs", "onlineSeconds", "cost",
		"calls", "dialSeconds", "totalOnlineSeconds", "totalCost", "currency", "tariff", "openConnections", "idleHangupSeconds", "hangupAtUs", "ended"} {
		if _, ok := m["call"][k]; !ok {
			t.Errorf("LinkStateDTO JSON %s has no call.%s", b, k)
		}
	}
}
