package mua

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailscope/mailscope/sim/link"
)

// imapSession is one logged-in IMAP connection.
type imapSession struct {
	d        *Device
	c        *imapclient.Client
	conn     *link.Conn
	bodies   *literalClock
	caps     imap.CapSet
	selected string

	mu     sync.Mutex
	exists uint32        // latest EXISTS seen outside a SELECT
	at     time.Duration // when it arrived
	wake   chan struct{} // signalled on each EXISTS
}

func (d *Device) imapLogin(r *recorder) (*imapSession, error) {
	if d.cfg.Servers.IMAP == "" {
		return nil, fmt.Errorf("mua: %s: imap: %w", d.name, ErrNoServer)
	}
	addr := d.cfg.Servers.IMAP
	nc, conn, err := d.connect(r, addr)
	if err != nil {
		return nil, err
	}
	s := &imapSession{d: d, conn: conn, bodies: &literalClock{Conn: nc, clock: conn}, wake: make(chan struct{}, 1)}
	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages == nil {
					return
				}
				s.mu.Lock()
				s.exists, s.at = *data.NumMessages, conn.Now()
				s.mu.Unlock()
				select {
				case s.wake <- struct{}{}:
				default:
				}
			},
		},
	}
	if d.cfg.TLSMode == TLSStartTLS {
		// imapclient puts TLS above our literal clock, which then sees
		// only ciphertext: body times fall back to the conn's clock.
		if opts.TLSConfig, err = d.tlsConfig(addr); err != nil {
			nc.Close()
			return nil, err
		}
		s.bodies.blind = true
		if s.c, err = imapclient.NewStartTLS(s.bodies, opts); err != nil {
			return nil, fmt.Errorf("mua: %s: imap STARTTLS: %w", d.name, err)
		}
	} else {
		s.c = imapclient.New(s.bodies, opts)
		// imapclient would send LOGIN before the greeting arrives.
		if err := s.c.WaitGreeting(); err != nil {
			s.c.Close()
			return nil, fmt.Errorf("mua: %s: imap greeting: %w", d.name, err)
		}
	}
	acct := d.cfg.Account
	if err := s.c.Login(acct.User, acct.Password).Wait(); err != nil {
		s.c.Close()
		return nil, fmt.Errorf("mua: %s: imap LOGIN: %w", d.name, err)
	}
	s.caps = s.c.Caps()
	return s, nil
}

// logout sends LOGOUT and waits for the server to close, so that the
// reader has consumed the last response (and its round trip is counted)
// before the conn closes.
func (s *imapSession) logout() {
	if err := s.c.Logout().Wait(); err == nil {
		t := time.NewTimer(5 * time.Second) // wall clock: a server that never closes
		select {
		case <-s.c.Closed():
		case <-t.C:
		}
		t.Stop()
	}
	s.c.Close()
}

func (s *imapSession) errorf(what string, err error) error {
	return fmt.Errorf("mua: %s: imap %s: %w", s.d.name, what, err)
}

// selectFolder selects folder read-write (flag changes need it) and drops
// the local copies if its UIDVALIDITY changed.
func (s *imapSession) selectFolder(folder string) (*imap.SelectData, error) {
	data, err := s.c.Select(folder, nil).Wait()
	if err != nil {
		return nil, s.errorf("SELECT "+folder, err)
	}
	s.selected = folder
	d := s.d
	if known, ok := d.boxes[folder]; ok && known != data.UIDValidity {
		d.dropFolder(folder, s.conn.Now())
	}
	d.boxes[folder] = data.UIDValidity
	return data, nil
}

// flushPending stores \Seen for messages read offline, and \Answered for
// messages replied to, in folder (every folder if nil, selecting each).
func (s *imapSession) flushPending(folder *string) error {
	group := func(pending map[int]bool, byFolder map[string]imap.UIDSet) (ids []int) {
		for id := range pending {
			m := s.d.find(id)
			if m == nil || m.UID == 0 || (folder != nil && !sameFolder(m.Folder, *folder)) {
				continue
			}
			byFolder[m.Folder] = append(byFolder[m.Folder], imap.UIDRange{Start: imap.UID(m.UID), Stop: imap.UID(m.UID)})
			ids = append(ids, id)
		}
		return ids
	}
	seen, answered := map[string]imap.UIDSet{}, map[string]imap.UIDSet{}
	seenIDs, answeredIDs := group(s.d.pending, seen), group(s.d.answer, answered)
	names := make([]string, 0, len(seen)+len(answered))
	for f := range seen {
		names = append(names, f)
	}
	for f := range answered {
		if _, ok := seen[f]; !ok {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	store := func(set imap.UIDSet, flag imap.Flag) error {
		if len(set) == 0 {
			return nil
		}
		if err := s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{flag}}, nil).Close(); err != nil {
			return s.errorf("STORE", err)
		}
		return nil
	}
	for _, f := range names {
		if !sameFolder(s.selected, f) {
			if _, err := s.selectFolder(f); err != nil {
				return err
			}
		}
		if err := store(seen[f], imap.FlagSeen); err != nil {
			return err
		}
		if err := store(answered[f], imap.FlagAnswered); err != nil {
			return err
		}
	}
	for _, id := range seenIDs {
		delete(s.d.pending, id)
	}
	for _, id := range answeredIDs {
		delete(s.d.answer, id)
	}
	return nil
}

