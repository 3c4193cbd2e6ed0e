package scenario

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
)

// story parses a small scenario; body gives its mailbox, devices and steps.
func story(t *testing.T, body string) *Scenario {
	t.Helper()
	sc, err := Parse([]byte("id: story\ntitle: A story\n" + body))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// play runs a story once, jitter off.
func play(t *testing.T, body string, p Protocol, linkID string) *Result {
	t.Helper()
	return runWith(t, story(t, body), p, linkID, Switches{})
}

// six is a mailbox of six small messages, every second one about Oslo.
const six = "mailbox: {messages: 6, size: 2KB, seed: 5, keyword: Oslo, keyword_every: 2}\n"

// pc is one device: POP3 keeps a copy, IMAP reads online.
const pc = "devices: [{name: PC, pop3: keep, imap: online}]\n"

// stepError is Parse's error for a scenario with device PC and one step.
func stepError(step string) error {
	_, err := Parse([]byte("id: one\ntitle: One step\n" + pc + "steps: [" + step + "]\n"))
	return err
}

// checkStepErrors parses each step and wants each error (nil: valid).
func checkStepErrors(t *testing.T, cases map[string]string) {
	t.Helper()
	for step, want := range cases {
		err := stepError(step)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v; want it valid", step, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v; want an error containing %q", step, err, want)
		}
	}
}

// wantOutcome fails the test unless a step's outcome (1-based) is want.
func wantOutcome(t *testing.T, r *Result, step int, want string) {
	t.Helper()
	st := r.Steps[step-1]
	if st.Outcome != want {
		t.Errorf("%s/%s step %d (%s): outcome %q, want %q", r.Protocol, r.Link.ID, step, st.Do, st.Outcome, want)
	}
}

// Every action is one kind or the other, describes itself, and lives in
// its own file.
func TestActionRegistry(t *testing.T) {
	if len(Actions) != len(actions) {
		t.Errorf("Actions has %d entries, the registry %d", len(Actions), len(actions))
	}
	for name, act := range actions {
		_, dev := act.(deviceAction)
		_, world := act.(worldAction)
		if dev == world {
			t.Errorf("%s: device action %v, world action %v; want exactly one", name, dev, world)
		}
		if act.help() == "" || Actions[name] != act.help() {
			t.Errorf("%s: help %q, Actions %q", name, act.help(), Actions[name])
		}
		if _, err := os.Stat("step_" + name + ".go"); err != nil {
			t.Errorf("%s: %v; each action has a file of its own", name, err)
		}
	}
	if got := strings.Join(actionNames(), " "); got != "check compose delete deliver hangup move offline online read reply search send watch" {
		t.Errorf("actionNames() = %s", got)
	}
}

// The smallest valid form of each action, and the checks every step gets.
func TestStepCommonChecks(t *testing.T) {
	checkStepErrors(t, map[string]string{
		"{do: check, device: PC}":                       "",
		"{do: read, device: PC}":                        "",
		"{do: reply, device: PC}":                       "",
		"{do: compose, device: PC, count: 1}":           "",
		"{do: send, device: PC}":                        "",
		"{do: search, device: PC, text: x}":             "",
		"{do: move, device: PC, folder: Work}":          "",
		"{do: delete, device: PC}":                      "",
		"{do: deliver, count: 1}":                       "", // the world's: no device
		"{do: watch, device: PC, until: 1h, every: 5m}": "",
		"{do: hangup, device: PC}":                      "",
		"{do: offline, device: PC}":                     "",
		"{do: online, device: PC}":                      "",
		"{do: hangup}":                                  `step 1 (hangup): unknown device ""`,
		"{do: read, device: PC, think: -1s}":            "step 1 (read): negative value",
		"{do: send, device: PC, at: 1h, after: 1m}":     "step 1 (send): at and after both set",
		"{do: delete, device: PC, messages: most}":      `step 1 (delete): messages "most"`,
		"{do: fly, device: PC}":                         "step 1 (fly): unknown action; want one of check, compose, delete, deliver, hangup, move, offline, online, read, reply, search, send, watch",
	})
}

// A scenario made in Go skips Parse; the runner still refuses what it
// cannot run, naming it.
func TestRunRefusesUnknownSteps(t *testing.T) {
	prof, _ := link.Preset("adsl-8m")
	for _, c := range []struct {
		step Step
		want string
	}{
		{Step{Do: "fly", Device: "PC"}, `step 1 (fly, PC): unknown action "fly"`},
		{Step{Do: "check", Device: "Mac"}, `step 1: unknown device "Mac"`},
	} {
		sc := &Scenario{ID: "go", Devices: []Device{{Name: "PC"}}, Steps: []Step{c.step}}
		_, err := Run(context.Background(), sc, RunOptions{Protocol: POP3, Link: prof})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Run(%+v) = %v; want an error containing %q", c.step, err, c.want)
		}
	}
	sc := &Scenario{ID: "go", Devices: []Device{{Name: "PC"}}, Steps: []Step{{Do: "check", Device: "PC"}}}
	if _, err := Run(context.Background(), sc, RunOptions{Protocol: "smtp", Link: prof}); err == nil {
		t.Errorf("Run with protocol smtp: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, sc, RunOptions{Protocol: POP3, Link: prof}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run on a cancelled context = %v, want context.Canceled", err)
	}
}

func TestReason(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("open: %w", mua.ErrWorkingOffline), "working offline"},
		{fmt.Errorf("open: %w", mua.ErrNotDownloaded), "not downloaded, and no network"},
		{fmt.Errorf("dial: %w", link.ErrOffline), "the link is offline"},
		{errors.New("pop3: -ERR maildrop locked"), "pop3: -ERR maildrop locked"},
	} {
		if got := reason(c.err); got != c.want {
			t.Errorf("reason(%v) = %q, want %q", c.err, got, c.want)
		}
	}
	var sr StepResult
	if failed(&sr, nil) || sr.Failed || sr.Outcome != "" {
		t.Errorf("failed(nil) changed the step: %+v", sr)
	}
	if !failed(&sr, mua.ErrWorkingOffline) || !sr.Failed || sr.Outcome != "working offline" {
		t.Errorf("failed(ErrWorkingOffline): %+v", sr)
	}
}

func TestFiller(t *testing.T) {
	a, b := filler(3000, 7), filler(3000, 7)
	if a != b {
		t.Errorf("filler is not deterministic")
	}
	if a == filler(3000, 8) {
		t.Errorf("filler ignores its seed")
	}
	if len(a) < 3000 || len(a) > 3000+80 {
		t.Errorf("filler(3000) is %d bytes", len(a))
	}
	// 73, not 72: the width test leaves out the joining space. Mending
	// that would change every generated body, so every figure.
	for _, line := range strings.Split(a, "\n") {
		if len(line) > 73 {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
	}
	if n := len(filler(0, 1)); n < 600 || n > 700 {
		t.Errorf("filler(0) is %d bytes, want about 600", n)
	}
}
