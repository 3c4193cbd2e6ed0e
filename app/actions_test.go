package app

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mailscope/mailscope/sim/mua"
)

// progress returns the action:progress events so far, and forgets them.
func (r *recorder) progress() []ActionProgressDTO {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []ActionProgressDTO
	keep := r.events[:0]
	for _, e := range r.events {
		if e.name == EventActionProgress {
			out = append(out, e.data[0].(ActionProgressDTO))
		} else {
			keep = append(keep, e)
		}
	}
	r.events = keep
	return out
}

func deviceNamed(t *testing.T, a *App, name string) DeviceDTO {
	t.Helper()
	devs, err := a.Actions.Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no device %q in %+v", name, devs)
	return DeviceDTO{}
}

func TestActionServiceDevices(t *testing.T) {
	a := newApp(t, &recorder{})
	devs, _ := a.Actions.Devices()
	var names []string
	for _, d := range devs {
		names = append(names, d.Name+"/"+d.Policy)
		if len(d.Folders) != 1 || d.Folders[0] != "INBOX" {
			t.Errorf("%s: folders %v", d.Name, d.Folders)
		}
	}
	if got := strings.Join(names, ","); got != "Home PC/pop3-delete,Laptop/imap-offline,Phone/imap-online" {
		t.Errorf("Devices() = %s", got)
	}
	for _, bad := range []DeviceSpecDTO{
		{Name: "Tablet", User: "student", Policy: "carrier-pigeon"},
		{Name: "Tablet", User: "nobody", Policy: "imap-online"},
		{Name: "phone", User: "student", Policy: "imap-online"},
		{Name: "", User: "student", Policy: "imap-online"},
	} {
		if _, err := a.Actions.AddDevice(bad); err == nil {
			t.Errorf("AddDevice(%+v) succeeded", bad)
		}
	}
	d, err := a.Actions.AddDevice(DeviceSpecDTO{Name: "Tablet", User: "alice", Policy: "pop3-keep"})
	if err != nil || d.Name != "Tablet" || d.User != "alice" || d.Policy != "pop3-keep" {
		t.Fatalf("AddDevice(Tablet) = %+v, %v", d, err)
	}
	if d := deviceNamed(t, a, "Tablet"); d.Visible != 0 || d.Outbox != 0 {
		t.Errorf("Tablet = %+v", d)
	}
	left, err := a.Actions.RemoveDevice("Tablet")
	if err != nil || len(left) != 3 {
		t.Errorf("RemoveDevice(Tablet) = %d left, %v", len(left), err)
	}
	if _, err := a.Actions.RemoveDevice("Tablet"); err == nil {
		t.Error("RemoveDevice twice succeeded")
	}
	if _, err := a.Actions.CheckMail("Tablet"); err == nil {
		t.Error("CheckMail on a removed device succeeded")
	}
}

