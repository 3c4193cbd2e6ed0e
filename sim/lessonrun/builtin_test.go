package lessonrun

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/link"
)

// Every built-in lesson runs to the end on the default link, on the
// modem and on ISDN, and on its own link with another seed, and gives the
// answers its text promises, the same on all: what they count follows
// from the protocols.
func TestBuiltinLessonsOnThreeLinks(t *testing.T) {
	set, err := lessons.Builtin(Catalog())
	if err != nil {
		t.Fatal(err)
	}
	modem, _ := link.Preset("dialup-56k")
	want := map[string]map[string]string{
		"pop3-delete": {
			"download":      "3",
			"inbox-empty":   "0",
			"broken-check":  "1", // the short message's DELE, before the long one broke
			"nothing-lost":  "Still in the INBOX on the server",
			"count-removed": "0",
			"commit-word":   "QUIT",
			"bytes-before":  "1500", // the fault's after=
		},
		"smtp-by-hand": {
			"first-words":  "A greeting with the code 220",
			"by-hand":      "354: go on, send the text and end it with a line holding a single dot",
			"arrived":      "1",
			"goodbye":      "221",
			"out-of-order": "With a 5xx refusal",
			"nothing-new":  "1",
		},
		"dialup-vs-broadband": {
			"modem-bill":     "POP3",
			"why-dearer":     "It stayed online while its user read; the bytes were about the same",
			"broadband-bill": "Neither; the line is flat-rate and both cost nothing per minute",
		},
		"too-simple": {
			"headers-only":  "0",
			"keep-check":    "On the Home PC, and still on the server",
			"which-lighter": "The Phone, over IMAP",
			"uidl-again":    "0",
			"offline-imap":  "About the same, within a third",
			"left-behind":   "20", // the scenario's mailbox
		},
		"push-or-poll": {
			"phone-idles": "1",
			"idle-again":  "4", // one, and one after each of the 3 pushes
			"home-polls":  "4", // at 0, 10, 20 and 30 minutes
			"who-first":   "The Phone, in IDLE",
			"all-day":     "IMAP's IDLE, which keeps the line up all day",
		},
		"passwords": {
			"plain-pop3":  "1",
			"plain-smtp":  "No; the line crossed in the clear, and base64 is only an encoding that anyone can undo",
			"secure-pop3": "Inside TLS records, unreadable without the session's keys",
			"before-tls":  "2", // CAPA and STLS
			"tls-word":    "STLS",
		},
		"imap-state": {
			"laptop-check": "3",
			"read-one":     "2",
			"flag-one":     "1",
			"where-seen":   "In the mailbox on the server",
			"phone-check":  "done",
			"phone-unread": "2",
		},
		"offline-reading": {
			"work-offline":  "done",
			"read-offline":  "No: the whole message was already on the Home PC",
			"readable":      "2",
			"reply-offline": "In the Home PC's outbox, waiting for the next call",
			"reply-bob":     "2",
			"next-call":     "2", // both replies in one SMTP session
			"delivered":     "In Alice's mailbox on the server, waiting for her client",
			"the-bill":      fmt.Sprint(2 * (modem.Tariff.PerCall + modem.Tariff.PerMinute)), // two calls of less than a minute
		},
		"folders-search": {
			"search-server": "2",
			"make-folder":   "On the server, in student's account",
			"file-kit":      "2",
			"phone-folder":  "done",
			"home-check":    "No: POP3 collects only the INBOX",
			"home-search":   "In its own copies, which it had to download first",
			"compare-cost":  "The Home PC's download",
		},
		"two-devices": {
			"phone-first":    "4",
			"home-collects":  "0",
			"laptop-late":    "Nothing: the Home PC took the mail off the server",
			"phone-again":    "0",
			"read-on-laptop": "1",
			"flag-on-phone":  "1",
			"phone-syncs":    "done",
			"where-learnt":   "From the server, which keeps each message's flags",
			"home-flags":     "No: POP3 downloads the message, not its flags",
		},
		"capacity": {
			"one-more":      "552: the mailbox is full, nothing delivered",
			"where-bounced": "Still in the Laptop's outbox",
			"try-again":     "done",
			"pop3-empties":  "0",
		},
	}
	ids := map[string]bool{}
	for _, l := range set.List() {
		ids[l.ID] = true
		for _, o := range []Options{{Link: DefaultLink}, {Link: "dialup-56k"}, {Link: "isdn-128k"}, {Seed: 7}} {
			preset := o.Link
			if o.Seed != 0 {
				preset = fmt.Sprintf("its own link, seed %d", o.Seed)
			}
			rep, err := RunLesson(l, o)
			if err != nil {
				t.Errorf("%s on %s: %v", l.ID, preset, err)
				continue
			}
			if !rep.OK || len(rep.Checks) == 0 {
				t.Errorf("%s on %s: %+v", l.ID, preset, rep)
			}
			got := answers(rep)
			for step, a := range want[l.ID] {
				if got[step] != a {
					t.Errorf("%s on %s: step %s answered %q, want %q", l.ID, preset, step, got[step], a)
				}
			}
			if l.ID == "pop3-delete" && (len(rep.Faults) != 1 || !strings.Contains(rep.Faults[0], "step broken-check: check-mail") || !strings.Contains(rep.Faults[0], "RETR 2")) {
				t.Errorf("%s on %s: faults %q, want the broken check cut off in RETR 2", l.ID, preset, rep.Faults)
			}
			if l.ID == "capacity" && (len(rep.Bounces) != 1 || !strings.Contains(rep.Bounces[0], "step one-more: send") || !strings.Contains(rep.Bounces[0], "552")) {
				t.Errorf("%s on %s: bounces %q, want the third message refused with 552", l.ID, preset, rep.Bounces)
			} else if l.ID != "capacity" && len(rep.Bounces) != 0 {
				t.Errorf("%s on %s: bounces %q", l.ID, preset, rep.Bounces)
			}
		}
	}
	for id := range want {
		if !ids[id] {
			t.Errorf("no built-in lesson %s", id)
		}
	}
}

