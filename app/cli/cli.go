// Package cli is Mailscope's headless front end: the subcommands that run
// when the binary gets arguments (`mailscope presets`, later serve, run,
// compare, lessons). It never imports Wails, so it works from a plain
// `go build` on a machine without WebKit or a display.
//
// Each subcommand is a Command with its own flag.FlagSet; the CLI routes the
// first argument to it and handles help uniformly:
//
//	mailscope help                 every command, one line each
//	mailscope help CMD             CMD's usage and flags
//	mailscope CMD -h | --help      the same
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1 // the command ran and failed
	ExitUsage = 2 // bad command line, as flag.ExitOnError uses
)

// Env is everything a command may touch of the outside world. Tests pass
// buffers.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
}

// Command is one subcommand.
type Command struct {
	Name    string // as typed: "presets"
	Args    string // synopsis after the flags, "" if none: "SCENARIO"
	Summary string // one line for `mailscope help`
	Long    string // optional paragraph for `mailscope help NAME`

	// Setup declares the command's flags on fs and returns the function
	// that runs it; run gets the arguments left after the flags.
	Setup func(fs *flag.FlagSet, env Env) (run func(ctx context.Context, args []string) error)
}

// UsageError marks an error caused by the command line, not by the work:
// it makes Run print the command's usage and exit with ExitUsage.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }

// CLI dispatches to registered commands.
type CLI struct {
	Name     string // program name in messages: "mailscope"
	env      Env
	commands []*Command
}

// New returns a CLI with no commands.
func New(name string, env Env) *CLI { return &CLI{Name: name, env: env} }

// Register adds commands. A duplicate name is a programming error: it panics.
func (c *CLI) Register(cmds ...*Command) {
	for _, cmd := range cmds {
		if c.lookup(cmd.Name) != nil || cmd.Name == "help" {
			panic("cli: command registered twice: " + cmd.Name)
		}
		c.commands = append(c.commands, cmd)
	}
}

// IsHelpFlag reports whether arg asks for help rather than naming a command.
func IsHelpFlag(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func (c *CLI) lookup(name string) *Command {
	for _, cmd := range c.commands {
		if cmd.Name == name {
			return cmd
		}
	}
	return nil
}

// Run runs the command named by args[0] with the rest of args and returns
// the process exit code.
func (c *CLI) Run(ctx context.Context, args []string) int {
	if len(args) == 0 || IsHelpFlag(args[0]) {
		c.printOverview(c.env.Stdout)
		return ExitOK
	}
	name, rest := args[0], args[1:]
	if name == "help" {
		return c.help(rest)
	}
	cmd := c.lookup(name)
	if cmd == nil {
		fmt.Fprintf(c.env.Stderr, "%s: unknown command %q\n\n", c.Name, name)
		c.printOverview(c.env.Stderr)
		return ExitUsage
	}

	fs := c.flagSet(cmd)
	run := cmd.Setup(fs, c.env)
	// Parse prints the usage itself on -h as on an error: held back here,
	// so that help goes to stdout once, and an error with its usage to
	// stderr.
	var parseOut bytes.Buffer
	fs.SetOutput(&parseOut)
	err := fs.Parse(rest)
	fs.SetOutput(c.env.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(c.env.Stdout)
			fs.Usage()
			return ExitOK
		}
		c.env.Stderr.Write(parseOut.Bytes())
		return ExitUsage
	}
	if err := run(ctx, fs.Args()); err != nil {
		fmt.Fprintf(c.env.Stderr, "%s %s: %v\n", c.Name, cmd.Name, err)
		if _, ok := errors.AsType[*UsageError](err); ok {
			fmt.Fprintln(c.env.Stderr)
			fs.Usage()
			return ExitUsage
		}
		return ExitError
	}
	return ExitOK
}

func (c *CLI) help(args []string) int {
	if len(args) == 0 {
		c.printOverview(c.env.Stdout)
		return ExitOK
	}
	cmd := c.lookup(args[0])
	if cmd == nil {
		fmt.Fprintf(c.env.Stderr, "%s help: unknown command %q\n", c.Name, args[0])
		return ExitUsage
	}
	fs := c.flagSet(cmd)
	cmd.Setup(fs, c.env)
	fs.SetOutput(c.env.Stdout)
	fs.Usage()
	return ExitOK
}

// flagSet makes cmd's FlagSet: errors and usage go to stderr, and the usage
// text shows the synopsis, the summary and the flags.
func (c *CLI) flagSet(cmd *Command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name+" "+cmd.Name, flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.Usage = func() {
		w := fs.Output()
		synopsis := c.Name + " " + cmd.Name
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			synopsis += " [flags]"
		}
		if cmd.Args != "" {
			synopsis += " " + cmd.Args
		}
		fmt.Fprintf(w, "Usage: %s\n\n%s\n", synopsis, cmd.Summary)
		if cmd.Long != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.Long))
		}
		if hasFlags {
			fmt.Fprintf(w, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

func (c *CLI) printOverview(w io.Writer) {
	fmt.Fprintf(w, "%s is a lab for the mail protocols: SMTP, POP3 and IMAP over a simulated link.\n\n", c.Name)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintf(tw, "Usage:\n  %s\topen the desktop window\n  %s COMMAND [flags]\trun headless\n", c.Name, c.Name)
	tw.Flush()
	fmt.Fprintf(w, "\nCommands:\n")
	cmds := slices.Clone(c.commands)
	cmds = append(cmds, &Command{Name: "help", Summary: "show help for a command (also: COMMAND --help)"})
	slices.SortFunc(cmds, func(a, b *Command) int { return strings.Compare(a.Name, b.Name) })
	for _, cmd := range cmds {
		fmt.Fprintf(tw, "  %s\t%s\n", cmd.Name, cmd.Summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun '%s help COMMAND' for a command's flags.\n", c.Name)
}
