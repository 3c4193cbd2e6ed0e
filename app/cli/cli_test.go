package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// run runs the full Mailscope CLI and returns its exit code and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, &out, &errOut)
	if testing.Verbose() {
		t.Logf("mailscope %s → %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	return code, out.String(), errOut.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		code, out, _ := run(t, args...)
		if code != ExitOK {
			t.Errorf("mailscope %v exit = %d, want 0", args, code)
		}
		for _, cmd := range append(Commands(), &Command{Name: "help"}) {
			if !strings.Contains(out, "  "+cmd.Name+" ") {
				t.Errorf("mailscope %v does not list %q:\n%s", args, cmd.Name, out)
			}
		}
	}
}

func TestCommandHelp(t *testing.T) {
	for _, args := range [][]string{{"help", "presets"}, {"presets", "--help"}, {"presets", "-h"}} {
		code, out, errOut := run(t, args...)
		if code != ExitOK {
			t.Errorf("mailscope %v exit = %d, want 0 (stderr %q)", args, code, errOut)
		}
		for _, want := range []string{"Usage: mailscope presets [flags]", "-json"} {
			if !strings.Contains(out, want) {
				t.Errorf("mailscope %v output lacks %q:\n%s", args, want, out)
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"presets", "--bogus"}, "flag provided but not defined: -bogus"},
		{"extra argument", []string{"presets", "extra"}, `unexpected argument "extra"`},
		{"help for unknown", []string{"help", "frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit = %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", errOut, tt.want)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
}

func TestCommandErrorExitsOne(t *testing.T) {
	var out, errOut bytes.Buffer
	c := New("mailscope", Env{Stdout: &out, Stderr: &errOut})
	c.Register(&Command{Name: "fail", Summary: "always fails",
		Setup: func(*flag.FlagSet, Env) func(context.Context, []string) error {
			return func(context.Context, []string) error { return errors.New("boom") }
		}})
	if code := c.Run(context.Background(), []string{"fail"}); code != ExitError {
		t.Errorf("exit = %d, want %d", code, ExitError)
	}
	if got, want := errOut.String(), "mailscope fail: boom\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering presets twice did not panic")
		}
	}()
	c := New("mailscope", Env{})
	c.Register(presetsCommand(), presetsCommand())
}

func TestWants(t *testing.T) {
	tests := []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"presets"}, true},
		{[]string{"help"}, true},
		{[]string{"--help"}, true},
		{[]string{"-h"}, true},
		{[]string{"-assetdir", "frontend/dist"}, false}, // Wails dev flags
	}
	for _, tt := range tests {
		if got := Wants(tt.args); got != tt.want {
			t.Errorf("Wants(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, "version")
	if code != ExitOK || !strings.HasPrefix(out, "mailscope "+Version+" (go") {
		t.Errorf("version → %d %q, want 0 and \"mailscope %s (go…\"", code, out, Version)
	}
}
