package lessonrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
)

// Every built-in lesson runs to the end on the default link and on the
// modem, and lessons 3 and 5 give the answers their text promises, the
// same on both: what they count follows from the protocols.
func TestBuiltinLessonsOnTwoLinks(t *testing.T) {
	set, err := lessons.Builtin(Catalog())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"pop3-delete": {
			"download":      "3",
			"inbox-empty":   "0",
			"broken-check":  "1", // the short message's DELE, before the long one broke
			"nothing-lost":  "Still in the INBOX on the server",
			"count-removed": "0",
			"commit-word":   "QUIT",
			"bytes-before":  "1500", // the fault's after=
		},
		"imap-state": {
			"laptop-check": "3",
			"read-one":     "2",
			"flag-one":     "1",
			"where-seen":   "In the mailbox on the server",
			"phone-check":  "done",
			"phone-unread": "2",
		},
	}
	ids := map[string]bool{}
	for _, l := range set.List() {
		ids[l.ID] = true
		for _, preset := range []string{DefaultLink, "dialup-56k"} {
			rep, err := RunLesson(l, Options{Link: preset})
			if err != nil {
				t.Errorf("%s on %s: %v", l.ID, preset, err)
				continue
			}
			if !rep.OK || len(rep.Checks) == 0 {
				t.Errorf("%s on %s: %+v", l.ID, preset, rep)
			}
			got := answers(rep)
			for step, a := range want[l.ID] {
				if got[step] != a {
					t.Errorf("%s on %s: step %s answered %q, want %q", l.ID, preset, step, got[step], a)
				}
			}
			if l.ID == "pop3-delete" && (len(rep.Faults) != 1 || !strings.Contains(rep.Faults[0], "step broken-check: check-mail") || !strings.Contains(rep.Faults[0], "RETR 2")) {
				t.Errorf("%s on %s: faults %q, want the broken check cut off in RETR 2", l.ID, preset, rep.Faults)
			}
		}
	}
	for id := range want {
		if !ids[id] {
			t.Errorf("no built-in lesson %s", id)
		}
	}
}

// cut removes the text from the line that starts with from up to (not
// including) the line that starts with to.
func cut(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	j := strings.Index(s[i+1:], to)
	if i < 0 || j < 0 {
		t.Fatalf("no %q … %q", from, to)
	}
	return s[:i] + s[i+1+j:]
}

// Lesson 3 without its fault: the Home PC's second check ends with QUIT,
// the server removes both messages, and the lesson's claim that nothing
// was lost has no right answer: its answers come from the run.
func TestPop3DeleteNeedsTheFault(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "lessons", "builtin", "03-pop3-delete.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := cut(t, string(b), "  - id: break-the-line\n", "  - id: broken-check\n")
	text = cut(t, text, "## Step: break-the-line\n", "## Step: broken-check\n")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "03-pop3-delete.md"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := lessons.LoadDir(dir, Catalog())
	if err != nil {
		t.Fatal(err)
	}
	l, err := set.Get("pop3-delete")
	if err != nil || l.Builtin || len(l.Steps) != 10 {
		t.Fatalf("the copy: %v, %+v", err, l)
	}
	rep, err := RunLesson(l, Options{})
	if err == nil || rep.OK || len(rep.Faults) != 0 {
		t.Fatalf("RunLesson without the fault = %+v, %v; want it to fail", rep, err)
	}
	got := answers(rep)
	if !strings.Contains(err.Error(), "step nothing-lost") || got["broken-check"] != "2" || got["count-removed"] != "2" {
		t.Errorf("without the fault: %v, answers %v; want nothing-lost unanswerable, 2 DELE and 2 removed", err, got)
	}
}
