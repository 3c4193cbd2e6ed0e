package lab

import (
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/mua"
)

// DeviceView is what one of the lab's devices holds locally, under its
// protocol and policy: the other half of "where the mail lives".
type DeviceView struct {
	Name string
	User string
	// Mode is the retrieval policy: pop3-delete, pop3-keep, imap-online,
	// imap-offline.
	Mode    string
	Offline bool // working offline by choice
	// The counts the device's view shows.
	Visible, OfflineReadable, Unread int
	Folders                          []string
	Messages                         []DeviceMessageView // every folder, oldest first
	Outbox                           []OutgoingView
}

// DeviceMessageView is one message a device holds.
type DeviceMessageView struct {
	ID                      int
	Folder                  string
	UID                     uint32 // IMAP; 0 for POP3
	UIDL                    string // POP3; "" for IMAP
	From                    string
	Subject                 string
	Date                    time.Time
	Size                    int64
	Seen, Flagged, Answered bool
	// Readable: the body is stored, so it opens offline (false: headers
	// only, as an IMAP online device lists mail).
	Readable bool
	// ServerUID is, for a POP3 copy, the UID of the INBOX message it was
	// downloaded from (its lines in the trace name it so, even once QUIT
	// has removed it); 0 if unknown.
	ServerUID uint32
}

// OutgoingView is a message waiting in a device's outbox.
type OutgoingView struct {
	ID       int
	To       []string
	Subject  string
	Size     int64
	Composed time.Duration
}

// DeviceSummary is a device's figures after a change.
type DeviceSummary struct {
	Offline                          bool
	Visible, OfflineReadable, Unread int
	Folders                          []string
	Outbox                           []OutgoingView
}

func deviceMessageView(m mua.Message) DeviceMessageView {
	return DeviceMessageView{ID: m.ID, Folder: m.Folder, UID: m.UID, UIDL: m.UIDL, From: m.From, Subject: m.Subject,
		Date: m.Date, Size: m.Size, Seen: m.Seen, Flagged: m.Flagged, Answered: m.Answered, Readable: m.Readable()}
}

func outgoingViews(out []mua.Outgoing) []OutgoingView {
	vs := make([]OutgoingView, len(out))
	for i, o := range out {
		vs[i] = OutgoingView{ID: o.ID, To: append([]string(nil), o.To...), Subject: o.Subject, Size: int64(len(o.Raw)), Composed: o.Composed}
	}
	return vs
}

func newDeviceView(ev DeviceEvent) *DeviceView {
	d := &DeviceView{Name: ev.Device.Name, User: ev.Device.User, Mode: ev.Device.Policy.Mode.String()}
	d.Messages = make([]DeviceMessageView, len(ev.Messages))
	for i, m := range ev.Messages {
		d.Messages[i] = deviceMessageView(m)
	}
	d.update(ev)
	return d
}

// update takes the device's figures from an event.
func (d *DeviceView) update(ev DeviceEvent) {
	d.Offline = ev.Offline
	d.Visible, d.OfflineReadable, d.Unread = ev.View.Visible, ev.View.OfflineReadable, ev.View.Unread
	d.Folders = append([]string(nil), ev.Folders...)
	d.Outbox = outgoingViews(ev.Outbox)
}

func (d *DeviceView) summary() DeviceSummary {
	return DeviceSummary{Offline: d.Offline, Visible: d.Visible, OfflineReadable: d.OfflineReadable, Unread: d.Unread,
		Folders: append([]string(nil), d.Folders...), Outbox: append([]OutgoingView(nil), d.Outbox...)}
}

func (d *DeviceView) clone() DeviceView {
	c := *d
	c.Messages = append([]DeviceMessageView(nil), d.Messages...)
	c.Folders = append([]string(nil), d.Folders...)
	c.Outbox = append([]OutgoingView(nil), d.Outbox...)
	return c
}

func (d *DeviceView) index(id int) int {
	for i := len(d.Messages) - 1; i >= 0; i-- { // new mail is at the end
		if d.Messages[i].ID == id {
			return i
		}
	}
	return -1
}

// findMessage finds a message by ID in an event's list, newest first.
func findMessage(ms []mua.Message, id int) (mua.Message, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].ID == id {
			return ms[i], true
		}
	}
	return mua.Message{}, false
}

