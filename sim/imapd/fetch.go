package imapd

import (
	"bufio"
	"bytes"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/textproto"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// fetchChunk bounds how many message snapshots one FETCH holds at a time.
const fetchChunk = 256

func (ss *session) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	if err := ss.fault("FETCH"); err != nil {
		return err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	v, err := ss.selected()
	if err != nil {
		return err
	}
	idx := v.resolve(numSet)
	if len(idx) == 0 {
		return nil
	}

	// A body fetch without PEEK sets \Seen (RFC 3501 6.4.5); the new
	// flags go out in the same FETCH response.
	seenSet := map[uint32]bool{}
	if !v.readOnly && wantsSeen(options) {
		var unseen []int
		for _, i := range idx {
			if !hasFlag(v.msgs[i].flags, mailstore.FlagSeen) {
				unseen = append(unseen, i)
			}
		}
		if len(unseen) > 0 {
			ups, err := ss.store.StoreFlags(ss.user, v.name(), v.uids(unseen), mailstore.FlagsAdd, []string{mailstore.FlagSeen}, ss.op())
			if err != nil {
				return storeErr(err)
			}
			for _, u := range ups {
				seenSet[u.UID] = true
			}
			v.drain()
		}
	}

	for len(idx) > 0 {
		chunk := idx[:min(len(idx), fetchChunk)]
		idx = idx[len(chunk):]
		msgs, err := ss.store.Fetch(ss.user, v.name(), v.uids(chunk))
		if err != nil {
			return storeErr(err)
		}
		if options.Flags || len(seenSet) > 0 {
			// Any keyword in these flags was announced to the watcher
			// by the change that set it: FLAGS goes out first.
			v.drain()
			if err := v.announceFlags(nil); err != nil {
				return err
			}
		}
		for _, m := range msgs {
			i := v.find(m.UID)
			if i < 0 || i >= v.known {
				continue
			}
			rw := w.CreateMessage(uint32(i + 1))
			if err := writeMessage(rw, &m, v.flagsOf(m.UID, m.Flags), options, seenSet[m.UID]); err != nil {
				return err
			}
			if (options.Flags || seenSet[m.UID]) && slices.Equal(v.msgs[i].flags, m.Flags) {
				v.msgs[i].dirty = false // told just now
			}
		}
	}
	return nil
}

func wantsSeen(options *imap.FetchOptions) bool {
	for _, bs := range options.BodySection {
		if !bs.Peek {
			return true
		}
	}
	for _, bs := range options.BinarySection {
		if !bs.Peek {
			return true
		}
	}
	return false
}

func hasFlag(flags []string, f string) bool {
	for _, g := range flags {
		if strings.EqualFold(g, f) {
			return true
		}
	}
	return false
}

// writeMessage writes one FETCH response and closes rw.
// flags are the message's flags as the session sees them.
func writeMessage(rw *imapserver.FetchResponseWriter, m *mailstore.Message, flags []imap.Flag, options *imap.FetchOptions, seenChanged bool) error {
	if options.UID {
		rw.WriteUID(imap.UID(m.UID))
	}
	if options.Flags || seenChanged {
		rw.WriteFlags(flags)
	}
	if options.InternalDate {
		rw.WriteInternalDate(m.InternalDate)
	}
	if options.RFC822Size {
		rw.WriteRFC822Size(m.Size)
	}
	if options.Envelope {
		rw.WriteEnvelope(envelope(m.Raw))
	}
	if options.BodyStructure != nil {
		rw.WriteBodyStructure(bodyStructure(m.Raw))
	}
	for _, bs := range options.BodySection {
		b := bodySection(m.Raw, bs)
		if err := writeLiteral(rw.WriteBodySection(bs, int64(len(b))), b); err != nil {
			rw.Close()
			return err
		}
	}
	for _, bs := range options.BinarySection {
		b := binarySection(m.Raw, bs)
		if err := writeLiteral(rw.WriteBinarySection(bs, int64(len(b))), b); err != nil {
			rw.Close()
			return err
		}
	}
	for _, bss := range options.BinarySectionSize {
		b := binarySection(m.Raw, &imap.FetchItemBinarySection{Part: bss.Part})
		rw.WriteBinarySectionSize(bss, uint32(len(b)))
	}
	return rw.Close()
}

func writeLiteral(wc interface {
	Write([]byte) (int, error)
	Close() error
}, b []byte) error {
	_, werr := wc.Write(b)
	cerr := wc.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

// splitHeader returns the raw header (with the blank line ending it) and
// body of a CRLF-normalised message. Without a blank line it is all header.
func splitHeader(raw []byte) (header, body []byte) {
	if bytes.HasPrefix(raw, []byte("\r\n")) {
		return raw[:2], raw[2:]
	}
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return raw[:i+4], raw[i+4:]
	}
	return raw, nil
}

// bodySection serves the whole message, its header and its text from the
// stored bytes, so that BODY[] is byte for byte what SMTP delivered and
// POP3 RETR sends; deeper sections go through imapserver's parser.
func bodySection(raw []byte, bs *imap.FetchItemBodySection) []byte {
	var b []byte
	done := false
	if len(bs.Part) == 0 && len(bs.HeaderFields) == 0 && len(bs.HeaderFieldsNot) == 0 {
		header, body := splitHeader(raw)
		switch bs.Specifier {
		case imap.PartSpecifierNone:
			b, done = raw, true
		case imap.PartSpecifierHeader:
			b, done = header, true
		case imap.PartSpecifierText:
			b, done = body, true
		}
	}
	if !done {
		whole := *bs
		whole.Partial = nil // applied below, once
		b = safely(func() []byte { return imapserver.ExtractBodySection(bytes.NewReader(raw), &whole) }, nil)
	}
	return partial(b, bs.Partial)
}

func binarySection(raw []byte, bs *imap.FetchItemBinarySection) []byte {
	return safely(func() []byte { return imapserver.ExtractBinarySection(bytes.NewReader(raw), bs) }, nil)
}

func partial(b []byte, p *imap.SectionPartial) []byte {
	if p == nil {
		return b
	}
	if p.Offset < 0 || p.Offset >= int64(len(b)) {
		return []byte{}
	}
	end := int64(len(b))
	if p.Size >= 0 && p.Offset+p.Size < end {
		end = p.Offset + p.Size
	}
	return b[p.Offset:end]
}

func envelope(raw []byte) *imap.Envelope {
	return safely(func() *imap.Envelope {
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return &imap.Envelope{}
		}
		env := imapserver.ExtractEnvelope(h)
		// The address lists are ours: ExtractEnvelope drops groups and
		// loses a whole list to one route-addr (see parseAddressList).
		for _, f := range []struct {
			key string
			dst *[]imap.Address
		}{
			{"From", &env.From}, {"Sender", &env.Sender}, {"Reply-To", &env.ReplyTo},
			{"To", &env.To}, {"Cc", &env.Cc}, {"Bcc", &env.Bcc},
		} {
			*f.dst = parseAddressList(h.Get(f.key))
		}
		return env
	}, &imap.Envelope{})
}

