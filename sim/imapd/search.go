package imapd

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/mailscope/mailscope/sim/mailstore"
)

func (ss *session) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, options *imap.SearchOptions) (*imap.SearchData, error) {
	if err := ss.fault("SEARCH"); err != nil {
		return nil, err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	v, err := ss.selected()
	if err != nil {
		return nil, err
	}
	var idx []int
	for i := range v.msgs[:v.known] {
		if !v.msgs[i].expunged {
			idx = append(idx, i)
		}
	}
	sc := searchContext{v: v}
	if v.known > 0 {
		sc.maxSeq, sc.maxUID = uint32(v.known), v.msgs[v.known-1].uid
	}
	var (
		data   imap.SearchData
		seqSet imap.SeqSet
		uidSet imap.UIDSet
		saved  []uint32
	)
	for len(idx) > 0 {
		chunk := idx[:min(len(idx), fetchChunk)]
		idx = idx[len(chunk):]
		msgs, err := ss.store.Fetch(ss.user, v.name(), v.uids(chunk))
		if err != nil {
			return nil, storeErr(err)
		}
		for _, m := range msgs {
			i := v.find(m.UID)
			if i < 0 || i >= v.known {
				continue
			}
			c := candidate{m: &m, seq: uint32(i + 1)}
			if !sc.match(&c, criteria) {
				continue
			}
			num := c.seq
			if kind == imapserver.NumKindUID {
				num = m.UID
				uidSet.AddNum(imap.UID(m.UID))
			} else {
				seqSet.AddNum(c.seq)
			}
			saved = append(saved, m.UID)
			if data.Min == 0 || num < data.Min {
				data.Min = num
			}
			if num > data.Max {
				data.Max = num
			}
			data.Count++
		}
	}
	if kind == imapserver.NumKindUID {
		data.All = uidSet
	} else {
		data.All = seqSet
	}
	if options != nil && options.ReturnSave {
		v.saved = saved
	}
	return &data, nil
}

type searchContext struct {
	v      *view
	maxSeq uint32
	maxUID uint32
}

// candidate is a message being matched; its header and text are parsed
// only if a criterion needs them.
type candidate struct {
	m   *mailstore.Message
	seq uint32

	header    *textproto.Header
	headerErr bool
}

func (c *candidate) hdr() (textproto.Header, bool) {
	if c.header == nil && !c.headerErr {
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(c.m.Raw)))
		if err != nil {
			c.headerErr = true
		} else {
			c.header = &h
		}
	}
	if c.header == nil {
		return textproto.Header{}, false
	}
	return *c.header, true
}

func (sc *searchContext) match(c *candidate, cr *imap.SearchCriteria) bool {
	for _, set := range cr.SeqNum {
		if !seqContains(set, c.seq, sc.maxSeq) {
			return false
		}
	}
	for _, set := range cr.UID {
		if imap.IsSearchRes(set) {
			found := false
			for _, u := range sc.v.saved {
				if u == c.m.UID {
					found = true
					break
				}
			}
			if !found {
				return false
			}
			continue
		}
		if !uidContains(set, c.m.UID, sc.maxUID) {
			return false
		}
	}
	if !matchDate(c.m.InternalDate, cr.Since, cr.Before) {
		return false
	}
	// RECENT, NEW (RECENT UNSEEN) and OLD (NOT RECENT) ask this
	// session's \Recent, which no stored message carries.
	recent := sc.v.recent[c.m.UID]
	for _, f := range cr.Flag {
		if strings.EqualFold(string(f), mailstore.FlagRecent) {
			if !recent {
				return false
			}
		} else if !hasFlag(c.m.Flags, string(f)) {
			return false
		}
	}
	for _, f := range cr.NotFlag {
		if strings.EqualFold(string(f), mailstore.FlagRecent) {
			if recent {
				return false
			}
		} else if hasFlag(c.m.Flags, string(f)) {
			return false
		}
	}
	if cr.Larger > 0 && c.m.Size <= cr.Larger {
		return false
	}
	if cr.Smaller > 0 && c.m.Size >= cr.Smaller {
		return false
	}
	if !cr.SentSince.IsZero() || !cr.SentBefore.IsZero() {
		h, ok := c.hdr()
		if !ok {
			return false
		}
		mh := mail.Header{Header: gomessage.Header{Header: h}}
		t, err := mh.Date()
		if err != nil || !matchDate(t, cr.SentSince, cr.SentBefore) {
			return false
		}
	}
	for _, hf := range cr.Header {
		h, ok := c.hdr()
		if !ok || !matchHeaderField(h, hf.Key, hf.Value) {
			return false
		}
	}
	for _, s := range cr.Body {
		if !matchText(c.m.Raw, s, false) {
			return false
		}
	}
	for _, s := range cr.Text {
		if !matchText(c.m.Raw, s, true) {
			return false
		}
	}
	for i := range cr.Not {
		if sc.match(c, &cr.Not[i]) {
			return false
		}
	}
	for i := range cr.Or {
		if !sc.match(c, &cr.Or[i][0]) && !sc.match(c, &cr.Or[i][1]) {
			return false
		}
	}
	return true
}