// applyDevice folds a device's event into the views. The store's pending
// changes go first: whatever the server did that the device has just
// heard of (a DELE, a \Seen) was done before.
func (v *Views) applyDevice(ev DeviceEvent) {
	// One applier at a time, store or device: subscribers get every
	// change in seq order.
	v.applyMu.Lock()
	defer v.applyMu.Unlock()
	if v.feed != nil {
		v.apply(v.feed.Changes())
	}
	v.mu.Lock()
	vc := ViewChange{At: ev.Change.At, Device: ev.Device.Name, Account: ev.Device.User}
	switch ev.Kind {
	case DeviceAdded:
		d := newDeviceView(ev)
		v.devices = append(v.devices, d)
		vc.Kind = "device-added"
		c := d.clone()
		vc.DeviceView = &c
	case DeviceRemoved:
		vc.Kind = "device-gone" // not "device-removed": a message leaving the device
		for i, d := range v.devices {
			if d.Name == ev.Device.Name {
				v.devices = append(v.devices[:i], v.devices[i+1:]...)
				break
			}
		}
	default:
		d := v.device(ev.Device.Name)
		if d == nil {
			v.mu.Unlock()
			return
		}
		vc.Kind = "device-" + ev.Change.Kind.String()
		vc.ID = ev.Change.ID
		vc.Folder = ev.Change.Folder
		switch ev.Change.Kind {
		case mua.ChangeRemoved:
			if i := d.index(ev.Change.ID); i >= 0 {
				d.Messages = append(d.Messages[:i], d.Messages[i+1:]...)
			}
		case mua.ChangeDownloaded, mua.ChangeListed, mua.ChangeFlags, mua.ChangeMoved, mua.ChangeFiled:
			if m, ok := findMessage(ev.Messages, ev.Change.ID); ok {
				mv := deviceMessageView(m)
				if mv.UID == 0 {
					mv.UIDL, mv.ServerUID = v.serverCopy(ev.Device.User, mv.UIDL, m.MessageID)
				}
				if i := d.index(m.ID); i >= 0 {
					d.Messages[i] = mv
				} else {
					d.Messages = append(d.Messages, mv)
				}
				vc.DeviceMessage = &mv
			}
		}
		d.update(ev)
	}
	if d := v.device(ev.Device.Name); d != nil {
		s := d.summary()
		vc.DeviceSummary = &s
	}
	v.seq++
	vc.Seq = v.seq
	subs := v.subscribers()
	v.mu.Unlock()
	for _, fn := range subs {
		fn([]ViewChange{vc})
	}
}

// serverCopy finds the user's INBOX message a POP3 copy came from: by
// its UIDL, or, for a client that never asks for UIDLs (one that deletes
// after download), by Message-ID; it returns the UIDL (uidl if it was
// known) and the UID, 0 if none or ambiguous. So the copy, the server's
// row and its trace lines find each other. Called with v.mu held.
func (v *Views) serverCopy(user, uidl, messageID string) (string, uint32) {
	a := v.accounts[strings.ToLower(user)]
	inbox := (*MailboxView)(nil)
	if a != nil {
		inbox = a.mailbox(mailstore.Inbox)
	}
	if inbox == nil || (uidl == "" && messageID == "") {
		return uidl, 0
	}
	var found *MessageView
	for i, m := range inbox.Messages {
		if (uidl != "" && m.UIDL == uidl) || (uidl == "" && m.MessageID == messageID) {
			if found != nil {
				return uidl, 0 // two copies of one message: say nothing rather than guess
			}
			found = &inbox.Messages[i]
		}
	}
	if found == nil {
		return uidl, 0
	}
	return found.UIDL, found.UID
}

// device finds a device's view; called with v.mu held.
func (v *Views) device(name string) *DeviceView {
	for _, d := range v.devices {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Device is one device's view now.
func (v *Views) Device(name string) (DeviceView, bool) {
	v.Settle()
	v.mu.Lock()
	defer v.mu.Unlock()
	if d := v.device(name); d != nil {
		return d.clone(), true
	}
	return DeviceView{}, false
}
