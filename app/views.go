package app

import (
	"fmt"
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/mailstore"
)

// ViewsService is where the mail lives: the server's mailboxes, live. It
// streams the lab's Views as views:changed batches (snapshot first, then
// changes with a larger seq), and keeps the servers panel's counts
// current (lab:changed) from the same source.
type ViewsService struct {
	lab *lab.Lab
	// changed is told after each batch, so the servers panel's figures
	// follow the same source.
	changed func()
	emit    *emitter

	flushMu sync.Mutex
	mu      sync.Mutex
	pending []ViewChangeDTO
	timer   *time.Timer
	cancel  func()
}

func newViewsService(l *lab.Lab, e *emitter, changed func()) *ViewsService {
	return &ViewsService{lab: l, emit: e, changed: changed}
}

// ViewsDTO is the whole model at an instant.
type ViewsDTO struct {
	Seq      uint64           `json:"seq"`
	Accounts []AccountViewDTO `json:"accounts"`
	Devices  []DeviceViewDTO  `json:"devices"`
}

// DeviceViewDTO is what a device holds locally.
type DeviceViewDTO struct {
	Name string `json:"name"`
	User string `json:"user"`
	// Policy: pop3-delete, pop3-keep, imap-online, imap-offline.
	Policy string `json:"policy"`
	DeviceSummaryDTO
	Messages []DeviceMessageDTO `json:"messages"`
}

// DeviceSummaryDTO is a device's figures.
type DeviceSummaryDTO struct {
	Offline         bool          `json:"offline"` // working offline by choice
	Visible         int           `json:"visible"`
	OfflineReadable int           `json:"offlineReadable"`
	Unread          int           `json:"unread"`
	Folders         []string      `json:"folders"`
	Outbox          []OutgoingDTO `json:"outbox"`
}

// DeviceMessageDTO is one message a device holds.
type DeviceMessageDTO struct {
	ID       int    `json:"id"`
	Folder   string `json:"folder"`
	UID      uint32 `json:"uid"`  // IMAP; 0 for POP3
	UIDL     string `json:"uidl"` // POP3; "" for IMAP
	From     string `json:"from"`
	Subject  string `json:"subject"`
	Date     string `json:"date"` // RFC 3339
	Size     int64  `json:"size"`
	Seen     bool   `json:"seen"`
	Flagged  bool   `json:"flagged"`
	Answered bool   `json:"answered"`
	// Readable: the body is on the device, so it opens offline.
	Readable bool `json:"readable"`
	// ServerUID: a POP3 copy's INBOX message on the server (0: unknown).
	ServerUID uint32 `json:"serverUid"`
}

// OutgoingDTO is a message waiting in an outbox.
type OutgoingDTO struct {
	ID         int      `json:"id"`
	To         []string `json:"to"`
	Subject    string   `json:"subject"`
	Size       int64    `json:"size"`
	ComposedUs float64  `json:"composedUs"`
}

// AccountViewDTO is one account on the server.
type AccountViewDTO struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	AccountSummaryDTO
	Mailboxes []MailboxViewDTO `json:"mailboxes"`
}

// AccountSummaryDTO is an account's figures.
type AccountSummaryDTO struct {
	Quota       int64 `json:"quota"` // bytes, 0 = unlimited
	Used        int64 `json:"used"`
	Refused     int   `json:"refused"` // deliveries refused over quota (552)
	LastRefused int64 `json:"lastRefused"`
	// POP3 is the POP3 session holding the maildrop lock (0: none).
	POP3 uint64 `json:"pop3"`
}

// MailboxViewDTO is one mailbox of an account.
type MailboxViewDTO struct {
	Name     string           `json:"name"`
	Unseen   int              `json:"unseen"`
	Size     int64            `json:"size"`
	Messages []MessageViewDTO `json:"messages"`
}

// MessageViewDTO is one message on the server.
type MessageViewDTO struct {
	UID     uint32   `json:"uid"`
	UIDL    string   `json:"uidl"`
	From    string   `json:"from"`
	Subject string   `json:"subject"`
	Date    string   `json:"date"` // RFC 3339, "" if the message has none
	Size    int64    `json:"size"`
	Flags   []string `json:"flags"`
	// POP3Deleted: marked by DELE, gone at QUIT, back if the session drops.
	POP3Deleted bool `json:"pop3Deleted"`
}

