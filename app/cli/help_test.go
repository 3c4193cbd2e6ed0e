package cli

import (
	"flag"
	"io"
	"regexp"
	"strings"
	"testing"
)

// argName is what a flag's help may show as its argument: a placeholder
// in capitals (`ID`, `NAME:PASS`), or the flag package's name for the
// type. "value" (a Var flag with no placeholder) says nothing, and a
// back-quoted phrase in a usage string would show up here as words.
var argName = regexp.MustCompile(`^([A-Z][A-Z0-9_]*(:[A-Z][A-Z0-9_]*)?|string|int|uint|float|duration)$`)

// Every subcommand's --help goes to stdout once, and each of its flags
// reads "-name ARG" with a sensible ARG (Go's flag package takes the first
// back-quoted word of a usage string as the argument's name).
func TestEveryCommandsFlagHelp(t *testing.T) {
	for _, cmd := range Commands() {
		t.Run(cmd.Name, func(t *testing.T) {
			fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cmd.Setup(fs, Env{Stdout: io.Discard, Stderr: io.Discard})

			code, out, errOut := run(t, cmd.Name, "--help")
			if code != ExitOK || errOut != "" {
				t.Errorf("%s --help → exit %d, stderr %q; want 0 and nothing on stderr", cmd.Name, code, errOut)
			}
			if _, help, _ := run(t, "help", cmd.Name); help != out {
				t.Errorf("%s --help and help %s differ:\n%s\n---\n%s", cmd.Name, cmd.Name, out, help)
			}
			if !strings.HasPrefix(out, "Usage: mailscope "+cmd.Name) {
				t.Errorf("%s --help starts %q", cmd.Name, strings.SplitN(out, "\n", 2)[0])
			}
			_, flags, _ := strings.Cut(out, "\nFlags:\n")
			lines := map[string][]string{} // flag name → the words after it
			for _, line := range strings.Split(flags, "\n") {
				if !strings.HasPrefix(line, "  -") {
					continue
				}
				if strings.Contains(line, "`") {
					t.Errorf("%s --help: a back quote is left in %q", cmd.Name, line)
				}
				f := strings.Fields(strings.SplitN(line, "\t", 2)[0])
				lines[strings.TrimPrefix(f[0], "-")] = f[1:]
			}
			fs.VisitAll(func(f *flag.Flag) {
				words, ok := lines[f.Name]
				switch {
				case !ok:
					t.Errorf("%s --help has no line for -%s:\n%s", cmd.Name, f.Name, out)
				case len(words) > 1 || len(words) == 1 && !argName.MatchString(words[0]):
					t.Errorf("%s --help: -%s %q: that is no argument name", cmd.Name, f.Name, strings.Join(words, " "))
				}
			})
		})
	}
}
