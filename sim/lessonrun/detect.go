package lessonrun

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/trace"
)

// ErrCannotDetect is what Detect returns (wrapped) for an action whose
// doing it cannot see in the lab: the app then offers to do it for the
// learner, or takes their word.
var ErrCannotDetect = errors.New("lessonrun: cannot detect")

// Detect says whether the learner has done a step's action (a step by
// learner) in the lab, since the step opened: since is the Seq of the
// trace's last event then (0: the start of the trace), and only later
// events count. detail says in a sentence what was seen, or what is
// still awaited.
//
//   - send: the SMTP server gave its verdict on a message for to, on a
//     connection of the from device (from any client when from is no
//     device of the lab, or an outside one): accepted (250 after its DATA
//     or BDAT LAST payload, in a transaction with RCPT TO:<to>), or
//     refused (a 4xx or 5xx to that RCPT or after the data, such as the
//     552 of a full mailbox, which a lesson may mean).
//   - check-mail: a POP3 connection of the device, or an IMAP one that
//     selected a mailbox and opened no message (no BODY[] fetched
//     without PEEK), began and ended.
//   - read: the message (by its subject, else the newest one unread when
//     Detect was first asked with this since) is read on the device.
//   - flag: the message (by its subject, else the newest in the INBOX)
//     has the flag on the device.
//   - set-link: the link's preset is the one named.
//   - go-offline, go-online: the device works offline (or online), or
//     without a device the link is down (or up).
//   - inject-fault: a fault of the kind and protocol is armed.
//   - reply: the message (by its subject, else the newest in the INBOX)
//     is answered on the device (the reply is written: sent, or waiting
//     in the outbox).
//   - delete: no message with the subject is left on the device.
//   - move: the message with the subject is in the folder on the device.
//   - create-folder: the device has the folder.
//   - open-folder: an IMAP connection of the device selected the folder.
//   - search: a search of the device for the text (NoteSearch, or an
//     IMAP SEARCH on the wire) came after the step opened.
//   - console: a console connection to the service sent every command
//     line (the message's text after DATA aside), in order.
//
// Other actions (reset-lab, which the app does, offline windows, a
// delete with no subject, a POP3 device's open-folder, among them)
// return an error wrapping ErrCannotDetect. Detect never waits for a
// device's running action.
func (r *Runner) Detect(a *lessons.Action, since uint64) (done bool, detail string, err error) {
	if a == nil {
		return true, "This step asks nothing of the lab.", nil
	}
	str := func(k string) string { s, _ := a.With[k].Text(); return s }
	switch a.Do {
	case "send":
		return r.detectSend(str("from"), str("to"), since)
	case "check-mail":
		return r.detectCheck(str("device"), since)
	case "read":
		return r.detectRead(str("device"), str("message"), since)
	case "flag":
		return r.detectFlag(str("device"), str("message"), str("flag"))
	case "set-link":
		want, cur := str("preset"), r.lab.Link.Profile()
		if strings.EqualFold(cur.ID, want) {
			return true, fmt.Sprintf("The link is %s.", cur.Name), nil
		}
		return false, fmt.Sprintf("The link is still %s.", cur.Name), nil
	case "go-offline", "go-online":
		offline := a.Do == "go-offline"
		state := map[bool]string{true: "offline", false: "online"}
		if name := str("device"); name != "" {
			st, ok := r.lab.DeviceState(name)
			if !ok {
				return false, "", fmt.Errorf("lessonrun: no device %q", name)
			}
			if st.Offline == offline {
				return true, fmt.Sprintf("%s works %s.", st.Device.Name, state[offline]), nil
			}
			return false, fmt.Sprintf("%s still works %s.", st.Device.Name, state[!offline]), nil
		}
		if r.lab.Link.Offline() == offline {
			return true, fmt.Sprintf("The link is %s.", state[offline]), nil
		}
		return false, fmt.Sprintf("The link is still %s.", state[!offline]), nil
	case "inject-fault":
		fs, err := link.ParseFault(str("spec"))
		if err != nil {
			return false, "", err
		}
		if fs.Kind == "offline" {
			break
		}
		for _, armed := range r.lab.ArmedFaultSpecs() {
			if armed.Kind == fs.Kind && armed.Protocol == fs.Protocol {
				return true, fmt.Sprintf("A %s fault is armed (%s).", armed.Kind, armed.Spec), nil
			}
		}
		return false, fmt.Sprintf("No %s fault is armed yet.", fs.Kind), nil
	case "reply", "delete", "move", "create-folder":
		return r.detectMail(a.Do, str("device"), str("message"), str("folder"))
	case "open-folder":
		return r.detectSelect(str("device"), str("folder"), since)
	case "search":
		return r.detectSearch(str("device"), str("text"), since)
	case "console":
		return r.detectConsole(str("service"), str("lines"), since)
	}
	return false, "", fmt.Errorf("%w whether %s was done", ErrCannotDetect, a.Do)
}

