package lessonrun

import (
	"errors"
	"fmt"
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
//   - send: the SMTP server accepted a message for to (250 after its
//     DATA or BDAT LAST payload, in a transaction with RCPT TO:<to>) on a
//     connection of the from device; from any client when from is no
//     device of the lab, or an outside one.
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
//
// Other actions (reset-lab, which the app does, and offline windows
// among them) return an error wrapping ErrCannotDetect. Detect never
// waits for a device's running action.
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
	}
	return false, "", fmt.Errorf("%w whether %s was done", ErrCannotDetect, a.Do)
}

// detectSend looks for a message for to that the SMTP server accepted.
func (r *Runner) detectSend(from, to string, since uint64) (bool, string, error) {
	_, o, isDevice := r.lab.Device(from)
	anyClient := !isDevice || o.Outside
	snap := r.lab.Trace.Snapshot()
	ours := map[uint64]bool{}
	for _, si := range snap.Sessions() {
		ours[si.ID] = si.Protocol == trace.SMTP && (anyClient || strings.EqualFold(si.ClientAddr, from))
	}
	// Per connection: after a DATA or BDAT LAST command, then after its
	// payload, the server's next reply says whether it took the message.
	const (
		idle = iota
		command
		payload
	)
	state := map[uint64]int{}
	rcpt := map[uint64]bool{} // the transaction names to
	for ev := range snap.Since(since) {
		if !ours[ev.Session] {
			continue
		}
		c2s := ev.Dir == trace.ClientToServer
		switch st := state[ev.Session]; {
		case ev.Kind == trace.KindLine && c2s && st != payload:
			verb := strings.ToUpper(ev.Verb)
			switch verb {
			case "MAIL", "RSET":
				rcpt[ev.Session] = false
			case "RCPT":
				rcpt[ev.Session] = rcpt[ev.Session] || to == "" || strings.Contains(strings.ToLower(ev.Text), "<"+strings.ToLower(to)+">")
			}
			if verb == "DATA" || verb == "BDAT" && strings.Contains(strings.ToUpper(ev.Text), "LAST") {
				state[ev.Session] = command
			} else {
				state[ev.Session] = idle
			}
		case ev.Kind == trace.KindBulk && c2s && st == command:
			state[ev.Session] = payload
		case ev.Kind == trace.KindLine && !c2s && st == payload:
			if strings.HasPrefix(ev.Status, "250") && rcpt[ev.Session] {
				if anyClient {
					return true, "The SMTP server accepted a message: 250 after its data.", nil
				}
				return true, fmt.Sprintf("The SMTP server accepted a message from %s: 250 after its data.", o.Name), nil
			}
			state[ev.Session] = idle
		}
	}
	if anyClient {
		return false, fmt.Sprintf("No message for %s has reached the SMTP server since this step began.", to), nil
	}
	return false, fmt.Sprintf("No message from %s for %s has reached the SMTP server since this step began.", o.Name, to), nil
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
