package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lessonrun"
)

func lessonsCommand() *Command {
	return &Command{
		Name:    "lessons",
		Args:    "[list | show ID | worksheet ID | run ID | run --all | check [DIR]]",
		Summary: "list, read, replay headless and check the lessons, built-in and your own",
		Long: `  mailscope lessons                 one row per lesson: id, minutes, steps, checks, title
  mailscope lessons show ID         the lesson's text: its title, objectives, introduction,
                                    and each step's title, narrative and question
  mailscope lessons worksheet ID    the lesson's worksheet for a class, to print: the steps
                                    and questions with room for the answers (never the
                                    answers: each learner's come from their own run); an
                                    HTML page on stdout, or --html FILE, or --pdf FILE;
                                    --key makes the teacher's key: the answers of one
                                    headless run (--link, --seed)
  mailscope lessons run ID          play the lesson headless on the virtual clock: every
  mailscope lessons run --all       step's action is done (the learner's too) and every
                                    check answered from the run, then graded to confirm;
                                    prints each question with the answer it computed
  mailscope lessons check [DIR]     validate the built-in lessons and those in DIR
                                    (default: --dir), every mistake as file:line: field: message

A lesson runs on a new lab with the default devices (Home PC over POP3,
deleting; Laptop and Phone over IMAP), starting on the link the lesson
names (link: in its front matter), else on ` + lessonrun.DefaultLink + `; --link starts
every lesson on the preset given instead. A step that sets the link
changes it from there. --seed seeds the mail a lesson generates and
the link's jitter: the same flags give the same answers.

Your own lessons are Markdown files (*.md) in --dir, written like the
built-in ones in the source tree (lessons/builtin/); one whose id is a
built-in lesson's replaces it. A mistake in any file stops every
subcommand until it is fixed; ` + "`mailscope lessons check`" + ` lists them all.

Exit status 1 when a lesson's action fails or a check cannot be answered
from its run (run), or a file has a mistake (check and the others).

Examples:
  mailscope lessons --json
  mailscope lessons show journey
  mailscope lessons worksheet journey --pdf journey.pdf --paper letter
  mailscope lessons run journey --link dialup-56k
  mailscope lessons run --all --json
  mailscope lessons check ./my-lessons`,
		Setup: func(fs *flag.FlagSet, env Env) func(context.Context, []string) error {
			dir := fs.String("dir", lessons.DefaultDir(), "`DIR` of your own lessons (*.md), besides the built-in ones")
			asJSON := fs.Bool("json", false, "print JSON (list and run)")
			linkID := fs.String("link", "", "run, worksheet --key: `ID` of the link preset the lab starts on, for every lesson (default: the lesson's own link, else "+lessonrun.DefaultLink+"; see mailscope presets)")
			seed := fs.Int64("seed", 1, "run: `N` seeds generated mail and the link's jitter")
			all := fs.Bool("all", false, "run: every lesson")
			pdfOut := fs.String("pdf", "", "worksheet: write it as a PDF to `FILE` (- for stdout)")
			htmlOut := fs.String("html", "", "worksheet: write the HTML page to `FILE` (default: stdout)")
			paper := fs.String("paper", "a4", "worksheet: the PDF's `SIZE`, a4 or letter")
			key := fs.Bool("key", false, "worksheet: a teacher's key instead: each answer from a headless run (on --link, --seed)")
			return func(_ context.Context, args []string) error {
				sub := "list"
				if len(args) > 0 {
					sub, args = args[0], args[1:]
				}
				// Flags may follow the subcommand and its argument:
				// lessons run journey --json.
				args, err := parseInterleaved(fs, args, env)
				if errors.Is(err, flag.ErrHelp) {
					return nil
				}
				if err != nil {
					return err
				}
				switch sub {
				case "list":
					if len(args) > 0 {
						return Usagef("unexpected argument %q", args[0])
					}
					set, err := loadLessons(*dir, env)
					if err != nil {
						return err
					}
					if *asJSON {
						return writeJSON(env.Stdout, set.Summaries())
					}
					return writeLessonsTable(env.Stdout, set)
				case "show":
					if len(args) != 1 {
						return Usagef("lessons show wants one lesson id")
					}
					set, err := loadLessons(*dir, env)
					if err != nil {
						return err
					}
					l, err := set.Get(args[0])
					if err != nil {
						return err
					}
					writeLessonText(env.Stdout, l)
					return nil
				case "worksheet":
					if *linkID != "" && !slices.Contains(lessonrun.PresetIDs(), *linkID) {
						return Usagef("--link %q: no such preset (have %s)", *linkID, strings.Join(lessonrun.PresetIDs(), ", "))
					}
					if len(args) != 1 {
						return Usagef("lessons worksheet wants one lesson id")
					}
					if *pdfOut != "" && *htmlOut != "" {
						return Usagef("lessons worksheet: --pdf or --html, not both")
					}
					if p := strings.ToLower(*paper); p != "a4" && p != "letter" {
						return Usagef("--paper %q: want a4 or letter", *paper)
					}
					set, err := loadLessons(*dir, env)
					if err != nil {
						return err
					}
					l, err := set.Get(args[0])
					if err != nil {
						return err
					}
					sheet := lessons.Worksheet(l)
					if *key {
						if err := addKey(sheet, l, lessonrun.Options{Link: *linkID, Seed: *seed}); err != nil {
							return err
						}
					}
					return writeWorksheet(env.Stdout, sheet, *pdfOut, *htmlOut, *paper)
				case "run":
					if *all == (len(args) == 1) || len(args) > 1 {
						return Usagef("lessons run wants one lesson id, or --all")
					}
					if *linkID != "" && !slices.Contains(lessonrun.PresetIDs(), *linkID) {
						return Usagef("--link %q: no such preset (have %s)", *linkID, strings.Join(lessonrun.PresetIDs(), ", "))
					}
					set, err := loadLessons(*dir, env)
					if err != nil {
						return err
					}
					list := set.List()
					if !*all {
						l, err := set.Get(args[0])
						if err != nil {
							return err
						}
						list = []*lessons.Lesson{l}
					}
					return runLessons(env.Stdout, list, lessonrun.Options{Link: *linkID, Seed: *seed}, *asJSON)
				case "check":
					if len(args) > 1 {
						return Usagef("lessons check wants at most one folder")
					}
					d := *dir
					if len(args) == 1 {
						d = args[0]
					}
					set, err := loadLessons(d, env)
					if err != nil {
						return err
					}
					fmt.Fprintf(env.Stdout, "%s ok\n", plural(len(set.List()), "lesson"))
					return nil
				}
				return Usagef("unknown subcommand %q (want list, show, worksheet, run or check)", sub)
			}
		},
	}
}

