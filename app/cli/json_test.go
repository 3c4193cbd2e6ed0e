package cli

import (
	"encoding/json"
	"flag"
	"io"
	"regexp"
	"strings"
	"testing"
)

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// Every --json output has snake_case keys. Some objects are maps whose
// keys are data (a device's folders, each device's count after a step):
// their keys are not checked.
func TestJSONKeysAreSnakeCase(t *testing.T) {
	outputs := map[string][]string{
		"presets":     {"presets", "--json"},
		"scenarios":   {"scenarios", "--json", "--dir", ""},
		"run":         {"run", "--json", "--trace", "none", "--messages", "2"},
		"compare":     {"compare", "two-devices", "--links", "adsl-8m", "--json", "--dir", ""},
		"lessons":     {"lessons", "--json", "--dir", ""},
		"lessons run": {"lessons", "run", "journey", "--json", "--dir", ""},
	}
	dataMaps := map[string]bool{"folders": true, "visible_after": true}
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
