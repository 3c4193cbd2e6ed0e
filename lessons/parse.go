package lessons

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Parse reads one lesson file and validates it against cat (nil checks
// the format and the expressions' syntax only). name is how errors name
// the file. Every mistake found is returned, as Errors. Checks that need
// the other lessons (unique ids, prerequisites) are LoadDir's.
func Parse(name string, data []byte, cat *Catalog) (*Lesson, error) {
	p := &fileParser{file: name, cat: cat}
	l := p.parse(data)
	if err := p.errs.err(); err != nil {
		return nil, err
	}
	return l, nil
}

type fileParser struct {
	file    string
	lineOff int // file line of the front matter's first line, minus 1
	cat     *Catalog
	errs    Errors
	keyOf   map[*yaml.Node]*yaml.Node // a mapping value's key
}

func (p *fileParser) errAt(line int, field, format string, a ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, a...)})
}

func (p *fileParser) errf(n *yaml.Node, field, format string, a ...any) {
	line := 0
	if n != nil {
		line = n.Line + p.lineOff
		// A block mapping or list starts on the line after its key;
		// "steps[0].check: missing answer" is about the key's line.
		if k := p.keyOf[n]; k != nil && n.Kind != yaml.ScalarNode {
			line = k.Line + p.lineOff
		}
	}
	p.errAt(line, field, format, a...)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// split separates the front matter from the body. It returns the YAML,
// the body, and the file line where the body starts.
func (p *fileParser) split(data []byte) (front []byte, body []string, bodyLine int, ok bool) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimRight(lines[0], " \t") != "---" {
		p.errAt(1, "", `no front matter: a lesson starts with a line "---", its YAML fields, and another "---"`)
		return nil, nil, 0, false
	}
	for i := 1; i < len(lines); i++ {
		if t := strings.TrimRight(lines[i], " \t"); t == "---" || t == "..." {
			return []byte(strings.Join(lines[1:i], "\n")), lines[i+1:], i + 2, true
		}
	}
	p.errAt(1, "", `front matter not closed: add a line "---" after the YAML fields`)
	return nil, nil, 0, false
}

