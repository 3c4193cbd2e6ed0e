package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var builtinScenarios = []string{"dialup-morning", "two-devices", "search", "folders", "quota", "always-on", "leave-on-server", "offline-imap"}

// writeTeacherScenario writes a copy of the built-in two-devices scenario
// under another id into dir/name.
func writeTeacherScenario(t *testing.T, dir, name, id string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "sim", "scenario", "builtin", "2-two-devices.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^id: two-devices$`)
	if !re.Match(data) {
		t.Fatalf("2-two-devices.yaml has no line %q", "id: two-devices")
	}
	data = re.ReplaceAll(data, []byte("id: "+id))
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestScenariosTable(t *testing.T) {
	dir := t.TempDir()
	path := writeTeacherScenario(t, dir, "mine.yaml", "my-two")
	code, out, errOut := run(t, "scenarios", "--dir", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != len(builtinScenarios)+2 {
		t.Fatalf("%d lines, want a header, %d built-ins and the teacher's:\n%s", len(lines), len(builtinScenarios), out)
	}
	for _, col := range []string{"ID", "TITLE", "LINKS", "FROM"} {
		if !strings.Contains(lines[0], col) {
			t.Errorf("header %q lacks %s", lines[0], col)
		}
	}
	for i, id := range builtinScenarios {
		row := lines[i+1]
		if !strings.HasPrefix(row, id+" ") || !strings.HasSuffix(row, "built-in") {
			t.Errorf("row %d = %q, want %s … built-in", i+1, row, id)
		}
	}
	if row := lines[len(lines)-1]; !strings.HasPrefix(row, "my-two ") || !strings.HasSuffix(row, path) || !strings.Contains(row, "adsl-8m,dialup-56k") {
		t.Errorf("last row = %q, want my-two with its links and %s", row, path)
	}
}

func TestScenariosJSON(t *testing.T) {
	dir := t.TempDir()
	path := writeTeacherScenario(t, dir, "mine.yaml", "my-two")
	code, out, errOut := run(t, "scenarios", "--dir", dir, "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var raw []map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	for _, s := range raw {
		for _, k := range []string{"id", "title", "claim", "teaches", "links", "origin", "mailbox", "devices", "steps"} {
			if _, ok := s[k]; !ok {
				t.Errorf("scenario %v lacks %q", s["id"], k)
			}
		}
	}
	var got []ScenarioInfo
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(builtinScenarios)+1 {
		t.Fatalf("%d scenarios, want %d", len(got), len(builtinScenarios)+1)
	}
	for i, id := range builtinScenarios {
		if got[i].ID != id || got[i].Origin != "built-in" || got[i].Title == "" || got[i].Claim == "" || got[i].Teaches == "" || len(got[i].Links) == 0 || got[i].Steps == 0 {
			t.Errorf("scenario %d = %+v, want %s, built-in, with every field filled", i, got[i], id)
		}
	}
	mine := got[len(got)-1]
	if mine.ID != "my-two" || mine.Origin != path || mine.Mailbox.Messages != 15 || mine.Steps != 3 ||
		strings.Join(mine.Devices, ",") != "Home PC,Laptop" || strings.Join(mine.Links, ",") != "adsl-8m,dialup-56k" {
		t.Errorf("teacher's scenario = %+v", mine)
	}
}

// A teacher's file with a built-in id replaces the built-in in place.
func TestScenariosReplaceBuiltin(t *testing.T) {
	dir := t.TempDir()
	path := writeTeacherScenario(t, dir, "two.yaml", "two-devices")
	_, out, _ := run(t, "scenarios", "--dir", dir)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != len(builtinScenarios)+1 || !strings.HasPrefix(lines[2], "two-devices ") || !strings.HasSuffix(lines[2], path) {
		t.Errorf("want two-devices second, from %s:\n%s", path, out)
	}
}

func TestScenariosMissingDir(t *testing.T) {
	code, out, errOut := run(t, "scenarios", "--dir", filepath.Join(t.TempDir(), "nowhere"))
	if code != ExitOK || strings.Count(out, "built-in") != len(builtinScenarios) {
		t.Errorf("missing --dir: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}

func TestScenariosBrokenFile(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"invalid", "id: Bad Id\ntitle: \"\"\nmailbox: {messages: 3}\n", []string{`id "Bad Id"`, "no title", "no devices", "no steps"}},
		{"unknown field", "id: x\ntitle: X\nmesages: 3\n", []string{"mesages"}},
		{"unknown link", "id: x\ntitle: X\nlinks: [adsl-8m, modem]\ndevices: [{name: A}]\nsteps: [{device: A, do: check}]\n",
			[]string{`no preset "modem"`, "dialup-56k"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTeacherScenario(t, dir, "good.yaml", "my-two")
			bad := filepath.Join(dir, "lesson3.yaml")
			if err := os.WriteFile(bad, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"scenarios", "--dir", dir}, {"compare", "two-devices", "--dir", dir}} {
				code, out, errOut := run(t, args...)
				if code != ExitError {
					t.Errorf("%v: exit %d, want %d", args, code, ExitError)
				}
				if !strings.Contains(errOut, bad) {
					t.Errorf("%v: stderr does not name %s:\n%s", args, bad, errOut)
				}
				for _, want := range tt.want {
					if !strings.Contains(errOut, want) {
						t.Errorf("%v: stderr lacks %q:\n%s", args, want, errOut)
					}
				}
				if out != "" {
					t.Errorf("%v: stdout = %q, want nothing", args, out)
				}
			}
		})
	}
}

func TestScenariosExtraArgument(t *testing.T) {
	code, _, errOut := run(t, "scenarios", "two-devices")
	if code != ExitUsage || !strings.Contains(errOut, `unexpected argument "two-devices"`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
