package app

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/mua"
)

// ActionService runs the lab's simulated mail clients from the UI: what a
// user does in a mail client (check mail, open, reply, compose, mark,
// flag, delete, move, create a folder, search), on the devices of the
// lab's registry, which the mailbox views follow too. Actions run on the
// live clock, so their lines arrive in the trace at the pace of the link;
// actions on one device run one at a time (lab.UseDevice), on different
// devices side by side. Each emits action:progress when it starts and
// when it ends, with a sentence saying what happened.
type ActionService struct {
	lab  *lab.Lab
	emit *emitter
	// settled, if set, sends what the action did to the views before its
	// end is announced: the UI never shows "done" over a stale mailbox.
	settled func()
	// searched, if set, is told of each search that went through: the
	// lessons' runs read it (search.hits) as their own search's.
	searched func(device, folder, text string, onServer bool, hits int)

	mu   sync.Mutex
	next int
}

// newActionService registers the default devices (lab.DefaultDevices)
// whose accounts exist.
func newActionService(l *lab.Lab, e *emitter) *ActionService {
	for _, d := range lab.DefaultDevices() {
		if _, err := l.Store.User(d.User); err == nil {
			l.AddDevice(d) // a name already taken keeps its device
		}
	}
	return &ActionService{lab: l, emit: e}
}

// Devices lists the simulated mail clients and what each holds. It never
// waits for a running action.
func (s *ActionService) Devices() ([]DeviceDTO, error) {
	opts := s.lab.Devices()
	out := make([]DeviceDTO, 0, len(opts))
	for _, o := range opts {
		st, ok := s.lab.DeviceState(o.Name)
		if ok {
			out = append(out, newDeviceDTO(o, st))
		}
	}
	return out, nil
}

// AddDevice adds a mail client for a lab account with a policy:
// pop3-delete, pop3-keep, imap-online or imap-offline.
func (s *ActionService) AddDevice(spec DeviceSpecDTO) (DeviceDTO, error) {
	mode, err := mua.ParseMode(spec.Policy)
	if err != nil {
		return DeviceDTO{}, fmt.Errorf("app: policy %q: pop3-delete, pop3-keep, imap-online or imap-offline", spec.Policy)
	}
	if _, err := s.lab.AddDevice(lab.DeviceOptions{Name: spec.Name, User: spec.User, Policy: mua.Policy{Mode: mode}}); err != nil {
		return DeviceDTO{}, err
	}
	return s.deviceDTO(spec.Name)
}

// RemoveDevice takes a mail client away (after its running action, if
// any) and returns the devices left.
func (s *ActionService) RemoveDevice(name string) ([]DeviceDTO, error) {
	if err := s.lab.RemoveDevice(name); err != nil {
		return nil, err
	}
	return s.Devices()
}

func (s *ActionService) deviceDTO(name string) (DeviceDTO, error) {
	_, o, ok := s.lab.Device(name)
	st, ok2 := s.lab.DeviceState(name)
	if !ok || !ok2 {
		return DeviceDTO{}, fmt.Errorf("app: no device %q", name)
	}
	return newDeviceDTO(o, st), nil
}

// act runs one action on a device: action:progress "running", fn under
// the device's lock at the live clock's now, then "done" or "error" with
// fn's outcome sentence, and lab:changed.
func (s *ActionService) act(action, device string, fn func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error)) (ActionResultDTO, error) {
	if _, _, ok := s.lab.Device(device); !ok {
		return ActionResultDTO{}, fmt.Errorf("app: no device %q", device)
	}
	id := s.begin(action, device)
	var r mua.ActionResult
	var outcome string
	err := s.lab.UseDevice(device, func(d *mua.Device) error {
		var err error
		r, outcome, err = fn(d, s.lab.Link.LiveClock().Now())
		return err
	})
	if err != nil && outcome == "" {
		outcome = "failed: " + mua.Explain(err)
	}
	return s.end(id, action, device, r, outcome, err)
}

func (s *ActionService) begin(action, device string) int {
	s.mu.Lock()
	s.next++
	id := s.next
	s.mu.Unlock()
	s.emit.Emit(EventActionProgress, ActionProgressDTO{ID: id, Action: action, Device: device, State: "running"})
	return id
}