func (p *fileParser) parse(data []byte) *Lesson {
	front, body, bodyLine, ok := p.split(data)
	if !ok {
		return nil
	}
	p.lineOff = 1
	var doc yaml.Node
	if err := yaml.Unmarshal(front, &doc); err != nil {
		msg := err.Error()
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
			// yaml.v3 counts a parser error's line from 0 (a scanner
			// error's, "found …", from 1).
			if strings.HasPrefix(msg, "did not find expected") || strings.HasPrefix(msg, "found a tab character") {
				line++
			}
			line += p.lineOff
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		p.errAt(line, "", "broken YAML: %s", msg)
		return nil
	}
	if len(doc.Content) == 0 {
		p.errAt(1, "", "the front matter is empty")
		return nil
	}
	root := doc.Content[0]
	l := &Lesson{File: p.file}
	m := p.mapping(root, "", []string{"id", "title", "order", "minutes", "level", "link", "objectives", "prerequisites", "claims", "steps"})
	if m == nil {
		return nil
	}
	l.ID = p.id(m, root, "id", "")
	if n := m["id"]; n != nil {
		l.idLine = n.Line + p.lineOff
	}
	l.Title = p.required(m, root, "title", "")
	l.Order = p.integer(m, root, "order", "", true)
	l.Minutes = p.integer(m, root, "minutes", "", true)
	if n := m["minutes"]; n != nil && l.Minutes != 0 && (l.Minutes < MinMinutes || l.Minutes > MaxMinutes) {
		p.errf(n, "minutes", "%d is out of range: a lesson takes %d to %d minutes", l.Minutes, MinMinutes, MaxMinutes)
	}
	l.Level = p.required(m, root, "level", "")
	if n := m["level"]; n != nil && l.Level != "" && !contains(Levels, l.Level) {
		p.errf(n, "level", "%q is not one of %s%s", l.Level, oneOf(Levels), didYouMean(l.Level, Levels))
	}
	if n := m["link"]; n != nil {
		l.Link = strings.TrimSpace(p.str(n, "link"))
		switch {
		case l.Link == "" && n.Kind == yaml.ScalarNode:
			p.errf(n, "link", "empty: name a link preset, or leave link out")
		case l.Link != "" && p.cat != nil && p.cat.Links != nil && !contains(p.cat.Links, l.Link):
			p.errf(n, "link", "%q is not one of %s%s", l.Link, oneOf(p.cat.Links), didYouMean(l.Link, p.cat.Links))
		}
	}
	l.Objectives = p.strings(m["objectives"], "objectives")
	if len(l.Objectives) == 0 {
		p.errf(orNode(m["objectives"], root), "objectives", "missing: list what the learner will be able to do")
	}
	if n := m["prerequisites"]; n != nil {
		l.Prerequisites = p.strings(n, "prerequisites")
		for i, c := range n.Content {
			if i < len(l.Prerequisites) {
				l.prereqLines = append(l.prereqLines, c.Line+p.lineOff)
				if !idPattern.MatchString(l.Prerequisites[i]) {
					p.errf(c, fmt.Sprintf("prerequisites[%d]", i), "%q is not a lesson id", l.Prerequisites[i])
				}
			}
		}
	}
	l.Claims = p.claims(m["claims"], "claims", nil)

	stepsNode := m["steps"]
	if stepsNode == nil || stepsNode.Kind != yaml.SequenceNode || len(stepsNode.Content) == 0 {
		p.errf(orNode(stepsNode, root), "steps", "missing: a lesson needs at least one step")
	} else {
		ids := map[string]int{}
		for i, sn := range stepsNode.Content {
			st := p.step(sn, fmt.Sprintf("steps[%d]", i), append([]string{}, l.Claims...))
			if st == nil {
				continue
			}
			if st.ID != "" {
				if prev, dup := ids[st.ID]; dup {
					p.errf(sn, fmt.Sprintf("steps[%d].id", i), "%q is also the id of steps[%d]", st.ID, prev)
				}
				ids[st.ID] = i
			}
			l.Steps = append(l.Steps, st)
		}
	}
	p.body(l, body, bodyLine, stepsNode)

	// Each claim of the lesson is taught by a step that checks it.
	if cn := m["claims"]; cn != nil && cn.Kind == yaml.SequenceNode {
		for i, c := range cn.Content {
			if !contains(l.Claims, c.Value) {
				continue // already reported
			}
			covered := false
			for _, st := range l.Steps {
				if st.checked && contains(st.Claims, c.Value) {
					covered = true
				}
			}
			if !covered {
				p.errf(c, fmt.Sprintf("claims[%d]", i), "%q is covered by no step with a check: add it to the claims of the step whose check teaches it", c.Value)
			}
		}
	}
	return l
}

// body assigns the "## Step: id" sections to their steps.
func (p *fileParser) body(l *Lesson, lines []string, firstLine int, stepsNode *yaml.Node) {
	type section struct {
		id   string
		line int
		text []string
	}
	var intro []string
	var secs []*section
	fence := ""
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
		} else if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = t[:3]
		} else if id, ok := stepHeading(line); ok {
			if f := strings.Fields(id); len(f) > 1 {
				p.errAt(firstLine+i, "## Step: "+id, `want "## Step: <step id>", the id alone (the title is the step's title:)`)
				id = f[0]
			}
			secs = append(secs, &section{id: id, line: firstLine + i})
			continue
		}
		if len(secs) == 0 {
			intro = append(intro, line)
		} else {
			s := secs[len(secs)-1]
			s.text = append(s.text, line)
		}
	}
	l.Intro = strings.TrimSpace(strings.Join(intro, "\n"))
	seen := map[string]int{}
	for _, s := range secs {
		field := "## Step: " + s.id
		if prev, dup := seen[s.id]; dup {
			p.errAt(s.line, field, "a second section for this step (the first is at line %d)", prev)
			continue
		}
		seen[s.id] = s.line
		st := l.Step(s.id)
		if st == nil {
			ids := make([]string, len(l.Steps))
			for i, x := range l.Steps {
				ids[i] = x.ID
			}
			p.errAt(s.line, field, "no step has the id %q%s", s.id, didYouMean(s.id, ids))
			continue
		}
		text := strings.TrimSpace(strings.Join(s.text, "\n"))
		if st.Narrative != "" {
			p.errAt(s.line, field, "the step already has a narrative in the front matter: keep one of the two")
			continue
		}
		st.Narrative = text
	}
	for i, st := range l.Steps {
		if st.Narrative == "" && st.ID != "" && stepsNode != nil && i < len(stepsNode.Content) {
			p.errf(stepsNode.Content[i], fmt.Sprintf("steps[%d].narrative", i), "missing: write a section \"## Step: %s\" below the front matter", st.ID)
		}
	}
}

