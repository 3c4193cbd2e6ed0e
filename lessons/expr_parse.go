package lessons

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits that keep a hostile or mistyped expression cheap to parse.
const (
	MaxExprLen   = 2000 // bytes
	MaxExprDepth = 32   // nesting of parentheses, calls and operators
)

// ExprError is a mistake in an expression, at a byte offset (0-based) of
// its source. It is returned by Parse, Compile and Eval; nothing panics.
type ExprError struct {
	Pos int
	Msg string
}

func (e *ExprError) Error() string {
	if e.Pos <= 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s (at column %d)", e.Msg, e.Pos+1)
}

// Node is a parsed expression.
type Node interface {
	// Pos is the byte offset where the node starts in the source.
	Pos() int
	String() string
}

type (
	// Lit is a number, a string or true/false.
	Lit struct {
		At  int
		Val Value
	}
	// Name is a dotted path: run.cost, trace.total.
	Name struct {
		At   int
		Path string
		// split is how many of Path's dot-separated parts form the
		// catalogue's name; the rest are members of its record. Set by
		// Compile; 0 asks the Env for the whole path.
		split int
	}
	// Call is fn(args…, key=value…).
	Call struct {
		At   int
		Fn   string
		Args []Node
		Kw   []KwArg
	}
	// KwArg is one key=value argument of a Call.
	KwArg struct {
		At   int
		Key  string
		Expr Node
	}
	// Member is x.name on a call's result: device("Laptop").unread.
	Member struct {
		At   int
		X    Node
		Name string
	}
	// Unary is not x or -x.
	Unary struct {
		At int
		Op string
		X  Node
	}
	// Binary is x op y: and or == != < <= > >= + - * /.
	Binary struct {
		At   int
		Op   string
		L, R Node
	}
)

func (n *Lit) Pos() int    { return n.At }
func (n *Name) Pos() int   { return n.At }
func (n *Call) Pos() int   { return n.At }
func (n *Member) Pos() int { return n.At }
func (n *Unary) Pos() int  { return n.At }
func (n *Binary) Pos() int { return n.At }

func (n *Lit) String() string {
	if s, ok := n.Val.Text(); ok {
		return quote(s)
	}
	if f, ok := n.Val.Number(); ok {
		return strconv.FormatFloat(f, 'f', -1, 64) // as the lexer reads it: no exponent
	}
	return n.Val.String()
}

// quote writes s as the lexer reads it back.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

func (n *Name) String() string { return n.Path }
func (n *Call) String() string {
	var parts []string
	for _, a := range n.Args {
		parts = append(parts, a.String())
	}
	for _, k := range n.Kw {
		parts = append(parts, k.Key+"="+k.Expr.String())
	}
	return n.Fn + "(" + strings.Join(parts, ", ") + ")"
}
func (n *Member) String() string {
	x := n.X.String()
	switch n.X.(type) {
	case *Name, *Call, *Member:
	default: // 3 .x, (a + b).x
		x = "(" + x + ")"
	}
	return x + "." + n.Name
}
func (n *Unary) String() string {
	if n.Op == "not" {
		return "(not " + n.X.String() + ")"
	}
	return "(-" + n.X.String() + ")"
}
func (n *Binary) String() string { return "(" + n.L.String() + " " + n.Op + " " + n.R.String() + ")" }

// token kinds
const (
	tEOF = iota
	tNum
	tStr
	tIdent
	tOp // punctuation and operators
)

type token struct {
	kind int
	pos  int
	text string // identifier, operator, or the decoded string
	num  float64
}

