package trace

import (
	"fmt"
	"strings"
	"testing"
)

// keysOf renders explanations as "kind:key" words.
func keysOf(es []Explanation) string {
	var s []string
	for _, e := range es {
		s = append(s, string(e.Kind)+":"+e.Key)
	}
	return strings.Join(s, " ")
}

// explainAll explains every event of r with one Explainer, and checks
// that ExplainInSnapshot, replaying each event's session, agrees.
func explainAll(t *testing.T, r *Recorder) (*Snapshot, [][]Explanation) {
	t.Helper()
	snap := r.Snapshot()
	x := NewExplainer()
	out := make([][]Explanation, snap.Len())
	for i := range out {
		out[i] = x.Explain(snap.At(i))
		if again := ExplainInSnapshot(snap, i); fmt.Sprint(again) != fmt.Sprint(out[i]) {
			t.Errorf("event %d %q: ExplainInSnapshot = %s, Explainer = %s", i+1, snap.At(i).Text, keysOf(again), keysOf(out[i]))
		}
	}
	return snap, out
}

type explainWant struct {
	dir  Direction
	text string // the event's Text; for a bulk, its verb after "bulk "
	keys string
	cite string // the first explanation's Cite, when not ""
}

func checkExplained(t *testing.T, r *Recorder, wants []explainWant) {
	t.Helper()
	snap, got := explainAll(t, r)
	for _, w := range wants {
		found := false
		for i := 0; i < snap.Len() && !found; i++ {
			ev := snap.At(i)
			name := ev.Text
			if ev.Kind == KindBulk {
				name = "bulk " + ev.Verb
			}
			if ev.Dir != w.dir || name != w.text {
				continue
			}
			found = true
			if k := keysOf(got[i]); k != w.keys {
				t.Errorf("%v %q: explained as %q, want %q", w.dir, w.text, k, w.keys)
			}
			if w.cite != "" && (len(got[i]) == 0 || got[i][0].Cite() != w.cite) {
				t.Errorf("%v %q: cites %v, want %q", w.dir, w.text, got[i], w.cite)
			}
		}
		if !found {
			t.Errorf("no event %v %q", w.dir, w.text)
		}
	}
	for i, es := range got {
		if len(es) == 0 {
			t.Errorf("event %d %v %s %q has no explanation", i+1, snap.At(i).Dir, snap.At(i).Kind, snap.At(i).Text)
		}
	}
}

const c2s, s2c = ClientToServer, ServerToClient

func TestExplainerSMTP(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, SMTP)
	c.S("220-mailscope.lab ESMTP\r\n220 ready\r\n")
	c.C("EHLO x\r\n")
	c.S("250-Hello x\r\n250-PIPELINING\r\n250-XFOO\r\n250 SIZE 100\r\n")
	c.C("RCPT TO:<a@b.c>\r\n")
	c.S("502 5.5.1 Missing MAIL FROM command.\r\n")
	c.C("XYZZY\r\n")
	c.S("501 5.5.2 Bad command\r\n")
	c.C("XYZW\r\n")
	c.S("500 5.5.2 Syntax errors, XYZW command unrecognized\r\n")
	c.C("MAIL FROM:<a@b.c>\r\n")
	c.S("250 2.0.0 Roger\r\n")
	c.C("DATA\r\n")
	c.S("502 5.5.1 Missing RCPT TO command.\r\n")
	c.C("HELP\r\n")
	c.S("502 5.5.1 HELP command not implemented\r\n")
	c.C("AUTH LOGIN\r\n")
	c.S("334 VXNlcm5hbWU6\r\n")
	c.C("c3R1ZGVudA==\r\n")
	c.S("334 UGFzc3dvcmQ6\r\n")
	c.C("c2VjcmV0\r\n")
	c.S("235 2.7.0 Authentication succeeded\r\n")
	c.C("QUIT\r\n")
	c.S("221 2.0.0 Bye\r\n")
	c.s.Mark("close", "server closed", false, c.now, wall0)
	c.close()
	checkExplained(t, r, []explainWant{
		{c2s, "", "mark:connect", "RFC 9293 §3.5"},
		{s2c, "220-mailscope.lab ESMTP", "response:220 note:greeting note:greeting-continued", ""},
		{s2c, "220 ready", "response:220 note:greeting note:greeting-continued", ""},
		{c2s, "EHLO x", "command:EHLO", ""},
		{s2c, "250-Hello x", "response:250 note:ehlo-hello", ""},
		{s2c, "250-PIPELINING", "response:250 extension:PIPELINING", ""},
		{s2c, "250-XFOO", "response:250 extension:other-extension", ""},
		{s2c, "250 SIZE 100", "response:250 extension:SIZE", ""},
		{s2c, "502 5.5.1 Missing MAIL FROM command.", "response:502 code:5.5.1 deviation:go-smtp-502-sequence", ""},
		{c2s, "XYZZY", "note:unknown-command", ""},
		{s2c, "501 5.5.2 Bad command", "response:501 code:5.5.2 deviation:go-smtp-501-verb", ""},
		{s2c, "500 5.5.2 Syntax errors, XYZW command unrecognized", "response:500 code:5.5.2", ""},
		{s2c, "502 5.5.1 Missing RCPT TO command.", "response:502 code:5.5.1 deviation:go-smtp-502-sequence", ""},
		{s2c, "502 5.5.1 HELP command not implemented", "response:502 code:5.5.1", ""},
		{s2c, "334 VXNlcm5hbWU6", "response:334", ""},
		{c2s, "c3R1ZGVudA==", "note:sasl-answer", "RFC 4954 §4"},
		{c2s, "c2VjcmV0", "note:sasl-answer", ""},
		{s2c, "235 2.7.0 Authentication succeeded", "response:235 code:2.7.0", ""},
		{c2s, "QUIT", "command:QUIT", ""},
		{s2c, "server closed", "mark:close-server", "RFC 9293 §3.6"},
	})
}