var stepHeadingRE = regexp.MustCompile(`^##\s+[Ss]tep:\s*(.*?)\s*$`)

func stepHeading(line string) (string, bool) {
	m := stepHeadingRE.FindStringSubmatch(strings.TrimRight(line, " \t"))
	if m == nil {
		return "", false
	}
	return m[1], true
}

func (p *fileParser) step(n *yaml.Node, field string, lessonClaims []string) *Step {
	m := p.mapping(n, field, []string{"id", "title", "narrative", "claims", "action", "by", "watch", "check"})
	if m == nil {
		return nil
	}
	st := &Step{}
	st.ID = p.id(m, n, "id", field+".")
	st.Title = p.required(m, n, "title", field+".")
	if nn := m["narrative"]; nn != nil {
		st.Narrative = strings.TrimSpace(p.str(nn, field+".narrative"))
	}
	st.Claims = p.claims(m["claims"], field+".claims", lessonClaims)
	if an := m["action"]; an != nil {
		st.Action = p.action(an, field+".action")
	}
	if bn := m["by"]; bn != nil {
		st.By = p.str(bn, field+".by")
		switch {
		case st.By != ByApp && st.By != ByLearner:
			p.errf(bn, field+".by", "%q: want app (the app does the action) or learner (the learner does it and the app detects it)", st.By)
		case m["action"] == nil:
			p.errf(bn, field+".by", "there is no action to do")
		}
	} else if st.Action != nil {
		st.By = ByApp
	}
	if wn := m["watch"]; wn != nil {
		st.Watch = p.watch(wn, field+".watch")
	}
	if cn := m["check"]; cn != nil {
		st.Check = p.check(cn, field+".check")
		st.checked = true
	}
	return st
}

func (p *fileParser) action(n *yaml.Node, field string) *Action {
	m := p.mapping(n, field, []string{"do", "with"})
	if m == nil {
		return nil
	}
	a := &Action{With: map[string]Value{}}
	a.Do = p.required(m, n, "do", field+".")
	var spec ActionSpec
	known := true
	if p.cat != nil && a.Do != "" {
		var ok bool
		if spec, ok = p.cat.Actions[a.Do]; !ok {
			ids := sortedKeys(p.cat.Actions)
			p.errf(m["do"], field+".do", "unknown action %q%s; the lab offers %s", a.Do, didYouMean(a.Do, ids), strings.Join(ids, ", "))
			known = false
		}
	}
	wn := m["with"]
	if wn != nil && wn.Kind != yaml.MappingNode {
		p.errf(wn, field+".with", "want a mapping of parameters, such as {preset: dialup-56k}")
		wn = nil
	}
	if wn != nil {
		for i := 0; i+1 < len(wn.Content); i += 2 {
			k, v := wn.Content[i], wn.Content[i+1]
			f := field + ".with." + k.Value
			if _, dup := a.With[k.Value]; dup {
				p.errf(k, f, "given twice")
				continue
			}
			if p.cat == nil || !known {
				if v.Kind == yaml.SequenceNode {
					if val, ok := p.listValue(v, f, Param{Name: k.Value, Type: String, List: true}); ok {
						a.With[k.Value] = val
					}
					continue
				}
				if val, ok := p.scalarValue(v, f, Any); ok {
					a.With[k.Value] = val
				}
				continue
			}
			param, ok := findParam(spec.Params, k.Value)
			if !ok {
				names := make([]string, len(spec.Params))
				for j, q := range spec.Params {
					names[j] = q.Name
				}
				p.errf(k, f, "%s takes no parameter %q%s; it takes %s", a.Do, k.Value, didYouMean(k.Value, names), oneOf(names))
				continue
			}
			if param.List {
				if val, ok := p.listValue(v, f, param); ok {
					a.With[k.Value] = val
				}
				continue
			}
			val, ok := p.scalarValue(v, f, param.Type)
			if !ok {
				continue
			}
			if s, isStr := val.Text(); isStr && len(param.Enum) > 0 && !contains(param.Enum, s) {
				p.errf(v, f, "%q is not one of %s%s", s, oneOf(param.Enum), didYouMean(s, param.Enum))
				continue
			}
			a.With[k.Value] = val
		}
	}
	if p.cat != nil && known && a.Do != "" {
		for _, q := range spec.Params {
			if q.Optional {
				continue
			}
			if _, given := a.With[q.Name]; !given && (wn == nil || findKey(wn, q.Name) == nil) {
				p.errf(orNode(wn, n), field+".with", "%s needs %s", a.Do, q.Name)
			}
		}
	}
	return a
}

