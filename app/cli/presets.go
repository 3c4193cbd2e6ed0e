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

	"github.com/mailscope/mailscope/app"
	"github.com/mailscope/mailscope/sim/link"
)

func presetsCommand() *Command {
	return &Command{
		Name:    "presets",
		Summary: "list the built-in link presets, from loopback to satellite",
		Long: `Prints one row per preset: bandwidth down and up, round-trip time,
jitter, the time a dial-up call takes to connect, and the tariff. With
--json it prints the same presets as the desktop app receives them
(bandwidths in bit/s, 0 = unlimited; times in milliseconds).`,
		Setup: func(fs *flag.FlagSet, env Env) func(context.Context, []string) error {
			asJSON := fs.Bool("json", false, "print JSON instead of a table")
			return func(_ context.Context, args []string) error {
				if len(args) > 0 {
					return Usagef("unexpected argument %q", args[0])
				}
				if *asJSON {
					return writeJSON(env.Stdout, app.PresetDTOs())
				}
				return writePresetsTable(env.Stdout, link.Presets())
			}
		},
	}
}

// writeJSON prints v as indented JSON: what every --json flag prints.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

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