func (s *ActionService) end(id int, action, device string, r mua.ActionResult, outcome string, err error) (ActionResultDTO, error) {
	if s.settled != nil {
		s.settled()
	}
	p := ActionProgressDTO{ID: id, Action: action, Device: device, State: "done", Outcome: outcome}
	dto := newActionResultDTO(r, outcome)
	if err != nil {
		p.State, p.Error = "error", err.Error()
	} else {
		p.Result = &dto
	}
	s.emit.Emit(EventActionProgress, p)
	s.emit.Emit(EventLabChanged, (&LabService{lab: s.lab}).state())
	return dto, err
}

// CheckMail has a device send its outbox and fetch new mail by its
// policy. A message the server refuses stays in the outbox and is said in
// the outcome; the mail is fetched all the same.
func (s *ActionService) CheckMail(device string) (ActionResultDTO, error) {
	return s.act("check", device, func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
		r, err := d.CheckMail(at)
		outcome := checked(d, r)
		if errors.Is(err, mua.ErrNotSent) {
			return r, outcome + "; the outbox was not sent: " + mua.Explain(err) +
				" (the message stays in the outbox; delete it there to drop it)", nil
		}
		if err != nil {
			return r, "", err
		}
		return r, outcome, nil
	})
}

// checked is a check's outcome: what came and went.
func checked(d *mua.Device, r mua.ActionResult) string {
	var parts []string
	if r.Sent > 0 {
		parts = append(parts, fmt.Sprintf("sent %s from the outbox", count(r.Sent, "message")))
	}
	switch {
	case r.Downloaded > 0 && r.HeadersOnly > 0:
		parts = append(parts, fmt.Sprintf("downloaded %s, listed %s by their headers", count(r.Downloaded, "message"), count(r.HeadersOnly, "more")))
	case r.Downloaded > 0:
		parts = append(parts, "downloaded "+count(r.Downloaded, "message"))
	case r.HeadersOnly > 0:
		parts = append(parts, fmt.Sprintf("listed %s by their headers (bodies stay on the server until opened)", count(r.HeadersOnly, "message")))
	default:
		parts = append(parts, "no new mail")
	}
	if r.DeletedOnServer > 0 && d.Policy().Mode == mua.POP3Delete {
		parts = append(parts, fmt.Sprintf("deleted %s from the server (POP3 delete after download)", count(r.DeletedOnServer, "message")))
	} else if r.DeletedOnServer > 0 {
		parts = append(parts, fmt.Sprintf("deleted %s from the server", count(r.DeletedOnServer, "message")))
	}
	return strings.Join(parts, "; ")
}

func count(n int, what string) string {
	if n == 1 || what == "more" {
		return fmt.Sprintf("%d %s", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Open reads a message on a device, as a mail reader shows it. A body on
// the device is read offline; an IMAP device reading online fetches it.
// An IMAP device that reads its own copy while it can reach the server
// marks it read there at once (STORE), as mail readers do; offline, the
// server is told at the next connection.
// A message the device cannot show is an error saying why in plain words.
func (s *ActionService) Open(device string, id int) (MessageReadDTO, error) {
	var out MessageReadDTO
	var m mua.Message
	res, err := s.act("open", device, func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
		before, _ := d.Message(id)
		r, err := d.Open(at, id)
		if err != nil {
			why := d.WhyUnreadable(id, err)
			return r, "cannot open: " + why, plainError{"app: " + why, err}
		}
		m, _ = d.Message(id)
		if r.Offline && !before.Seen && m.UID != 0 && d.Policy().Mode.IsIMAP() && !d.Offline() && !s.lab.Link.Offline() {
			// An IMAP client that can reach the server tells it at once
			// that the message was read, as mail readers do (and the
			// lessons' read action): the \Seen is the server's to keep.
			if r2, err := d.MarkRead(r.End, id, true); err == nil {
				r2.Start = r.Start
				m, _ = d.Message(id)
				return r2, fmt.Sprintf("opened message %d from the device's own copy, and marked it read on the server (STORE)", id), nil
			}
		}
		if r.Offline {
			return r, fmt.Sprintf("opened message %d from the device's own copy: no network needed", id), nil
		}
		return r, fmt.Sprintf("fetched message %d from the server (%d bytes) and marked it read there", id, r.PayloadDown), nil
	})
	if err != nil {
		return out, err
	}
	return newMessageReadDTO(device, m, mailstore.Read(m.Raw), res), nil
}

// Compose writes a message from a device into its outbox and tries to
// send it at once. Offline (the link down, or the device working
// offline) it waits in the outbox, and that is no error: it goes at the
// next connection.
func (s *ActionService) Compose(device string, draft DraftDTO) (ActionResultDTO, error) {
	to, err := recipients(draft.To)
	if err != nil {
		return ActionResultDTO{}, err
	}
	return s.act("compose", device, func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
		d.Compose(at, mua.Draft{To: to, Subject: draft.Subject, Body: draft.Body})
		return sendNow(d, at)
	})
}

// Reply writes a reply to a message ("Re: ", to its sender, threaded)
// into the device's outbox, marks the original answered, and tries to
// send it at once, as Compose does.
func (s *ActionService) Reply(device string, id int, body string) (ActionResultDTO, error) {
	return s.act("reply", device, func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
		if _, r, err := d.Reply(at, id, body); err != nil {
			why := d.WhyUnreadable(id, err)
			return r, "cannot reply: " + why, plainError{"app: " + why, err}
		}
		return sendNow(d, at)
	})
}

