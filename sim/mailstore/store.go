package mailstore

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// Errors returned by the store. Wrapped errors add the name or number
// involved; test them with errors.Is.
var (
	ErrNoSuchUser         = errors.New("mailstore: no such user")
	ErrUserExists         = errors.New("mailstore: user already exists")
	ErrInvalidUserName    = errors.New("mailstore: invalid user name")
	ErrAuthFailed         = errors.New("mailstore: invalid credentials")
	ErrNoSuchMailbox      = errors.New("mailstore: no such mailbox")
	ErrMailboxExists      = errors.New("mailstore: mailbox already exists")
	ErrInvalidMailboxName = errors.New("mailstore: invalid mailbox name")
	ErrCannotDeleteInbox  = errors.New("mailstore: cannot delete INBOX")
	ErrMailboxHasChildren = errors.New("mailstore: mailbox has children")
	ErrNoSuchMessage      = errors.New("mailstore: no such message")
	ErrInvalidFlag        = errors.New("mailstore: invalid flag")
	ErrOverQuota          = errors.New("mailstore: quota exceeded")
	ErrMessageTooLarge    = errors.New("mailstore: message too large")
	ErrMaildropLocked     = errors.New("mailstore: maildrop locked")
	ErrMaildropClosed     = errors.New("mailstore: maildrop closed")
	ErrMessageDeleted     = errors.New("mailstore: message already deleted")
	ErrInvalidMessage     = errors.New("mailstore: invalid message")
	ErrUIDSpaceExhausted  = errors.New("mailstore: no more UIDs in mailbox")
)

// DefaultEpoch is the wall-clock instant the virtual clock starts from when
// Options.Epoch is zero: Monday 2026-01-05 08:00 UTC.
func DefaultEpoch() time.Time { return time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC) }

// Source identifies who made a change, so that a session can recognise its
// own changes among the events it watches. Get one from Store.NewSource.
// The zero Source is anonymous (SMTP delivery, seeding, the UI).
type Source uint64

// Op says who makes a change and when.
type Op struct {
	// At is the virtual time of the change, since the world started. Zero:
	// the start.
	At time.Duration
	// Source made the change. Zero: anonymous.
	Source Source
}

// Folder is a mailbox created for every new user.
type Folder struct {
	Name string
	Use  SpecialUse
}

// Options configure a Store.
type Options struct {
	// Epoch is the wall-clock time of virtual time zero; internal dates
	// are Epoch+at. Zero: DefaultEpoch().
	Epoch time.Time

	// Folders are created (and subscribed) for every new user besides
	// INBOX. Nil: Sent, Drafts, Trash, Junk and Archive with their
	// special-use attributes. An empty non-nil slice: INBOX only.
	Folders []Folder

	// MaxMessageSize bounds one message in bytes (after CRLF
	// normalisation); larger ones get ErrMessageTooLarge. Zero: unlimited.
	MaxMessageSize int64

	// FirstUIDValidity is the UIDVALIDITY of the first mailbox created;
	// each further mailbox gets the next number. A store serving real
	// clients across restarts should start from something that changes
	// (the wall clock in seconds) so that cached UIDs are discarded. Zero: 1.
	FirstUIDValidity uint32
}

// DefaultFolders returns the folders made for new users when
// Options.Folders is nil.
func DefaultFolders() []Folder {
	return []Folder{
		{Name: "Sent", Use: UseSent},
		{Name: "Drafts", Use: UseDrafts},
		{Name: "Trash", Use: UseTrash},
		{Name: "Junk", Use: UseJunk},
		{Name: "Archive", Use: UseArchive},
	}
}

// Store holds the users, mailboxes and messages of one simulated world.
// Create it with New; the zero Store is not usable.
type Store struct {
	epoch   time.Time
	folders []Folder
	maxSize int64

	sources atomic.Uint64

	mu          sync.RWMutex
	users       map[string]*user // by userKey
	uidValidity uint32           // next UIDVALIDITY to hand out
	seq         uint64           // change counter, see Event.Seq
	feeds       map[*Feed]struct{}
	maildrops   uint64 // POP3 locks taken, numbering Maildrop.serial
}