// listValue reads a List parameter: a YAML list of strings, or one
// string whose lines are the items; each item is checked against Enum.
func (p *fileParser) listValue(n *yaml.Node, field string, param Param) (Value, bool) {
	type item struct {
		text string
		node *yaml.Node
	}
	var items []item
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				p.errf(c, fmt.Sprintf("%s[%d]", field, i), "want text, not a list or mapping")
				return Value{}, false
			}
			items = append(items, item{c.Value, c})
		}
	case yaml.ScalarNode:
		for _, l := range strings.Split(strings.TrimRight(n.Value, "\n"), "\n") {
			items = append(items, item{l, n})
		}
	default:
		p.errf(n, field, "want a list of text, or a text")
		return Value{}, false
	}
	ok := true
	texts := make([]string, len(items))
	for i, it := range items {
		texts[i] = it.text
		if s := strings.TrimSpace(it.text); len(param.Enum) > 0 && !contains(param.Enum, s) {
			p.errf(it.node, field, "%q is not one of %s%s", s, oneOf(param.Enum), didYouMean(s, param.Enum))
			ok = false
		}
	}
	return Str(strings.Join(texts, "\n")), ok
}

func findParam(ps []Param, name string) (Param, bool) {
	for _, q := range ps {
		if q.Name == name {
			return q, true
		}
	}
	return Param{}, false
}

func findKey(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// scalarValue reads a YAML scalar as the given type (Any keeps YAML's own:
// numbers, booleans, else strings).
func (p *fileParser) scalarValue(n *yaml.Node, field string, t Type) (Value, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errf(n, field, "want a single value, not a list or mapping")
		return Value{}, false
	}
	switch t.Kind {
	case KindString:
		return Str(n.Value), true
	case KindNumber:
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil || n.Tag == "!!str" || math.IsNaN(f) || math.IsInf(f, 0) {
			p.errf(n, field, "%q: want a number", n.Value)
			return Value{}, false
		}
		return Num(f), true
	case KindBool:
		var b bool
		if err := n.Decode(&b); err != nil || n.Tag != "!!bool" {
			p.errf(n, field, "%q: want true or false", n.Value)
			return Value{}, false
		}
		return Bool(b), true
	case KindAny:
		switch n.Tag {
		case "!!int", "!!float":
			if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
				return Num(f), true
			}
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return Bool(b), true
			}
		}
		return Str(n.Value), true
	}
	p.errf(n, field, "the catalogue gives this parameter a %s type; actions take strings, numbers and bools", t)
	return Value{}, false
}

func (p *fileParser) watch(n *yaml.Node, field string) *Watch {
	m := p.mapping(n, field, []string{"trace", "view", "highlight"})
	if m == nil {
		return nil
	}
	w := &Watch{}
	if tn := m["trace"]; tn != nil {
		w.Trace = p.filter(tn, field+".trace")
	}
	if hn := m["highlight"]; hn != nil {
		w.Highlight = p.filter(hn, field+".highlight")
	}
	if vn := m["view"]; vn != nil {
		w.View = p.str(vn, field+".view")
		if p.cat != nil && p.cat.Views != nil && w.View != "" && !contains(p.cat.Views, w.View) {
			p.errf(vn, field+".view", "unknown view %q%s; the lab has %s", w.View, didYouMean(w.View, p.cat.Views), oneOf(p.cat.Views))
		}
	}
	return w
}

