package lessonrun

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
)

type with = map[string]lessons.Value

var str = lessons.Str

func num(t *testing.T, v lessons.Value, name string) float64 {
	t.Helper()
	m, ok := v.Member(name)
	if !ok {
		t.Fatalf("%v has no %s", v, name)
	}
	n, ok := m.Number()
	if !ok {
		t.Fatalf("%v.%s is not a number", v, name)
	}
	return n
}

func count(t *testing.T, r *Runner, kw with) float64 {
	t.Helper()
	n, _ := call(t, r, "trace.count", nil, kw).Number()
	return n
}

func mustDo(t *testing.T, do func(string, map[string]lessons.Value) error, name string, w with) {
	t.Helper()
	if err := do(name, w); err != nil {
		t.Fatalf("%s %v: %v", name, w, err)
	}
}

// A reply on a device working offline waits in its outbox; going online
// sends it, to the sender, who is an account of the lab. Online, a reply
// leaves at once. compose only queues.
func TestReplyHeldOffline(t *testing.T) {
	r, do := newRunner(t, Options{})
	mustDo(t, do, "deliver", with{"from": str("alice"), "subject": str("Saturday's walk")})
	mustDo(t, do, "deliver", with{"from": str("bob"), "subject": str("Book club")})
	home := with{"device": str("Home PC")}
	if err := do("reply", home); err == nil || !strings.Contains(err.Error(), "no message") {
		t.Errorf("reply before any check = %v", err)
	}
	mustDo(t, do, "check-mail", home)
	mustDo(t, do, "go-offline", home)
	if err := do("reply", with{"device": str("Home PC"), "message": str("no such subject")}); err == nil {
		t.Error("reply to a missing subject: no error")
	}
	mustDo(t, do, "reply", with{"device": str("Home PC"), "message": str("saturday's walk")})
	mustDo(t, do, "compose", with{"from": str("Home PC"), "to": str("bob@mailscope.lab"), "subject": str("Lift on Thursday?")})
	dev := func() lessons.Value { return call(t, r, "device", []lessons.Value{str("Home PC")}, nil) }
	alice := func() float64 { return num(t, call(t, r, "mailbox", []lessons.Value{str("alice")}, nil), "count") }
	if n := num(t, dev(), "outbox"); n != 2 || count(t, r, with{"protocol": str("smtp")}) != 0 || alice() != 0 {
		t.Fatalf("offline: outbox %v, smtp lines %v, alice %v; want 2 held, nothing sent", n, count(t, r, with{"protocol": str("smtp")}), alice())
	}
	mustDo(t, do, "go-online", home)
	if n := num(t, dev(), "outbox"); n != 0 || count(t, r, with{"protocol": str("smtp"), "verb": str("DATA"), "session": lessons.Num(-1)}) != 2 || alice() != 1 {
		t.Errorf("after go-online: outbox %v, alice %v; want both sent in one session", n, alice())
	}
	bob := call(t, r, "mailbox", []lessons.Value{str("bob")}, nil)
	if num(t, bob, "count") != 1 {
		t.Errorf("bob's mailbox %v, want the composed message", bob)
	}
	// Online, the reply leaves at once (a second SMTP session).
	mustDo(t, do, "reply", with{"device": str("Home PC"), "message": str("Book club"), "body": str("Count me in.")})
	if n := count(t, r, with{"protocol": str("smtp"), "verb": str("DATA")}); n != 3 || num(t, dev(), "outbox") != 0 || num(t, bob, "count") != 1 {
		t.Errorf("online reply: %v DATA in all, want 3", n)
	}
	// compose stays in the outbox even online, until the next check.
	mustDo(t, do, "compose", with{"from": str("Laptop"), "to": str("alice@mailscope.lab")})
	if num(t, call(t, r, "device", []lessons.Value{str("Laptop")}, nil), "outbox") != 1 || alice() != 1 {
		t.Error("compose online sent the message")
	}
	mustDo(t, do, "check-mail", with{"device": str("Laptop")})
	if alice() != 2 {
		t.Errorf("after the Laptop's check alice has %v, want 2", alice())
	}
	if err := do("deliver", with{"from": str("mallory")}); err == nil {
		t.Error("deliver from an unknown account: no error")
	}
}

