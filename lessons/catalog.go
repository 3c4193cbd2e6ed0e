package lessons

import (
	"fmt"
	"sort"
	"strings"
)

// Type describes a value in the catalogue: its kind and, for a record,
// the types of its members.
type Type struct {
	Kind    Kind
	Members map[string]Type
}

// The scalar types, for building a Catalog.
var (
	Number  = Type{Kind: KindNumber}
	String  = Type{Kind: KindString}
	Boolean = Type{Kind: KindBool}
	Any     = Type{Kind: KindAny}
)

// RecordOf describes a record with the given members.
func RecordOf(members map[string]Type) Type { return Type{Kind: KindRecord, Members: members} }

func (t Type) String() string { return t.Kind.String() }

// Param is one parameter of an action or a function.
type Param struct {
	Name string
	Type Type
	// Optional parameters may be left out; the others must be given.
	Optional bool
	// Enum, when not empty, lists the values a string parameter may
	// take (the link presets, the devices of the lab, the scenario ids).
	// A literal outside it is a load error.
	Enum []string
	// List lets a string parameter be given as a YAML list of strings,
	// each checked against Enum; the runner gets them joined by line
	// breaks, as if written one per line in a text ("|").
	List bool
	Doc  string
}

// ActionSpec describes one action a step may ask of the lab:
// {do: set-link, with: {preset: dialup-56k}}.
type ActionSpec struct {
	Doc string
	// Params are the keys allowed under with:, each with its type.
	Params []Param
}

// FuncSpec describes a function an expression may call:
// trace.count(verb="RETR"), device("Laptop").
type FuncSpec struct {
	Doc string
	// Args are the positional parameters, in order; optional ones last.
	Args []Param
	// Kw are the keyword parameters (name="value"), always optional.
	Kw []Param
	// Result is the type of the call; a record's members may be read
	// with a dot: device("Laptop").unread.
	Result Type
}

// Catalog is what a runner offers lessons: the actions a step may do, the
// named values of the run and the functions an expression may call. The
// loader validates every lesson against it; lessons hard-code none of
// these names.
type Catalog struct {
	Actions map[string]ActionSpec
	// Names are values read by a dotted path ("run.cost"). A name may
	// also be a record whose members are read with more dots.
	Names map[string]Type
	// Funcs are keyed by their dotted name ("trace.count", "device").
	Funcs map[string]FuncSpec
	// Views are the mailbox views a step may watch; nil leaves view:
	// unchecked.
	Views []string
	// TraceFields are the keys a structured trace filter may use
	// ({verb: DELE, protocol: pop3}), each with its allowed values (an
	// empty list allows any value); nil leaves them unchecked.
	TraceFields map[string][]string
	// Links are the link presets a lesson's link: may name; nil leaves
	// link: unchecked.
	Links []string
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// didYouMean returns ` (did you mean "x"?)` for the nearest candidate
// within a small edit distance, or "".
func didYouMean(word string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		lw, lc := strings.ToLower(word), strings.ToLower(c)
		d := editDistance(lw, lc)
		if len(lw) >= 3 && (strings.HasPrefix(lc, lw) || strings.HasPrefix(lw, lc)) {
			d = min(d, 1) // a name cut short or run on: link.rtt for link.rtt_ms
		}
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(word) <= 3 {
		limit = 1
	}
	if best == "" || bestD > limit {
		return ""
	}
	return ` (did you mean "` + best + `"?)`
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		if a == b {
			return 0
		}
		return 1 << 20
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func oneOf(list []string) string {
	if len(list) == 0 {
		return "(none)"
	}
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = `"` + s + `"`
	}
	return strings.Join(q, ", ")
}

// Validate reports mistakes in the catalogue itself, for the runner's
// tests: an optional positional argument before a required one, a
// parameter of no scalar type, an enum on a non-string, a name that is
// also a function, a result of no kind.
func (c *Catalog) Validate() error {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	scalar := func(t Type) bool {
		return t.Kind == KindNumber || t.Kind == KindString || t.Kind == KindBool || t.Kind == KindAny
	}
	params := func(where string, ps []Param, positional, action bool) {
		seen := map[string]bool{}
		optional := false
		for _, p := range ps {
			switch {
			case p.Name == "" || seen[p.Name]:
				bad("%s: parameter %q empty or repeated", where, p.Name)
			case !scalar(p.Type):
				bad("%s: parameter %s has type %s; want number, string, bool or any", where, p.Name, p.Type)
			case len(p.Enum) > 0 && p.Type.Kind != KindString:
				bad("%s: parameter %s has an enum but is not a string", where, p.Name)
			case p.List && (p.Type.Kind != KindString || !action):
				bad("%s: parameter %s is a list but not a string of an action", where, p.Name)
			case positional && optional && !p.Optional:
				bad("%s: required parameter %s after an optional one", where, p.Name)
			}
			seen[p.Name] = true
			optional = optional || p.Optional
		}
	}
	var typeOK func(where string, t Type)
	typeOK = func(where string, t Type) {
		if t.Kind <= KindInvalid || t.Kind > KindAny {
			bad("%s: no type", where)
		}
		for _, m := range sortedKeys(t.Members) {
			typeOK(where+"."+m, t.Members[m])
		}
	}
	for _, id := range sortedKeys(c.Actions) {
		if !idPattern.MatchString(id) {
			bad("action %q: want kebab-case", id)
		}
		params("action "+id, c.Actions[id].Params, false, true)
	}
	for _, n := range sortedKeys(c.Names) {
		typeOK("name "+n, c.Names[n])
		if _, ok := c.Funcs[n]; ok {
			bad("%s is both a name and a function", n)
		}
	}
	for _, f := range sortedKeys(c.Funcs) {
		spec := c.Funcs[f]
		params("function "+f, spec.Args, true, false)
		params("function "+f, spec.Kw, false, false)
		typeOK("function "+f+" result", spec.Result)
	}
	if len(errs) > 0 {
		return fmt.Errorf("lessons: catalogue: %s", strings.Join(errs, "; "))
	}
	return nil
}
