package imapd

import (
	"reflect"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// LIST and LSUB: RFC 3501 6.3.8 and 6.3.9, RFC 9051 6.3.9, RFC 5258
// (LIST-EXTENDED: SUBSCRIBED, RECURSIVEMATCH, RETURN (CHILDREN
// SUBSCRIBED), \NonExistent, CHILDINFO), RFC 6154 (SPECIAL-USE) and RFC
// 5819 (LIST-STATUS).
//
// The names LIST can return are the user's mailboxes, their subscribed
// names (a subscription outlives its mailbox) and every level of hierarchy
// above either. listReplies decides which of them a command returns and
// with which attributes; it reads one mailstore.Listing and nothing else,
// so it is tested without a server.

func (ss *session) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	verb := "LIST"
	if isLSUB(w) {
		verb = "LSUB"
	}
	if err := ss.fault(verb); err != nil {
		return err
	}
	if options == nil {
		options = &imap.ListOptions{}
	}
	if len(patterns) == 0 {
		// LIST "" "": the hierarchy delimiter and the root (RFC 3501 6.3.8).
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: mailstore.Separator})
	}
	l, err := ss.store.Listing(ss.user)
	if err != nil {
		return storeErr(err)
	}
	q := listQuery{ref: ref, patterns: patterns, opts: *options, lsub: isLSUB(w)}
	for _, r := range listReplies(l, q) {
		data := r.data
		// LIST-STATUS: a STATUS for each selectable mailbox returned,
		// none for a name that is not a mailbox (RFC 5819 2).
		if options.ReturnStatus != nil && r.exists {
			st, err := ss.store.Status(ss.user, data.Mailbox)
			if err != nil {
				continue // deleted meanwhile
			}
			if !ss.usesRecent() {
				st.Recent = 0
			}
			data.Status = statusData(st)
		}
		if err := w.WriteList(&data); err != nil {
			return err
		}
	}
	return nil
}

// isLSUB tells an LSUB from a LIST (SUBSCRIBED): imapserver hands both to
// Session.List with the same options, and says which it is only in the
// ListWriter's unexported lsub field. The two differ (RFC 3501 6.3.9
// against RFC 5258 3.1): LSUB "" % returns foo, \Noselect, when only
// foo/bar is subscribed; LIST (SUBSCRIBED) "" % must not. Reading the field
// is the one way the backend can answer both right; should a go-imap
// release rename it, LSUB falls back to LIST (SUBSCRIBED)'s answer and
// TestWireLSUB fails.
func isLSUB(w *imapserver.ListWriter) bool {
	if w == nil {
		return false
	}
	f := reflect.ValueOf(w).Elem().FieldByName("lsub")
	return f.IsValid() && f.Kind() == reflect.Bool && f.Bool()
}

// listQuery is one LIST or LSUB command.
type listQuery struct {
	ref      string
	patterns []string
	opts     imap.ListOptions
	lsub     bool
}

// extended says the command used LIST-EXTENDED syntax, as far as the
// backend can see: a selection or return option, or more than one
// pattern. (LIST () "" % and LIST "" (%) are extended too, but reach the
// session exactly as LIST "" % does.)
func (q listQuery) extended() bool {
	o := q.opts
	return o.SelectSubscribed || o.SelectRemote || o.SelectRecursiveMatch || o.SelectSpecialUse ||
		o.ReturnSubscribed || o.ReturnChildren || o.ReturnSpecialUse || o.ReturnStatus != nil ||
		len(q.patterns) > 1
}

// selects says whether a name meets the command's selection criteria:
// LSUB and LIST (SUBSCRIBED) select subscribed names whether or not the
// mailbox exists (RFC 5258 3.1); plain LIST selects existing mailboxes;
// SPECIAL-USE keeps those with a special-use attribute (RFC 6154 5.1).
func (q listQuery) selects(n *listNode) bool {
	ok := n.exists
	if q.lsub || q.opts.SelectSubscribed {
		ok = n.subscribed
	}
	if q.opts.SelectSpecialUse {
		ok = ok && n.exists && n.use != mailstore.UseNone
	}
	return ok
}

func (q listQuery) matches(name string) bool {
	for _, p := range q.patterns {
		if listMatch(name, q.ref, p) {
			return true
		}
	}
	return false
}

