package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/scenario"
)

// noUserScenarios points the default scenario folder at an empty place,
// so that files in the tester's own ~/.config cannot change the results.
func noUserScenarios(t *testing.T) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
}

// compareJSON runs `mailscope ARGS...` and decodes its JSON output.
func compareJSON(t *testing.T, args ...string) (doc map[string]any, raw string) {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != ExitOK {
		t.Fatalf("mailscope %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("mailscope %s: not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
	return doc, out
}

// runsOf returns the "runs" array of a compare --json document.
func runsOf(t *testing.T, doc map[string]any) []map[string]any {
	t.Helper()
	arr, ok := doc["runs"].([]any)
	if !ok {
		t.Fatalf("no runs array in %v", doc)
	}
	var runs []map[string]any
	for i, r := range arr {
		m, ok := r.(map[string]any)
		if !ok {
			t.Fatalf("run %d is %T, want an object", i, r)
		}
		runs = append(runs, m)
	}
	return runs
}

func deviceOf(t *testing.T, r map[string]any, name string) map[string]any {
	t.Helper()
	devs, _ := r["devices"].([]any)
	for _, d := range devs {
		if m, ok := d.(map[string]any); ok && m["name"] == name {
			return m
		}
	}
	t.Fatalf("%s run has no device %q: %v", r["protocol"], name, r["devices"])
	return nil
}

// The fields the issue promises for every run, with their JSON types.
var runFields = map[string]string{
	"protocol":                 "string",
	"link":                     "object",
	"sim_seconds":              "number",
	"dial_seconds":             "number",
	"setup_seconds":            "number",
	"payload_bytes_up":         "number",
	"payload_bytes_down":       "number",
	"wire_bytes_up":            "number",
	"wire_bytes_down":          "number",
	"round_trips":              "number",
	"connections":              "number",
	"online_seconds":           "number",
	"cost":                     "number",
	"first_readable_seconds":   "number",
	"messages_on_server_after": "number",
	"devices":                  "array",
}

var linkFields = map[string]string{
	"id": "string", "bandwidth_down_bps": "number", "bandwidth_up_bps": "number", "rtt_ms": "number",
}

var deviceFields = map[string]string{
	"name": "string", "visible_messages": "number", "offline_readable_messages": "number",
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case nil:
		return "null"
	}
	return "?"
}

func checkFields(t *testing.T, what string, m map[string]any, want map[string]string) {
	t.Helper()
	for k, typ := range want {
		v, ok := m[k]
		if !ok {
			t.Errorf("%s lacks %q", what, k)
		} else if got := jsonType(v); got != typ {
			t.Errorf("%s: %q is a %s (%v), want a %s", what, k, got, v, typ)
		}
	}
}

func TestCompareJSON(t *testing.T) {
	noUserScenarios(t)
	doc, _ := compareJSON(t, "compare", "two-devices", "--links", "adsl-8m", "--json")
	if doc["scenario"] != "two-devices" {
		t.Errorf("scenario = %v, want two-devices", doc["scenario"])
	}
	runs := runsOf(t, doc)
	if len(runs) != 2 || runs[0]["protocol"] != "pop3" || runs[1]["protocol"] != "imap" {
		t.Fatalf("runs = %d (%v, …), want pop3 then imap", len(runs), runs)
	}
	adsl, err := link.Preset("adsl-8m")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		p := r["protocol"].(string)
		checkFields(t, p+" run", r, runFields)
		l, _ := r["link"].(map[string]any)
		checkFields(t, p+" link", l, linkFields)
		if l["id"] != "adsl-8m" || l["bandwidth_down_bps"] != float64(adsl.DownBps) || l["bandwidth_up_bps"] != float64(adsl.UpBps) {
			t.Errorf("%s link = %v, want adsl-8m at %d/%d bit/s", p, l, adsl.DownBps, adsl.UpBps)
		}
		if want := float64(adsl.RTT()) / float64(time.Millisecond); l["rtt_ms"] != want {
			t.Errorf("%s link rtt_ms = %v, want %v", p, l["rtt_ms"], want)
		}
		devs, _ := r["devices"].([]any)
		if len(devs) != 2 {
			t.Fatalf("%s run has %d devices, want Home PC and Laptop", p, len(devs))
		}
		for _, d := range devs {
			dm, _ := d.(map[string]any)
			checkFields(t, p+" device", dm, deviceFields)
		}
		if r["sim_seconds"].(float64) <= 0 || r["wire_bytes_down"].(float64) <= r["payload_bytes_down"].(float64) {
			t.Errorf("%s: sim_seconds %v, wire down %v, payload down %v: want time > 0 and wire > payload",
				p, r["sim_seconds"], r["wire_bytes_down"], r["payload_bytes_down"])
		}
		if r["dial_seconds"] != 0.0 || r["cost"] != 0.0 {
			t.Errorf("%s on ADSL: dial_seconds %v, cost %v, want 0 and 0", p, r["dial_seconds"], r["cost"])
		}
	}
	pop3, imap := runs[0], runs[1]
	if got := deviceOf(t, pop3, "Laptop")["visible_messages"]; got != 0.0 {
		t.Errorf("POP3: the laptop sees %v messages, want 0 (the home PC took them)", got)
	}
	if got := deviceOf(t, imap, "Laptop")["visible_messages"]; got != 15.0 {
		t.Errorf("IMAP: the laptop sees %v messages, want 15", got)
	}
	if pop3["messages_on_server_after"] != 0.0 || imap["messages_on_server_after"] != 15.0 {
		t.Errorf("messages on the server after: pop3 %v, imap %v; want 0 and 15", pop3["messages_on_server_after"], imap["messages_on_server_after"])
	}
}

