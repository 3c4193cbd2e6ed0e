package lessonrun

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/mua"
)

// The actions a device takes on its mail (reply, delete, move, folders,
// search, compose), mail arriving from another account (deliver), and
// the account's quota (set-quota); their specs are in Catalog.

// DefaultReply is the text of a reply a reply action gives no body.
const DefaultReply = "Thank you, that suits me.\n"

// searchResult is what the last search action found.
type searchResult struct {
	hits   int    // the messages the search matched
	where  string // "server" (IMAP SEARCH) or "local" (the device's copies)
	device string
	folder string
}

// RefusedError is what Do returns when the submission server refused a
// message because its recipient's mailbox was over the quota a lesson
// set (SMTP 552): the bounce the lesson asked for, not a broken lesson.
// The message stays in the sender's outbox. RunLesson lists it in
// Report.Bounces and goes on to the checks.
type RefusedError struct {
	Action string
	Err    error
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s, refused over quota: %v", e.Action, e.Err)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// overQuota reports whether err is the server's 552 5.2.2 (mailbox full)
// while some account of the lab has a quota.
func (r *Runner) overQuota(err error) bool {
	var se *smtp.SMTPError
	if err == nil || !errors.As(err, &se) || se.Code != 552 || se.EnhancedCode != (smtp.EnhancedCode{5, 2, 2}) {
		return false
	}
	for _, u := range r.lab.Store.Users() {
		if u.Quota > 0 {
			return true
		}
	}
	return false
}

// doMail performs the actions of this file.
func (r *Runner) doMail(a *lessons.Action) error {
	str := func(k string) string { s, _ := a.With[k].Text(); return s }
	switch a.Do {
	case "reply":
		return r.use(str("device"), func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			return r.reply(d, at, str("message"), str("body"))
		})
	case "compose":
		body := str("body")
		if body == "" {
			body = DefaultBody
		}
		return r.use(str("from"), func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			_, res := d.Compose(at, mua.Draft{To: []string{str("to")}, Subject: str("subject"), Body: body})
			return res, nil
		})
	case "delete":
		return r.use(str("device"), func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			m, err := pickMessage(d, "delete", str("message"))
			if err != nil {
				return mua.ActionResult{Start: at, End: at}, err
			}
			return d.Delete(at, m.ID)
		})
	case "move":
		return r.use(str("device"), func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			return r.move(d, at, str("message"), str("folder"))
		})
	case "create-folder":
		return r.use(str("device"), func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			return d.CreateFolder(at, str("folder"))
		})
	case "open-folder":
		return r.use(str("device"), func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			return r.openFolder(d, at, str("folder"))
		})
	case "search":
		folder := str("folder")
		if folder == "" {
			folder = "INBOX"
		}
		return r.use(str("device"), func(d *mua.Device, at time.Duration) (mua.ActionResult, error) {
			return r.searchOn(d, at, folder, str("text"))
		})
	case "set-quota":
		user := str("user")
		if user == "" {
			user = "student"
		}
		n, _ := a.With["bytes"].Number()
		if n < 0 || n > 1<<40 || n != math.Trunc(n) {
			return fmt.Errorf("set-quota: bytes %v: want a whole number from 0 (no limit) up", n)
		}
		return r.lab.Store.SetQuota(user, int64(n))
	case "deliver":
		return r.deliver(str("from"), str("to"), str("subject"), str("body"))
	}
	return fmt.Errorf("lessonrun: no action %q", a.Do)
}

// pickMessage finds the message an action names by its subject, in the
// INBOX first and then in the device's other folders; no subject means
// the newest in the INBOX.
func pickMessage(d *mua.Device, verb, subject string) (mua.Message, error) {
	inbox := d.Messages("INBOX")
	if subject == "" {
		if len(inbox) == 0 {
			return mua.Message{}, fmt.Errorf("%s: %s has no message in its INBOX", verb, d.Name())
		}
		return inbox[len(inbox)-1], nil
	}
	for _, msgs := range [][]mua.Message{inbox, d.Messages("")} {
		for i := len(msgs) - 1; i >= 0; i-- {
			if strings.EqualFold(msgs[i].Subject, subject) {
				return msgs[i], nil
			}
		}
	}
	return mua.Message{}, fmt.Errorf("%s: %s has no message %q", verb, d.Name(), subject)
}