type lexer struct {
	src string
	pos int
}

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) && strings.IndexByte(" \t\r\n", l.src[l.pos]) >= 0 {
		l.pos++
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	switch {
	case c >= '0' && c <= '9':
		for l.pos < len(l.src) && (isDigit(l.src[l.pos]) || l.src[l.pos] == '.') {
			l.pos++
		}
		text := l.src[start:l.pos]
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || strings.Count(text, ".") > 1 || strings.HasSuffix(text, ".") {
			return token{}, &ExprError{start, fmt.Sprintf("bad number %q", text)}
		}
		if l.pos < len(l.src) && isIdentByte(l.src[l.pos]) {
			return token{}, &ExprError{start, fmt.Sprintf("bad number %q: a letter follows it", text+string(l.src[l.pos]))}
		}
		return token{kind: tNum, pos: start, text: text, num: f}, nil
	case c == '"' || c == '\'':
		return l.str(c)
	case isIdentByte(c):
		for l.pos < len(l.src) && (isIdentByte(l.src[l.pos]) || isDigit(l.src[l.pos])) {
			l.pos++
		}
		return token{kind: tIdent, pos: start, text: l.src[start:l.pos]}, nil
	}
	for _, op := range []string{"==", "!=", "<=", ">=", "&&", "||"} {
		if strings.HasPrefix(l.src[l.pos:], op) {
			l.pos += 2
			switch op {
			case "&&":
				return token{}, &ExprError{start, `write "and", not "&&"`}
			case "||":
				return token{}, &ExprError{start, `write "or", not "||"`}
			}
			return token{kind: tOp, pos: start, text: op}, nil
		}
	}
	if strings.IndexByte("<>+-*/().,=", c) >= 0 {
		l.pos++
		return token{kind: tOp, pos: start, text: string(c)}, nil
	}
	if c == '!' {
		return token{}, &ExprError{start, `write "not", not "!"`}
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	return token{}, &ExprError{start, fmt.Sprintf("unexpected character %q", r)}
}

func (l *lexer) str(quote byte) (token, error) {
	start := l.pos
	l.pos++
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == quote:
			l.pos++
			return token{kind: tStr, pos: start, text: b.String()}, nil
		case c == '\\' && l.pos+1 < len(l.src):
			l.pos++
			switch e := l.src[l.pos]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case '\\', '"', '\'':
				b.WriteByte(e)
			default:
				return token{}, &ExprError{l.pos - 1, fmt.Sprintf(`unknown escape "\%c" in a string`, e)}
			}
		case c == '\n':
			return token{}, &ExprError{start, "string not closed on its line"}
		default:
			b.WriteByte(c)
		}
		l.pos++
	}
	return token{}, &ExprError{start, "string not closed"}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

type parser struct {
	lex   lexer
	tok   token
	depth int
}

// ParseExpr reads an expression into its syntax tree, without a catalogue.
// Use Compile to also check its names against one.
func ParseExpr(src string) (Node, error) {
	if len(src) > MaxExprLen {
		return nil, &ExprError{0, fmt.Sprintf("expression too long (%d bytes, at most %d)", len(src), MaxExprLen)}
	}
	if !utf8.ValidString(src) {
		return nil, &ExprError{0, "expression is not valid UTF-8"}
	}
	if strings.TrimSpace(src) == "" {
		return nil, &ExprError{0, "empty expression"}
	}
	p := &parser{lex: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, &ExprError{p.tok.pos, fmt.Sprintf("unexpected %s after a complete expression", p.describe())}
	}
	return n, nil
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) describe() string {
	switch p.tok.kind {
	case tEOF:
		return "end of expression"
	case tNum:
		return "number " + p.tok.text
	case tStr:
		return "string " + strconv.Quote(p.tok.text)
	case tIdent:
		return fmt.Sprintf("%q", p.tok.text)
	}
	return fmt.Sprintf("%q", p.tok.text)
}

func (p *parser) is(op string) bool {
	return (p.tok.kind == tOp || p.tok.kind == tIdent) && p.tok.text == op
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxExprDepth {
		return &ExprError{p.tok.pos, fmt.Sprintf("expression nested too deeply (more than %d levels)", MaxExprDepth)}
	}
	return nil
}