func TestCompareDeterministic(t *testing.T) {
	noUserScenarios(t)
	_, a := compareJSON(t, "compare", "two-devices", "--links", "adsl-8m", "--json")
	_, b := compareJSON(t, "compare", "two-devices", "--links", "adsl-8m", "--json")
	if a != b {
		t.Errorf("two identical comparisons differ: %s", firstDiff(a, b))
	}
	// The flags may come before the scenario too, in any order.
	_, c := compareJSON(t, "compare", "--json", "--links=adsl-8m", "two-devices")
	if a != c {
		t.Errorf("flags before the scenario gave different output: %s", firstDiff(a, c))
	}
}

// firstDiff describes where two outputs first differ, by line.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d: %q vs %q", i+1, strings.TrimSpace(al[i]), strings.TrimSpace(bl[i]))
		}
	}
	return fmt.Sprintf("%d lines vs %d", len(al), len(bl))
}

func TestCompareCSV(t *testing.T) {
	noUserScenarios(t)
	doc, _ := compareJSON(t, "compare", "two-devices", "--links", "adsl-8m", "--json")
	runs := runsOf(t, doc)
	code, out, errOut := run(t, "compare", "two-devices", "--links", "adsl-8m", "--csv")
	if code != ExitOK {
		t.Fatalf("--csv: exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("--csv output does not parse: %v\n%s", err, out)
	}
	if len(rows) != 3 {
		t.Fatalf("--csv has %d rows, want a header and 2:\n%s", len(rows), out)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for i, r := range runs {
		row := rows[i+1]
		if got := row[col["protocol"]]; got != r["protocol"] {
			t.Errorf("CSV row %d protocol = %q, JSON %v", i+1, got, r["protocol"])
		}
		l := r["link"].(map[string]any)
		if got := row[col["link"]]; got != l["id"] {
			t.Errorf("CSV row %d link = %q, JSON %v", i+1, got, l["id"])
		}
		for _, name := range []string{
			"sim_seconds", "dial_seconds", "setup_seconds", "payload_bytes_up", "payload_bytes_down",
			"wire_bytes_up", "wire_bytes_down", "round_trips", "connections", "online_seconds", "cost",
			"first_readable_seconds", "messages_on_server_after", "bandwidth_down_bps", "rtt_ms",
		} {
			c, ok := col[name]
			if !ok {
				t.Errorf("CSV has no %s column: %v", name, rows[0])
				continue
			}
			want, ok := r[name].(float64)
			if !ok {
				want = l[name].(float64)
			}
			got, err := strconv.ParseFloat(row[c], 64)
			if err != nil || got != want {
				t.Errorf("%s %s: CSV %q, JSON %v", r["protocol"], name, row[c], want)
			}
		}
	}
}

func TestCompareTable(t *testing.T) {
	noUserScenarios(t)
	code, out, errOut := run(t, "compare", "two-devices", "--links", "adsl-8m")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	sc, err := scenario.Builtin().Get("two-devices")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"POP3", "IMAP", "adsl-8m", sc.Title, "Laptop: sees / offline", scenario.Wrap(sc.Teaches, 78)} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "dialup-56k") {
		t.Errorf("--links adsl-8m still ran dialup-56k:\n%s", out)
	}
}

// Without --links the scenario's own links are used, in its order.
func TestCompareDefaultLinks(t *testing.T) {
	noUserScenarios(t)
	doc, _ := compareJSON(t, "compare", "two-devices", "--json", "--protocols", "imap")
	var got []string
	for _, r := range runsOf(t, doc) {
		if r["protocol"] != "imap" {
			t.Errorf("--protocols imap ran %v", r["protocol"])
		}
		got = append(got, r["link"].(map[string]any)["id"].(string))
	}
	if strings.Join(got, ",") != "adsl-8m,dialup-56k" {
		t.Errorf("links = %v, want the scenario's own: adsl-8m, dialup-56k", got)
	}
}

