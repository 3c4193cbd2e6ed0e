package lessons

import (
	"bytes"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

// needTool returns a tool's path, skipping the test when it is missing
// unless MAILSCOPE_REQUIRE_TOOLS is set (as app/cli's tests do).
func needTool(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("MAILSCOPE_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s not found on PATH, and MAILSCOPE_REQUIRE_TOOLS is set: %v", tool, err)
		}
		t.Skipf("%s not found on PATH", tool)
	}
	return p
}

var spaces = regexp.MustCompile(`\s+`)

func squash(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// secrets are what a worksheet must never print of a check: its hints,
// its explanation and its answer expressions.
func secrets(c *Check) []string {
	var out []string
	for _, h := range c.Hints {
		out = append(out, PlainText(h))
	}
	if c.Explanation != "" {
		out = append(out, PlainText(c.Explanation))
	}
	exprs := []*Expr{c.Answer, c.Goal}
	for _, o := range c.Options {
		exprs = append(exprs, o.Correct)
	}
	for _, e := range exprs {
		// A constant (correct: false) is a word any text may hold; an
		// expression that reads the run is not.
		if e != nil && strings.ContainsAny(e.String(), "(.") {
			out = append(out, e.String())
		}
	}
	return out
}

func builtinSet(t *testing.T) *Set {
	t.Helper()
	set, err := Builtin(testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	if len(set.List()) == 0 {
		t.Fatal("no built-in lessons")
	}
	return set
}

func TestWorksheetModel(t *testing.T) {
	for _, l := range builtinSet(t).List() {
		t.Run(l.ID, func(t *testing.T) {
			s := Worksheet(l)
			if s.Title != l.Title || s.Minutes != l.Minutes || len(s.Objectives) != len(l.Objectives) || len(s.Steps) != len(l.Steps) {
				t.Fatalf("Worksheet(%s) = %q %d min, %d objectives, %d steps; want %q %d, %d, %d",
					l.ID, s.Title, s.Minutes, len(s.Objectives), len(s.Steps), l.Title, l.Minutes, len(l.Objectives), len(l.Steps))
			}
			for i, st := range l.Steps {
				ss := s.Steps[i]
				if ss.N != i+1 || ss.Title != st.Title {
					t.Errorf("step %d = %d %q, want %d %q", i, ss.N, ss.Title, i+1, st.Title)
				}
				if len(ss.Body) == 0 && strings.TrimSpace(st.Narrative) != "" {
					t.Errorf("step %s: narrative lost", st.ID)
				}
				for _, b := range ss.Body {
					if b.Kind != BlockCode && strings.ContainsAny(b.Text, "*`") {
						t.Errorf("step %s: Markdown left in %q", st.ID, b.Text)
					}
				}
				if (st.Check == nil) != (ss.Question == nil) {
					t.Errorf("step %s: check %v, question %v", st.ID, st.Check != nil, ss.Question != nil)
					continue
				}
				if st.Check == nil {
					continue
				}
				q := ss.Question
				if q.Key != "" || s.KeyNote != "" {
					t.Errorf("step %s: a worksheet with a key %q (%q)", st.ID, q.Key, s.KeyNote)
				}
				if q.Text == "" || q.Instruction() == "" {
					t.Errorf("step %s: question %q, instruction %q", st.ID, q.Text, q.Instruction())
				}
				if len(q.Options) != len(st.Check.Options) {
					t.Errorf("step %s: %d options, want %d", st.ID, len(q.Options), len(st.Check.Options))
				}
				want := map[CheckKind]int{CheckNumber: 1, CheckText: 2}[st.Check.Kind]
				if q.Lines != want {
					t.Errorf("step %s (%s): %d answer lines, want %d", st.ID, st.Check.Kind, q.Lines, want)
				}
			}
		})
	}
}

func TestBlocks(t *testing.T) {
	md := "A **bold** start\nthat goes on.\n\n- one `item`\n- two\n  continued\n\n```\n  point  width\n  bridge 6.5\n```\n\n2. a step\n\n## A heading\n"
	got := Blocks(md)
	want := []Block{
		{BlockPara, "A bold start that goes on."},
		{BlockItem, "one item"},
		{BlockItem, "two continued"},
		{BlockCode, "  point  width\n  bridge 6.5"},
		{BlockItem, "2. a step"},
		{BlockPara, "A heading"},
	}
	if len(got) != len(want) {
		t.Fatalf("Blocks = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Blocks[%d] = %q, want %q", i, got[i], want[i])
		}
	}
}

var tags = regexp.MustCompile(`<[^>]*>`)

var questionDiv = regexp.MustCompile(`(?s)<div class="question".*?\n  </div>`)

func TestWorksheetHTML(t *testing.T) {
	for _, l := range builtinSet(t).List() {
		t.Run(l.ID, func(t *testing.T) {
			page := string(Worksheet(l).HTML())
			text := squash(html.UnescapeString(page))
			for _, want := range []string{"<!DOCTYPE html>", "@page", "break-inside: avoid", "Name <i></i>", "Date <i></i>"} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			for _, bad := range []string{"<script", "<link", "src=", "http://", "https://"} {
				if strings.Contains(page, bad) {
					t.Errorf("page is not self-contained: has %q", bad)
				}
			}
			if n := strings.Count(page, `<div class="question"`); n != Worksheet(l).Questions() {
				t.Errorf("%d question boxes, want %d", n, Worksheet(l).Questions())
			}
			blocks := questionDiv.FindAllString(page, -1)
			k := 0
			for _, st := range l.Steps {
				if !strings.Contains(text, squash(st.Title)) {
					t.Errorf("step %s: title %q missing", st.ID, st.Title)
				}
				c := st.Check
				if c == nil {
					continue
				}
				q := squash(PlainText(c.Question))
				if c.Kind == CheckTask {
					q = squash(PlainText(c.Prompt))
				}
				if !strings.Contains(text, q) {
					t.Errorf("step %s: question %q missing", st.ID, q)
				}
				for _, o := range c.Options {
					if !strings.Contains(text, squash(o.Text)) {
						t.Errorf("step %s: option %q missing", st.ID, o.Text)
					}
				}
				for _, s := range secrets(c) {
					if s != "" && strings.Contains(text, squash(s)) {
						t.Errorf("step %s: the page gives away %q", st.ID, s)
					}
				}
				if k >= len(blocks) {
					t.Fatalf("only %d question boxes found", len(blocks))
				}
				box := squash(html.UnescapeString(tags.ReplaceAllString(blocks[k], " ")))
				k++
				for _, a := range c.Accept {
					if !strings.Contains(strings.ToUpper(q), strings.ToUpper(a)) && strings.Contains(strings.ToUpper(box), strings.ToUpper(a)) {
						t.Errorf("step %s: the question's box gives away the answer %q: %s", st.ID, a, box)
					}
				}
			}
		})
	}
}

func TestWorksheetPDF(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	dir := t.TempDir()
	for _, paper := range []string{"A4", "Letter"} {
		for _, l := range builtinSet(t).List() {
			t.Run(paper+"/"+l.ID, func(t *testing.T) {
				s := Worksheet(l)
				s.Paper = paper
				var buf bytes.Buffer
				if err := s.PDF(&buf); err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
					t.Fatalf("not a PDF: %q", buf.Bytes()[:min(16, buf.Len())])
				}
				path := filepath.Join(dir, paper+"-"+l.ID+".pdf")
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(pdftotext, "-layout", path, "-").Output()
				if err != nil {
					t.Fatalf("pdftotext: %v", err)
				}
				pages := strings.Split(string(out), "\f")
				all := squash(string(out))
				info, _ := exec.Command(filepath.Join(filepath.Dir(pdftotext), "pdfinfo"), path).Output()
				wantSize := map[string]string{"A4": "595.28 x 841.89 pts (A4)", "Letter": "612 x 792 pts (letter)"}[paper]
				if len(info) > 0 && !strings.Contains(string(info), wantSize) {
					t.Errorf("pdfinfo: page size is not %s:\n%s", wantSize, info)
				}
				for _, want := range []string{squash(pdfText(l.Title)), "Name", "Date", "page 1 of"} {
					if !strings.Contains(all, want) {
						t.Errorf("PDF text lacks %q", want)
					}
				}
				for _, st := range l.Steps {
					c := st.Check
					if c == nil {
						continue
					}
					q := squash(pdfText(PlainText(c.Question)))
					if c.Kind == CheckTask {
						q = squash(pdfText(PlainText(c.Prompt)))
					}
					// The question and its options are on one page.
					page := -1
					for i, p := range pages {
						if strings.Contains(squash(p), q) {
							page = i
						}
					}
					if page < 0 {
						t.Errorf("step %s: question %q not in the PDF", st.ID, q)
						continue
					}
					for _, o := range c.Options {
						if !strings.Contains(squash(pages[page]), squash(pdfText(o.Text))) {
							t.Errorf("step %s: option %q not on the question's page %d", st.ID, o.Text, page+1)
						}
					}
					for _, s := range secrets(c) {
						if s != "" && strings.Contains(all, squash(pdfText(s))) {
							t.Errorf("step %s: the PDF gives away %q", st.ID, s)
						}
					}
				}
			})
		}
	}
}

