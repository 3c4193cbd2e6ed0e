package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
)

// compareCache runs each built-in comparison once for all the tests here.
var compareCache sync.Map // id → *compared

type compared struct {
	once sync.Once
	rs   []*Result
	err  error
}

func compare(t *testing.T, id string) []*Result {
	t.Helper()
	v, _ := compareCache.LoadOrStore(id, &compared{})
	c := v.(*compared)
	c.once.Do(func() {
		sc, err := Builtin().Get(id)
		if err != nil {
			c.err = err
			return
		}
		c.rs, c.err = Compare(context.Background(), sc, CompareOptions{})
		if c.err == nil && testing.Verbose() {
			var b bytes.Buffer
			WriteTable(&b, sc, c.rs)
			fmt.Fprint(os.Stderr, b.String(), "\n")
		}
	})
	if c.err != nil {
		t.Fatal(c.err)
	}
	return c.rs
}

// run returns the result for a protocol on a link.
func run(t *testing.T, rs []*Result, p Protocol, linkID string) *Result {
	t.Helper()
	for _, r := range rs {
		if r.Protocol == p && r.Link.ID == linkID {
			return r
		}
	}
	t.Fatalf("no %s run on %s", p, linkID)
	return nil
}

func device(t *testing.T, r *Result, name string) DeviceResult {
	t.Helper()
	for _, d := range r.Devices {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("%s/%s: no device %q", r.Protocol, r.Link.ID, name)
	return DeviceResult{}
}

func TestBuiltinCatalogue(t *testing.T) {
	want := []string{"dialup-morning", "two-devices", "search", "folders", "quota", "always-on", "leave-on-server", "offline-imap"}
	var got []string
	for _, sc := range Builtin().List() {
		got = append(got, sc.ID)
		if sc.Claim == "" || sc.Teaches == "" || len(sc.Links) == 0 {
			t.Errorf("%s: claim, teaches and links are required of a built-in", sc.ID)
		}
		if _, err := Links(sc.Links); err != nil {
			t.Errorf("%s: %v", sc.ID, err)
		}
		if o := Builtin().Origin(sc.ID); o != "built-in" {
			t.Errorf("%s: origin %q", sc.ID, o)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("built-in scenarios = %v, want %v", got, want)
	}
}

// dialup-morning: POP3 fetches, hangs up and works offline; an IMAP
// client reading on the server keeps the line, and the bill, running.
func TestDialupMorning(t *testing.T) {
	rs := compare(t, "dialup-morning")
	pop, imap := run(t, rs, POP3, "dialup-56k"), run(t, rs, IMAP, "dialup-56k")
	if pop.Calls != 2 || imap.Calls != 2 {
		t.Errorf("calls: POP3 %d, IMAP %d; want 2 each (the morning and the evening logon)", pop.Calls, imap.Calls)
	}
	if pop.OnlineSeconds > 180 {
		t.Errorf("POP3 online %.0f s; it should hang up after downloading", pop.OnlineSeconds)
	}
	if imap.OnlineSeconds < 20*60 {
		t.Errorf("IMAP online %.0f s; reading 20 messages a minute each on the server takes 20 min", imap.OnlineSeconds)
	}
	if imap.Cost < 3*pop.Cost {
		t.Errorf("cost: POP3 %.2f, IMAP %.2f; want IMAP at least 3× POP3", pop.Cost, imap.Cost)
	}
	// Both sent the three replies; POP3 read everything offline.
	for _, r := range []*Result{pop, imap} {
		if r.Steps[3].Outcome != "downloaded 0, headers only 0, sent 3; the device now lists 23 (was 20)" {
			t.Errorf("%s evening logon: %q", r.Protocol, r.Steps[3].Outcome)
		}
	}
	if d := device(t, pop, "Home PC"); d.OfflineReadable != 23 || d.Outbox != 0 {
		t.Errorf("POP3 Home PC: %d readable offline, %d in the outbox", d.OfflineReadable, d.Outbox)
	}
	if pop.MessagesOnServerAfter != 0 || imap.MessagesOnServerAfter != 20 {
		t.Errorf("left on the server: POP3 %d, IMAP %d", pop.MessagesOnServerAfter, imap.MessagesOnServerAfter)
	}
	// On broadband nothing is billed and the gap in cost is gone.
	if a, b := run(t, rs, POP3, "adsl-8m"), run(t, rs, IMAP, "adsl-8m"); a.Cost != 0 || b.Cost != 0 || a.Calls != 0 {
		t.Errorf("adsl: cost %.2f/%.2f, calls %d", a.Cost, b.Cost, a.Calls)
	}
}

// two-devices: POP3 (delete) leaves the laptop nothing; IMAP shows it the
// same mailbox, already read.
func TestTwoDevices(t *testing.T) {
	rs := compare(t, "two-devices")
	for _, l := range []string{"adsl-8m", "dialup-56k"} {
		pop, imap := run(t, rs, POP3, l), run(t, rs, IMAP, l)
		if d := device(t, pop, "Laptop"); d.VisibleMessages != 0 {
			t.Errorf("%s: POP3 laptop sees %d, want 0", l, d.VisibleMessages)
		}
		if d := device(t, imap, "Laptop"); d.VisibleMessages != 15 || d.Unread != 0 {
			t.Errorf("%s: IMAP laptop sees %d (%d unread), want 15, all read", l, d.VisibleMessages, d.Unread)
		}
		if d := device(t, imap, "Laptop"); d.OfflineReadable != 0 {
			t.Errorf("%s: IMAP (online) laptop can read %d offline, want 0: it fetched headers only", l, d.OfflineReadable)
		}
		if pop.MessagesOnServerAfter != 0 || imap.MessagesOnServerAfter != 15 {
			t.Errorf("%s: left on server POP3 %d, IMAP %d", l, pop.MessagesOnServerAfter, imap.MessagesOnServerAfter)
		}
	}
}

// search: IMAP SEARCH runs on the server; POP3 downloads all 500 first.
func TestSearch(t *testing.T) {
	rs := compare(t, "search")
	for _, l := range []string{"dialup-56k", "adsl-8m", "fibre-1g"} {
		pop, imap := run(t, rs, POP3, l), run(t, rs, IMAP, l)
		if pop.Steps[1].Outcome != "found 20 of the device's own 500 copies" {
			t.Errorf("%s POP3 search: %q", l, pop.Steps[1].Outcome)
		}
		if imap.Steps[1].Outcome != "the server matched 20; 20 of them are on the device" {
			t.Errorf("%s IMAP search: %q", l, imap.Steps[1].Outcome)
		}
		if pop.WireDown < 5*imap.WireDown {
			t.Errorf("%s: bytes down POP3 %d, IMAP %d; want POP3 ≥ 5×", l, pop.WireDown, imap.WireDown)
		}
		if pop.SimSeconds < 4*imap.SimSeconds {
			t.Errorf("%s: time POP3 %.1f s, IMAP %.1f s; want POP3 ≥ 4×", l, pop.SimSeconds, imap.SimSeconds)
		}
		if d := device(t, imap, "Laptop"); d.OfflineReadable != 20 {
			t.Errorf("%s: IMAP laptop holds %d bodies, want the 20 found", l, d.OfflineReadable)
		}
	}
}

// folders: IMAP folders live on the server, so the phone sees them.
func TestFolders(t *testing.T) {
	rs := compare(t, "folders")
	for _, l := range []string{"adsl-8m", "3g"} {
		pop, imap := run(t, rs, POP3, l), run(t, rs, IMAP, l)
		phone := device(t, imap, "Phone")
		if phone.Folders["Work"] != 10 || phone.Folders["Family"] != 5 || phone.Folders["INBOX"] != 15 {
			t.Errorf("%s: IMAP phone folders %v, want INBOX 15, Work 10, Family 5", l, phone.Folders)
		}
		if d := device(t, pop, "Phone"); d.VisibleMessages != 0 {
			t.Errorf("%s: POP3 phone sees %d, want 0", l, d.VisibleMessages)
		}
		if d := device(t, pop, "Desktop"); d.Folders["Work"] != 10 || d.Folders["Family"] != 5 {
			t.Errorf("%s: POP3 desktop's local folders %v", l, d.Folders)
		}
	}
}

// quota: POP3 empties the box at each check; IMAP lets it fill, and the
// server then refuses mail.
func TestQuota(t *testing.T) {
	rs := compare(t, "quota")
	pop, imap := run(t, rs, POP3, "adsl-8m"), run(t, rs, IMAP, "adsl-8m")
	if pop.Refused != 0 || pop.Delivered != 30 {
		t.Errorf("POP3: %d delivered, %d refused; want 30, 0", pop.Delivered, pop.Refused)
	}
	if imap.Refused == 0 {
		t.Errorf("IMAP: nothing refused; the 250 KB box should fill")
	}
	if imap.Refused+imap.Delivered != 30 {
		t.Errorf("IMAP: %d + %d of 30", imap.Delivered, imap.Refused)
	}
	if imap.ServerBytesAfter > imap.QuotaBytes || imap.ServerBytesAfter < imap.QuotaBytes*8/10 {
		t.Errorf("IMAP: %d bytes on the server, quota %d: want it nearly full, never over", imap.ServerBytesAfter, imap.QuotaBytes)
	}
	if pop.MessagesOnServerAfter != 0 {
		t.Errorf("POP3 left %d on the server", pop.MessagesOnServerAfter)
	}
}

// always-on: IDLE hears of new mail at once; POP3 polling waits minutes
// and logs in every time.
func TestAlwaysOn(t *testing.T) {
	rs := compare(t, "always-on")
	for _, l := range []string{"adsl-8m", "lte"} {
		pop, imap := run(t, rs, POP3, l), run(t, rs, IMAP, l)
		if pop.NoticeDelayAvgSeconds == nil || imap.NoticeDelayAvgSeconds == nil {
			t.Fatalf("%s: no notice delays", l)
		}
		if *imap.NoticeDelayAvgSeconds > 2 {
			t.Errorf("%s: IDLE noticed after %.2f s on average; want under 2 s", l, *imap.NoticeDelayAvgSeconds)
		}
		if *pop.NoticeDelayAvgSeconds < 60 || *pop.NoticeDelayMaxSeconds > 600 {
			t.Errorf("%s: polling every 10 min noticed after %.0f s avg, %.0f max", l, *pop.NoticeDelayAvgSeconds, *pop.NoticeDelayMaxSeconds)
		}
		if pop.Connections != 48 || imap.Connections != 1 {
			t.Errorf("%s: connections POP3 %d (48 polls), IMAP %d", l, pop.Connections, imap.Connections)
		}
		if pop.RoundTrips < 4*imap.RoundTrips || pop.WireUp < 3*imap.WireUp {
			t.Errorf("%s: round trips %d vs %d, bytes up %d vs %d", l, pop.RoundTrips, imap.RoundTrips, pop.WireUp, imap.WireUp)
		}
		for _, r := range []*Result{pop, imap} {
			if d := device(t, r, "Laptop"); d.VisibleMessages != 22 {
				t.Errorf("%s %s: laptop has %d, want 22", l, r.Protocol, d.VisibleMessages)
			}
		}
	}
	// On a metered modem IDLE keeps the line up all day.
	pop, imap := run(t, rs, POP3, "dialup-56k"), run(t, rs, IMAP, "dialup-56k")
	if imap.Cost < 2*pop.Cost || imap.OnlineSeconds < 7*3600 {
		t.Errorf("dial-up: cost POP3 %.2f, IMAP %.2f; IMAP online %.0f s", pop.Cost, imap.Cost, imap.OnlineSeconds)
	}
}

// leave-on-server: POP3 with UIDL gives the laptop the mail too, but
// unread, and each check lists every UIDL.
func TestLeaveOnServer(t *testing.T) {
	rs := compare(t, "leave-on-server")
	for _, l := range []string{"dialup-56k", "adsl-8m"} {
		pop, imap := run(t, rs, POP3, l), run(t, rs, IMAP, l)
		if pop.MessagesOnServerAfter != 150 || imap.MessagesOnServerAfter != 150 {
			t.Errorf("%s: on the server POP3 %d, IMAP %d; want 150 each", l, pop.MessagesOnServerAfter, imap.MessagesOnServerAfter)
		}
		pl, il := device(t, pop, "Laptop"), device(t, imap, "Laptop")
		if pl.VisibleMessages != 150 || il.VisibleMessages != 150 {
			t.Errorf("%s: laptop sees POP3 %d, IMAP %d", l, pl.VisibleMessages, il.VisibleMessages)
		}
		if pl.Unread != 150 {
			t.Errorf("%s: POP3 laptop has %d unread; it cannot know what the PC read", l, pl.Unread)
		}
		if il.Unread != 0 {
			t.Errorf("%s: IMAP laptop has %d unread; \\Seen is on the server", l, il.Unread)
		}
		// The PC's daily checks: POP3's UIDL listing grows with the box.
		first, last := pop.Steps[3], pop.Steps[9]
		if last.PayloadUp < first.PayloadUp || last.PayloadDown <= first.PayloadDown {
			t.Errorf("%s: POP3 day-1 check %d/%d bytes, day-5 %d/%d: the UIDL list should grow", l,
				first.PayloadUp, first.PayloadDown, last.PayloadUp, last.PayloadDown)
		}
	}
}

// offline-imap: an IMAP client that synchronises whole messages works
// offline as POP3 does, at about POP3's phone bill, and keeps the mailbox
// (with its read marks) on the server for the laptop.
func TestOfflineIMAP(t *testing.T) {
	rs := compare(t, "offline-imap")
	for _, l := range []string{"dialup-56k", "isdn-128k"} {
		pop, imap := run(t, rs, POP3, l), run(t, rs, IMAP, l)
		if pop.Calls != 3 || imap.Calls != 3 {
			t.Errorf("%s: calls POP3 %d, IMAP %d; want 3 each (morning, evening, laptop)", l, pop.Calls, imap.Calls)
		}
		if imap.OnlineSeconds > 2*pop.OnlineSeconds || imap.Cost > pop.Cost*1.5 {
			t.Errorf("%s: online POP3 %.0f s / %.2f, IMAP %.0f s / %.2f; offline IMAP should cost about what POP3 does",
				l, pop.OnlineSeconds, pop.Cost, imap.OnlineSeconds, imap.Cost)
		}
		pc := device(t, imap, "Home PC")
		if pc.OfflineReadable != 23 || pc.Outbox != 0 {
			t.Errorf("%s: IMAP PC reads %d offline, %d in the outbox; want 20 + 3 sent, 0", l, pc.OfflineReadable, pc.Outbox)
		}
		// The read step ran with the line down.
		if st := imap.Steps[1]; st.Connections != 0 || st.OnlineSeconds != 0 || st.Failed {
			t.Errorf("%s: IMAP reading: %d connections, %.0f s online, outcome %q", l, st.Connections, st.OnlineSeconds, st.Outcome)
		}
		lp := device(t, imap, "Laptop")
		if lp.VisibleMessages != 20 || lp.Unread != 0 {
			t.Errorf("%s: IMAP laptop lists %d (%d unread); want 20, all read (marks pushed at the evening logon)", l, lp.VisibleMessages, lp.Unread)
		}
		if d := device(t, pop, "Laptop"); d.VisibleMessages != 0 {
			t.Errorf("%s: POP3 laptop lists %d, want 0", l, d.VisibleMessages)
		}
	}
}

// The same scenario gives the same numbers, run after run: every kind
// of step, on a link with jitter.
func TestDeterministic(t *testing.T) {
	const everything = `
id: everything
title: Every step once
mailbox: {messages: 12, size: 2KB, seed: 31, keyword: Oslo, keyword_every: 4}
devices:
  - {name: PC, pop3: keep, imap: online}
  - {name: Phone, pop3: keep, imap: offline}
steps:
  - {do: check, device: PC}
  - {do: read, device: PC, messages: first 4, think: 10s}
  - {do: search, device: PC, text: oslo}
  - {do: move, device: PC, messages: found, folder: Trips}
  - {do: delete, device: PC, messages: last 2}
  - {do: reply, device: PC, messages: first 2}
  - {do: send, device: PC}
  - {do: deliver, at: 20m, count: 3, every: 5m}
  - {do: watch, device: Phone, at: 10m, every: 5m, until: 1h}
  - {do: offline, device: Phone}
  - {do: compose, device: Phone, count: 2}
  - {do: online, device: Phone, after: 1h}
  - {do: check, device: PC, at: 3h, folder: "INBOX,Trips"}
`
	sc, err := Parse([]byte(everything))
	if err != nil {
		t.Fatal(err)
	}
	links, _ := Links([]string{"3g"}) // 3G has jitter
	first := ""
	for i := 0; i < 4; i++ {
		rs, err := Compare(context.Background(), sc, CompareOptions{Links: links})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			for _, st := range r.Steps {
				if st.Failed {
					t.Errorf("%s step %d %s: %s", r.Protocol, st.Index, st.Do, st.Outcome)
				}
			}
		}
		b, _ := json.Marshal(rs)
		if i == 0 {
			first = string(b)
		} else if string(b) != first {
			a, z := first, string(b)
			n := 0
			for n < len(a) && n < len(z) && a[n] == z[n] {
				n++
			}
			t.Fatalf("run %d differs from the first at byte %d:\n…%s\n…%s", i+1, n, a[max(0, n-300):min(len(a), n+80)], z[max(0, n-300):min(len(z), n+80)])
		}
	}
}

// A run's totals are the sum of its steps' (every byte, round trip,
// second and cent is accounted to the step that spent it), and of its
// devices'.
func TestTotalsAddUp(t *testing.T) {
	for _, id := range []string{"dialup-morning", "always-on", "leave-on-server"} {
		for _, r := range compare(t, id) {
			var steps, devs Totals
			for _, st := range r.Steps {
				steps.add(st.Totals)
			}
			for _, d := range r.Devices {
				devs.add(d.Totals)
			}
			for name, sum := range map[string]Totals{"steps": steps, "devices": devs} {
				sum.round()
				if sum.WireDown != r.WireDown || sum.WireUp != r.WireUp || sum.RoundTrips != r.RoundTrips ||
					sum.Connections != r.Connections || sum.Calls != r.Calls ||
					math.Abs(sum.Cost-r.Cost) > 1e-6 || math.Abs(sum.SimSeconds-r.SimSeconds) > 1e-5 ||
					math.Abs(sum.OnlineSeconds-r.OnlineSeconds) > 1e-5 {
					t.Errorf("%s %s/%s: %s add up to %+v, run %+v", id, r.Protocol, r.Link.ID, name, sum, r.Totals)
				}
			}
		}
	}
}
