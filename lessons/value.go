package lessons

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Kind is the kind of a Value or a Type.
type Kind int

// The kinds of values an expression can produce. KindAny appears only in a
// Type: the catalogue does not promise a kind, so the check waits for the
// run.
const (
	KindInvalid Kind = iota
	KindNumber
	KindString
	KindBool
	KindRecord
	KindAny
)

func (k Kind) String() string {
	switch k {
	case KindNumber:
		return "number"
	case KindString:
		return "string"
	case KindBool:
		return "bool"
	case KindRecord:
		return "record"
	case KindAny:
		return "any"
	}
	return "invalid"
}

// Value is what an expression yields and what an Env returns: a number, a
// string, a bool, or a record whose members are values. The zero Value is
// invalid. Values are immutable; a record's map must not change after
// Record is called.
type Value struct {
	kind Kind
	num  float64
	str  string
	b    bool
	rec  map[string]Value
}

// Num, Str, Bool and Record make values.
func Num(f float64) Value { return Value{kind: KindNumber, num: f} }

// Str makes a string value.
func Str(s string) Value { return Value{kind: KindString, str: s} }

// Bool makes a bool value.
func Bool(b bool) Value { return Value{kind: KindBool, b: b} }

// Record makes a record value, such as the result of device("Laptop").
func Record(members map[string]Value) Value { return Value{kind: KindRecord, rec: members} }

// Kind reports the kind of v.
func (v Value) Kind() Kind { return v.kind }

// Number returns v's number and whether v is one.
func (v Value) Number() (float64, bool) { return v.num, v.kind == KindNumber }

// Text returns v's string and whether v is one.
func (v Value) Text() (string, bool) { return v.str, v.kind == KindString }

// Truth returns v's bool and whether v is one.
func (v Value) Truth() (bool, bool) { return v.b, v.kind == KindBool }

// Member returns a record's member.
func (v Value) Member(name string) (Value, bool) {
	m, ok := v.rec[name]
	return m, ok && v.kind == KindRecord
}

// String formats v for a learner: integers without a decimal point,
// other numbers with at most three decimals.
func (v Value) String() string {
	switch v.kind {
	case KindNumber:
		return FormatNumber(v.num)
	case KindString:
		return v.str
	case KindBool:
		return strconv.FormatBool(v.b)
	case KindRecord:
		keys := make([]string, 0, len(v.rec))
		for k := range v.rec {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + v.rec[k].String()
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "<invalid>"
}

// FormatNumber prints f the way a learner would write it: 3, 2.5, 0.125.
func FormatNumber(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprint(f)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	s := strconv.FormatFloat(f, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "0" || s == "-0" { // a tiny non-zero number
		return strconv.FormatFloat(f, 'g', 3, 64)
	}
	return s
}

func equal(a, b Value) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case KindNumber:
		return a.num == b.num
	case KindString:
		return a.str == b.str
	case KindBool:
		return a.b == b.b
	case KindRecord:
		if len(a.rec) != len(b.rec) {
			return false
		}
		for k, av := range a.rec {
			bv, ok := b.rec[k]
			if !ok || !equal(av, bv) {
				return false
			}
		}
		return true
	}
	return false
}
