package scenario

import (
	"context"
	"os"
	"testing"
)

func TestExplore(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		t.Skip()
	}
	for _, sc := range Builtin().List() {
		rs, err := Compare(context.Background(), sc, CompareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		WriteTable(os.Stdout, sc, rs)
		for _, r := range rs {
			for _, s := range r.Steps {
				t.Logf("%s %s %s step %d %s %s: %.1f-%.1f %s", sc.ID, r.Protocol, r.Link.ID, s.Index, s.Device, s.Do, s.StartSeconds, s.EndSeconds, s.Outcome)
			}
		}
	}
}
