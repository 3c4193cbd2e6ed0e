package imapd

import (
	"strings"
	"testing"
)

// fetchEnvelope delivers raw to student's INBOX as message 4 and returns
// the ENVELOPE's address lists, as they cross the wire.
func fetchEnvelope(t *testing.T, raw string) string {
	t.Helper()
	w := newWorld(t, Options{})
	if _, err := w.store.Deliver("student", []byte(raw), 0); err != nil {
		t.Fatal(err)
	}
	c := w.dial(t)
	c.login()
	c.ok("EXAMINE INBOX")
	u := c.ok("FETCH 4 ENVELOPE")
	if len(u) != 1 {
		t.Fatalf("FETCH 4 ENVELOPE = %q, want one response", u)
	}
	return u[0]
}

// RFC 3501 7.4.2 with the messages of RFC 5322 Appendix A: groups open
// with (NIL NIL "group" NIL) and close with (NIL NIL NIL NIL), empty
// groups too; comments are no part of any field; a route-addr keeps its
// mailbox and host. imapserver's encoder (writeAddressList, behind
// FetchResponseWriter.WriteEnvelope) puts a space between the addresses
// of a list, where the grammar's "(" 1*address ")" has none; clients
// accept it, and the backend cannot change it.
func TestWireEnvelopeAddresses(t *testing.T) {
	for _, tc := range []struct{ name, header, want string }{
		{
			"group (RFC 5322 A.1.3)",
			"From: Pete <pete@silly.example>\r\n" +
				"To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;\r\n" +
				"Cc: Undisclosed recipients:;\r\n",
			`(("Pete" NIL "pete" "silly.example")) (("Pete" NIL "pete" "silly.example")) (("Pete" NIL "pete" "silly.example")) ` +
				`((NIL NIL "A Group" NIL) ("Ed Jones" NIL "c" "a.test") (NIL NIL "joe" "where.test") ("John" NIL "jdoe" "one.test") (NIL NIL NIL NIL)) ` +
				`((NIL NIL "Undisclosed recipients" NIL) (NIL NIL NIL NIL)) NIL`,
		},
		{
			"comments (RFC 5322 A.5)",
			"From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>\r\n" +
				"To:A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n" +
				"         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)\r\n" +
				"Cc:(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;\r\n",
			`(("Pete" NIL "pete" "silly.test")) (("Pete" NIL "pete" "silly.test")) (("Pete" NIL "pete" "silly.test")) ` +
				`((NIL NIL "A Group" NIL) ("Chris Jones" NIL "c" "public.example") (NIL NIL "joe" "example.org") ("John" NIL "jdoe" "one.test") (NIL NIL NIL NIL)) ` +
				`((NIL NIL "Hidden recipients" NIL) (NIL NIL NIL NIL)) NIL`,
		},
		{
			"route-addr and obsolete lists (RFC 5322 A.6.1)",
			"From: Joe Q. Public <john.q.public@example.com>\r\n" +
				"To: Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example\r\n",
			`(("Joe Q. Public" NIL "john.q.public" "example.com")) (("Joe Q. Public" NIL "john.q.public" "example.com")) (("Joe Q. Public" NIL "john.q.public" "example.com")) ` +
				`(("Mary Smith" NIL "mary" "example.net") (NIL NIL "jdoe" "test.example")) NIL NIL`,
		},
		{
			"route-addr in From, Sender and Reply-To",
			"From: <@route.example:user@domain.example>\r\n" +
				"Sender: Agent <@a.example,@b.example:agent@domain.example>\r\n" +
				"Reply-To: \"Desk, Help\" <@r.example:help@domain.example>\r\n" +
				"To: =?utf-8?q?Caf=C3=A9?= <cafe@lab>\r\n",
			`((NIL NIL "user" "domain.example")) (("Agent" NIL "agent" "domain.example")) (("Desk, Help" NIL "help" "domain.example")) ` +
				`(("=?utf-8?q?Caf=C3=A9?=" NIL "cafe" "lab")) NIL NIL`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.header + "Subject: s\r\nDate: Mon, 29 Dec 2025 10:00:00 +0000\r\nMessage-ID: <m@lab>\r\n\r\nbody\r\n"
			got := fetchEnvelope(t, raw)
			want := `* 4 FETCH (ENVELOPE ("Mon, 29 Dec 2025 10:00:00 +0000" "s" ` + tc.want + ` NIL "<m@lab>"))`
			if got != want {
				t.Errorf("FETCH ENVELOPE =\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func TestParseAddressListHostile(t *testing.T) {
	for _, s := range []string{"", ",", ";", ":", "<", ">", "@", "a:b:c;", "<@x", "(unclosed", "\"unclosed", "[", "a@[1.2.3.4", "g: <@>;", strings.Repeat("(", 1000)} {
		parseAddressList(s) // must not panic or loop
	}
}
