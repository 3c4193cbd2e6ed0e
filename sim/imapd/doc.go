// Package imapd is Mailscope's IMAP server: go-imap/v2's imapserver
// protocol engine over the shared mail store, so that a message delivered
// over SMTP is the one IMAP fetches, and a POP3 deletion is an EXPUNGE in
// every IMAP session that has the mailbox selected.
//
// It implements:
//   - RFC 3501, IMAP4rev1, and RFC 9051, IMAP4rev2: LOGIN and
//     AUTHENTICATE PLAIN, SELECT/EXAMINE, CREATE, DELETE, RENAME,
//     SUBSCRIBE, UNSUBSCRIBE, LIST and LSUB with patterns, STATUS
//     (MESSAGES, UIDNEXT, UIDVALIDITY, UNSEEN, DELETED, SIZE), APPEND with
//     flags and date, CHECK, CLOSE, EXPUNGE, SEARCH (sequence and UID sets,
//     flags, dates, sizes, header fields, BODY and TEXT substrings, NOT,
//     OR), FETCH (FLAGS, INTERNALDATE, RFC822.SIZE, UID, ENVELOPE, BODY,
//     BODYSTRUCTURE, BODY[section]<partial>, BINARY), STORE (with implicit
//     \Seen on a non-PEEK body fetch), COPY, and the unilateral EXISTS,
//     EXPUNGE, FLAGS and FETCH FLAGS updates for changes made by anyone.
//   - RFC 2177 IDLE: a session in IDLE wakes for changes from other
//     sessions and other protocols.
//   - RFC 4315 UIDPLUS: UID EXPUNGE, APPENDUID and COPYUID.
//   - RFC 6851 MOVE: each moved message is reported expunged exactly once.
//   - RFC 2342 NAMESPACE: one personal namespace, "" with delimiter "/".
//   - RFC 6154 SPECIAL-USE and CREATE-SPECIAL-USE: \Sent \Drafts \Trash
//     \Junk \Archive (and \All \Flagged) on LIST, selectable with LIST
//     (SPECIAL-USE).
//   - RFC 4731 ESEARCH (SEARCH RETURN (MIN MAX ALL COUNT)) and RFC 5182
//     SEARCHRES (SAVE and "$"), both part of IMAP4rev2.
//   - RFC 7888 LITERAL+, RFC 3691 UNSELECT, RFC 8437 UNAUTHENTICATE, RFC
//     3348 CHILDREN, RFC 8438 STATUS=SIZE, RFC 7889 APPENDLIMIT, and
//     (implied by IMAP4rev2) RFC 5258 LIST-EXTENDED and RFC 5819
//     LIST-STATUS.
//   - LIST and LSUB (list.go): a subscription outlives its mailbox and
//     LIST (SUBSCRIBED) lists it \NonExistent; LSUB lists an unsubscribed
//     parent of a subscribed name \Noselect (RFC 3501 6.3.9), LIST
//     (SUBSCRIBED RECURSIVEMATCH) lists it with CHILDINFO (RFC 5258 3.5);
//     \HasChildren or \HasNoChildren on every mailbox, special-use
//     attributes always, \Subscribed when asked for. LSUB and LIST
//     (SUBSCRIBED) reach the session alike; isLSUB tells them apart.
//   - RFC 9208 QUOTA: only the [OVERQUOTA] response code, on an APPEND or
//     COPY that would exceed the user's quota (GETQUOTA is not offered).
//   - RFC 2595 and RFC 8314: STARTTLS, and implicit TLS (port 993).
//
// The wire protocol (parsing, the greeting "IMAP server ready", literals,
// the 50 KB command bound) is imapserver's; this package is the backend.
//
// Flags keep their case on the wire (\Seen, not \seen): the store keeps
// system flags in their canonical spelling and keywords in the spelling a
// mailbox first saw.
// A keyword new to the mailbox is announced with FLAGS and PERMANENTFLAGS
// before any FETCH that carries it (flags.go).
//
// ENVELOPE address lists are parsed here, not by imapserver.ExtractEnvelope,
// so that groups, comments and route-addrs come out as RFC 3501 7.4.2 says
// (address.go); SEARCH FROM, TO and CC use the same parser.
//
// Where imapserver departs from the RFCs and the backend cannot help:
// a mailbox name or LIST pattern that is not valid modified UTF-7 ("&",
// "&AGE-", "&Jjo") is answered NO [SERVERBUG] Internal server error
// before the session is called: utf7.Decode's ErrInvalidUTF7, returned by
// readListMailbox (LIST and LSUB patterns) or kept by
// imapwire.Decoder.ExpectMailbox (every other mailbox argument), is
// neither an *imap.Error nor an *imapwire.DecoderExpectError, so
// Conn.readCommand logs "handling LIST command: utf7: invalid UTF-7" and
// answers internalServerErrorResp, where RFC 3501 5.1.3 calls for a BAD.
// Valid names ("Entw&APw-rfe") work throughout. The addresses of an
// ENVELOPE list are separated by spaces (writeAddressList).
//
// # Mailbox views
//
// Each selected session keeps its own view of the mailbox: the UIDs its
// client knows, in sequence-number order, fed by a mailstore.Watcher. A
// message expunged by anyone stays in the view, marked, until the session
// may tell its client (never during FETCH, STORE or SEARCH, RFC 3501
// 7.4.1); only then are sequence numbers shifted. The session's own changes
// arrive through the same watcher, so each EXPUNGE is reported exactly once
// whoever made it, and each flag change is reported once: in the STORE or
// FETCH response for the session's own, as an unsolicited FETCH for
// everyone else's.
//
// # Time
//
// Store operations carry the virtual time of the connection (link conns
// have a clock; plain TCP counts as 0). An update caused by another
// connection leaves no earlier than the virtual time of that change, so an
// IDLE woken by an SMTP delivery at 09:00 answers at 09:00.
package imapd
