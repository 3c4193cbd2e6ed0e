package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailscope/mailscope/sim/trace"
)

func traceCommand() *Command {
	return &Command{
		Name:    "trace",
		Summary: "open a saved trace (JSON Lines or pcapng from Mailscope): summary, filters, explanations",
		Long: `Reads a trace that Mailscope saved — a JSON Lines export, or a pcapng
capture (exported, or written by serve --pcapng: its TCP streams are
reassembled and their lines parsed again) — and prints a summary: the
sessions, their protocols, bytes each way and time span, the armed
faults saved with the export, and each session's report (its client,
commands, round trips and the patterns that wasted them). Read-only.

With a filter (--session, --protocol, --verb, --grep) or --lines it
prints the matching lines too; --explain puts each line's explanation
(its command, status and RFC section) under it. --json prints the
sessions as JSON objects (snake_case), and the matching events with a
filter; the session objects are the same reports as serve's API.`,
		Args: "FILE",
		Setup: func(fs *flag.FlagSet, env Env) func(context.Context, []string) error {
			session := fs.Uint64("session", 0, "only session `N`")
			proto := fs.String("protocol", "", "only `PROTOCOL` (smtp, pop3, imap)")
			verb := fs.String("verb", "", "only lines whose command is `VERB` (RETR, UID FETCH; any case)")
			grep := fs.String("grep", "", "only lines containing `TEXT` (any case)")
			lines := fs.Bool("lines", false, "print every line (implied by a filter or --explain)")
			explain := fs.Bool("explain", false, "print each line's explanation under it")
			asJSON := fs.Bool("json", false, "print JSON: the sessions, and the matching events with a filter")
			return func(_ context.Context, args []string) error {
				if len(args) > 1 { // flags after FILE
					if err := fs.Parse(args[1:]); err != nil {
						return Usagef("%v", err)
					}
					args = append(args[:1], fs.Args()...)
				}
				if len(args) != 1 {
					return Usagef("trace takes one FILE")
				}
				var p trace.Protocol
				if *proto != "" {
					if p = trace.ParseProtocol(*proto); p == trace.ProtocolUnknown {
						return Usagef("--protocol must be smtp, pop3 or imap")
					}
				}
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				saved, err := trace.ReadSaved(f)
				if err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				filtered := *session != 0 || p != trace.ProtocolUnknown || *verb != "" || *grep != ""
				match := func(ev *trace.Event) bool {
					return (*session == 0 || ev.Session == *session) &&
						(p == trace.ProtocolUnknown || ev.Protocol == p) &&
						(*verb == "" || strings.EqualFold(ev.Verb, *verb)) &&
						(*grep == "" || strings.Contains(strings.ToLower(ev.Text), strings.ToLower(*grep)))
				}
				sums := summarise(saved, match, filtered)
				reports := savedReports(saved, sums)
				if *asJSON {
					out := savedJSON{File: args[0], Format: saved.Format, Faults: saved.Faults, Sessions: reports}
					if out.Faults == nil {
						out.Faults = []string{}
					}
					if filtered {
						out.Events = []jsonEventOut{}
						x := trace.NewExplainer()
						for i := range saved.Events {
							ev := &saved.Events[i]
							ex := x.Explain(ev)
							if match(ev) {
								out.Events = append(out.Events, newJSONEventOut(ev, ex, *explain))
							}
						}
					}
					return writeJSON(env.Stdout, out)
				}
				writeSavedSummary(env.Stdout, args[0], saved, sums, reports)
				if filtered || *lines || *explain {
					fmt.Fprintln(env.Stdout)
					writeSavedLines(env.Stdout, saved, match, *explain)
				}
				return nil
			}
		},
	}
}

// SavedSession is one session of a saved trace in the summary table.
type SavedSession struct {
	ID        uint64         `json:"id"`
	Protocol  string         `json:"protocol"`
	Client    string         `json:"client,omitempty"`
	Server    string         `json:"server,omitempty"`
	StartMs   float64        `json:"start_ms"`
	EndMs     float64        `json:"end_ms"`
	Events    int            `json:"events"`
	BytesUp   int64          `json:"bytes_up"`
	BytesDown int64          `json:"bytes_down"`
	WireUp    int64          `json:"wire_up"`
	WireDown  int64          `json:"wire_down"`
	Closed    bool           `json:"closed"`
	Commands  map[string]int `json:"commands"`
}

// savedJSON is `mailscope trace --json`: the sessions are the same
// report objects as serve's API (trace.Report).
type savedJSON struct {
	File     string         `json:"file"`
	Format   string         `json:"format"`
	Faults   []string       `json:"faults"`
	Sessions []trace.Report `json:"sessions"`
	Events   []jsonEventOut `json:"events,omitempty"`
}

