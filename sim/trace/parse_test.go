package trace

import (
	"testing"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name string
		p    Protocol
		line string
		want Parsed
	}{
		{"smtp ehlo", SMTP, "EHLO client.example", Parsed{Verb: "EHLO"}},
		{"smtp lower case", SMTP, "mail FROM:<a@b>", Parsed{Verb: "MAIL"}},
		{"smtp rcpt", SMTP, "RCPT TO:<bob@example.org>", Parsed{Verb: "RCPT"}},
		{"smtp data", SMTP, "DATA", Parsed{Verb: "DATA"}},
		{"smtp base64 is no verb", SMTP, "dGVzdAB0ZXN0AHRlc3Q=", Parsed{}},
		{"smtp empty", SMTP, "", Parsed{}},
		{"pop3 retr", POP3, "RETR 1", Parsed{Verb: "RETR"}},
		{"pop3 lower", POP3, "uidl", Parsed{Verb: "UIDL"}},
		{"imap tagged", IMAP, "a1 LOGIN alice secret", Parsed{Tag: "a1", Verb: "LOGIN"}},
		{"imap uid fetch", IMAP, "a1 UID FETCH 1:* (FLAGS)", Parsed{Tag: "a1", Verb: "UID FETCH"}},
		{"imap uid lower", IMAP, "a2 uid store 4 +FLAGS (\\Seen)", Parsed{Tag: "a2", Verb: "UID STORE"}},
		{"imap lower verb", IMAP, "x select INBOX", Parsed{Tag: "x", Verb: "SELECT"}},
		{"imap done", IMAP, "DONE", Parsed{Verb: "DONE"}},
		{"imap done lower", IMAP, "done", Parsed{Verb: "DONE"}},
		{"imap tag only", IMAP, "a1", Parsed{Tag: "a1"}},
		{"imap not a verb", IMAP, "a1 {5}", Parsed{Tag: "a1"}},
		{"unknown protocol", ProtocolUnknown, "HELLO", Parsed{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseCommand(tt.p, tt.line); got != tt.want {
				t.Errorf("ParseCommand(%v, %q) = %+v, want %+v", tt.p, tt.line, got, tt.want)
			}
		})
	}
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name string
		p    Protocol
		line string
		want Parsed
	}{
		{"smtp greeting", SMTP, "220 mx.example ESMTP ready", Parsed{Status: "220"}},
		{"smtp continuation", SMTP, "250-SIZE 10240000", Parsed{Status: "250", More: true}},
		{"smtp last line", SMTP, "250 PIPELINING", Parsed{Status: "250"}},
		{"smtp enhanced", SMTP, "550 5.1.1 <bob@x>: user unknown", Parsed{Status: "550", Code: "5.1.1"}},
		{"smtp enhanced more", SMTP, "250-2.0.0 ok", Parsed{Status: "250", Code: "2.0.0", More: true}},
		{"smtp bare code", SMTP, "354", Parsed{Status: "354"}},
		{"smtp 334 challenge", SMTP, "334 VXNlcm5hbWU6", Parsed{Status: "334"}},
		{"smtp not enhanced", SMTP, "250 2.0 ok", Parsed{Status: "250"}},
		{"smtp not a reply", SMTP, "Subject: hi", Parsed{}},
		{"smtp six hundred", SMTP, "600 nope", Parsed{}},
		{"smtp glued", SMTP, "250x", Parsed{}},
		{"pop3 ok", POP3, "+OK 2 320", Parsed{Status: "+OK"}},
		{"pop3 ok bare", POP3, "+OK", Parsed{Status: "+OK"}},
		{"pop3 err code", POP3, "-ERR [IN-USE] maildrop locked", Parsed{Status: "-ERR", Code: "IN-USE"}},
		{"pop3 sys temp", POP3, "-ERR [SYS/TEMP] try later", Parsed{Status: "-ERR", Code: "SYS/TEMP"}},
		{"pop3 continuation", POP3, "+ ", Parsed{Status: "+"}},
		{"pop3 continuation bare", POP3, "+", Parsed{Status: "+"}},
		{"pop3 listing line", POP3, "1 120", Parsed{}},
		{"pop3 okay is not ok", POP3, "+OKAY", Parsed{}},
		{"imap exists", IMAP, "* 3 EXISTS", Parsed{Tag: "*", Verb: "EXISTS"}},
		{"imap fetch", IMAP, "* 1 FETCH (UID 5 BODY[] {342}", Parsed{Tag: "*", Verb: "FETCH"}},
		{"imap untagged ok code", IMAP, "* OK [CAPABILITY IMAP4rev1 IDLE] ready", Parsed{Tag: "*", Status: "OK", Code: "CAPABILITY"}},
		{"imap uidnext", IMAP, "* OK [UIDNEXT 7] predicted", Parsed{Tag: "*", Status: "OK", Code: "UIDNEXT"}},
		{"imap capability", IMAP, "* CAPABILITY IMAP4rev1 STARTTLS", Parsed{Tag: "*", Verb: "CAPABILITY"}},
		{"imap tagged ok", IMAP, "a1 OK [READ-WRITE] SELECT completed", Parsed{Tag: "a1", Status: "OK", Code: "READ-WRITE"}},
		{"imap tagged no", IMAP, "a2 NO [AUTHENTICATIONFAILED] bad", Parsed{Tag: "a2", Status: "NO", Code: "AUTHENTICATIONFAILED"}},
		{"imap bad", IMAP, "a3 BAD parse error", Parsed{Tag: "a3", Status: "BAD"}},
		{"imap bye", IMAP, "* BYE logging out", Parsed{Tag: "*", Status: "BYE"}},
		{"imap preauth", IMAP, "* PREAUTH welcome", Parsed{Tag: "*", Status: "PREAUTH"}},
		{"imap continuation", IMAP, "+ Ready for literal", Parsed{Tag: "+", Status: "+"}},
		{"imap continuation bare", IMAP, "+", Parsed{Tag: "+", Status: "+"}},
		{"imap lower status", IMAP, "a1 ok done", Parsed{Tag: "a1", Status: "OK"}},
		{"imap list", IMAP, `* LIST (\HasNoChildren) "/" INBOX`, Parsed{Tag: "*", Verb: "LIST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseResponse(tt.p, tt.line); got != tt.want {
				t.Errorf("ParseResponse(%v, %q) = %+v, want %+v", tt.p, tt.line, got, tt.want)
			}
		})
	}
}