// detectSend looks for the SMTP server's verdict on a message for to:
// accepted (250 after its data) or refused (a 4xx or 5xx to its RCPT or
// after its data: a full mailbox's 552, which a lesson may mean). The
// replies are matched to the commands in order, so that a pipelined
// transaction reads as a lock-step one.
func (r *Runner) detectSend(from, to string, since uint64) (bool, string, error) {
	_, o, isDevice := r.lab.Device(from)
	anyClient := !isDevice || o.Outside
	snap := r.lab.Trace.Snapshot()
	ours := map[uint64]bool{}
	for _, si := range snap.Sessions() {
		ours[si.ID] = si.Protocol == trace.SMTP && (anyClient || strings.EqualFold(si.ClientAddr, from))
	}
	who := "a client"
	if !anyClient {
		who = o.Name
	}
	const forTo = "RCPT "            // a RCPT naming to, in the queue
	pending := map[uint64][]string{} // per connection: the commands awaiting their reply
	named := map[uint64]bool{}       // the transaction names to, and the server took it
	for ev := range snap.Since(since) {
		if !ours[ev.Session] || ev.Kind != trace.KindLine || ev.Has(trace.FlagContinued) {
			continue
		}
		id := ev.Session
		if ev.Dir == trace.ClientToServer {
			verb := strings.ToUpper(ev.Verb)
			switch {
			case verb == "RCPT" && (to == "" || strings.Contains(strings.ToLower(ev.Text), "<"+strings.ToLower(to)+">")):
				verb = forTo
			case verb == "BDAT" && strings.Contains(strings.ToUpper(ev.Text), "LAST"):
				verb = "."
			}
			pending[id] = append(pending[id], verb)
			continue
		}
		if len(ev.Text) > 3 && ev.Text[3] == '-' || len(pending[id]) == 0 {
			continue // a reply's first lines, or the greeting
		}
		verb := pending[id][0]
		pending[id] = pending[id][1:]
		refused := strings.HasPrefix(ev.Status, "4") || strings.HasPrefix(ev.Status, "5")
		switch verb {
		case "MAIL", "RSET":
			named[id] = false
		case forTo:
			if refused {
				return true, fmt.Sprintf("The SMTP server refused the message from %s for %s: %s.", who, to, ev.Text), nil
			}
			named[id] = true
		case ".":
			switch {
			case !named[id]:
			case strings.HasPrefix(ev.Status, "250"):
				return true, fmt.Sprintf("The SMTP server accepted a message from %s for %s: 250 after its data.", who, to), nil
			case refused:
				return true, fmt.Sprintf("The SMTP server refused the message from %s for %s after its data: %s.", who, to, ev.Text), nil
			}
		}
	}
	return false, fmt.Sprintf("No message from %s for %s has reached the SMTP server since this step began.", who, to), nil
}