// cut removes the text from the line that starts with from up to (not
// including) the line that starts with to.
func cut(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	j := strings.Index(s[i+1:], to)
	if i < 0 || j < 0 {
		t.Fatalf("no %q … %q", from, to)
	}
	return s[:i] + s[i+1+j:]
}

// Lesson 3 without its fault: the Home PC's second check ends with QUIT,
// the server removes both messages, and the lesson's claim that nothing
// was lost has no right answer: its answers come from the run.
func TestPop3DeleteNeedsTheFault(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "lessons", "builtin", "03-pop3-delete.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := cut(t, string(b), "  - id: break-the-line\n", "  - id: broken-check\n")
	text = cut(t, text, "## Step: break-the-line\n", "## Step: broken-check\n")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "03-pop3-delete.md"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := lessons.LoadDir(dir, Catalog())
	if err != nil {
		t.Fatal(err)
	}
	l, err := set.Get("pop3-delete")
	if err != nil || l.Builtin || len(l.Steps) != 10 {
		t.Fatalf("the copy: %v, %+v", err, l)
	}
	rep, err := RunLesson(l, Options{})
	if err == nil || rep.OK || len(rep.Faults) != 0 {
		t.Fatalf("RunLesson without the fault = %+v, %v; want it to fail", rep, err)
	}
	got := answers(rep)
	if !strings.Contains(err.Error(), "step nothing-lost") || got["broken-check"] != "2" || got["count-removed"] != "2" {
		t.Errorf("without the fault: %v, answers %v; want nothing-lost unanswerable, 2 DELE and 2 removed", err, got)
	}
}

// A lesson whose actions stop doing what its text says fails: without the
// step that sets the scene, the claim's check has no right answer.
func TestLessonsNeedTheirSetUp(t *testing.T) {
	for _, tt := range []struct {
		file, step, next string // the step taken out, and the one after it
		fails            string // the step that must fail then
	}{
		{"04-offline-reading.md", "work-offline", "read-offline", "step reply-offline"}, // online, the reply leaves at once
		{"06-folders-search.md", "make-folder", "file-bus", "step file-bus"},            // no folder to move into
		{"07-two-devices.md", "home-collects", "laptop-late", "step laptop-late"},       // nobody empties the mailbox
		{"09-capacity.md", "small-mailbox", "field-notes", "step one-more"},             // no quota, no bounce
	} {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "lessons", "builtin", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			text := cut(t, string(b), "  - id: "+tt.step+"\n", "  - id: "+tt.next+"\n")
			text = cut(t, text, "## Step: "+tt.step+"\n", "## Step: "+tt.next+"\n")
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			set, err := lessons.LoadDir(dir, Catalog())
			if err != nil {
				t.Fatal(err)
			}
			var l *lessons.Lesson
			for _, x := range set.List() {
				if !x.Builtin {
					l = x
				}
			}
			if l == nil {
				t.Fatal("the copy did not load")
			}
			rep, err := RunLesson(l, Options{})
			if err == nil || rep.OK || !strings.Contains(err.Error(), tt.fails) {
				t.Errorf("%s without %s = %v; want %s to fail", l.ID, tt.step, err, tt.fails)
			}
		})
	}
}

// A built-in lesson changed so that its lab no longer does what its text
// says must fail: its claim-stating check then has no right answer.
func TestLessonsFailWhenTheLabDoesNot(t *testing.T) {
	for _, tt := range []struct {
		file, id, old, new, step string
	}{
		// The Home PC never turns on STARTTLS: the password stays in the clear.
		{"12-passwords.md", "passwords", "tls: starttls}}", "tls: none}}", "secure-pop3"},
		// The Home PC deletes after all: nothing is left on the server.
		{"10-too-simple.md", "too-simple", "policy: pop3-keep}}", "policy: pop3-delete}}", "keep-check"},
		// The sender comes first: the RCPT is accepted.
		{"02-smtp-by-hand.md", "smtp-by-hand", "          - EHLO console.mailscope.lab\n          - RCPT TO:<student@mailscope.lab>\n          - QUIT",
			"          - EHLO console.mailscope.lab\n          - MAIL FROM:<alice@mailscope.lab>\n          - RCPT TO:<student@mailscope.lab>\n          - QUIT", "out-of-order"},
		// The Phone polls instead of waiting in IDLE.
		{"11-push-or-poll.md", "push-or-poll", "do: idle, with: {device: Phone, minutes: 30, messages: 3}", "do: poll, with: {device: Phone, every: 30, minutes: 30, messages: 3}", "who-first"},
	} {
		t.Run(tt.id, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "lessons", "builtin", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tt.old) {
				t.Fatalf("%s has no %q", tt.file, tt.old)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(strings.Replace(string(b), tt.old, tt.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			set, err := lessons.LoadDir(dir, Catalog())
			if err != nil {
				t.Fatal(err)
			}
			l, err := set.Get(tt.id)
			if err != nil || l.Builtin {
				t.Fatalf("the copy: %v, %+v", err, l)
			}
			rep, err := RunLesson(l, Options{})
			if err == nil || rep.OK || !strings.Contains(err.Error(), "step "+tt.step+":") {
				t.Errorf("RunLesson of the changed %s = %v; want step %s to fail", tt.id, err, tt.step)
			}
		})
	}
}