type user struct {
	name     string
	password string
	quota    int64
	used     int64
	boxes    map[string]*mailbox // by normalised name
	subs     map[string]bool
	maildrop *Maildrop // the POP3 lock holder, or nil
}

// New returns an empty Store. opts may be nil.
func New(opts *Options) *Store {
	var o Options
	if opts != nil {
		o = *opts
	}
	s := &Store{
		epoch:       o.Epoch,
		maxSize:     o.MaxMessageSize,
		users:       make(map[string]*user),
		uidValidity: o.FirstUIDValidity,
	}
	if s.epoch.IsZero() {
		s.epoch = DefaultEpoch()
	}
	if o.Folders == nil {
		s.folders = DefaultFolders()
	} else {
		s.folders = append([]Folder(nil), o.Folders...)
	}
	if s.uidValidity == 0 {
		s.uidValidity = 1
	}
	return s
}

// Epoch returns the wall-clock time of virtual time zero.
func (s *Store) Epoch() time.Time { return s.epoch }

// Time converts a virtual time to wall-clock time: Epoch()+at.
func (s *Store) Time(at time.Duration) time.Time { return s.epoch.Add(at) }

// NewSource returns a Source no other call has returned.
func (s *Store) NewSource() Source { return Source(s.sources.Add(1)) }

// userKey folds a user name for lookup: names are case-insensitive.
func userKey(name string) string { return strings.ToLower(name) }

func validUserName(name string) bool {
	if name == "" || len(name) > 255 {
		return false
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '"' || r == '\\' {
			return false
		}
	}
	return true
}

// UserInfo describes a user.
type UserInfo struct {
	Name  string // as created
	Quota int64  // bytes; 0 = unlimited
	Used  int64  // bytes stored over all mailboxes
}

// AddUser creates a user with INBOX and the default folders. quota is in
// bytes; 0 means unlimited. Names may not contain spaces, control
// characters, '"' or '\' and are matched case-insensitively.
func (s *Store) AddUser(name, password string, quota int64) error {
	if !validUserName(name) {
		return fmt.Errorf("%w: %q", ErrInvalidUserName, name)
	}
	if quota < 0 {
		quota = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := userKey(name)
	if _, ok := s.users[key]; ok {
		return fmt.Errorf("%w: %q", ErrUserExists, name)
	}
	s.addUserLocked(name, password, quota)
	return nil
}

// addUserLocked makes a new user, its INBOX and default folders, all
// subscribed, and tells the feeds.
func (s *Store) addUserLocked(name, password string, quota int64) {
	u := &user{
		name:     name,
		password: password,
		quota:    quota,
		boxes:    make(map[string]*mailbox),
		subs:     make(map[string]bool),
	}
	s.changeLocked(Change{Kind: ChangeUserAdded, User: name, Size: quota})
	s.createLocked(u, "INBOX", "")
	u.subs["INBOX"] = true
	for _, f := range s.folders {
		n, ok := normMailboxName(f.Name)
		if !ok || u.boxes[n] != nil {
			continue
		}
		s.createParentsLocked(u, n)
		s.createLocked(u, n, f.Use)
		u.subs[n] = true
	}
	s.users[userKey(name)] = u
}

// ResetUser empties an account back to what AddUser made: every mailbox
// goes with its messages (its watchers receive EventDeleted, the feeds
// ChangeMailboxDeleted, then ChangeUserRemoved), and the account comes
// back under the same name and password with INBOX and the default
// folders (new UIDVALIDITYs: a client's cached UIDs are void), those
// subscribed and no others, and no quota (ChangeUserAdded and
// ChangeMailboxCreated, as from AddUser). It is one step under the
// store's lock: no delivery finds the account missing. A POP3 session
// that holds the old maildrop keeps its snapshot, but its QUIT deletes
// nothing (the account it locked is gone, as after RemoveUser); a new
// session may lock the new maildrop at once.
func (s *Store) ResetUser(name string, op Op) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(name)
	if err != nil {
		return err
	}
	for _, n := range sortedBoxNames(u) {
		s.dropMailboxLocked(u.boxes[n], op)
	}
	delete(s.users, userKey(name))
	s.changeLocked(Change{Kind: ChangeUserRemoved, At: op.At, Source: op.Source, User: u.name})
	s.addUserLocked(u.name, u.password, 0)
	return nil
}

