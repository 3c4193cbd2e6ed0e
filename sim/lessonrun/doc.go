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
//   - trace.bytes(...) sums the payload bytes (line terminators included,
//     TLS and TCP overhead not) of the matching lines and of the message
//     bodies they carry.
//   - device(name) is the device's own view (mua.View): visible, unread,
//     offline_readable, outbox, and offline (working offline by choice).
//   - mailbox(user, folder="INBOX") is the mailbox in the store: count,
//     unseen (without \Seen) and bytes (the messages' sizes).
//   - run.sim_seconds is the run's clock (when the last action ended),
//     run.bytes_up and run.bytes_down every payload byte of the trace by
//     direction, run.connections the trace's sessions, run.online_seconds
//     and run.cost the dial-up calls; link.preset and link.rtt_ms the
//     current link.
//
// The trace and the clock start again at every reset-lab.
package lessonrun
