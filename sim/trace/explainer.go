package trace

import "strings"

// Explainer explains events in the context of their sessions. It walks
// events in order, keeping a small state per session (which commands
// await replies, whether a POP3 listing or a SASL exchange is under way,
// whether an IMAP session enabled IMAP4rev2), so that a line is explained
// by what it is at that point: a greeting, a LIST scan line, the answer
// to a 334 challenge, the rest of an IMAP command after a literal, or a
// reply in which the server's library departs from its RFC.
//
// Every line of the lab's servers and every client command gets at least
// one explanation: a command the catalogue does not know is explained as
// one the server does not know. An Explainer is not safe for concurrent
// use.
type Explainer struct {
	sessions map[uint64]*explainState
}

// NewExplainer returns an Explainer that has seen no events.
func NewExplainer() *Explainer {
	return &Explainer{sessions: map[uint64]*explainState{}}
}

// Explain returns ev's explanations, most important first, in the
// context of the events of its session passed to Explain before it. Pass
// each session's events in order. A close ends the session's state.
func (x *Explainer) Explain(ev *Event) []Explanation {
	st := x.sessions[ev.Session]
	if st == nil {
		st = &explainState{}
		x.sessions[ev.Session] = st
	}
	out := st.explain(ev)
	st.observe(ev)
	if st.closes >= 2 {
		delete(x.sessions, ev.Session) // both ends closed: nothing more comes
	}
	return out
}

// ExplainInSnapshot explains the event at index i of snap (its Seq is
// i+1) in the context of its session, replaying the session's earlier
// events. It returns nil for an index out of range.
func ExplainInSnapshot(snap *Snapshot, i int) []Explanation {
	if i < 0 || i >= snap.Len() {
		return nil
	}
	target := snap.At(i)
	var st explainState
	for j := 0; j < i; j++ {
		if ev := snap.At(j); ev.Session == target.Session {
			st.observe(ev)
		}
	}
	return st.explain(target)
}

// explainState is what an Explainer remembers of one session.
type explainState struct {
	greeted bool // the server's greeting is complete
	closes  int  // close marks seen

	// SMTP, POP3.
	pending   []awaited // commands awaiting their replies, oldest first
	answering awaited   // the command a multi-line reply or listing answers
	midReply  bool      // SMTP: a reply with more lines is under way
	listing   bool      // POP3: a multi-line reply (listing, message) is under way
	auth      bool      // a SASL exchange is under way: client lines are answers

	// IMAP.
	rev2      bool      // IMAP4rev2 was enabled
	enableTag string    // tag of an ENABLE that asked for IMAP4rev2
	authTag   string    // tag of the AUTHENTICATE under way
	tagged    []awaited // commands awaiting their tagged completion
	loggedIn  bool
	byeNext   bool      // an unknown command before login was answered BAD: BYE follows
	lastVerb  [2]string // the last command (C→S) or response (S→C) name, for continued lines
}

// awaited is a command waiting for its reply.
type awaited struct {
	verb    string
	tag     string
	multi   bool // POP3: a positive reply is multi-line
	mangled bool // SMTP: go-smtp's parser rejects the line (a verb not of four letters)
	amp     bool // IMAP LIST/LSUB: the arguments hold '&'
	early   bool // IMAP: sent before login
}

// maxAwaited bounds the queues, so that a client that never reads
// cannot grow them without limit.
const maxAwaited = 256

func pushAwaited(q []awaited, a awaited) []awaited {
	if len(q) >= maxAwaited {
		q = q[1:]
	}
	return append(q, a)
}