func TestExplainerPOP3(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, POP3)
	c.S("+OK POP3 ready <1.2@x>\r\n")
	c.C("CAPA\r\n")
	c.S("+OK Capability list follows\r\nTOP\r\nUIDL\r\nSASL PLAIN\r\nRESP-CODES\r\nSTLS\r\nAUTH-RESP-CODE\r\nIMPLEMENTATION mailscope\r\nXFOO\r\n.\r\n")
	c.C("USER student\r\n")
	c.S("+OK\r\n")
	c.C("PASS secret\r\n")
	c.S("+OK maildrop locked\r\n")
	c.C("LIST\r\n")
	c.S("+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n")
	c.C("UIDL\r\n")
	c.S("+OK\r\n1 uid-a\r\n2 uid-b\r\n.\r\n")
	c.C("LIST 1\r\n")
	c.S("+OK 1 120\r\n")
	c.C("RETR 1\r\n")
	c.S("+OK 30 octets\r\nSubject: x\r\n\r\nbody\r\n.\r\n")
	c.C("AUTH\r\n")
	c.S("+OK\r\nPLAIN\r\n.\r\n")
	c.C("AUTH PLAIN\r\n")
	c.S("+ \r\n")
	c.C("AHN0dWRlbnQAc2VjcmV0\r\n")
	c.S("-ERR [AUTH] no\r\n")
	c.C("XTND XMIT\r\n")
	c.S("-ERR unknown command\r\n")
	c.C("QUIT\r\n")
	c.S("+OK bye\r\n")
	c.close()
	checkExplained(t, r, []explainWant{
		{s2c, "+OK POP3 ready <1.2@x>", "response:+OK note:greeting", "RFC 1939 §3"},
		{s2c, "TOP", "capability:TOP", "RFC 2449 §6.1"},
		{s2c, "UIDL", "capability:UIDL", "RFC 2449 §6.8"},
		{s2c, "SASL PLAIN", "capability:SASL", "RFC 2449 §6.3"},
		{s2c, "RESP-CODES", "capability:RESP-CODES", "RFC 2449 §6.4"},
		{s2c, "STLS", "capability:STLS", "RFC 2595 §4"},
		{s2c, "AUTH-RESP-CODE", "capability:AUTH-RESP-CODE", "RFC 3206 §6"},
		{s2c, "IMPLEMENTATION mailscope", "capability:IMPLEMENTATION", "RFC 2449 §6.9"},
		{s2c, "XFOO", "capability:other-capability", ""},
		{s2c, "1 120", "listing:LIST", "RFC 1939 §5"},
		{s2c, "1 uid-a", "listing:UIDL", "RFC 1939 §7"},
		{s2c, "+OK 1 120", "response:+OK", ""},
		{s2c, "bulk RETR", "command:RETR", ""},
		{s2c, "PLAIN", "listing:AUTH", ""},
		{s2c, "+ ", "response:+", ""},
		{c2s, "AHN0dWRlbnQAc2VjcmV0", "note:sasl-answer", "RFC 5034 §4"},
		{s2c, "-ERR [AUTH] no", "response:-ERR code:AUTH", ""},
		{c2s, "XTND XMIT", "note:unknown-command", ""},
		{c2s, "", "mark:connect", ""},
	})
	// Each "." says which listing it ends.
	snap, got := explainAll(t, r)
	var dots []string
	for i := 0; i < snap.Len(); i++ {
		if ev := snap.At(i); ev.Text == "." && ev.Dir == s2c {
			dots = append(dots, keysOf(got[i]))
		}
	}
	want := "response:. listing:CAPA.|response:. listing:LIST.|response:. listing:UIDL.|response:. listing:RETR.|response:. listing:AUTH."
	if s := strings.Join(dots, "|"); s != want {
		t.Errorf("the dot lines are explained as\n%s\nwant\n%s", s, want)
	}
}

