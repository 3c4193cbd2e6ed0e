package smtpd

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// go-smtp parses the path (angle brackets, source routes, quoted local
// parts) and hands over "local@domain"; this file checks what it let
// through against RFC 5321 §4.1.2 and §4.5.3.1.

var (
	errNoAt        = errors.New("no @domain")
	errLocalPart   = errors.New("bad local part")
	errDomain      = errors.New("bad domain")
	errNotUTF8     = errors.New("not UTF-8")
	errAddrTooLong = errors.New("too long")
)

// mailbox is a parsed address.
type mailbox struct {
	Local  string // as written (case kept)
	Domain string // lower-case, without a trailing dot
}

// parseMailbox splits and checks an address: a local part of at most 64
// octets with no control characters, and a domain that is either
// dot-separated labels of letters, digits, hyphens and UTF-8 (RFC 6531)
// or an address literal in brackets.
func parseMailbox(addr string) (mailbox, error) {
	if len(addr) > 254 {
		return mailbox{}, errAddrTooLong
	}
	if !utf8.ValidString(addr) {
		return mailbox{}, errNotUTF8
	}
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return mailbox{}, errNoAt
	}
	local, domain := addr[:i], addr[i+1:]
	if local == "" || len(local) > 64 || hasControl(local) {
		return mailbox{}, errLocalPart
	}
	if !validDomain(domain) {
		return mailbox{}, errDomain
	}
	return mailbox{Local: local, Domain: normDomain(domain)}, nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

func validDomain(d string) bool {
	if strings.HasPrefix(d, "[") {
		// address-literal: "[" ( IPv4 / "IPv6:" IPv6 / tag ":" text ) "]"
		if len(d) < 3 || !strings.HasSuffix(d, "]") {
			return false
		}
		for _, c := range []byte(d[1 : len(d)-1]) {
			if c <= ' ' || c >= 0x7f || c == '[' || c == ']' || c == '\\' {
				return false
			}
		}
		return true
	}
	d = strings.TrimSuffix(d, ".")
	if d == "" || len(d) > 253 {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			case r >= 0x80 && !hasControl(string(r)): // U-label (RFC 6531)
			default:
				return false
			}
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