// explain returns ev's explanations given the state before it.
func (st *explainState) explain(ev *Event) []Explanation {
	var out []Explanation
	switch ev.Kind {
	case KindConnect, KindClose, KindDial, KindFault:
		return explainMark(ev)
	case KindTLS:
		return explainTLS(ev)
	case KindBulk:
		out = explainEvent(ev)
		if ev.Protocol == IMAP && !st.rev2 {
			rev1All(out)
		}
	case KindLine:
		if ev.Has(FlagIncomplete) && ev.Verb == "" && ev.Status == "" && ev.Tag == "" {
			// The session does not parse a line cut short; what arrived
			// of it may still name its command or status.
			cp := *ev
			pr := ParseLine(ev.Protocol, ev.Dir, ev.Text)
			cp.Verb, cp.Tag, cp.Status, cp.Code = pr.Verb, pr.Tag, pr.Status, pr.Code
			ev = &cp
		}
		switch ev.Protocol {
		case SMTP:
			out = st.smtp(ev)
		case POP3:
			out = st.pop3(ev)
		case IMAP:
			out = st.imap(ev)
		}
	default:
		return nil
	}
	if ev.Has(FlagIncomplete) {
		out = append(out, incompleteNote(ev.Protocol))
	}
	if ev.Has(FlagTLS) || ev.Kind == KindBulk && ev.Has(FlagEncrypted) {
		out = append(out, explainTLS(ev)...)
	}
	return out
}

func rev1All(es []Explanation) {
	for i := range es {
		es[i] = es[i].asRev1()
	}
}

// adder collects the entries found.
type adder []Explanation

func (a *adder) add(e Explanation, ok bool) bool {
	if ok {
		*a = append(*a, e)
	}
	return ok
}

func (a *adder) entry(p Protocol, k ExplanationKind, key string) bool {
	return a.add(lookup(p, k, key))
}

// command explains a client command line by its verb, or as one the
// server does not know.
func (a *adder) command(p Protocol, verb string) {
	if verb == "" || !a.add(Explain(p, verb)) {
		a.entry(p, ExplainsNote, keyUnknownCommand)
	}
}

// saslAnswer explains a client line inside a SASL exchange.
func (a *adder) saslAnswer(p Protocol, text string) {
	if text == "*" {
		a.entry(p, ExplainsNote, keySASLCancel)
		return
	}
	a.entry(p, ExplainsNote, keySASLAnswer)
}

func (st *explainState) smtp(ev *Event) []Explanation {
	var a adder
	if ev.Dir == ClientToServer {
		switch {
		case st.auth:
			a.saslAnswer(SMTP, ev.Text)
		case ev.Verb == ".":
			a.add(Explain(SMTP, "."))
		default:
			a.command(SMTP, ev.Verb)
		}
		return a
	}
	more := ev.Has(FlagMore)
	if ev.Status == "" {
		return a // not a reply line: nothing the server sends
	}
	a.add(ExplainStatus(SMTP, ev.Status))
	if !st.greeted {
		a.entry(SMTP, ExplainsNote, keyGreeting)
		if more || st.midReply {
			a.entry(SMTP, ExplainsNote, keyGreetingMore)
		}
		return a
	}
	if ev.Code != "" {
		a.add(ExplainCode(SMTP, ev.Code))
	}
	if goSMTPGivesUp(ev) {
		a.entry(SMTP, ExplainsDeviation, keySMTPTooManyErrors)
		return a
	}
	cmd := st.answering
	if !st.midReply {
		cmd, _ = st.front()
	}
	switch {
	case cmd.verb == "EHLO" && ev.Status == "250" && !st.midReply && more:
		a.entry(SMTP, ExplainsNote, keyEHLOHello)
	case cmd.verb == "EHLO" && ev.Status == "250" && st.midReply:
		kw := ""
		if len(ev.Text) > 4 {
			kw, _ = cut(ev.Text[4:])
		}
		if !a.add(ExplainExtension(SMTP, kw)) {
			a.entry(SMTP, ExplainsExtension, keyOtherExtension)
		}
	case more || st.midReply:
		a.entry(SMTP, ExplainsNote, keyReplyMore)
	}
	switch {
	case ev.Status == "502" && smtpSequenced(cmd.verb):
		a.entry(SMTP, ExplainsDeviation, keySMTPSequence502)
	case ev.Status == "501" && cmd.mangled:
		a.entry(SMTP, ExplainsDeviation, keySMTPVerb501)
	}
	return a
}

// smtpSequenced reports whether verb is a command go-smtp answers with
// 502 when it comes out of order.
func smtpSequenced(verb string) bool {
	switch verb {
	case "MAIL", "RCPT", "DATA", "BDAT":
		return true
	}
	return false
}