func (p *parser) or() (Node, error) {
	l, err := p.and()
	for err == nil && p.is("or") {
		at := p.tok.pos
		if err = p.advance(); err != nil {
			break
		}
		var r Node
		if r, err = p.and(); err == nil {
			l = &Binary{At: at, Op: "or", L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) and() (Node, error) {
	l, err := p.not()
	for err == nil && p.is("and") {
		at := p.tok.pos
		if err = p.advance(); err != nil {
			break
		}
		var r Node
		if r, err = p.not(); err == nil {
			l = &Binary{At: at, Op: "and", L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) not() (Node, error) {
	if p.is("not") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		at := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &Unary{At: at, Op: "not", X: x}, nil
	}
	return p.cmp()
}

var cmpOps = map[string]bool{"==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *parser) cmp() (Node, error) {
	l, err := p.add()
	if err != nil || p.tok.kind != tOp {
		return l, err
	}
	if p.tok.text == "=" {
		return nil, &ExprError{p.tok.pos, `write "==" to compare ("=" only names a keyword argument)`}
	}
	if !cmpOps[p.tok.text] {
		return l, nil
	}
	op, at := p.tok.text, p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	r, err := p.add()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tOp && cmpOps[p.tok.text] {
		return nil, &ExprError{p.tok.pos, "comparisons do not chain: write a < b and b < c"}
	}
	return &Binary{At: at, Op: op, L: l, R: r}, nil
}

func (p *parser) add() (Node, error) {
	l, err := p.mul()
	for err == nil && p.tok.kind == tOp && (p.tok.text == "+" || p.tok.text == "-") {
		op, at := p.tok.text, p.tok.pos
		if err = p.advance(); err != nil {
			break
		}
		var r Node
		if r, err = p.mul(); err == nil {
			l = &Binary{At: at, Op: op, L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) mul() (Node, error) {
	l, err := p.unary()
	for err == nil && p.tok.kind == tOp && (p.tok.text == "*" || p.tok.text == "/") {
		op, at := p.tok.text, p.tok.pos
		if err = p.advance(); err != nil {
			break
		}
		var r Node
		if r, err = p.unary(); err == nil {
			l = &Binary{At: at, Op: op, L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) unary() (Node, error) {
	if p.tok.kind == tOp && p.tok.text == "-" {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		at := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Unary{At: at, Op: "-", X: x}, nil
	}
	return p.postfix()
}

func (p *parser) postfix() (Node, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tOp && (p.tok.text == "." || p.tok.text == "(") {
		if p.tok.text == "(" {
			name, ok := x.(*Name)
			if !ok {
				return nil, &ExprError{p.tok.pos, "only a named function can be called"}
			}
			if x, err = p.call(name); err != nil {
				return nil, err
			}
			continue
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tIdent || isKeyword(p.tok.text) {
			return nil, &ExprError{p.tok.pos, fmt.Sprintf("want a member name after \".\", got %s", p.describe())}
		}
		if name, ok := x.(*Name); ok {
			name.Path += "." + p.tok.text
		} else {
			x = &Member{At: p.tok.pos, X: x, Name: p.tok.text}
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func (p *parser) call(fn *Name) (Node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	c := &Call{At: fn.At, Fn: fn.Path}
	if err := p.advance(); err != nil { // (
		return nil, err
	}
	seen := map[string]bool{}
	for !(p.tok.kind == tOp && p.tok.text == ")") {
		if len(c.Args)+len(c.Kw) > 0 {
			if !(p.tok.kind == tOp && p.tok.text == ",") {
				return nil, &ExprError{p.tok.pos, fmt.Sprintf("want \",\" or \")\" in the call of %s, got %s", c.Fn, p.describe())}
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		// key=value?
		if p.tok.kind == tIdent && !isKeyword(p.tok.text) {
			save, saveTok := p.lex, p.tok
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind == tOp && p.tok.text == "=" {
				key, at := saveTok.text, saveTok.pos
				if seen[key] {
					return nil, &ExprError{at, fmt.Sprintf("keyword %s given twice", key)}
				}
				seen[key] = true
				if err := p.advance(); err != nil {
					return nil, err
				}
				v, err := p.or()
				if err != nil {
					return nil, err
				}
				c.Kw = append(c.Kw, KwArg{At: at, Key: key, Expr: v})
				continue
			}
			p.lex, p.tok = save, saveTok
		}
		if len(c.Kw) > 0 {
			return nil, &ExprError{p.tok.pos, "positional argument after a keyword argument"}
		}
		a, err := p.or()
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, a)
	}
	if err := p.advance(); err != nil { // )
		return nil, err
	}
	return c, nil
}

func isKeyword(s string) bool {
	switch s {
	case "and", "or", "not", "true", "false":
		return true
	}
	return false
}

func (p *parser) primary() (Node, error) {
	t := p.tok
	switch t.kind {
	case tNum:
		return &Lit{At: t.pos, Val: Num(t.num)}, p.advance()
	case tStr:
		return &Lit{At: t.pos, Val: Str(t.text)}, p.advance()
	case tIdent:
		switch t.text {
		case "true", "false":
			return &Lit{At: t.pos, Val: Bool(t.text == "true")}, p.advance()
		case "and", "or", "not":
			return nil, &ExprError{t.pos, fmt.Sprintf("%q needs a value before it", t.text)}
		}
		if !unicode.IsLetter(rune(t.text[0])) && t.text[0] != '_' {
			return nil, &ExprError{t.pos, "bad name"}
		}
		return &Name{At: t.pos, Path: t.text}, p.advance()
	case tOp:
		if t.text == "(" {
			if err := p.enter(); err != nil {
				return nil, err
			}
			defer func() { p.depth-- }()
			if err := p.advance(); err != nil {
				return nil, err
			}
			x, err := p.or()
			if err != nil {
				return nil, err
			}
			if !(p.tok.kind == tOp && p.tok.text == ")") {
				return nil, &ExprError{p.tok.pos, fmt.Sprintf("want \")\" to close the \"(\" at column %d, got %s", t.pos+1, p.describe())}
			}
			return x, p.advance()
		}
	case tEOF:
		return nil, &ExprError{t.pos, "expression ends too early"}
	}
	return nil, &ExprError{t.pos, fmt.Sprintf("unexpected %s", p.describe())}
}