// create-folder and move work on the server for an IMAP device; the other
// IMAP device sees the folder once it opens it; a missing folder or
// message is an error.
func TestFoldersAndMove(t *testing.T) {
	r, do := newRunner(t, Options{})
	mustDo(t, do, "reset-lab", with{"messages": lessons.Num(3)})
	mustDo(t, do, "deliver", with{"from": str("alice"), "subject": str("Field trip: the bus")})
	laptop := with{"device": str("Laptop")}
	mustDo(t, do, "check-mail", laptop)
	if err := do("move", with{"device": str("Laptop"), "message": str("Field trip: the bus"), "folder": str("Trips")}); err == nil || !strings.Contains(err.Error(), "create-folder") {
		t.Errorf("move into a missing folder = %v", err)
	}
	mustDo(t, do, "create-folder", with{"device": str("Laptop"), "folder": str("Trips")})
	if err := do("create-folder", with{"device": str("Laptop"), "folder": str("Trips")}); err == nil {
		t.Error("create-folder twice: no error")
	}
	if err := do("move", with{"device": str("Laptop"), "message": str("no such subject"), "folder": str("Trips")}); err == nil {
		t.Error("move of a missing message: no error")
	}
	mustDo(t, do, "move", with{"device": str("Laptop"), "message": str("Field trip: the bus"), "folder": str("Trips")})
	mb := func(f string) float64 {
		return num(t, call(t, r, "mailbox", []lessons.Value{str("student"), str(f)}, nil), "count")
	}
	// Two CREATEs: the second, refused, for the folder that existed.
	if mb("Trips") != 1 || mb("INBOX") != 3 || count(t, r, with{"verb": str("CREATE")}) != 2 || count(t, r, with{"verb": str("UID MOVE")}) != 1 {
		t.Errorf("server after the move: Trips %v, INBOX %v, CREATE %v, UID MOVE %v", mb("Trips"), mb("INBOX"), count(t, r, with{"verb": str("CREATE")}), count(t, r, with{"verb": str("UID MOVE")}))
	}
	folder := func(dev string) lessons.Value {
		return call(t, r, "device.folder", []lessons.Value{str(dev), str("Trips")}, nil)
	}
	if n := num(t, folder("Laptop"), "count"); n != 1 || num(t, call(t, r, "device", []lessons.Value{str("Laptop")}, nil), "folders") != 2 {
		t.Errorf("Laptop's Trips: %v, want 1 message, 2 folders", n)
	}
	phone := []lessons.Value{str("Phone")}
	if num(t, folder("Phone"), "count") != 0 || num(t, call(t, r, "device", phone, nil), "folders") != 1 {
		t.Error("the Phone knows Trips before opening it")
	}
	mustDo(t, do, "open-folder", with{"device": str("Phone"), "folder": str("Trips")})
	if num(t, folder("Phone"), "count") != 1 || num(t, folder("Phone"), "unread") != 1 || num(t, call(t, r, "device", phone, nil), "folders") != 2 {
		t.Errorf("Phone's Trips after open-folder: %v", folder("Phone"))
	}
	if err := do("open-folder", with{"device": str("Phone"), "folder": str("Nope")}); err == nil {
		t.Error("open-folder of a missing folder: no error")
	}
	// The Home PC's folders are its own: no network.
	home := with{"device": str("Home PC")}
	mustDo(t, do, "check-mail", home)
	lines, _ := r.TraceTotals(Filter{})
	mustDo(t, do, "create-folder", with{"device": str("Home PC"), "folder": str("Kept")})
	mustDo(t, do, "move", with{"device": str("Home PC"), "folder": str("Kept")})
	if after, _ := r.TraceTotals(Filter{}); after != lines || num(t, call(t, r, "device.folder", []lessons.Value{str("Home PC"), str("Kept")}, nil), "count") != 1 {
		t.Errorf("Home PC folder and move: %d → %d lines, want none", lines, after)
	}
	// delete: expunged on the server from IMAP, local on POP3.
	mustDo(t, do, "delete", with{"device": str("Laptop"), "message": str("Field trip: the bus")})
	if mb("Trips") != 0 || count(t, r, with{"verb": str("UID EXPUNGE")})+count(t, r, with{"verb": str("EXPUNGE"), "dir": str("c2s")}) != 1 {
		t.Errorf("after delete: Trips %v", mb("Trips"))
	}
	if err := do("delete", with{"device": str("Laptop"), "message": str("Field trip: the bus")}); err == nil {
		t.Error("delete twice: no error")
	}
	mustDo(t, do, "delete", home)
	if n := num(t, call(t, r, "device", []lessons.Value{str("Home PC")}, nil), "visible"); n != 2 {
		t.Errorf("Home PC after a delete: %v messages, want 2", n)
	}
}