// goSMTPGivesUp reports whether ev is the extra reply go-smtp v0.25
// sends, after the reply to a fourth bad command, before it closes the
// connection ("500 5.5.1 Too many errors. Quiting now"): it answers no
// command of its own.
func goSMTPGivesUp(ev *Event) bool {
	return ev.Status == "500" && strings.Contains(ev.Text, "Too many errors")
}

// goSMTPRejects reports whether go-smtp v0.25's command parser (parseCmd)
// fails on line, which it answers "501 5.5.2 Bad command": it takes the
// verb to be exactly four letters, followed by the end of the line or a
// space (STARTTLS excepted).
func goSMTPRejects(line string) bool {
	if len(line) >= 8 && strings.EqualFold(line[:8], "STARTTLS") {
		return false
	}
	switch n := len(line); {
	case n == 0:
		return false // an empty line gets 500
	case n < 4 || n == 5:
		return true
	case n > 5:
		return line[4] != ' '
	}
	return false
}

func (st *explainState) front() (awaited, bool) {
	if len(st.pending) == 0 {
		return awaited{}, false
	}
	return st.pending[0], true
}

func (st *explainState) pop() awaited {
	a, _ := st.front()
	if len(st.pending) > 0 {
		st.pending = st.pending[1:]
	}
	return a
}

func (st *explainState) pop3(ev *Event) []Explanation {
	var a adder
	if ev.Dir == ClientToServer {
		if st.auth {
			a.saslAnswer(POP3, ev.Text)
		} else {
			a.command(POP3, ev.Verb)
		}
		return a
	}
	if st.listing {
		verb := st.answering.verb
		if ev.Text == "." {
			a.add(ExplainStatus(POP3, "."))
			if !a.entry(POP3, ExplainsListing, verb+".") {
				a.entry(POP3, ExplainsListing, keyOtherListing+".")
			}
			return a
		}
		switch verb {
		case "CAPA":
			kw, _ := cut(ev.Text)
			if !a.add(lookup(POP3, ExplainsCapability, upper(kw))) {
				a.entry(POP3, ExplainsCapability, keyOtherCapability)
			}
		case "LIST", "UIDL", "AUTH":
			a.entry(POP3, ExplainsListing, verb)
		default:
			a.entry(POP3, ExplainsListing, keyOtherListing)
		}
		return a
	}
	if ev.Status == "" {
		return a
	}
	a.add(ExplainStatus(POP3, ev.Status))
	if ev.Code != "" {
		a.add(ExplainCode(POP3, ev.Code))
	}
	if !st.greeted {
		a.entry(POP3, ExplainsNote, keyGreeting)
	}
	return a
}

func (st *explainState) imap(ev *Event) []Explanation {
	var a adder
	d := ev.Dir
	switch {
	case ev.Has(FlagContinued) && d == ClientToServer:
		a.entry(IMAP, ExplainsNote, keyContinuedCommand)
		a.add(Explain(IMAP, st.lastVerb[d]))
	case ev.Has(FlagContinued):
		a.entry(IMAP, ExplainsNote, keyContinuedResponse)
		a.add(ExplainStatus(IMAP, st.lastVerb[d]))
	case d == ClientToServer && st.authTag != "":
		a.saslAnswer(IMAP, ev.Text)
	case d == ClientToServer:
		a.command(IMAP, ev.Verb)
		switch ev.Verb {
		case "ENABLE":
			if enablesUnsupported(ev.Text) {
				a.entry(IMAP, ExplainsNote, keyEnableUnsupported)
			}
		case "LIST":
			_, args := cut(ev.Text)
			_, args = cut(args)
			ret := strings.Index(upper(args), "RETURN (")
			if strings.HasPrefix(args, "(") || ret >= 0 {
				a.entry(IMAP, ExplainsNote, keyListExtended)
			}
			if ret >= 0 && strings.Contains(upper(args[ret:]), "STATUS") {
				a.entry(IMAP, ExplainsNote, keyListStatus)
			}
		case "AUTHENTICATE":
			if len(strings.Fields(ev.Text)) > 3 {
				a.entry(IMAP, ExplainsNote, keySASLIR)
			}
		}
	default:
		st.imapResponse(ev, &a)
	}
	if !st.rev2 {
		rev1All(a)
	}
	return a
}

