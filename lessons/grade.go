package lessons

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Tolerance is how far a number answer may be from the run's: an absolute
// amount (tolerance: 2) or a fraction of the expected value (tolerance:
// 5%). The zero Tolerance wants the exact number (up to float rounding).
type Tolerance struct {
	Abs float64
	Rel float64 // 0.05 for 5%
}

// ParseTolerance reads "2", "0.5" or "5%".
func ParseTolerance(s string) (Tolerance, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f < 0 || f > 100 || math.IsNaN(f) {
			return Tolerance{}, fmt.Errorf("tolerance %q: want a percentage from 0%% to 100%%", s)
		}
		return Tolerance{Rel: f / 100}, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return Tolerance{}, fmt.Errorf("tolerance %q: want a number such as 2, or a percentage such as 5%%", s)
	}
	return Tolerance{Abs: f}, nil
}

func (t Tolerance) String() string {
	if t.Rel > 0 {
		return "±" + FormatNumber(t.Rel*100) + "%"
	}
	return "±" + FormatNumber(t.Abs)
}

// Allows reports whether got is close enough to want.
func (t Tolerance) Allows(want, got float64) bool {
	limit := t.Abs
	if t.Rel > 0 {
		limit = t.Rel * math.Abs(want)
	}
	// Room for float rounding, so that 0.1+0.2 is 0.3.
	limit += 1e-9 * math.Max(1, math.Abs(want))
	return math.Abs(got-want) <= limit
}

// Result is the outcome of grading one answer.
type Result struct {
	Correct bool
	// Expected is the answer the run gives, for display: "3", "DATA",
	// "Only on the Home PC".
	Expected string
	// Options are a choice's right options (0-based), as the run decided.
	Options []int
	// Feedback says why an answer could not be read ("Enter a number."),
	// or that a task's goal is not met yet; empty otherwise.
	Feedback    string
	Explanation string
}

// Grade checks a learner's answer against the run. For a number the
// answer is a number ("1234", "1,234", "12.5", "12,5", "3 s"); for a
// choice, the numbers of the chosen options from 1 ("2", or "1,3" when
// several are right) or the text of one option; for text, a word compared
// without regard to case, spaces, quotes and a final full stop; a task
// ignores the answer and evaluates its goal. The answer is right when it
// matches exactly the options the run made right. An error means the run
// could not supply the answer (the Env failed, or no option came out
// right): the lesson, not the learner, is at fault.
func (c *Check) Grade(answer string, env Env) (Result, error) {
	r := Result{Explanation: c.Explanation}
	switch c.Kind {
	case CheckNumber:
		want, err := c.expectedNumber(env)
		if err != nil {
			return r, err
		}
		r.Expected = FormatNumber(want)
		got, ok := ParseNumberAnswer(answer)
		if !ok {
			r.Feedback = "Enter a number."
			return r, nil
		}
		r.Correct = c.Tolerance.Allows(want, got)
	case CheckChoice:
		right, err := c.rightOptions(env)
		if err != nil {
			return r, err
		}
		r.Options = right
		texts := make([]string, len(right))
		for i, o := range right {
			texts[i] = c.Options[o].Text
		}
		r.Expected = strings.Join(texts, "; ")
		chosen, ok := c.parseChoice(answer)
		if !ok {
			r.Feedback = fmt.Sprintf("Choose an option by its number, 1 to %d.", len(c.Options))
			return r, nil
		}
		r.Correct = sameInts(chosen, right)
	case CheckText:
		accept, err := c.acceptable(env)
		if err != nil {
			return r, err
		}
		r.Expected = accept[0]
		got := NormalizeText(answer)
		if got == "" {
			r.Feedback = "Enter an answer."
			return r, nil
		}
		for _, a := range accept {
			if NormalizeText(a) == got {
				r.Correct = true
			}
		}
	case CheckTask:
		v, err := c.Goal.Eval(env)
		if err != nil {
			return r, err
		}
		done, ok := v.Truth()
		if !ok {
			return r, fmt.Errorf("lessons: goal %s gave a %s, not a bool", c.Goal, v.Kind())
		}
		r.Correct, r.Expected = done, "done"
		if !done {
			r.Feedback = "Not yet."
		}
	default:
		return r, fmt.Errorf("lessons: unknown check kind %q", c.Kind)
	}
	return r, nil
}

// Solve returns an answer that Grade accepts, computed from the run: what
// a headless `mailscope lessons run` types in. A task has no answer to
// type (""): the runner must bring the lab to the goal and Grade then
// evaluates it.
func (c *Check) Solve(env Env) (string, error) {
	switch c.Kind {
	case CheckNumber:
		f, err := c.expectedNumber(env)
		if err != nil {
			return "", err
		}
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	case CheckChoice:
		right, err := c.rightOptions(env)
		if err != nil {
			return "", err
		}
		parts := make([]string, len(right))
		for i, o := range right {
			parts[i] = strconv.Itoa(o + 1)
		}
		return strings.Join(parts, ","), nil
	case CheckText:
		accept, err := c.acceptable(env)
		if err != nil {
			return "", err
		}
		return accept[0], nil
	case CheckTask:
		return "", nil
	}
	return "", fmt.Errorf("lessons: unknown check kind %q", c.Kind)
}

