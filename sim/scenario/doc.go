// Package scenario tells the same story twice, once with POP3 and once
// with IMAP, over the same simulated link, and counts what each costs.
//
// # Scenarios are data
//
// A scenario is a YAML file (Parse; the built-in ones are in builtin/, a
// teacher's own are loaded from a directory by Load): a seeded mailbox
// (message count, sizes, attachments, a quota, a planted keyword),
// devices with a POP3 and an IMAP policy, and timed steps: check, read,
// reply, compose, send, search, move, delete, watch (IMAP IDLE or POP3
// polling), deliver (mail from outside), hangup, offline, online. Unknown
// fields are errors, so a typo is reported, not ignored. Each action is a
// type in a file of its own (step_check.go, ...) holding what it needs,
// whether it uses the network and what it does; actions.go lists them.
//
// # Runs
//
// Run builds a fresh world for each run (a mail store, the real SMTP,
// POP3 and IMAP servers of sim/smtpd, sim/pop3d and sim/imapd, and the
// mail clients of sim/mua) and plays the steps on the virtual clock, in
// time order across devices. Mail from outside arrives over a second,
// perfect link, so it never counts as the reader's traffic; over quota
// the server refuses it with 552 and the run counts it.
//
// On a metered link (a dial time or a tariff) the runner dials before a
// step that needs the network and hangs up after a step when the next
// one needs no network or is more than five minutes away, as a user
// paying by the minute would. An IMAP device keeps its session open
// between steps under the same rule (a mail program left open), so an
// IMAP client reading on the server stays on the line while its user
// reads: the point of the dial-up scenario.
//
// # Metrics
//
// Every run, step and device has Totals: time on the network and its
// parts (dialling, connection set-up, round trips × RTT, transfer), bytes
// each way (payload and on the wire), round trips, connections, calls,
// online time and cost. A run adds the time until the first message was
// readable, the messages and bytes left on the server, mail delivered and
// refused, how long new mail waited before a device listed it, and what
// each device shows and can still read offline. In a lock-step run the
// parts add up to the time on the network exactly (TestFidelity).
//
// The same scenario on the same link gives the same numbers on every run:
// mailboxes are generated from a seed, jitter is seeded, and the counters
// come from the link's virtual clock, never the wall clock.
//
// # Comparison
//
// Compare runs a scenario with POP3 and with IMAP over each link, in
// parallel (the worlds share nothing), with the round-trip savers as
// Switches: SMTP PIPELINING (RFC 2920), POP3 PIPELINING (RFC 2449) and
// IMAP headers-then-bodies. WriteTable, WriteJSON and WriteCSV print the
// results; `mailscope compare` and the desktop app's race view use them.
package scenario
