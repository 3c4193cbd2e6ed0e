package lab

import (
	"encoding/base64"
	"net"
	"strconv"
	"strings"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/trace"
)

// MessageRef names one message on the server.
type MessageRef struct {
	Account string
	Mailbox string
	UID     uint32
}

// Which trace lines concern which message is read off the wire, as a
// developer reading the trace would: IMAP names messages by UID (UID
// FETCH/STORE/COPY/MOVE, the UID in a FETCH response, APPENDUID); POP3 by
// message number, whose meaning the server fixed when the session locked
// its maildrop (pop3d's OnLogin tells the lab which session has which
// maildrop). An IMAP command that names messages by sequence number only
// is not tied to them.

// pop3Drop is what a POP3 session's message numbers mean.
type pop3Drop struct {
	user string
	uids []uint32 // by message number - 1
}

// pop3Login records which trace session locked which maildrop.
func (l *Lab) pop3Login(c net.Conn, md *mailstore.Maildrop) {
	if l.Trace == nil {
		return // nothing to relate: a scenario's untraced world
	}
	id, ok := linkConnID(c)
	if !ok {
		return
	}
	d := pop3Drop{user: md.User()}
	for n := 1; n <= md.Len(); n++ {
		m, err := md.Message(n)
		if err != nil {
			d.uids = append(d.uids, 0)
			continue
		}
		d.uids = append(d.uids, m.UID)
	}
	l.relMu.Lock()
	if l.pop3Drops == nil {
		l.pop3Drops = map[uint64]pop3Drop{}
	}
	l.pop3Drops[id] = d
	// The numbering follows the trace's retention: once a session's
	// events are set aside, nothing in memory names its messages.
	if len(l.pop3Drops) >= 2*l.pop3Kept {
		for sid := range l.pop3Drops {
			if l.Trace.IsAside(sid) {
				delete(l.pop3Drops, sid)
			}
		}
		l.pop3Kept = max(len(l.pop3Drops), 32)
	}
	l.relMu.Unlock()
}

// linkConnID finds the link connection under c (a TLS conn after STLS):
// its ID is the trace session's.
func linkConnID(c net.Conn) (uint64, bool) {
	for c != nil {
		switch x := c.(type) {
		case *link.Conn:
			return x.Info().ID, true
		case interface{ NetConn() net.Conn }:
			c = x.NetConn()
		default:
			return 0, false
		}
	}
	return 0, false
}

// eventRefs is what one trace event concerns: messages of one mailbox,
// by UID set.
type eventRefs struct {
	account, mailbox string
	uids             mailstore.UIDSet
}

// relator reads the sessions of a trace, one event at a time.
type relator struct {
	drops map[uint64]pop3Drop
	sess  map[uint64]*relSession
}

type relSession struct {
	user, mailbox string
	cur           *eventRefs            // what the current command concerns: its reply and payload too
	listing       bool                  // POP3: a LIST or UIDL listing is coming
	tagged        map[string]*eventRefs // IMAP: the commands awaiting their tagged reply
	authPlain     bool                  // IMAP: the next client line is AUTHENTICATE PLAIN's
}

// refs says what ev concerns, or nil.
func (r *relator) refs(si trace.SessionInfo, ev *trace.Event) *eventRefs {
	if ev.Kind != trace.KindLine && ev.Kind != trace.KindBulk {
		return nil
	}
	s := r.sess[ev.Session]
	if s == nil {
		s = &relSession{tagged: map[string]*eventRefs{}}
		r.sess[ev.Session] = s
	}
	switch si.Protocol {
	case trace.POP3:
		return r.pop3(s, ev)
	case trace.IMAP:
		return s.imap(ev)
	}
	return nil
}

