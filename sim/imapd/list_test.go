package imapd

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
)

// listWorld serves a store whose users have INBOX only, so that LIST
// answers hold just the names a test made.
func listWorld(t *testing.T) (*world, *wire) {
	t.Helper()
	w := newWorldWith(t, Options{}, link.Profile{}, &mailstore.Options{Folders: []mailstore.Folder{}})
	c := w.dial(t)
	c.login()
	return w, c
}

// canonList sorts the attributes of a LIST or LSUB response, whose order
// no RFC fixes; other lines are returned as they are.
func canonList(line string) string {
	for _, p := range []string{"* LIST (", "* LSUB ("} {
		rest, ok := strings.CutPrefix(line, p)
		if !ok {
			continue
		}
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return line
		}
		attrs := strings.Fields(rest[:end])
		slices.Sort(attrs)
		return p + strings.Join(attrs, " ") + rest[end:]
	}
	return line
}

// expectList runs a command that must succeed and compares its untagged
// responses with want as sets: the order of LIST responses, and of the
// attributes in one, is free (RFC 3501 7.2.2, RFC 5258 3).
func (c *wire) expectList(cmd string, want ...string) {
	c.t.Helper()
	got := c.ok(cmd)
	canon := func(lines []string) []string {
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = canonList(l)
		}
		slices.Sort(out)
		return out
	}
	if g, w := canon(got), canon(want); !slices.Equal(g, w) {
		c.t.Errorf("%s =\n\t%s\nwant (in any order)\n\t%s", cmd, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// The hierarchy and subscriptions of RFC 5258 5's examples 1 to 7:
// Fruit/Peach is subscribed but does not exist ("perhaps it was deleted
// while still subscribed": here it was). INBOX stands in for the RFC's
// "inbox \NoInferiors"; every mailbox here may have children.
func TestWireListRFC5258Examples(t *testing.T) {
	_, c := listWorld(t)
	for _, name := range []string{"Fruit/Apple", "Fruit/Banana", "Fruit/Peach", "Tofu", "Vegetable/Broccoli", "Vegetable/Corn"} {
		c.ok("CREATE " + name)
	}
	for _, name := range []string{"Fruit/Banana", "Fruit/Peach", "Vegetable", "Vegetable/Broccoli"} {
		c.ok("SUBSCRIBE " + name)
	}
	c.ok("DELETE Fruit/Peach")

	// Example 1: the complete hierarchy.
	c.expectList(`LIST "" "*"`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasChildren) "/" "Fruit"`,
		`* LIST (\HasNoChildren) "/" "Fruit/Apple"`,
		`* LIST (\HasNoChildren) "/" "Fruit/Banana"`,
		`* LIST (\HasNoChildren) "/" "Tofu"`,
		`* LIST (\HasChildren) "/" "Vegetable"`,
		`* LIST (\HasNoChildren) "/" "Vegetable/Broccoli"`,
		`* LIST (\HasNoChildren) "/" "Vegetable/Corn"`)
	// Example 2: the subscribed names, Fruit/Peach among them.
	c.expectList(`LIST (SUBSCRIBED) "" "*"`,
		`* LIST (\HasNoChildren \Subscribed) "/" INBOX`,
		`* LIST (\HasNoChildren \Subscribed) "/" "Fruit/Banana"`,
		`* LIST (\Subscribed \NonExistent) "/" "Fruit/Peach"`,
		`* LIST (\HasChildren \Subscribed) "/" "Vegetable"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "Vegetable/Broccoli"`)
	// Example 3: CHILDREN on the top level.
	c.expectList(`LIST () "" "%" RETURN (CHILDREN)`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasChildren) "/" "Fruit"`,
		`* LIST (\HasNoChildren) "/" "Tofu"`,
		`* LIST (\HasChildren) "/" "Vegetable"`)
	// Example 6: every mailbox with its subscription state (REMOTE adds
	// nothing here: no mailbox lives on another server); Fruit/Peach is
	// no mailbox, so it is not listed.
	c.expectList(`LIST (REMOTE) "" "*" RETURN (SUBSCRIBED)`,
		`* LIST (\HasNoChildren \Subscribed) "/" INBOX`,
		`* LIST (\HasChildren) "/" "Fruit"`,
		`* LIST (\HasNoChildren) "/" "Fruit/Apple"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "Fruit/Banana"`,
		`* LIST (\HasNoChildren) "/" "Tofu"`,
		`* LIST (\HasChildren \Subscribed) "/" "Vegetable"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "Vegetable/Broccoli"`,
		`* LIST (\HasNoChildren) "/" "Vegetable/Corn"`)
	// Example 7: several patterns, each name once.
	c.expectList(`LIST "" ("inbox" "Fruit/%" "Vegetable" "*/Apple")`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasNoChildren) "/" "Fruit/Apple"`,
		`* LIST (\HasNoChildren) "/" "Fruit/Banana"`,
		`* LIST (\HasChildren) "/" "Vegetable"`)
	// Not an RFC example: LIST (SUBSCRIBED) "" % lists exactly the
	// subscribed names that match (RFC 5258 3.1), so not Fruit, whose
	// children are subscribed; RECURSIVEMATCH adds it with CHILDINFO.
	c.expectList(`LIST (SUBSCRIBED) "" "%"`,
		`* LIST (\HasNoChildren \Subscribed) "/" INBOX`,
		`* LIST (\HasChildren \Subscribed) "/" "Vegetable"`)
	c.expectList(`LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"`,
		`* LIST (\HasNoChildren \Subscribed) "/" INBOX`,
		`* LIST (\HasChildren) "/" "Fruit" (CHILDINFO ("SUBSCRIBED"))`,
		`* LIST (\HasChildren \Subscribed) "/" "Vegetable" (CHILDINFO ("SUBSCRIBED"))`)
}