// headerItems are what a client lists a message by.
func headerItems() *imap.FetchOptions {
	return &imap.FetchOptions{UID: true, Flags: true, Envelope: true, RFC822Size: true}
}

var wholeSection = &imap.FetchItemBodySection{Peek: true}

// markingSection is the whole message, fetched so that it is marked read.
var markingSection = &imap.FetchItemBodySection{}

// sync brings the local copy of folder up to date per the policy.
func (s *imapSession) sync(r *recorder, folder string) error {
	d := s.d
	data, err := s.selectFolder(folder)
	if err != nil {
		return err
	}
	if err := s.flushPending(&folder); err != nil {
		return err
	}
	local := map[uint32]*Message{}
	for _, m := range d.msgs {
		if sameFolder(m.Folder, folder) && m.UID != 0 {
			local[m.UID] = m
		}
	}
	var newSet imap.NumSet
	switch {
	case data.NumMessages == 0:
		d.dropAll(local, nil, s.conn.Now())
		return nil
	case len(local) == 0:
		newSet = imap.SeqSet{{Start: 1, Stop: 0}} // 1:*
	default:
		// Flag resynchronisation: which UIDs are still there, and their flags.
		bufs, err := s.c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
		if err != nil {
			return s.errorf("FETCH flags", err)
		}
		there := map[uint32]bool{}
		var uids imap.UIDSet
		at := s.conn.Now()
		for _, b := range bufs {
			uid := uint32(b.UID)
			there[uid] = true
			if m := local[uid]; m != nil {
				seen, answered := m.Seen, m.Answered
				if !d.pending[m.ID] {
					seen = hasFlag(b.Flags, imap.FlagSeen)
				}
				if !d.answer[m.ID] {
					answered = hasFlag(b.Flags, imap.FlagAnswered)
				}
				d.setFlags(m, seen, hasFlag(b.Flags, imap.FlagFlagged), answered, at)
			} else {
				uids.AddNum(b.UID)
			}
		}
		d.dropAll(local, there, at) // expunged by someone else
		if len(uids) == 0 {
			return nil
		}
		newSet = uids
	}
	return s.fetchNew(r, folder, data.UIDValidity, newSet, local)
}

// syncNew fetches the messages that arrived in the selected folder since
// the device last looked (after an IDLE wake-up): UID FETCH last+1:*.
func (s *imapSession) syncNew(r *recorder, folder string) error {
	d := s.d
	local := map[uint32]*Message{}
	var last uint32
	for _, m := range d.msgs {
		if sameFolder(m.Folder, folder) && m.UID != 0 {
			local[m.UID] = m
			last = max(last, m.UID)
		}
	}
	set := imap.UIDSet{{Start: imap.UID(last + 1), Stop: 0}}
	return s.fetchNew(r, folder, d.boxes[folder], set, local)
}