// detectCheck looks for a whole POP3 or IMAP check of the device.
func (r *Runner) detectCheck(device string, since uint64) (bool, string, error) {
	_, o, ok := r.lab.Device(device)
	if !ok {
		return false, "", fmt.Errorf("lessonrun: no device %q", device)
	}
	snap := r.lab.Trace.Snapshot()
	proto := map[uint64]trace.Protocol{}
	for _, si := range snap.Sessions() {
		if strings.EqualFold(si.ClientAddr, o.Name) && (si.Protocol == trace.POP3 || si.Protocol == trace.IMAP) {
			proto[si.ID] = si.Protocol
		}
	}
	began, selected, opened := map[uint64]bool{}, map[uint64]bool{}, map[uint64]bool{}
	for ev := range snap.Since(since) {
		p, ok := proto[ev.Session]
		if !ok {
			continue
		}
		switch ev.Kind {
		case trace.KindConnect, trace.KindDial:
			began[ev.Session] = true
		case trace.KindLine:
			if ev.Dir != trace.ClientToServer || p != trace.IMAP {
				continue
			}
			switch text := strings.ToUpper(ev.Text); {
			case ev.Verb == "SELECT" || ev.Verb == "EXAMINE":
				selected[ev.Session] = true
			case strings.Contains(text, "BODY[") && !strings.Contains(text, "BODY.PEEK["):
				opened[ev.Session] = true
			}
		case trace.KindClose:
			if began[ev.Session] && (p == trace.POP3 || selected[ev.Session] && !opened[ev.Session]) {
				return true, fmt.Sprintf("%s checked its mail over %s.", o.Name, strings.ToUpper(p.String())), nil
			}
		}
	}
	return false, fmt.Sprintf("%s has not checked its mail since this step began.", o.Name), nil
}

// inbox is a device's INBOX as its last event carried it, oldest first.
func (r *Runner) inbox(device string) (lab.DeviceEvent, []mua.Message, error) {
	st, ok := r.lab.DeviceState(device)
	if !ok {
		return st, nil, fmt.Errorf("lessonrun: no device %q", device)
	}
	var out []mua.Message
	for _, m := range st.Messages {
		if strings.EqualFold(m.Folder, "INBOX") {
			out = append(out, m)
		}
	}
	return st, out, nil
}

func (r *Runner) detectRead(device, subject string, since uint64) (bool, string, error) {
	st, msgs, err := r.inbox(device)
	if err != nil {
		return false, "", err
	}
	name := st.Device.Name
	if subject != "" {
		for _, m := range msgs {
			if strings.EqualFold(m.Subject, subject) && m.Seen {
				return true, fmt.Sprintf("“%s” is read on %s.", m.Subject, name), nil
			}
		}
		return false, fmt.Sprintf("“%s” is not read on %s yet.", subject, name), nil
	}
	// The newest message unread when the step opened, as the read
	// action picks it; first asked now, for want of a record of then.
	id := 0
	for _, m := range msgs {
		if !m.Seen {
			id = m.ID
		}
	}
	if a := r.live; a != nil {
		key := readKey{strings.ToLower(name), since}
		a.mu.Lock()
		if a.read == nil {
			a.read = map[readKey]int{}
		}
		if first, asked := a.read[key]; asked {
			id = first
		} else {
			a.read[key] = id
		}
		a.mu.Unlock()
	}
	for _, m := range msgs {
		if id == 0 && m.Seen || id != 0 && m.ID == id && m.Seen {
			return true, fmt.Sprintf("“%s” is read on %s.", m.Subject, name), nil
		}
	}
	return false, fmt.Sprintf("%s has not opened the message yet.", name), nil
}

func (r *Runner) detectFlag(device, subject, which string) (bool, string, error) {
	st, msgs, err := r.inbox(device)
	if err != nil {
		return false, "", err
	}
	name := st.Device.Name
	var pick *mua.Message
	for i := len(msgs) - 1; i >= 0; i-- {
		if subject == "" || strings.EqualFold(msgs[i].Subject, subject) {
			pick = &msgs[i]
			break
		}
	}
	if pick == nil {
		return false, fmt.Sprintf("%s has no such message in its INBOX yet.", name), nil
	}
	on, what := pick.Flagged, "flagged"
	if which == "seen" {
		on, what = pick.Seen, "read"
	}
	if on {
		return true, fmt.Sprintf("“%s” is %s on %s.", pick.Subject, what, name), nil
	}
	return false, fmt.Sprintf("“%s” is not %s on %s yet.", pick.Subject, what, name), nil
}