// reply writes the reply into the outbox (mua.Reply) and, when the
// device and the link are up, sends it at once, as a mail program's Send
// does; working offline, it waits in the outbox for the next check-mail,
// send or go-online.
func (r *Runner) reply(d *mua.Device, at time.Duration, subject, body string) (mua.ActionResult, error) {
	m, err := pickMessage(d, "reply", subject)
	if err != nil {
		return mua.ActionResult{Start: at, End: at}, err
	}
	if body == "" {
		body = DefaultReply
	}
	_, res, err := d.Reply(at, m.ID, body)
	if err != nil || d.Offline() || r.lab.Link.Offline() {
		return res, err
	}
	res2, err := d.Send(res.End)
	res2.Start = res.Start
	return res2, err
}

// move files a message into a folder that exists: on the server for an
// IMAP device (UID MOVE), on the device for a POP3 one. A folder is made
// with create-folder first, as in a mail program.
func (r *Runner) move(d *mua.Device, at time.Duration, subject, folder string) (mua.ActionResult, error) {
	none := mua.ActionResult{Start: at, End: at}
	m, err := pickMessage(d, "move", subject)
	if err != nil {
		return none, err
	}
	if folder == "" {
		return none, errors.New("move: no folder named")
	}
	if !r.folderExists(d, folder) {
		return none, fmt.Errorf("move: %s has no folder %q (make it with create-folder)", d.Name(), folder)
	}
	return d.Move(at, m.ID, folder)
}

// folderExists reports whether the device can file into folder: a
// mailbox of its account on the server (IMAP) or a folder of its own
// (POP3).
func (r *Runner) folderExists(d *mua.Device, folder string) bool {
	if d.Policy().Mode.IsIMAP() {
		ev, ok := r.lab.DeviceState(d.Name())
		if !ok {
			return false
		}
		_, err := r.lab.Store.Messages(ev.Device.User, folder)
		return err == nil
	}
	for _, f := range d.Folders() {
		if f == folder || strings.EqualFold(f, "INBOX") && strings.EqualFold(folder, "INBOX") {
			return true
		}
	}
	return false
}

// openFolder shows a folder on the device: an IMAP device synchronises it
// from the server (SELECT, FETCH), as a mail program does when the folder
// is clicked; a POP3 device's folders are its own and need no network.
func (r *Runner) openFolder(d *mua.Device, at time.Duration, folder string) (mua.ActionResult, error) {
	if !r.folderExists(d, folder) {
		return mua.ActionResult{Start: at, End: at}, fmt.Errorf("open-folder: %s has no folder %q", d.Name(), folder)
	}
	if !d.Policy().Mode.IsIMAP() {
		return mua.ActionResult{Start: at, End: at, Offline: true}, nil
	}
	return d.CheckFolders(at, folder)
}

// searchOn searches a folder: an online IMAP device asks the server (UID
// SEARCH TEXT), which counts every message of the folder, synchronised or
// not; a POP3 device, or an IMAP one working offline, looks through its
// own copies. The runner keeps the result for search.hits and
// search.where.
func (r *Runner) searchOn(d *mua.Device, at time.Duration, folder, text string) (mua.ActionResult, error) {
	none := mua.ActionResult{Start: at, End: at}
	if strings.TrimSpace(text) == "" {
		return none, errors.New("search: no text to look for")
	}
	res := searchResult{device: d.Name(), folder: folder, where: "local"}
	imapOnline := d.Policy().Mode.IsIMAP() && !d.Offline() && !r.lab.Link.Offline()
	if !imapOnline && !r.folderExists(d, folder) {
		return none, fmt.Errorf("search: %s has no folder %q", d.Name(), folder)
	}
	var ar mua.ActionResult
	var err error
	switch {
	case imapOnline:
		ar, err = d.Search(at, folder, text)
		res.where, res.hits = "server", ar.ServerMatches
	case d.Policy().Mode.IsIMAP():
		ar = d.SearchLocal(at, folder, text)
		res.hits = len(ar.Found)
	default:
		ar, err = d.Search(at, folder, text)
		res.hits = len(ar.Found)
	}
	if err == nil {
		r.lastSearch = &res
	}
	return ar, err
}

