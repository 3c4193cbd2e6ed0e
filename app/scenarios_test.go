package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim/scenario"
)

// dialogRuntime is a recorder that also "opens" save dialogs: each answers
// with the next path in paths ("" = cancelled) and remembers the name it
// was offered.
type dialogRuntime struct {
	recorder
	paths   []string
	offered []string
}

func (d *dialogRuntime) SaveFileDialog(_ context.Context, name string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.offered = append(d.offered, name)
	if len(d.paths) == 0 {
		return "", nil
	}
	p := d.paths[0]
	d.paths = d.paths[1:]
	return p, nil
}

func TestScenariosList(t *testing.T) {
	a := newApp(t, &recorder{})
	list, err := a.Scenarios.List()
	if err != nil {
		t.Fatal(err)
	}
	var two *ScenarioDTO
	for i := range list {
		if list[i].ID == "two-devices" {
			two = &list[i]
		}
	}
	if two == nil {
		t.Fatalf("List() has no two-devices: %+v", list)
	}
	if two.Title == "" || two.Claim == "" || two.Teaches == "" || two.Steps != 3 || two.Origin != "built-in" ||
		strings.Join(two.Devices, ",") != "Home PC,Laptop" || len(two.Links) == 0 {
		t.Errorf("two-devices = %+v", *two)
	}
	// The JSON is camelCase for the UI.
	b, _ := json.Marshal(two)
	for _, k := range []string{`"id"`, `"claim"`, `"teaches"`, `"devices"`, `"steps"`, `"origin"`, `"imapHeadersThenBodies"`} {
		if !bytes.Contains(b, []byte(k)) {
			t.Errorf("ScenarioDTO JSON lacks %s: %s", k, b)
		}
	}
}