// detectMail reads a mail action's effect on the device.
func (r *Runner) detectMail(action, device, subject, folder string) (bool, string, error) {
	st, ok := r.lab.DeviceState(device)
	if !ok {
		return false, "", fmt.Errorf("lessonrun: no device %q", device)
	}
	name := st.Device.Name
	find := func(pred func(mua.Message) bool) *mua.Message {
		for i := len(st.Messages) - 1; i >= 0; i-- {
			if pred(st.Messages[i]) {
				return &st.Messages[i]
			}
		}
		return nil
	}
	named := func(m mua.Message) bool { return strings.EqualFold(m.Subject, subject) }
	switch action {
	case "create-folder":
		for _, f := range st.Folders {
			if strings.EqualFold(f, folder) {
				return true, fmt.Sprintf("%s has the folder %s.", name, f), nil
			}
		}
		return false, fmt.Sprintf("%s has no folder %s yet.", name, folder), nil
	case "move":
		if m := find(func(m mua.Message) bool { return named(m) && strings.EqualFold(m.Folder, folder) }); m != nil {
			return true, fmt.Sprintf("“%s” is in %s on %s.", m.Subject, m.Folder, name), nil
		}
		return false, fmt.Sprintf("“%s” is not in %s on %s yet.", subject, folder, name), nil
	case "delete":
		if subject == "" {
			break
		}
		if m := find(named); m != nil {
			return false, fmt.Sprintf("“%s” is still on %s.", m.Subject, name), nil
		}
		return true, fmt.Sprintf("“%s” is gone from %s.", subject, name), nil
	case "reply":
		pick := find(func(m mua.Message) bool { return strings.EqualFold(m.Folder, "INBOX") && (subject == "" || named(m)) })
		if subject != "" && pick == nil {
			pick = find(named)
		}
		if pick == nil {
			return false, fmt.Sprintf("%s has no such message to reply to yet.", name), nil
		}
		if pick.Answered {
			return true, fmt.Sprintf("%s has answered “%s”.", name, pick.Subject), nil
		}
		return false, fmt.Sprintf("%s has not answered “%s” yet.", name, pick.Subject), nil
	}
	return false, "", fmt.Errorf("%w whether %s was done (no message named)", ErrCannotDetect, action)
}

// detectSelect looks for the device's IMAP SELECT (or EXAMINE) of a folder.
func (r *Runner) detectSelect(device, folder string, since uint64) (bool, string, error) {
	_, o, ok := r.lab.Device(device)
	if !ok {
		return false, "", fmt.Errorf("lessonrun: no device %q", device)
	}
	if !o.Policy.Mode.IsIMAP() {
		return false, "", fmt.Errorf("%w whether %s opened a folder: its folders are its own", ErrCannotDetect, o.Name)
	}
	snap := r.lab.Trace.Snapshot()
	ours := map[uint64]bool{}
	for _, si := range snap.Sessions() {
		ours[si.ID] = si.Protocol == trace.IMAP && strings.EqualFold(si.ClientAddr, o.Name)
	}
	for ev := range snap.Since(since) {
		if ours[ev.Session] && ev.Kind == trace.KindLine && ev.Dir == trace.ClientToServer &&
			(ev.Verb == "SELECT" || ev.Verb == "EXAMINE") && mentions(ev.Text, folder) {
			return true, fmt.Sprintf("%s opened %s on the server (%s).", o.Name, folder, ev.Verb), nil
		}
	}
	return false, fmt.Sprintf("%s has not opened %s since this step began.", o.Name, folder), nil
}

// mentions reports whether an IMAP command line names a mailbox: as an
// atom or a quoted string, any case.
func mentions(line, mailbox string) bool {
	line, mailbox = strings.ToLower(line), strings.ToLower(mailbox)
	return strings.Contains(line, `"`+mailbox+`"`) || strings.HasSuffix(line, " "+mailbox) || strings.Contains(line, " "+mailbox+" ")
}

