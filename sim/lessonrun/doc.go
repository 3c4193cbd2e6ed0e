// Package lessonrun binds lessons to a live lab: Catalog is what it
// offers lessons (the actions, names and functions the lessons package
// validates them against), a Runner owns one sim/lab world on the virtual
// clock, performs a step's action on it and is the lessons.Env a check's
// expressions read, and RunLesson plays a whole lesson headless, the
// learner's actions included, answering every check from the run
// (`mailscope lessons run`, and the tests that keep the built-in lessons
// honest).
//
// What the functions read:
//
//   - trace.count(verb=, protocol=, dir=, status=, device=) counts
//     protocol lines in the lab's trace, one per line: each command line a
//     client sent (dir c2s) and each line of a server's reply (s2c), so a
//     multi-line SMTP reply counts each of its lines. Message bodies, TLS
//     records, connects, closes, dials and faults are not lines, nor is
//     the rest of an IMAP line after a literal. See Runner.TraceTotals.
//     With session=n only one connection counts: the n-th (from 1) of
//     those protocol= and device= select, or from the end when n is
//     negative (-1: the last); one that does not exist counts nothing.
//   - trace.bytes(...) sums the payload bytes (line terminators included,
//     TLS and TCP overhead not) of the matching lines and of the message
//     bodies they carry.
//   - device(name) is the device's own view (mua.View): visible, unread,
//     offline_readable, outbox, and offline (working offline by choice);
//     flagged counts its INBOX's messages with \Flagged.
//   - mailbox(user, folder="INBOX") is the mailbox in the store: count,
//     unseen (without \Seen), flagged (with \Flagged) and bytes (the
//     messages' sizes).
//   - run.sim_seconds is the run's clock (when the last action ended),
//     run.bytes_up and run.bytes_down every payload byte of the trace by
//     direction, run.connections the trace's sessions, run.online_seconds
//     and run.cost the dial-up calls; link.preset and link.rtt_ms the
//     current link.
//
// inject-fault arms a link fault (sim/link FaultSpec) on the live lab
// (lab.ArmFault): the next connection it matches gets it, the ones after
// do not; an offline spec opens its window from the run's clock. An
// action that fails while an armed fault strikes it returns a
// *FaultError: RunLesson reports it in Report.Faults, as what the lesson
// asked for, and goes on to the checks, which say whether the run did
// what the lesson's text claims.
//
// The mail actions (actions_mail.go) work on a device as its user would:
// reply (sent at once online, held in the outbox offline), compose (into
// the outbox only), delete, move (into a folder that exists),
// create-folder, open-folder (an IMAP device synchronises a folder) and
// search, which asks the server (UID SEARCH) from an online IMAP device
// and looks through the device's own copies otherwise; search.hits and
// search.where read the last one. deliver puts mail from another account
// of the lab (alice, bob) straight into a mailbox, so that a reply has a
// real recipient. set-quota sets an account's quota, quota(user) reads it
// with the bytes used; a message the server then refuses with 552 makes
// the action return a *RefusedError, which RunLesson reports in
// Report.Bounces, as the bounce the lesson asked for.
//
// The actions of actions_run.go:
//
//   - console types lines to a server over a raw connection on the link
//     (client "Console" in the trace), as the app's console does, each
//     after the reply to the one before (SMTP DATA's text up to its dot
//     in one go); it refuses lines a server could not answer one by one
//     (an unended DATA, lines after QUIT, over-long or too many) and waits
//     at most ConsoleReplyWait for a reply.
//   - run-scenario and compare play a built-in scenario on worlds of their
//     own (sim/scenario), not on the lesson's lab: its trace and clock do
//     not move. The results are kept until the next one, for
//     result(protocol, link) and compare.pop3 / compare.imap (the lab's
//     link if it was run, else the first link run).
//   - add-device adds a device reading student's mail with a policy and a
//     TLS mode; a device of that name is replaced, its local copies gone.
//   - idle and poll keep a device waiting for mail for minutes on the
//     run's clock while messages reach the server from outside, straight
//     into the store at their virtual times (they never cross the
//     reader's line): idle holds one IMAP connection in IDLE and the
//     server pushes each message; poll checks every so many minutes (and
//     once more at the end), hanging up a dial-up line after each check.
//     watched(device) says how long the messages waited before the device
//     listed them, and what the wait cost.
//
// trace.count and trace.bytes also take tls= (true: what crossed inside
// TLS records, shown decrypted; false: what crossed in the clear) and
// secret= (true: the lines carrying a password or login data, which the
// trace masks).
//
// The trace, the clock and the last search start again at every
// reset-lab.
//
// Attach binds a Runner to a lab someone else owns instead: the desktop
// app's live lab, beside the learner's own actions. Actions run at the
// live clock's now; reset-lab cleans that lab in place (devices, mail,
// faults, the link's offline state) and marks where the run starts in
// its trace (TraceFrom), so that the checks count what a trace view
// showing the rows from that mark shows, and run.online_seconds and
// run.cost count from the reset. Detect says whether the learner has
// done the action a step asks of them, from the lab and the trace.
package lessonrun
