// Package mailstore is the one mail store behind Mailscope's SMTP, POP3 and
// IMAP servers. A message delivered over SMTP is the same message POP3 lists
// (with a UIDL) and IMAP fetches (with a UID), so a POP3 deletion shows up
// as an EXPUNGE in an open IMAP session.
//
// It sits below the protocol servers and imports only the standard library:
// no go-imap, no link, no trace. Everything lives in memory.
//
// # What it implements
//
//   - Users with a plain password (this is a lab), a quota in bytes and
//     their own mailboxes. User names are matched case-insensitively
//     ("Alice" and "alice" are one user; the name keeps the case it was
//     created with). Credentials are compared in constant time.
//   - Mailboxes (RFC 3501 / RFC 9051): INBOX, whose name is
//     case-insensitive, plus folders separated by '/'. Other names are
//     case-sensitive. Special-use attributes (RFC 6154: \Sent \Drafts
//     \Trash \Junk \Archive), default folders for new users,
//     subscriptions (kept when their mailbox is deleted, RFC 3501
//     6.3.6), CREATE (missing parents are created), DELETE (INBOX
//     and mailboxes with children cannot be deleted), RENAME (children
//     move along; renaming INBOX moves its messages into a new mailbox and
//     leaves INBOX empty, RFC 3501 6.3.5).
//   - UID rules (RFC 3501 2.3.1.1): UIDs are strictly ascending within a
//     mailbox and never reused; UIDNEXT only grows; UIDVALIDITY is nonzero
//     and unique per mailbox within a Store, so a mailbox deleted and
//     created again under the same name gets a new one. Renaming keeps it.
//   - Messages: raw bytes, internal date, size, flags, UID and a POP3 UIDL.
//     Line endings are normalised to CRLF on the way in (a bare LF or CR
//     becomes CRLF), so the size is the size on the wire: len(Raw).
//   - Flags: the system flags (\Seen \Answered \Flagged \Deleted \Draft)
//     and keywords. Flags compare case-insensitively; system flags are
//     stored in their canonical spelling, a keyword in the spelling the
//     mailbox first saw. \Recent (obsolete in RFC 9051) is not kept.
//   - \Deleted + EXPUNGE (all or by UID set, UIDPLUS), COPY and MOVE
//     (RFC 6851: each moved message is reported expunged once) with
//     COPYUID data, STATUS counts.
//   - Quota per user over all mailboxes. Deliver, Append, Copy and the
//     importers check it before storing: over quota they return
//     ErrOverQuota and store nothing (SMTP maps it to 552, RFC 5321 4.5.3.1.10).
//   - The POP3 maildrop (RFC 1939): LockMaildrop takes an exclusive lock and
//     a snapshot of INBOX numbered 1..n; later arrivals are not in it.
//     DELE only marks; Commit is the UPDATE state at QUIT and removes the
//     marked messages that still exist; Release (a dropped connection)
//     removes nothing. UIDLs are "<uidvalidity>.<uid>": unique per user,
//     stable across sessions, printable ASCII and at most 21 characters.
//   - Change notification: a Watcher on a mailbox receives every change
//     made by anyone (new message, expunge, flags, new keyword, rename,
//     delete) in the order the changes were applied, each carrying the
//     virtual time and the Source that made it. Queues are unbounded per
//     watcher, so the store never blocks on a slow reader.
//   - A deterministic generator of realistic RFC 5322 messages (Generate)
//     and importers for .eml files and mbox (mboxo and mboxrd).
//
// # Time
//
// The simulation runs on a virtual clock: times are durations since the
// world started. Operations that happen "at" a virtual time take it (in an
// Op, or an at argument); it is stored on the message and carried on
// events, and a message's internal date is Epoch+at unless one is given.
//
// # Concurrency
//
// Every method of Store, Watcher and Maildrop is safe for concurrent use.
// Snapshots (Message, MailboxInfo, Status, Event) are copies the caller
// owns, except Raw: message bytes are shared, never modified by the store,
// and must not be modified by the caller either.
package mailstore