func (p *fileParser) filter(n *yaml.Node, field string) *Filter {
	if n.Kind == yaml.ScalarNode {
		if strings.TrimSpace(n.Value) == "" {
			p.errf(n, field, "empty filter")
			return nil
		}
		return &Filter{Text: n.Value}
	}
	if n.Kind != yaml.MappingNode {
		p.errf(n, field, "want filter text (\"DELE\") or fields ({verb: DELE, protocol: pop3})")
		return nil
	}
	var known []string
	if p.cat != nil && p.cat.TraceFields != nil {
		known = sortedKeys(p.cat.TraceFields)
	}
	f := &Filter{Fields: map[string]string{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kf := field + "." + k.Value
		if known != nil && !contains(known, k.Value) {
			p.errf(k, kf, "unknown trace field %q%s; filter by %s", k.Value, didYouMean(k.Value, known), oneOf(known))
			continue
		}
		val := p.str(v, kf)
		if known != nil {
			if allowed := p.cat.TraceFields[k.Value]; len(allowed) > 0 && !containsFold(allowed, val) {
				p.errf(v, kf, "%q is not one of %s%s", val, oneOf(allowed), didYouMean(val, allowed))
				continue
			}
		}
		f.Fields[k.Value] = val
	}
	if len(f.Fields) == 0 && len(n.Content) == 0 {
		p.errf(n, field, "empty filter")
	}
	return f
}

func (p *fileParser) check(n *yaml.Node, field string) *Check {
	m := p.mapping(n, field, []string{"kind", "question", "prompt", "hints", "explanation", "answer", "tolerance", "options", "accept", "concept", "goal"})
	if m == nil {
		return nil
	}
	c := &Check{}
	kinds := []string{string(CheckChoice), string(CheckNumber), string(CheckText), string(CheckTask)}
	c.Kind = CheckKind(p.required(m, n, "kind", field+"."))
	if c.Kind != "" && !contains(kinds, string(c.Kind)) {
		p.errf(m["kind"], field+".kind", "%q is not one of %s%s", c.Kind, oneOf(kinds), didYouMean(string(c.Kind), kinds))
		return nil
	}
	if qn := m["question"]; qn != nil {
		c.Question = strings.TrimSpace(p.str(qn, field+".question"))
	}
	if pn := m["prompt"]; pn != nil {
		c.Prompt = strings.TrimSpace(p.str(pn, field+".prompt"))
	}
	c.Hints = p.strings(m["hints"], field+".hints")
	if en := m["explanation"]; en != nil {
		c.Explanation = strings.TrimSpace(p.str(en, field+".explanation"))
	}
	if cn := m["concept"]; cn != nil {
		if err := cn.Decode(&c.Concept); err != nil || cn.Tag != "!!bool" {
			p.errf(cn, field+".concept", "want true or false")
		}
	}
	if c.Kind == "" {
		return nil
	}
	// Which fields each kind takes.
	allowed := map[CheckKind][]string{
		CheckNumber: {"answer", "tolerance"},
		CheckChoice: {"answer", "options"},
		CheckText:   {"answer", "accept"},
		CheckTask:   {"goal", "prompt"},
	}[c.Kind]
	for _, f := range []string{"answer", "tolerance", "options", "accept", "goal", "prompt"} {
		if m[f] != nil && !contains(allowed, f) {
			p.errf(m[f], field+"."+f, "a %s check has no %s (it takes %s)", c.Kind, f, strings.Join(allowed, " and "))
		}
	}
	if c.Kind != CheckTask && c.Question == "" {
		p.errf(orNode(m["question"], n), field+".question", "missing: what does the learner answer?")
	}
	// constant reports a literal answer where the run should speak.
	constant := func(x *Expr, node *yaml.Node, f string) {
		if x != nil && x.Constant && !c.Concept {
			p.errf(node, f, "%s is written into the lesson: an answer must come from the run (a name or a function of the lab); mark the check concept: true if it asks about the protocol itself", x.Src)
		}
	}
	switch c.Kind {
	case CheckNumber:
		c.Answer = p.expr(m["answer"], field+".answer", KindNumber)
		if m["answer"] == nil {
			p.errf(n, field+".answer", "missing: a number check needs answer: <expression>, such as trace.count(verb=\"RETR\")")
		}
		constant(c.Answer, m["answer"], field+".answer")
		if tn := m["tolerance"]; tn != nil {
			t, err := ParseTolerance(p.str(tn, field+".tolerance"))
			if err != nil {
				p.errf(tn, field+".tolerance", "%v", strings.TrimPrefix(err.Error(), "tolerance "))
			}
			c.Tolerance = t
		}
	case CheckChoice:
		on := m["options"]
		if on == nil || on.Kind != yaml.SequenceNode || len(on.Content) < 2 {
			p.errf(orNode(on, n), field+".options", "a choice check needs at least two options")
		} else {
			withCorrect := 0
			fromRun := false
			for i, o := range on.Content {
				of := fmt.Sprintf("%s.options[%d]", field, i)
				var opt Option
				if o.Kind == yaml.ScalarNode {
					opt.Text = o.Value
				} else if om := p.mapping(o, of, []string{"text", "correct"}); om != nil {
					opt.Text = p.required(om, o, "text", of+".")
					if cn := om["correct"]; cn != nil {
						withCorrect++
						opt.Correct = p.expr(cn, of+".correct", KindBool)
						if opt.Correct != nil && !opt.Correct.Constant {
							fromRun = true
						}
					}
				}
				c.Options = append(c.Options, opt)
			}
			switch {
			case m["answer"] != nil && withCorrect > 0:
				p.errf(m["answer"], field+".answer", "give either answer: or correct: on the options, not both")
			case m["answer"] != nil:
				c.Answer = p.expr(m["answer"], field+".answer", KindString)
				constant(c.Answer, m["answer"], field+".answer")
			case withCorrect == 0:
				p.errf(n, field+".answer", "missing: give each option correct: <expression>, or the check answer: <expression> yielding an option's text")
			case withCorrect < len(on.Content):
				for i, o := range c.Options {
					if o.Correct == nil && on.Content[i].Kind == yaml.MappingNode || o.Correct == nil && on.Content[i].Kind == yaml.ScalarNode {
						p.errf(on.Content[i], fmt.Sprintf("%s.options[%d].correct", field, i), "missing: when one option has correct:, every option needs it (false for one that is never right)")
					}
				}
			case !fromRun && !c.Concept:
				p.errf(on, field+".options", "every correct: is written into the lesson: at least one must come from the run; mark the check concept: true if it asks about the protocol itself")
			}
		}
	case CheckText:
		if an := m["answer"]; an != nil {
			c.Answer = p.expr(an, field+".answer", KindString)
			constant(c.Answer, an, field+".answer")
		}
		if acn := m["accept"]; acn != nil {
			c.Accept = p.strings(acn, field+".accept")
			if !c.Concept {
				p.errf(acn, field+".accept", "literal answers are allowed only for words of the protocol: mark the check concept: true, or compute the answer from the run with answer:")
			}
		}
		if m["answer"] == nil && len(c.Accept) == 0 && m["accept"] == nil {
			p.errf(n, field+".answer", "missing: a text check needs answer: <expression> (or accept: [...] with concept: true)")
		}
	case CheckTask:
		c.Goal = p.expr(m["goal"], field+".goal", KindBool)
		if m["goal"] == nil {
			p.errf(n, field+".goal", "missing: a task needs goal: <expression>, such as device(\"Laptop\").unread == 3")
		}
		constant(c.Goal, m["goal"], field+".goal")
		if c.Prompt == "" {
			p.errf(orNode(m["prompt"], n), field+".prompt", "missing: tell the learner what to do")
		}
	}
	return c
}

// expr compiles an expression field, checking it yields want.
func (p *fileParser) expr(n *yaml.Node, field string, want Kind) *Expr {
	if n == nil {
		return nil
	}
	src := p.str(n, field)
	if src == "" {
		if n.Kind == yaml.ScalarNode {
			p.errf(n, field, "empty expression")
		}
		return nil
	}
	x, err := Compile(src, p.cat)
	if err != nil {
		msg := exprMsg(err)
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 && strings.Contains(msg, "unknown name") {
			// answer: "DATA" reaches us as DATA: YAML took the quotes.
			msg += `; YAML took the quotes off: to compare with a string, quote the expression too, '"DATA"'`
		}
		p.errf(n, field, "%s", msg)
		return nil
	}
	if x.Type.Kind != want && x.Type.Kind != KindAny && !(want == KindString && x.Type.Kind == KindNumber) {
		p.errf(n, field, "%s yields a %s; want a %s", src, x.Type, want)
		return nil
	}
	return x
}

func exprMsg(err error) string {
	var ee *ExprError
	if errors.As(err, &ee) {
		return ee.Error()
	}
	return err.Error()
}

// mapping checks n is a mapping with only known keys, each once.
func (p *fileParser) mapping(n *yaml.Node, field string, known []string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		what := field
		if what == "" {
			what = "the front matter"
		}
		p.errf(n, field, "want a mapping of fields (key: value) for %s", what)
		return nil
	}
	m := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if p.keyOf == nil {
			p.keyOf = map[*yaml.Node]*yaml.Node{}
		}
		p.keyOf[v] = k
		f := k.Value
		if field != "" {
			f = field + "." + k.Value
		}
		if !contains(known, k.Value) {
			p.errf(k, f, "unknown field%s; %s has %s", didYouMean(k.Value, known), article(kindOf(field)), strings.Join(known, ", "))
			continue
		}
		if _, dup := m[k.Value]; dup {
			p.errf(k, f, "given twice")
			continue
		}
		m[k.Value] = v
	}
	return m
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

