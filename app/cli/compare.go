package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mailscope/mailscope/sim/scenario"
)

func compareCommand() *Command {
	return &Command{
		Name:    "compare",
		Args:    "SCENARIO",
		Summary: "race POP3 against IMAP through a scenario: time, bytes, round trips, cost",
		Long: `Plays SCENARIO (see ` + "`mailscope scenarios`" + `) once per protocol on each
link, on the virtual clock, and prints the runs side by side: time on the
network and its parts, bytes, round trips, connections, time online and
the phone bill, what is left on the server and what each device shows.
The same scenario and links always give the same numbers.

Flags may come before or after SCENARIO. --json prints every figure of
every run (and each step and device); --csv one row per run.

Examples:
  mailscope compare dialup-morning
  mailscope compare two-devices --links adsl-8m --json
  mailscope compare search --links dialup-56k,fibre-1g --csv > search.csv
  mailscope compare dialup-morning --pop3-pipelining --protocols pop3`,
		Setup: func(fs *flag.FlagSet, env Env) func(context.Context, []string) error {
			links := fs.String("links", "", "comma-separated link preset `IDS` (default: the scenario's own; see mailscope presets)")
			asJSON := fs.Bool("json", false, "print every run as JSON")
			asCSV := fs.Bool("csv", false, "print one CSV row per run")
			protocols := fs.String("protocols", "pop3,imap", "`PROTOCOLS` to run, comma-separated: pop3, imap")
			smtpPipe := fs.Bool("smtp-pipelining", false, "SMTP: send MAIL, RCPT and DATA in one go (RFC 2920)")
			pop3Pipe := fs.Bool("pop3-pipelining", false, "POP3: send RETRs, then DELEs, as batches (RFC 2449)")
			imapHTB := fs.Bool("imap-headers-then-bodies", false, "IMAP offline sync: fetch headers first, bodies second")
			dir := fs.String("dir", scenario.DefaultDir(), "`DIR` of your own scenarios (*.yaml), besides the built-in ones")
			return func(ctx context.Context, args []string) error {
				// The flag package stops at the first non-flag argument;
				// the documented form puts flags after SCENARIO.
				args, err := parseInterspersed(fs, args)
				if errors.Is(err, flag.ErrHelp) {
					fs.SetOutput(env.Stdout)
					fs.Usage()
					return nil
				}
				if err != nil {
					return Usagef("%v", err)
				}
				switch {
				case len(args) == 0:
					return Usagef("which scenario? (see `mailscope scenarios`)")
				case len(args) > 1:
					return Usagef("unexpected argument %q", args[1])
				}
				if *asJSON && *asCSV {
					return Usagef("--json and --csv: choose one")
				}
				cat, err := loadScenarios(*dir)
				if err != nil {
					return err
				}
				sc, err := cat.Get(args[0])
				if err != nil {
					return Usagef("%v", err)
				}
				opts := scenario.CompareOptions{}
				if *links != "" {
					ls, err := scenario.Links(strings.Split(*links, ","))
					if err != nil {
						return Usagef("%v", err)
					}
					if len(ls) == 0 {
						return Usagef("--links: no link presets given")
					}
					opts.Links = ls
				}
				if opts.Protocols, err = parseProtocols(*protocols); err != nil {
					return Usagef("--protocols: %v", err)
				}
				// The scenario's own switches, changed by the flags given.
				if sc.Options != nil {
					opts.Switches = *sc.Options
				}
				fs.Visit(func(f *flag.Flag) {
					switch f.Name {
					case "smtp-pipelining":
						opts.Switches.SMTPPipelining = *smtpPipe
					case "pop3-pipelining":
						opts.Switches.POP3Pipelining = *pop3Pipe
					case "imap-headers-then-bodies":
						opts.Switches.IMAPHeadersThenBodies = *imapHTB
					}
				})
				results, err := scenario.Compare(ctx, sc, opts)
				if err != nil {
					return err
				}
				return writeComparison(env.Stdout, sc, results, *asJSON, *asCSV)
			}
		},
	}
}

func writeComparison(w io.Writer, sc *scenario.Scenario, results []*scenario.Result, asJSON, asCSV bool) error {
	switch {
	case asJSON:
		return scenario.WriteJSON(w, sc, results)
	case asCSV:
		return scenario.WriteCSV(w, results)
	}
	return scenario.WriteTable(w, sc, results)
}

// parseProtocols reads "pop3,imap" in the order given, without repeats.
func parseProtocols(s string) ([]scenario.Protocol, error) {
	var out []scenario.Protocol
	seen := map[scenario.Protocol]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		proto := scenario.Protocol(p)
		if proto != scenario.POP3 && proto != scenario.IMAP {
			return nil, fmt.Errorf("unknown protocol %q: want pop3, imap or both", p)
		}
		if !seen[proto] {
			seen[proto] = true
			out = append(out, proto)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no protocol given: want pop3, imap or both")
	}
	return out, nil
}

// parseInterspersed parses the flags in args that come after positional
// arguments (fs has parsed those before the first one already) and
// returns the positional arguments. After "--" everything is positional.
// Errors, flag.ErrHelp included, are returned rather than printed.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(out)
	var pos []string
	for len(args) > 0 {
		pos = append(pos, args[0])
		rest := args[1:]
		if err := fs.Parse(rest); err != nil {
			return nil, err
		}
		left := fs.Args()
		if used := len(rest) - len(left); used > 0 && rest[used-1] == "--" {
			return append(pos, left...), nil
		}
		args = left
	}
	return pos, nil
}
