package mailstore

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// Separator is the mailbox hierarchy separator.
const Separator = '/'

// Inbox is the name of the mailbox mail is delivered to. It matches
// case-insensitively ("inbox", "Inbox").
const Inbox = "INBOX"

// SpecialUse is a special-use attribute (RFC 6154) marking a mailbox's role.
type SpecialUse string

// Special-use attributes.
const (
	UseNone    SpecialUse = ""
	UseAll     SpecialUse = `\All`
	UseArchive SpecialUse = `\Archive`
	UseDrafts  SpecialUse = `\Drafts`
	UseFlagged SpecialUse = `\Flagged`
	UseJunk    SpecialUse = `\Junk`
	UseSent    SpecialUse = `\Sent`
	UseTrash   SpecialUse = `\Trash`
)

// maxMailboxName bounds a mailbox name in bytes.
const maxMailboxName = 1000

type mailbox struct {
	owner       *user
	name        string
	use         SpecialUse
	uidValidity uint32
	uidNext     uint32
	msgs        []*message // ascending UID
	size        int64
	keywords    []string // keywords seen in this mailbox, first spelling kept
	watchers    map[*Watcher]struct{}
	recentFrom  uint32 // messages from this UID on are recent, not yet claimed
}

// MailboxInfo describes a mailbox.
type MailboxInfo struct {
	Name        string
	Use         SpecialUse
	UIDValidity uint32
	UIDNext     uint32
	Subscribed  bool
	HasChildren bool
	// Flags are the flags defined for the mailbox (the IMAP FLAGS
	// response): the system flags, then the keywords used so far.
	Flags []string
}

// Status holds a mailbox's counts (IMAP STATUS and SELECT data).
type Status struct {
	Mailbox     string
	Messages    uint32 // number of messages (EXISTS)
	Unseen      uint32 // messages without \Seen
	Deleted     uint32 // messages with \Deleted
	FirstUnseen uint32 // sequence number of the first unseen message, 0 if none
	UIDNext     uint32
	UIDValidity uint32
	Size        int64  // sum of message sizes in bytes
	Recent      uint32 // recent messages no session has claimed (ClaimRecent)
}

// normMailboxName validates a mailbox name and returns its canonical form:
// no trailing separator, and "INBOX" as the first component whatever its
// case.
func normMailboxName(name string) (string, bool) {
	name = strings.TrimRight(name, string(Separator))
	if name == "" || len(name) > maxMailboxName {
		return "", false
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == '*' || r == '%' || r == unicode.ReplacementChar {
			return "", false
		}
	}
	parts := strings.Split(name, string(Separator))
	for _, p := range parts {
		if p == "" {
			return "", false
		}
	}
	if strings.EqualFold(parts[0], Inbox) {
		parts[0] = Inbox
	}
	return strings.Join(parts, string(Separator)), true
}

func parentNames(name string) []string {
	var out []string
	for i := 0; i < len(name); i++ {
		if name[i] == Separator {
			out = append(out, name[:i])
		}
	}
	return out
}

func isDescendant(name, ancestor string) bool {
	return len(name) > len(ancestor) && name[len(ancestor)] == Separator && strings.HasPrefix(name, ancestor)
}

func sortedBoxNames(u *user) []string {
	names := make([]string, 0, len(u.boxes))
	for n := range u.boxes {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return LessMailbox(names[i], names[j]) })
	return names
}

// LessMailbox orders mailbox names as the store lists them: INBOX
// first, then by name.
func LessMailbox(a, b string) bool {
	if (a == Inbox) != (b == Inbox) {
		return a == Inbox
	}
	return a < b
}

func (s *Store) createLocked(u *user, name string, use SpecialUse) *mailbox {
	mb := &mailbox{
		owner:       u,
		name:        name,
		use:         use,
		uidValidity: s.uidValidity,
		uidNext:     1,
	}
	s.uidValidity++
	if s.uidValidity == 0 { // wrapped: UIDVALIDITY must be nonzero
		s.uidValidity = 1
	}
	u.boxes[name] = mb
	s.changeLocked(Change{Kind: ChangeMailboxCreated, User: u.name, Mailbox: name})
	return mb
}

func (s *Store) createParentsLocked(u *user, name string) {
	for _, p := range parentNames(name) {
		if u.boxes[p] == nil {
			s.createLocked(u, p, UseNone)
		}
	}
}

func (s *Store) mailboxLocked(userName, name string) (*mailbox, error) {
	u, err := s.userLocked(userName)
	if err != nil {
		return nil, err
	}
	return mailboxOf(u, name)
}