// RFC 5258 5, example 8: RECURSIVEMATCH over Foo, Foo/Bar, Foo/Baz and
// Moo, step by step.
func TestWireListRecursiveMatch(t *testing.T) {
	_, c := listWorld(t)
	c.ok("UNSUBSCRIBE INBOX") // the RFC's hierarchy has no INBOX
	for _, name := range []string{"Foo/Bar", "Foo/Baz", "Moo"} {
		c.ok("CREATE " + name)
	}
	c.expectList(`LIST "" "*"`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasChildren) "/" "Foo"`,
		`* LIST (\HasNoChildren) "/" "Foo/Bar"`,
		`* LIST (\HasNoChildren) "/" "Foo/Baz"`,
		`* LIST (\HasNoChildren) "/" "Moo"`)
	c.expectList(`LIST "" "%" RETURN (CHILDREN)`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasChildren) "/" "Foo"`,
		`* LIST (\HasNoChildren) "/" "Moo"`)

	// A: Foo/Baz subscribed, Foo not.
	c.ok("SUBSCRIBE Foo/Baz")
	c.expectList(`LIST (SUBSCRIBED) "" "*"`, `* LIST (\HasNoChildren \Subscribed) "/" "Foo/Baz"`)
	c.expectList(`LIST (SUBSCRIBED) "" "%"`)
	c.expectList(`LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"`, `* LIST (\HasChildren) "/" "Foo" (CHILDINFO ("SUBSCRIBED"))`)
	// Foo subscribed as well.
	c.ok("SUBSCRIBE Foo")
	c.expectList(`LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"`, `* LIST (\HasChildren \Subscribed) "/" "Foo" (CHILDINFO ("SUBSCRIBED"))`)
	// A subscribed name under a level that exists no more: Xyzzy is
	// \NonExistent and still listed for its child.
	c.ok("UNSUBSCRIBE Foo")
	c.ok("UNSUBSCRIBE Foo/Baz")
	c.ok("CREATE Xyzzy/Plugh")
	c.ok("SUBSCRIBE Xyzzy/Plugh")
	c.ok("DELETE Xyzzy/Plugh")
	c.ok("DELETE Xyzzy")
	c.expectList(`LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"`, `* LIST (\NonExistent) "/" "Xyzzy" (CHILDINFO ("SUBSCRIBED"))`)
	c.expectList(`LIST (SUBSCRIBED) "" "*"`, `* LIST (\NonExistent \Subscribed) "/" "Xyzzy/Plugh"`)
	// B: nothing subscribed, nothing listed.
	c.ok("UNSUBSCRIBE Xyzzy/Plugh")
	c.expectList(`LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"`)
	// C: Foo and Moo subscribed, none of their children: no CHILDINFO.
	c.ok("SUBSCRIBE Foo")
	c.ok("SUBSCRIBE Moo")
	c.expectList(`LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)`,
		`* LIST (\HasChildren \Subscribed) "/" "Foo"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "Moo"`)
}