// RemoveUser deletes a user and all their mail. Watchers of their
// mailboxes receive EventDeleted; a maildrop they hold becomes unusable.
func (s *Store) RemoveUser(name string, op Op) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := userKey(name)
	u, ok := s.users[key]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoSuchUser, name)
	}
	for _, n := range sortedBoxNames(u) {
		s.dropMailboxLocked(u.boxes[n], op)
	}
	delete(s.users, key)
	s.changeLocked(Change{Kind: ChangeUserRemoved, At: op.At, Source: op.Source, User: u.name})
	return nil
}

// Users lists all users, sorted by name.
func (s *Store) Users() []UserInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]UserInfo, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, UserInfo{Name: u.name, Quota: u.quota, Used: u.used})
	}
	sort.Slice(out, func(i, j int) bool { return userKey(out[i].Name) < userKey(out[j].Name) })
	return out
}

// User describes one user.
func (s *Store) User(name string) (UserInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.userLocked(name)
	if err != nil {
		return UserInfo{}, err
	}
	return UserInfo{Name: u.name, Quota: u.quota, Used: u.used}, nil
}

// SetPassword changes a user's password.
func (s *Store) SetPassword(name, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(name)
	if err != nil {
		return err
	}
	u.password = password
	return nil
}

// SetQuota changes a user's quota (bytes, 0 = unlimited). Mail already
// stored stays even if it is now over quota; only new mail is refused.
func (s *Store) SetQuota(name string, quota int64) error {
	if quota < 0 {
		quota = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(name)
	if err != nil {
		return err
	}
	u.quota = quota
	s.changeLocked(Change{Kind: ChangeQuota, User: u.name, Size: quota})
	return nil
}

// Authenticate checks a user name and password and returns the user's
// name as created. Any failure, unknown user included, is ErrAuthFailed
// and takes the same constant-time comparison, so neither the error nor
// the timing tells which part was wrong.
func (s *Store) Authenticate(name, password string) (string, error) {
	s.mu.RLock()
	u := s.users[userKey(name)]
	want, canonical := "", ""
	if u != nil {
		want, canonical = u.password, u.name
	}
	s.mu.RUnlock()
	// ConstantTimeCompare returns early on a length mismatch; comparing
	// fixed-size digests would hide the length too, but the lab's
	// passwords are not secrets worth that.
	ok := subtle.ConstantTimeCompare([]byte(password), []byte(want)) == 1
	if u == nil || !ok {
		return "", ErrAuthFailed
	}
	return canonical, nil
}

// Password returns a user's password, for the shared-secret mechanisms
// that need it in the clear on the server side (POP3 APOP, CRAM-MD5). An
// unknown user gives an error wrapping ErrNoSuchUser; a server should
// still answer it as a plain authentication failure.
func (s *Store) Password(name string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.userLocked(name)
	if err != nil {
		return "", err
	}
	return u.password, nil
}

// QuotaUsage returns the bytes a user stores and their quota (0 = unlimited).
func (s *Store) QuotaUsage(name string) (used, limit int64, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.userLocked(name)
	if err != nil {
		return 0, 0, err
	}
	return u.used, u.quota, nil
}

func (s *Store) userLocked(name string) (*user, error) {
	u, ok := s.users[userKey(name)]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoSuchUser, name)
	}
	return u, nil
}

// checkQuotaLocked reports ErrOverQuota if adding size bytes would exceed
// u's quota.
func checkQuotaLocked(u *user, size int64) error {
	if u.quota > 0 && u.used+size > u.quota {
		return fmt.Errorf("%w: %s uses %d of %d bytes, message is %d", ErrOverQuota, u.name, u.used, u.quota, size)
	}
	return nil
}

// nextSeqLocked returns the next change sequence number.
func (s *Store) nextSeqLocked() uint64 {
	s.seq++
	return s.seq
}