func mailboxOf(u *user, name string) (*mailbox, error) {
	n, ok := normMailboxName(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoSuchMailbox, name)
	}
	mb := u.boxes[n]
	if mb == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoSuchMailbox, name)
	}
	return mb, nil
}

// CreateMailbox creates a mailbox, and any missing parents (RFC 3501
// 6.3.3). A trailing separator is ignored. use may be UseNone.
func (s *Store) CreateMailbox(userName, name string, use SpecialUse) error {
	n, ok := normMailboxName(name)
	if !ok {
		return fmt.Errorf("%w: %q", ErrInvalidMailboxName, name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return err
	}
	if u.boxes[n] != nil {
		return fmt.Errorf("%w: %q", ErrMailboxExists, n)
	}
	s.createParentsLocked(u, n)
	s.createLocked(u, n, use)
	return nil
}

// DeleteMailbox deletes a mailbox and its messages. INBOX cannot be
// deleted, nor can a mailbox with children (delete those first). Its
// watchers receive EventDeleted. Its subscription stays: RFC 3501 6.3.6
// forbids a server to remove a name from the subscription list because the
// mailbox is gone, and LIST (SUBSCRIBED) reports it \NonExistent (RFC 5258
// 3.1); a mailbox created again under the name is subscribed again.
func (s *Store) DeleteMailbox(userName, name string, op Op) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return err
	}
	mb, err := mailboxOf(u, name)
	if err != nil {
		return err
	}
	if mb.name == Inbox {
		return ErrCannotDeleteInbox
	}
	for n := range u.boxes {
		if isDescendant(n, mb.name) {
			return fmt.Errorf("%w: %q", ErrMailboxHasChildren, mb.name)
		}
	}
	s.dropMailboxLocked(mb, op)
	return nil
}

func (s *Store) dropMailboxLocked(mb *mailbox, op Op) {
	u := mb.owner
	u.used -= mb.size
	delete(u.boxes, mb.name)
	ev := Event{Kind: EventDeleted, At: op.At, Source: op.Source, Mailbox: mb.name, Seq: s.nextSeqLocked()}
	for w := range mb.watchers {
		w.push(ev)
		w.mb = nil
	}
	mb.watchers = nil
	s.mailboxChangeLocked(mb, ev)
}

// RenameMailbox renames a mailbox and its children, keeping their
// UIDVALIDITY, UIDs and watchers (which receive EventRenamed); missing
// parents of the new name are created and subscriptions follow.
//
// Renaming INBOX is special (RFC 3501 6.3.5): its messages move to a new
// mailbox called to (new UIDVALIDITY, new UIDs, flags and internal dates
// kept) and INBOX stays, empty: its watchers see each message expunged.
// INBOX's children are not renamed.
func (s *Store) RenameMailbox(userName, from, to string, op Op) error {
	newName, ok := normMailboxName(to)
	if !ok {
		return fmt.Errorf("%w: %q", ErrInvalidMailboxName, to)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return err
	}
	mb, err := mailboxOf(u, from)
	if err != nil {
		return err
	}
	if u.boxes[newName] != nil {
		return fmt.Errorf("%w: %q", ErrMailboxExists, newName)
	}
	oldName := mb.name
	if isDescendant(newName, oldName) {
		return fmt.Errorf("%w: %q is inside %q", ErrInvalidMailboxName, newName, oldName)
	}
	if oldName == Inbox {
		s.createParentsLocked(u, newName)
		dst := s.createLocked(u, newName, UseNone)
		// A move: appendLocked counts each copy in the user's usage and
		// removeLocked discounts the original, so no quota check.
		moved := append([]*message(nil), mb.msgs...)
		for _, m := range moved {
			if _, err := s.appendLocked(dst, m.raw, m.flags, m.date, op); err != nil {
				return err
			}
		}
		s.removeLocked(mb, moved, op)
		return nil
	}
	var family []*mailbox
	for n, b := range u.boxes {
		if n == oldName || isDescendant(n, oldName) {
			family = append(family, b)
		}
	}
	for _, b := range family {
		delete(u.boxes, b.name)
	}
	for _, b := range family {
		prev := b.name
		b.name = newName + prev[len(oldName):]
		u.boxes[b.name] = b
		if u.subs[prev] {
			delete(u.subs, prev)
			u.subs[b.name] = true
		}
		ev := Event{Kind: EventRenamed, At: op.At, Source: op.Source, Mailbox: b.name, OldName: prev, Seq: s.nextSeqLocked()}
		for w := range b.watchers {
			w.push(ev)
		}
		s.mailboxChangeLocked(b, ev)
	}
	s.createParentsLocked(u, newName)
	return nil
}

