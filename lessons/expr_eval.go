package lessons

import (
	"errors"
	"fmt"
	"strings"
)

// Env gives an expression the values of a run. The runner implements it
// over a live lab; StaticEnv serves tests and fixed snapshots.
type Env interface {
	// Name returns a named value by its catalogue path ("run.cost").
	Name(path string) (Value, error)
	// Call calls a catalogue function with its evaluated arguments.
	Call(fn string, args []Value, kw map[string]Value) (Value, error)
}

// StaticEnv is an Env over fixed values and Go functions.
type StaticEnv struct {
	Names map[string]Value
	Funcs map[string]func(args []Value, kw map[string]Value) (Value, error)
}

// Name implements Env.
func (e StaticEnv) Name(path string) (Value, error) {
	v, ok := e.Names[path]
	if !ok {
		return Value{}, fmt.Errorf("no value %q", path)
	}
	return v, nil
}

// Call implements Env.
func (e StaticEnv) Call(fn string, args []Value, kw map[string]Value) (Value, error) {
	f, ok := e.Funcs[fn]
	if !ok {
		return Value{}, fmt.Errorf("no function %q", fn)
	}
	return f(args, kw)
}

// Expr is a compiled expression: parsed once at load, checked against a
// catalogue, evaluated as often as the runner likes.
type Expr struct {
	Src  string
	Root Node
	// Type is what the expression yields, as far as the catalogue says.
	Type Type
	// Constant is true when the expression reads nothing from the run
	// (no name, no function): the loader refuses such answers unless the
	// check is marked concept: true.
	Constant bool
}

func (x *Expr) String() string { return x.Src }

// Compile parses src and checks every name, function, keyword and member
// against cat. A nil cat checks the syntax only, and Eval then asks the
// Env for every dotted path whole.
func Compile(src string, cat *Catalog) (*Expr, error) {
	root, err := ParseExpr(src)
	if err != nil {
		return nil, err
	}
	c := checker{cat: cat, constant: true}
	t, err := c.check(root)
	if err != nil {
		return nil, err
	}
	return &Expr{Src: src, Root: root, Type: t, Constant: c.constant}, nil
}

type checker struct {
	cat      *Catalog
	constant bool
}

func (c *checker) check(n Node) (Type, error) {
	switch n := n.(type) {
	case *Lit:
		return Type{Kind: n.Val.Kind()}, nil
	case *Name:
		c.constant = false
		return c.name(n)
	case *Call:
		c.constant = false
		return c.call(n)
	case *Member:
		t, err := c.check(n.X)
		if err != nil {
			return Type{}, err
		}
		return member(t, n.Name, n.X.String(), n.At)
	case *Unary:
		t, err := c.check(n.X)
		if err != nil {
			return Type{}, err
		}
		want := Boolean
		if n.Op == "-" {
			want = Number
		}
		if err := expect(t, want.Kind, n.X, fmt.Sprintf("%q", n.Op)); err != nil {
			return Type{}, err
		}
		return want, nil
	case *Binary:
		lt, err := c.check(n.L)
		if err != nil {
			return Type{}, err
		}
		rt, err := c.check(n.R)
		if err != nil {
			return Type{}, err
		}
		switch n.Op {
		case "and", "or":
			if err := expect(lt, KindBool, n.L, n.Op); err != nil {
				return Type{}, err
			}
			return Boolean, expect(rt, KindBool, n.R, n.Op)
		case "+", "-", "*", "/", "<", "<=", ">", ">=":
			if err := expect(lt, KindNumber, n.L, fmt.Sprintf("%q", n.Op)); err != nil {
				return Type{}, err
			}
			if err := expect(rt, KindNumber, n.R, fmt.Sprintf("%q", n.Op)); err != nil {
				return Type{}, err
			}
			if cmpOps[n.Op] {
				return Boolean, nil
			}
			return Number, nil
		case "==", "!=":
			if lt.Kind != KindAny && rt.Kind != KindAny && lt.Kind != rt.Kind {
				return Type{}, &ExprError{n.At, fmt.Sprintf("%q compares a %s (%s) with a %s (%s)", n.Op, lt, n.L, rt, n.R)}
			}
			if lt.Kind == KindRecord || rt.Kind == KindRecord {
				return Type{}, &ExprError{n.At, fmt.Sprintf("%q cannot compare records; compare one of their members", n.Op)}
			}
			return Boolean, nil
		}
	}
	return Type{}, &ExprError{n.Pos(), "unknown expression"}
}