func (r *relator) pop3(s *relSession, ev *trace.Event) *eventRefs {
	drop, ok := r.drops[ev.Session]
	ref := func(n string) *eventRefs {
		i, err := strconv.Atoi(n)
		if !ok || err != nil || i < 1 || i > len(drop.uids) || drop.uids[i-1] == 0 {
			return nil
		}
		return &eventRefs{account: drop.user, mailbox: mailstore.Inbox, uids: mailstore.UIDSetOf(drop.uids[i-1])}
	}
	if ev.Kind == trace.KindBulk {
		return s.cur
	}
	if ev.Dir == trace.ClientToServer {
		s.cur, s.listing = nil, false
		verb, rest, _ := strings.Cut(ev.Text, " ")
		arg, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		switch strings.ToUpper(verb) {
		case "RETR", "DELE", "TOP":
			s.cur = ref(arg)
		case "LIST", "UIDL":
			if arg == "" {
				s.listing = true
			} else {
				s.cur = ref(arg)
			}
		}
		return s.cur
	}
	switch {
	case ev.Text == ".":
		s.listing = false
		return nil
	case s.listing && ev.Status == "":
		n, _, _ := strings.Cut(ev.Text, " ")
		return ref(n)
	}
	return s.cur
}

func (s *relSession) imap(ev *trace.Event) *eventRefs {
	if ev.Kind == trace.KindBulk {
		return s.cur // a FETCH's literal, an APPEND's message
	}
	if ev.Dir == trace.ClientToServer {
		if s.authPlain {
			s.authPlain = false
			s.plainUser(ev.Text)
			return nil
		}
		return s.imapCommand(ev.Text)
	}
	// The server's lines.
	tag, rest, _ := strings.Cut(ev.Text, " ")
	switch {
	case tag == "*":
		s.cur = nil
		n, rest, _ := strings.Cut(rest, " ")
		if _, err := strconv.Atoi(n); err == nil && strings.HasPrefix(strings.ToUpper(rest), "FETCH") {
			if uid, ok := fetchUID(rest); ok && s.user != "" {
				s.cur = &eventRefs{account: s.user, mailbox: s.mailbox, uids: mailstore.UIDSetOf(uid)}
			}
		}
		return s.cur
	case tag == "+":
		return nil
	}
	refs := s.tagged[tag]
	delete(s.tagged, tag)
	if uid, ok := appendUID(rest); ok && s.user != "" && refs != nil {
		refs.uids = mailstore.UIDSetOf(uid)
	}
	if refs != nil && len(refs.uids) == 0 {
		return nil
	}
	return refs
}

// imapCommand reads a client command line.
func (s *relSession) imapCommand(line string) *eventRefs {
	f := strings.Fields(line)
	if len(f) < 2 {
		return nil
	}
	tag, cmd := f[0], strings.ToUpper(f[1])
	args := f[2:]
	s.cur = nil
	switch {
	case cmd == "LOGIN" && len(args) >= 1:
		s.user = unquote(args[0])
	case cmd == "AUTHENTICATE" && len(args) >= 1 && strings.EqualFold(args[0], "PLAIN"):
		if len(args) >= 2 {
			s.plainUser(args[1])
		} else {
			s.authPlain = true
		}
	case (cmd == "SELECT" || cmd == "EXAMINE") && len(args) >= 1:
		s.mailbox = unquote(args[0])
		if strings.EqualFold(s.mailbox, mailstore.Inbox) {
			s.mailbox = mailstore.Inbox
		}
	case cmd == "APPEND" && len(args) >= 1 && s.user != "":
		mb := unquote(args[0])
		if strings.EqualFold(mb, mailstore.Inbox) {
			mb = mailstore.Inbox
		}
		s.cur = &eventRefs{account: s.user, mailbox: mb} // its UID comes in APPENDUID
		s.tagged[tag] = s.cur
		return nil
	case cmd == "UID" && len(args) >= 2 && s.user != "" && s.mailbox != "":
		set, err := parseUIDSet(args[1])
		if err != nil {
			return nil
		}
		s.cur = &eventRefs{account: s.user, mailbox: s.mailbox, uids: set}
		s.tagged[tag] = s.cur
		return s.cur
	}
	return nil
}

// plainUser takes the user from a SASL PLAIN response (RFC 4616).
func (s *relSession) plainUser(b64 string) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) == 3 {
		s.user = parts[1]
	}
}

