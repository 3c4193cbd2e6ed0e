package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailscope/mailscope/sim/link"
)

func presetsCommand() *Command {
	return &Command{
		Name:    "presets",
		Summary: "list the built-in link presets, from loopback to satellite",
		Long: `Prints one row per preset: bandwidth down and up, round-trip time,
jitter, the time a dial-up call takes to connect, and the tariff. With
--json it prints the same figures, with snake_case keys like every --json
output (bandwidths in bit/s, 0 = unlimited; times in milliseconds).`,
		Setup: func(fs *flag.FlagSet, env Env) func(context.Context, []string) error {
			asJSON := fs.Bool("json", false, "print JSON instead of a table")
			return func(_ context.Context, args []string) error {
				if len(args) > 0 {
					return Usagef("unexpected argument %q", args[0])
				}
				if *asJSON {
					return writeJSON(env.Stdout, presetInfos(link.Presets()))
				}
				return writePresetsTable(env.Stdout, link.Presets())
			}
		},
	}
}

// writeJSON prints v as indented JSON: what every --json flag prints. Its
// keys are snake_case, in every command (the desktop app's DTOs are
// camelCase, for JavaScript: the CLI prints its own types).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// PresetInfo is one entry of `mailscope presets --json`; the link's keys
// are those of `mailscope compare --json`.
type PresetInfo struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	DownBps     int64      `json:"bandwidth_down_bps"` // 0 = unlimited
	UpBps       int64      `json:"bandwidth_up_bps"`
	RTTMs       float64    `json:"rtt_ms"` // round-trip propagation, 2 × one-way latency
	JitterMs    float64    `json:"jitter_ms"`
	DialTimeMs  float64    `json:"dial_time_ms"` // 0 for always-on links
	Tariff      TariffInfo `json:"tariff"`
}

// TariffInfo is what a connection over the preset costs.
type TariffInfo struct {
	PerMinute   float64 `json:"per_minute"`
	PerCall     float64 `json:"per_call"`
	IncrementMs float64 `json:"increment_ms"` // the billing unit; 0 = per second
	Currency    string  `json:"currency"`
	Flat        bool    `json:"flat"` // nothing charged per call or minute
}

func presetInfos(presets []link.Profile) []PresetInfo {
	out := make([]PresetInfo, len(presets))
	for i, p := range presets {
		out[i] = PresetInfo{
			ID: p.ID, Name: p.Name, Description: p.Description, DownBps: p.DownBps, UpBps: p.UpBps,
			RTTMs: ms(p.RTT()), JitterMs: ms(p.Jitter), DialTimeMs: ms(p.DialTime),
			Tariff: TariffInfo{
				PerMinute: p.Tariff.PerMinute, PerCall: p.Tariff.PerCall, IncrementMs: ms(p.Tariff.Increment),
				Currency: p.Tariff.Currency, Flat: p.Tariff.Flat(),
			},
		}
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func writePresetsTable(w io.Writer, presets []link.Profile) error {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tDOWN\tUP\tRTT\tJITTER\tDIAL\tTARIFF")
	for _, p := range presets {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			p.ID, p.Name, link.FormatBps(p.DownBps), link.FormatBps(p.UpBps),
			formatDuration(p.RTT()), formatDuration(p.Jitter), formatDuration(p.DialTime),
			formatTariff(p.Tariff))
	}
	return tw.Flush()
}

// formatDuration: 0 → "-", 150ms → "150 ms", 20s → "20 s", 90s → "1.5 min".
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Second:
		return trim1(float64(d)/float64(time.Millisecond)) + " ms"
	case d < time.Minute:
		return trim1(d.Seconds()) + " s"
	}
	return trim1(d.Minutes()) + " min"
}

// formatTariff: "0.04 EUR/min + 0.10/call", or "flat rate".
func formatTariff(t link.Tariff) string {
	if t.Flat() {
		return "flat rate"
	}
	var parts []string
	if t.PerMinute > 0 {
		parts = append(parts, fmt.Sprintf("%.2f %s/min", t.PerMinute, t.Currency))
	}
	if t.PerCall > 0 {
		if len(parts) == 0 {
			parts = append(parts, fmt.Sprintf("%.2f %s/call", t.PerCall, t.Currency))
		} else {
			parts = append(parts, fmt.Sprintf("%.2f/call", t.PerCall))
		}
	}
	return strings.Join(parts, " + ")
}

func trim1(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}
