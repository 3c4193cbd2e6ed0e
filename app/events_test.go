package app

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

var eventName = regexp.MustCompile(`^[a-z]+:[a-z]+$`)

func TestEventNamesAreDomainVerb(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range EventNames() {
		if !eventName.MatchString(n) {
			t.Errorf("event %q is not domain:verb", n)
		}
		if seen[n] {
			t.Errorf("event %q listed twice", n)
		}
		seen[n] = true
	}
}

// The frontend's copy of the event names must match this package's.
func TestEventNamesMirroredInFrontend(t *testing.T) {
	src, err := os.ReadFile("../frontend/src/lib/events.ts")
	if err != nil {
		t.Fatalf("reading the frontend's event list: %v", err)
	}
	// Values of the Events object: `Name: 'domain:verb',`.
	var ts []string
	for _, m := range regexp.MustCompile(`(?m)^\s*\w+:\s*'([a-z]+:[a-z]+)',`).FindAllSubmatch(src, -1) {
		ts = append(ts, string(m[1]))
	}
	goNames := EventNames()
	slices.Sort(ts)
	slices.Sort(goNames)
	if !slices.Equal(ts, goNames) {
		t.Errorf("events.ts has %v, events.go has %v", ts, goNames)
	}
}