func expect(t Type, k Kind, n Node, what string) error {
	if t.Kind == k || t.Kind == KindAny {
		return nil
	}
	return &ExprError{n.Pos(), fmt.Sprintf("%s wants a %s, but %s is a %s", what, k, n, t)}
}

func member(t Type, name, of string, at int) (Type, error) {
	switch t.Kind {
	case KindAny:
		return Any, nil
	case KindRecord:
		m, ok := t.Members[name]
		if !ok {
			keys := sortedKeys(t.Members)
			return Type{}, &ExprError{at, fmt.Sprintf("%s has no member %q%s; it has %s", of, name, didYouMean(name, keys), strings.Join(keys, ", "))}
		}
		return m, nil
	}
	return Type{}, &ExprError{at, fmt.Sprintf("%s is a %s, it has no member %q", of, t, name)}
}

func (c *checker) name(n *Name) (Type, error) {
	if c.cat == nil {
		return Any, nil
	}
	parts := strings.Split(n.Path, ".")
	for i := len(parts); i > 0; i-- {
		t, ok := c.cat.Names[strings.Join(parts[:i], ".")]
		if !ok {
			continue
		}
		n.split = i
		for j := i; j < len(parts); j++ {
			var err error
			if t, err = member(t, parts[j], strings.Join(parts[:j], "."), n.At); err != nil {
				return Type{}, err
			}
		}
		return t, nil
	}
	if _, ok := c.cat.Funcs[n.Path]; ok {
		return Type{}, &ExprError{n.At, fmt.Sprintf("%s is a function: call it, %s(…)", n.Path, n.Path)}
	}
	all := append(sortedKeys(c.cat.Names), sortedKeys(c.cat.Funcs)...)
	return Type{}, &ExprError{n.At, fmt.Sprintf("unknown name %q%s", n.Path, didYouMean(n.Path, all))}
}

func (c *checker) call(n *Call) (Type, error) {
	var spec FuncSpec
	if c.cat != nil {
		var ok bool
		if spec, ok = c.cat.Funcs[n.Fn]; !ok {
			if _, isName := c.cat.Names[n.Fn]; isName {
				return Type{}, &ExprError{n.At, fmt.Sprintf("%s is a value, not a function: write it without (…)", n.Fn)}
			}
			return Type{}, &ExprError{n.At, fmt.Sprintf("unknown function %q%s", n.Fn, didYouMean(n.Fn, sortedKeys(c.cat.Funcs)))}
		}
	}
	args := make([]Type, len(n.Args))
	for i, a := range n.Args {
		t, err := c.check(a)
		if err != nil {
			return Type{}, err
		}
		args[i] = t
	}
	kws := make([]Type, len(n.Kw))
	for i, k := range n.Kw {
		t, err := c.check(k.Expr)
		if err != nil {
			return Type{}, err
		}
		kws[i] = t
	}
	if c.cat == nil {
		return Any, nil
	}
	required := 0
	for _, p := range spec.Args {
		if !p.Optional {
			required++
		}
	}
	if len(n.Args) < required || len(n.Args) > len(spec.Args) {
		want := fmt.Sprint(required)
		if len(spec.Args) != required {
			want = fmt.Sprintf("%d to %d", required, len(spec.Args))
		}
		return Type{}, &ExprError{n.At, fmt.Sprintf("%s takes %s positional argument(s) (%s), got %d", n.Fn, want, paramNames(spec.Args), len(n.Args))}
	}
	for i, a := range n.Args {
		if err := argOK(n.Fn, spec.Args[i], args[i], a); err != nil {
			return Type{}, err
		}
	}
	for i, k := range n.Kw {
		var p *Param
		for j := range spec.Kw {
			if spec.Kw[j].Name == k.Key {
				p = &spec.Kw[j]
			}
		}
		if p == nil {
			names := make([]string, len(spec.Kw))
			for j, q := range spec.Kw {
				names[j] = q.Name
			}
			return Type{}, &ExprError{k.At, fmt.Sprintf("%s has no keyword %q%s; it takes %s", n.Fn, k.Key, didYouMean(k.Key, names), oneOf(names))}
		}
		if err := argOK(n.Fn, *p, kws[i], k.Expr); err != nil {
			return Type{}, err
		}
	}
	return spec.Result, nil
}