// fetchNew downloads the messages in set that the device does not hold,
// per the policy: headers only, whole messages, or headers then bodies.
func (s *imapSession) fetchNew(r *recorder, folder string, uidValidity uint32, set imap.NumSet, local map[uint32]*Message) error {
	d := s.d
	whole := d.cfg.Policy.Mode == IMAPOffline && !d.cfg.Policy.IMAPHeadersThenBodies
	opts := headerItems()
	if whole {
		opts.BodySection = []*imap.FetchItemBodySection{wholeSection}
	}
	var got []*Message
	err := s.fetch(set, opts, func(b *imapclient.FetchMessageBuffer, at time.Duration) {
		if local[uint32(b.UID)] != nil {
			// "last+1:*" always matches the highest UID (RFC 3501 6.4.8).
			if whole && b.FindBodySection(wholeSection) != nil {
				s.bodies.next()
			}
			return
		}
		m := &Message{Folder: folder, UID: uint32(b.UID), UIDValidity: uidValidity, Received: at}
		applyFetch(m, b)
		kind := ChangeListed
		if raw := b.FindBodySection(wholeSection); whole && raw != nil {
			at = s.bodies.next()
			m.Raw, m.Downloaded, m.Received = raw, at, at
			fillHeaders(m, raw)
			r.res.Downloaded++
			r.readable(at)
			kind = ChangeDownloaded
		} else {
			r.res.HeadersOnly++
		}
		got = append(got, d.add(m))
		d.changed(kind, m.ID, m.Folder, at)
	})
	if err != nil {
		return err
	}
	if d.cfg.Policy.Mode != IMAPOffline || whole || len(got) == 0 {
		return nil
	}
	// Headers first, now the bodies.
	var uids imap.UIDSet
	byUID := map[uint32]*Message{}
	for _, m := range got {
		uids.AddNum(imap.UID(m.UID))
		byUID[m.UID] = m
	}
	return s.fetch(uids, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{wholeSection}},
		func(b *imapclient.FetchMessageBuffer, at time.Duration) {
			m := byUID[uint32(b.UID)]
			raw := b.FindBodySection(wholeSection)
			if raw == nil {
				return
			}
			at = s.bodies.next()
			if m == nil {
				return
			}
			m.Raw, m.Downloaded = raw, at
			r.res.Downloaded++
			r.res.HeadersOnly--
			r.readable(at)
			d.changed(ChangeDownloaded, m.ID, m.Folder, at)
		})
}

// fetch runs a FETCH (UID FETCH for a UID set) and hands over each
// message with the virtual time the whole response had arrived by.
// imapclient's reader runs ahead of the caller, so the conn's clock while
// a message is being collected depends on scheduling; once the tagged
// reply is in, it does not. (Bodies get their own times: literalClock.)
func (s *imapSession) fetch(set imap.NumSet, opts *imap.FetchOptions, fn func(*imapclient.FetchMessageBuffer, time.Duration)) error {
	bufs, err := s.c.Fetch(set, opts).Collect()
	if err != nil {
		return s.errorf("FETCH", err)
	}
	at := s.conn.Now()
	for _, b := range bufs {
		fn(b, at)
	}
	return nil
}

func applyFetch(m *Message, b *imapclient.FetchMessageBuffer) {
	if b.Flags != nil {
		m.Seen = hasFlag(b.Flags, imap.FlagSeen)
		m.Flagged = hasFlag(b.Flags, imap.FlagFlagged)
		m.Answered = hasFlag(b.Flags, imap.FlagAnswered)
	}
	if b.RFC822Size > 0 {
		m.Size = b.RFC822Size
	}
	if e := b.Envelope; e != nil {
		m.Subject, m.Date, m.MessageID = e.Subject, e.Date, e.MessageID
		m.From, m.To = addrList(e.From), addrList(e.To)
	}
}

func addrList(as []imap.Address) string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		s := a.Addr()
		if a.Name != "" {
			s = a.Name + " <" + s + ">"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	for _, x := range flags {
		if strings.EqualFold(string(x), string(f)) {
			return true
		}
	}
	return false
}

func uidSet(uid uint32) imap.UIDSet { return imap.UIDSetNum(imap.UID(uid)) }

// open downloads a body on demand. An unread message is fetched with
// BODY[] (not BODY.PEEK[]), which sets \Seen on the server as a side
// effect (RFC 3501 6.4.5): one command, one round trip, as mail clients
// do. (A FETCH and a STORE sent back to back would race the client's
// reader goroutine for whether they share a round trip.)
func (s *imapSession) open(r *recorder, m *Message) error {
	if !sameFolder(s.selected, m.Folder) {
		if _, err := s.selectFolder(m.Folder); err != nil {
			return err
		}
	}
	section := wholeSection
	if !m.Seen {
		section = markingSection
	}
	bufs, err := s.c.Fetch(uidSet(m.UID), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return s.errorf("FETCH body", err)
	}
	at := s.conn.Now()
	for _, b := range bufs {
		if raw := b.FindBodySection(section); raw != nil {
			at = s.bodies.next()
			m.Raw, m.Downloaded = raw, at
			if m.Size == 0 {
				m.Size = int64(len(raw))
			}
			r.res.Downloaded++
			r.readable(at)
			s.d.changed(ChangeDownloaded, m.ID, m.Folder, at)
		}
	}
	if m.Raw == nil {
		return fmt.Errorf("mua: %s: message %d is gone from the server: %w", s.d.name, m.ID, ErrNoMessage)
	}
	s.d.setFlags(m, true, m.Flagged, m.Answered, at)
	delete(s.d.pending, m.ID)
	return nil
}