// ViewChangeDTO is one change, with what it leaves.
type ViewChangeDTO struct {
	Seq     uint64            `json:"seq"`
	AtUs    float64           `json:"atUs"` // virtual time
	Kind    string            `json:"kind"` // mailstore.ChangeKind's names: "new", "flags", "pop3-marked"…
	Account string            `json:"account"`
	Mailbox string            `json:"mailbox,omitempty"`
	OldName string            `json:"oldName,omitempty"`
	UID     uint32            `json:"uid,omitempty"`
	Message *MessageViewDTO   `json:"message,omitempty"`
	Summary AccountSummaryDTO `json:"summary"`
	UIDs    []uint32          `json:"uids,omitempty"`
	// A device's change: kind "device-" and mua.ChangeKind's name
	// ("device-removed": a message left it), or the device "device-added"
	// or "device-gone". Its name, the message's ID and folder, the
	// message now, the whole device (device-added) and its figures after
	// the change.
	Device        string            `json:"device,omitempty"`
	ID            int               `json:"id,omitempty"`
	Folder        string            `json:"folder,omitempty"`
	DeviceMessage *DeviceMessageDTO `json:"deviceMessage,omitempty"`
	DeviceView    *DeviceViewDTO    `json:"deviceView,omitempty"`
	DeviceSummary *DeviceSummaryDTO `json:"deviceSummary,omitempty"`
}

// ViewsBatchDTO is the payload of views:changed.
type ViewsBatchDTO struct {
	Changes []ViewChangeDTO `json:"changes"`
}

func newMessageViewDTO(m lab.MessageView) MessageViewDTO {
	d := MessageViewDTO{UID: m.UID, UIDL: m.UIDL, From: m.From, Subject: m.Subject, Date: rfc3339(m.Date), Size: m.Size, Flags: m.Flags, POP3Deleted: m.POP3Deleted}
	if d.Flags == nil {
		d.Flags = []string{}
	}
	return d
}

func newSummaryDTO(s lab.AccountSummary) AccountSummaryDTO {
	return AccountSummaryDTO{Quota: s.Quota, Used: s.Used, Refused: s.Refused, LastRefused: s.LastRefused, POP3: s.POP3}
}

func newAccountViewDTO(a lab.AccountView) AccountViewDTO {
	d := AccountViewDTO{Name: a.Name, Address: a.Address, AccountSummaryDTO: newSummaryDTO(a.Summary()), Mailboxes: []MailboxViewDTO{}}
	for _, mb := range a.Mailboxes {
		md := MailboxViewDTO{Name: mb.Name, Unseen: mb.Unseen, Size: mb.Size, Messages: make([]MessageViewDTO, len(mb.Messages))}
		for i, m := range mb.Messages {
			md.Messages[i] = newMessageViewDTO(m)
		}
		d.Mailboxes = append(d.Mailboxes, md)
	}
	return d
}