// NoteSearch tells an attached runner of a search the learner made with
// the app's own buttons, as if the search action had made it:
// search.hits and search.where read it, and Detect sees it. onServer is
// an IMAP SEARCH; hits the messages it matched (on the server, or among
// the device's copies).
func (r *Runner) NoteSearch(device, folder, text string, onServer bool, hits int) {
	where := "local"
	if onServer {
		where = "server"
	}
	r.lastSearch = &searchResult{hits: hits, where: where, device: device, folder: folder}
	if r.live == nil {
		return
	}
	r.live.mu.Lock()
	r.live.searches = append(r.live.searches, searchSeen{device: device, text: text, seq: r.lab.Trace.Snapshot().Seq})
	r.live.mu.Unlock()
}

// searchSeen is a search NoteSearch was told of.
type searchSeen struct {
	device, text string
	seq          uint64 // the trace's last event when it ended
}

func (r *Runner) detectSearch(device, text string, since uint64) (bool, string, error) {
	_, o, ok := r.lab.Device(device)
	if !ok {
		return false, "", fmt.Errorf("lessonrun: no device %q", device)
	}
	if r.live != nil {
		r.live.mu.Lock()
		seen := slices.ContainsFunc(r.live.searches, func(s searchSeen) bool {
			return s.seq >= since && strings.EqualFold(s.device, o.Name) && strings.Contains(strings.ToLower(s.text), strings.ToLower(text))
		})
		r.live.mu.Unlock()
		if seen {
			return true, fmt.Sprintf("%s searched for “%s”.", o.Name, text), nil
		}
	}
	snap := r.lab.Trace.Snapshot()
	ours := map[uint64]bool{}
	for _, si := range snap.Sessions() {
		ours[si.ID] = si.Protocol == trace.IMAP && strings.EqualFold(si.ClientAddr, o.Name)
	}
	for ev := range snap.Since(since) {
		if ours[ev.Session] && ev.Kind == trace.KindLine && ev.Dir == trace.ClientToServer &&
			(ev.Verb == "SEARCH" || ev.Verb == "UID SEARCH") && strings.Contains(strings.ToLower(ev.Text), strings.ToLower(text)) {
			return true, fmt.Sprintf("%s asked the server to search for “%s” (%s).", o.Name, text, ev.Verb), nil
		}
	}
	return false, fmt.Sprintf("%s has not searched for “%s” since this step began.", o.Name, text), nil
}

// detectConsole looks for a console connection that sent the lines.
func (r *Runner) detectConsole(service, text string, since uint64) (bool, string, error) {
	var want []string // the command lines, in order
	inData := false
	for _, l := range strings.Split(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), "\n") {
		switch {
		case inData:
			inData = l != "."
			if l == "." {
				want = append(want, l)
			}
		default:
			want = append(want, strings.TrimSpace(l))
			inData = service == "smtp" && strings.EqualFold(strings.TrimSpace(l), "DATA")
		}
	}
	snap := r.lab.Trace.Snapshot()
	ours := map[uint64]bool{}
	for _, si := range snap.Sessions() {
		ours[si.ID] = strings.EqualFold(si.ClientAddr, ConsoleClient) && strings.EqualFold(si.Protocol.String(), service)
	}
	next := map[uint64]int{} // per console connection: how many lines it has sent
	for ev := range snap.Since(since) {
		if !ours[ev.Session] || ev.Kind != trace.KindLine || ev.Dir != trace.ClientToServer || ev.Has(trace.FlagContinued) {
			continue
		}
		if i := next[ev.Session]; i < len(want) && strings.EqualFold(strings.TrimSpace(ev.Text), want[i]) {
			next[ev.Session] = i + 1
			if i+1 == len(want) {
				return true, fmt.Sprintf("The console sent all %d lines to the %s server.", len(want), strings.ToUpper(service)), nil
			}
		}
	}
	best := 0
	for _, n := range next {
		best = max(best, n)
	}
	return false, fmt.Sprintf("The console has sent %d of the %d lines to the %s server since this step began.", best, len(want), strings.ToUpper(service)), nil
}
