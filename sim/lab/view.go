package lab

import (
	"bufio"
	"bytes"
	"mime"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// Views is the lab's one live model of where the mail lives: every
// account's mailboxes on the server, message by message. It follows the
// store's own change feed (no polling), so it moves as the servers act:
// at the pace of the link, like the trace. Get it with Lab.Views.
//
// Subscribers receive each change as it is applied, with the state it
// leaves; Snapshot gives the whole model and the Seq the next change will
// exceed. All methods are safe for concurrent use.
type Views struct {
	domain string

	mu sync.Mutex
	// seq counts the changes announced: the store's and, in the same
	// order they were applied, the devices'.
	seq      uint64
	accounts map[string]*AccountView
	devices  []*DeviceView // in the order added
	subs     map[int]func([]ViewChange)
	nextSub  int

	feed          *mailstore.Feed // nil: views of a lab closed before it asked
	cancelDevices func()
	applyMu       sync.Mutex // one applier at a time: changes stay in order
	done          chan struct{}
	closeOnce     sync.Once
	wg            sync.WaitGroup
}

// AccountView is one account on the server.
type AccountView struct {
	Name    string
	Address string
	Quota   int64 // bytes, 0 = unlimited
	Used    int64
	// Refused counts deliveries refused over quota (SMTP 552); LastRefused
	// is the size of the last one.
	Refused     int
	LastRefused int64
	// POP3 is the POP3 session holding the maildrop lock (0: none).
	POP3      uint64
	Mailboxes []MailboxView
}

// MailboxView is one mailbox of an account.
type MailboxView struct {
	Name     string
	Unseen   int
	Size     int64
	Messages []MessageView // ascending UID
}

// MessageView is one message on the server, as the views list it.
type MessageView struct {
	UID     uint32
	UIDL    string
	From    string
	Subject string
	Date    time.Time
	Size    int64
	Flags   []string
	// POP3Deleted: a POP3 session marked it with DELE; it goes at that
	// session's QUIT, and comes back if the session ends without one.
	POP3Deleted bool
	// MessageID is the Message-ID header's id, without brackets.
	MessageID string
}

// ViewChange is one change to the views, with what it leaves.
type ViewChange struct {
	Seq  uint64
	At   time.Duration // virtual time
	Kind string
	// Account and Mailbox name where it happened; UID the message.
	Account string
	Mailbox string
	OldName string
	UID     uint32
	// Message is the message as it is now (new, flags, pop3-marked);
	// Summary the account's figures after the change (every kind).
	Message *MessageView
	Summary AccountSummary
	// UIDs are every message a POP3 change concerns (its marks dropped
	// or committed).
	UIDs []uint32

	// A device's change ("device-downloaded", "device-added"…): Device
	// names it, ID and Folder are its message's; DeviceMessage is the
	// message as it is now, DeviceView the whole device (device-added),
	// DeviceSummary its figures after the change.
	Device        string
	ID            int
	Folder        string
	DeviceMessage *DeviceMessageView
	DeviceView    *DeviceView
	DeviceSummary *DeviceSummary
}

// AccountSummary is an account's figures: what a change to it leaves.
type AccountSummary struct {
	Quota       int64
	Used        int64
	Refused     int
	LastRefused int64
	POP3        uint64
}

// ViewState is the whole model at an instant.
type ViewState struct {
	Seq      uint64
	Accounts []AccountView // by name
	Devices  []DeviceView  // in the order added
}

// Views returns the lab's mailbox views, starting them on first use (a
// scenario's world, which never asks, pays nothing for them). After
// Close they no longer move: empty if they were never asked for.
func (l *Lab) Views() *Views {
	l.viewsOnce.Do(func() {
		l.views = newViews(l.Store, l.Domain)
		// Each device, as it is now, then every change as it happens.
		l.views.cancelDevices = l.SubscribeDevices(l.views.applyDevice)
	})
	return l.views
}

// stillViews are views that never move (a lab closed before anyone asked).
func stillViews(domain string) *Views {
	v := &Views{domain: domain, accounts: map[string]*AccountView{}, subs: map[int]func([]ViewChange){}, done: make(chan struct{})}
	v.Close()
	return v
}

func newViews(st *mailstore.Store, domain string) *Views {
	feed, state := st.Follow()
	v := &Views{domain: domain, accounts: map[string]*AccountView{}, subs: map[int]func([]ViewChange){},
		feed: feed, done: make(chan struct{})}
	for _, u := range state.Users {
		a := &AccountView{Name: u.Name, Address: u.Name + "@" + domain, Quota: u.Quota, POP3: u.Maildrop}
		for _, mb := range u.Mailboxes {
			mv := MailboxView{Name: mb.Info.Name}
			for _, m := range mb.Messages {
				mv.Messages = append(mv.Messages, messageView(m.UID, m.UIDL, m.Size, m.Flags, m.Raw))
			}
			a.Mailboxes = append(a.Mailboxes, mv)
		}
		if inbox := a.mailbox(mailstore.Inbox); inbox != nil {
			for i := range inbox.Messages {
				inbox.Messages[i].POP3Deleted = slices.Contains(u.Marked, inbox.Messages[i].UID)
			}
		}
		a.recount()
		v.accounts[strings.ToLower(u.Name)] = a
	}
	v.wg.Add(1)
	go v.follow()
	return v
}

// follow applies the feed's changes as they come.
func (v *Views) follow() {
	defer v.wg.Done()
	for {
		select {
		case <-v.done:
			return
		case <-v.feed.Ready():
		}
		v.Settle()
	}
}

// Settle applies every change the store has made so far before it
// returns: after an action, the views show what it did.
func (v *Views) Settle() {
	if v.feed == nil {
		return
	}
	v.applyMu.Lock()
	defer v.applyMu.Unlock()
	v.apply(v.feed.Changes())
}

// Close stops following the store. Safe to call twice.
func (v *Views) Close() {
	v.closeOnce.Do(func() {
		if v.cancelDevices != nil {
			v.cancelDevices()
		}
		close(v.done)
		v.wg.Wait()
		if v.feed != nil {
			v.feed.Close()
		}
	})
}

// Subscribe calls fn with each batch of changes, in order, on the views'
// own goroutine (or a Settle caller's); fn must be fast and must not call
// back into Views. The returned func unsubscribes.
func (v *Views) Subscribe(fn func([]ViewChange)) (cancel func()) {
	v.mu.Lock()
	defer v.mu.Unlock()
	id := v.nextSub
	v.nextSub++
	v.subs[id] = fn
	return func() {
		v.mu.Lock()
		delete(v.subs, id)
		v.mu.Unlock()
	}
}

// Snapshot is the whole model now, every change the store has made
// applied; changes delivered later have a larger Seq.
func (v *Views) Snapshot() ViewState {
	v.Settle()
	v.mu.Lock()
	defer v.mu.Unlock()
	st := ViewState{Seq: v.seq}
	for _, a := range v.accounts {
		st.Accounts = append(st.Accounts, a.clone())
	}
	sort.Slice(st.Accounts, func(i, j int) bool { return st.Accounts[i].Name < st.Accounts[j].Name })
	for _, d := range v.devices {
		st.Devices = append(st.Devices, d.clone())
	}
	return st
}

// Account is one account's view now (as Snapshot, settled).
func (v *Views) Account(name string) (AccountView, bool) {
	v.Settle()
	v.mu.Lock()
	defer v.mu.Unlock()
	a := v.accounts[strings.ToLower(name)]
	if a == nil {
		return AccountView{}, false
	}
	return a.clone(), true
}

// apply folds store changes into the model and tells the subscribers.
func (v *Views) apply(cs []mailstore.Change) {
	if len(cs) == 0 {
		return
	}
	v.mu.Lock()
	out := make([]ViewChange, 0, len(cs))
	for _, c := range cs {
		if vc, ok := v.applyOne(c); ok {
			v.seq++
			vc.Seq = v.seq
			out = append(out, vc)
		}
	}
	subs := v.subscribers()
	v.mu.Unlock()
	if len(out) == 0 {
		return
	}
	for _, fn := range subs {
		fn(out)
	}
}

// subscribers lists them; called with v.mu held.
func (v *Views) subscribers() []func([]ViewChange) {
	subs := make([]func([]ViewChange), 0, len(v.subs))
	for _, fn := range v.subs {
		subs = append(subs, fn)
	}
	return subs
}

// applyOne applies one store change; called with v.mu held.
func (v *Views) applyOne(c mailstore.Change) (ViewChange, bool) {
	key := strings.ToLower(c.User)
	a := v.accounts[key]
	vc := ViewChange{At: c.At, Kind: c.Kind.String(), Account: c.User, Mailbox: c.Mailbox, UID: c.UID}
	switch c.Kind {
	case mailstore.ChangeUserAdded:
		a = &AccountView{Name: c.User, Address: c.User + "@" + v.domain, Quota: c.Size}
		v.accounts[key] = a
	case mailstore.ChangeUserRemoved:
		delete(v.accounts, key)
		return vc, true
	}
	if a == nil {
		return vc, false
	}
	switch c.Kind {
	case mailstore.ChangeMailboxCreated:
		if a.mailbox(c.Mailbox) == nil {
			a.Mailboxes = append(a.Mailboxes, MailboxView{Name: c.Mailbox})
			sort.Slice(a.Mailboxes, func(i, j int) bool { return mailstore.LessMailbox(a.Mailboxes[i].Name, a.Mailboxes[j].Name) })
		}
	case mailstore.ChangeMailboxDeleted:
		a.Mailboxes = slices.DeleteFunc(a.Mailboxes, func(m MailboxView) bool { return m.Name == c.Mailbox })
	case mailstore.ChangeMailboxRenamed:
		vc.OldName = c.OldName
		if mb := a.mailbox(c.OldName); mb != nil {
			mb.Name = c.Mailbox
		}
		sort.Slice(a.Mailboxes, func(i, j int) bool { return mailstore.LessMailbox(a.Mailboxes[i].Name, a.Mailboxes[j].Name) })
	case mailstore.ChangeNew:
		mb := a.mailbox(c.Mailbox)
		if mb == nil {
			return vc, false
		}
		m := messageView(c.UID, c.UIDL, c.Size, c.Flags, c.Raw)
		mb.Messages = append(mb.Messages, m)
		vc.Message = &mb.Messages[len(mb.Messages)-1]
	case mailstore.ChangeExpunge:
		if mb := a.mailbox(c.Mailbox); mb != nil {
			if i := mb.index(c.UID); i >= 0 {
				mb.Messages = slices.Delete(mb.Messages, i, i+1)
			}
		}
	case mailstore.ChangeFlags:
		if m := a.message(c.Mailbox, c.UID); m != nil {
			m.Flags = c.Flags
			vc.Message = m
		}
	case mailstore.ChangeQuota:
		a.Quota = c.Size
	case mailstore.ChangeRefused:
		a.Refused++
		a.LastRefused = c.Size
	case mailstore.ChangePOP3Locked:
		a.POP3 = c.Maildrop
		vc.UIDs = c.UIDs
	case mailstore.ChangePOP3Marked:
		if m := a.message(mailstore.Inbox, c.UID); m != nil {
			m.POP3Deleted = true
			vc.Message = m
		}
	case mailstore.ChangePOP3Reset, mailstore.ChangePOP3Released, mailstore.ChangePOP3Committed:
		// Marks end either way: a commit's expunges follow.
		if inbox := a.mailbox(mailstore.Inbox); inbox != nil {
			for i := range inbox.Messages {
				if inbox.Messages[i].POP3Deleted {
					inbox.Messages[i].POP3Deleted = false
					vc.UIDs = append(vc.UIDs, inbox.Messages[i].UID)
				}
			}
		}
		if c.Kind != mailstore.ChangePOP3Reset {
			a.POP3 = 0
		}
	}
	a.recount()
	if vc.Message != nil {
		cp := vc.Message.clone()
		vc.Message = &cp
	}
	vc.Summary = a.Summary()
	return vc, true
}

// Summary is the account's figures.
func (a *AccountView) Summary() AccountSummary {
	return AccountSummary{Quota: a.Quota, Used: a.Used, Refused: a.Refused, LastRefused: a.LastRefused, POP3: a.POP3}
}

func (a *AccountView) mailbox(name string) *MailboxView {
	for i := range a.Mailboxes {
		if a.Mailboxes[i].Name == name {
			return &a.Mailboxes[i]
		}
	}
	return nil
}

func (a *AccountView) message(mailbox string, uid uint32) *MessageView {
	mb := a.mailbox(mailbox)
	if mb == nil {
		return nil
	}
	if i := mb.index(uid); i >= 0 {
		return &mb.Messages[i]
	}
	return nil
}

func (mb *MailboxView) index(uid uint32) int {
	i, ok := slices.BinarySearchFunc(mb.Messages, uid, func(m MessageView, uid uint32) int { return int(int64(m.UID) - int64(uid)) })
	if !ok {
		return -1
	}
	return i
}

// recount derives the unseen counts and sizes from the messages: the
// account's use is what its mailboxes hold, as the store counts it.
func (a *AccountView) recount() {
	a.Used = 0
	for i := range a.Mailboxes {
		mb := &a.Mailboxes[i]
		mb.Unseen, mb.Size = 0, 0
		for _, m := range mb.Messages {
			if !hasFlag(m.Flags, `\Seen`) {
				mb.Unseen++
			}
			mb.Size += m.Size
		}
		a.Used += mb.Size
	}
}

func (a *AccountView) clone() AccountView {
	c := *a
	c.Mailboxes = make([]MailboxView, len(a.Mailboxes))
	for i, mb := range a.Mailboxes {
		c.Mailboxes[i] = mb
		c.Mailboxes[i].Messages = make([]MessageView, len(mb.Messages))
		for j, m := range mb.Messages {
			c.Mailboxes[i].Messages[j] = m.clone()
		}
	}
	return c
}

func (m MessageView) clone() MessageView {
	m.Flags = slices.Clone(m.Flags)
	if m.Flags == nil {
		m.Flags = []string{}
	}
	return m
}

func hasFlag(flags []string, f string) bool {
	for _, g := range flags {
		if strings.EqualFold(g, f) {
			return true
		}
	}
	return false
}

// messageView lists a message: its envelope from the header.
func messageView(uid uint32, uidl string, size int64, flags []string, raw []byte) MessageView {
	m := MessageView{UID: uid, UIDL: uidl, Size: size, Flags: slices.Clone(flags)}
	if m.Flags == nil {
		m.Flags = []string{}
	}
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(raw)
	}
	msg, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(append(raw[:end:end], "\r\n\r\n"...))))
	if err != nil {
		return m
	}
	dec := mime.WordDecoder{}
	word := func(s string) string {
		if d, err := dec.DecodeHeader(s); err == nil {
			return d
		}
		return s
	}
	m.Subject = word(msg.Header.Get("Subject"))
	m.MessageID = strings.Trim(msg.Header.Get("Message-Id"), "<> ")
	if from, err := mail.ParseAddress(msg.Header.Get("From")); err == nil {
		m.From = from.Address
		if from.Name != "" {
			m.From = from.Name + " <" + from.Address + ">"
		}
	} else {
		m.From = word(msg.Header.Get("From"))
	}
	if d, err := msg.Header.Date(); err == nil {
		m.Date = d
	}
	return m
}