func newViewChangeDTO(c lab.ViewChange) ViewChangeDTO {
	d := ViewChangeDTO{Seq: c.Seq, AtUs: us(c.At), Kind: c.Kind, Account: c.Account, Mailbox: c.Mailbox,
		OldName: c.OldName, UID: c.UID, Summary: newSummaryDTO(c.Summary), UIDs: c.UIDs,
		Device: c.Device, ID: c.ID, Folder: c.Folder}
	if c.Message != nil {
		m := newMessageViewDTO(*c.Message)
		d.Message = &m
	}
	if c.DeviceMessage != nil {
		m := newDeviceMessageDTO(*c.DeviceMessage)
		d.DeviceMessage = &m
	}
	if c.DeviceView != nil {
		v := newDeviceViewDTO(*c.DeviceView)
		d.DeviceView = &v
	}
	if c.DeviceSummary != nil {
		s := newDeviceSummaryDTO(*c.DeviceSummary)
		d.DeviceSummary = &s
	}
	return d
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func newDeviceMessageDTO(m lab.DeviceMessageView) DeviceMessageDTO {
	return DeviceMessageDTO{ID: m.ID, Folder: m.Folder, UID: m.UID, UIDL: m.UIDL, From: m.From, Subject: m.Subject,
		Date: rfc3339(m.Date), Size: m.Size, Seen: m.Seen, Flagged: m.Flagged, Answered: m.Answered, Readable: m.Readable,
		ServerUID: m.ServerUID}
}

func newDeviceSummaryDTO(s lab.DeviceSummary) DeviceSummaryDTO {
	d := DeviceSummaryDTO{Offline: s.Offline, Visible: s.Visible, OfflineReadable: s.OfflineReadable, Unread: s.Unread,
		Folders: append([]string{}, s.Folders...), Outbox: make([]OutgoingDTO, len(s.Outbox))}
	for i, o := range s.Outbox {
		d.Outbox[i] = OutgoingDTO{ID: o.ID, To: append([]string{}, o.To...), Subject: o.Subject, Size: o.Size, ComposedUs: us(o.Composed)}
	}
	return d
}

func newDeviceViewDTO(v lab.DeviceView) DeviceViewDTO {
	d := DeviceViewDTO{Name: v.Name, User: v.User, Policy: v.Mode, Messages: make([]DeviceMessageDTO, len(v.Messages)),
		DeviceSummaryDTO: newDeviceSummaryDTO(lab.DeviceSummary{Offline: v.Offline, Visible: v.Visible,
			OfflineReadable: v.OfflineReadable, Unread: v.Unread, Folders: v.Folders, Outbox: v.Outbox})}
	for i, m := range v.Messages {
		d.Messages[i] = newDeviceMessageDTO(m)
	}
	return d
}

// Snapshot is the whole model now; views:changed batches that follow carry
// changes with a larger seq (the UI drops the older ones).
func (s *ViewsService) Snapshot() (ViewsDTO, error) {
	st := s.lab.Views().Snapshot()
	out := ViewsDTO{Seq: st.Seq, Accounts: make([]AccountViewDTO, 0, len(st.Accounts)), Devices: make([]DeviceViewDTO, 0, len(st.Devices))}
	for _, a := range st.Accounts {
		out.Accounts = append(out.Accounts, newAccountViewDTO(a))
	}
	for _, d := range st.Devices {
		out.Devices = append(out.Devices, newDeviceViewDTO(d))
	}
	return out, nil
}

// Read opens a message on the server, as the administrator of the mail
// store sees it: no client, no traffic (a device's Open is the client's
// view).
func (s *ViewsService) Read(m MessageRefDTO) (MessageReadDTO, error) {
	msg, err := s.lab.Store.Message(m.Account, m.Mailbox, m.UID)
	if err != nil {
		return MessageReadDTO{}, fmt.Errorf("app: %w", err)
	}
	d := newReadingDTO(mailstore.Read(msg.Raw), msg.Size)
	d.ID, d.Folder = int(msg.UID), m.Mailbox
	d.Seen, d.Flagged, d.Answered = msg.HasFlag(mailstore.FlagSeen), msg.HasFlag(mailstore.FlagFlagged), msg.HasFlag(mailstore.FlagAnswered)
	return d, nil
}

// viewsBatchEvery is how long changes gather before they go to the UI:
// as the trace's batches, a burst (200 RETRs) is one event, not 200.
const viewsBatchEvery = 50 * time.Millisecond

// start follows the lab's views until stop.
func (s *ViewsService) start() {
	cancel := s.lab.Views().Subscribe(s.add)
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
}

func (s *ViewsService) stop() {
	s.mu.Lock()
	cancel := s.cancel
	s.cancel = nil
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (s *ViewsService) add(cs []lab.ViewChange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		s.pending = append(s.pending, newViewChangeDTO(c))
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(viewsBatchEvery, s.flush)
	}
}

// settle sends every change made so far now, not at the next batch: an
// action's end goes out after what it did.
func (s *ViewsService) settle() {
	s.lab.Views().Settle()
	s.flush()
}

func (s *ViewsService) flush() {
	// One flush at a time (the timer's and an action's): batches leave in
	// the order their changes were made.
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	batch := s.pending
	s.pending, s.timer = nil, nil
	s.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	s.emit.Emit(EventViewsChanged, ViewsBatchDTO{Changes: batch})
	if s.changed != nil {
		s.changed()
	}
}

// MessageRefDTO names one message on the server.
type MessageRefDTO struct {
	Account string `json:"account"`
	Mailbox string `json:"mailbox"`
	UID     uint32 `json:"uid"`
}

// Related is the messages a trace line concerns (clicking a line
// highlights them in the views).
func (s *ViewsService) Related(seq uint64) ([]MessageRefDTO, error) {
	out := []MessageRefDTO{}
	for _, r := range s.lab.Related(seq) {
		out = append(out, MessageRefDTO{Account: r.Account, Mailbox: r.Mailbox, UID: r.UID})
	}
	return out, nil
}

// Touching is the trace lines (their seqs) that concern a message
// (clicking a message highlights them in the trace).
func (s *ViewsService) Touching(m MessageRefDTO) ([]uint64, error) {
	out := s.lab.Touching(lab.MessageRef{Account: m.Account, Mailbox: m.Mailbox, UID: m.UID})
	if out == nil {
		out = []uint64{}
	}
	return out, nil
}
