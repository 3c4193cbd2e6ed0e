package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
)

func TestPresetsTable(t *testing.T) {
	code, out, errOut := run(t, "presets")
	if code != ExitOK {
		t.Fatalf("presets exit = %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	presets := link.Presets()
	if len(lines) != len(presets)+1 {
		t.Fatalf("presets printed %d lines, want a header and %d rows:\n%s", len(lines), len(presets), out)
	}
	header := lines[0]
	for _, col := range []string{"ID", "NAME", "DOWN", "UP", "RTT", "JITTER", "DIAL", "TARIFF"} {
		if !strings.Contains(header, col) {
			t.Errorf("header %q lacks column %s", header, col)
		}
	}
	// Aligned: each row's bandwidth starts under DOWN.
	downCol := strings.Index(header, "DOWN")
	for i, p := range presets {
		row := lines[i+1]
		if !strings.HasPrefix(row, p.ID+" ") {
			t.Errorf("row %d = %q, want it to start with the id %q", i, row, p.ID)
		}
		if !strings.Contains(row, p.Name) {
			t.Errorf("row %q lacks the name %q", row, p.Name)
		}
		if down := link.FormatBps(p.DownBps); len(row) < downCol || !strings.HasPrefix(row[downCol:], down) {
			t.Errorf("row %q: %q is not under DOWN (column %d)", row, down, downCol)
		}
	}
}

func TestPresetsTableValues(t *testing.T) {
	_, out, _ := run(t, "presets")
	var dialup string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "dialup-56k ") {
			dialup = l
		}
	}
	for _, want := range []string{"50 kbit/s", "33.6 kbit/s", "150 ms", "20 s", "EUR/min"} {
		if !strings.Contains(dialup, want) {
			t.Errorf("dialup-56k row %q lacks %q", dialup, want)
		}
	}
}

func TestPresetsJSON(t *testing.T) {
	code, out, errOut := run(t, "presets", "--json")
	if code != ExitOK {
		t.Fatalf("presets --json exit = %d, stderr %q", code, errOut)
	}
	var got []PresetInfo
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("presets --json is not a JSON array of presets: %v\n%s", err, out)
	}
	want := link.Presets()
	if len(got) != len(want) {
		t.Fatalf("presets --json has %d presets, want %d", len(got), len(want))
	}
	for i, p := range want {
		g := got[i]
		if g.ID != p.ID || g.DownBps != p.DownBps || g.UpBps != p.UpBps {
			t.Errorf("preset %d = %s %d/%d, want %s %d/%d", i, g.ID, g.DownBps, g.UpBps, p.ID, p.DownBps, p.UpBps)
		}
		if wantRTT := float64(p.RTT()) / float64(time.Millisecond); g.RTTMs != wantRTT {
			t.Errorf("%s rtt_ms = %v, want %v", p.ID, g.RTTMs, wantRTT)
		}
		if wantDial := float64(p.DialTime) / float64(time.Millisecond); g.DialTimeMs != wantDial {
			t.Errorf("%s dial_time_ms = %v, want %v", p.ID, g.DialTimeMs, wantDial)
		}
		if g.Tariff.Flat != p.Tariff.Flat() || g.Tariff.PerMinute != p.Tariff.PerMinute || g.Tariff.Currency != p.Tariff.Currency {
			t.Errorf("%s tariff = %+v, want %+v", p.ID, g.Tariff, p.Tariff)
		}
	}
	// The link's keys are compare --json's.
	for _, k := range []string{`"bandwidth_down_bps"`, `"rtt_ms"`, `"dial_time_ms"`, `"per_minute"`, `"increment_ms"`} {
		if !strings.Contains(out, k) {
			t.Errorf("presets --json lacks the key %s:\n%s", k, out)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "-"},
		{4 * time.Millisecond, "4 ms"},
		{150 * time.Millisecond, "150 ms"},
		{1500 * time.Millisecond, "1.5 s"},
		{20 * time.Second, "20 s"},
		{90 * time.Second, "1.5 min"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.d); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestFormatTariff(t *testing.T) {
	tests := []struct {
		t    link.Tariff
		want string
	}{
		{link.Tariff{}, "flat rate"},
		{link.Tariff{PerMinute: 0.04, PerCall: 0.10, Currency: "EUR"}, "0.04 EUR/min + 0.10/call"},
		{link.Tariff{PerCall: 0.2, Currency: "EUR"}, "0.20 EUR/call"},
	}
	for _, tt := range tests {
		if got := formatTariff(tt.t); got != tt.want {
			t.Errorf("formatTariff(%+v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}
