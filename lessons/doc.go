// Package lessons holds Mailscope's lessons — Markdown files with YAML
// front matter, embedded into the binary — and their loader, validator,
// expression language and grading. It imports nothing from sim/ or app/:
// a lesson names actions, values and functions by id, a runner in sim/
// offers them in a Catalog and evaluates expressions through an Env.
//
// # The format
//
// One file per lesson. The front matter holds the data; the body holds
// the story: the Markdown before the first "## Step: <id>" heading is the
// lesson's Intro, and each "## Step: <id>" section (up to the next one) is
// that step's narrative. That is the primary way to write a narrative; a
// short one may instead be given in the front matter as narrative:, but
// not both. Headings inside fenced code blocks do not count.
//
//	---
//	id: pop3-basics            # kebab-case, unique in the course
//	title: POP3 downloads, then deletes
//	order: 3                   # the course is sorted by order, then id
//	minutes: 10                # 5 to 15
//	level: beginner            # beginner | intermediate | advanced
//	link: dialup-56k           # optional: the link preset it runs on
//	objectives: [Say when POP3 removes a message from the server]
//	prerequisites: [journey]   # lesson ids; no cycles
//	claims: [pop3-delete]      # ids from ClaimIDs
//	steps:
//	  - id: fetch
//	    title: The Home PC checks its mail
//	    claims: [pop3-delete]  # among the lesson's claims
//	    action: {do: check-mail, with: {device: Home PC}}
//	    by: app                # app (default) or learner: asked, then detected
//	    watch: {trace: {protocol: pop3}, view: server, highlight: {verb: DELE}}
//	    check:
//	      kind: number
//	      question: How many DELE commands did the Home PC send?
//	      answer: trace.count(verb="DELE")
//	      tolerance: 0         # absolute (2) or relative (5%)
//	      hints: [Filter the trace by DELE.]
//	      explanation: One DELE per message downloaded.
//	---
//	Text before the first step: the lesson's introduction.
//
//	## Step: fetch
//
//	The Home PC logs in, downloads each message and marks it deleted.
//
// link names a link preset from the Catalog's Links. A lesson that names
// one runs on it (its lab starts there and each reset-lab returns to it)
// unless the learner, or `mailscope lessons run --link`, chooses another
// link: the lesson's checks must hold on any preset, since their answers
// come from the run. A lesson without link: runs on the runner's default.
//
// watch.trace and watch.highlight are either the text a learner would
// type into the trace's filter box or fields ({verb: DELE, protocol:
// pop3}); watch.view names a mailbox view.
//
// # Checks
//
// A check's answer comes from the learner's run through an expression,
// never from a number written into the lesson:
//
//   - number: answer: <expr → number>, tolerance: 2 (absolute) or 5%
//     (relative to the run's value); none means exact.
//   - choice: options: [{text: …, correct: <expr → bool>}, …] — the run
//     decides which options are right, and the learner must pick exactly
//     those (several may be right; an option that is never right says
//     correct: false) — or options: [text, …] with answer: <expr → string>
//     yielding the text of the right one.
//   - text: answer: <expr> compared without regard to case, runs of
//     spaces, surrounding quotes and a final full stop.
//   - task: prompt: (what to do) and goal: <expr → bool> on the lab,
//     such as device("Laptop").unread == 3.
//
// Every check may have question, hints and explanation (question is
// required except for a task).
//
// The concept rule: an answer that reads nothing from the run — a literal
// answer:, accept: [..] on a text check, or choice options whose every
// correct: is a constant — is refused unless the check says concept:
// true. That marks a question about the protocol itself ("Which command
// sends the message's text?", accept: [DATA]), where the answer is a word
// of the RFC, not a measurement of this run.
//
// # Expressions
//
// Numbers, strings ("…" or '…', with \" \\ \n \t), true and false; dotted
// names (run.cost); calls with positional and keyword arguments
// (trace.count(verb="RETR", dir="c2s"), mailbox("student", "INBOX")),
// members of their results (device("Laptop").unread); == != < <= > >=
// (which do not chain); + - * /; and, or, not; parentheses. Precedence,
// loosest first: or, and, not, comparison, + -, * /, unary -, calls and
// members. An expression is at most MaxExprLen bytes and MaxExprDepth
// levels deep. Compile parses it once, at load, and checks every name,
// function, argument, keyword, enum value and member against the Catalog,
// with "did you mean" for near misses; Eval runs it against an Env and
// returns errors (a failing Env, a division by zero), never panics.
//
// # Loading
//
// Builtin and LoadDir validate against the caller's Catalog (nil checks
// the format and the expressions' syntax only, enough for `mailscope
// lessons --json`). LoadDir adds a teacher's folder (DefaultDir, or one
// the caller chooses); a teacher's file with a built-in lesson's id
// replaces it. Every mistake of every file is reported, each as
// file:line: field: message:
//
//	lessons/builtin/01-journey.md:14: steps[2].check.answer: unknown function "trace.cnt" (did you mean "trace.count"?)
//
// Field paths count list items from 0.
//
// # What the built-in lessons need from a runner
//
// The catalogue the built-in lessons are validated against in the tests
// (catalog_test.go, testCatalog) is the contract; a runner may offer
// more, and its tests should call Catalog.Validate and Builtin with its
// catalogue. Lesson 1 uses:
//
// Actions:
//
//	reset-lab                                 the lab's default world, empty mailboxes
//	                                          (optional seed, messages: numbers)
//	send       from: device, to: address, subject (optional), body (optional)
//	check-mail device: Home PC | Laptop | Phone
//	read       device, message (optional; default: the newest unread)
//
// Functions and names (counts and bytes are over the lesson's run so far):
//
//	trace.count(verb=, protocol=, dir=, status=, device=) → number of trace lines
//	trace.bytes(verb=, protocol=, dir=, status=, device=) → their payload bytes
//	device(name) → {visible, unread, offline_readable, outbox: number; offline: bool}
//	mailbox(user, folder="INBOX") → {count, unseen, bytes}
//
// protocol is smtp, pop3 or imap; dir is c2s or s2c; status is a reply
// code ("250", "+OK"). Views: server, Home PC, Laptop, Phone. Trace filter
// fields: protocol, verb, dir, status, device. The lab's default devices
// are those of sim/lab: Home PC (POP3, deletes), Laptop and Phone (IMAP),
// all reading the account student@mailscope.lab.
//
// Lesson 3 (pop3-delete) adds:
//
//	inject-fault spec: a sim/link fault spec ("reset@pop3,after=1500"), armed
//	             for the next connection it matches
//	trace.count(..., session=n)  only the n-th connection of those protocol=
//	                             and device= select (from 1; -1 the last)
//
// and lesson 5 (imap-state):
//
//	flag       device, message (optional; default the newest), flag: flagged | seen (optional; default flagged)
//	device(name).flagged, mailbox(user, folder).flagged → messages with \Flagged
//
// Lessons 4 (offline-reading), 6 (folders-search), 7 (two-devices) and 9
// (capacity) add:
//
//	set-link      preset: a link preset (dialup-56k)
//	go-offline    device (optional: none takes the whole link down)
//	go-online     device (optional), which sends the device's outbox
//	deliver       from: alice | bob, to (optional; default student), subject, body:
//	              mail from another account, put straight into the mailbox
//	reply         device, message (optional), body (optional): sent at once
//	              online, held in the outbox offline
//	compose       from: device, to, subject, body: into the outbox, unsent
//	delete        device, message (optional)
//	move          device, message (optional), folder (one that exists)
//	create-folder device, folder
//	open-folder   device, folder: an IMAP device synchronises it
//	search        device, text, folder (optional; default INBOX)
//	set-quota     user (optional; default student), bytes
//	search.hits, search.where    the last search: matches, "server" or "local"
//	quota(user="student")        → {used, limit} bytes
//	device(name).folders         the folders it shows, INBOX included
//	device.folder(device, folder) → {count, unread, offline_readable}
//	run.cost, run.online_seconds, run.connections
//
// Lesson 2 (smtp-by-hand) types into the console, whose connections the
// trace names "Console":
//
//	console    service: smtp | pop3 | imap, lines: the lines to type (a list,
//	           or one per line of a text); the app fills them in for the
//	           learner, a headless run types them and reads each reply
//	trace.count(..., device="Console")
//
// Lesson 8 (dialup-vs-broadband, link: dialup-56k) and lesson 10
// race a scenario (sim/scenario's built-in ids) on links of their choice:
//
//	compare       scenario, links: presets (optional; default the scenario's)
//	run-scenario  scenario, policy: pop3 | imap (optional), link (optional)
//	result(protocol, link) → {cost, sim_seconds, online_seconds, bytes_down,
//	              bytes_up, round_trips, connections, left_on_server,
//	              offline_readable, notice_delay_seconds, …} of the last one
//	compare.pop3.cost, compare.imap.bytes_down, …: result() on the default link
//
// Lessons 10 and 12 set a device up again, and lesson 11 waits for mail:
//
//	add-device  name, policy: pop3-delete | pop3-keep | imap-online | imap-offline,
//	            tls: none | starttls | tls (optional)
//	idle        device (IMAP), minutes, messages (optional): IDLE while mail arrives
//	poll        device, every (minutes), minutes, messages (optional)
//	watched(device) → {messages, noticed, delay_avg_seconds, connections, checks, bytes_down}
//
// and lesson 12 reads what crossed in the clear: trace.count(...,
// tls=true|false, secret=true|false).
//
// A parameter marked List in the catalogue (lines, links) takes a YAML
// list, each item checked against the parameter's enum. The test
// catalogue also describes keep-on-serve and the other run.* metrics
// (round_trips, bytes_up, bytes_down, sim_seconds), link.preset and
// link.rtt_ms.
package lessons