// RFC 5258 5, example 9, whose answer to "*2" leaves baz2 out (all its
// subscribed children match the pattern themselves) and gives foo2 and
// eps2 CHILDINFO (foo2/bar1 and eps2/mamba do not match). Here qux2
// exists, since CREATE makes missing parents; it is not listed either way.
func TestWireListRecursiveMatchExample9(t *testing.T) {
	_, c := listWorld(t)
	c.ok("UNSUBSCRIBE INBOX")
	for _, name := range []string{"foo2/bar1", "foo2/bar2", "baz2/bar2", "baz2/bar22", "baz2/bar222", "eps2/mamba", "qux2/bar2"} {
		c.ok("CREATE " + name)
	}
	for _, name := range []string{"foo2/bar1", "foo2/bar2", "baz2/bar2", "baz2/bar22", "baz2/bar222", "eps2", "eps2/mamba", "qux2/bar2"} {
		c.ok("SUBSCRIBE " + name)
	}
	c.expectList(`LIST (SUBSCRIBED RECURSIVEMATCH) "" "*2"`,
		`* LIST (\HasChildren) "/" "foo2" (CHILDINFO ("SUBSCRIBED"))`,
		`* LIST (\HasNoChildren \Subscribed) "/" "foo2/bar2"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar2"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar22"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar222"`,
		`* LIST (\HasChildren \Subscribed) "/" "eps2" (CHILDINFO ("SUBSCRIBED"))`,
		`* LIST (\HasNoChildren \Subscribed) "/" "qux2/bar2"`)
	c.expectList(`LIST (SUBSCRIBED RECURSIVEMATCH) "" "*"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar2"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar22"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar222"`,
		`* LIST (\HasChildren \Subscribed) "/" "eps2" (CHILDINFO ("SUBSCRIBED"))`,
		`* LIST (\HasNoChildren \Subscribed) "/" "eps2/mamba"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "foo2/bar1"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "foo2/bar2"`,
		`* LIST (\HasNoChildren \Subscribed) "/" "qux2/bar2"`)
	// With "%" every parent of a subscribed child is returned.
	c.expectList(`LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"`,
		`* LIST (\HasChildren) "/" "baz2" (CHILDINFO ("SUBSCRIBED"))`,
		`* LIST (\HasChildren \Subscribed) "/" "eps2" (CHILDINFO ("SUBSCRIBED"))`,
		`* LIST (\HasChildren) "/" "foo2" (CHILDINFO ("SUBSCRIBED"))`,
		`* LIST (\HasChildren) "/" "qux2" (CHILDINFO ("SUBSCRIBED"))`)
}

