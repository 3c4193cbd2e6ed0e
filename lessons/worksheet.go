package lessons

import (
	"strings"
)

// Sheet is a lesson's worksheet for a class: what the learner reads and
// every question with room for the answer, never the answers themselves
// (they come from each learner's own run, so there are none to print).
// HTML and PDF render the same Sheet.
type Sheet struct {
	ID         string
	Title      string
	Minutes    int
	Level      string
	Objectives []string
	Intro      []Block
	Steps      []SheetStep
	// KeyNote, when set, makes this a teacher's key rather than a
	// worksheet: it says where the answers come from ("a headless run on
	// adsl-8m, seed 1"). Worksheet never sets it; see AddKey.
	KeyNote string
	// Paper is the PDF's page size: "A4" (the zero value) or "Letter".
	// The HTML leaves the size to the printer and keeps margins that suit
	// both.
	Paper string
}

// BlockKind is the kind of a Block of narrative.
type BlockKind string

// The kinds of Block.
const (
	BlockPara BlockKind = "p"   // a paragraph
	BlockItem BlockKind = "li"  // one item of a list
	BlockCode BlockKind = "pre" // a fenced code block, verbatim
)

// Block is one paragraph, list item or code block of a narrative, as
// plain text: the Markdown's emphasis, code spans and link targets are
// gone.
type Block struct {
	Kind BlockKind
	Text string
}

// SheetStep is one step of the worksheet.
type SheetStep struct {
	ID    string
	N     int // from 1
	Title string
	Body  []Block
	// Look says where to look in the lab ("the trace: protocol=pop3; the
	// server's view"); empty when the step names nothing.
	Look     string
	Question *SheetQuestion // nil: the step asks nothing
}

// SheetQuestion is a step's check as the worksheet asks it.
type SheetQuestion struct {
	Kind CheckKind
	// Text is the question, or for a task its prompt, as plain text.
	Text string
	// Options are a choice's options, in the lesson's order, each printed
	// with a box to tick.
	Options []string
	// Several is true for a choice whose options each decide from the
	// run whether they are right: more than one may be.
	Several bool
	// Lines is how many ruled lines to leave for the answer: one for a
	// number, two for a text answer, none for a choice or a task.
	Lines int
	// Key is a teacher's key's answer, from one run; always empty on a
	// worksheet.
	Key string
}

// AddKey turns the sheet into a teacher's key: answers holds, by step
// id, the answer one run of the lab gave (the lessons' runner makes them:
// this package cannot run a lesson), and note says which run. The
// learners' own runs may give other numbers.
func (s *Sheet) AddKey(note string, answers map[string]string) {
	s.KeyNote = note
	for i := range s.Steps {
		if q := s.Steps[i].Question; q != nil {
			q.Key = answers[s.Steps[i].ID]
		}
	}
}

// Instruction is the line printed under a question that says how to
// answer it.
func (q *SheetQuestion) Instruction() string {
	switch q.Kind {
	case CheckChoice:
		if q.Several {
			return "Tick every box that is true for your run."
		}
		return "Tick one box."
	case CheckNumber:
		return "Write the number your run shows."
	case CheckText:
		return "Write your answer."
	case CheckTask:
		return "Tick the box when the lab shows it."
	}
	return ""
}

// Worksheet makes the worksheet of a lesson: its title, minutes, level
// and objectives, and per step its title, its narrative as plain
// paragraphs and its question. Answers, hints and explanations are left
// out.
func Worksheet(l *Lesson) *Sheet {
	s := &Sheet{
		ID: l.ID, Title: l.Title, Minutes: l.Minutes, Level: l.Level,
		Objectives: append([]string{}, l.Objectives...),
		Intro:      Blocks(l.Intro),
	}
	for i, st := range l.Steps {
		ss := SheetStep{ID: st.ID, N: i + 1, Title: st.Title, Body: Blocks(st.Narrative), Look: look(st.Watch)}
		if c := st.Check; c != nil {
			q := &SheetQuestion{Kind: c.Kind, Text: PlainText(c.Question)}
			switch c.Kind {
			case CheckChoice:
				for _, o := range c.Options {
					q.Options = append(q.Options, PlainText(o.Text))
					if o.Correct != nil {
						q.Several = true
					}
				}
			case CheckNumber:
				q.Lines = 1
			case CheckText:
				q.Lines = 2
			case CheckTask:
				q.Text = PlainText(c.Prompt)
				if c.Question != "" {
					q.Text = PlainText(c.Question) + " " + q.Text
				}
			}
			ss.Question = q
		}
		s.Steps = append(s.Steps, ss)
	}
	return s
}

// Questions counts the steps that ask something.
func (s *Sheet) Questions() int {
	n := 0
	for _, st := range s.Steps {
		if st.Question != nil {
			n++
		}
	}
	return n
}

// look says in words what a step's watch points at.
func look(w *Watch) string {
	if w == nil {
		return ""
	}
	var parts []string
	if f := w.Trace.String(); f != "" {
		parts = append(parts, "the trace, filtered by "+f)
	}
	if f := w.Highlight.String(); f != "" {
		parts = append(parts, "the highlighted lines ("+f+")")
	}
	switch w.View {
	case "":
	case "server":
		parts = append(parts, "the server's mailboxes")
	default:
		parts = append(parts, "the "+w.View+"'s mailboxes")
	}
	return strings.Join(parts, "; ")
}

// Blocks splits Markdown into plain paragraphs, list items and code
// blocks: blank lines end a paragraph, "- ", "* " and "1. " start a list
// item, and ``` fences keep their lines verbatim. Headings become
// paragraphs.
func Blocks(md string) []Block {
	var out []Block
	var para []string
	kind := BlockPara
	flush := func() {
		if len(para) > 0 {
			if t := PlainText(strings.Join(para, " ")); t != "" {
				out = append(out, Block{Kind: kind, Text: t})
			}
		}
		para, kind = nil, BlockPara
	}
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~") {
			flush()
			fence := trim[:3]
			var code []string
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), fence); i++ {
				code = append(code, lines[i])
			}
			out = append(out, Block{Kind: BlockCode, Text: strings.Join(code, "\n")})
			continue
		}
		if trim == "" {
			flush()
			continue
		}
		if item, ok := listItem(trim); ok {
			flush()
			kind = BlockItem
			para = []string{item}
			continue
		}
		para = append(para, strings.TrimLeft(trim, "#> "))
	}
	flush()
	return out
}

// listItem reports whether a line starts a list item, and its text.
func listItem(line string) (string, bool) {
	if strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "+ ") {
		return line[2:], true
	}
	n := 0
	for n < len(line) && line[n] >= '0' && line[n] <= '9' {
		n++
	}
	if n > 0 && n < 4 && strings.HasPrefix(line[n:], ". ") {
		return line, true // the number stays: the order may matter
	}
	return "", false
}
