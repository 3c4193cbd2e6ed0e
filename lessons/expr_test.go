package lessons

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePrecedence(t *testing.T) {
	tests := []struct{ src, want string }{
		{`1 + 2 * 3`, `(1 + (2 * 3))`},
		{`(1 + 2) * 3`, `((1 + 2) * 3)`},
		{`1 - 2 - 3`, `((1 - 2) - 3)`},
		{`8 / 4 / 2`, `((8 / 4) / 2)`},
		{`-2 * 3`, `((-2) * 3)`},
		{`- -2`, `(-(-2))`},
		{`a + 1 > b * 2`, `((a + 1) > (b * 2))`},
		{`a == 1 or b == 2 and c == 3`, `((a == 1) or ((b == 2) and (c == 3)))`},
		{`not a and b`, `((not a) and b)`},
		{`not a == b`, `(not (a == b))`},
		{`not not true`, `(not (not true))`},
		{`run.cost`, `run.cost`},
		{`trace.count(verb="RETR", dir="c2s") > 0`, `(trace.count(verb="RETR", dir="c2s") > 0)`},
		{`device("Laptop").unread == 3`, `(device("Laptop").unread == 3)`},
		{`mailbox("student", "INBOX").count`, `mailbox("student", "INBOX").count`},
		{`f()`, `f()`},
		{`f(1, g(2), k=h(x=3))`, `f(1, g(2), k=h(x=3))`},
		{`'single' == "double"`, `("single" == "double")`},
		{`"a \"q\" \\ b"`, `"a \"q\" \\ b"`},
		{`1.5 <= 2.25`, `(1.5 <= 2.25)`},
		{"a\n and\tb", `(a and b)`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			n, err := ParseExpr(tt.src)
			if err != nil {
				t.Fatalf("ParseExpr(%q): %v", tt.src, err)
			}
			if got := n.String(); got != tt.want {
				t.Errorf("ParseExpr(%q) = %s, want %s", tt.src, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src  string
		pos  int
		want string
	}{
		{``, 0, "empty expression"},
		{`1 +`, 3, "ends too early"},
		{`(1 + 2`, 6, `want ")" to close the "(" at column 1`},
		{`1 2`, 2, "unexpected number 2 after a complete expression"},
		{`a = 1`, 2, `write "=="`},
		{`a && b`, 2, `write "and"`},
		{`a || b`, 2, `write "or"`},
		{`!a`, 0, `write "not"`},
		{`1 < 2 < 3`, 6, "comparisons do not chain"},
		{`"open`, 0, "string not closed"},
		{`"bad \q"`, 5, `unknown escape`},
		{`1.2.3`, 0, `bad number "1.2.3"`},
		{`3x`, 0, `bad number "3x"`},
		{`f(a=1, 2)`, 7, "positional argument after a keyword"},
		{`f(a=1, a=2)`, 7, "keyword a given twice"},
		{`f(1 2)`, 4, `want "," or ")" in the call of f`},
		{`f(1)(2)`, 4, "only a named function can be called"},
		{`a.`, 2, "want a member name"},
		{`a.and`, 2, "want a member name"},
		{`and`, 0, `"and" needs a value before it`},
		{`a # b`, 2, "unexpected character '#'"},
		{`a ) `, 2, `unexpected ")"`},
		{strings.Repeat("(", 40) + "1" + strings.Repeat(")", 40), 32, "nested too deeply"},
		{strings.Repeat("not ", 40) + "a", 128, "nested too deeply"},
		{strings.Repeat("-", 40) + "1", 32, "nested too deeply"},
		{strings.Repeat("1", MaxExprLen+1), 0, "too long"},
		{"\xff", 0, "not valid UTF-8"},
	}
	for _, tt := range tests {
		name := tt.src
		if len(name) > 30 {
			name = name[:30]
		}
		t.Run(name, func(t *testing.T) {
			_, err := ParseExpr(tt.src)
			var ee *ExprError
			if !errors.As(err, &ee) {
				t.Fatalf("ParseExpr(%q) = %v, want an *ExprError", tt.src, err)
			}
			if ee.Pos != tt.pos || !strings.Contains(ee.Msg, tt.want) {
				t.Errorf("ParseExpr(%q) error = at %d %q, want at %d %q", tt.src, ee.Pos, ee.Msg, tt.pos, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		src  string
		pos  int
		want string
	}{
		{`trace.cnt(verb="RETR")`, 0, `unknown function "trace.cnt" (did you mean "trace.count"?)`},
		{`run.cots`, 0, `run has no member "cots" (did you mean "cost"?)`},
		{`runn.cost`, 0, `unknown name "runn.cost"`},
		{`link.rtt`, 0, `unknown name "link.rtt" (did you mean "link.rtt_ms"?)`},
		{`trace.count`, 0, `trace.count is a function: call it`},
		{`link.preset()`, 0, `link.preset is a value, not a function`},
		{`trace.count(verbs="RETR")`, 12, `trace.count has no keyword "verbs" (did you mean "verb"?)`},
		{`trace.count(protocol="pop4")`, 21, `protocol "pop4" is not one of "smtp", "pop3", "imap" (did you mean "pop3"?)`},
		{`trace.count("RETR")`, 0, `trace.count takes 0 positional argument(s)`},
		{`device()`, 0, `device takes 1 positional argument(s) (device), got 0`},
		{`mailbox("a", "b", "c")`, 0, `mailbox takes 1 to 2 positional argument(s)`},
		{`device(3)`, 7, `device: device wants a string, got 3 (a number)`},
		{`device("Lptop")`, 7, `(did you mean "Laptop"?)`},
		{`device("Laptop").unred`, 17, `device("Laptop") has no member "unred" (did you mean "unread"?)`},
		{`device("Laptop").unread.x`, 24, `is a number, it has no member "x"`},
		{`run.cost + "x"`, 11, `"+" wants a number, but "x" is a string`},
		{`run.cost and true`, 0, `and wants a bool, but run.cost is a number`},
		{`not run.cost`, 4, `"not" wants a bool`},
		{`link.preset == 3`, 12, `"==" compares a string (link.preset) with a number (3)`},
		{`run == run`, 4, `cannot compare records`},
		{`-link.preset`, 1, `"-" wants a number`},
	}
	cat := testCatalog()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := Compile(tt.src, cat)
			var ee *ExprError
			if !errors.As(err, &ee) {
				t.Fatalf("Compile(%q) = %v, want an *ExprError", tt.src, err)
			}
			if ee.Pos != tt.pos || !strings.Contains(ee.Msg, tt.want) {
				t.Errorf("Compile(%q) error = at %d %q, want at %d %q", tt.src, ee.Pos, ee.Msg, tt.pos, tt.want)
			}
		})
	}
}

func TestCompileTypes(t *testing.T) {
	cat := testCatalog()
	tests := []struct {
		src      string
		kind     Kind
		constant bool
	}{
		{`1 + 2`, KindNumber, true},
		{`"DATA"`, KindString, true},
		{`run.cost`, KindNumber, false},
		{`run`, KindRecord, false},
		{`device("Laptop").offline`, KindBool, false},
		{`trace.count(verb="DELE") > 0`, KindBool, false},
		{`link.preset`, KindString, false},
	}
	for _, tt := range tests {
		x, err := Compile(tt.src, cat)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.src, err)
			continue
		}
		if x.Type.Kind != tt.kind || x.Constant != tt.constant {
			t.Errorf("Compile(%q) = %s constant=%v, want %s constant=%v", tt.src, x.Type, x.Constant, tt.kind, tt.constant)
		}
	}
	// Without a catalogue every name is accepted and typed any.
	x, err := Compile(`whatever.you(like=1).say`, nil)
	if err != nil || x.Type.Kind != KindAny {
		t.Errorf("Compile without catalogue = %v, %v; want any", x, err)
	}
}

// testEnv is a small lab: three RETRs, one DELE, a laptop with two unread.
func testEnv() StaticEnv {
	return StaticEnv{
		Names: map[string]Value{
			"run":         Record(map[string]Value{"cost": Num(0.25), "round_trips": Num(12), "bytes_down": Num(6200)}),
			"link.preset": Str("dialup-56k"),
			"link.rtt_ms": Num(150),
		},
		Funcs: map[string]func([]Value, map[string]Value) (Value, error){
			"trace.count": func(args []Value, kw map[string]Value) (Value, error) {
				verb, _ := kw["verb"].Text()
				return Num(map[string]float64{"RETR": 3, "DELE": 1}[verb]), nil
			},
			"trace.bytes": func([]Value, map[string]Value) (Value, error) { return Num(6200), nil },
			"device": func(args []Value, kw map[string]Value) (Value, error) {
				name, _ := args[0].Text()
				if name != "Laptop" {
					return Value{}, errors.New("no such device")
				}
				return Record(map[string]Value{"unread": Num(2), "visible": Num(3), "offline": Bool(false)}), nil
			},
			"mailbox": func(args []Value, kw map[string]Value) (Value, error) {
				return Record(map[string]Value{"count": Num(4), "unseen": Num(2)}), nil
			},
		},
	}
}

func TestEval(t *testing.T) {
	tests := []struct{ src, want string }{
		{`1 + 2 * 3`, "7"},
		{`(1 + 2) * 3`, "9"},
		{`7 / 2`, "3.5"},
		{`1 / 3`, "0.333"},
		{`-run.round_trips + 2`, "-10"},
		{`run.cost * 4`, "1"},
		{`run.round_trips >= 12 and run.round_trips < 13`, "true"},
		{`trace.count(verb="RETR", dir="c2s")`, "3"},
		{`trace.count(verb="DELE") > 0`, "true"},
		{`trace.count(verb="RETR") - trace.count(verb="DELE") == 2`, "true"},
		{`device("Laptop").unread`, "2"},
		{`device("Laptop").offline or false`, "false"},
		{`not device("Laptop").offline`, "true"},
		{`mailbox("student", "INBOX").count`, "4"},
		{`link.preset == "dialup-56k"`, "true"},
		{`link.preset != "adsl-8m"`, "true"},
		{`"DATA"`, "DATA"},
		// Short circuit: the right side is never asked for.
		{`false and device("Phone").unread == 0`, "false"},
		{`true or device("Phone").unread == 0`, "true"},
	}
	env := testEnv()
	cat := testCatalog()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			x, err := Compile(tt.src, cat)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.src, err)
			}
			v, err := x.Eval(env)
			if err != nil {
				t.Fatalf("Eval(%q): %v", tt.src, err)
			}
			if v.String() != tt.want {
				t.Errorf("Eval(%q) = %s, want %s", tt.src, v, tt.want)
			}
			// Without a catalogue the Env gets whole paths, and
			// records come out the same.
			if y, err := Compile(tt.src, nil); err == nil && !strings.Contains(tt.src, "run") {
				if v2, err := y.Eval(env); err != nil || v2.String() != tt.want {
					t.Errorf("Eval(%q) without catalogue = %v, %v; want %s", tt.src, v2, err, tt.want)
				}
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	tests := []struct {
		src  string
		pos  int
		want string
	}{
		{`run.cost / (run.round_trips - 12)`, 9, "division by zero"},
		{`device("Phone").unread`, 0, "no such device"},
		{`trace.count(verb="X") / 0 > 1`, 22, "division by zero"},
	}
	env := testEnv()
	for _, tt := range tests {
		x, err := Compile(tt.src, testCatalog())
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.src, err)
		}
		_, err = x.Eval(env)
		var ee *EvalError
		if !errors.As(err, &ee) {
			t.Fatalf("Eval(%q) = %v, want an *EvalError", tt.src, err)
		}
		if ee.Pos != tt.pos || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Eval(%q) error = at %d %q, want at %d %q", tt.src, ee.Pos, err, tt.pos, tt.want)
		}
	}
	// An Env that breaks its promise is an error, not a panic.
	liar := StaticEnv{Names: map[string]Value{"run": Str("oops"), "link.rtt_ms": {}}, Funcs: map[string]func([]Value, map[string]Value) (Value, error){
		"device": func([]Value, map[string]Value) (Value, error) { panic("runner bug") },
	}}
	for _, src := range []string{`run.cost`, `link.rtt_ms + 1`, `device("Laptop").unread`, `link.preset`} {
		x, err := Compile(src, testCatalog())
		if err != nil {
			t.Fatal(err)
		}
		if v, err := x.Eval(liar); err == nil {
			t.Errorf("Eval(%q) on a broken env = %v, want an error", src, v)
		}
	}
	x, _ := Compile(`link.preset`, testCatalog())
	if _, err := x.Eval(StaticEnv{Names: map[string]Value{"link.preset": Num(1)}}); err == nil || !strings.Contains(err.Error(), "promises a string") {
		t.Errorf("Eval with a number for a string name = %v, want a promise error", err)
	}
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{
		`trace.count(verb="RETR", dir="c2s") > 0`, `device("Laptop").unread == 3`,
		`not (a or b) and -c * 2 <= 1.5`, `"x\"y"`, `f(a=g(1), )`, `((((`, `a.b.c(`, `'`,
		`mailbox("student", "INBOX").count / run.cost`,
	} {
		f.Add(s)
	}
	cat := testCatalog()
	env := testEnv()
	f.Fuzz(func(t *testing.T, src string) {
		n, err := ParseExpr(src)
		if err != nil {
			var ee *ExprError
			if !errors.As(err, &ee) || ee.Pos < 0 || ee.Pos > len(src) {
				t.Fatalf("ParseExpr(%q) error %v: want an *ExprError inside the source", src, err)
			}
			return
		}
		// What prints must parse back to the same tree.
		again, err := ParseExpr(n.String())
		if err != nil && len(n.String()) <= MaxExprLen {
			if !strings.Contains(err.Error(), "nested too deeply") {
				t.Fatalf("ParseExpr(%q) printed %q, which does not parse: %v", src, n, err)
			}
		} else if err == nil && again.String() != n.String() {
			t.Fatalf("ParseExpr(%q): printed %q reparses as %q", src, n, again)
		}
		if x, err := Compile(src, cat); err == nil {
			_, _ = x.Eval(env)
		}
		if x, err := Compile(src, nil); err == nil {
			_, _ = x.Eval(env)
		}
	})
}

func TestRefs(t *testing.T) {
	x, err := Compile(`run.cost > 0 and device("Laptop").unread == trace.count(verb="RETR") + run.round_trips - link.rtt_ms`, testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(x.Refs(), " "), "run device trace.count link.rtt_ms"; got != want {
		t.Errorf("Refs = %s, want %s", got, want)
	}
}