// The article's offline story, end to end: with the link down a message
// waits in the outbox and nothing crosses the wire; at the next
// connection it goes over SMTP, traced, into the recipient's mailbox.
func TestOfflineOutboxStory(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	a.Link.SetOffline(true)
	r, err := a.Actions.Compose("Laptop", DraftDTO{To: []string{"Alice <alice@mailscope.lab>"}, Subject: "From the train", Body: "Back at six."})
	if err != nil {
		t.Fatalf("Compose offline: %v", err)
	}
	if r.Sent != 0 || r.Connections != 0 || r.Outcome != "queued in the outbox: the link is offline; it goes at the next connection" {
		t.Errorf("Compose offline = %+v", r)
	}
	if d := deviceNamed(t, a, "Laptop"); d.Outbox != 1 {
		t.Errorf("Laptop's outbox holds %d, want 1", d.Outbox)
	}
	if snap, _ := a.Trace.Snapshot(); snap.Events.N != 0 {
		t.Errorf("%d trace events while offline: %q", snap.Events.N, snap.Events.Text)
	}
	if ms, _ := a.lab.Store.Messages("alice", "INBOX"); len(ms) != 0 {
		t.Fatalf("alice has %d messages while the link is down", len(ms))
	}

	a.Link.SetOffline(false)
	r, err = a.Actions.CheckMail("Laptop")
	if err != nil || r.Sent != 1 || !strings.Contains(r.Outcome, "sent 1 message from the outbox") {
		t.Fatalf("CheckMail = %+v, %v", r, err)
	}
	if d := deviceNamed(t, a, "Laptop"); d.Outbox != 0 {
		t.Errorf("Laptop's outbox holds %d after the check", d.Outbox)
	}
	snap, _ := a.Trace.Snapshot()
	var smtp []string
	for i, text := range snap.Events.Text {
		if snap.Events.Proto[i] == '1' && snap.Events.Dir[i] == '0' && snap.Events.Kind[i] == '0' {
			smtp = append(smtp, text)
		}
	}
	got := strings.Join(smtp, "\n")
	if !regexp.MustCompile(`(?s)MAIL FROM:<student@mailscope\.lab>.*\nRCPT TO:<alice@mailscope\.lab>.*\nDATA\n.*QUIT`).MatchString(got) {
		t.Errorf("the trace's SMTP commands:\n%s\nwant MAIL FROM, RCPT TO, DATA", got)
	}
	ms, _ := a.lab.Store.Messages("alice", "INBOX")
	if len(ms) != 1 || !strings.Contains(string(ms[0].Raw), "Subject: From the train") {
		t.Fatalf("alice's INBOX = %d messages", len(ms))
	}
	var outcomes []string
	for _, p := range rec.progress() {
		outcomes = append(outcomes, p.Action+" "+p.State+": "+p.Outcome)
	}
	want := "compose running: |compose done: queued in the outbox: the link is offline; it goes at the next connection|" +
		"check running: |check done: sent 1 message from the outbox; no new mail"
	if strings.Join(outcomes, "|") != want {
		t.Errorf("action:progress =\n%s\nwant\n%s", strings.Join(outcomes, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}
}

func TestActionsOnDevices(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	st := a.lab.Store
	if _, err := a.Actions.SendMail(DraftDTO{From: "alice", To: []string{"student@mailscope.lab"}, Subject: "Lunch?", Body: "At noon, by the harbour."}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lab.Seed("student", 2); err != nil {
		t.Fatal(err)
	}

	// The phone lists headers; opening fetches the body and marks it read.
	r, err := a.Actions.CheckMail("Phone")
	if err != nil || !strings.Contains(r.Outcome, "listed 3 messages by their headers") {
		t.Fatalf("CheckMail(Phone) = %+v, %v", r, err)
	}
	phone, _, _ := a.lab.Device("Phone")
	lunch := phone.Messages("INBOX")[0]
	m, err := a.Actions.Open("Phone", lunch.ID)
	if err != nil || m.Result.Connections != 1 || !strings.HasPrefix(m.Result.Outcome, "fetched message") {
		t.Fatalf("Open(Phone) = %+v, %v", m, err)
	}
	if m.Text != "At noon, by the harbour.\n" || m.TextType != "text/plain" || !m.Seen || len(m.Attachments) != 0 {
		t.Errorf("Open(Phone): text %q (%s), seen %v, attachments %v", m.Text, m.TextType, m.Seen, m.Attachments)
	}
	if len(m.Headers) < 4 || m.Headers[0].Name != "From" || !strings.Contains(m.Headers[0].Value, "alice@mailscope.lab") || len(m.RawHeaders) < len(m.Headers) {
		t.Errorf("Open(Phone) headers %+v", m.Headers)
	}
	if ms, _ := st.Message("student", "INBOX", lunch.UID); !ms.HasFlag(`\Seen`) {
		t.Error("opening on the phone did not set \\Seen on the server")
	}

	// The home PC downloads and deletes; its copy is read offline.
	if _, err := a.Actions.Open("Home PC", 1); err == nil || !strings.Contains(err.Error(), "has no message 1") {
		t.Errorf("Open before any check = %v", err)
	}
	if r, err := a.Actions.CheckMail("Home PC"); err != nil || r.Downloaded != 3 || !strings.Contains(r.Outcome, "POP3 delete after download") {
		t.Fatalf("CheckMail(Home PC) = %+v, %v", r, err)
	}
	pc, _, _ := a.lab.Device("Home PC")
	pcMsgs := pc.Messages("INBOX")
	if m, err := a.Actions.Open("Home PC", pcMsgs[1].ID); err != nil || m.Result.Connections != 0 || m.Text == "" {
		t.Errorf("Open(Home PC) = %+v, %v", m.Result, err)
	}
	if _, err := a.Actions.Flag("Home PC", pcMsgs[1].ID, true); err != nil {
		t.Error(err)
	}
	r, err = a.Actions.Delete("Home PC", pcMsgs[1].ID)
	if err != nil || !strings.Contains(r.Outcome, "this device only") {
		t.Errorf("Delete(Home PC) = %+v, %v", r, err)
	}
	_, err = a.Actions.Open("Home PC", pcMsgs[1].ID)
	if err == nil || !strings.Contains(err.Error(), "POP3 deleted the server's copy") || !errors.Is(err, mua.ErrNoMessage) {
		t.Errorf("Open after a POP3 delete = %v", err)
	}

	// The server emptied by POP3, the phone's unopened message is gone
	// there; and with the link down there is nothing to fetch from.
	a.Link.SetOffline(true)
	other := phone.Messages("INBOX")[1]
	if _, err := a.Actions.Open("Phone", other.ID); err == nil || !strings.Contains(err.Error(), "only the headers") ||
		!strings.Contains(err.Error(), "the link is offline") {
		t.Errorf("Open(Phone) offline = %v", err)
	}
	sr, err := a.Actions.Search("Phone", "", "harbour")
	if err != nil || sr.OnServer || len(sr.IDs) != 1 || sr.IDs[0] != lunch.ID || !strings.Contains(sr.Result.Outcome, "the link is offline") {
		t.Errorf("Search(Phone) offline = %+v, %v", sr, err)
	}
	if _, err := a.Actions.Flag("Phone", lunch.ID, true); err == nil {
		t.Error("Flag on an IMAP device with the link down succeeded")
	}
	r, err = a.Actions.MarkRead("Phone", lunch.ID, false)
	if err != nil || !strings.Contains(r.Outcome, "next connection") {
		t.Errorf("MarkRead(Phone) offline = %+v, %v", r, err)
	}
	a.Link.SetOffline(false)

	// The laptop replies to alice: threaded, sent, and \Answered on the
	// server.
	if _, err := a.Actions.CheckMail("Laptop"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.lab.Store.Messages("student", "INBOX"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Actions.SendMail(DraftDTO{From: "alice", To: []string{"student@mailscope.lab"}, Subject: "Dinner?", Body: "Or dinner."}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Actions.CheckMail("Laptop"); err != nil {
		t.Fatal(err)
	}
	laptop, _, _ := a.lab.Device("Laptop")
	var dinner mua.Message
	for _, x := range laptop.Messages("INBOX") {
		if x.Subject == "Dinner?" {
			dinner = x
		}
	}
	r, err = a.Actions.Reply("Laptop", dinner.ID, "Dinner it is.")
	if err != nil || r.Sent != 1 || !strings.HasPrefix(r.Outcome, "sent:") {
		t.Fatalf("Reply = %+v, %v", r, err)
	}
	got, _ := st.Messages("alice", "INBOX")
	if len(got) != 1 || !strings.Contains(string(got[0].Raw), "Subject: Re: Dinner?") || !strings.Contains(string(got[0].Raw), "In-Reply-To: <") {
		t.Errorf("alice's INBOX after the reply: %d messages", len(got))
	}
	if ms, _ := st.Message("student", "INBOX", dinner.UID); !ms.HasFlag(`\Answered`) {
		t.Errorf("the original lacks \\Answered on the server: %v", ms.Flags)
	}
	if m, err := a.Actions.Open("Laptop", dinner.ID); err != nil || !m.Answered {
		t.Errorf("Open(Laptop) after Reply: answered %v, %v", m.Answered, err)
	}
	if _, err := a.Actions.Reply("Laptop", 9999, "?"); err == nil {
		t.Error("Reply to a missing message succeeded")
	}

	// Folders, moves and a server search on the laptop.
	if r, err := a.Actions.CreateFolder("Laptop", "Trips"); err != nil || !strings.Contains(r.Outcome, "CREATE") {
		t.Errorf("CreateFolder(Laptop) = %+v, %v", r, err)
	}
	if _, err := st.Mailbox("student", "Trips"); err != nil {
		t.Errorf("no Trips on the server: %v", err)
	}
	if r, err := a.Actions.Move("Laptop", dinner.ID, "Trips"); err != nil || !strings.Contains(r.Outcome, "on the server") {
		t.Errorf("Move(Laptop) = %+v, %v", r, err)
	}
	if d := deviceNamed(t, a, "Laptop"); strings.Join(d.Folders, ",") != "INBOX,Sent,Trips" {
		t.Errorf("Laptop folders %v", d.Folders)
	}
	sr, err = a.Actions.Search("Laptop", "Trips", "dinner")
	if err != nil || !sr.OnServer || sr.ServerMatches != 1 || len(sr.IDs) != 1 {
		t.Errorf("Search(Laptop, Trips) = %+v, %v", sr, err)
	}
	if r, err := a.Actions.CreateFolder("Home PC", "Receipts"); err != nil || !strings.Contains(r.Outcome, "local folder") {
		t.Errorf("CreateFolder(Home PC) = %+v, %v", r, err)
	}
	if _, err := st.Mailbox("student", "Receipts"); err == nil {
		t.Error("a POP3 device's folder appeared on the server")
	}
	sr, err = a.Actions.Search("Home PC", "INBOX", "zzz-nothing")
	if err != nil || sr.OnServer || sr.IDs == nil || len(sr.IDs) != 0 {
		t.Errorf("Search(Home PC) = %+v, %v", sr, err)
	}

	// Working offline: written now, sent when back online.
	if _, err := a.Actions.SetWorkingOffline("Home PC", true); err != nil {
		t.Fatal(err)
	}
	if d := deviceNamed(t, a, "Home PC"); !d.WorkingOffline {
		t.Error("Home PC is not working offline")
	}
	r, err = a.Actions.Compose("Home PC", DraftDTO{To: []string{"bob@mailscope.lab"}, Subject: "Later", Body: "."})
	if err != nil || !strings.Contains(r.Outcome, "Home PC is working offline") {
		t.Errorf("Compose working offline = %+v, %v", r, err)
	}
	r, err = a.Actions.SetWorkingOffline("Home PC", false)
	if err != nil || r.Sent != 1 {
		t.Errorf("SetWorkingOffline(false) = %+v, %v", r, err)
	}
	if _, err := a.Actions.Compose("Home PC", DraftDTO{To: []string{"not an address"}}); err == nil {
		t.Error("Compose to a bad address succeeded")
	}

	// A refused message stays in the outbox, is said so, and does not
	// keep the device from its mail; Delete takes it out.
	r, err = a.Actions.Compose("Home PC", DraftDTO{To: []string{"someone@example.org"}, Subject: "Abroad", Body: "."})
	if err == nil || !strings.Contains(r.Outcome, "not sent: the server refused it: 550") || !strings.Contains(r.Outcome, "stays in the outbox") {
		t.Errorf("Compose to a domain the lab does not relay to = %+v, %v", r, err)
	}
	r, err = a.Actions.CheckMail("Home PC")
	if err != nil || !strings.Contains(r.Outcome, "the outbox was not sent") {
		t.Errorf("CheckMail with a refused message = %+v, %v", r, err)
	}
	if d := deviceNamed(t, a, "Home PC"); d.Outbox != 1 {
		t.Errorf("Home PC's outbox holds %d", d.Outbox)
	}
	r, err = a.Actions.Delete("Home PC", pc.Outbox()[0].ID)
	if err != nil || r.Outcome != "taken out of the outbox unsent" {
		t.Errorf("Delete of the outgoing message = %+v, %v", r, err)
	}

	// Every action said when it started and how it ended, in a sentence.
	evs := rec.progress()
	running := map[int]bool{}
	for _, p := range evs {
		switch p.State {
		case "running":
			running[p.ID] = true
		case "done", "error":
			if !running[p.ID] || p.Outcome == "" || (p.State == "error") != (p.Error != "") {
				t.Errorf("action:progress %+v without its start, an outcome or a consistent error", p)
			}
			delete(running, p.ID)
		}
	}
	if len(running) != 0 || len(evs) < 40 {
		t.Errorf("%d events, %d actions never ended", len(evs), len(running))
	}
}

// Actions on one device are serialised; on different devices they run
// side by side, while Devices() answers.
func TestActionsConcurrent(t *testing.T) {
	a := newApp(t, NopRuntime{})
	if _, err := a.Lab.Seed("student", 5); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, name := range []string{"Laptop", "Laptop", "Phone", "Phone"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.Actions.CheckMail(name); err != nil {
				t.Error(err)
			}
			a.Actions.Devices()
		}()
	}
	wg.Wait()
	if d := deviceNamed(t, a, "Laptop"); d.Visible != 5 || d.OfflineReadable != 5 {
		t.Errorf("Laptop = %+v", d)
	}
	if d := deviceNamed(t, a, "Phone"); d.Visible != 5 || d.OfflineReadable != 0 {
		t.Errorf("Phone = %+v", d)
	}
}

// The DTOs the UI reads have camelCase keys.
func TestDeviceDTOsCamelCase(t *testing.T) {
	camel := regexp.MustCompile(`^[a-z][a-zA-Z]*$`)
	for _, v := range []any{DeviceDTO{}, DeviceSpecDTO{}, MessageReadDTO{}, SearchResultDTO{}, ActionProgressDTO{Outcome: "x", Error: "y", Result: &ActionResultDTO{}}, HeaderDTO{}, AttachmentDTO{}} {
		b, _ := json.Marshal(v)
		var m map[string]any
		json.Unmarshal(b, &m)
		for k := range m {
			if !camel.MatchString(k) {
				t.Errorf("%T: key %q is not camelCase", v, k)
			}
		}
	}
}
