package cli

import (
	"context"
	"io"
	"strings"
)

// Commands returns every subcommand, in the order help lists them. A new
// subcommand (serve, run, compare, lessons) is one more file in this
// package and one more entry here.
func Commands() []*Command {
	return []*Command{
		serveCommand(),
		runCommand(),
		compareCommand(),
		scenariosCommand(),
		presetsCommand(),
		lessonsCommand(),
		traceCommand(),
		versionCommand(),
	}
}

// Wants reports whether args (without the program name) ask for the
// headless CLI rather than the window: a command name or a help flag. Other
// leading flags are left to the window, so that Wails dev builds can read
// their own (-assetdir, -devserver).
func Wants(args []string) bool {
	if len(args) == 0 {
		return false
	}
	return !strings.HasPrefix(args[0], "-") || IsHelpFlag(args[0])
}

// Main runs the headless CLI with every command and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := New("mailscope", Env{Stdout: stdout, Stderr: stderr})
	c.Register(Commands()...)
	return c.Run(ctx, args)
}