func kindOf(field string) string {
	if field == "" {
		return "lesson"
	}
	parts := strings.Split(indexRE.ReplaceAllString(field, ""), ".")
	switch last := parts[len(parts)-1]; last {
	case "steps":
		return "step"
	case "options":
		return "option"
	default:
		return last
	}
}

func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

func (p *fileParser) str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode {
		p.errf(n, field, "want text, not a list or mapping")
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func (p *fileParser) required(m map[string]*yaml.Node, parent *yaml.Node, key, prefix string) string {
	n := m[key]
	if n == nil {
		p.errf(parent, prefix+key, "missing")
		return ""
	}
	s := strings.TrimSpace(p.str(n, prefix+key))
	if s == "" && n.Kind == yaml.ScalarNode {
		p.errf(n, prefix+key, "empty")
	}
	return s
}

func (p *fileParser) id(m map[string]*yaml.Node, parent *yaml.Node, key, prefix string) string {
	n := m[key]
	if n == nil {
		p.errf(parent, prefix+key, "missing")
		return ""
	}
	s := p.str(n, prefix+key)
	if !idPattern.MatchString(s) {
		p.errf(n, prefix+key, "%q: want kebab-case (lower-case letters and digits, joined by dashes)", s)
		return ""
	}
	return s
}

func (p *fileParser) integer(m map[string]*yaml.Node, parent *yaml.Node, key, prefix string, required bool) int {
	n := m[key]
	if n == nil {
		if required {
			p.errf(parent, prefix+key, "missing")
		}
		return 0
	}
	var v int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		p.errf(n, prefix+key, "%q: want a whole number", n.Value)
		return 0
	}
	return v
}

func (p *fileParser) strings(n *yaml.Node, field string) []string {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errf(n, field, "want a list, such as [a, b]")
		return nil
	}
	var out []string
	for i, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			p.errf(c, fmt.Sprintf("%s[%d]", field, i), "want text")
			continue
		}
		out = append(out, c.Value)
	}
	return out
}

func (p *fileParser) claims(n *yaml.Node, field string, within []string) []string {
	if p.strings(n, field) == nil {
		return nil
	}
	var out []string
	for i, cn := range n.Content {
		c, f := cn.Value, fmt.Sprintf("%s[%d]", field, i)
		switch {
		case cn.Kind != yaml.ScalarNode:
			// reported by strings
		case !contains(ClaimIDs, c):
			p.errf(cn, f, "unknown claim %q%s; the claims are %s", c, didYouMean(c, ClaimIDs), strings.Join(ClaimIDs, ", "))
		case within != nil && !contains(within, c):
			p.errf(cn, f, "%q is not among the lesson's claims: add it there", c)
		default:
			out = append(out, c)
		}
	}
	return out
}

func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
