package mua

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim/link"
)

// CheckMail logs on at the given virtual time: it sends the outbox, then
// retrieves mail per the policy (POP3: download; IMAP: synchronise INBOX).
// If the submission server refuses a message (an SMTP reply, not a broken
// link), the mail is still retrieved and the error wraps ErrNotSent; the
// refused message stays in the outbox.
func (d *Device) CheckMail(at time.Duration) (ActionResult, error) {
	return d.CheckFolders(at, "INBOX")
}

// CheckFolders is CheckMail for the named IMAP folders, in one connection.
// A POP3 device sees only its maildrop: for it this is CheckMail.
func (d *Device) CheckFolders(at time.Duration, folders ...string) (ActionResult, error) {
	r := d.begin("check-mail", at)
	if err := d.network(); err != nil {
		return d.finish(r), err
	}
	var notSent error
	if err := d.sendOutbox(r); err != nil {
		var refused *smtp.SMTPError
		if !errors.As(err, &refused) {
			return d.finish(r), err
		}
		// The server answered: the link works, and one message it will
		// not take must not keep the user from their mail.
		notSent = fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	var err error
	if d.cfg.Policy.Mode.IsIMAP() {
		err = d.withIMAP(r, func(s *imapSession) error {
			for _, f := range folders {
				if err := s.sync(r, f); err != nil {
					return err
				}
			}
			// Read marks made offline in folders not synchronised here.
			return s.flushPending(nil)
		})
	} else {
		err = d.checkPOP3(r)
	}
	if notSent != nil {
		err = errors.Join(notSent, err)
	}
	return d.finish(r), err
}

// withIMAP runs fn in a logged-in session: the kept one if the policy
// stays connected and it is still sound, else a new one, logged out
// afterwards unless the policy keeps it.
func (d *Device) withIMAP(r *recorder, fn func(*imapSession) error) error {
	stay := d.cfg.Policy.IMAPStayConnected
	s := d.sess
	if s != nil {
		select {
		case <-s.c.Closed():
			s = nil
		default:
			if s.conn.Stats().Fault != "" { // reset, e.g. the link went offline
				s.c.Close()
				s = nil
			}
		}
		if s == nil {
			d.sess = nil
		} else {
			r.adopt(s.conn)
		}
	}
	if s == nil {
		var err error
		if s, err = d.imapLogin(r); err != nil {
			return err
		}
	}
	err := fn(s)
	switch {
	case !stay:
		s.logout()
	case err != nil && s.conn.Stats().Fault != "":
		s.c.Close()
		d.sess = nil
	default:
		d.sess = s
	}
	return err
}

// lookup finds a local message for an action.
func (d *Device) lookup(id int) (*Message, error) {
	m := d.find(id)
	if m == nil {
		return nil, fmt.Errorf("mua: %s: message %d: %w", d.name, id, ErrNoMessage)
	}
	return m, nil
}

// Open reads a message. A downloaded body is read offline; an IMAPOnline
// device fetches the body (and sets \Seen) on demand. Reading offline marks
// the message read locally; an IMAP device tells the server at its next
// logon.
func (d *Device) Open(at time.Duration, id int) (ActionResult, error) {
	r := d.begin("open", at)
	m, err := d.lookup(id)
	if err != nil {
		return d.finishLocal(r), err
	}
	if m.Readable() {
		if !m.Seen && d.cfg.Policy.Mode.IsIMAP() && m.UID != 0 {
			d.pending[m.ID] = true
		}
		d.setFlags(m, true, m.Flagged, m.Answered, r.res.Start)
		return d.finishLocal(r), nil
	}
	if !d.cfg.Policy.Mode.IsIMAP() || m.UID == 0 {
		return d.finishLocal(r), fmt.Errorf("mua: %s: message %d: %w", d.name, id, ErrNotDownloaded)
	}
	if err := d.network(); err != nil {
		return d.finish(r), fmt.Errorf("%w: %w", ErrNotDownloaded, err)
	}
	err = d.withIMAP(r, func(s *imapSession) error { return s.open(r, m) })
	return d.finish(r), err
}

// MarkRead sets or clears the read mark. A POP3 device keeps it locally;
// an IMAP device stores \Seen on the server, or, working offline, at its
// next logon (setting it; clearing it offline is local only).
func (d *Device) MarkRead(at time.Duration, id int, read bool) (ActionResult, error) {
	r := d.begin("mark-read", at)
	m, err := d.lookup(id)
	if err != nil {
		return d.finishLocal(r), err
	}
	if !d.cfg.Policy.Mode.IsIMAP() || m.UID == 0 {
		d.setFlags(m, read, m.Flagged, m.Answered, r.res.Start)
		return d.finishLocal(r), nil
	}
	if d.network() != nil {
		d.setFlags(m, read, m.Flagged, m.Answered, r.res.Start)
		if read {
			d.pending[m.ID] = true
		} else {
			delete(d.pending, m.ID)
		}
		return d.finishLocal(r), nil
	}
	err = d.withIMAP(r, func(s *imapSession) error { return s.setFlag(m, imap.FlagSeen, read) })
	if err == nil {
		d.setFlags(m, read, m.Flagged, m.Answered, r.now())
		delete(d.pending, m.ID)
	}
	return d.finish(r), err
}

// Flag sets or clears \Flagged, like MarkRead (but never queued offline).
func (d *Device) Flag(at time.Duration, id int, flagged bool) (ActionResult, error) {
	r := d.begin("flag", at)
	m, err := d.lookup(id)
	if err != nil {
		return d.finishLocal(r), err
	}
	if !d.cfg.Policy.Mode.IsIMAP() || m.UID == 0 {
		d.setFlags(m, m.Seen, flagged, m.Answered, r.res.Start)
		return d.finishLocal(r), nil
	}
	if err := d.network(); err != nil {
		return d.finishLocal(r), err
	}
	err = d.withIMAP(r, func(s *imapSession) error { return s.setFlag(m, imap.FlagFlagged, flagged) })
	if err == nil {
		d.setFlags(m, m.Seen, flagged, m.Answered, r.now())
	}
	return d.finish(r), err
}

// Delete deletes a message: locally on a POP3 device (the server copy, if
// any, is the policy's business), on the server (\Deleted + EXPUNGE) on an
// IMAP device, which needs the network. Given an Outgoing's ID, it takes
// that message out of the outbox unsent, on any device.
func (d *Device) Delete(at time.Duration, id int) (ActionResult, error) {
	r := d.begin("delete", at)
	for i, o := range d.outbox {
		if o.ID == id {
			d.outbox = append(d.outbox[:i:i], d.outbox[i+1:]...)
			d.changed(ChangeRemoved, id, OutboxFolder, r.res.Start)
			return d.finishLocal(r), nil
		}
	}
	m, err := d.lookup(id)
	if err != nil {
		return d.finishLocal(r), err
	}
	if !d.cfg.Policy.Mode.IsIMAP() || m.UID == 0 {
		d.dropLocal(m, r.res.Start)
		return d.finishLocal(r), nil
	}
	if err := d.network(); err != nil {
		return d.finishLocal(r), err
	}
	err = d.withIMAP(r, func(s *imapSession) error { return s.expunge(m) })
	if err == nil {
		d.dropLocal(m, r.now())
		r.res.DeletedOnServer++
	}
	return d.finish(r), err
}

// Move files a message into folder: a local folder on a POP3 device, a
// server folder (UID MOVE, created on TRYCREATE) on an IMAP device.
func (d *Device) Move(at time.Duration, id int, folder string) (ActionResult, error) {
	r := d.begin("move", at)
	m, err := d.lookup(id)
	if err != nil {
		return d.finishLocal(r), err
	}
	if !d.cfg.Policy.Mode.IsIMAP() || m.UID == 0 {
		if folder == "" {
			return d.finishLocal(r), fmt.Errorf("mua: %s: move: no folder named", d.name)
		}
		d.folders[folder] = true
		if !sameFolder(m.Folder, folder) {
			m.Folder = folder
			d.changed(ChangeMoved, m.ID, folder, r.res.Start)
		}
		return d.finishLocal(r), nil
	}
	if err := d.network(); err != nil {
		return d.finishLocal(r), err
	}
	err = d.withIMAP(r, func(s *imapSession) error { return s.move(m, folder) })
	return d.finish(r), err
}

// Search finds the messages in folder containing text (in a header or the
// body, case-insensitively): over the local copies on a POP3 device, with
// UID SEARCH TEXT on the server on an IMAP device. Found holds the matching
// local IDs; an IMAP device's ServerMatches may count messages it has not
// synchronised yet.
func (d *Device) Search(at time.Duration, folder, text string) (ActionResult, error) {
	r := d.begin("search", at)
	if !d.cfg.Policy.Mode.IsIMAP() {
		needle := bytes.ToLower([]byte(text))
		for _, m := range d.msgs {
			if !sameFolder(m.Folder, folder) {
				continue
			}
			hay := m.Raw
			if hay == nil {
				hay = []byte(m.Subject + "\n" + m.From + "\n" + m.To)
			}
			if bytes.Contains(bytes.ToLower(hay), needle) {
				r.res.Found = append(r.res.Found, m.ID)
			}
		}
		return d.finishLocal(r), nil
	}
	if err := d.network(); err != nil {
		return d.finishLocal(r), err
	}
	err := d.withIMAP(r, func(s *imapSession) error { return s.search(r, folder, text) })
	return d.finish(r), err
}

// SearchLocal searches the device's own copies whatever the protocol: what
// an IMAP device can still find offline.
func (d *Device) SearchLocal(at time.Duration, folder, text string) ActionResult {
	r := d.begin("search-local", at)
	needle := strings.ToLower(text)
	for _, m := range d.msgs {
		if sameFolder(m.Folder, folder) && m.Raw != nil && strings.Contains(strings.ToLower(string(m.Raw)), needle) {
			r.res.Found = append(r.res.Found, m.ID)
		}
	}
	return d.finishLocal(r)
}

// IdleSession is an always-on IMAP connection in IDLE (RFC 2177).
type IdleSession struct {
	d     *Device
	s     *imapSession
	cmd   *imapclient.IdleCommand
	known uint32
	// base is the connection's counters when it last entered IDLE: the
	// next action counts from there. Counting from when that action
	// begins instead would race with the server's push, which may or may
	// not have been written by then.
	base link.Stats
}

// StartIdle logs on, synchronises INBOX, and leaves the connection in
// IDLE, waiting for the server to push new mail.
func (d *Device) StartIdle(at time.Duration) (*IdleSession, ActionResult, error) {
	r := d.begin("idle-start", at)
	if !d.cfg.Policy.Mode.IsIMAP() {
		return nil, d.finishLocal(r), fmt.Errorf("mua: %s: IDLE needs an IMAP policy", d.name)
	}
	if err := d.network(); err != nil {
		return nil, d.finishLocal(r), err
	}
	if err := d.sendOutbox(r); err != nil {
		return nil, d.finish(r), err
	}
	s, err := d.imapLogin(r)
	if err != nil {
		return nil, d.finish(r), err
	}
	is := &IdleSession{d: d, s: s}
	if err := s.sync(r, "INBOX"); err != nil {
		s.logout()
		return nil, d.finish(r), err
	}
	if err := is.idle(); err != nil {
		s.logout()
		return nil, d.finish(r), err
	}
	return is, d.finish(r), nil
}

func (is *IdleSession) idle() error {
	is.known = uint32(len(is.d.Messages("INBOX")))
	is.s.mu.Lock()
	is.s.exists = 0
	is.s.mu.Unlock()
	select { // drop a stale wake-up
	case <-is.s.wake:
	default:
	}
	cmd, err := is.s.c.Idle()
	if err != nil {
		return is.s.errorf("IDLE", err)
	}
	is.cmd = cmd
	// Idle returns once the server has said "+ idling": nothing more
	// comes until new mail does.
	is.base = is.s.conn.Stats()
	return nil
}

// adopt counts the IDLE connection in r from when it entered IDLE.
func (is *IdleSession) adopt(r *recorder) {
	r.adopt(is.s.conn)
	r.base[is.s.conn] = is.base
}

// Wait blocks (in wall time; ctx bounds it) until the server announces
// new mail, then leaves IDLE, fetches it per the policy and idles again.
// The result counts the connection's traffic since the last call, and
// Noticed is the virtual time the EXISTS arrived.
func (is *IdleSession) Wait(ctx context.Context) (ActionResult, error) {
	d, s := is.d, is.s
	r := d.begin("idle-wait", d.now)
	is.adopt(r)
	for {
		s.mu.Lock()
		n, at := s.exists, s.at
		s.mu.Unlock()
		if n > is.known {
			r.res.Noticed = at
			break
		}
		select {
		case <-s.wake:
		case <-s.c.Closed():
			return d.finish(r), s.errorf("IDLE", fmt.Errorf("connection closed"))
		case <-ctx.Done():
			return d.finish(r), ctx.Err()
		}
	}
	// DONE answers everything the server sent with the EXISTS (RECENT,
	// say), not as much of it as imapclient's reader has taken by now.
	if err := s.conn.Drained(ctx); err != nil {
		return d.finish(r), s.errorf("IDLE", err)
	}
	if err := is.cmd.Close(); err != nil {
		return d.finish(r), s.errorf("DONE", err)
	}
	if err := is.cmd.Wait(); err != nil {
		return d.finish(r), s.errorf("IDLE", err)
	}
	if err := s.syncNew(r, "INBOX"); err != nil {
		return d.finish(r), err
	}
	if err := is.idle(); err != nil {
		return d.finish(r), err
	}
	return d.finish(r), nil
}

// Stop leaves IDLE at the given virtual time and logs out.
func (is *IdleSession) Stop(at time.Duration) (ActionResult, error) {
	d, s := is.d, is.s
	r := d.begin("idle-stop", at)
	is.adopt(r)
	var err error
	if is.cmd != nil {
		if err = is.cmd.Close(); err == nil {
			err = is.cmd.Wait()
		}
	}
	s.logout()
	if err != nil {
		err = s.errorf("DONE", err)
	}
	return d.finish(r), err
}

// CreateFolder makes a folder: on the server (CREATE) for an IMAP device,
// which needs the network; on the device for a POP3 device, whose folders
// are its own.
func (d *Device) CreateFolder(at time.Duration, name string) (ActionResult, error) {
	r := d.begin("create-folder", at)
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, "\r\n") {
		return d.finishLocal(r), fmt.Errorf("mua: %s: folder name %q", d.name, name)
	}
	if !d.cfg.Policy.Mode.IsIMAP() {
		if d.hasFolder(name) {
			return d.finishLocal(r), fmt.Errorf("mua: %s: folder %q already exists", d.name, name)
		}
		d.folderCreated(name, r.res.Start)
		return d.finishLocal(r), nil
	}
	if err := d.network(); err != nil {
		return d.finishLocal(r), err
	}
	err := d.withIMAP(r, func(s *imapSession) error { return s.create(name) })
	return d.finish(r), err
}

