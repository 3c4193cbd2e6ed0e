package lab

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
)

// An armed fault waits for the first connection it matches, strikes that
// one only, and leaves the Options' faults in place.
func TestArmFault(t *testing.T) {
	var optCalls atomic.Int32
	l := newLab(t, Options{NoTLS: true, Faults: func(link.ConnInfo) []link.Fault {
		optCalls.Add(1)
		return nil
	}})
	for i := 0; i < 2; i++ {
		if _, err := l.Store.Deliver("student", []byte(fmt.Sprintf("From: alice@mailscope.lab\r\nSubject: %d\r\n\r\nbody %d\r\n", i, i)), 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range DefaultDevices() {
		if _, err := l.AddDevice(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, spec := range []string{"offline,for=5s"} {
		fs, err := link.ParseFault(spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.ArmFault(fs); err == nil {
			t.Errorf("ArmFault(%s) = nil, want an error", spec)
		}
	}
	fs, err := link.ParseFault("reset@pop3,after=100")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.ArmFault(fs); err != nil || l.ArmedFaults() != 1 {
		t.Fatalf("ArmFault = %v, %d armed", err, l.ArmedFaults())
	}
	check := func(name string) error {
		return l.UseDevice(name, func(d *mua.Device) error {
			_, err := d.CheckMail(0)
			return err
		})
	}
	// An IMAP connection does not match @pop3: the fault stays armed.
	if err := check("Laptop"); err != nil || l.ArmedFaults() != 1 {
		t.Fatalf("Laptop: %v, %d armed", err, l.ArmedFaults())
	}
	if err := check("Home PC"); !errors.Is(err, link.ErrReset) || l.ArmedFaults() != 0 {
		t.Fatalf("Home PC with the fault: %v, %d armed; want a reset, none left", err, l.ArmedFaults())
	}
	if msgs, _ := l.Store.Messages("student", "INBOX"); len(msgs) != 2 {
		t.Fatalf("after the broken session: %d messages, want 2 (no QUIT, nothing removed)", len(msgs))
	}
	// The next POP3 connection has no fault.
	if err := check("Home PC"); err != nil {
		t.Fatalf("Home PC again: %v", err)
	}
	if msgs, _ := l.Store.Messages("student", "INBOX"); len(msgs) != 0 {
		t.Errorf("after QUIT: %d messages, want 0", len(msgs))
	}
	if optCalls.Load() < 3 {
		t.Errorf("Options.Faults called %d times, want once per connection (3)", optCalls.Load())
	}
}
