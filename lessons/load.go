package lessons

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// builtin holds the lessons that ship with Mailscope, one file each; the
// number in a file's name is only for people, the order is the lesson's.
//
//go:embed builtin/*.md
var builtin embed.FS

// builtinPrefix is how errors name an embedded file: its place in the
// source tree.
const builtinPrefix = "lessons/"

// DefaultDir is where a teacher's own lessons live:
// $XDG_CONFIG_HOME/mailscope/lessons (~/.config/mailscope/lessons on Linux).
func DefaultDir() string {
	d, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "mailscope", "lessons")
}

// Builtin returns the built-in lessons, validated against cat.
func Builtin(cat *Catalog) (*Set, error) { return LoadDir("", cat) }

// LoadDir returns the built-in lessons plus every lesson file (*.md) in
// dir, validated against cat; dir "" or a missing dir adds none. A file
// whose id is a built-in lesson's replaces it. README.md and files whose
// name starts with "_" or "." are not lessons.
//
// The error, if any, is Errors: every mistake of every file, each with
// its file, line and field. The Set is returned even then, holding the
// lessons without mistakes, so that a player can offer those.
func LoadDir(dir string, cat *Catalog) (*Set, error) {
	var files []source
	names, err := fs.Glob(builtin, "builtin/*.md")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		data, err := builtin.ReadFile(n)
		if err != nil {
			return nil, err
		}
		files = append(files, source{name: builtinPrefix + n, data: data, builtin: true})
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("lessons: %w", err)
		}
		for _, e := range entries {
			n := e.Name()
			if e.IsDir() || path.Ext(n) != ".md" || strings.EqualFold(n, "README.md") || strings.HasPrefix(n, "_") || strings.HasPrefix(n, ".") {
				continue
			}
			full := filepath.Join(dir, n)
			data, err := os.ReadFile(full)
			if err != nil {
				return nil, fmt.Errorf("lessons: %w", err)
			}
			files = append(files, source{name: full, data: data})
		}
	}
	return load(files, cat)
}

// LoadFS is LoadDir over any file system (a teacher's folder in a zip, a
// test's fstest.MapFS): the built-in lessons plus every *.md in fsys's
// root.
func LoadFS(fsys fs.FS, cat *Catalog) (*Set, error) {
	var files []source
	names, _ := fs.Glob(builtin, "builtin/*.md")
	for _, n := range names {
		data, _ := builtin.ReadFile(n)
		files = append(files, source{name: builtinPrefix + n, data: data, builtin: true})
	}
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if strings.EqualFold(n, "README.md") || strings.HasPrefix(n, "_") || strings.HasPrefix(n, ".") {
			continue
		}
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("lessons: %w", err)
		}
		files = append(files, source{name: n, data: data})
	}
	return load(files, cat)
}

type source struct {
	name    string
	data    []byte
	builtin bool
}

type parsed struct {
	src    source
	lesson *Lesson // nil when the file did not parse far enough for an id
	id     string
	errs   Errors
}

func load(files []source, cat *Catalog) (*Set, error) {
	sort.SliceStable(files, func(i, j int) bool {
		if files[i].builtin != files[j].builtin {
			return files[i].builtin
		}
		return files[i].name < files[j].name
	})
	var all []*parsed
	byID := map[string]*parsed{}
	for _, f := range files {
		p := &fileParser{file: f.name, cat: cat}
		l := p.parse(f.data)
		r := &parsed{src: f, lesson: l, errs: p.errs}
		if l != nil {
			l.Builtin = f.builtin
			r.id = l.ID
		}
		if r.id != "" {
			if prev, ok := byID[r.id]; ok {
				if prev.src.builtin && !f.builtin {
					// A teacher's file replaces the built-in lesson, and
					// with it that file's mistakes.
					prev.lesson, prev.errs, prev.id = nil, nil, ""
				} else {
					r.errs = append(r.errs, &Error{File: f.name, Line: l.idLine, Field: "id", Msg: fmt.Sprintf("%q is also the id of %s", r.id, prev.src.name)})
					all = append(all, r)
					continue
				}
			}
			byID[r.id] = r
		}
		all = append(all, r)
	}

	// Prerequisites name lessons of the set, without a cycle.
	lessons := map[string]*Lesson{}
	for _, r := range all {
		if r.lesson != nil && r.id != "" {
			lessons[r.id] = r.lesson
		}
	}
	ids := sortedKeys(lessons)
	for _, r := range all {
		l := r.lesson
		if l == nil || r.id == "" {
			continue
		}
		for i, pre := range l.Prerequisites {
			line := 0
			if i < len(l.prereqLines) {
				line = l.prereqLines[i]
			}
			field := fmt.Sprintf("prerequisites[%d]", i)
			switch {
			case pre == l.ID:
				r.errs = append(r.errs, &Error{File: l.File, Line: line, Field: field, Msg: "a lesson cannot be its own prerequisite"})
			case lessons[pre] == nil:
				r.errs = append(r.errs, &Error{File: l.File, Line: line, Field: field, Msg: fmt.Sprintf("no lesson %q%s", pre, didYouMean(pre, ids))})
			default:
				if cycle := findCycle(lessons, l.ID, pre); cycle != nil {
					r.errs = append(r.errs, &Error{File: l.File, Line: line, Field: field, Msg: "prerequisites form a cycle: " + strings.Join(cycle, " → ")})
				}
			}
		}
	}

	set := &Set{}
	var errs Errors
	for _, r := range all {
		errs = append(errs, r.errs...)
		if r.lesson != nil && r.id != "" && len(r.errs) == 0 {
			set.list = append(set.list, r.lesson)
		}
	}
	set.sort()
	return set, errs.err()
}

// findCycle returns from → to → … → from when to leads back to from.
func findCycle(lessons map[string]*Lesson, from, to string) []string {
	seen := map[string]bool{}
	var walk func(id string, path []string) []string
	walk = func(id string, path []string) []string {
		if id == from {
			return append(path, id)
		}
		if seen[id] || lessons[id] == nil {
			return nil
		}
		seen[id] = true
		for _, next := range lessons[id].Prerequisites {
			if c := walk(next, append(path, id)); c != nil {
				return c
			}
		}
		return nil
	}
	return walk(to, []string{from})
}