func (s *imapSession) ensureSelected(folder string) error {
	if sameFolder(s.selected, folder) {
		return nil
	}
	_, err := s.selectFolder(folder)
	return err
}

// setFlag adds or removes one flag on the server.
func (s *imapSession) setFlag(m *Message, f imap.Flag, add bool) error {
	if err := s.ensureSelected(m.Folder); err != nil {
		return err
	}
	op := imap.StoreFlagsAdd
	if !add {
		op = imap.StoreFlagsDel
	}
	if err := s.c.Store(uidSet(m.UID), &imap.StoreFlags{Op: op, Silent: true, Flags: []imap.Flag{f}}, nil).Close(); err != nil {
		return s.errorf("STORE", err)
	}
	return nil
}

// expunge marks the message \Deleted and expunges it (only it, with
// UIDPLUS), both commands pipelined in one write.
func (s *imapSession) expunge(m *Message) error {
	if err := s.ensureSelected(m.Folder); err != nil {
		return err
	}
	s.bodies.cork()
	store := s.c.Store(uidSet(m.UID), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil)
	var exp *imapclient.ExpungeCommand
	if s.caps.Has(imap.CapUIDPlus) || s.caps.Has(imap.CapIMAP4rev2) {
		exp = s.c.UIDExpunge(uidSet(m.UID))
	} else {
		exp = s.c.Expunge()
	}
	if err := s.bodies.uncork(); err != nil {
		return s.errorf("STORE", err)
	}
	if err := store.Close(); err != nil {
		return s.errorf("STORE", err)
	}
	if err := exp.Close(); err != nil {
		return s.errorf("EXPUNGE", err)
	}
	return nil
}

// move moves the message to folder, creating the folder when the server
// answers TRYCREATE.
func (s *imapSession) move(m *Message, folder string) error {
	if err := s.ensureSelected(m.Folder); err != nil {
		return err
	}
	data, err := s.c.Move(uidSet(m.UID), folder).Wait()
	var ie *imap.Error
	d := s.d
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeTryCreate {
		if err := s.c.Create(folder, nil).Wait(); err != nil {
			return s.errorf("CREATE "+folder, err)
		}
		d.folderCreated(folder, s.conn.Now())
		data, err = s.c.Move(uidSet(m.UID), folder).Wait()
	}
	if err != nil {
		return s.errorf("MOVE", err)
	}
	at := s.conn.Now()
	dest, ok := data.DestUIDs.(imap.UIDSet)
	var uid imap.UID
	if ok {
		if uids, ok2 := dest.Nums(); ok2 && len(uids) == 1 {
			uid = uids[0]
		}
	}
	if uid == 0 || data.UIDValidity == 0 {
		// Without COPYUID the new UID is unknown: forget the copy, the
		// next sync of folder finds it.
		d.folders[folder] = true
		d.dropLocal(m, at)
		return nil
	}
	if known, ok := d.boxes[folder]; ok && known != data.UIDValidity {
		d.dropFolder(folder, at)
	}
	d.boxes[folder] = data.UIDValidity
	m.Folder, m.UID, m.UIDValidity = folder, uint32(uid), data.UIDValidity
	d.changed(ChangeMoved, m.ID, folder, at)
	return nil
}

// create makes folder on the server (CREATE).
func (s *imapSession) create(folder string) error {
	if err := s.c.Create(folder, nil).Wait(); err != nil {
		return s.errorf("CREATE "+folder, err)
	}
	s.d.folderCreated(folder, s.conn.Now())
	return nil
}

// search runs UID SEARCH TEXT on the server.
func (s *imapSession) search(r *recorder, folder, text string) error {
	if err := s.ensureSelected(folder); err != nil {
		return err
	}
	data, err := s.c.UIDSearch(&imap.SearchCriteria{Text: []string{text}}, nil).Wait()
	if err != nil {
		return s.errorf("SEARCH", err)
	}
	uids := data.AllUIDs()
	r.res.ServerMatches = len(uids)
	want := map[uint32]bool{}
	for _, u := range uids {
		want[uint32(u)] = true
	}
	for _, m := range s.d.msgs {
		if sameFolder(m.Folder, folder) && want[m.UID] {
			r.res.Found = append(r.res.Found, m.ID)
		}
	}
	return nil
}

