package mua

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// ChangeKind is what changed in a device's local state.
type ChangeKind int

const (
	// ChangeDownloaded: a message's body is now stored on the device
	// (POP3 RETR, an IMAP FETCH of BODY[]). A message listed earlier
	// headers-only keeps its ID.
	ChangeDownloaded ChangeKind = iota + 1
	// ChangeListed: a message is listed by its headers only; its body
	// stays on the server (IMAPOnline, or IMAPOffline's headers-first
	// pass).
	ChangeListed
	// ChangeRemoved: a message left the device: deleted by the user,
	// expunged on the server by someone else, dropped because its
	// folder's UIDVALIDITY changed, or moved without COPYUID (the next
	// sync of the destination lists it again under a new ID).
	ChangeRemoved
	// ChangeFlags: \Seen, \Flagged or \Answered changed on the device.
	ChangeFlags
	// ChangeMoved: a message was filed into another folder (Change.Folder).
	ChangeMoved
	// ChangeFolderCreated: the device has a new folder (Change.Folder).
	ChangeFolderCreated
	// ChangeQueued: a message was put in the outbox (Change.ID is the
	// Outgoing's ID).
	ChangeQueued
	// ChangeSent: a message left the outbox, accepted by the submission
	// server (Change.ID is the Outgoing's ID).
	ChangeSent
	// ChangeFiled: a copy of a sent message was filed in the device's own
	// "Sent" folder, under a new local ID.
	ChangeFiled
	// ChangeOffline and ChangeOnline: the device started or stopped
	// working offline by choice (GoOffline, GoOnline).
	ChangeOffline
	ChangeOnline
)

// OutboxFolder is the Folder of a ChangeQueued: the outbox is not one of
// the device's folders, but a change names where the message is.
const OutboxFolder = "Outbox"

// String names the kind as the UI and the trace spell it.
func (k ChangeKind) String() string {
	switch k {
	case ChangeDownloaded:
		return "downloaded"
	case ChangeListed:
		return "listed"
	case ChangeRemoved:
		return "removed"
	case ChangeFlags:
		return "flags"
	case ChangeMoved:
		return "moved"
	case ChangeFolderCreated:
		return "folder-created"
	case ChangeQueued:
		return "queued"
	case ChangeSent:
		return "sent"
	case ChangeFiled:
		return "filed"
	case ChangeOffline:
		return "offline"
	case ChangeOnline:
		return "online"
	}
	return fmt.Sprintf("change(%d)", int(k))
}

// Change is one change to a device's local state, as Config.Observe is
// told of it.
type Change struct {
	Kind ChangeKind
	// ID is the local message's ID, or the Outgoing's for ChangeQueued
	// and ChangeSent; 0 for folder and offline changes.
	ID int
	// Folder is where the message is after the change (OutboxFolder for
	// ChangeQueued), the folder it left for ChangeRemoved and ChangeSent
	// ("" for ChangeSent: it left the device), or the new folder.
	Folder string
	// At is the virtual time of the change: when the bytes that made it
	// arrived, or the action's start for local changes.
	At time.Duration
}

func (c Change) String() string {
	return fmt.Sprintf("%s id=%d folder=%q at=%v", c.Kind, c.ID, c.Folder, c.At)
}

// changed tells Config.Observe of a change.
func (d *Device) changed(kind ChangeKind, id int, folder string, at time.Duration) {
	if d.cfg.Observe != nil {
		d.cfg.Observe(Change{Kind: kind, ID: id, Folder: folder, At: at})
	}
}

// setFlags sets a message's local flags and reports a change if any of
// them changed.
func (d *Device) setFlags(m *Message, seen, flagged, answered bool, at time.Duration) {
	if m.Seen == seen && m.Flagged == flagged && m.Answered == answered {
		return
	}
	m.Seen, m.Flagged, m.Answered = seen, flagged, answered
	d.changed(ChangeFlags, m.ID, m.Folder, at)
}

// dropLocal removes a local message and reports it.
func (d *Device) dropLocal(m *Message, at time.Duration) {
	d.remove(m.ID)
	d.changed(ChangeRemoved, m.ID, m.Folder, at)
}

// folderCreated records a new folder and reports it.
func (d *Device) folderCreated(folder string, at time.Duration) {
	d.folders[folder] = true
	d.changed(ChangeFolderCreated, 0, folder, at)
}

// dropFolder removes every local message of folder (its UIDVALIDITY
// changed), oldest first.
func (d *Device) dropFolder(folder string, at time.Duration) {
	for _, m := range d.Messages(folder) {
		d.remove(m.ID)
		d.changed(ChangeRemoved, m.ID, m.Folder, at)
	}
}

// dropAll removes the messages of local (by UID) that are not in there
// (all of them if there is nil), in ID order so that changes come in a
// stable order.
func (d *Device) dropAll(local map[uint32]*Message, there map[uint32]bool, at time.Duration) {
	var gone []*Message
	for uid, m := range local {
		if !there[uid] {
			gone = append(gone, m)
		}
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i].ID < gone[j].ID })
	for _, m := range gone {
		d.dropLocal(m, at)
	}
}

// Folders lists the folders the device knows: INBOX first, then the
// others by name. An IMAP device knows the folders it has selected,
// created or moved mail to (it does not LIST the server's); a POP3 device
// knows the local folders it created or filed mail in. "Sent" appears once
// a sent message is filed there.
func (d *Device) Folders() []string {
	set := map[string]bool{}
	add := func(f string) {
		if strings.EqualFold(f, "INBOX") {
			f = "INBOX"
		}
		if f != "" {
			set[f] = true
		}
	}
	add("INBOX")
	for f := range d.boxes {
		add(f)
	}
	for f := range d.folders { // every folder a message was filed in, too (add)
		add(f)
	}
	out := make([]string, 0, len(set))
	for f := range set {
		if f != "INBOX" {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return append([]string{"INBOX"}, out...)
}

// hasFolder reports whether the device knows folder.
func (d *Device) hasFolder(folder string) bool {
	for _, f := range d.Folders() {
		if sameFolder(f, folder) {
			return true
		}
	}
	return false
}
