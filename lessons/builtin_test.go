package lessons

import (
	"encoding/json"
	"slices"
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

// The course's lessons sit at their place, on their link, each step with
// its story and each question, hint and explanation a sentence; together
// they check every claim of the article.
func TestBuiltinCourse(t *testing.T) {
	set, err := Builtin(testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	if u := set.UncoveredClaims(); len(u) > 0 {
		t.Errorf("claims no built-in check covers: %v", u)
	}
	for _, tt := range []struct {
		id     string
		order  int
		link   string
		claims []string
	}{
		{"journey", 1, "", []string{"smtp-server", "clients"}},
		{"smtp-by-hand", 2, "", []string{"smtp-server"}},
		{"pop3-delete", 3, "", []string{"pop3-delete"}},
		{"imap-state", 5, "", []string{"imap-server-state"}},
		{"dialup-vs-broadband", 8, "dialup-56k", []string{"dialup-vs-broadband"}},
		{"too-simple", 10, "", []string{"too-simple"}},
		{"push-or-poll", 11, "", []string{"clients"}},
		{"passwords", 12, "", []string{"smtp-server", "clients"}},
	} {
		l, err := set.Get(tt.id)
		if err != nil {
			t.Errorf("%s: %v", tt.id, err)
			continue
		}
		if l.Order != tt.order || l.Link != tt.link || l.Intro == "" {
			t.Errorf("%s: order %d, link %q, intro %q; want order %d, link %q", tt.id, l.Order, l.Link, l.Intro, tt.order, tt.link)
		}
		for _, c := range tt.claims {
			if !slices.Contains(l.Claims, c) {
				t.Errorf("%s: claims %v, want %s among them", tt.id, l.Claims, c)
			}
		}
		for _, st := range l.Steps {
			if st.Narrative == "" {
				t.Errorf("%s/%s has no narrative", tt.id, st.ID)
			}
			if c := st.Check; c != nil {
				for _, h := range append(c.Hints, c.Question, c.Explanation) {
					if r := []rune(h + " ")[0]; h != "" && !unicode.IsUpper(r) && !unicode.IsDigit(r) {
						t.Errorf("%s/%s: %q does not start a sentence", tt.id, st.ID, h)
					}
				}
				if c.Explanation == "" {
					t.Errorf("%s/%s: a check without an explanation", tt.id, st.ID)
				}
			}
		}
	}
}