// appendSent stores sent messages in the server's Sent folder.
func (d *Device) appendSent(r *recorder, sent []*Outgoing) error {
	return d.withIMAP(r, func(s *imapSession) error { return s.appendAll(sent) })
}

func (s *imapSession) appendAll(sent []*Outgoing) error {
	for _, o := range sent {
		cmd := s.c.Append("Sent", int64(len(o.Raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}})
		if _, err := cmd.Write(o.Raw); err != nil {
			cmd.Close()
			return s.errorf("APPEND", err)
		}
		if err := cmd.Close(); err != nil {
			return s.errorf("APPEND", err)
		}
		if _, err := cmd.Wait(); err != nil {
			return s.errorf("APPEND", err)
		}
	}
	return nil
}

// literalClock wraps the IMAP conn to time message bodies. imapclient reads
// in its own goroutine, ahead of the caller, so the conn's clock when the
// caller gets a message is not when that message arrived; this notes the
// client's clock at the moment the last byte of each "BODY[] {n}" literal
// is read instead, in order.
type literalClock struct {
	net.Conn
	clock *link.Conn
	blind bool // TLS sits above: nothing to see

	mu    sync.Mutex
	line  []byte // the current line so far (bounded)
	left  int64  // literal bytes still to come
	body  bool   // the literal being read is a body section
	done  []time.Duration
	taken int

	wmu    sync.Mutex
	corked bool
	out    []byte // writes held while corked
}

// Write passes writes through, or holds them while corked.
func (lc *literalClock) Write(p []byte) (int, error) {
	lc.wmu.Lock()
	defer lc.wmu.Unlock()
	if lc.corked {
		lc.out = append(lc.out, p...)
		return len(p), nil
	}
	return lc.Conn.Write(p)
}

// cork holds writes until uncork sends them as one, so that commands
// meant to be pipelined leave together. imapclient writes each command
// as it is issued while its reader goroutine consumes replies: without
// the cork, whether the second command shares the first's round trip
// would depend on which goroutine ran first.
func (lc *literalClock) cork() {
	lc.wmu.Lock()
	lc.corked = true
	lc.wmu.Unlock()
}

func (lc *literalClock) uncork() error {
	lc.wmu.Lock()
	defer lc.wmu.Unlock()
	lc.corked = false
	if len(lc.out) == 0 {
		return nil
	}
	_, err := lc.Conn.Write(lc.out)
	lc.out = nil
	return err
}

func (lc *literalClock) Read(p []byte) (int, error) {
	n, err := lc.Conn.Read(p)
	if n > 0 && !lc.blind {
		lc.mu.Lock()
		lc.scan(p[:n])
		lc.mu.Unlock()
	}
	return n, err
}

func (lc *literalClock) scan(b []byte) {
	for len(b) > 0 {
		if lc.left > 0 {
			k := min(int64(len(b)), lc.left)
			lc.left -= k
			b = b[k:]
			if lc.left == 0 && lc.body {
				lc.done = append(lc.done, lc.clock.Now())
			}
			continue
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(lc.line) < 512 {
				lc.line = append(lc.line, b...)
			} else {
				lc.line = append(lc.line[:256], b...)[:256+len(b)]
			}
			return
		}
		lc.line = append(lc.line, b[:i+1]...)
		b = b[i+1:]
		lc.literal(lc.line)
		lc.line = lc.line[:0]
	}
}

// literal starts counting if line ends with a literal announcement.
func (lc *literalClock) literal(line []byte) {
	line = bytes.TrimRight(line, "\r\n")
	if len(line) < 3 || line[len(line)-1] != '}' {
		return
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return
	}
	num := bytes.TrimSuffix(line[open+1:len(line)-1], []byte("+"))
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil || n < 0 {
		return
	}
	head := bytes.TrimRight(line[:open], " ")
	lc.body = bytes.HasSuffix(head, []byte("BODY[]")) || bytes.HasSuffix(head, []byte("BODY[]<0>")) ||
		bytes.HasSuffix(head, []byte("RFC822"))
	lc.left = n
	if n == 0 && lc.body {
		lc.done = append(lc.done, lc.clock.Now())
	}
}

// next returns when the next body not yet handed out arrived, or the
// conn's clock if the count got lost.
func (lc *literalClock) next() time.Duration {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.taken < len(lc.done) {
		t := lc.done[lc.taken]
		lc.taken++
		return t
	}
	return lc.clock.Now()
}
