package imapd

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// session is one connection's state. imapserver calls its methods from the
// connection's goroutine, except Idle, which runs beside the reader of
// DONE; mu keeps the two apart.
type session struct {
	srv     *Server
	conn    *imapserver.Conn
	store   *mailstore.Store
	source  mailstore.Source
	clock   clock    // nil on a transport without a virtual clock
	advance advancer // nil likewise
	raw     *conn    // the accepted conn under any TLS; nil if not ours

	mu     sync.Mutex
	user   string // canonical name; "" before login
	sel    *view  // nil unless a mailbox is selected
	closed bool
}

var (
	_ imapserver.Session               = (*session)(nil)
	_ imapserver.SessionIMAP4rev2      = (*session)(nil)
	_ imapserver.SessionNamespace      = (*session)(nil)
	_ imapserver.SessionMove           = (*session)(nil)
	_ imapserver.SessionUnauthenticate = (*session)(nil)
	_ imapserver.SessionAppendLimit    = (*session)(nil)
)

// op stamps a change with the connection's virtual time and this session.
func (ss *session) op() mailstore.Op {
	var at time.Duration
	if ss.clock != nil {
		at = ss.clock.Now()
	}
	return mailstore.Op{At: at, Source: ss.source}
}

// catchUp moves the connection's clock to at, so that an update caused by
// a change at virtual time at does not leave before it happened.
func (ss *session) catchUp(at time.Duration) {
	if ss.advance != nil && at > 0 {
		ss.advance.Advance(at)
	}
}

// cork and uncork batch the session's writes (conn.cork); without a
// conn of ours they do nothing.
func (ss *session) cork() {
	if ss.raw != nil {
		ss.raw.cork()
	}
}

func (ss *session) uncork() error {
	if ss.raw != nil {
		return ss.raw.uncork()
	}
	return nil
}

func (ss *session) Close() error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.sel != nil {
		ss.sel.close()
		ss.sel = nil
	}
	if !ss.closed {
		ss.closed = true
		ss.srv.forget(ss)
	}
	return nil
}

func (ss *session) Login(username, password string) error {
	if err := ss.fault("LOGIN"); err != nil {
		return err
	}
	name, err := ss.store.Authenticate(username, password)
	if err != nil {
		return imapserver.ErrAuthFailed
	}
	ss.mu.Lock()
	ss.user = name
	ss.mu.Unlock()
	return nil
}

func (ss *session) Unauthenticate() error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.sel != nil {
		ss.sel.close()
		ss.sel = nil
	}
	ss.user = ""
	return nil
}

func (ss *session) AppendLimit() uint32 { return ss.srv.o.MaxLiteralSize }

func (ss *session) Namespace() (*imap.NamespaceData, error) {
	if err := ss.fault("NAMESPACE"); err != nil {
		return nil, err
	}
	return &imap.NamespaceData{
		Personal: []imap.NamespaceDescriptor{{Prefix: "", Delim: mailstore.Separator}},
	}, nil
}

func (ss *session) Create(name string, options *imap.CreateOptions) error {
	if err := ss.fault("CREATE"); err != nil {
		return err
	}
	use := mailstore.UseNone
	if options != nil {
		switch len(options.SpecialUse) {
		case 0:
		case 1:
			u, ok := specialUse(options.SpecialUse[0])
			if !ok {
				return &imap.Error{Type: imap.StatusResponseTypeNo, Code: "USEATTR", Text: fmt.Sprintf("Unknown special-use attribute %s", options.SpecialUse[0])}
			}
			use = u
		default:
			return &imap.Error{Type: imap.StatusResponseTypeNo, Code: "USEATTR", Text: "One special-use attribute per mailbox"}
		}
	}
	return storeErr(ss.store.CreateMailbox(ss.user, name, use))
}

func (ss *session) Delete(name string) error {
	if err := ss.fault("DELETE"); err != nil {
		return err
	}
	return storeErr(ss.store.DeleteMailbox(ss.user, name, ss.op()))
}

func (ss *session) Rename(name, newName string, _ *imap.RenameOptions) error {
	if err := ss.fault("RENAME"); err != nil {
		return err
	}
	return storeErr(ss.store.RenameMailbox(ss.user, name, newName, ss.op()))
}

func (ss *session) Subscribe(name string) error {
	if err := ss.fault("SUBSCRIBE"); err != nil {
		return err
	}
	return storeErr(ss.store.Subscribe(ss.user, name))
}

func (ss *session) Unsubscribe(name string) error {
	if err := ss.fault("UNSUBSCRIBE"); err != nil {
		return err
	}
	return storeErr(ss.store.Unsubscribe(ss.user, name))
}

func (ss *session) Status(name string, _ *imap.StatusOptions) (*imap.StatusData, error) {
	if err := ss.fault("STATUS"); err != nil {
		return nil, err
	}
	st, err := ss.store.Status(ss.user, name)
	if err != nil {
		return nil, storeErr(err)
	}
	if !ss.usesRecent() {
		st.Recent = 0
	}
	return statusData(st), nil
}

