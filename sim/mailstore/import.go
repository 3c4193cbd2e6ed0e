package mailstore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"
)

// MboxMessage is one message split out of an mbox file.
type MboxMessage struct {
	// Raw is the message with CRLF line endings, without its "From "
	// separator line and with ">From " lines unescaped.
	Raw []byte
	// Sender and Date come from the "From " line; Date is zero if it
	// could not be parsed.
	Sender string
	Date   time.Time
}

// SplitMbox splits an mbox file (mboxo or mboxrd; the two differ only in
// escaping) into messages. Every line starting "From " begins a message;
// the empty line before it belongs to the separator. Lines matching
// ^>+From lose one '>', which undoes mboxrd's escaping exactly and
// mboxo's as well as it can be undone. An empty input has no messages;
// text before the first "From " line is an error.
func SplitMbox(r io.Reader) ([]MboxMessage, error) {
	br := bufio.NewReader(r)
	var out []MboxMessage
	var cur *MboxMessage
	var body bytes.Buffer
	pendingBlank := false // an empty line that may be the separator's
	flush := func() {
		if cur != nil {
			cur.Raw = NormalizeCRLF(body.Bytes()) // also fixes bare CRs inside lines
			out = append(out, *cur)
		}
		body.Reset()
		pendingBlank = false
	}
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			switch {
			case bytes.HasPrefix(line, []byte("From ")):
				flush()
				cur = &MboxMessage{}
				cur.Sender, cur.Date = parseFromLine(string(line[5:]))
			case cur == nil:
				if len(bytes.TrimSpace(line)) > 0 {
					return nil, fmt.Errorf("%w: not an mbox file (no \"From \" line first)", ErrInvalidMessage)
				}
			default:
				if pendingBlank {
					body.WriteString("\r\n")
					pendingBlank = false
				}
				if len(line) == 0 {
					pendingBlank = true
					break
				}
				if i := bytes.IndexFunc(line, func(r rune) bool { return r != '>' }); i > 0 && bytes.HasPrefix(line[i:], []byte("From ")) {
					line = line[1:]
				}
				body.Write(line)
				body.WriteString("\r\n")
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("mailstore: reading mbox: %w", err)
		}
	}
	flush()
	return out, nil
}

// parseFromLine splits "sender date" from an mbox "From " line.
func parseFromLine(rest string) (string, time.Time) {
	sender, date, _ := strings.Cut(strings.TrimSpace(rest), " ")
	date = strings.TrimSpace(date)
	for _, layout := range []string{time.ANSIC, time.UnixDate, "Mon Jan _2 15:04:05 2006 -0700", time.RFC1123Z} {
		if t, err := time.Parse(layout, date); err == nil {
			return sender, t.UTC()
		}
	}
	return sender, time.Time{}
}

// headerDate returns the Date header of raw, or zero.
func headerDate(raw []byte) time.Time {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return time.Time{}
	}
	t, err := msg.Header.Date()
	if err != nil {
		return time.Time{}
	}
	return t
}

// mboxFlags maps the Status and X-Status headers that mail readers add
// to mbox messages ("RO", "AF") to IMAP flags.
func mboxFlags(raw []byte) []string {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	var flags []string
	st := msg.Header.Get("Status") + msg.Header.Get("X-Status")
	for _, f := range []struct {
		c    string
		flag string
	}{{"R", FlagSeen}, {"A", FlagAnswered}, {"F", FlagFlagged}, {"D", FlagDeleted}, {"T", FlagDraft}} {
		if strings.Contains(st, f.c) {
			flags = append(flags, f.flag)
		}
	}
	return flags
}

// ImportEML stores one message file (.eml) in a mailbox. Its internal
// date is its Date header, or Epoch+op.At without one.
func (s *Store) ImportEML(userName, mailboxName string, raw []byte, flags []string, op Op) (uint32, error) {
	return s.Append(userName, mailboxName, raw, flags, headerDate(raw), op)
}

// ImportMbox stores every message of an mbox file in a mailbox, all or
// nothing: the quota is checked for the whole file first. Internal dates
// come from the "From " lines, else the Date headers, else Epoch+op.At;
// Status/X-Status headers become flags. It returns the new UIDs in file
// order.
func (s *Store) ImportMbox(userName, mailboxName string, r io.Reader, op Op) ([]uint32, error) {
	msgs, err := SplitMbox(r)
	if err != nil {
		return nil, err
	}
	type prepared struct {
		raw   []byte
		flags []string
		date  time.Time
	}
	items := make([]prepared, 0, len(msgs))
	var total int64
	for i, m := range msgs {
		raw := m.Raw // already CRLF and owned by us
		if err := s.checkSize(raw); err != nil {
			return nil, fmt.Errorf("message %d: %w", i+1, err)
		}
		date := m.Date
		if date.IsZero() {
			date = headerDate(raw)
		}
		if date.IsZero() {
			date = s.Time(op.At)
		}
		items = append(items, prepared{raw, mboxFlags(raw), date})
		total += int64(len(raw))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, err := s.mailboxLocked(userName, mailboxName)
	if err != nil {
		return nil, err
	}
	if err := checkQuotaLocked(mb.owner, total); err != nil {
		return nil, err
	}
	if uint64(mb.uidNext)+uint64(len(items)) > 1<<32 || (mb.uidNext == 0 && len(items) > 0) {
		return nil, fmt.Errorf("%w: %q", ErrUIDSpaceExhausted, mb.name)
	}
	uids := make([]uint32, 0, len(items))
	for _, it := range items {
		uid, err := s.appendLocked(mb, it.raw, it.flags, it.date, op)
		if err != nil { // cannot happen: UID space checked above
			return uids, err
		}
		uids = append(uids, uid)
	}
	return uids, nil
}
