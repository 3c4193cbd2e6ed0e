package scenario

import (
	"reflect"
	"testing"
	"time"
)

func TestStepDeliverValidate(t *testing.T) {
	checkStepErrors(t, map[string]string{
		"{do: deliver}":                       "step 1 (deliver): count must be at least 1",
		"{do: deliver, count: 20000}":         "step 1 (deliver): count or size too large",
		"{do: deliver, count: 2, size: 1GB}":  "step 1 (deliver): count or size too large",
		"{do: deliver, count: 2, at: 1h}":     "",
		"{do: deliver, count: 2, device: PC}": `step 1 (deliver): names device "PC", but it happens on the server, not on a device`,
	})
}

func TestStepDeliverSchedule(t *testing.T) {
	s := Step{Do: "deliver", At: Duration(time.Hour), Count: 3, Every: Duration(10 * time.Minute)}
	want := []time.Duration{time.Hour, time.Hour + 10*time.Minute, time.Hour + 20*time.Minute}
	if got := (stepDeliver{}).schedule(s); !reflect.DeepEqual(got, want) {
		t.Errorf("schedule = %v, want %v", got, want)
	}
}

// Mail from outside arrives on its timetable over the mx link: the
// reader's link carries none of it.
func TestStepDeliver(t *testing.T) {
	r := play(t, pc+`steps:
  - {do: check, device: PC}
  - {do: deliver, at: 1h, count: 3, every: 10m, size: 5KB}
  - {do: check, device: PC, at: 2h}
`, POP3, "adsl-8m")
	wantOutcome(t, r, 2, "3 delivered, 0 refused (mailbox full)")
	st := r.Steps[1]
	if st.StartSeconds != 3600 || st.EndSeconds < 4800 || st.EndSeconds > 4801 {
		t.Errorf("deliveries from %.3f to %.3f s; want 3600 to just after 4800", st.StartSeconds, st.EndSeconds)
	}
	if st.PayloadDown != 0 || st.PayloadUp != 0 || st.Connections != 0 {
		t.Errorf("delivery counted as the reader's traffic: %+v", st.Totals)
	}
	if st.VisibleAfter["PC"] != 0 {
		t.Errorf("the PC lists %d before checking", st.VisibleAfter["PC"])
	}
	wantOutcome(t, r, 3, "downloaded 3, headers only 0, sent 0; the device now lists 3 (was 0)")
	if r.Delivered != 3 || r.Refused != 0 {
		t.Errorf("delivered %d, refused %d", r.Delivered, r.Refused)
	}
}

// Over quota the server refuses (552); the step fails, the run counts it.
func TestStepDeliverOverQuota(t *testing.T) {
	r := play(t, "mailbox: {messages: 0, quota: 12KB}\n"+pc+`steps:
  - {do: deliver, count: 4, every: 1m, size: 5KB}
  - {do: check, device: PC, at: 1h}
`, IMAP, "adsl-8m")
	wantOutcome(t, r, 1, "2 delivered, 2 refused (mailbox full)")
	if !r.Steps[0].Failed || r.Delivered != 2 || r.Refused != 2 {
		t.Errorf("over quota: failed %v, delivered %d, refused %d", r.Steps[0].Failed, r.Delivered, r.Refused)
	}
}

// Mail arriving at the moment of a check is there for it.
func TestStepDeliverBeforeCheckAtTheSameTime(t *testing.T) {
	r := play(t, pc+`steps:
  - {do: check, device: PC, at: 1h}
  - {do: deliver, at: 1h, count: 1}
`, POP3, "adsl-8m")
	wantOutcome(t, r, 1, "downloaded 1, headers only 0, sent 0; the device now lists 1 (was 0)")
}