// savedReports sums up the saved sessions (trace.Reports), those in sums.
func savedReports(saved *trace.Saved, sums []SavedSession) []trace.Report {
	keep := map[uint64]bool{}
	for _, s := range sums {
		keep[s.ID] = true
	}
	out := []trace.Report{}
	for _, r := range trace.Reports(saved.Snapshot()) {
		if keep[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

type jsonEventOut struct {
	Seq          uint64   `json:"seq"`
	Session      uint64   `json:"session"`
	Protocol     string   `json:"protocol"`
	Dir          string   `json:"dir"`
	Kind         string   `json:"kind"`
	AtMs         float64  `json:"at_ms"`
	Bytes        int      `json:"bytes"`
	Text         string   `json:"text"`
	Verb         string   `json:"verb,omitempty"`
	Status       string   `json:"status,omitempty"`
	Explanations []string `json:"explanations,omitempty"`
}

func newJSONEventOut(ev *trace.Event, ex []trace.Explanation, explain bool) jsonEventOut {
	d, _ := ev.Dir.MarshalText()
	o := jsonEventOut{Seq: ev.Seq, Session: ev.Session, Protocol: ev.Protocol.String(), Dir: string(d),
		Kind: ev.Kind.String(), AtMs: ms(ev.At), Bytes: ev.Bytes, Text: ev.Display(false), Verb: ev.Verb, Status: ev.Status}
	if explain {
		for _, x := range ex {
			o.Explanations = append(o.Explanations, explanationLine(x))
		}
	}
	return o
}

func explanationLine(x trace.Explanation) string {
	if c := x.Cite(); c != "" {
		return x.Sentence + " (" + c + ")"
	}
	return x.Sentence
}

// summarise adds up each session (only those with a matching event when
// filtered).
func summarise(saved *trace.Saved, match func(*trace.Event) bool, filtered bool) []SavedSession {
	snap := saved.Snapshot()
	tot := snap.SessionTotals()
	by := map[uint64]*SavedSession{}
	var order []uint64
	for _, si := range saved.Sessions {
		by[si.ID] = &SavedSession{ID: si.ID, Protocol: si.Protocol.String(), Client: si.ClientAddr, Server: si.ServerAddr,
			StartMs: ms(si.Start), Commands: map[string]int{}}
		order = append(order, si.ID)
	}
	hit := map[uint64]bool{}
	for i := range saved.Events {
		ev := &saved.Events[i]
		s := by[ev.Session]
		if s == nil {
			continue
		}
		s.Events++
		if match(ev) {
			hit[ev.Session] = true
		}
		if ev.Kind == trace.KindLine && ev.Dir == trace.ClientToServer && ev.Verb != "" {
			s.Commands[ev.Verb]++
		}
	}
	var out []SavedSession
	for _, id := range order {
		s := by[id]
		t := tot[id]
		s.BytesUp, s.BytesDown, s.WireUp, s.WireDown = t.PayloadUp, t.PayloadDown, t.WireUp, t.WireDown
		s.EndMs, s.Closed = ms(t.End), t.Closed() || t.ClientClosed || t.ServerClosed
		if !filtered || hit[id] {
			out = append(out, *s)
		}
	}
	return out
}

func writeSavedSummary(w io.Writer, name string, saved *trace.Saved, sums []SavedSession, reports []trace.Report) {
	var up, down int64
	protos := map[string]int{}
	var first, last time.Duration
	for i, ev := range saved.Events {
		if i == 0 || ev.At < first {
			first = ev.At
		}
		last = max(last, ev.Arrive, ev.At)
	}
	for _, s := range sums {
		up += s.BytesUp
		down += s.BytesDown
		protos[s.Protocol]++
	}
	var ps []string
	for p, n := range protos {
		ps = append(ps, fmt.Sprintf("%s %d", p, n))
	}
	sort.Strings(ps)
	fmt.Fprintf(w, "%s: %s, %d events, %d sessions (%s)\n", name, saved.Format, len(saved.Events), len(sums), strings.Join(ps, ", "))
	fmt.Fprintf(w, "  %s up, %s down, over %v\n", trace.FormatBytes(up), trace.FormatBytes(down), (last - first).Round(time.Millisecond))
	for _, f := range saved.Faults {
		fmt.Fprintf(w, "  fault armed: %s\n", f)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nsession\tprotocol\tclient\tstart\tevents\tup\tdown\tcommands")
	for _, s := range sums {
		var cs []string
		for v, n := range s.Commands {
			cs = append(cs, fmt.Sprintf("%s×%d", v, n))
		}
		sort.Strings(cs)
		fmt.Fprintf(tw, "s%d\t%s\t%s\t%.3fs\t%d\t%s\t%s\t%s\n", s.ID, s.Protocol, s.Client, s.StartMs/1000, s.Events,
			trace.FormatBytes(s.BytesUp), trace.FormatBytes(s.BytesDown), strings.Join(cs, " "))
	}
	tw.Flush()
	for _, r := range reports {
		fmt.Fprintln(w)
		fmt.Fprint(w, strings.TrimRight(r.Text(), "\n")+"\n")
	}
}

func writeSavedLines(w io.Writer, saved *trace.Saved, match func(*trace.Event) bool, explain bool) {
	x := trace.NewExplainer()
	var line []byte
	for i := range saved.Events {
		ev := &saved.Events[i]
		ex := x.Explain(ev) // every event, so that each session's context is right
		if !match(ev) {
			continue
		}
		line = trace.AppendText(line[:0], ev, false)
		w.Write(append(line, '\n'))
		if explain {
			for _, e := range ex {
				fmt.Fprintf(w, "             ↳ %s\n", explanationLine(e))
			}
		}
	}
}