// parseInterleaved parses flags that come among positional arguments and
// returns the positional ones. A parse error is a usage error; -h prints
// the usage on stdout and returns flag.ErrHelp.
func parseInterleaved(fs *flag.FlagSet, args []string, env Env) ([]string, error) {
	var pos []string
	out := fs.Output()
	defer fs.SetOutput(out)
	fs.SetOutput(io.Discard)
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(env.Stdout)
				fs.Usage()
				return nil, err
			}
			return nil, Usagef("%v", err)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// loadLessons loads the built-in lessons and those in dir against the
// runner's catalogue. A mistake in any file is printed on stderr as
// file:line: field: message, and is an error.
func loadLessons(dir string, env Env) (*lessons.Set, error) {
	set, err := lessons.LoadDir(dir, lessonrun.Catalog())
	if err == nil {
		return set, nil
	}
	var es lessons.Errors
	if !errors.As(err, &es) {
		return nil, err
	}
	for _, e := range es {
		fmt.Fprintln(env.Stderr, e.Error())
	}
	return nil, fmt.Errorf("%s in the lesson files", plural(len(es), "mistake"))
}

func writeLessonsTable(w io.Writer, set *lessons.Set) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMINUTES\tSTEPS\tCHECKS\tTITLE")
	for _, s := range set.Summaries() {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", s.ID, s.Minutes, s.Steps, s.Checks, s.Title)
	}
	return tw.Flush()
}