// plainError says in plain words what went wrong, and wraps the error
// it explains (errors.Is still finds mua.ErrNoMessage and the like).
type plainError struct {
	msg string
	err error
}

func (e plainError) Error() string { return e.msg }
func (e plainError) Unwrap() error { return e.err }

// recipients checks the addresses a user typed.
func recipients(to []string) ([]string, error) {
	var out []string
	for _, a := range to {
		if strings.TrimSpace(a) == "" {
			continue
		}
		addr, err := mail.ParseAddress(a)
		if err != nil {
			return nil, fmt.Errorf("app: recipient %q is not an address", a)
		}
		out = append(out, addr.Address)
	}
	if len(out) == 0 {
		return nil, errors.New("app: a mail needs a recipient")
	}
	return out, nil
}

// sendNow sends the outbox, or says why it waits.
func sendNow(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
	r, err := d.Send(at)
	switch {
	case err == nil:
		return r, fmt.Sprintf("sent: %s left the outbox over SMTP", count(r.Sent, "message")), nil
	case errors.Is(err, link.ErrOffline):
		return r, "queued in the outbox: the link is offline; it goes at the next connection", nil
	case errors.Is(err, mua.ErrWorkingOffline):
		return r, "queued in the outbox: " + d.Name() + " is working offline; it goes when it works online again", nil
	}
	return r, fmt.Sprintf("not sent: %s; it stays in the outbox, nothing is lost", mua.Explain(err)), err
}

// SendMail submits a message from one of the lab's users over SMTP with
// AUTH, on the live clock, from a client of its own (not one of the
// devices).
func (s *ActionService) SendMail(d DraftDTO) (ActionResultDTO, error) {
	if d.From == "" || len(d.To) == 0 {
		return ActionResultDTO{}, fmt.Errorf("app: a mail needs a sender and a recipient")
	}
	dev, err := s.lab.NewDevice(lab.DeviceOptions{Name: "Composer", User: d.From, Policy: mua.Policy{Mode: mua.POP3Keep}})
	if err != nil {
		return ActionResultDTO{}, err
	}
	id := s.begin("send", d.From)
	at := s.lab.Link.LiveClock().Now()
	dev.Compose(at, mua.Draft{To: d.To, Subject: d.Subject, Body: d.Body})
	r, err := dev.Send(at)
	outcome := fmt.Sprintf("sent %s", count(r.Sent, "message"))
	if err != nil {
		outcome = "not sent: " + mua.Explain(err)
	}
	return s.end(id, "send", d.From, r, outcome, err)
}

// MarkRead sets or clears a message's read mark (\Seen). An IMAP device
// tells the server, or, without a link, at its next connection.
func (s *ActionService) MarkRead(device string, id int, read bool) (ActionResultDTO, error) {
	return s.act("mark-read", device, func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
		r, err := d.MarkRead(at, id, read)
		if err != nil {
			return r, "", err
		}
		what := "read"
		if !read {
			what = "unread"
		}
		return r, fmt.Sprintf("marked %s %s", what, where(d, r, "the server is told at the next connection")), nil
	})
}

// where says where a flag change was made.
func where(d *mua.Device, r mua.ActionResult, later string) string {
	switch {
	case !d.Policy().Mode.IsIMAP():
		return "on the device (POP3 keeps no flags on the server)"
	case r.Offline:
		return "on the device; " + later
	}
	return "on the server (STORE): every IMAP device sees it at its next check"
}

// Flag sets or clears \Flagged. An IMAP device needs the server for it.
func (s *ActionService) Flag(device string, id int, on bool) (ActionResultDTO, error) {
	return s.act("flag", device, func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
		r, err := d.Flag(at, id, on)
		if err != nil {
			return r, "", err
		}
		what := "flagged"
		if !on {
			what = "unflagged"
		}
		return r, what + " " + where(d, r, ""), nil
	})
}

