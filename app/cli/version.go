package cli

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the release, set at link time:
// go build -ldflags "-X github.com/mailscope/mailscope/app/cli.Version=v0.1.0".
var Version = "dev"

func versionCommand() *Command {
	return &Command{
		Name:    "version",
		Summary: "print the version and how this binary was built",
		Setup: func(fs *flag.FlagSet, env Env) func(context.Context, []string) error {
			return func(_ context.Context, args []string) error {
				if len(args) > 0 {
					return Usagef("unexpected argument %q", args[0])
				}
				fmt.Fprintf(env.Stdout, "mailscope %s (%s, %s/%s%s)\n",
					Version, runtime.Version(), runtime.GOOS, runtime.GOARCH, buildDetails())
				return nil
			}
		},
	}
}

// buildDetails names the commit and the build tags when the toolchain
// recorded them (go build -buildvcs; -tags desktop,...).
func buildDetails() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	s := ""
	for _, kv := range info.Settings {
		switch kv.Key {
		case "vcs.revision":
			if len(kv.Value) > 12 {
				kv.Value = kv.Value[:12]
			}
			s += ", commit " + kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				s += "+dirty"
			}
		case "-tags":
			s += ", tags " + kv.Value
		}
	}
	return s
}
