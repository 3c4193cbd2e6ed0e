package scenario

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
	}{
		{"0", 0}, {"", 0}, {"90", 90 * time.Second}, {"1.5", 1500 * time.Millisecond},
		{"2m", 2 * time.Minute}, {"8h30m", 8*time.Hour + 30*time.Minute},
		{"1d", 24 * time.Hour}, {"4d6h", 4*24*time.Hour + 6*time.Hour},
	} {
		got, err := ParseDuration(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"soon", "1x", "d", "2d3"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"2000", 2000}, {"50KB", 50_000}, {"50 kb", 50_000}, {"2KiB", 2048}, {"1.5MB", 1_500_000}, {"1MiB", 1 << 20}, {"12B", 12},
	} {
		got, err := ParseByteSize(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "KB", "-5", "5 bananas", "1.2.3MB"} {
		if _, err := ParseByteSize(bad); err == nil {
			t.Errorf("ParseByteSize(%q) accepted", bad)
		}
	}
}

const valid = `
id: my-class
title: My class
mailbox: {messages: 3}
devices: [{name: PC}]
steps:
  - {do: check, device: PC}
`

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"unknown field", valid + "colour: red\n", "line 8: unknown field colour"},
		{"bad id", strings.Replace(valid, "my-class", "My Class", 1), "lower-case"},
		{"no title", strings.Replace(valid, "title: My class", "", 1), "no title"},
		{"unknown action", strings.Replace(valid, "do: check", "do: fly", 1), `unknown action; want one of check, compose, delete, deliver, hangup`},
		{"unknown device", strings.Replace(valid, "device: PC}", "device: Mac}", 1), `unknown device "Mac"`},
		{"bad policy", strings.Replace(valid, "{name: PC}", "{name: PC, pop3: shred}", 1), `pop3 "shred"`},
		{"bad selector", strings.Replace(valid, "device: PC}", "device: PC, messages: some}", 1), `messages "some"`},
		{"bad duration", strings.Replace(valid, "device: PC}", "device: PC, at: soon}", 1), `duration "soon"`},
		{"watch without until", strings.Replace(valid, "do: check, device: PC", "do: watch, device: PC, every: 10m", 1), "no until"},
		{"deliver without count", valid + "  - {do: deliver, at: 1h}\n", "count must be at least 1"},
		{"no steps", strings.Split(valid, "steps:")[0], "no steps"},
		{"keyword without every", strings.Replace(valid, "{messages: 3}", "{messages: 3, keyword: x}", 1), "keyword"},
		{"unknown link", valid + "links: [adsl-8m, modem]\n", `links: link: no preset "modem"`},
		{"huge mailbox", strings.Replace(valid, "{messages: 3}", "{messages: 1000000}", 1), "out of 0..100000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse: %v; want an error containing %q", err, c.want)
			}
		})
	}
	if _, err := Parse([]byte(valid)); err != nil {
		t.Errorf("valid scenario: %v", err)
	}
}

func TestLoadTeacherScenarios(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("mine.yaml", valid)
	write("notes.txt", "not a scenario")
	// A teacher's file may replace a built-in one.
	write("search.yaml", strings.NewReplacer("my-class", "search", "My class", "Our search").Replace(valid))
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := len(Builtin().List())
	if got := len(c.List()); got != n+1 {
		t.Errorf("%d scenarios, want %d built-in + 1", got, n)
	}
	if sc, _ := c.Get("search"); sc == nil || sc.Title != "Our search" {
		t.Errorf("search not replaced by the teacher's file: %+v", sc)
	}
	if o := c.Origin("my-class"); o != filepath.Join(dir, "mine.yaml") {
		t.Errorf("origin %q", o)
	}
	if _, err := c.Get("nope"); err == nil || !strings.Contains(err.Error(), "my-class") {
		t.Errorf("Get(nope) = %v; want the list of ids", err)
	}

	write("again.yaml", valid) // the same id twice
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "also defined") {
		t.Errorf("duplicate id: %v", err)
	}
	os.Remove(filepath.Join(dir, "again.yaml"))
	write("broken.yaml", "id: [")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "broken.yaml") {
		t.Errorf("broken file: %v; want its name", err)
	}
	if c, err := Load(filepath.Join(dir, "missing")); err != nil || len(c.List()) != n {
		t.Errorf("missing dir: %v", err)
	}
}

func TestSelectors(t *testing.T) {
	for in, want := range map[string]string{"": "all 0", "all": "all 0", "unread": "unread 0", "first 3": "first 3", "last 2": "last 2", "found": "found 0"} {
		k, n, err := parseSelector(in)
		if err != nil || k+" "+strconv.Itoa(n) != want {
			t.Errorf("parseSelector(%q) = %s %d, %v", in, k, n, err)
		}
	}
}
