package imapd

import (
	"errors"
	"reflect"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailscope/mailscope/sim/mailstore"
)

var (
	errReadOnly = no(imap.ResponseCodeCannot, "Mailbox is read-only (EXAMINE)")
	errGone     = no(imap.ResponseCodeNonExistent, "Selected mailbox was deleted")
)

func (ss *session) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	verb := "SELECT"
	if options != nil && options.ReadOnly {
		verb = "EXAMINE"
	}
	if err := ss.fault(verb); err != nil {
		return nil, err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.sel != nil { // imapserver unselects first; be safe anyway
		ss.sel.close()
		ss.sel = nil
	}
	w, err := ss.store.Watch(ss.user, name)
	if err != nil {
		return nil, storeErr(err)
	}
	readOnly := options != nil && options.ReadOnly
	v := newView(w, ss.source, readOnly)
	v.untagged = ss.writeUntagged
	if ss.usesRecent() {
		ss.claimRecent(v)
	}
	ss.sel = v
	init := w.Initial()
	flags := imapFlags(init.Mailbox.Flags)
	data := &imap.SelectData{
		Flags:             flags,
		PermanentFlags:    append(append([]imap.Flag(nil), flags...), imap.FlagWildcard),
		NumMessages:       init.Status.Messages,
		FirstUnseenSeqNum: init.Status.FirstUnseen,
		UIDNext:           imap.UID(init.Status.UIDNext),
		UIDValidity:       init.Status.UIDValidity,
	}
	if readOnly {
		data.PermanentFlags = nil
	}
	data.NumRecent = v.numRecent()
	if ss.conn.EnabledCaps().Has(imap.CapIMAP4rev2) {
		attrs := []imap.MailboxAttr{imap.MailboxAttrHasNoChildren}
		if init.Mailbox.HasChildren {
			attrs[0] = imap.MailboxAttrHasChildren
		}
		data.List = &imap.ListData{Attrs: attrs, Delim: mailstore.Separator, Mailbox: init.Mailbox.Name}
	}
	return data, nil
}

func (ss *session) Unselect() error {
	if err := ss.fault("UNSELECT"); err != nil {
		return err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.sel != nil {
		ss.sel.close()
		ss.sel = nil
	}
	return nil
}

// selected returns the view, with every pending store event applied, or
// an error if there is none or its mailbox is gone. Called with mu held.
func (ss *session) selected() (*view, error) {
	v := ss.sel
	if v == nil {
		return nil, no("", "No mailbox selected")
	}
	v.drain()
	if v.deleted {
		return v, errGone
	}
	return v, nil
}

func (ss *session) Poll(w *imapserver.UpdateWriter, allowExpunge bool) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.sel == nil {
		return nil
	}
	ss.sel.drain()
	ss.claimArrivals(ss.sel)
	return ss.sel.update(w, allowExpunge)
}

func (ss *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if err := ss.fault("IDLE"); err != nil {
		return err
	}
	ss.mu.Lock()
	v := ss.sel
	user := ss.user
	ss.mu.Unlock()
	var cut <-chan string
	if f := ss.srv.o.IdleIntercept; f != nil {
		ch := make(chan string, 1)
		ended := make(chan struct{})
		defer close(ended)
		go func() {
			if bye, hit := f(ss.conn.NetConn(), user, ended); hit {
				ch <- bye
			}
		}()
		cut = ch
	}
	if v == nil {
		select {
		case <-stop:
		case bye := <-cut:
			ss.hangUp(bye)
		}
		return nil
	}
	ready := v.w.Ready()
	for {
		ss.mu.Lock()
		if ss.sel != v { // closed under us (connection gone)
			ss.mu.Unlock()
			return nil
		}
		v.drain()
		// The updates leave when the change that caused them happened,
		// not when the client last spoke.
		ss.catchUp(v.latest)
		ss.claimArrivals(v)
		// One change's updates (EXISTS and RECENT, say) leave as one
		// write: see conn.cork.
		ss.cork()
		err := v.update(w, true)
		if uerr := ss.uncork(); err == nil {
			err = uerr
		}
		ss.mu.Unlock()
		if err != nil {
			return err
		}
		select {
		case <-ready:
		case <-stop:
			return nil
		case bye := <-cut:
			ss.hangUp(bye)
			return nil
		}
	}
}

// hangUp ends an IDLE from the server's side as a server going away does
// (RFC 9051 §7.1.5): "* BYE text", then the connection closes. Nothing
// else is being written during IDLE, so the line goes straight to the
// connection (the TLS one after STARTTLS).
func (ss *session) hangUp(bye string) {
	nc := ss.conn.NetConn()
	nc.Write([]byte("* BYE " + bye + "\r\n"))
	nc.Close()
}

func (ss *session) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	if err := ss.fault("EXPUNGE"); err != nil {
		return err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	v, err := ss.selected()
	if err != nil {
		return err
	}
	if v.readOnly {
		if silentWriter(w) {
			// CLOSE after EXAMINE expunges nothing and succeeds;
			// imapserver still calls Expunge, with a writer that
			// writes nothing.
			return nil
		}
		return errReadOnly
	}
	if uids != nil {
		idx := v.resolve(*uids)
		if len(idx) > 0 {
			if _, err := ss.store.ExpungeUIDs(ss.user, v.name(), v.uids(idx), ss.op()); err != nil {
				return storeErr(err)
			}
		}
	} else if _, err := ss.store.Expunge(ss.user, v.name(), ss.op()); err != nil {
		return storeErr(err)
	}
	v.drain()
	return v.flushExpunges(w)
}

