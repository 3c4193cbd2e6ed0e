package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim/mailstore"
)

func TestSetQuota(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	st, err := a.Lab.SetQuota("bob", 2000)
	if err != nil {
		t.Fatal(err)
	}
	for _, acc := range st.Accounts {
		if acc.Name == "bob" && acc.Quota != 2000 {
			t.Errorf("bob's quota %d", acc.Quota)
		}
	}
	if n := len(rec.named(EventLabChanged)); n != 1 {
		t.Errorf("%d lab:changed events, want 1", n)
	}
	if _, err := a.Lab.SetQuota("bob", -1); err == nil {
		t.Error("a negative quota was accepted")
	}
	if _, err := a.Lab.SetQuota("nobody", 10); !errors.Is(err, mailstore.ErrNoSuchUser) {
		t.Errorf("SetQuota(nobody) = %v", err)
	}
	// Over the quota, SMTP refuses: the sender's outcome says so.
	r, err := a.Actions.SendMail(DraftDTO{From: "alice", To: []string{"bob@mailscope.lab"}, Subject: "Big", Body: strings.Repeat("x", 3000)})
	if err == nil || !strings.Contains(r.Outcome, "552") {
		t.Errorf("SendMail over quota = %+v, %v", r, err)
	}
}