// LSUB (RFC 3501 6.3.9): "if foo/bar is subscribed but foo is not, a %
// wildcard to LSUB must return foo, not foo/bar, ... flagged with the
// \Noselect attribute", and a subscription outlives its mailbox.
func TestWireLSUB(t *testing.T) {
	_, c := listWorld(t)
	c.ok("CREATE foo/bar/baz")
	c.ok("CREATE Old")
	c.ok("SUBSCRIBE foo/bar")
	c.ok("SUBSCRIBE foo/bar/baz")
	c.ok("SUBSCRIBE Old")
	c.ok("DELETE Old")

	c.expectList(`LSUB "" %`,
		`* LSUB (\HasNoChildren \Subscribed) "/" INBOX`,
		`* LSUB (\Noselect \HasChildren) "/" "foo"`,
		`* LSUB (\Noselect \Subscribed) "/" "Old"`)
	c.expectList(`LSUB "" foo/%`, `* LSUB (\HasChildren \Subscribed) "/" "foo/bar"`)
	c.ok("UNSUBSCRIBE foo/bar")
	c.expectList(`LSUB "" foo/%`, `* LSUB (\Noselect \HasChildren) "/" "foo/bar"`)
	c.expectList(`LSUB foo/ %`, `* LSUB (\Noselect \HasChildren) "/" "foo/bar"`)
	c.expectList(`LSUB "" *`,
		`* LSUB (\HasNoChildren \Subscribed) "/" INBOX`,
		`* LSUB (\HasNoChildren \Subscribed) "/" "foo/bar/baz"`,
		`* LSUB (\Noselect \Subscribed) "/" "Old"`)
	// LIST (SUBSCRIBED) lists exactly the subscribed names (RFC 5258 3.1).
	c.expectList(`LIST (SUBSCRIBED) "" %`,
		`* LIST (\HasNoChildren \Subscribed) "/" INBOX`,
		`* LIST (\NonExistent \Subscribed) "/" "Old"`)
	c.expectList(`LIST (SUBSCRIBED) "" foo/%`)
}