// Reply writes a reply to message id into the outbox: "Re: " and its
// subject, to its sender, with In-Reply-To and References so that mail
// clients thread it. Like Compose it needs no network: the reply leaves
// with the next Send, CheckMail or GoOnline. The original is marked
// \Answered on the device at once; an IMAP device also stores the flag on
// the server, at its next Send, CheckMail or GoOnline once the outbox has
// gone (POP3 keeps no flags on the server).
func (d *Device) Reply(at time.Duration, id int, body string) (Outgoing, ActionResult, error) {
	r := d.begin("reply", at)
	m, err := d.lookup(id)
	if err != nil {
		return Outgoing{}, d.finishLocal(r), err
	}
	to := senderOf(m.From)
	if to == "" {
		return Outgoing{}, d.finishLocal(r), fmt.Errorf("mua: %s: message %d has no sender to reply to", d.name, id)
	}
	subject := m.Subject
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	draft := Draft{To: []string{to}, Subject: subject, Body: body}
	if m.MessageID != "" {
		draft.InReplyTo = strings.Trim(m.MessageID, "<> ")
		draft.References = append(references(m.Raw), draft.InReplyTo)
		if n := len(draft.References); n > 10 { // the root and the latest, as RFC 5322 3.6.4 suggests
			draft.References = append(draft.References[:1:1], draft.References[n-9:]...)
		}
	}
	o, _ := d.Compose(r.res.Start, draft)
	if m.UID != 0 && d.cfg.Policy.Mode.IsIMAP() && !m.Answered {
		d.answer[m.ID] = true
	}
	d.setFlags(m, m.Seen, m.Flagged, true, r.res.Start)
	res := d.finishLocal(r)
	return o, res, nil
}

// senderOf is the address in a From field, or "".
func senderOf(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return a.Address
	}
	if i := strings.LastIndexByte(from, '<'); i >= 0 {
		if j := strings.IndexByte(from[i:], '>'); j > 0 {
			from = from[i+1 : i+j]
		}
	}
	from = strings.TrimSpace(from)
	if strings.Count(from, "@") != 1 || strings.ContainsAny(from, " \t\r\n<>,") {
		return ""
	}
	return from
}

// references are the Message-IDs of a message's References field, or nil.
func references(raw []byte) []string {
	if raw == nil {
		return nil
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	var out []string
	for _, f := range strings.FieldsFunc(msg.Header.Get("References"), func(r rune) bool { return r == '<' || r == '>' || r == ' ' || r == '\t' }) {
		if strings.Contains(f, "@") {
			out = append(out, f)
		}
	}
	return out
}