// deliver puts a message from another account of the lab straight into
// a mailbox of the store, as mail from outside arrives: it crosses no
// link, so it costs nothing and leaves no trace, like reset-lab's
// generated mail. Its sender is a real account, so a reply reaches it.
func (r *Runner) deliver(from, to, subject, body string) error {
	if _, err := r.lab.Store.User(from); err != nil {
		return fmt.Errorf("deliver: from %q: not an account of the lab: %w", from, err)
	}
	if to == "" {
		to = "student"
	}
	if body == "" {
		body = DefaultBody
	}
	r.delivered++
	addr := from + "@" + r.lab.Domain
	at := r.clock()
	date := r.lab.Store.Time(at)
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s <%s>\r\n", strings.ToUpper(from[:1])+from[1:], addr)
	fmt.Fprintf(&b, "To: %s@%s\r\n", to, r.lab.Domain)
	fmt.Fprintf(&b, "Subject: %s\r\n", oneLine(subject))
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <lesson.%d.%d@%s>\r\n", r.delivered, at.Milliseconds(), r.lab.Domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	if _, err := r.lab.Store.Deliver(to, []byte(b.String()), at); err != nil {
		return fmt.Errorf("deliver: to %s: %w", to, err)
	}
	return nil
}

func oneLine(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }

// mailName reads the names of this file: search.hits, search.where and
// search (the record); ok is false for any other.
func (r *Runner) mailName(path string) (v lessons.Value, ok bool, err error) {
	if path != "search" && !strings.HasPrefix(path, "search.") {
		return lessons.Value{}, false, nil
	}
	if r.lastSearch == nil {
		return lessons.Value{}, true, errors.New("lessonrun: no search yet: search.* reads the last search action")
	}
	rec := map[string]lessons.Value{
		"hits": lessons.Num(float64(r.lastSearch.hits)), "where": lessons.Str(r.lastSearch.where),
	}
	if path == "search" {
		return lessons.Record(rec), true, nil
	}
	if v, ok := rec[strings.TrimPrefix(path, "search.")]; ok {
		return v, true, nil
	}
	return lessons.Value{}, false, nil
}

// callMail evaluates the functions of this file: quota(user) and
// device.folder(device, folder); ok is false for any other.
func (r *Runner) callMail(fn string, args []lessons.Value) (v lessons.Value, ok bool, err error) {
	switch fn {
	case "quota":
		user, has := arg(args, 0)
		if !has {
			user = "student"
		}
		used, limit, err := r.lab.Store.QuotaUsage(user)
		if err != nil {
			return lessons.Value{}, true, fmt.Errorf("lessonrun: quota(%q): %w", user, err)
		}
		return lessons.Record(map[string]lessons.Value{
			"used": lessons.Num(float64(used)), "limit": lessons.Num(float64(limit)),
		}), true, nil
	case "device.folder":
		name, _ := arg(args, 0)
		folder, _ := arg(args, 1)
		var count, unread, readable int
		err := r.lab.UseDevice(name, func(d *mua.Device) error {
			for _, m := range d.Messages(folder) {
				count++
				if !m.Seen {
					unread++
				}
				if m.Readable() {
					readable++
				}
			}
			return nil
		})
		if err != nil || folder == "" {
			return lessons.Value{}, true, fmt.Errorf("lessonrun: device.folder(%q, %q): no such device or folder", name, folder)
		}
		return lessons.Record(map[string]lessons.Value{
			"count": lessons.Num(float64(count)), "unread": lessons.Num(float64(unread)), "offline_readable": lessons.Num(float64(readable)),
		}), true, nil
	}
	return lessons.Value{}, false, nil
}

// deviceFolders is device(name).folders: the folders the device shows,
// its INBOX included.
func (r *Runner) deviceFolders(name string) int {
	n := 0
	_ = r.lab.UseDevice(name, func(d *mua.Device) error { n = len(d.Folders()); return nil })
	return n
}