func TestExplainerIMAP(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, IMAP)
	c.S("* OK [CAPABILITY IMAP4rev1 IMAP4rev2] IMAP server ready\r\n")
	c.C("a1 LOGIN student secret\r\n")
	c.S("a1 OK Logged in\r\n")
	c.C("a2 SEARCH ALL\r\n")
	c.S("* SEARCH 1 2\r\na2 OK SEARCH completed\r\n")
	c.C("a3 FETCH 1 BODY[]\r\n")
	c.S("* 1 FETCH (BODY[] {5}\r\nhello)\r\na3 OK FETCH completed\r\n")
	c.C("a4 LIST \"\" \"&\"\r\n")
	c.S("a4 NO [SERVERBUG] Internal server error\r\n")
	c.C("a5 GETQUOTAROOT INBOX\r\n")
	c.S("a5 BAD Unknown command\r\n")
	c.C("a6 APPEND INBOX {5+}\r\nhello FLAGGED\r\n")
	c.S("a6 OK [APPENDUID 1 3] APPEND completed\r\n")
	c.C("a7 ENABLE IMAP4rev2 CONDSTORE\r\n")
	c.S("* ENABLED IMAP4rev2\r\na7 OK ENABLE completed\r\n")
	c.C("b2 SEARCH ALL\r\n")
	c.S("* ESEARCH (TAG \"b2\") ALL 1:2\r\nb2 OK SEARCH completed\r\n")
	c.C("b3 FETCH 2 BODY[]\r\n")
	c.S("* 2 FETCH (BODY[] {3}\r\nhey)\r\nb3 OK FETCH completed\r\n")
	c.C("b4 IDLE\r\n")
	c.S("+ idling\r\n")
	c.C("DONE\r\n")
	c.S("b4 OK IDLE completed\r\n")
	c.C("b5 LOGOUT\r\n")
	c.S("* BYE Logging out\r\nb5 OK LOGOUT completed\r\n")
	c.close()
	checkExplained(t, r, []explainWant{
		{s2c, "* OK [CAPABILITY IMAP4rev1 IMAP4rev2] IMAP server ready", "response:OK code:CAPABILITY note:greeting", "RFC 3501 §7.1.1"},
		{c2s, "a2 SEARCH ALL", "command:SEARCH", "RFC 3501 §6.4.4"},
		{s2c, "* SEARCH 1 2", "response:SEARCH", "RFC 3501 §7.2.5"},
		{s2c, ")", "note:continued-response response:FETCH", "RFC 3501 §4.3"},
		{s2c, "a4 NO [SERVERBUG] Internal server error", "response:NO code:SERVERBUG deviation:go-imap-list-ampersand", "RFC 3501 §7.1.2"},
		{c2s, "a5 GETQUOTAROOT INBOX", "command:GETQUOTAROOT", "RFC 9208 §4.1.2"},
		{s2c, "a5 BAD Unknown command", "response:BAD note:go-imap-no-handler", ""},
		{c2s, " FLAGGED", "note:continued-command command:APPEND", "RFC 3501 §4.3"},
		{s2c, "a6 OK [APPENDUID 1 3] APPEND completed", "response:OK code:APPENDUID", ""},
		{c2s, "a7 ENABLE IMAP4rev2 CONDSTORE", "command:ENABLE note:enable-unsupported", "RFC 5161 §3.1"},
		{s2c, "* ENABLED IMAP4rev2", "response:ENABLED", "RFC 5161 §3.2"},
		// From here the session speaks IMAP4rev2: RFC 9051 throughout.
		{c2s, "b2 SEARCH ALL", "command:SEARCH", "RFC 9051 §6.4.4"},
		{s2c, "* ESEARCH (TAG \"b2\") ALL 1:2", "response:ESEARCH", "RFC 9051 §7.3.4"},
		{s2c, "b4 OK IDLE completed", "response:OK", "RFC 9051 §7.1.1"},
		{s2c, "+ idling", "response:+", "RFC 9051 §7.6"},
		{c2s, "DONE", "command:DONE", "RFC 9051 §6.3.13"},
		{s2c, "* BYE Logging out", "response:BYE", "RFC 9051 §7.1.5"},
	})
	// The APPENDUID code cites UIDPLUS in the rev1 part of the session.
	snap, got := explainAll(t, r)
	for i := 0; i < snap.Len(); i++ {
		if strings.HasPrefix(snap.At(i).Text, "a6 OK") && got[i][1].Cite() != "RFC 4315 §3" {
			t.Errorf("APPENDUID in an IMAP4rev1 session cites %q, want RFC 4315 §3", got[i][1].Cite())
		}
	}
}

