package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mailscope/mailscope/sim/scenario"
)

func scenariosCommand() *Command {
	return &Command{
		Name:    "scenarios",
		Summary: "list the scenarios that compare runs, built-in and your own",
		Long: `Prints one row per scenario: its id (what ` + "`mailscope compare`" + ` takes),
its title, the links it is compared on by default, and where it comes
from: built-in, or the file it was read from.

Your own scenarios are YAML files (*.yaml) in --dir, written like the
built-in ones in the source tree (sim/scenario/builtin/). A file whose id
is a built-in one replaces it. A mistake in a file is reported with the
file's name, and nothing runs until it is fixed.

With --json each scenario also has its claim, what it teaches, the
messages in its mailbox, its devices' names and its number of steps.

Examples:
  mailscope scenarios
  mailscope scenarios --dir ./lessons --json`,
		Setup: func(fs *flag.FlagSet, env Env) func(context.Context, []string) error {
			dir := fs.String("dir", scenario.DefaultDir(), "`DIR` of your own scenarios (*.yaml), besides the built-in ones")
			asJSON := fs.Bool("json", false, "print JSON instead of a table")
			return func(_ context.Context, args []string) error {
				if len(args) > 0 {
					return Usagef("unexpected argument %q", args[0])
				}
				cat, err := loadScenarios(*dir)
				if err != nil {
					return err
				}
				if *asJSON {
					return writeJSON(env.Stdout, scenarioInfos(cat))
				}
				return writeScenariosTable(env.Stdout, cat)
			}
		},
	}
}

// loadScenarios is scenario.Load with its errors made readable: each of a
// file's problems on a line of its own, under the file's name.
func loadScenarios(dir string) (*scenario.Catalogue, error) {
	cat, err := scenario.Load(dir)
	if err != nil {
		return nil, errors.New(describeLoadError(err))
	}
	return cat, nil
}

func describeLoadError(err error) string {
	msg := strings.TrimSpace(err.Error())
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		list := strings.TrimSpace(joined.(error).Error())
		if head, ok := strings.CutSuffix(msg, list); ok {
			var b strings.Builder
			b.WriteString(strings.TrimSuffix(strings.TrimSpace(head), ":"))
			for _, e := range joined.Unwrap() {
				b.WriteString("\n  - " + strings.ReplaceAll(e.Error(), "\n", "\n    "))
			}
			return b.String()
		}
	}
	return strings.ReplaceAll(msg, "\n", "\n  ")
}

// ScenarioInfo is one entry of `mailscope scenarios --json`.
type ScenarioInfo struct {
	ID      string          `json:"id"`
	Title   string          `json:"title"`
	Claim   string          `json:"claim"`
	Teaches string          `json:"teaches"`
	Links   []string        `json:"links"`
	Origin  string          `json:"origin"` // "built-in" or the file's path
	Mailbox ScenarioMailbox `json:"mailbox"`
	Devices []string        `json:"devices"` // their names
	Steps   int             `json:"steps"`   // how many
}

// ScenarioMailbox is what a scenario's mailbox holds at the start.
type ScenarioMailbox struct {
	Messages int `json:"messages"`
}

func scenarioInfos(cat *scenario.Catalogue) []ScenarioInfo {
	infos := []ScenarioInfo{}
	for _, sc := range cat.List() {
		devices := make([]string, len(sc.Devices))
		for i, d := range sc.Devices {
			devices[i] = d.Name
		}
		infos = append(infos, ScenarioInfo{
			ID: sc.ID, Title: sc.Title,
			Claim: strings.TrimSpace(sc.Claim), Teaches: strings.TrimSpace(sc.Teaches),
			Links: append([]string{}, sc.Links...), Origin: cat.Origin(sc.ID),
			Mailbox: ScenarioMailbox{Messages: sc.Mailbox.Messages},
			Devices: devices, Steps: len(sc.Steps),
		})
	}
	return infos
}

func writeScenariosTable(w io.Writer, cat *scenario.Catalogue) error {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "ID\tTITLE\tLINKS\tFROM")
	for _, s := range scenarioInfos(cat) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ID, s.Title, strings.Join(s.Links, ","), s.Origin)
	}
	return tw.Flush()
}
