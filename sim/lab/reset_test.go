package lab

import (
	"errors"
	"testing"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/mua"
)

// ResetMail empties every account in place: the store and the mailbox
// views agree, the quota is lifted, and a device that downloaded before
// finds nothing new but still logs in.
func TestResetMail(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	views := l.Views()
	if err := l.Seed("student", 4, 1); err != nil {
		t.Fatal(err)
	}
	if err := l.Seed("alice", 2, 2); err != nil {
		t.Fatal(err)
	}
	if err := l.Store.SetQuota("student", 1<<20); err != nil {
		t.Fatal(err)
	}
	if err := l.Store.CreateMailbox("student", "Projects", mailstore.UseNone); err != nil {
		t.Fatal(err)
	}
	if a, _ := views.Account("student"); len(a.Mailboxes[0].Messages) != 4 {
		t.Fatalf("student's INBOX view before the reset: %+v", a.Mailboxes[0])
	}
	if _, err := l.AddDevice(DefaultDevices()[0]); err != nil {
		t.Fatal(err)
	}

	if err := l.ResetMail(); err != nil {
		t.Fatalf("ResetMail = %v", err)
	}
	for _, u := range []string{"student", "alice"} {
		if msgs, _ := l.Store.Messages(u, "INBOX"); len(msgs) != 0 {
			t.Errorf("%s's INBOX after the reset: %d messages", u, len(msgs))
		}
		a, ok := views.Account(u)
		if !ok || a.Quota != 0 || a.Used != 0 {
			t.Errorf("%s's view after the reset = %+v, %v", u, a, ok)
		}
		for _, mb := range a.Mailboxes {
			if len(mb.Messages) != 0 || mb.Name == "Projects" {
				t.Errorf("%s's view still has %s with %d messages", u, mb.Name, len(mb.Messages))
			}
		}
	}
	if info, _ := l.Store.User("student"); info.Quota != 0 {
		t.Errorf("student's quota after the reset = %d, want 0 (unlimited)", info.Quota)
	}
	err := l.UseDevice("Home PC", func(d *mua.Device) error {
		r, err := d.CheckMail(0)
		if r.Downloaded != 0 {
			t.Errorf("Home PC downloaded %d after the reset", r.Downloaded)
		}
		return err
	})
	if err != nil {
		t.Errorf("Home PC cannot check the reset account: %v", err)
	}
	if err := l.ResetMail("nobody"); !errors.Is(err, mailstore.ErrNoSuchUser) {
		t.Errorf("ResetMail(nobody) = %v, want %v", err, mailstore.ErrNoSuchUser)
	}
}

// ClearFaults disarms what has not struck; ArmedFaultSpecs lists it.
func TestClearFaults(t *testing.T) {
	l := newLab(t, Options{NoTLS: true})
	for _, spec := range []string{"reset@pop3,after=100", "drop@imap,dir=down"} {
		fs, err := link.ParseFault(spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.ArmFault(fs); err != nil {
			t.Fatal(err)
		}
	}
	specs := l.ArmedFaultSpecs()
	if len(specs) != 2 || specs[0].Kind != "reset" || specs[0].Protocol != "pop3" || specs[1].Kind != "drop" {
		t.Fatalf("ArmedFaultSpecs = %+v", specs)
	}
	l.ClearFaults()
	if n := l.ArmedFaults(); n != 0 || len(l.ArmedFaultSpecs()) != 0 {
		t.Errorf("after ClearFaults: %d armed", n)
	}
}
