package scenario

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// builtin holds the scenarios that ship with Mailscope. The number in
// each file name is its place in the list (the order of the lessons).
//
//go:embed builtin/*.yaml
var builtin embed.FS

// Catalogue is a list of scenarios, built in and added by the user.
type Catalogue struct {
	list []*Scenario
	// Origin says where each came from: "built-in" or a file path.
	origin map[string]string
}

// Builtin returns the scenarios that ship with Mailscope.
func Builtin() *Catalogue {
	c, err := load(builtin, "builtin", "built-in", nil)
	if err != nil {
		panic(err) // the embedded files are tested
	}
	return c
}

// Load returns the built-in scenarios plus every *.yaml file in dir (a
// teacher's own; "" for none). A file may replace a built-in scenario by
// using its id. A missing dir is not an error; a broken file is, naming
// the file.
func Load(dir string) (*Catalogue, error) {
	c := Builtin()
	if dir == "" {
		return c, nil
	}
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return c, nil
	}
	return load(os.DirFS(dir), ".", dir, c)
}

// DefaultDir is where a user's own scenarios live:
// $XDG_CONFIG_HOME/mailscope/scenarios (~/.config/... on Linux).
func DefaultDir() string {
	d, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "mailscope", "scenarios")
}

func load(fsys fs.FS, dir, origin string, base *Catalogue) (*Catalogue, error) {
	c := &Catalogue{origin: map[string]string{}}
	if base != nil {
		c.list = append(c.list, base.list...)
		for k, v := range base.origin {
			c.origin[k] = v
		}
	}
	names, err := fs.Glob(fsys, dir+"/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		sc, err := Parse(data)
		where := origin
		if base != nil {
			where = filepath.Join(origin, filepath.Base(name))
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if prev, ok := c.origin[sc.ID]; ok && prev != "built-in" {
			return nil, fmt.Errorf("%s: scenario %q is also defined in %s", where, sc.ID, prev)
		}
		c.replace(sc)
		c.origin[sc.ID] = where
	}
	return c, nil
}

func (c *Catalogue) replace(sc *Scenario) {
	for i, old := range c.list {
		if old.ID == sc.ID {
			c.list[i] = sc
			return
		}
	}
	c.list = append(c.list, sc)
}

// List returns the scenarios in order: built-in first, then the user's.
func (c *Catalogue) List() []*Scenario { return append([]*Scenario(nil), c.list...) }

// Origin says where a scenario came from: "built-in" or its file.
func (c *Catalogue) Origin(id string) string { return c.origin[id] }

// Get returns the scenario with the given id.
func (c *Catalogue) Get(id string) (*Scenario, error) {
	for _, sc := range c.list {
		if sc.ID == id {
			return sc, nil
		}
	}
	ids := make([]string, len(c.list))
	for i, sc := range c.list {
		ids[i] = sc.ID
	}
	return nil, fmt.Errorf("scenario: no scenario %q (have %s)", id, strings.Join(ids, ", "))
}