// RFC 3501 6.3.6: deleting a mailbox does not unsubscribe it. LIST
// (SUBSCRIBED) reports it \NonExistent (RFC 5258 3.1, RFC 9051 6.3.9);
// LIST does not list it; UNSUBSCRIBE drops it; CREATE brings it back
// subscribed.
func TestWireListSubscribedDeleted(t *testing.T) {
	w, c := listWorld(t)
	c.ok("CREATE Drafts/2025")
	c.ok("SUBSCRIBE Drafts/2025")
	c.ok("DELETE Drafts/2025")
	if subs, _ := w.store.Subscriptions("student"); !slices.Contains(subs, "Drafts/2025") {
		t.Errorf("Subscriptions after DELETE = %v, want Drafts/2025 kept", subs)
	}
	c.expectList(`LIST (SUBSCRIBED) "" *`,
		`* LIST (\HasNoChildren \Subscribed) "/" INBOX`,
		`* LIST (\NonExistent \Subscribed) "/" "Drafts/2025"`)
	c.expectList(`LIST "" *`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasNoChildren) "/" "Drafts"`)
	c.expectList(`LIST "" * RETURN (SUBSCRIBED)`,
		`* LIST (\HasNoChildren \Subscribed) "/" INBOX`,
		`* LIST (\HasNoChildren) "/" "Drafts"`)
	// No STATUS for a name that is no mailbox (RFC 5819 2).
	u := c.ok(`LIST (SUBSCRIBED) "" * RETURN (STATUS (MESSAGES))`)
	if want := "* LIST (\\HasNoChildren \\Subscribed) \"/\" INBOX\n* STATUS INBOX (MESSAGES 3)\n* LIST (\\NonExistent \\Subscribed) \"/\" \"Drafts/2025\""; joined(u) != want {
		t.Errorf("LIST (SUBSCRIBED) RETURN (STATUS) = %q, want %q", u, want)
	}
	c.ok("CREATE Drafts/2025")
	c.expectList(`LIST "" Drafts/* RETURN (SUBSCRIBED)`, `* LIST (\HasNoChildren \Subscribed) "/" "Drafts/2025"`)
	c.ok("DELETE Drafts/2025")
	c.ok("UNSUBSCRIBE Drafts/2025")
	c.expectList(`LIST (SUBSCRIBED) "" Drafts*`)
	if _, st := c.cmd("UNSUBSCRIBE Drafts/2025"); !strings.HasPrefix(st, "NO") {
		t.Errorf("UNSUBSCRIBE of a name not subscribed = %q, want NO", st)
	}
}

// One mailbox has the same attributes whichever command lists it: LIST
// with RETURN (SUBSCRIBED CHILDREN SPECIAL-USE), LIST (SUBSCRIBED), LSUB,
// LIST-STATUS and LIST (SPECIAL-USE), in the default folders' world.
func TestWireListAttributesAgree(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.dial(t)
	c.login()
	c.ok("CREATE Projects/2026")
	c.ok("UNSUBSCRIBE Junk")
	attrs := func(cmd string) map[string]string {
		out := map[string]string{}
		for _, l := range c.ok(cmd) {
			l = canonList(l)
			if !strings.HasPrefix(l, "* LIST (") && !strings.HasPrefix(l, "* LSUB (") {
				continue
			}
			end := strings.IndexByte(l, ')')
			name := l[strings.LastIndexByte(l, ' ')+1:]
			out[strings.Trim(name, `"`)] = l[len("* LIST ("):end]
		}
		return out
	}
	all := attrs(`LIST "" * RETURN (SUBSCRIBED CHILDREN SPECIAL-USE)`)
	want := map[string]string{
		"INBOX":         `\HasNoChildren \Subscribed`,
		"Archive":       `\Archive \HasNoChildren \Subscribed`,
		"Drafts":        `\Drafts \HasNoChildren \Subscribed`,
		"Junk":          `\HasNoChildren \Junk`,
		"Projects":      `\HasChildren`,
		"Projects/2026": `\HasNoChildren`,
		"Sent":          `\HasNoChildren \Sent \Subscribed`,
		"Trash":         `\HasNoChildren \Subscribed \Trash`,
	}
	if fmt.Sprint(all) != fmt.Sprint(want) {
		t.Errorf("LIST RETURN (SUBSCRIBED CHILDREN SPECIAL-USE) = %v, want %v", all, want)
	}
	for _, cmd := range []string{`LIST (SUBSCRIBED) "" *`, `LSUB "" *`, `LIST "" * RETURN (SUBSCRIBED STATUS (MESSAGES))`, `LIST (SPECIAL-USE) "" * RETURN (SUBSCRIBED)`, `LIST (SUBSCRIBED SPECIAL-USE) "" *`} {
		for name, a := range attrs(cmd) {
			if a != all[name] {
				t.Errorf("%s gives %s (%s), LIST gives (%s)", cmd, name, a, all[name])
			}
		}
	}
	// Without asking for subscriptions, no \Subscribed; special-use and
	// children attributes either way (RFC 6154 2, RFC 5258 4).
	for name, a := range attrs(`LIST "" *`) {
		if a != strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(all[name], ` \Subscribed`, ""), `\Subscribed`, "")) {
			t.Errorf(`LIST "" * gives %s (%s), LIST RETURN (SUBSCRIBED) gives (%s)`, name, a, all[name])
		}
	}
}

// listReplies on hierarchies the store never makes (a/b without a, as a
// store that does not create parents would hold): a level of hierarchy
// that is no mailbox is \Noselect in plain LIST (RFC 3501 6.3.8) and
// \NonExistent in LIST-EXTENDED syntax (RFC 5258 3), listed only where a
// % stops above a mailbox.
func TestListRepliesLevels(t *testing.T) {
	l := mailstore.Listing{
		Mailboxes: []mailstore.MailboxInfo{
			{Name: "INBOX"},
			{Name: "a/b", HasChildren: true},
			{Name: "a/b/c/d"},
		},
		Subscriptions: []string{"x/y"},
	}
	format := func(rs []listReply) string {
		var out []string
		for _, r := range rs {
			s := fmt.Sprintf("%s %v", r.data.Mailbox, r.data.Attrs)
			if r.data.ChildInfo != nil {
				s += " CHILDINFO"
			}
			out = append(out, s)
		}
		return strings.Join(out, "|")
	}
	for _, tc := range []struct {
		q    listQuery
		want string
	}{
		{listQuery{patterns: []string{"%"}}, `INBOX [\HasNoChildren]|a [\Noselect \HasChildren]`},
		{listQuery{patterns: []string{"%"}, opts: imap.ListOptions{ReturnChildren: true}}, `INBOX [\HasNoChildren]|a [\NonExistent \HasChildren]`},
		{listQuery{patterns: []string{"*"}}, `INBOX [\HasNoChildren]|a/b [\HasChildren]|a/b/c/d [\HasNoChildren]`},
		{listQuery{patterns: []string{"a/%"}}, `a/b [\HasChildren]`},
		{listQuery{patterns: []string{"a/b/%"}}, `a/b/c [\Noselect \HasChildren]`},
		{listQuery{ref: "a/b", patterns: []string{"%"}}, `a/b/c [\Noselect \HasChildren]`},
		{listQuery{patterns: []string{"%"}, opts: imap.ListOptions{SelectSubscribed: true}}, ``},
		{listQuery{patterns: []string{"%"}, opts: imap.ListOptions{SelectSubscribed: true, SelectRecursiveMatch: true}}, `x [\NonExistent] CHILDINFO`},
		{listQuery{patterns: []string{"*"}, opts: imap.ListOptions{SelectSubscribed: true}}, `x/y [\NonExistent \Subscribed]`},
		{listQuery{patterns: []string{"%"}, lsub: true, opts: imap.ListOptions{SelectSubscribed: true}}, `x [\Noselect]`},
		{listQuery{patterns: []string{"*"}, lsub: true, opts: imap.ListOptions{SelectSubscribed: true}}, `x/y [\Noselect \Subscribed]`},
	} {
		if got := format(listReplies(l, tc.q)); got != tc.want {
			t.Errorf("listReplies(%+v) = %s, want %s", tc.q, got, tc.want)
		}
	}
}

// A valid modified UTF-7 name (RFC 3501 5.1.3): "Entw&APw-rfe" is
// "Entwürfe". imapserver decodes it on the way in, the store keeps UTF-8,
// and imapserver encodes it again on the way out: CREATE, LIST, LSUB,
// SELECT, STATUS, APPEND and DELETE all round-trip.
func TestWireMailboxModifiedUTF7(t *testing.T) {
	w, c := listWorld(t)
	c.ok(`CREATE "Entw&APw-rfe"`)
	if _, err := w.store.Mailbox("student", "Entwürfe"); err != nil {
		t.Errorf(`Mailbox("Entwürfe") = %v; want the decoded name stored`, err)
	}
	c.expectList(`LIST "" Entw*`, `* LIST (\HasNoChildren) "/" "Entw&APw-rfe"`)
	c.expectList(`LIST "" "Entw&APw-rfe"`, `* LIST (\HasNoChildren) "/" "Entw&APw-rfe"`)
	c.ok(`SUBSCRIBE "Entw&APw-rfe"`)
	c.expectList(`LSUB "" "Entw&APw-rfe"`, `* LSUB (\HasNoChildren \Subscribed) "/" "Entw&APw-rfe"`)
	c.expectList(`LIST (SUBSCRIBED) "" "Entw&APw-rfe"`, `* LIST (\HasNoChildren \Subscribed) "/" "Entw&APw-rfe"`)
	c.ok("APPEND \"Entw&APw-rfe\" {5+}\r\nHi!\r\n")
	if u := c.ok(`STATUS "Entw&APw-rfe" (MESSAGES)`); joined(u) != `* STATUS "Entw&APw-rfe" (MESSAGES 1)` {
		t.Errorf("STATUS = %q", u)
	}
	if u, st := c.cmd(`SELECT "Entw&APw-rfe"`); !strings.HasPrefix(st, "OK [READ-WRITE]") || count(u, `^\* 1 EXISTS$`) != 1 {
		t.Errorf("SELECT = %q, %q", u, st)
	}
	c.ok("CLOSE")
	c.ok(`DELETE "Entw&APw-rfe"`)
	c.expectList(`LIST (SUBSCRIBED) "" "Entw*"`, `* LIST (\NonExistent \Subscribed) "/" "Entw&APw-rfe"`)
}
