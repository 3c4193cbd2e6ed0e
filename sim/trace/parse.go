package trace

import (
	"strings"
	"unicode/utf8"
)

// This file holds the line parsers: pure functions from one line (without
// its CRLF) to its parsed fields. The session state machine (session.go)
// decides which parser applies to a line; these functions never look at
// state.

// Parsed is what one line says.
type Parsed struct {
	Verb   string // command or untagged response name, upper case
	Tag    string // IMAP tag, "*" or "+"
	Status string // "+OK", "-ERR", "+", "OK", "NO", "BAD", "PREAUTH", "BYE", "250"
	Code   string // response code ("UIDNEXT", "IN-USE") or enhanced code ("5.1.1")
	More   bool   // SMTP: more lines of this reply follow ("250-")
}

// ParseLine parses a line sent in direction d.
func ParseLine(p Protocol, d Direction, line string) Parsed {
	if d == ClientToServer {
		return ParseCommand(p, line)
	}
	return ParseResponse(p, line)
}

// ParseCommand parses a line sent by a client.
func ParseCommand(p Protocol, line string) Parsed {
	switch p {
	case SMTP, POP3:
		tok, _ := cut(line)
		if isVerb(tok) {
			return Parsed{Verb: upper(tok)}
		}
	case IMAP:
		tag, rest := cut(line)
		if rest == "" && strings.EqualFold(tag, "DONE") {
			return Parsed{Verb: "DONE"}
		}
		if tag == "" {
			return Parsed{}
		}
		verb, rest := cut(rest)
		if !isVerb(verb) {
			return Parsed{Tag: tag}
		}
		v := upper(verb)
		if v == "UID" {
			sub, _ := cut(rest)
			if isVerb(sub) {
				v = uidVerb(line, verb, sub)
			}
		}
		return Parsed{Tag: tag, Verb: v}
	}
	return Parsed{}
}

// uidVerb returns "UID <SUB>" in upper case, as a substring of line when
// line already has it so, to avoid an allocation.
func uidVerb(line, uid, sub string) string {
	i := strings.Index(line, uid)
	if uid == "UID" && isUpper(sub) && i >= 0 && len(line) >= i+4+len(sub) && line[i+3] == ' ' && line[i+4:i+4+len(sub)] == sub {
		return line[i : i+4+len(sub)]
	}
	return "UID " + upper(sub)
}

// ParseResponse parses a line sent by a server.
func ParseResponse(p Protocol, line string) Parsed {
	switch p {
	case SMTP:
		return parseSMTPReply(line)
	case POP3:
		return parsePOP3Response(line)
	case IMAP:
		return parseIMAPResponse(line)
	}
	return Parsed{}
}

func parseSMTPReply(line string) Parsed {
	if len(line) < 3 || line[0] < '1' || line[0] > '5' || !isDigit(line[1]) || !isDigit(line[2]) {
		return Parsed{}
	}
	if len(line) > 3 && line[3] != ' ' && line[3] != '-' {
		return Parsed{}
	}
	r := Parsed{Status: line[:3]}
	if len(line) > 3 {
		r.More = line[3] == '-'
		tok, _ := cut(line[4:])
		if isEnhancedCode(tok) {
			r.Code = tok
		}
	}
	return r
}

// isEnhancedCode reports whether s is class.subject.detail (RFC 3463):
// class 2, 4 or 5, subject 1–3 digits, detail 1–3 digits.
func isEnhancedCode(s string) bool {
	if len(s) < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return false
	}
	subj, det, ok := strings.Cut(s[2:], ".")
	return ok && allDigits(subj, 3) && allDigits(det, 3)
}

func allDigits(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func parsePOP3Response(line string) Parsed {
	var r Parsed
	switch {
	case hasWord(line, "+OK"):
		r.Status = line[:3]
	case hasWord(line, "-ERR"):
		r.Status = line[:4]
	case hasWord(line, "+"):
		r.Status = "+"
		return r
	default:
		return r
	}
	r.Code = bracketCode(strings.TrimLeft(line[len(r.Status):], " "))
	return r
}

// hasWord reports whether line starts with w followed by a space or its end.
func hasWord(line, w string) bool {
	return strings.HasPrefix(line, w) && (len(line) == len(w) || line[len(w)] == ' ')
}

// bracketCode returns the atom at the start of "[CODE args] text", or "".
func bracketCode(s string) string {
	if len(s) < 3 || s[0] != '[' {
		return ""
	}
	end := strings.IndexAny(s, " ]")
	if end <= 1 {
		return ""
	}
	return upper(s[1:end])
}

var imapStatuses = [...]string{"OK", "NO", "BAD", "PREAUTH", "BYE"}

// imapStatus returns the canonical status word for tok, or "".
func imapStatus(tok string) string {
	for _, s := range imapStatuses {
		if strings.EqualFold(tok, s) {
			if tok == s {
				return tok
			}
			return s
		}
	}
	return ""
}

func parseIMAPResponse(line string) Parsed {
	tag, rest := cut(line)
	switch {
	case tag == "+":
		return Parsed{Tag: "+", Status: "+"}
	case tag == "":
		return Parsed{}
	}
	r := Parsed{Tag: tag}
	tok, after := cut(rest)
	if tag == "*" && allDigits(tok, 10) {
		// "* 3 EXISTS", "* 1 FETCH (...)"
		name, _ := cut(after)
		if isVerb(name) {
			r.Verb = upper(name)
		}
		return r
	}
	if st := imapStatus(tok); st != "" {
		r.Status = st
		r.Code = bracketCode(after)
		return r
	}
	if tag == "*" && isVerb(tok) {
		r.Verb = upper(tok)
	}
	return r
}

// Literal reports whether an IMAP line ends with a literal announcement —
// {n} (synchronising), {n+} (LITERAL+) or ~{n} (binary, RFC 3516) — and
// the number of octets that follow the line.
func Literal(line string) (n int64, ok bool) {
	if len(line) < 3 || line[len(line)-1] != '}' {
		return 0, false
	}
	open := strings.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false
	}
	digits := line[open+1 : len(line)-1]
	digits = strings.TrimSuffix(digits, "+")
	if !allDigits(digits, 18) {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		n = n*10 + int64(digits[i]-'0')
	}
	return n, true
}