// writeLessonText prints a lesson as a learner reads it, without the lab.
func writeLessonText(w io.Writer, l *lessons.Lesson) {
	fmt.Fprintf(w, "%s\n%s\n\n", l.Title, strings.Repeat("=", len([]rune(l.Title))))
	fmt.Fprintf(w, "%d minutes, %s. id %s", l.Minutes, l.Level, l.ID)
	if l.Link != "" {
		fmt.Fprintf(w, "; on %s", l.Link)
	}
	if len(l.Prerequisites) > 0 {
		fmt.Fprintf(w, "; after %s", strings.Join(l.Prerequisites, ", "))
	}
	fmt.Fprintln(w)
	if len(l.Objectives) > 0 {
		fmt.Fprintf(w, "\nYou will be able to:\n")
		for _, o := range l.Objectives {
			fmt.Fprintf(w, "  - %s\n", o)
		}
	}
	if intro := strings.TrimSpace(l.Intro); intro != "" {
		fmt.Fprintf(w, "\n%s\n", intro)
	}
	for i, st := range l.Steps {
		fmt.Fprintf(w, "\n%d. %s\n", i+1, st.Title)
		if n := strings.TrimSpace(st.Narrative); n != "" {
			fmt.Fprintf(w, "\n%s\n", n)
		}
		c := st.Check
		if c == nil {
			continue
		}
		if c.Kind == lessons.CheckTask {
			fmt.Fprintf(w, "\n  Do: %s\n", lessonrun.PlainText(c.Prompt))
			continue
		}
		fmt.Fprintf(w, "\n  Q: %s\n", lessonrun.PlainText(c.Question))
		for j, o := range c.Options {
			fmt.Fprintf(w, "     %d) %s\n", j+1, o.Text)
		}
	}
}

// addKey plays the lesson headless and writes each check's answer from
// that run into the sheet: a teacher's key. A run that fails is an error.
func addKey(s *lessons.Sheet, l *lessons.Lesson, o lessonrun.Options) error {
	rep, err := lessonrun.RunLesson(l, o)
	if err != nil {
		return err
	}
	answers := map[string]string{}
	for _, c := range rep.Checks {
		answers[c.Step] = c.Answer
	}
	s.AddKey(fmt.Sprintf("a headless run on %s, seed %d", rep.Link, o.Seed), answers)
	return nil
}

// writeWorksheet writes a worksheet as a PDF to pdfPath, or as HTML to
// htmlPath, or as HTML to stdout; "-" is stdout too.
func writeWorksheet(stdout io.Writer, s *lessons.Sheet, pdfPath, htmlPath, paper string) error {
	s.Paper = paper
	var buf bytes.Buffer
	path := htmlPath
	if pdfPath != "" {
		path = pdfPath
		if err := s.PDF(&buf); err != nil {
			return err
		}
	} else {
		buf.Write(s.HTML())
	}
	if path == "" || path == "-" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// LessonsRun is `mailscope lessons run --json`'s output.
type LessonsRun struct {
	Lessons []lessonrun.Report `json:"lessons"`
}

func runLessons(w io.Writer, list []*lessons.Lesson, o lessonrun.Options, asJSON bool) error {
	out := LessonsRun{Lessons: []lessonrun.Report{}}
	failed := 0
	for _, l := range list {
		rep, err := lessonrun.RunLesson(l, o)
		if err != nil {
			failed++
			if len(rep.Errors) == 0 { // the lab itself would not start
				rep.Errors = []string{err.Error()}
			}
		}
		out.Lessons = append(out.Lessons, rep)
		if !asJSON {
			writeLessonReport(w, rep)
		}
	}
	if asJSON {
		if err := writeJSON(w, out); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %s failed", failed, plural(len(list), "lesson"))
	}
	return nil
}

func writeLessonReport(w io.Writer, r lessonrun.Report) {
	state := "ok"
	if !r.OK {
		state = "FAILED"
	}
	fmt.Fprintf(w, "%s on %s: %s (%s, %.3f s simulated)\n", r.ID, r.Link, state, plural(len(r.Checks), "check"), r.SimSeconds)
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %s: %s\n       → %s\n", mark, c.Step, c.Question, c.Answer)
		if c.Error != "" {
			fmt.Fprintf(w, "       %s\n", c.Error)
		}
	}
	for _, e := range r.Faults {
		fmt.Fprintf(w, "  fault: %s\n", e)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
}
