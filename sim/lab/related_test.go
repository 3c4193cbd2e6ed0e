package lab

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/trace"
)

// lines renders the trace events with the given seqs.
func lines(l *Lab, seqs []uint64) string {
	var out []string
	for ev := range l.Trace.Snapshot().Events() {
		if slices.Contains(seqs, ev.Seq) {
			text := ev.Text
			if ev.Kind == trace.KindBulk {
				text = "[bulk " + ev.Verb + "]"
			}
			out = append(out, ev.Dir.String()+" "+text)
		}
	}
	return strings.Join(out, "\n")
}

// A message and the lines that touched it find each other: POP3 by the
// session's message numbers (fixed when it locked its maildrop), IMAP by
// UID.
func TestRelated(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	l.Seed("student", 3, 8)
	pc, _ := l.NewDevice(DeviceOptions{Name: "Home PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Keep}})
	if _, err := pc.CheckMail(0); err != nil {
		t.Fatal(err)
	}
	laptop, _ := l.NewDevice(DeviceOptions{Name: "Laptop", User: "student", Policy: mua.Policy{Mode: mua.IMAPOffline}})
	if _, err := laptop.CheckMail(time.Minute); err != nil {
		t.Fatal(err)
	}
	second := laptop.Messages("INBOX")[1]
	if _, err := laptop.MarkRead(2*time.Minute, second.ID, true); err != nil {
		t.Fatal(err)
	}

	got := lines(l, l.Touching(MessageRef{Account: "student", Mailbox: "INBOX", UID: second.UID}))
	for _, want := range []string{"C→S RETR 2", "S→C [bulk RETR]", "UID STORE " + strconv.Itoa(int(second.UID)) + " +FLAGS"} {
		if !strings.Contains(got, want) {
			t.Errorf("lines touching UID %d lack %q:\n%s", second.UID, want, got)
		}
	}
	for _, not := range []string{"RETR 1", "RETR 3"} {
		if strings.Contains(got, not) {
			t.Errorf("lines touching UID %d include %q:\n%s", second.UID, not, got)
		}
	}
	// From a line to its message.
	var retr3 uint64
	for ev := range l.Trace.Snapshot().Events() {
		if ev.Text == "RETR 3" {
			retr3 = ev.Seq
		}
	}
	if refs := l.Related(retr3); len(refs) != 1 || refs[0].UID != laptop.Messages("INBOX")[2].UID || refs[0].Account != "student" {
		t.Errorf("Related(RETR 3) = %+v, want the third message", refs)
	}
	if refs := l.Related(1); len(refs) != 0 {
		t.Errorf("Related(the first event, a connect) = %+v, want none", refs)
	}
}

func TestParseUIDSet(t *testing.T) {
	set, err := parseUIDSet("1:3,7,9:*")
	if err != nil {
		t.Fatal(err)
	}
	for uid, want := range map[uint32]bool{1: true, 3: true, 4: false, 7: true, 8: false, 9: true, 12: true} {
		if got := set.Contains(uid, 12); got != want {
			t.Errorf("1:3,7,9:* contains %d = %v, want %v", uid, got, want)
		}
	}
	if _, err := parseUIDSet("1:x"); err == nil {
		t.Error("1:x parsed")
	}
}

// The POP3 numbering kept per session follows the trace's retention:
// with a small budget, the sessions set aside lose theirs, and the lines
// still in memory are still related to their messages.
func TestRelatedFollowsRetention(t *testing.T) {
	l := newLab(t, Options{NoTLS: true, Trace: &trace.Options{Retention: trace.Retention{Budget: 24 << 10, Dir: t.TempDir()}}})
	defer l.Trace.Discard()
	pc, _ := l.NewDevice(DeviceOptions{Name: "Home PC", User: "student", Policy: mua.Policy{Mode: mua.POP3Keep}})
	const checks = 80
	for i := range checks {
		// A new message each time: each session downloads one.
		if err := l.Seed("student", 1, int64(i+1)); err != nil {
			t.Fatal(err)
		}
		if _, err := pc.CheckMail(time.Duration(i) * time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	st := l.Trace.SetAside()
	if st.Spilled == 0 {
		t.Fatalf("SetAside() = %+v, want sessions set aside", st)
	}
	l.relMu.Lock()
	kept := len(l.pop3Drops)
	l.relMu.Unlock()
	if kept >= checks/2 {
		t.Errorf("%d POP3 numberings kept of %d sessions (%d set aside)", kept, checks, st.Spilled)
	}
	// The last session's RETR is related to the newest message.
	var retr uint64
	for ev := range l.Trace.Snapshot().Events() {
		if strings.HasPrefix(ev.Text, "RETR ") {
			retr = ev.Seq
		}
	}
	// (An empty INBOX given one message per check: the newest is UID
	// checks.)
	if refs := l.Related(retr); len(refs) != 1 || refs[0].UID != checks {
		t.Errorf("Related(last RETR) = %+v, want UID %d", refs, checks)
	}
}