// listNode is a name LIST may return.
type listNode struct {
	name        string
	exists      bool // a mailbox, not only a subscription or a level of hierarchy
	subscribed  bool
	use         mailstore.SpecialUse
	hasChildren bool // an existing mailbox lies below it

	match      bool // the name matches a pattern
	selected   bool // the name meets the selection criteria
	selBelow   bool // a descendant meets them
	selOutside bool // a descendant meets them but matches no pattern
}

// listReply is one LIST or LSUB response; exists says a STATUS may follow.
type listReply struct {
	data   imap.ListData
	exists bool
}

// listReplies returns the responses to q over l, in the store's order
// (INBOX first, then by name). A name matching a pattern is returned when:
//   - it meets the selection criteria; or
//   - a descendant does but matches no pattern, and the command is
//     LSUB (the parent is listed \Noselect, RFC 3501 6.3.9), LIST with
//     RECURSIVEMATCH (it carries CHILDINFO, RFC 5258 3.5), or a plain LIST
//     (a level of hierarchy that is no mailbox is listed \Noselect, RFC
//     3501 6.3.8, or \NonExistent in LIST-EXTENDED syntax, RFC 5258 3).
//
// LIST (SUBSCRIBED) without RECURSIVEMATCH returns exactly the subscribed
// names that match (RFC 5258 3.1), so no parents.
func listReplies(l mailstore.Listing, q listQuery) []listReply {
	nodes := map[string]*listNode{}
	node := func(name string) *listNode {
		n := nodes[name]
		if n == nil {
			n = &listNode{name: name}
			nodes[name] = n
		}
		return n
	}
	for _, mb := range l.Mailboxes {
		n := node(mb.Name)
		n.exists, n.use, n.hasChildren = true, mb.Use, mb.HasChildren
	}
	for _, s := range l.Subscriptions {
		node(s).subscribed = true
	}
	names := make([]string, 0, len(nodes))
	for name := range nodes {
		names = append(names, name)
	}
	for _, name := range names {
		for _, p := range parentNames(name) {
			pn := node(p)
			if nodes[name].exists {
				pn.hasChildren = true
			}
		}
	}
	names = names[:0]
	for name, n := range nodes {
		names = append(names, name)
		n.match = q.matches(name)
		n.selected = q.selects(n)
	}
	sortMailboxNames(names)
	for _, name := range names {
		n := nodes[name]
		if !n.selected {
			continue
		}
		for _, p := range parentNames(name) {
			nodes[p].selBelow = true
			if !n.match {
				nodes[p].selOutside = true
			}
		}
	}
	var out []listReply
	for _, name := range names {
		n := nodes[name]
		if !n.match {
			continue
		}
		if !n.selected {
			plain := !q.lsub && !q.opts.SelectSubscribed && !q.opts.SelectSpecialUse
			if !n.selOutside || !(q.lsub || q.opts.SelectRecursiveMatch || plain) {
				continue
			}
		}
		data := imap.ListData{Delim: mailstore.Separator, Mailbox: n.name, Attrs: q.attrs(n)}
		if q.opts.SelectRecursiveMatch && n.selBelow {
			data.ChildInfo = &imap.ListDataChildInfo{Subscribed: true}
		}
		out = append(out, listReply{data: data, exists: n.exists})
	}
	return out
}