func (c *Check) expectedNumber(env Env) (float64, error) {
	v, err := c.Answer.Eval(env)
	if err != nil {
		return 0, err
	}
	f, ok := v.Number()
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("lessons: answer %s gave %s, not a number", c.Answer, v)
	}
	return f, nil
}

// rightOptions returns the options the run makes right, 0-based.
func (c *Check) rightOptions(env Env) ([]int, error) {
	var right []int
	if c.Answer != nil {
		v, err := c.Answer.Eval(env)
		if err != nil {
			return nil, err
		}
		want := NormalizeText(v.String())
		for i, o := range c.Options {
			if NormalizeText(o.Text) == want {
				right = append(right, i)
			}
		}
		if len(right) == 0 {
			return nil, fmt.Errorf("lessons: the run's answer %q is none of the options", v.String())
		}
		return right, nil
	}
	var errs []error
	for i, o := range c.Options {
		v, err := o.Correct.Eval(env)
		if err != nil {
			errs = append(errs, fmt.Errorf("option %d: %w", i+1, err))
			continue
		}
		b, ok := v.Truth()
		if !ok {
			errs = append(errs, fmt.Errorf("option %d: %s gave a %s, not a bool", i+1, o.Correct, v.Kind()))
			continue
		}
		if b {
			right = append(right, i)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(right) == 0 {
		return nil, errors.New("lessons: no option is right for this run")
	}
	return right, nil
}

func (c *Check) acceptable(env Env) ([]string, error) {
	var out []string
	if c.Answer != nil {
		v, err := c.Answer.Eval(env)
		if err != nil {
			return nil, err
		}
		out = append(out, v.String())
	}
	out = append(out, c.Accept...)
	if len(out) == 0 {
		return nil, errors.New("lessons: the check has no answer")
	}
	return out, nil
}

var choiceList = regexp.MustCompile(`^\s*\d+(\s*[,;\s]\s*\d+)*\s*$`)

func (c *Check) parseChoice(answer string) ([]int, bool) {
	if choiceList.MatchString(answer) {
		seen := map[int]bool{}
		var out []int
		for _, f := range strings.FieldsFunc(answer, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' }) {
			n, err := strconv.Atoi(f)
			if err != nil || n < 1 || n > len(c.Options) {
				return nil, false
			}
			if !seen[n-1] {
				seen[n-1] = true
				out = append(out, n-1)
			}
		}
		return out, len(out) > 0
	}
	want := NormalizeText(answer)
	for i, o := range c.Options {
		if NormalizeText(o.Text) == want {
			return []int{i}, true
		}
	}
	return nil, false
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[int]bool{}
	for _, x := range a {
		set[x] = true
	}
	for _, x := range b {
		if !set[x] {
			return false
		}
	}
	return true
}

// NormalizeText folds a text answer for comparison: lower case, runs of
// spaces as one, no surrounding quotes or backticks, no final full stop.
func NormalizeText(s string) string {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	s = strings.TrimSuffix(s, ".")
	s = strings.Trim(s, "\"'`“”‘’ ")
	return s
}

var (
	leadingNumber = regexp.MustCompile(`^[-+]?(\d+([.,]\d+)?|[.,]\d+)`)
	thousands     = regexp.MustCompile(`^[-+]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?`)
	spaced        = regexp.MustCompile(`^[-+]?[1-9]\d{0,2}( \d{3})+\b`)
)

// ParseNumberAnswer reads a learner's number: "1234", "1 234", "1,234"
// (thousands), "12.5" or "12,5" (decimal comma), with an optional unit
// after it ("3 s", "62 kB" reads 3 and 62).
func ParseNumberAnswer(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	// "1 234" with a space between groups of three.
	if m := spaced.FindString(s); m != "" {
		s = strings.ReplaceAll(m, " ", "") + s[len(m):]
	}
	var num string
	if m := thousands.FindString(s); m != "" {
		num = strings.ReplaceAll(m, ",", "")
		s = s[len(m):]
	} else if m := leadingNumber.FindString(s); m != "" {
		num = strings.Replace(m, ",", ".", 1)
		s = s[len(m):]
	} else {
		return 0, false
	}
	// What follows must be a unit or nothing, not more digits.
	if rest := strings.TrimSpace(s); rest != "" && !(rest[0] >= 'a' && rest[0] <= 'z' || rest[0] >= 'A' && rest[0] <= 'Z' || rest[0] == '%') {
		return 0, false
	}
	f, err := strconv.ParseFloat(num, 64)
	return f, err == nil
}
