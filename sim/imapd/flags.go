package imapd

import (
	"io"
	"strings"

	"github.com/emersion/go-imap/v2/imapserver"
)

// announceFlags writes the pending FLAGS response and, in a read-write
// session, the PERMANENTFLAGS that go with it, so that a new keyword is
// announced before any FETCH that carries it (RFC 3501 7.1, 7.2.6). w is
// nil inside FETCH and STORE, which have no UpdateWriter.
func (v *view) announceFlags(w *imapserver.UpdateWriter) error {
	flags := v.mailboxFlags
	if flags == nil {
		return nil
	}
	v.mailboxFlags = nil
	var err error
	if w != nil {
		err = w.WriteMailboxFlags(imapFlags(flags))
	} else {
		err = v.untagged("FLAGS " + flagList(flags))
	}
	if err != nil || v.readOnly {
		return err
	}
	permanent := append(append([]string(nil), flags...), `\*`)
	return v.untagged("OK [PERMANENTFLAGS " + flagList(permanent) + "] Flags permitted")
}

// flagList renders flags as a parenthesised list. Flags are atoms (the
// library parsed them as such), so they need no quoting.
func flagList(flags []string) string {
	return "(" + strings.Join(flags, " ") + ")"
}

// writeUntagged writes one untagged response line that imapserver has no
// writer for: its UpdateWriter cannot send PERMANENTFLAGS (the library's
// Conn.writePermanentFlags is unexported and only SELECT uses it), and a
// FetchWriter cannot send FLAGS. It is safe between responses: imapserver
// flushes each response at its CRLF (imapwire.Encoder.CRLF), and the
// session writes only while handling a command or idling, when nothing
// else writes.
func (ss *session) writeUntagged(line string) error {
	_, err := io.WriteString(ss.conn.NetConn(), "* "+line+"\r\n")
	return err
}
