package trace

import (
	"regexp"
	"strings"
	"testing"
)

var sectionRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

func TestCatalogueEntriesComplete(t *testing.T) {
	seen := map[catalogueKey]bool{}
	for _, e := range Catalogue() {
		k := catalogueKey{e.Protocol, e.Kind, e.Key}
		name := e.Protocol.String() + " " + string(e.Kind) + " " + e.Key
		if seen[k] {
			t.Errorf("%s: duplicate entry", name)
		}
		seen[k] = true
		if e.Protocol == ProtocolUnknown || e.Key == "" {
			t.Errorf("%s: missing protocol or key", name)
		}
		if len(e.Sentence) < 20 || !strings.HasSuffix(e.Sentence, ".") {
			t.Errorf("%s: sentence %q is not a full sentence", name, e.Sentence)
		}
		if e.RFC < 1000 {
			t.Errorf("%s: RFC %d is not a mail RFC", name, e.RFC)
		}
		if !sectionRE.MatchString(e.Section) {
			t.Errorf("%s: section %q is not like 4.1.1", name, e.Section)
		}
	}
}

// The verbs and statuses the lab's servers and clients speak must all be
// explained.
func TestCatalogueCoversServers(t *testing.T) {
	commands := map[Protocol][]string{
		SMTP: {"HELO", "EHLO", "MAIL", "RCPT", "DATA", ".", "BDAT", "RSET", "VRFY", "NOOP", "QUIT", "STARTTLS", "AUTH", "HELP"},
		POP3: {"USER", "PASS", "APOP", "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "QUIT", "TOP", "UIDL", "CAPA", "STLS", "AUTH"},
		IMAP: {"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN", "ENABLE", "SELECT", "EXAMINE",
			"CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "NAMESPACE", "STATUS", "APPEND",
			"IDLE", "DONE", "CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID",
			"UID FETCH", "UID STORE", "UID SEARCH", "UID COPY", "UID MOVE", "UID EXPUNGE"},
	}
	statuses := map[Protocol][]string{
		SMTP: {"220", "221", "235", "250", "251", "334", "354", "421", "450", "451", "452", "500", "501", "502",
			"503", "504", "530", "535", "550", "551", "552", "553", "554"},
		POP3: {"+OK", "-ERR", "+", "."},
		IMAP: {"OK", "NO", "BAD", "PREAUTH", "BYE", "+", "EXISTS", "EXPUNGE", "FETCH", "FLAGS", "RECENT", "LIST",
			"LSUB", "STATUS", "SEARCH", "ESEARCH", "CAPABILITY", "ENABLED", "NAMESPACE"},
	}
	codes := map[Protocol][]string{
		SMTP: {"2.0.0", "5.1.1", "5.7.8", "2.X.X", "4.X.X", "5.X.X"},
		POP3: {"IN-USE", "LOGIN-DELAY", "SYS/TEMP", "SYS/PERM", "AUTH"},
		IMAP: {"ALERT", "UIDVALIDITY", "UIDNEXT", "TRYCREATE", "OVERQUOTA", "AUTHENTICATIONFAILED", "APPENDUID",
			"COPYUID", "READ-WRITE", "READ-ONLY", "PERMANENTFLAGS", "CAPABILITY", "NONEXISTENT"},
	}
	for p, verbs := range commands {
		for _, v := range verbs {
			if _, ok := Explain(p, v); !ok {
				t.Errorf("Explain(%v, %q) = false, want an entry", p, v)
			}
		}
	}
	for p, ss := range statuses {
		for _, s := range ss {
			if _, ok := ExplainStatus(p, s); !ok {
				t.Errorf("ExplainStatus(%v, %q) = false, want an entry", p, s)
			}
		}
	}
	for p, cs := range codes {
		for _, c := range cs {
			if _, ok := ExplainCode(p, c); !ok {
				t.Errorf("ExplainCode(%v, %q) = false, want an entry", p, c)
			}
		}
	}
	for _, kw := range []string{"SIZE", "PIPELINING", "8BITMIME", "CHUNKING", "SMTPUTF8", "ENHANCEDSTATUSCODES", "STARTTLS", "AUTH"} {
		if _, ok := ExplainExtension(SMTP, kw); !ok {
			t.Errorf("ExplainExtension(smtp, %q) = false, want an entry", kw)
		}
	}
}

func TestExplainLookups(t *testing.T) {
	tests := []struct {
		name string
		got  func() (Explanation, bool)
		cite string // "" for not found
	}{
		{"command lower case", func() (Explanation, bool) { return Explain(POP3, "retr") }, "RFC 1939 §5"},
		{"imap uid fetch", func() (Explanation, bool) { return Explain(IMAP, "UID FETCH") }, "RFC 9051 §6.4.9"},
		{"smtp data", func() (Explanation, bool) { return Explain(SMTP, "DATA") }, "RFC 5321 §4.1.1.4"},
		{"smtp 354", func() (Explanation, bool) { return ExplainStatus(SMTP, "354") }, "RFC 5321 §4.2.2"},
		{"imap fetch response is not the command", func() (Explanation, bool) { return ExplainStatus(IMAP, "FETCH") }, "RFC 9051 §7.5.2"},
		{"enhanced exact", func() (Explanation, bool) { return ExplainCode(SMTP, "5.1.1") }, "RFC 3463 §3.2"},
		{"enhanced subject fallback", func() (Explanation, bool) { return ExplainCode(SMTP, "4.4.7") }, "RFC 3463 §3.5"},
		{"pop3 code", func() (Explanation, bool) { return ExplainCode(POP3, "in-use") }, "RFC 2449 §8.1.2"},
		{"unknown verb", func() (Explanation, bool) { return Explain(SMTP, "XYZZY") }, ""},
		{"wrong protocol", func() (Explanation, bool) { return Explain(POP3, "EHLO") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := tt.got()
			got := ""
			if ok {
				got = e.Cite()
			}
			if got != tt.cite {
				t.Errorf("lookup = %q, want %q", got, tt.cite)
			}
		})
	}
}

func TestExplainEvent(t *testing.T) {
	keys := func(es []Explanation) string {
		var s []string
		for _, e := range es {
			s = append(s, string(e.Kind)+":"+e.Key)
		}
		return strings.Join(s, " ")
	}
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"client command", Event{Protocol: IMAP, Dir: ClientToServer, Verb: "UID FETCH", Tag: "a1"}, "command:UID FETCH"},
		{"smtp reply with enhanced code", Event{Protocol: SMTP, Dir: ServerToClient, Status: "550", Code: "5.1.1"}, "response:550 code:5.1.1"},
		{"ehlo keyword", Event{Protocol: SMTP, Dir: ServerToClient, Status: "250", Text: "250-PIPELINING"}, "response:250 extension:PIPELINING"},
		{"imap untagged", Event{Protocol: IMAP, Dir: ServerToClient, Tag: "*", Verb: "EXISTS"}, "response:EXISTS"},
		{"imap status with code", Event{Protocol: IMAP, Dir: ServerToClient, Tag: "*", Status: "OK", Code: "UIDNEXT"}, "response:OK code:UIDNEXT"},
		{"bulk explains its command", Event{Protocol: POP3, Dir: ServerToClient, Kind: KindBulk, Verb: "RETR"}, "command:RETR"},
		{"imap server literal", Event{Protocol: IMAP, Dir: ServerToClient, Kind: KindBulk, Tag: "*", Verb: "FETCH"}, "response:FETCH"},
		{"client bulk", Event{Protocol: SMTP, Dir: ClientToServer, Kind: KindBulk, Verb: "DATA"}, "command:DATA"},
		{"mark", Event{Protocol: SMTP, Kind: KindConnect}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keys(ExplainEvent(&tt.ev)); got != tt.want {
				t.Errorf("ExplainEvent(%+v) = %q, want %q", tt.ev, got, tt.want)
			}
		})
	}
}