// matchDate compares dates only, ignoring time and zone (RFC 3501 6.4.4).
func matchDate(t, since, before time.Time) bool {
	if since.IsZero() && before.IsZero() {
		return true
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if !since.IsZero() && day.Before(time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, time.UTC)) {
		return false
	}
	if !before.IsZero() && !day.Before(time.Date(before.Year(), before.Month(), before.Day(), 0, 0, 0, 0, time.UTC)) {
		return false
	}
	return true
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
	return r, nil // a lab: undecodable charsets match on their raw bytes
}}

func decodeHeaderValue(v string) string {
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

func containsFold(s, substr string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(substr))
}

// matchHeaderField: a field named key whose value contains value; an empty
// value matches any message that has the field (RFC 3501 6.4.4).
// An address field also matches on its addresses as written without
// comments or folding ("Name <user@domain>"), so that FROM user@domain
// finds <user (comment)@ (comment) domain>.
func matchHeaderField(h textproto.Header, key, value string) bool {
	for f := h.FieldsByKey(key); f.Next(); {
		if value == "" || containsFold(decodeHeaderValue(f.Value()), value) {
			return true
		}
		if addressFields[strings.ToLower(key)] && containsFold(addressText(f.Value()), value) {
			return true
		}
	}
	return false
}

var addressFields = map[string]bool{
	"from": true, "sender": true, "reply-to": true, "to": true, "cc": true, "bcc": true,
	"resent-from": true, "resent-sender": true, "resent-to": true, "resent-cc": true, "resent-bcc": true,
}

// addressText renders an address list canonically, one address per line:
// "Name <mailbox@host>", or a group's name.
func addressText(v string) string {
	var b strings.Builder
	for _, a := range parseAddressList(v) {
		switch {
		case a.Host == "" && a.Mailbox != "":
			b.WriteString(a.Mailbox + ":")
		case a.Host != "":
			if a.Name != "" {
				b.WriteString(a.Name + " ")
			}
			b.WriteString("<" + a.Mailbox + "@" + a.Host + ">")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// matchText looks for s in the message's text (BODY) or its header and
// text (TEXT), case-insensitively: in the decoded text parts, and in the
// raw bytes as a fallback for what cannot be decoded.
func matchText(raw []byte, s string, withHeader bool) bool {
	if s == "" {
		return true
	}
	header, body := splitHeader(raw)
	needle := bytes.ToLower([]byte(s))
	if withHeader {
		if bytes.Contains(bytes.ToLower(header), needle) {
			return true
		}
		if h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(header))); err == nil {
			for f := h.Fields(); f.Next(); {
				if containsFold(decodeHeaderValue(f.Value()), s) {
					return true
				}
			}
		}
	}
	if bytes.Contains(bytes.ToLower(body), needle) {
		return true
	}
	return safely(func() bool {
		e, err := gomessage.Read(bytes.NewReader(raw))
		if e == nil || (err != nil && !gomessage.IsUnknownCharset(err) && !gomessage.IsUnknownEncoding(err)) {
			return false
		}
		return matchEntity(e, needle, 0)
	}, false)
}

func matchEntity(e *gomessage.Entity, needle []byte, depth int) bool {
	if depth > 20 {
		return false
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if err != nil {
				return false
			}
			if matchEntity(p, needle, depth+1) {
				return true
			}
		}
	}
	t, _, _ := e.Header.ContentType()
	if t != "" && !strings.HasPrefix(t, "text/") && !strings.HasPrefix(t, "message/") {
		return false
	}
	b, _ := io.ReadAll(io.LimitReader(e.Body, 64<<20))
	return bytes.Contains(bytes.ToLower(b), needle)
}
