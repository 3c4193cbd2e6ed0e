package lessons_test

import (
	"fmt"

	"github.com/mailscope/mailscope/lessons"
)

const pop3Basics = "---\n" + `id: pop3-basics
title: POP3 downloads, then deletes
order: 3
minutes: 10
level: beginner
objectives: [Say when POP3 removes a message from the server]
prerequisites: [journey]
claims: [pop3-delete]
steps:
  - id: fetch
    title: The Home PC checks its mail
    claims: [pop3-delete]
    action: {do: check-mail, with: {device: Home PC}}
    by: app
    watch: {trace: {protocol: pop3}, view: server, highlight: {verb: DELE}}
    check:
      kind: number
      question: How many DELE commands did the Home PC send?
      answer: trace.count(verb="DELE")
      tolerance: 0
      hints: [Filter the trace by DELE.]
      explanation: One DELE per message downloaded.
---
Text before the first step: the lesson's introduction.

## Step: fetch

The Home PC logs in, downloads each message and marks it deleted.
`

func ExampleParse() {
	cat := &lessons.Catalog{
		Actions: map[string]lessons.ActionSpec{
			"check-mail": {Params: []lessons.Param{{Name: "device", Type: lessons.String}}},
		},
		Funcs: map[string]lessons.FuncSpec{
			"trace.count": {Kw: []lessons.Param{{Name: "verb", Type: lessons.String}}, Result: lessons.Number},
		},
	}
	l, err := lessons.Parse("pop3-basics.md", []byte(pop3Basics), cat)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", l.Summary())

	// The runner's Env gives the run's values; here, a fixed one.
	env := lessons.StaticEnv{Funcs: map[string]func([]lessons.Value, map[string]lessons.Value) (lessons.Value, error){
		"trace.count": func([]lessons.Value, map[string]lessons.Value) (lessons.Value, error) { return lessons.Num(5), nil },
	}}
	r, _ := l.Steps[0].Check.Grade("5", env)
	fmt.Println(r.Correct, r.Expected, r.Explanation)

	_, err = lessons.Parse("mine.md", []byte(pop3Basics[:len("---\nid: pop3-basics\n")]+"title: [Mine\n---\n"), cat)
	fmt.Println(err)
	// Output:
	// {ID:pop3-basics Title:POP3 downloads, then deletes Minutes:10 Claims:[pop3-delete] Steps:1 Checks:1}
	// true 5 One DELE per message downloaded.
	// mine.md:3: broken YAML: did not find expected ',' or ']'
}