// Delete deletes a message: on the device for POP3, on the server
// (\Deleted and EXPUNGE) for IMAP. Given an outgoing message's ID, it
// takes it out of the outbox unsent.
func (s *ActionService) Delete(device string, id int) (ActionResultDTO, error) {
	return s.act("delete", device, func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
		queued := false
		for _, o := range d.Outbox() {
			queued = queued || o.ID == id
		}
		r, err := d.Delete(at, id)
		switch {
		case err != nil:
			return r, "", err
		case queued:
			return r, "taken out of the outbox unsent", nil
		case d.Policy().Mode.IsIMAP():
			return r, "deleted on the server (\\Deleted, EXPUNGE): every device sees it go at its next check", nil
		}
		return r, "deleted on this device only: POP3 has no say over the server's copy once it is downloaded", nil
	})
}

// Move files a message in a folder: a server folder for IMAP (created if
// missing), a local one for POP3.
func (s *ActionService) Move(device string, id int, folder string) (ActionResultDTO, error) {
	return s.act("move", device, func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
		r, err := d.Move(at, id, folder)
		if err != nil {
			return r, "", err
		}
		if d.Policy().Mode.IsIMAP() {
			return r, fmt.Sprintf("moved to %s on the server: every IMAP device sees it there", folder), nil
		}
		return r, fmt.Sprintf("filed in the local folder %s: only this device has it", folder), nil
	})
}

// CreateFolder makes a folder: on the server (CREATE) for IMAP, on the
// device for POP3.
func (s *ActionService) CreateFolder(device, name string) (ActionResultDTO, error) {
	return s.act("create-folder", device, func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
		r, err := d.CreateFolder(at, name)
		if err != nil {
			return r, "", err
		}
		if d.Policy().Mode.IsIMAP() {
			return r, fmt.Sprintf("created %s on the server (CREATE)", name), nil
		}
		return r, fmt.Sprintf("created the local folder %s: the POP3 server knows no folders", name), nil
	})
}

// Search finds the messages of a folder holding text: SEARCH on the
// server for an IMAP device (its own copies when it cannot reach the
// server), the downloaded copies for a POP3 device.
func (s *ActionService) Search(device, folder, text string) (SearchResultDTO, error) {
	if folder == "" {
		folder = "INBOX"
	}
	out := SearchResultDTO{IDs: []int{}}
	res, err := s.act("search", device, func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
		imap := d.Policy().Mode.IsIMAP()
		r, err := d.Search(at, folder, text)
		reason := ""
		if imap && (errors.Is(err, link.ErrOffline) || errors.Is(err, mua.ErrWorkingOffline)) {
			reason = mua.Explain(err)
			r, err = d.SearchLocal(at, folder, text), nil
			imap = false
		}
		if err != nil {
			return r, "", err
		}
		out.IDs = append(out.IDs, r.Found...)
		out.OnServer, out.ServerMatches = imap, r.ServerMatches
		switch {
		case imap:
			return r, fmt.Sprintf("the server found %d in %s (SEARCH); %d of them are on the device", r.ServerMatches, folder, len(r.Found)), nil
		case reason != "":
			return r, fmt.Sprintf("found %d among the device's own copies: %s, so the server could not search", len(r.Found), reason), nil
		}
		return r, fmt.Sprintf("found %d among the downloaded copies: a POP3 server cannot search", len(r.Found)), nil
	})
	out.Result = res
	if err == nil && s.searched != nil {
		hits := len(out.IDs)
		if out.OnServer {
			hits = out.ServerMatches
		}
		s.searched(device, folder, text, out.OnServer, hits)
	}
	return out, err
}

// SetWorkingOffline makes a device work offline (its network actions
// fail; reading downloaded mail and composing work) or online again,
// which, as a client logging on does, sends the outbox.
func (s *ActionService) SetWorkingOffline(device string, offline bool) (ActionResultDTO, error) {
	action := "online"
	if offline {
		action = "offline"
	}
	return s.act(action, device, func(d *mua.Device, at time.Duration) (mua.ActionResult, string, error) {
		if offline {
			return d.GoOffline(at), "working offline: network actions wait, reading downloaded mail and writing work", nil
		}
		r, err := d.GoOnline(at)
		if err != nil {
			return r, "online, but the outbox was not sent: " + mua.Explain(err), err
		}
		if r.Sent > 0 {
			return r, fmt.Sprintf("online again: sent %s from the outbox", count(r.Sent, "message")), nil
		}
		return r, "online again", nil
	})
}