func TestExplainerIMAPAuthenticateAndBye(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, IMAP)
	c.S("* OK ready\r\n")
	c.C("a1 AUTHENTICATE PLAIN\r\n")
	c.S("+ \r\n")
	c.C("AHN0dWRlbnQAc2VjcmV0\r\n")
	c.S("a1 NO [AUTHENTICATIONFAILED] no\r\n")
	c.C("x1 ID (\"name\" \"t\")\r\n")
	c.S("x1 BAD Unknown command\r\n* BYE Unknown command\r\n")
	c.s.Mark("close", "server closed", false, c.now, wall0)
	checkExplained(t, r, []explainWant{
		{c2s, "AHN0dWRlbnQAc2VjcmV0", "note:sasl-answer", "RFC 3501 §6.2.2"},
		{s2c, "a1 NO [AUTHENTICATIONFAILED] no", "response:NO code:AUTHENTICATIONFAILED", ""},
		{c2s, "x1 ID (\"name\" \"t\")", "command:ID", "RFC 2971 §3.1"},
		{s2c, "x1 BAD Unknown command", "response:BAD note:go-imap-no-handler", ""},
		{s2c, "* BYE Unknown command", "response:BYE note:go-imap-bye-unknown", ""},
	})
}

func TestExplainerMarks(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, POP3)
	c.s.Mark("dial", "dialling 56k", true, 0, wall0)
	c.S("+OK ready\r\n")
	c.C("RETR 1\r\n")
	c.S("+OK 3000 octets\r\nSubject: cut\r\n\r\nhalf a bo")
	c.s.Mark("fault", "stall S→C for 2s after 10 bytes", false, c.now, wall0)
	c.s.Mark("fault", "drop up after 0 bytes", true, c.now, wall0)
	c.s.Mark("fault", "reset after 40 bytes S→C", false, c.now, wall0)
	c2 := newConn(t, r, SMTP)
	c2.s.Mark("fault", "offline", true, 0, wall0)
	c2.s.Mark("fault", "hangup", true, 0, wall0)
	c2.s.Mark("fault", "reply smtp DATA", true, 0, wall0)
	c2.s.Mark("fault", "reply@smtp,cmd=RCPT,with=451 4.3.0 later: answered RCPT with \"451 4.3.0 later\" instead of running it", false, 0, wall0)
	c2.s.Mark("fault", "delay@smtp,cmd=MAIL,for=5s: held MAIL for 5s", false, 0, wall0)
	c2.s.Mark("fault", "chaos,p=0.2,seed=7: answered RCPT with \"451 x\" instead of running it", false, 0, wall0)
	c2.s.Mark("fault", "disconnect@imap,during=IDLE,after=30s: IDLE for 30s: sent \"* BYE x\" and closed the connection", false, 0, wall0)
	checkExplained(t, r, []explainWant{
		{c2s, "dialling 56k", "mark:dial", ""},
		{s2c, "bulk RETR", "command:RETR mark:incomplete", ""},
		{s2c, "stall S→C for 2s after 10 bytes", "mark:stall", ""},
		{c2s, "drop up after 0 bytes", "mark:drop", ""},
		{s2c, "reset after 40 bytes S→C", "mark:reset", "RFC 9293 §3.5.2"},
		{c2s, "offline", "mark:offline", ""},
		{c2s, "hangup", "mark:hangup", ""},
		{c2s, "reply smtp DATA", "mark:fault", ""},
		{s2c, "reply@smtp,cmd=RCPT,with=451 4.3.0 later: answered RCPT with \"451 4.3.0 later\" instead of running it", "mark:fault-reply", ""},
		{s2c, "delay@smtp,cmd=MAIL,for=5s: held MAIL for 5s", "mark:fault-delay", ""},
		{s2c, "chaos,p=0.2,seed=7: answered RCPT with \"451 x\" instead of running it", "mark:fault-chaos", ""},
		{s2c, "disconnect@imap,during=IDLE,after=30s: IDLE for 30s: sent \"* BYE x\" and closed the connection", "mark:fault-disconnect", ""},
	})
}