func TestLiteral(t *testing.T) {
	tests := []struct {
		line string
		n    int64
		ok   bool
	}{
		{"a1 APPEND INBOX {310}", 310, true},
		{"a1 APPEND INBOX {310+}", 310, true},
		{"a1 APPEND INBOX ~{8}", 8, true},
		{"* 1 FETCH (BODY[] {0}", 0, true},
		{"a1 LOGIN {5}", 5, true},
		{"a1 LOGIN alice secret", 0, false},
		{"a1 SEARCH {x}", 0, false},
		{"a1 X {}", 0, false},
		{"a1 X {+}", 0, false},
		{"}", 0, false},
		{"a1 X 5}", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			n, ok := Literal(tt.line)
			if n != tt.n || ok != tt.ok {
				t.Errorf("Literal(%q) = %d, %v, want %d, %v", tt.line, n, ok, tt.n, tt.ok)
			}
		})
	}
}

func TestCommandSecret(t *testing.T) {
	tests := []struct {
		name   string
		p      Protocol
		line   string
		secret string // the masked part, "" for none
	}{
		{"smtp auth plain ir", SMTP, "AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AGFsaWNlAHNlY3JldA=="},
		{"smtp auth login", SMTP, "AUTH LOGIN", ""},
		{"smtp auth login ir", SMTP, "AUTH LOGIN YWxpY2U=", "YWxpY2U="},
		{"pop3 pass", POP3, "PASS my secret pw", "my secret pw"},
		{"pop3 pass empty", POP3, "PASS", ""},
		{"pop3 apop", POP3, "APOP alice c4c9334bac560ecc979e58001b3e22fb", "c4c9334bac560ecc979e58001b3e22fb"},
		{"pop3 auth ir", POP3, "AUTH PLAIN AGFsaWNlAHg=", "AGFsaWNlAHg="},
		{"pop3 user is not secret", POP3, "USER alice", ""},
		{"imap login", IMAP, "a1 LOGIN alice secret", "secret"},
		{"imap login quoted", IMAP, `a1 LOGIN "alice" "se cr\"et"`, `"se cr\"et"`},
		{"imap login literal password", IMAP, "a1 LOGIN alice {6}", ""},
		{"imap authenticate ir", IMAP, "a1 AUTHENTICATE PLAIN AGFsaWNlAHg=", "AGFsaWNlAHg="},
		{"imap authenticate", IMAP, "a1 AUTHENTICATE PLAIN", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verb := ParseCommand(tt.p, tt.line).Verb
			sp, ok := CommandSecret(tt.p, verb, tt.line)
			got := ""
			if ok {
				got = tt.line[sp.Start:sp.End]
			}
			if got != tt.secret || ok != (tt.secret != "") {
				t.Errorf("CommandSecret(%v, %q) = %q, %v, want %q", tt.p, tt.line, got, ok, tt.secret)
			}
		})
	}
}

func TestIMAPArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`alice secret`, []string{"alice", "secret"}},
		{`"a b" (\Seen \Draft) {12}`, []string{`"a b"`, `(\Seen \Draft)`, "{12}"}},
		{`  x  `, []string{"x"}},
		{`"unterminated`, []string{`"unterminated`}},
		{``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got []string
			for _, sp := range IMAPArgs(tt.in) {
				got = append(got, tt.in[sp.Start:sp.End])
			}
			if len(got) != len(tt.want) {
				t.Fatalf("IMAPArgs(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("IMAPArgs(%q) = %q, want %q", tt.in, got, tt.want)
				}
			}
		})
	}
}

func TestPreview(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Subject: hi\r\nFrom: a\r\n", "Subject: hi↵From: a↵"},
		{"a\tb\x00c\n", "a b·c↵"},
		{"caf\xc3\xa9 \xff", "café ·"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := preview([]byte(tt.in)); got != tt.want {
				t.Errorf("preview(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	long := make([]byte, 1000)
	for i := range long {
		long[i] = 'x'
	}
	if got := preview(long); len(got) != PreviewLen {
		t.Errorf("len(preview(1000 bytes)) = %d, want %d", len(got), PreviewLen)
	}
}

func TestParseProtocol(t *testing.T) {
	for _, p := range []Protocol{SMTP, POP3, IMAP} {
		if got := ParseProtocol(p.String()); got != p {
			t.Errorf("ParseProtocol(%q) = %v, want %v", p.String(), got, p)
		}
	}
	if got := ParseProtocol("gopher"); got != ProtocolUnknown {
		t.Errorf("ParseProtocol(%q) = %v, want unknown", "gopher", got)
	}
}