func (st *explainState) imapResponse(ev *Event, a *adder) {
	if ev.Status != "" {
		a.add(ExplainStatus(IMAP, ev.Status))
	}
	if ev.Verb != "" {
		a.add(ExplainStatus(IMAP, ev.Verb))
	}
	if ev.Code != "" {
		a.add(ExplainCode(IMAP, ev.Code))
	}
	if ev.Tag == "*" && (ev.Verb == "LIST" || ev.Verb == "LSUB") {
		attrs := ev.Text
		if i := strings.IndexByte(attrs, ')'); i >= 0 {
			attrs = attrs[:i]
		}
		attrs = upper(attrs)
		if strings.Contains(attrs, `\HASCHILDREN`) || strings.Contains(attrs, `\HASNOCHILDREN`) {
			a.entry(IMAP, ExplainsNote, keyChildren)
		}
		for _, su := range [...]string{`\ALL`, `\ARCHIVE`, `\DRAFTS`, `\FLAGGED`, `\JUNK`, `\SENT`, `\TRASH`} {
			if strings.Contains(attrs, su) {
				a.entry(IMAP, ExplainsNote, keySpecialUse)
				break
			}
		}
	}
	switch {
	case ev.Tag == "*" && !st.greeted:
		a.entry(IMAP, ExplainsNote, keyGreeting)
	case ev.Tag == "*" && ev.Status == "BYE" && st.byeNext:
		a.entry(IMAP, ExplainsNote, keyIMAPByeUnknown)
	case ev.Tag != "*" && ev.Tag != "+" && ev.Status != "":
		cmd, _ := st.findTag(ev.Tag)
		switch {
		case ev.Status == "NO" && ev.Code == "SERVERBUG" && cmd.amp:
			a.entry(IMAP, ExplainsDeviation, keyIMAPListAmpersand)
		case ev.Status == "BAD" && cmd.verb != "" && !imapserverHandles(cmd.verb):
			a.entry(IMAP, ExplainsNote, keyIMAPNoHandler)
		}
	}
}

// enablesUnsupported reports whether an ENABLE line asks for an extension
// go-imap v2's server does not enable (it enables IMAP4rev2 and
// UTF8=ACCEPT only).
func enablesUnsupported(line string) bool {
	f := strings.Fields(line)
	if len(f) < 2 {
		return false
	}
	for _, w := range f[2:] {
		switch upper(w) {
		case "IMAP4REV2", "UTF8=ACCEPT":
		default:
			return true
		}
	}
	return false
}

// imapserverHandles reports whether go-imap v2 beta.8's server has a
// handler for the command (imapserver.Conn.readCommand); any other
// command gets BAD, and before login a BYE.
func imapserverHandles(verb string) bool {
	switch verb {
	case "NOOP", "CHECK", "LOGOUT", "CAPABILITY", "STARTTLS", "AUTHENTICATE", "UNAUTHENTICATE", "LOGIN",
		"ENABLE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "STATUS", "LIST", "LSUB",
		"NAMESPACE", "IDLE", "SELECT", "EXAMINE", "CLOSE", "UNSELECT", "APPEND", "FETCH", "UID FETCH",
		"EXPUNGE", "UID EXPUNGE", "STORE", "UID STORE", "COPY", "UID COPY", "MOVE", "UID MOVE",
		"SEARCH", "UID SEARCH":
		return true
	}
	return false
}

func (st *explainState) findTag(tag string) (awaited, int) {
	for i, c := range st.tagged {
		if c.tag == tag {
			return c, i
		}
	}
	return awaited{}, -1
}

// observe updates the state after ev.
func (st *explainState) observe(ev *Event) {
	switch ev.Kind {
	case KindClose:
		st.closes++
		return
	case KindLine:
	default:
		return
	}
	if ev.Has(FlagIncomplete) {
		return // cut short: the session parsed nothing in it
	}
	switch ev.Protocol {
	case SMTP:
		st.observeSMTP(ev)
	case POP3:
		st.observePOP3(ev)
	case IMAP:
		st.observeIMAP(ev)
	}
}