func TestExplanationURL(t *testing.T) {
	e, _ := Explain(IMAP, "LIST")
	if got := e.URL(); got != "https://www.rfc-editor.org/rfc/rfc9051#section-6.3.9" {
		t.Errorf("URL() = %q", got)
	}
	if got := e.asRev1().URL(); got != "https://www.rfc-editor.org/rfc/rfc3501#section-6.3.8" {
		t.Errorf("rev1 URL() = %q", got)
	}
	lab := markNotes[markDial]
	if lab.URL() != "" || lab.Cite() != "" {
		t.Errorf("a lab mark cites %q at %q, want nothing", lab.Cite(), lab.URL())
	}
}

// The lab's own notes and only they have no RFC; IMAP entries carry both
// citations; the rev1 citation never points at RFC 9051 except for what
// only IMAP4rev2 (or an extension folded into it) defines.
func TestCatalogueCitations(t *testing.T) {
	rev2Only := map[string]bool{"HASCHILDREN": true, "CLOSED": true, "UNKNOWN-CTE": true}
	for _, e := range Catalogue() {
		name := e.Protocol.String() + " " + string(e.Kind) + " " + e.Key
		if e.Protocol != IMAP {
			if e.Rev1RFC != 0 {
				t.Errorf("%s: a rev1 citation outside IMAP", name)
			}
			continue
		}
		if e.Rev1RFC < 1000 || !sectionRE.MatchString(e.Rev1Section) {
			t.Errorf("%s: rev1 citation RFC %d §%s", name, e.Rev1RFC, e.Rev1Section)
		}
		if e.Rev1RFC == 9051 && !rev2Only[e.Key] {
			t.Errorf("%s: cites RFC 9051 for an IMAP4rev1 session", name)
		}
	}
	for k, e := range markNotes {
		if len(e.Sentence) < 20 || !strings.HasSuffix(e.Sentence, ".") {
			t.Errorf("mark %s: sentence %q is not a full sentence", k, e.Sentence)
		}
		switch {
		case e.RFC == 0 && e.Section != "":
			t.Errorf("mark %s: a section without an RFC", k)
		case e.RFC == 0 && k != markIncomplete && !strings.Contains(e.Sentence, "Mailscope"):
			t.Errorf("mark %s: no RFC, and the sentence does not say the row is Mailscope's own: %q", k, e.Sentence)
		case e.RFC != 0 && (e.RFC != 9293 || !sectionRE.MatchString(e.Section)):
			t.Errorf("mark %s: cites RFC %d §%s", k, e.RFC, e.Section)
		}
	}
}

// One IMAP session of 100k events, interleaved with a POP3 session's
// 50k, replayed to explain its last event (what TraceService.Explain
// does for a line at the end of a long session).
func BenchmarkExplainInSnapshot(b *testing.B) {
	r := NewRecorder(&Options{PayloadLimit: -1})
	t := &testing.T{}
	c := newConn(t, r, IMAP)
	other := newConn(t, r, POP3)
	c.S("* OK ready\r\n")
	c.C("a1 LOGIN u p\r\n")
	c.S("a1 OK done\r\n")
	for n := 0; n < 100000; n += 4 {
		c.C("a2 UID FETCH 1:* (FLAGS)\r\n")
		c.S("* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n* 2 FETCH (UID 2 FLAGS ())\r\na2 OK done\r\n")
		other.C("NOOP\r\n")
		other.S("+OK\r\n")
	}
	snap := r.Snapshot()
	last := snap.Len() - 1
	for snap.At(last).Session != c.s.ID() {
		last--
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(ExplainInSnapshot(snap, last)) == 0 {
			b.Fatal("no explanation")
		}
	}
}