func (ss *session) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, _ *imap.StoreOptions) error {
	if err := ss.fault("STORE"); err != nil {
		return err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	v, err := ss.selected()
	if err != nil {
		return err
	}
	if v.readOnly {
		return errReadOnly
	}
	var action mailstore.FlagAction
	switch flags.Op {
	case imap.StoreFlagsSet:
		action = mailstore.FlagsReplace
	case imap.StoreFlagsAdd:
		action = mailstore.FlagsAdd
	case imap.StoreFlagsDel:
		action = mailstore.FlagsRemove
	default:
		return no(imap.ResponseCodeClientBug, "Unknown STORE operation")
	}
	list := make([]string, 0, len(flags.Flags))
	for _, f := range flags.Flags {
		if f == imap.FlagWildcard {
			return &imap.Error{Type: imap.StatusResponseTypeBad, Code: imap.ResponseCodeClientBug, Text: `\* is not a flag`}
		}
		list = append(list, string(f))
	}
	idx := v.resolve(numSet)
	if len(idx) == 0 {
		return nil
	}
	// A silent STORE tells the client nothing, so a change someone else
	// made before it must still be reported afterwards.
	var pending []uint32
	if flags.Silent {
		for _, i := range idx {
			if v.msgs[i].dirty {
				pending = append(pending, v.msgs[i].uid)
			}
		}
	}
	updates, err := ss.store.StoreFlags(ss.user, v.name(), v.uids(idx), action, list, ss.op())
	if err != nil {
		return storeErr(err)
	}
	// Apply our own flag events so they are not reported twice.
	v.drain()
	if flags.Silent {
		for _, uid := range pending {
			if i := v.find(uid); i >= 0 && !v.msgs[i].expunged {
				v.msgs[i].dirty = true
				v.dirty = true
			}
		}
		return nil
	}
	// A new keyword is announced before the FETCH that carries it.
	if err := v.announceFlags(nil); err != nil {
		return err
	}
	_, isUID := numSet.(imap.UIDSet)
	for _, u := range updates {
		i := v.find(u.UID)
		if i < 0 || i >= v.known {
			continue
		}
		rw := w.CreateMessage(uint32(i + 1))
		if isUID {
			rw.WriteUID(imap.UID(u.UID))
		}
		rw.WriteFlags(v.flagsOf(u.UID, u.Flags))
		if err := rw.Close(); err != nil {
			return err
		}
	}
	return nil
}

func (ss *session) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	if err := ss.fault("COPY"); err != nil {
		return nil, err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	v, err := ss.selected()
	if err != nil {
		return nil, err
	}
	idx := v.resolve(numSet)
	if len(idx) == 0 {
		if _, err := ss.store.Mailbox(ss.user, dest); err != nil {
			return nil, destErr(err)
		}
		return nil, nil
	}
	res, err := ss.store.Copy(ss.user, v.name(), dest, v.uids(idx), ss.op())
	if err != nil {
		return nil, destErr(err)
	}
	return copyData(res), nil
}

func (ss *session) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	if err := ss.fault("MOVE"); err != nil {
		return err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	v, err := ss.selected()
	if err != nil {
		return err
	}
	if v.readOnly {
		return errReadOnly
	}
	idx := v.resolve(numSet)
	if len(idx) == 0 {
		if _, err := ss.store.Mailbox(ss.user, dest); err != nil {
			return destErr(err)
		}
		return nil
	}
	res, err := ss.store.Move(ss.user, v.name(), dest, v.uids(idx), ss.op())
	if err != nil {
		return destErr(err)
	}
	// The store's expunge events are the only source of EXPUNGE
	// responses: each moved message is reported once, here.
	v.drain()
	if data := copyData(res); data != nil {
		if err := w.WriteCopyData(data); err != nil {
			return err
		}
	}
	return v.flushExpunges(w)
}

// silentWriter reports whether w is the writer imapserver passes for
// CLOSE, which has no connection (its field is unexported, hence reflect).
func silentWriter(w *imapserver.ExpungeWriter) bool {
	if w == nil {
		return true
	}
	f := reflect.ValueOf(w).Elem().FieldByName("conn")
	return f.IsValid() && f.Kind() == reflect.Pointer && f.IsNil()
}

func copyData(res mailstore.CopyResult) *imap.CopyData {
	if len(res.SourceUIDs) == 0 {
		return nil
	}
	var src, dst imap.UIDSet
	for i := range res.SourceUIDs {
		src.AddNum(imap.UID(res.SourceUIDs[i]))
		dst.AddNum(imap.UID(res.DestUIDs[i]))
	}
	return &imap.CopyData{UIDValidity: res.UIDValidity, SourceUIDs: src, DestUIDs: dst}
}

// destErr maps a COPY or MOVE failure; a missing destination asks the
// client to create it (RFC 3501 6.4.7).
func destErr(err error) error {
	if errors.Is(err, mailstore.ErrNoSuchMailbox) {
		return no(imap.ResponseCodeTryCreate, "No such mailbox")
	}
	return storeErr(err)
}