// fetchUID finds "UID n" in a FETCH response's items.
func fetchUID(items string) (uint32, bool) {
	f := strings.FieldsFunc(strings.ToUpper(items), func(r rune) bool { return r == ' ' || r == '(' || r == ')' })
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "UID" {
			if n, err := strconv.ParseUint(f[i+1], 10, 32); err == nil {
				return uint32(n), true
			}
		}
	}
	return 0, false
}

// appendUID finds the UID in an [APPENDUID uidvalidity uid] response code.
func appendUID(text string) (uint32, bool) {
	i := strings.Index(strings.ToUpper(text), "[APPENDUID ")
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(strings.TrimRight(text[i+len("[APPENDUID "):], "]"))
	if len(f) < 2 {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimRight(f[1], "]"), 10, 32)
	return uint32(n), err == nil
}

// parseUIDSet reads an IMAP sequence set of UIDs ("1:3,7,9:*"); "*" is
// the largest UID.
func parseUIDSet(s string) (mailstore.UIDSet, error) {
	var set mailstore.UIDSet
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a, err := uidOrStar(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = uidOrStar(hi); err != nil {
				return nil, err
			}
		}
		if a != 0 && b != 0 && a > b {
			a, b = b, a
		}
		set = append(set, mailstore.UIDRange{Start: a, Stop: b})
	}
	return set, nil
}

func uidOrStar(s string) (uint32, error) {
	if s == "*" {
		return 0, nil // mailstore's "to the largest"
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(strings.ReplaceAll(s[1:len(s)-1], `\"`, `"`), `\\`, `\`)
	}
	return s
}

// walk reads the whole trace and calls fn for each event that concerns
// messages.
func (l *Lab) walk(fn func(ev *trace.Event, refs *eventRefs)) {
	if l.Trace == nil {
		return
	}
	snap := l.Trace.Snapshot()
	l.relMu.Lock()
	drops := make(map[uint64]pop3Drop, len(l.pop3Drops))
	for k, v := range l.pop3Drops {
		drops[k] = v
	}
	l.relMu.Unlock()
	info := map[uint64]trace.SessionInfo{}
	for _, si := range snap.Sessions() {
		info[si.ID] = si
	}
	r := &relator{drops: drops, sess: map[uint64]*relSession{}}
	for i := 0; i < snap.Len(); i++ {
		ev := snap.At(i)
		if refs := r.refs(info[ev.Session], ev); refs != nil && len(refs.uids) > 0 {
			fn(ev, refs)
		}
	}
}

// Related returns the messages the trace event seq concerns: those in
// the mailbox it names that the views list now (a message since deleted
// is named but may not be listed).
func (l *Lab) Related(seq uint64) []MessageRef {
	var found *eventRefs
	l.walk(func(ev *trace.Event, refs *eventRefs) {
		if ev.Seq == seq {
			found = refs
		}
	})
	if found == nil {
		return nil
	}
	var out []MessageRef
	if a, ok := l.Views().Account(found.account); ok {
		if mb := a.mailbox(found.mailbox); mb != nil {
			max := uint32(0)
			if n := len(mb.Messages); n > 0 {
				max = mb.Messages[n-1].UID
			}
			for _, m := range mb.Messages {
				if found.uids.Contains(m.UID, max) {
					out = append(out, MessageRef{Account: a.Name, Mailbox: mb.Name, UID: m.UID})
				}
			}
		}
	}
	// A single message no longer listed (expunged since) is still named.
	if len(out) == 0 && len(found.uids) == 1 && found.uids[0].Start == found.uids[0].Stop && found.uids[0].Start != 0 {
		out = append(out, MessageRef{Account: found.account, Mailbox: found.mailbox, UID: found.uids[0].Start})
	}
	return out
}

// Touching returns the trace events that concern a message, oldest first.
func (l *Lab) Touching(m MessageRef) []uint64 {
	var out []uint64
	l.walk(func(ev *trace.Event, refs *eventRefs) {
		if strings.EqualFold(refs.account, m.Account) && refs.mailbox == m.Mailbox && refs.uids.Contains(m.UID, ^uint32(0)) {
			out = append(out, ev.Seq)
		}
	})
	return out
}
