// Package mua simulates mail clients ("devices"): a named client such as
// "Home PC", "Laptop" or "Phone" with an account, a local store, an outbox
// and a retrieval policy, whose every connection crosses a sim/link Link on
// the virtual clock.
//
// It drives real client libraries, never a second client of its own:
//   - POP3 (RFC 1939) through github.com/knadh/go-pop3, whose Dialer is a
//     link.Dialer so the link sits in its path. What the library lacks is
//     sent through its raw API (Conn.Cmd, Send, ReadOne, ReadAll): CAPA
//     (RFC 2449), command pipelining (RFC 2449 6.6: a batch of RETR or DELE
//     in one write, then the responses in order), AUTH PLAIN (RFC 5034),
//     APOP (RFC 1939 7; a thin conn under the library keeps the greeting's
//     timestamp, which go-pop3 drops) and STLS (RFC 2595; the same conn
//     swaps TLS in under the library). USER/PASS is sent without the NOOP
//     that the library's Auth adds.
//   - IMAP (RFC 3501, RFC 9051) through go-imap/v2's imapclient over a
//     link-dialled conn, waiting for the greeting before the first command.
//     Headers first (ENVELOPE, FLAGS, RFC822.SIZE) with bodies on Open, or
//     whole messages for offline reading; flag changes, UID MOVE (RFC 6851,
//     with the library's COPY fallback), \Deleted + UID EXPUNGE (UIDPLUS,
//     RFC 4315) or EXPUNGE, SEARCH TEXT on the server, APPEND of sent mail,
//     and IDLE (RFC 2177) for always-on push.
//   - Submission (RFC 6409) through go-smtp's client with AUTH PLAIN
//     (RFC 4954). go-smtp's client has no PIPELINING (RFC 2920): it waits
//     for each reply before the next command, so submission is lock-step.
//     With Policy.SMTPPipelining and a server that lists PIPELINING, the
//     client still greets, says EHLO and authenticates, and then a small
//     raw client on the same conn sends each message's MAIL, RCPTs and
//     DATA as one write, reads their replies, sends the dot-stuffed text
//     and reads its 250 (not over STARTTLS, whose conn go-smtp keeps).
//   - TLS: implicit (RFC 8314) or STARTTLS/STLS (RFC 3207, 2595, 3501)
//     for all three, with the device's tls.Config.
//
// # Policies
//
//   - POP3Delete: download everything, delete it from the server.
//   - POP3Keep: "leave a copy on the server": remember the UIDLs seen,
//     download only new ones, optionally delete from the server after N days.
//   - IMAPOnline: headers first; a body crosses the link only when the user
//     opens that message.
//   - IMAPOffline: synchronise whole messages for offline reading, either in
//     one FETCH or headers first and then bodies.
//
// By default every network action connects, logs in and logs out, as a
// client that checks mail and hangs up; Policy.IMAPStayConnected keeps one
// IMAP session open between actions instead, and StartIdle holds one in
// IDLE for push.
//
// # Time and metrics
//
// Every action starts at a virtual time the caller gives (the device never
// starts an action before its previous one ended) and returns an
// ActionResult: virtual start and end (the client conn's final clock),
// connections, payload and wire bytes each way, round trips (client turns),
// time until the first message was readable, messages downloaded, and the
// link.Stats of each connection. Round trips are the client's turns as the
// link counts them. A dial-up call's DialTime and tariff are not added here:
// the scenario runner owns the call. Actions that need no network (reading
// downloaded mail, composing, searching a POP3 device's local copies) run
// offline and cost nothing.
//
// # What the user does
//
// CheckMail, Open, MarkRead, Flag, Delete, Move, CreateFolder (a server
// folder over IMAP, a local one for POP3) and Search (SEARCH on the
// server over IMAP, the local copies for POP3) act as a mail client's
// buttons do. Compose and Reply always write into the outbox, online or
// not; Send, CheckMail and GoOnline send it. A message that cannot go
// (the link or the device offline, a transaction broken midway, a
// refusal) stays in the outbox: nothing is lost. Reply threads the answer
// on the original (In-Reply-To, References) and marks it \Answered, on
// the server too over IMAP once the reply has gone.
//
// # Observing
//
// Config.Observe is told of every change to the device's local state (a
// Change: downloaded, listed, removed, flags, moved, folder created,
// queued, sent, filed, offline, online), synchronously on the goroutine
// running the action, right after the change, so a view can follow the
// device without polling.
//
// # Isolation
//
// Devices share nothing but the servers. A Device is not safe for
// concurrent use: a scenario runner calls one action at a time per device.
package mua