// attrs returns a name's attributes, the same in LIST, LSUB, LIST
// (SUBSCRIBED) and LIST-STATUS, except where the RFCs differ:
//   - a name that is no mailbox is \NonExistent in LIST-EXTENDED (RFC 5258
//     3, which implies \Noselect) and \Noselect in plain LIST and LSUB;
//   - in LSUB, a parent listed for its subscribed children is \Noselect
//     even if it exists (RFC 3501 6.3.9);
//   - \Subscribed is given when the command selects or asks for
//     subscriptions (SUBSCRIBED, RETURN (SUBSCRIBED), LSUB).
//
// \HasChildren and \HasNoChildren (RFC 5258 4, RFC 3348) are given for
// every mailbox, and \HasChildren for a name that is no mailbox but has
// one below it; a name that is neither gets neither, like Fruit/Peach in
// RFC 5258 5's second example. Special-use attributes are given for every
// mailbox that has one, asked for or not (RFC 6154 2). No mailbox is
// \Noinferiors: any may have children.
func (q listQuery) attrs(n *listNode) []imap.MailboxAttr {
	var a []imap.MailboxAttr
	switch {
	case !n.exists && q.extended() && !q.lsub:
		a = append(a, imap.MailboxAttrNonExistent)
	case !n.exists, q.lsub && !n.subscribed:
		a = append(a, imap.MailboxAttrNoSelect)
	}
	switch {
	case n.hasChildren:
		a = append(a, imap.MailboxAttrHasChildren)
	case n.exists:
		a = append(a, imap.MailboxAttrHasNoChildren)
	}
	if n.subscribed && (q.lsub || q.opts.SelectSubscribed || q.opts.ReturnSubscribed) {
		a = append(a, imap.MailboxAttrSubscribed)
	}
	if n.exists && n.use != mailstore.UseNone {
		a = append(a, imap.MailboxAttr(n.use))
	}
	return a
}

// parentNames returns the levels of hierarchy above a name, outermost
// first ("a", "a/b" for "a/b/c").
func parentNames(name string) []string {
	var out []string
	for i := 0; i < len(name); i++ {
		if name[i] == mailstore.Separator {
			out = append(out, name[:i])
		}
	}
	return out
}

func sortMailboxNames(names []string) {
	slices.SortFunc(names, func(a, b string) int {
		switch {
		case mailstore.LessMailbox(a, b):
			return -1
		case mailstore.LessMailbox(b, a):
			return 1
		}
		return 0
	})
}

// listMatch applies a LIST reference and pattern (RFC 3501 6.3.8) as
// imapserver.MatchList does, INBOX matching case-insensitively. Its own
// matcher runs in time proportional to name × pattern: MatchList
// backtracks, and LIST "" "*%*%*%*%…" would keep a session busy for
// minutes.
func listMatch(name, ref, pattern string) bool {
	const delim = string(mailstore.Separator)
	if strings.HasPrefix(pattern, delim) {
		ref, pattern = "", pattern[1:]
	}
	if ref != "" {
		if !strings.HasSuffix(ref, delim) {
			ref += delim
		}
		if !strings.HasPrefix(name, ref) {
			if !hasInboxPrefix(name) || !hasInboxPrefix(ref) || !strings.HasPrefix(name[len(mailstore.Inbox):], ref[len(mailstore.Inbox):]) {
				return false
			}
		}
		name = name[len(ref):]
	} else if hasInboxPrefix(name) && hasInboxPrefix(pattern) {
		pattern = mailstore.Inbox + pattern[len(mailstore.Inbox):]
	}
	return wildmatch(name, pattern)
}

func hasInboxPrefix(s string) bool {
	n := len(mailstore.Inbox)
	return len(s) >= n && strings.EqualFold(s[:n], mailstore.Inbox) && (len(s) == n || s[n] == mailstore.Separator)
}

// wildmatch matches name against a LIST pattern: "*" matches anything, "%"
// anything but the hierarchy separator. It keeps the set of pattern
// positions reachable after each byte of name.
func wildmatch(name, pattern string) bool {
	cur := make([]bool, len(pattern)+1)
	next := make([]bool, len(pattern)+1)
	// close adds the positions reachable by letting wildcards match
	// nothing.
	closure := func(set []bool) {
		for j := 0; j < len(pattern); j++ {
			if set[j] && (pattern[j] == '*' || pattern[j] == '%') {
				set[j+1] = true
			}
		}
	}
	cur[0] = true
	closure(cur)
	for i := 0; i < len(name); i++ {
		c := name[i]
		clear(next)
		alive := false
		for j := 0; j < len(pattern); j++ {
			if !cur[j] {
				continue
			}
			switch p := pattern[j]; {
			case p == '*' || (p == '%' && c != mailstore.Separator):
				next[j] = true // the wildcard takes c and may take more
				alive = true
			case p == c:
				next[j+1] = true
				alive = true
			}
		}
		if !alive {
			return false
		}
		closure(next)
		cur, next = next, cur
	}
	return cur[len(pattern)]
}