func TestPDFTextIsCP1252(t *testing.T) {
	// Every character the built-in lessons use survives the core fonts'
	// encoding: none turns into fpdf's placeholder dot.
	tr := fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("cp1252")
	for _, l := range builtinSet(t).List() {
		page := string(Worksheet(l).HTML())
		for _, r := range html.UnescapeString(page) {
			if r < 0x80 {
				continue
			}
			if got := tr(pdfText(string(r))); strings.Contains(got, ".") {
				t.Errorf("%s: %q (U+%04X) prints as %q", l.ID, r, r, got)
			}
		}
	}
}

func TestWorksheetKey(t *testing.T) {
	l, err := builtinSet(t).Get("journey")
	if err != nil {
		t.Fatal(err)
	}
	s := Worksheet(l)
	answers := map[string]string{}
	for _, st := range s.Steps {
		if st.Question != nil {
			answers[st.ID] = "answer-of-" + st.ID
		}
	}
	s.AddKey("a test run", answers)
	page := html.UnescapeString(string(s.HTML()))
	if !strings.Contains(page, "teacher's key") || !strings.Contains(page, "a test run") || strings.Contains(page, "Name <i>") {
		t.Error("the key does not say it is one, or keeps the name line")
	}
	for id, a := range answers {
		if !strings.Contains(page, "Key: "+a) {
			t.Errorf("step %s: the key lacks %q", id, a)
		}
	}
	if n := strings.Count(page, `class="line"`); n != 0 {
		t.Errorf("the key has %d answer lines", n)
	}
	var buf bytes.Buffer
	if err := s.PDF(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(needTool(t, "pdftotext"), path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for id, a := range answers {
		if !strings.Contains(squash(string(out)), "Key: "+a) {
			t.Errorf("step %s: the PDF key lacks %q", id, a)
		}
	}
}