// CommandSecret returns the span of a client command line that carries a
// secret by itself, without regard to session state: SMTP and POP3 AUTH's
// initial response, POP3 PASS and APOP's digest, IMAP AUTHENTICATE's
// initial response and LOGIN's password when it is not a literal.
func CommandSecret(p Protocol, verb, line string) (Span, bool) {
	switch {
	case (p == SMTP || p == POP3) && verb == "AUTH":
		return argSpan(line, 2)
	case p == POP3 && verb == "PASS":
		_, rest := cut(line)
		if rest == "" {
			return Span{}, false
		}
		return Span{int32(len(line) - len(rest)), int32(len(line))}, true
	case p == POP3 && verb == "APOP":
		return argSpan(line, 2)
	case p == IMAP && verb == "AUTHENTICATE":
		return argSpan(line, 3)
	case p == IMAP && verb == "LOGIN":
		_, rest := cut(line) // tag
		_, rest = cut(rest)  // LOGIN
		off := len(line) - len(rest)
		args := IMAPArgs(rest)
		if len(args) >= 2 && !isLiteralArg(rest, args[1]) {
			return Span{args[1].Start + int32(off), args[1].End + int32(off)}, true
		}
	}
	return Span{}, false
}

// argSpan returns the span of the i-th space-separated token (from 0).
func argSpan(line string, i int) (Span, bool) {
	off := 0
	rest := line
	for ; i > 0; i-- {
		_, r := cut(rest)
		off += len(rest) - len(r)
		rest = r
	}
	tok, _ := cut(rest)
	if tok == "" {
		return Span{}, false
	}
	return Span{int32(off), int32(off + len(tok))}, true
}

// IMAPArgs splits IMAP command arguments into spans: atoms, quoted
// strings (with their quotes), parenthesised lists, and a literal
// announcement ({n}) as an argument of its own.
func IMAPArgs(s string) []Span {
	var out []Span
	i := 0
	for i < len(s) {
		if s[i] == ' ' {
			i++
			continue
		}
		start := i
		switch s[i] {
		case '"':
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			i = min(i+1, len(s))
		case '(':
			depth := 0
			for i < len(s) {
				if s[i] == '(' {
					depth++
				} else if s[i] == ')' {
					depth--
					if depth == 0 {
						i++
						break
					}
				}
				i++
			}
		default:
			for i < len(s) && s[i] != ' ' {
				i++
			}
		}
		out = append(out, Span{int32(start), int32(i)})
	}
	return out
}

func isLiteralArg(s string, sp Span) bool {
	a := s[sp.Start:sp.End]
	_, ok := Literal(a)
	return ok && (a[0] == '{' || a[0] == '~')
}

// cut splits s at its first space.
func cut(s string) (tok, rest string) {
	tok, rest, _ = strings.Cut(s, " ")
	return
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isVerb reports whether tok looks like a command or response name: 1 to
// 20 ASCII letters, with '-' allowed inside (X-extensions).
func isVerb(tok string) bool {
	if tok == "" || len(tok) > 20 {
		return false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '-' && i > 0) {
			return false
		}
	}
	return true
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			return false
		}
	}
	return true
}

// upper returns s in upper case, without allocating when it already is.
func upper(s string) string {
	if isUpper(s) {
		return s
	}
	return strings.ToUpper(s)
}

// PreviewLen is how many payload bytes a bulk event's Text previews.
const PreviewLen = 120

// preview renders the first PreviewLen bytes of b for one-line display:
// CRLF and LF become ↵, other control bytes and invalid UTF-8 become ·.
func preview(b []byte) string {
	if len(b) > PreviewLen {
		b = b[:PreviewLen]
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		c := b[0]
		switch {
		case c == '\r' && len(b) > 1 && b[1] == '\n':
			sb.WriteString("↵")
			b = b[2:]
			continue
		case c == '\n':
			sb.WriteString("↵")
		case c == '\t':
			sb.WriteByte(' ')
		case c < 0x20 || c == 0x7f:
			sb.WriteString("·")
		case c < utf8.RuneSelf:
			sb.WriteByte(c)
		default:
			r, n := utf8.DecodeRune(b)
			if r == utf8.RuneError && n <= 1 {
				sb.WriteString("·")
			} else {
				sb.Write(b[:n])
				b = b[n:]
				continue
			}
		}
		b = b[1:]
	}
	return sb.String()
}

// pop3MultiLine reports whether a positive reply to a POP3 command is
// multi-line, ending in a lone ".": RETR, TOP and CAPA always; LIST and
// UIDL without a message number; AUTH without a mechanism (the list of
// mechanisms).
func pop3MultiLine(verb, args string) bool {
	switch verb {
	case "RETR", "TOP", "CAPA":
		return true
	case "LIST", "UIDL", "AUTH":
		return strings.TrimSpace(args) == ""
	}
	return false
}