// bodyStructure parses a message's MIME structure. imapserver panics on a
// multipart with no parts, which a hostile message can be, so such a part
// is described as an empty text/plain one.
func bodyStructure(raw []byte) imap.BodyStructure {
	fallback := &imap.BodyStructureSinglePart{
		Type: "text", Subtype: "plain", Size: uint32(len(raw)),
		Text:     &imap.BodyStructureText{},
		Extended: &imap.BodyStructureSinglePartExt{},
	}
	bs := safely(func() imap.BodyStructure { return imapserver.ExtractBodyStructure(bytes.NewReader(raw)) }, imap.BodyStructure(fallback))
	return sanitize(bs)
}

func sanitize(bs imap.BodyStructure) imap.BodyStructure {
	switch bs := bs.(type) {
	case *imap.BodyStructureMultiPart:
		if len(bs.Children) == 0 {
			return &imap.BodyStructureSinglePart{
				Type: "text", Subtype: "plain",
				Text:     &imap.BodyStructureText{},
				Extended: &imap.BodyStructureSinglePartExt{},
			}
		}
		for i, c := range bs.Children {
			bs.Children[i] = sanitize(c)
		}
		if bs.Extended == nil {
			bs.Extended = &imap.BodyStructureMultiPartExt{}
		}
		return bs
	case *imap.BodyStructureSinglePart:
		if bs.Type == "" || bs.Subtype == "" {
			bs.Type, bs.Subtype = "text", "plain"
		}
		if bs.Extended == nil {
			bs.Extended = &imap.BodyStructureSinglePartExt{}
		}
		if m := bs.MessageRFC822; m != nil {
			if m.BodyStructure == nil {
				bs.MessageRFC822 = nil
			} else {
				m.BodyStructure = sanitize(m.BodyStructure)
			}
		}
		return bs
	}
	return &imap.BodyStructureSinglePart{
		Type: "text", Subtype: "plain",
		Text:     &imap.BodyStructureText{},
		Extended: &imap.BodyStructureSinglePartExt{},
	}
}

// safely runs a parser of untrusted message bytes; a panic in it gives
// fallback instead of closing the connection.
func safely[T any](f func() T, fallback T) (out T) {
	defer func() {
		if recover() != nil {
			out = fallback
		}
	}()
	return f()
}
