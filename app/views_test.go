package app

import (
	"strings"
	"testing"
)

// The views stream what the servers do: a POP3 check's marks and
// expunges arrive as views:changed batches, and the servers panel's
// counts follow from the same source (lab:changed), with no reload.
func TestViewsService(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	if _, err := a.Lab.Seed("student", 3); err != nil {
		t.Fatal(err)
	}
	snap, err := a.Views.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var inbox *MailboxViewDTO
	for i, acc := range snap.Accounts {
		if acc.Name == "student" {
			inbox = &snap.Accounts[i].Mailboxes[0]
		}
	}
	if inbox == nil || inbox.Name != "INBOX" || len(inbox.Messages) != 3 || inbox.Messages[0].Subject == "" || inbox.Messages[0].Date == "" {
		t.Fatalf("snapshot's student INBOX = %+v; want 3 messages with subject and date", inbox)
	}
	// The seeding's changes are in the snapshot already, or come after it
	// with a larger seq: the UI drops those at or below snap.Seq.
	if _, err := a.Actions.CheckMail("Home PC"); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	rec.waitEvent(t, EventViewsChanged, func(d any) bool {
		for _, c := range d.(ViewsBatchDTO).Changes {
			if c.Seq > snap.Seq && c.Account == "student" {
				kinds[c.Kind]++
			}
		}
		return kinds["expunge"] == 3
	})
	if kinds["pop3-marked"] != 3 || kinds["pop3-committed"] != 1 {
		t.Errorf("changes after the snapshot: %v; want 3 marks, a commit, 3 expunges", kinds)
	}
	rec.waitEvent(t, EventLabChanged, func(d any) bool {
		for _, acc := range d.(LabStateDTO).Accounts {
			if acc.Name == "student" {
				return acc.Inbox == 0 && acc.Unseen == 0
			}
		}
		return false
	})
}

// A message and its lines select together, through the service.
func TestViewsRelated(t *testing.T) {
	a := newApp(t, &recorder{})
	a.Lab.Seed("student", 2)
	if _, err := a.Actions.CheckMail("Home PC"); err != nil {
		t.Fatal(err)
	}
	seqs, err := a.Views.Touching(MessageRefDTO{Account: "student", Mailbox: "INBOX", UID: 2})
	if err != nil || len(seqs) < 3 {
		t.Fatalf("Touching(UID 2) = %v, %v; want its RETR, reply, body and DELE", seqs, err)
	}
	refs, err := a.Views.Related(seqs[0])
	if err != nil || len(refs) != 1 || refs[0].UID != 2 {
		t.Errorf("Related(%d) = %+v, %v; want UID 2 (expunged since, still named)", seqs[0], refs, err)
	}
}

// The devices are in the views: the snapshot lists them, a check's
// downloads stream as device changes, and a server message opens for
// reading with no traffic.
func TestViewsDevicesAndReading(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	a.Lab.Seed("student", 2)
	snap, _ := a.Views.Snapshot()
	var names []string
	for _, d := range snap.Devices {
		names = append(names, d.Name+"/"+d.Policy)
	}
	if got := strings.Join(names, " "); got != "Home PC/pop3-delete Laptop/imap-offline Phone/imap-online" {
		t.Errorf("snapshot devices: %s", got)
	}
	var uid uint32
	for _, acc := range snap.Accounts {
		if acc.Name == "student" {
			uid = acc.Mailboxes[0].Messages[0].UID
		}
	}
	before := a.lab.Trace.Len()
	r, err := a.Views.Read(MessageRefDTO{Account: "student", Mailbox: "INBOX", UID: uid})
	if err != nil || r.Text == "" || len(r.Headers) == 0 || r.Device != "" || r.ID != int(uid) {
		t.Fatalf("Read(server UID %d) = %+v, %v; want headers and text", uid, r, err)
	}
	if a.lab.Trace.Len() != before {
		t.Errorf("reading on the server put %d events in the trace, want none", a.lab.Trace.Len()-before)
	}
	if _, err := a.Views.Read(MessageRefDTO{Account: "student", Mailbox: "INBOX", UID: 999}); err == nil {
		t.Error("reading a message that is not there succeeded")
	}

	if _, err := a.Actions.CheckMail("Laptop"); err != nil {
		t.Fatal(err)
	}
	rec.waitEvent(t, EventViewsChanged, func(d any) bool {
		n := 0
		for _, c := range d.(ViewsBatchDTO).Changes {
			if c.Device == "Laptop" && c.Kind == "device-downloaded" && c.DeviceMessage != nil && c.DeviceMessage.Readable {
				n++
			}
		}
		return n == 2
	})
}

// An action's end is announced after what it did reached the views: the
// UI never shows "done" over a stale mailbox.
func TestViewsBeforeActionEnd(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	a.Lab.Seed("student", 3)
	if _, err := a.Actions.CheckMail("Home PC"); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	downloads, done := 0, false
	for _, e := range rec.events {
		switch e.name {
		case EventViewsChanged:
			for _, c := range e.data[0].(ViewsBatchDTO).Changes {
				if c.Kind == "device-downloaded" && c.Device == "Home PC" {
					if done {
						t.Fatal("a download reached the views after the check was announced done")
					}
					downloads++
				}
			}
		case EventActionProgress:
			if p := e.data[0].(ActionProgressDTO); p.State == "done" && p.Device == "Home PC" {
				done = true
			}
		}
	}
	if downloads != 3 || !done {
		t.Errorf("before the end: %d downloads in the views, done %v; want 3, true", downloads, done)
	}
}