// The switch flags reach the runs: POP3 pipelining saves round trips.
func TestCompareSwitches(t *testing.T) {
	noUserScenarios(t)
	plain, _ := compareJSON(t, "compare", "two-devices", "--links", "adsl-8m", "--protocols", "pop3", "--json")
	piped, _ := compareJSON(t, "compare", "two-devices", "--links", "adsl-8m", "--protocols", "pop3", "--json", "--pop3-pipelining")
	p, q := runsOf(t, plain)[0], runsOf(t, piped)[0]
	if sw, _ := q["switches"].(map[string]any); sw["pop3_pipelining"] != true {
		t.Errorf("switches = %v, want pop3_pipelining true", q["switches"])
	}
	if q["round_trips"].(float64) >= p["round_trips"].(float64) {
		t.Errorf("POP3 round trips: %v pipelined, %v plain; want fewer pipelined", q["round_trips"], p["round_trips"])
	}
}

func TestCompareHelpAfterScenario(t *testing.T) {
	code, out, _ := run(t, "compare", "two-devices", "--help")
	if code != ExitOK || !strings.Contains(out, "Usage: mailscope compare [flags] SCENARIO") || !strings.Contains(out, "compare two-devices --links adsl-8m --json") {
		t.Errorf("compare two-devices --help: exit %d, stdout:\n%s", code, out)
	}
}

func TestCompareUsageErrors(t *testing.T) {
	noUserScenarios(t)
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"no scenario", []string{"compare"}, []string{"which scenario"}},
		{"unknown scenario", []string{"compare", "nosuch"}, []string{`no scenario "nosuch"`, "dialup-morning", "leave-on-server"}},
		{"unknown link", []string{"compare", "two-devices", "--links", "adsl-8m,modem"}, []string{`no preset "modem"`, "dialup-56k", "fibre-1g"}},
		{"json and csv", []string{"compare", "two-devices", "--json", "--csv"}, []string{"--json and --csv"}},
		{"unknown protocol", []string{"compare", "two-devices", "--protocols", "smtp"}, []string{`unknown protocol "smtp"`}},
		{"unknown flag after scenario", []string{"compare", "two-devices", "--bogus"}, []string{"flag provided but not defined: -bogus"}},
		{"two scenarios", []string{"compare", "two-devices", "search"}, []string{`unexpected argument "search"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit = %d, want %d", code, ExitUsage)
			}
			for _, want := range tt.want {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if !strings.Contains(errOut, "Usage: mailscope compare") {
				t.Errorf("stderr lacks the usage:\n%s", errOut)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
}

// A teacher's scenario runs like a built-in one.
func TestCompareTeacherScenario(t *testing.T) {
	dir := t.TempDir()
	writeTeacherScenario(t, dir, "mine.yaml", "my-two")
	doc, _ := compareJSON(t, "compare", "my-two", "--dir", dir, "--links", "adsl-8m", "--json")
	runs := runsOf(t, doc)
	if doc["scenario"] != "my-two" || len(runs) != 2 || deviceOf(t, runs[1], "Laptop")["visible_messages"] != 15.0 {
		t.Errorf("compare my-two = %v", doc)
	}
}

// The real binary, as a user runs it: the search scenario's point is that
// a POP3 client must download everything to search it.
func TestCompareBinarySearchCSV(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("MAILSCOPE_REQUIRE_TOOLS") != "" {
			t.Fatalf("go not found on PATH, and MAILSCOPE_REQUIRE_TOOLS is set: %v", err)
		}
		t.Skip("go not found on PATH")
	}
	bin := filepath.Join(t.TempDir(), "mailscope")
	build := exec.Command(gobin, "build", "-o", bin, ".")
	build.Dir = filepath.Join("..", "..") // the repository root, where main.go is
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "compare", "search", "--links", "adsl-8m", "--csv")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mailscope compare search: %v\n%s", err, stderr.String())
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, out)
	}
	if len(rows) != 3 {
		t.Fatalf("%d CSV rows, want a header and 2:\n%s", len(rows), out)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	down := map[string]float64{}
	for _, row := range rows[1:] {
		if row[col["link"]] != "adsl-8m" {
			t.Errorf("row on link %q, want adsl-8m", row[col["link"]])
		}
		v, err := strconv.ParseFloat(row[col["wire_bytes_down"]], 64)
		if err != nil || v <= 0 {
			t.Fatalf("wire_bytes_down = %q", row[col["wire_bytes_down"]])
		}
		down[row[col["protocol"]]] = v
	}
	if down["pop3"] <= 3*down["imap"] {
		t.Errorf("wire bytes down: POP3 %v, IMAP %v; want POP3 more than 3× IMAP", down["pop3"], down["imap"])
	}
}