// LIST-EXTENDED, LIST-STATUS, CHILDREN, SPECIAL-USE and SASL-IR: the
// extension RFC in an IMAP4rev1 session, RFC 9051 in an IMAP4rev2 one.
func TestExplainerIMAPExtensions(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, IMAP)
	c.S("* OK ready\r\n")
	c.C("a1 AUTHENTICATE PLAIN AHN0dWRlbnQAc2VjcmV0\r\n")
	c.S("a1 OK done\r\n")
	c.C("a2 LIST (SUBSCRIBED) \"\" \"*\" RETURN (STATUS (MESSAGES))\r\n")
	c.S("* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n* STATUS Sent (MESSAGES 0)\r\na2 OK LIST completed\r\n")
	c.C("a3 ENABLE IMAP4rev2\r\n")
	c.S("* ENABLED IMAP4rev2\r\na3 OK done\r\n")
	c.C("a4 list \"\" \"%\"\r\n")
	c.S("* LIST (\\HasChildren) \"/\" Work\r\na4 OK LIST completed\r\n")
	checkExplained(t, r, []explainWant{
		{c2s, "a1 AUTHENTICATE PLAIN AHN0dWRlbnQAc2VjcmV0", "command:AUTHENTICATE note:sasl-ir", ""},
		{c2s, "a2 LIST (SUBSCRIBED) \"\" \"*\" RETURN (STATUS (MESSAGES))", "command:LIST note:list-extended note:list-status", "RFC 3501 §6.3.8"},
		{s2c, "* LIST (\\HasNoChildren \\Sent) \"/\" Sent", "response:LIST note:children note:special-use", "RFC 3501 §7.2.2"},
		{c2s, "a4 list \"\" \"%\"", "command:LIST", "RFC 9051 §6.3.9"},
		{s2c, "* LIST (\\HasChildren) \"/\" Work", "response:LIST note:children", "RFC 9051 §7.3.1"},
	})
	snap, got := explainAll(t, r)
	want := map[string]string{
		"a1 AUTHENTICATE PLAIN AHN0dWRlbnQAc2VjcmV0":                 "RFC 4959 §3",
		"a2 LIST (SUBSCRIBED) \"\" \"*\" RETURN (STATUS (MESSAGES))": "RFC 5258 §3 RFC 5819 §2",
		"* LIST (\\HasNoChildren \\Sent) \"/\" Sent":                 "RFC 3348 §3 RFC 6154 §2",
	}
	for i := 0; i < snap.Len(); i++ {
		w, ok := want[snap.At(i).Text]
		if !ok {
			continue
		}
		var cites []string
		for _, e := range got[i][1:] {
			cites = append(cites, e.Cite())
		}
		if s := strings.Join(cites, " "); s != w {
			t.Errorf("%q: notes cite %q, want %q", snap.At(i).Text, s, w)
		}
	}
}

// A line cut short by a reset is still explained by what arrived of it.
func TestExplainerIncompleteLine(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, SMTP)
	c.S("220 ready\r\n")
	c.C("EHLO x\r\n")
	c.S("250-Hello x\r\n250-PIPELI")
	c.s.Mark("fault", "reset after 30 bytes S→C", false, c.now, wall0)
	checkExplained(t, r, []explainWant{
		{s2c, "250-PIPELI", "response:250 extension:other-extension mark:incomplete", ""},
		{s2c, "reset after 30 bytes S→C", "mark:reset", ""},
	})
}

func TestExplainerSMTPGivesUp(t *testing.T) {
	r := NewRecorder(nil)
	c := newConn(t, r, SMTP)
	c.S("220 ready\r\n")
	c.C("FOO4\r\n")
	c.S("500 5.5.2 Syntax errors, FOO4 command unrecognized\r\n500 5.5.1 Too many errors. Quiting now\r\n")
	c.C("QUIT\r\n")
	checkExplained(t, r, []explainWant{
		{s2c, "500 5.5.2 Syntax errors, FOO4 command unrecognized", "response:500 code:5.5.2", ""},
		{s2c, "500 5.5.1 Too many errors. Quiting now", "response:500 code:5.5.1 deviation:go-smtp-too-many-errors", ""},
	})
}