func (st *explainState) observeSMTP(ev *Event) {
	if ev.Dir == ClientToServer {
		if st.auth {
			return
		}
		st.pending = pushAwaited(st.pending, awaited{verb: ev.Verb, mangled: goSMTPRejects(ev.Text)})
		if ev.Verb == "AUTH" {
			st.auth = true
		}
		return
	}
	if ev.Status == "" {
		return
	}
	more := ev.Has(FlagMore)
	if !st.greeted {
		st.midReply = more
		st.greeted = !more
		return
	}
	if goSMTPGivesUp(ev) {
		return // an extra reply: the command it follows was answered already
	}
	if !st.midReply {
		st.answering, _ = st.front()
	}
	st.midReply = more
	if more {
		return
	}
	if st.answering.verb == "AUTH" && ev.Status == "334" {
		return // a challenge: the exchange goes on
	}
	cmd := st.pop()
	if cmd.verb == "AUTH" {
		st.auth = false
	}
}

func (st *explainState) observePOP3(ev *Event) {
	if ev.Dir == ClientToServer {
		if st.auth {
			return
		}
		_, args := cut(ev.Text)
		c := awaited{verb: ev.Verb, multi: pop3MultiLine(ev.Verb, args)}
		if ev.Verb == "AUTH" {
			st.auth = !c.multi
		}
		st.pending = pushAwaited(st.pending, c)
		return
	}
	if st.listing {
		if ev.Text == "." {
			st.listing = false
		}
		return
	}
	if !st.greeted {
		st.greeted = true
		return
	}
	if ev.Status == "" || ev.Status == "+" {
		return
	}
	cmd := st.pop()
	if cmd.verb == "AUTH" {
		st.auth = false
	}
	if ev.Status == "+OK" && cmd.multi {
		st.listing, st.answering = true, cmd
	}
}

func (st *explainState) observeIMAP(ev *Event) {
	d := ev.Dir
	if ev.Has(FlagContinued) {
		return
	}
	if d == ClientToServer {
		if st.authTag != "" || ev.Tag == "" {
			return // a SASL answer, DONE, or no command at all
		}
		c := awaited{verb: ev.Verb, tag: ev.Tag, early: !st.loggedIn}
		switch ev.Verb {
		case "LIST", "LSUB":
			c.amp = strings.IndexByte(ev.Text, '&') >= 0
		case "ENABLE":
			if strings.Contains(upper(ev.Text), "IMAP4REV2") {
				st.enableTag = ev.Tag
			}
		case "AUTHENTICATE":
			st.authTag = ev.Tag
		}
		if ev.Verb != "" {
			st.lastVerb[d] = ev.Verb
		}
		st.tagged = pushAwaited(st.tagged, c)
		return
	}
	if ev.Verb != "" {
		st.lastVerb[d] = ev.Verb
	} else if ev.Status != "" {
		st.lastVerb[d] = ev.Status
	}
	switch {
	case ev.Tag == "*" && !st.greeted:
		st.greeted = true
		st.loggedIn = ev.Status == "PREAUTH"
	case ev.Tag == "*" && ev.Verb == "ENABLED" && st.enableTag != "":
		if strings.Contains(upper(ev.Text), "IMAP4REV2") {
			st.rev2 = true
		}
	case ev.Tag != "*" && ev.Tag != "+" && ev.Status != "":
		cmd, i := st.findTag(ev.Tag)
		if i >= 0 {
			st.tagged = append(st.tagged[:i], st.tagged[i+1:]...)
		}
		if ev.Tag == st.authTag {
			st.authTag = ""
		}
		if ev.Tag == st.enableTag {
			st.enableTag = ""
		}
		if ev.Status == "OK" && (cmd.verb == "LOGIN" || cmd.verb == "AUTHENTICATE") {
			st.loggedIn = true
		}
		st.byeNext = ev.Status == "BAD" && cmd.early && cmd.verb != "" && !imapserverHandles(cmd.verb)
	}
}
