package cli

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/trace"
)

// savedTraceFile writes a short POP3 session, traced by a real Session
// tap, as a JSON Lines export and returns its path.
func savedTraceFile(t *testing.T) string {
	t.Helper()
	rec := trace.NewRecorder(nil)
	s := rec.NewSession(trace.SessionInfo{Protocol: trace.POP3, ClientAddr: "127.0.0.1:40001", ServerAddr: "127.0.0.1:110"})
	at := time.Duration(0)
	for _, l := range []struct {
		client bool
		line   string
	}{{false, "+OK ready\r\n"}, {true, "USER student\r\n"}, {false, "+OK\r\n"}, {true, "QUIT\r\n"}, {false, "+OK bye\r\n"}} {
		s.Transfer(l.client, []byte(l.line), at, at+time.Millisecond, len(l.line)+40, time.Time{})
		at += time.Millisecond
	}
	s.Mark("close", "", true, at, time.Time{})
	path := filepath.Join(t.TempDir(), "saved.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := trace.WriteJSONL(f, rec.Snapshot().Events(), trace.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// Every --json output has snake_case keys. Some objects are maps whose
// keys are data (a device's folders, each device's count after a step):
// their keys are not checked.
func TestJSONKeysAreSnakeCase(t *testing.T) {
	saved := savedTraceFile(t)
	outputs := map[string][]string{
		"trace":       {"trace", saved, "--json", "--verb", "user", "--explain"},
		"presets":     {"presets", "--json"},
		"scenarios":   {"scenarios", "--json", "--dir", ""},
		"run":         {"run", "--json", "--trace", "none", "--messages", "2"},
		"compare":     {"compare", "two-devices", "--links", "adsl-8m", "--json", "--dir", ""},
		"lessons":     {"lessons", "--json", "--dir", ""},
		"lessons run": {"lessons", "run", "journey", "--json", "--dir", ""},
	}
	dataMaps := map[string]bool{"folders": true, "visible_after": true, "commands": true}
	// A command with a --json flag must be in the table.
	for _, cmd := range Commands() {
		fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
		cmd.Setup(fs, Env{Stdout: io.Discard, Stderr: io.Discard})
		if _, ok := outputs[cmd.Name]; fs.Lookup("json") != nil && !ok {
			t.Errorf("%s has --json but this test does not run it", cmd.Name)
		}
	}
	for name, args := range outputs {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, args...)
			if code != ExitOK {
				t.Fatalf("mailscope %s → exit %d, stderr %q", strings.Join(args, " "), code, errOut)
			}
			var v any
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("mailscope %s is not JSON: %v", strings.Join(args, " "), err)
			}
			keys := 0
			var walk func(path string, v any)
			walk = func(path string, v any) {
				switch v := v.(type) {
				case map[string]any:
					for k, x := range v {
						keys++
						if !snakeCase.MatchString(k) {
							t.Errorf("%s: key %q at %s is not snake_case", name, k, path)
						}
						if !dataMaps[k] {
							walk(path+"."+k, x)
						}
					}
				case []any:
					for _, x := range v {
						walk(path+"[]", x)
					}
				}
			}
			walk("$", v)
			if keys < 5 {
				t.Errorf("%s: only %d keys checked", name, keys)
			}
		})
	}
}
