package lessons

import (
	"encoding/json"
	"testing"
	"unicode"
)

func TestBuiltinLoads(t *testing.T) {
	for _, cat := range []*Catalog{testCatalog(), nil} {
		set, err := Builtin(cat)
		if err != nil {
			t.Fatalf("Builtin(catalog=%v):\n%v", cat != nil, err)
		}
		l, err := set.Get("journey")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(l.Steps); n < 5 || n > 10 {
			t.Errorf("journey has %d steps, want 5 to 10", n)
		}
		for _, id := range []string{"journey", "pop3-delete", "offline-reading", "imap-state", "folders-search", "two-devices", "capacity"} {
			l, err := set.Get(id)
			if err != nil {
				t.Error(err)
				continue
			}
			if l.Intro == "" {
				t.Errorf("%s has no intro", id)
			}
			checks := 0
			for _, st := range l.Steps {
				if st.Narrative == "" {
					t.Errorf("%s: step %s has no narrative", id, st.ID)
				}
				if c := st.Check; c != nil {
					checks++
					// A comma in a YAML flow list splits a hint in two.
					for _, h := range append(c.Hints, c.Question, c.Explanation) {
						if h != "" && !unicode.IsUpper([]rune(h)[0]) {
							t.Errorf("%s: step %s: %q does not start a sentence", id, st.ID, h)
						}
					}
				}
			}
			if checks < 4 {
				t.Errorf("%s has %d checks, want several", id, checks)
			}
		}
	}
}

func TestSummaryJSON(t *testing.T) {
	set, err := Builtin(testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(set.Summaries()[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"journey","title":"A message's journey: client → SMTP → mailbox → POP3 or IMAP client","minutes":10,"claims":["smtp-server","clients","pop3-download","pop3-delete","imap-server-state"],"steps":9,"checks":7}`
	if string(b) != want {
		t.Errorf("Summary JSON =\n%s\nwant\n%s", b, want)
	}
}