// statusData fills every item, since imapserver writes whichever the
// client asked for.
func statusData(st mailstore.Status) *imap.StatusData {
	var zero64 int64
	size := st.Size
	return &imap.StatusData{
		Mailbox:        st.Mailbox,
		NumMessages:    &st.Messages,
		NumRecent:      &st.Recent,
		UIDNext:        imap.UID(st.UIDNext),
		UIDValidity:    st.UIDValidity,
		NumUnseen:      &st.Unseen,
		NumDeleted:     &st.Deleted,
		Size:           &size,
		DeletedStorage: &zero64,
	}
}

func (ss *session) Append(name string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	if err := ss.fault("APPEND"); err != nil {
		io.Copy(io.Discard, r) // the literal is read and dropped: nothing is stored
		return nil, err
	}
	limit := int64(ss.srv.o.MaxLiteralSize)
	raw, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > limit {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTooBig, Text: "Message too large"}
	}
	var flags []string
	var date time.Time
	if options != nil {
		for _, f := range options.Flags {
			flags = append(flags, string(f))
		}
		date = options.Time
	}
	uid, err := ss.store.Append(ss.user, name, raw, flags, date, ss.op())
	if err != nil {
		if errors.Is(err, mailstore.ErrNoSuchMailbox) {
			return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTryCreate, Text: "No such mailbox"}
		}
		return nil, storeErr(err)
	}
	info, err := ss.store.Mailbox(ss.user, name)
	if err != nil {
		return nil, nil // appended, then deleted: no APPENDUID to give
	}
	return &imap.AppendData{UID: imap.UID(uid), UIDValidity: info.UIDValidity}, nil
}

func specialUse(a imap.MailboxAttr) (mailstore.SpecialUse, bool) {
	for _, u := range []mailstore.SpecialUse{
		mailstore.UseAll, mailstore.UseArchive, mailstore.UseDrafts, mailstore.UseFlagged,
		mailstore.UseJunk, mailstore.UseSent, mailstore.UseTrash,
	} {
		if strings.EqualFold(string(a), string(u)) {
			return u, true
		}
	}
	return mailstore.UseNone, false
}

// fault asks Options.Intercept about a command; a hit is the status
// response to send with the command's tag, instead of running it.
func (ss *session) fault(verb string) error {
	f := ss.srv.o.Intercept
	if f == nil {
		return nil
	}
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	r, hit := f(ss.conn.NetConn(), user, verb)
	if !hit {
		return nil
	}
	return StatusError(r)
}

// StatusError reads a status response written as text, "NO [CODE] text"
// or "BAD text" (an optional leading tag-less "* " is not allowed: the
// line goes with the command's tag). Anything else is NO with the whole
// line as its text.
func StatusError(line string) *imap.Error {
	e := &imap.Error{Type: imap.StatusResponseTypeNo}
	word, rest, _ := strings.Cut(line, " ")
	switch strings.ToUpper(word) {
	case "NO":
	case "BAD":
		e.Type = imap.StatusResponseTypeBad
	case "OK":
		e.Type = imap.StatusResponseTypeOK
	default:
		rest = line
	}
	if strings.HasPrefix(rest, "[") {
		if code, text, ok := strings.Cut(rest[1:], "]"); ok {
			e.Code, rest = imap.ResponseCode(code), strings.TrimSpace(text)
		}
	}
	e.Text = rest
	return e
}

func no(code imap.ResponseCode, text string) *imap.Error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: code, Text: text}
}

// storeErr maps a store error to the IMAP response that carries its code.
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mailstore.ErrOverQuota):
		return no(imap.ResponseCodeOverQuota, "Quota exceeded")
	case errors.Is(err, mailstore.ErrMessageTooLarge):
		return no(imap.ResponseCodeTooBig, "Message too large")
	case errors.Is(err, mailstore.ErrNoSuchMailbox):
		return no(imap.ResponseCodeNonExistent, "No such mailbox")
	case errors.Is(err, mailstore.ErrMailboxExists):
		return no(imap.ResponseCodeAlreadyExists, "Mailbox already exists")
	case errors.Is(err, mailstore.ErrInvalidMailboxName):
		return no(imap.ResponseCodeCannot, "Invalid mailbox name")
	case errors.Is(err, mailstore.ErrCannotDeleteInbox):
		return no(imap.ResponseCodeCannot, "INBOX cannot be deleted")
	case errors.Is(err, mailstore.ErrMailboxHasChildren):
		return no(imap.ResponseCodeHasChildren, "Mailbox has children")
	case errors.Is(err, mailstore.ErrInvalidFlag):
		return &imap.Error{Type: imap.StatusResponseTypeBad, Code: imap.ResponseCodeClientBug, Text: "Invalid flag"}
	case errors.Is(err, mailstore.ErrInvalidMessage):
		return no(imap.ResponseCodeParse, "Invalid message")
	case errors.Is(err, mailstore.ErrUIDSpaceExhausted):
		return no(imap.ResponseCodeLimit, "No more UIDs in this mailbox")
	case errors.Is(err, mailstore.ErrNoSuchUser):
		return no(imap.ResponseCodeUnavailable, "User no longer exists")
	}
	return fmt.Errorf("imapd: %w", err)
}
