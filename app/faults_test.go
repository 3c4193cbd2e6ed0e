package app

import (
	"encoding/base64"
	"strings"
	"testing"
)

func decode(t *testing.T, ex ExportDTO) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(ex.Base64)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// faultsEvents returns the payloads of faults:changed so far.
func (r *recorder) faultsEvents() [][]FaultDTO {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out [][]FaultDTO
	for _, e := range r.events {
		if e.name == EventFaultsChanged {
			out = append(out, e.data[0].([]FaultDTO))
		}
	}
	return out
}

// Arm a reply fault from the panel, check mail on the Home PC (POP3),
// see it fire (the count, the event, the trace row), the message stay on
// the server, and disarm it.
func TestFaultsService(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	if _, err := a.Lab.Seed("student", 2); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ spec, want string }{
		{"explode", `unknown kind "explode"`},
		{"offline,for=5s", "Link panel"},
		{"reply@smtp,cmd=EHLO,with=421 x", "cannot be faulted"},
	} {
		if _, err := a.Faults.Arm(bad.spec); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Arm(%q) = %v, want %q", bad.spec, err, bad.want)
		}
	}
	f, err := a.Faults.Arm(" reply@pop3,cmd=RETR,user=student,with=-ERR [SYS/TEMP] try later ")
	if err != nil {
		t.Fatal(err)
	}
	if f.Kind != "reply" || f.Protocol != "pop3" || f.Scope != "user student" || f.Link || f.Fired != 0 || f.ArmedAt == "" {
		t.Errorf("Arm = %+v", f)
	}
	r, err := a.Actions.CheckMail("Home PC")
	if err != nil {
		t.Fatalf("CheckMail: %v", err)
	}
	list := a.Faults.List()
	if len(list) != 1 || list[0].Fired != 2 {
		t.Errorf("after a check of 2 messages: %+v, want the fault fired twice (each RETR), result %+v", list, r)
	}
	if msgs, _ := a.lab.Store.Messages("student", "INBOX"); len(msgs) != 2 {
		t.Errorf("%d messages left on the server, want both (RETR never ran, so neither was deleted)", len(msgs))
	}
	rows := 0
	for ev := range a.lab.Trace.Snapshot().Events() {
		if ev.Kind.String() == "fault" && strings.HasPrefix(ev.Text, f.Spec+": answered RETR") {
			rows++
		}
	}
	if rows != 2 {
		t.Errorf("%d fault rows in the trace, want 2", rows)
	}
	evs := rec.faultsEvents()
	if len(evs) < 3 || len(evs[len(evs)-1]) != 1 || evs[len(evs)-1][0].Fired != 2 {
		t.Errorf("faults:changed: %+v, want one for the arming and one per firing", evs)
	}
	// The export carries the armed faults.
	ex, err := a.Trace.ExportData(FormatJSONL)
	if err != nil || !strings.Contains(decode(t, ex), `{"type":"faults","faults":["reply@pop3,cmd=RETR,user=student,with=-ERR [SYS/TEMP] try later"]}`) {
		t.Errorf("the JSON Lines export lacks the faults record: %v", err)
	}
	if err := a.Faults.Disarm(f.ID); err != nil || len(a.Faults.List()) != 0 {
		t.Errorf("Disarm: %v, %+v", err, a.Faults.List())
	}
	if err := a.Faults.Disarm(f.ID); err == nil {
		t.Error("Disarm of a gone fault succeeded")
	}
	a.Faults.Arm("reset@pop3,after=100")
	a.Faults.Arm("delay@imap,cmd=FETCH,session=3,user=bob,for=1s")
	list = a.Faults.List()
	if len(list) != 2 || !list[0].Link || list[0].Scope != "the next connection" || list[1].Scope != "session 3, user bob" {
		t.Errorf("List = %+v", list)
	}
	a.Faults.Clear()
	if len(a.Faults.List()) != 0 {
		t.Error("Clear left faults")
	}
}