// search asks the server from an online IMAP device, and looks through
// the device's copies on the POP3 Home PC or an IMAP device offline.
func TestSearch(t *testing.T) {
	r, do := newRunner(t, Options{})
	if _, err := r.Name("search.hits"); err == nil {
		t.Error("search.hits before any search: no error")
	}
	mustDo(t, do, "reset-lab", with{"messages": lessons.Num(4)})
	for _, s := range []string{"Field trip: the bus", "Field trip: what to bring"} {
		mustDo(t, do, "deliver", with{"from": str("alice"), "subject": str(s)})
	}
	name := func(p string) string {
		v, err := r.Name(p)
		if err != nil {
			t.Fatal(err)
		}
		return v.String()
	}
	// The Phone has checked nothing, yet the server finds both.
	mustDo(t, do, "search", with{"device": str("Phone"), "text": str("field trip")})
	if name("search.hits") != "2" || name("search.where") != "server" || count(t, r, with{"verb": str("UID SEARCH"), "device": str("Phone")}) != 1 {
		t.Errorf("Phone's search: %s hits, %s", name("search.hits"), name("search.where"))
	}
	if err := do("search", with{"device": str("Phone"), "text": str("trip"), "folder": str("Nope")}); err == nil {
		t.Error("search in a missing folder on the server: no error")
	}
	if err := do("search", with{"device": str("Phone"), "text": str(" ")}); err == nil {
		t.Error("search for nothing: no error")
	}
	// Offline, the Phone has no copies to search.
	mustDo(t, do, "go-offline", with{"device": str("Phone")})
	lines, _ := r.TraceTotals(Filter{})
	mustDo(t, do, "search", with{"device": str("Phone"), "text": str("field trip")})
	if after, _ := r.TraceTotals(Filter{}); name("search.hits") != "0" || name("search.where") != "local" || after != lines {
		t.Errorf("Phone offline: %s hits, %s, %d → %d lines", name("search.hits"), name("search.where"), lines, after)
	}
	// The Home PC searches what it downloaded.
	mustDo(t, do, "check-mail", with{"device": str("Home PC")})
	mustDo(t, do, "search", with{"device": str("Home PC"), "text": str("FIELD TRIP")})
	if name("search.hits") != "2" || name("search.where") != "local" || count(t, r, with{"verb": str("UID SEARCH")}) != 1 {
		t.Errorf("Home PC: %s hits, %s", name("search.hits"), name("search.where"))
	}
	if err := do("search", with{"device": str("Home PC"), "text": str("trip"), "folder": str("Nope")}); err == nil {
		t.Error("search in a missing local folder: no error")
	}
	mustDo(t, do, "reset-lab", nil)
	if _, err := r.Name("search.where"); err == nil {
		t.Error("search.where after reset-lab: no error")
	}
}

// set-quota: mail over it is refused with 552 and stays in the sender's
// outbox (a RefusedError); expunging on IMAP frees room, and the held
// message goes with the next check.
func TestQuotaBounce(t *testing.T) {
	r, do := newRunner(t, Options{})
	q := func() lessons.Value { return call(t, r, "quota", nil, nil) }
	if num(t, q(), "limit") != 0 || num(t, q(), "used") != 0 {
		t.Fatalf("quota at start: %v", q())
	}
	if err := do("set-quota", with{"bytes": lessons.Num(-1)}); err == nil {
		t.Error("set-quota -1: no error")
	}
	if err := do("set-quota", with{"user": str("mallory"), "bytes": lessons.Num(1)}); err == nil {
		t.Error("set-quota for an unknown user: no error")
	}
	if _, err := r.Call("quota", []lessons.Value{str("mallory")}, nil); err == nil {
		t.Error("quota(mallory): no error")
	}
	mustDo(t, do, "set-quota", with{"bytes": lessons.Num(1000)})
	send := with{"from": str("Laptop"), "to": str("student@mailscope.lab"), "subject": str("Notes")}
	mustDo(t, do, "send", send)
	used := num(t, q(), "used")
	if used == 0 || used > 1000 || num(t, q(), "limit") != 1000 {
		t.Fatalf("after one message: %v", q())
	}
	mustDo(t, do, "send", send)
	err := do("send", send)
	var re *RefusedError
	if !errors.As(err, &re) || re.Action != "send" || count(t, r, with{"protocol": str("smtp"), "status": str("552")}) != 1 {
		t.Fatalf("third send = %v, want a RefusedError and one 552", err)
	}
	laptop := []lessons.Value{str("Laptop")}
	if num(t, call(t, r, "device", laptop, nil), "outbox") != 1 || num(t, call(t, r, "mailbox", []lessons.Value{str("student")}, nil), "count") != 2 {
		t.Errorf("after the bounce: %v", call(t, r, "device", laptop, nil))
	}
	// A check while the mailbox is still full bounces again, and still
	// fetches the mail.
	if err := do("check-mail", with{"device": str("Laptop")}); !errors.As(err, &re) || re.Action != "check-mail" ||
		num(t, call(t, r, "device", laptop, nil), "outbox") != 1 || count(t, r, with{"protocol": str("smtp"), "status": str("552")}) != 2 {
		t.Errorf("check-mail while full = %v, want a second bounce", err)
	}
	// Deleting on the Phone frees room; the Laptop's next check sends it.
	mustDo(t, do, "check-mail", with{"device": str("Phone")})
	mustDo(t, do, "delete", with{"device": str("Phone")})
	if num(t, q(), "used") != used {
		t.Errorf("after a delete: used %v, want %v", num(t, q(), "used"), used)
	}
	mustDo(t, do, "check-mail", with{"device": str("Laptop")})
	if n := num(t, q(), "used"); num(t, call(t, r, "device", laptop, nil), "outbox") != 0 || n <= used || n > 1000 {
		t.Errorf("after the Laptop's check: %v, %v", call(t, r, "device", laptop, nil), q())
	}
	// The POP3 download empties the server.
	mustDo(t, do, "check-mail", with{"device": str("Home PC")})
	if num(t, q(), "used") != 0 {
		t.Errorf("after the Home PC's check: %v", q())
	}
	// A 552 with no quota set is no bounce the lesson asked for.
	mustDo(t, do, "set-quota", with{"bytes": lessons.Num(0)})
	if r.overQuota(err) {
		t.Error("overQuota with no quota set")
	}
}
