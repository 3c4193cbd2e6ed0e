package app

import (
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
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
}

// ViewsBatchDTO is the payload of views:changed.
type ViewsBatchDTO struct {
	Changes []ViewChangeDTO `json:"changes"`
}

func newMessageViewDTO(m lab.MessageView) MessageViewDTO {
	d := MessageViewDTO{UID: m.UID, UIDL: m.UIDL, From: m.From, Subject: m.Subject, Size: m.Size, Flags: m.Flags, POP3Deleted: m.POP3Deleted}
	if !m.Date.IsZero() {
		d.Date = m.Date.UTC().Format(time.RFC3339)
	}
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
		OldName: c.OldName, UID: c.UID, Summary: newSummaryDTO(c.Summary), UIDs: c.UIDs}
	if c.Message != nil {
		m := newMessageViewDTO(*c.Message)
		d.Message = &m
	}
	return d
}

// Snapshot is the whole model now; views:changed batches that follow carry
// changes with a larger seq (the UI drops the older ones).
func (s *ViewsService) Snapshot() (ViewsDTO, error) {
	st := s.lab.Views().Snapshot()
	out := ViewsDTO{Seq: st.Seq, Accounts: make([]AccountViewDTO, 0, len(st.Accounts))}
	for _, a := range st.Accounts {
		out.Accounts = append(out.Accounts, newAccountViewDTO(a))
	}
	return out, nil
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

func (s *ViewsService) flush() {
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