func paramNames(ps []Param) string {
	if len(ps) == 0 {
		return "none"
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

func argOK(fn string, p Param, t Type, n Node) error {
	if p.Type.Kind != KindAny && t.Kind != KindAny && t.Kind != p.Type.Kind {
		return &ExprError{n.Pos(), fmt.Sprintf("%s: %s wants a %s, got %s (a %s)", fn, p.Name, p.Type, n, t)}
	}
	if lit, ok := n.(*Lit); ok && len(p.Enum) > 0 {
		s := lit.Val.String()
		for _, e := range p.Enum {
			if e == s {
				return nil
			}
		}
		return &ExprError{n.Pos(), fmt.Sprintf("%s: %s %q is not one of %s%s", fn, p.Name, s, oneOf(p.Enum), didYouMean(s, p.Enum))}
	}
	return nil
}

// EvalError is a failure while evaluating: the Env could not give a value,
// a division by zero, a value of the wrong kind. It carries the position.
type EvalError struct {
	Pos int
	Src string // the sub-expression that failed
	Err error
}

func (e *EvalError) Error() string { return fmt.Sprintf("%s: %v", e.Src, e.Err) }
func (e *EvalError) Unwrap() error { return e.Err }

// Eval evaluates x against env. It never panics: a failing Env, a value
// of the wrong kind or a division by zero is an *EvalError.
func (x *Expr) Eval(env Env) (v Value, err error) {
	if x == nil || x.Root == nil {
		return Value{}, errors.New("lessons: no expression")
	}
	if env == nil {
		return Value{}, errors.New("lessons: no environment to evaluate in")
	}
	defer func() {
		// An Env is the runner's code; a panic there must not take the
		// lesson player down with it.
		if r := recover(); r != nil {
			v, err = Value{}, fmt.Errorf("lessons: evaluating %s: panic: %v", x.Src, r)
		}
	}()
	v, err = eval(x.Root, env)
	if err == nil && x.Type.Kind != KindAny && x.Type.Kind != KindInvalid && v.Kind() != x.Type.Kind {
		err = &EvalError{0, x.Src, fmt.Errorf("the run gave a %s, the catalogue promises a %s", v.Kind(), x.Type)}
	}
	return v, err
}

func fail(n Node, format string, a ...any) error {
	return &EvalError{n.Pos(), n.String(), fmt.Errorf(format, a...)}
}

func eval(n Node, env Env) (Value, error) {
	switch n := n.(type) {
	case *Lit:
		return n.Val, nil
	case *Name:
		path, rest := n.Path, []string(nil)
		if n.split > 0 {
			parts := strings.Split(n.Path, ".")
			path, rest = strings.Join(parts[:n.split], "."), parts[n.split:]
		}
		v, err := env.Name(path)
		if err != nil {
			return Value{}, &EvalError{n.At, path, err}
		}
		if v.Kind() == KindInvalid {
			return Value{}, fail(n, "the run gave no value")
		}
		for _, m := range rest {
			mv, ok := v.Member(m)
			if !ok {
				return Value{}, fail(n, "no member %q in %s", m, v)
			}
			v = mv
		}
		return v, nil
	case *Call:
		args := make([]Value, len(n.Args))
		for i, a := range n.Args {
			v, err := eval(a, env)
			if err != nil {
				return Value{}, err
			}
			args[i] = v
		}
		var kw map[string]Value
		if len(n.Kw) > 0 {
			kw = make(map[string]Value, len(n.Kw))
			for _, k := range n.Kw {
				v, err := eval(k.Expr, env)
				if err != nil {
					return Value{}, err
				}
				kw[k.Key] = v
			}
		}
		v, err := env.Call(n.Fn, args, kw)
		if err != nil {
			return Value{}, &EvalError{n.At, n.String(), err}
		}
		if v.Kind() == KindInvalid {
			return Value{}, fail(n, "the run gave no value")
		}
		return v, nil
	case *Member:
		x, err := eval(n.X, env)
		if err != nil {
			return Value{}, err
		}
		v, ok := x.Member(n.Name)
		if !ok {
			return Value{}, fail(n, "no member %q in %s", n.Name, x)
		}
		return v, nil
	case *Unary:
		x, err := eval(n.X, env)
		if err != nil {
			return Value{}, err
		}
		if n.Op == "not" {
			b, ok := x.Truth()
			if !ok {
				return Value{}, fail(n, "not wants a bool, got %s", x.Kind())
			}
			return Bool(!b), nil
		}
		f, ok := x.Number()
		if !ok {
			return Value{}, fail(n, "- wants a number, got %s", x.Kind())
		}
		return Num(-f), nil
	case *Binary:
		l, err := eval(n.L, env)
		if err != nil {
			return Value{}, err
		}
		if n.Op == "and" || n.Op == "or" {
			lb, ok := l.Truth()
			if !ok {
				return Value{}, fail(n.L, "%s wants a bool, got %s", n.Op, l.Kind())
			}
			if lb == (n.Op == "or") { // short circuit
				return Bool(lb), nil
			}
			r, err := eval(n.R, env)
			if err != nil {
				return Value{}, err
			}
			rb, ok := r.Truth()
			if !ok {
				return Value{}, fail(n.R, "%s wants a bool, got %s", n.Op, r.Kind())
			}
			return Bool(rb), nil
		}
		r, err := eval(n.R, env)
		if err != nil {
			return Value{}, err
		}
		switch n.Op {
		case "==":
			return Bool(equal(l, r)), nil
		case "!=":
			return Bool(!equal(l, r)), nil
		}
		a, ok1 := l.Number()
		b, ok2 := r.Number()
		if !ok1 || !ok2 {
			return Value{}, fail(n, "%q wants numbers, got %s and %s", n.Op, l.Kind(), r.Kind())
		}
		switch n.Op {
		case "+":
			return Num(a + b), nil
		case "-":
			return Num(a - b), nil
		case "*":
			return Num(a * b), nil
		case "/":
			if b == 0 {
				return Value{}, fail(n, "division by zero")
			}
			return Num(a / b), nil
		case "<":
			return Bool(a < b), nil
		case "<=":
			return Bool(a <= b), nil
		case ">":
			return Bool(a > b), nil
		case ">=":
			return Bool(a >= b), nil
		}
	}
	return Value{}, fail(n, "unknown expression")
}

// Refs lists the names and functions x reads from the run, each once, in
// the order they appear: what a runner must be able to answer, or watch.
func (x *Expr) Refs() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	var walk func(Node)
	walk = func(n Node) {
		switch n := n.(type) {
		case *Name:
			path := n.Path
			if n.split > 0 {
				path = strings.Join(strings.Split(n.Path, ".")[:n.split], ".")
			}
			add(path)
		case *Call:
			add(n.Fn)
			for _, a := range n.Args {
				walk(a)
			}
			for _, k := range n.Kw {
				walk(k.Expr)
			}
		case *Member:
			walk(n.X)
		case *Unary:
			walk(n.X)
		case *Binary:
			walk(n.L)
			walk(n.R)
		}
	}
	if x != nil {
		walk(x.Root)
	}
	return out
}
