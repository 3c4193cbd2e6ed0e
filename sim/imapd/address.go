package imapd

import (
	"strings"

	"github.com/emersion/go-imap/v2"
)

// parseAddressList reads an RFC 5322 address-list (obsolete syntax
// included) in the form an ENVELOPE carries it (RFC 3501 7.4.2): a group
// opens with an address whose mailbox is its name and whose host is empty
// (NIL NIL "group" NIL) and closes with an empty one (NIL NIL NIL NIL),
// empty groups too. A route-addr <@route:user@domain> keeps its mailbox
// and host (the route is dropped: the ADL is NIL). Comments are skipped
// wherever CFWS may appear.
//
// imapserver.ExtractEnvelope cannot be used for this: it goes through
// net/mail, which flattens groups (an empty group disappears) and rejects
// a whole list holding a route-addr.
func parseAddressList(v string) []imap.Address {
	p := addrParser{toks: lexAddress(v)}
	var out []imap.Address
	for !p.done() {
		if p.peek(",") {
			p.next() // obs-addr-list allows empty elements
			continue
		}
		before := p.i
		out = p.address(out, false)
		if p.i == before {
			p.next() // stray special: skip it rather than loop
		}
	}
	return out
}

// addrToken is a lexical item of an address header: a special character
// (one of ()<>[]:;@\,." outside quotes), an atom, a quoted string (its
// content, unquoted) or a domain literal (with its brackets).
type addrToken struct {
	special byte // 0 for a word
	text    string
	quoted  bool
}

const addrSpecials = "<>@,;:."

func lexAddress(s string) []addrToken {
	var toks []addrToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			depth := 0
			for ; i < len(s); i++ {
				if s[i] == '\\' {
					i++
					continue
				}
				if s[i] == '(' {
					depth++
				} else if s[i] == ')' {
					depth--
					if depth == 0 {
						i++
						break
					}
				}
			}
		case c == '"':
			var b strings.Builder
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				if s[i] != '\r' && s[i] != '\n' {
					b.WriteByte(s[i])
				}
			}
			i++ // the closing quote
			toks = append(toks, addrToken{text: b.String(), quoted: true})
		case c == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				j = len(s) - i - 1
			}
			toks = append(toks, addrToken{text: s[i : i+j+1]})
			i += j + 1
		case strings.IndexByte(addrSpecials, c) >= 0:
			toks = append(toks, addrToken{special: c})
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n()\"[]"+addrSpecials, rune(s[j])) {
				j++
			}
			toks = append(toks, addrToken{text: s[i:j]})
			i = j
		}
	}
	return toks
}

type addrParser struct {
	toks []addrToken
	i    int
}

func (p *addrParser) done() bool { return p.i >= len(p.toks) }

func (p *addrParser) peek(special string) bool {
	return !p.done() && p.toks[p.i].special != 0 && p.toks[p.i].special == special[0]
}

func (p *addrParser) next() addrToken {
	t := p.toks[p.i]
	p.i++
	return t
}

// address reads one address (a mailbox, or a group unless inGroup) and
// the comma after it, appending what it found to out.
func (p *addrParser) address(out []imap.Address, inGroup bool) []imap.Address {
	words := p.words()
	switch {
	case p.peek("<"):
		p.next()
		if a, ok := p.angleAddr(); ok {
			a.Name = decodeHeaderValue(phrase(words))
			out = append(out, a)
		}
	case p.peek(":") && !inGroup:
		p.next()
		out = append(out, imap.Address{Mailbox: decodeHeaderValue(phrase(words))})
		for !p.done() && !p.peek(";") {
			if p.peek(",") {
				p.next()
				continue
			}
			before := p.i
			out = p.address(out, true)
			if p.i == before {
				p.next()
			}
		}
		if p.peek(";") {
			p.next()
		}
		out = append(out, imap.Address{})
	case p.peek("@"):
		p.next()
		if host := p.domain(); host != "" && len(words) > 0 {
			out = append(out, imap.Address{Mailbox: localPart(words), Host: host})
		}
	}
	// A bare word with no domain is no address; skip to the next one.
	for !p.done() && !p.peek(",") && !(inGroup && p.peek(";")) {
		if !inGroup && p.peek(";") {
			p.next()
			continue
		}
		p.next()
	}
	if p.peek(",") {
		p.next()
	}
	return out
}

// words reads a phrase or a local-part: words and the dots between them.
func (p *addrParser) words() []addrToken {
	var w []addrToken
	for !p.done() && (p.toks[p.i].special == 0 || p.peek(".")) {
		w = append(w, p.next())
	}
	return w
}

// angleAddr reads [obs-route] addr-spec ">" after the "<".
func (p *addrParser) angleAddr() (imap.Address, bool) {
	if p.peek("@") { // obs-route: 1*("@" domain *("," ["@" domain])) ":"
		for !p.done() && !p.peek(":") && !p.peek(">") {
			p.next()
		}
		if p.peek(":") {
			p.next()
		}
	}
	local := p.words()
	if !p.peek("@") || len(local) == 0 {
		p.skipPast(">")
		return imap.Address{}, false
	}
	p.next()
	host := p.domain()
	p.skipPast(">")
	return imap.Address{Mailbox: localPart(local), Host: host}, host != ""
}

func (p *addrParser) skipPast(special string) {
	for !p.done() && !p.peek(",") && !p.peek(";") {
		if p.peek(special) {
			p.next()
			return
		}
		p.next()
	}
}

// domain reads a dot-atom (obs-domain: CFWS between the atoms) or a
// domain literal.
func (p *addrParser) domain() string {
	var b strings.Builder
	for !p.done() {
		t := p.toks[p.i]
		if t.special == '.' {
			b.WriteByte('.')
		} else if t.special == 0 && !t.quoted {
			b.WriteString(t.text)
		} else {
			break
		}
		p.i++
	}
	return b.String()
}

// phrase joins display-name words with single spaces.
func phrase(words []addrToken) string {
	var parts []string
	for _, w := range words {
		if w.special == '.' {
			if n := len(parts); n > 0 {
				parts[n-1] += "."
				continue
			}
			parts = append(parts, ".")
			continue
		}
		parts = append(parts, w.text)
	}
	return strings.Join(parts, " ")
}

// localPart joins local-part words with no space (obs-local-part allows
// CFWS around the dots); a quoted word is kept unquoted.
func localPart(words []addrToken) string {
	var b strings.Builder
	for _, w := range words {
		if w.special == '.' {
			b.WriteByte('.')
		} else {
			b.WriteString(w.text)
		}
	}
	return b.String()
}