// Mailboxes lists a user's mailboxes, INBOX first, then sorted by name.
func (s *Store) Mailboxes(userName string) ([]MailboxInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return nil, err
	}
	return mailboxesOf(u), nil
}

func mailboxesOf(u *user) []MailboxInfo {
	names := sortedBoxNames(u)
	parents := make(map[string]bool)
	for _, n := range names {
		for _, p := range parentNames(n) {
			parents[p] = true
		}
	}
	out := make([]MailboxInfo, 0, len(names))
	for _, n := range names {
		info := u.boxes[n].info()
		info.HasChildren = parents[n]
		out = append(out, info)
	}
	return out
}

// Mailbox describes one mailbox.
func (s *Store) Mailbox(userName, name string) (MailboxInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return MailboxInfo{}, err
	}
	info := mb.info()
	for n := range mb.owner.boxes {
		if isDescendant(n, mb.name) {
			info.HasChildren = true
			break
		}
	}
	return info, nil
}

func (mb *mailbox) info() MailboxInfo {
	return MailboxInfo{
		Name:        mb.name,
		Use:         mb.use,
		UIDValidity: mb.uidValidity,
		UIDNext:     mb.uidNext,
		Subscribed:  mb.owner.subs[mb.name],
		Flags:       mb.flagList(),
	}
}

// flagList returns the system flags and the mailbox's keywords.
func (mb *mailbox) flagList() []string {
	out := append(make([]string, 0, numSystemFlags+len(mb.keywords)), SystemFlags()...)
	return append(out, mb.keywords...)
}

// Status returns a mailbox's counts.
func (s *Store) Status(userName, name string) (Status, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return Status{}, err
	}
	return mb.status(), nil
}

func (mb *mailbox) status() Status {
	st := Status{
		Mailbox:     mb.name,
		Messages:    uint32(len(mb.msgs)),
		UIDNext:     mb.uidNext,
		UIDValidity: mb.uidValidity,
		Size:        mb.size,
	}
	for i, m := range mb.msgs {
		if !hasFlag(m.flags, FlagSeen) {
			st.Unseen++
			if st.FirstUnseen == 0 {
				st.FirstUnseen = uint32(i + 1)
			}
		}
		if hasFlag(m.flags, FlagDeleted) {
			st.Deleted++
		}
		if m.uid >= mb.recentFrom {
			st.Recent++
		}
	}
	return st
}

// Subscribe adds a name to the user's subscriptions (IMAP SUBSCRIBE). The
// mailbox must exist.
func (s *Store) Subscribe(userName, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return err
	}
	mb, err := mailboxOf(u, name)
	if err != nil {
		return err
	}
	u.subs[mb.name] = true
	return nil
}

// Unsubscribe removes a name from the user's subscriptions. The mailbox
// need not exist (RFC 3501 6.3.7 lets a client drop a stale name).
func (s *Store) Unsubscribe(userName, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return err
	}
	n, ok := normMailboxName(name)
	if !ok || !u.subs[n] {
		return fmt.Errorf("%w: %q is not subscribed", ErrNoSuchMailbox, name)
	}
	delete(u.subs, n)
	return nil
}

// Subscriptions lists the user's subscribed names, INBOX first. A name
// may outlive its mailbox (DeleteMailbox keeps it).
func (s *Store) Subscriptions(userName string) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return nil, err
	}
	return subscriptionsOf(u), nil
}

func subscriptionsOf(u *user) []string {
	out := make([]string, 0, len(u.subs))
	for n := range u.subs {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return LessMailbox(out[i], out[j]) })
	return out
}

// Listing is what IMAP LIST and LSUB read, taken at one instant: the
// user's mailboxes (as Mailboxes lists them) and subscribed names (as
// Subscriptions lists them, so some may name no mailbox).
type Listing struct {
	Mailboxes     []MailboxInfo
	Subscriptions []string
}

// Listing returns the user's mailboxes and subscriptions in one snapshot,
// so that a LIST never sees a subscription without the mailbox it had.
func (s *Store) Listing(userName string) (Listing, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return Listing{}, err
	}
	return Listing{Mailboxes: mailboxesOf(u), Subscriptions: subscriptionsOf(u)}, nil
}