func TestScenariosCompare(t *testing.T) {
	a := newApp(t, &recorder{})
	got, err := a.Scenarios.Compare(CompareRequestDTO{ID: "two-devices", Links: []string{"adsl-8m"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Runs) != 2 {
		t.Fatalf("%d runs, want 2", len(got.Runs))
	}
	// The comparison names its scenario as the picker lists it.
	list, err := a.Scenarios.List()
	if err != nil {
		t.Fatal(err)
	}
	var listed *ScenarioDTO
	for i := range list {
		if list[i].ID == "two-devices" {
			listed = &list[i]
		}
	}
	if listed == nil || !reflect.DeepEqual(got.Scenario, *listed) {
		t.Errorf("scenario = %+v, want %+v as List has it", got.Scenario, listed)
	}
	want := map[string]int{"pop3": 0, "imap": 15}
	for _, r := range got.Runs {
		if r.Link.ID != "adsl-8m" {
			t.Errorf("%s run on link %q", r.Protocol, r.Link.ID)
		}
		laptop := -1
		for _, d := range r.Devices {
			if d.Name == "Laptop" {
				laptop = d.Visible
			}
		}
		if w, ok := want[r.Protocol]; !ok || laptop != w {
			t.Errorf("%s: the laptop lists %d, want %d", r.Protocol, laptop, w)
		}
		if r.Totals.SimSeconds <= 0 || r.Totals.WireDown <= 0 || r.Totals.RoundTrips <= 0 || len(r.Steps) != 3 {
			t.Errorf("%s: totals %+v, %d steps", r.Protocol, r.Totals, len(r.Steps))
		}
		if s := r.Steps[2]; s.Device != "Laptop" || s.Do != "check" || s.StartSeconds < 7200 || s.EndSeconds < s.StartSeconds || s.Note == "" || s.Lists != want[r.Protocol] {
			t.Errorf("%s: step 3 = %+v", r.Protocol, s)
		}
		ev := r.Lane.Events
		if ev.N == 0 || len(ev.AtUs) != ev.N || len(ev.Text) != ev.N || len(ev.Dir) != ev.N || r.Lane.Truncated || r.Lane.Total != ev.N {
			t.Fatalf("%s: lane of %d events (total %d, truncated %v)", r.Protocol, ev.N, r.Lane.Total, r.Lane.Truncated)
		}
		for i := 1; i < ev.N; i++ {
			if ev.AtUs[i] < ev.AtUs[i-1] {
				t.Fatalf("%s: lane event %d at %v µs before event %d at %v µs", r.Protocol, i, ev.AtUs[i], i-1, ev.AtUs[i-1])
			}
		}
		masked := false
		for i, text := range ev.Text {
			if strings.Contains(text, "secret") {
				t.Errorf("%s: lane event %d shows the password: %q", r.Protocol, i, text)
			}
			if (ev.Flags[i]-'0')&traceFlagMasked != 0 {
				masked = true
			}
		}
		if !masked {
			t.Errorf("%s: no lane event is marked masked (the login)", r.Protocol)
		}
		if len(r.Lane.Sessions) != 2 {
			t.Errorf("%s: %d sessions, want 2 (one per device)", r.Protocol, len(r.Lane.Sessions))
		}
		for _, s := range r.Lane.Sessions {
			if s.Protocol != r.Protocol || (s.Device != "Home PC" && s.Device != "Laptop") || s.EndUs <= s.StartUs || s.WireDown <= 0 {
				t.Errorf("%s: session %+v", r.Protocol, s)
			}
		}
	}
	// Errors name what was wrong.
	if _, err := a.Scenarios.Compare(CompareRequestDTO{ID: "nope"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown scenario: %v", err)
	}
	if _, err := a.Scenarios.Compare(CompareRequestDTO{ID: "two-devices", Links: []string{"carrier-pigeon"}}); err == nil || !strings.Contains(err.Error(), "carrier-pigeon") {
		t.Errorf("unknown link: %v", err)
	}
}

func TestScenariosExport(t *testing.T) {
	dir := t.TempDir()
	csvPath, pngPath := filepath.Join(dir, "r.csv"), filepath.Join(dir, "c.png")
	rt := &dialogRuntime{paths: []string{csvPath, pngPath, ""}}
	a := newApp(t, rt)
	req := CompareRequestDTO{ID: "two-devices", Links: []string{"adsl-8m"}}

	p, err := a.Scenarios.ExportCSV(req)
	if err != nil || p != csvPath {
		t.Fatalf("ExportCSV = %q, %v", p, err)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "scenario" || rows[1][1] != "pop3" || rows[2][1] != "imap" {
		t.Errorf("CSV rows = %q", rows)
	}
	if len(rt.offered) != 1 || !strings.HasSuffix(rt.offered[0], ".csv") || !strings.Contains(rt.offered[0], "two-devices") {
		t.Errorf("dialog offered %q", rt.offered)
	}

	img := append([]byte("\x89PNG\r\n\x1a\n"), []byte("not really pixels")...)
	p, err = a.Scenarios.SavePNG("two devices/charts", "data:image/png;base64,"+base64.StdEncoding.EncodeToString(img))
	if err != nil || p != pngPath {
		t.Fatalf("SavePNG = %q, %v", p, err)
	}
	if b, _ := os.ReadFile(pngPath); !bytes.Equal(b, img) {
		t.Errorf("SavePNG wrote %q, want %q", b, img)
	}
	if rt.offered[1] != "charts.png" {
		t.Errorf("dialog offered %q for the PNG", rt.offered[1])
	}
	// Cancelled: no path, no error.
	if p, err := a.Scenarios.SavePNG("x", base64.StdEncoding.EncodeToString(img)); p != "" || err != nil {
		t.Errorf("cancelled SavePNG = %q, %v", p, err)
	}
	if _, err := a.Scenarios.SavePNG("x", base64.StdEncoding.EncodeToString([]byte("GIF89a"))); err == nil {
		t.Error("SavePNG accepted a GIF")
	}
	if _, err := a.Scenarios.SavePNG("x", "%%%"); err == nil {
		t.Error("SavePNG accepted bad base64")
	}

	// The download and the file written hold the same CSV as the dialog's.
	want, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	x, err := a.Scenarios.ExportCSVData(req)
	if err != nil || !strings.HasPrefix(x.Name, "mailscope-compare-two-devices-") || !strings.HasSuffix(x.Name, ".csv") {
		t.Fatalf("ExportCSVData = %+v, %v", x, err)
	}
	if data, err := base64.StdEncoding.DecodeString(x.Base64); err != nil || !bytes.Equal(data, want) || x.Bytes != len(want) {
		t.Errorf("ExportCSVData = %d bytes (%v), base64 of %q; want the %d bytes ExportCSV wrote", x.Bytes, err, data, len(want))
	}
	to := filepath.Join(dir, "b.csv")
	if err := a.Scenarios.ExportCSVTo(req, to); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(to); err != nil || !bytes.Equal(data, want) {
		t.Errorf("ExportCSVTo wrote %q (%v), want %q", data, err, want)
	}

	// Without a window there is no dialog: say so.
	b := newApp(t, NopRuntime{})
	if _, err := b.Scenarios.ExportCSV(req); err == nil {
		t.Error("ExportCSV without a window should fail")
	}
}

// Exporting the comparison just made reuses its results: the CSV comes
// without a second run. Another request runs once, and is then reused too.
func TestScenariosExportReusesTheComparison(t *testing.T) {
	a := newApp(t, &recorder{})
	runs := 0
	run := a.Scenarios.run
	a.Scenarios.run = func(ctx context.Context, sc *scenario.Scenario, o scenario.CompareOptions) ([]*scenario.Result, error) {
		runs++
		return run(ctx, sc, o)
	}
	csvOf := func(req CompareRequestDTO) []byte {
		t.Helper()
		x, err := a.Scenarios.ExportCSVData(req)
		if err != nil {
			t.Fatalf("ExportCSVData(%+v): %v", req, err)
		}
		data, err := base64.StdEncoding.DecodeString(x.Base64)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	req := CompareRequestDTO{ID: "two-devices", Links: []string{"adsl-8m", "dialup-56k"}}
	shown, err := a.Scenarios.Compare(req)
	if err != nil || runs != 1 {
		t.Fatalf("Compare: %d runs, %v; want 1", runs, err)
	}
	afterCompare := csvOf(CompareRequestDTO{ID: req.ID, Links: []string{"adsl-8m", "dialup-56k"}})
	if runs != 1 {
		t.Errorf("the CSV export after Compare ran the comparison again (%d runs, want 1)", runs)
	}
	rows, err := csv.NewReader(bytes.NewReader(afterCompare)).ReadAll()
	if err != nil || len(rows) != len(shown.Runs)+1 {
		t.Fatalf("CSV of %d rows (%v), want a header and the %d runs Compare showed", len(rows), err, len(shown.Runs))
	}
	for i, r := range shown.Runs {
		if row := rows[i+1]; row[1] != r.Protocol || row[2] != r.Link.ID {
			t.Errorf("CSV row %d = %q, want the %s run on %s", i+1, row, r.Protocol, r.Link.ID)
		}
	}

	// Another request: the links in another order, or other switches.
	other := CompareRequestDTO{ID: req.ID, Links: []string{"dialup-56k", "adsl-8m"}}
	fresh := csvOf(other)
	if runs != 2 {
		t.Errorf("exporting another request: %d runs, want 2", runs)
	}
	if bytes.Equal(fresh, afterCompare) {
		t.Error("the links in another order gave the same CSV: the cached one")
	}
	csvOf(other)
	if runs != 2 {
		t.Errorf("exporting the same request twice: %d runs, want 2", runs)
	}
	piped := other
	piped.Switches.POP3Pipelining = true
	csvOf(piped)
	if runs != 3 {
		t.Errorf("exporting with another switch: %d runs, want 3", runs)
	}

	// What is reused is what a run without traces gives.
	b := newApp(t, &recorder{})
	if want, _ := b.Scenarios.ExportCSVData(req); want.Base64 != base64.StdEncoding.EncodeToString(afterCompare) {
		t.Errorf("the CSV reused after Compare differs from a fresh export's")
	}
}

// Switching the race's link reruns the comparison on the mailbox already
// generated: the service keeps one bounded cache across comparisons.
func TestScenariosKeepTheGeneratedMailbox(t *testing.T) {
	a := newApp(t, &recorder{})
	for _, l := range []string{"adsl-8m", "dialup-56k", "adsl-8m"} {
		if _, err := a.Scenarios.Compare(CompareRequestDTO{ID: "two-devices", Links: []string{l}}); err != nil {
			t.Fatal(err)
		}
	}
	if n, b := a.Scenarios.mail.Len(), a.Scenarios.mail.Bytes(); n != 1 || b == 0 {
		t.Errorf("after three comparisons of one scenario the cache holds %d mailboxes (%d bytes), want 1", n, b)
	}
	if _, err := a.Scenarios.Compare(CompareRequestDTO{ID: "search", Links: []string{"adsl-8m"}}); err != nil {
		t.Fatal(err)
	}
	if n := a.Scenarios.mail.Len(); n != 2 {
		t.Errorf("after a second scenario the cache holds %d mailboxes, want 2", n)
	}
}
