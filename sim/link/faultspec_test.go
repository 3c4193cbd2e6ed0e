package link

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFault(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want FaultSpec // Spec and Params not compared
	}{
		{"reset@pop3,after=30000", FaultSpec{Kind: "reset", Protocol: "pop3", Dir: Down, After: 30000}},
		{"reset,after=0,dir=up", FaultSpec{Kind: "reset", Dir: Up}},
		{"stall,at=2s,for=10s", FaultSpec{Kind: "stall", Dir: Both, At: 2 * time.Second, HasAt: true, For: 10 * time.Second}},
		{"stall@smtp,after=500,for=1m,dir=up", FaultSpec{Kind: "stall", Protocol: "smtp", Dir: Up, After: 500, For: time.Minute}},
		{"drop@imap,dir=down", FaultSpec{Kind: "drop", Protocol: "imap", Dir: Down}},
		{"drop", FaultSpec{Kind: "drop", Dir: Both}},
		{"drop,after=100", FaultSpec{Kind: "drop", Dir: Both, After: 100}},
		{"offline,at=5s,for=30s", FaultSpec{Kind: "offline", At: 5 * time.Second, HasAt: true, For: 30 * time.Second}},
		{"offline,for=1s", FaultSpec{Kind: "offline", For: time.Second}},
		{"reply@pop3,cmd=RETR,nth=3,with=-ERR [SYS/TEMP] try later", FaultSpec{Kind: "reply", Protocol: "pop3", Cmd: "RETR", Nth: 3, With: "-ERR [SYS/TEMP] try later"}},
		{"reply@imap,cmd=select,with=NO [UNAVAILABLE] busy", FaultSpec{Kind: "reply", Protocol: "imap", Cmd: "SELECT", With: "NO [UNAVAILABLE] busy"}},
		{"reply@smtp,cmd=greeting,with=421 4.3.2 shutting down", FaultSpec{Kind: "reply", Protocol: "smtp", Cmd: "GREETING", With: "421 4.3.2 shutting down"}},
		{"reply@smtp,cmd=RCPT,user=alice,session=4,with=451 4.3.0 try again later", FaultSpec{Kind: "reply", Protocol: "smtp", Cmd: "RCPT", User: "alice", Session: 4, With: "451 4.3.0 try again later"}},
		{"chaos,p=0.1,seed=7", FaultSpec{Kind: "chaos", P: 0.1, Seed: 7}},
		{"chaos@smtp,p=0.2,seed=7,with=451 4.7.1 greylisted", FaultSpec{Kind: "chaos", Protocol: "smtp", P: 0.2, Seed: 7, With: "451 4.7.1 greylisted"}},
		{"delay@imap,cmd=FETCH,for=3s", FaultSpec{Kind: "delay", Protocol: "imap", Cmd: "FETCH", For: 3 * time.Second}},
		{"disconnect@imap,during=IDLE,after=30s", FaultSpec{Kind: "disconnect", Protocol: "imap", During: "IDLE", For: 30 * time.Second}},
		{"disconnect,during=idle,after=1m,user=bob", FaultSpec{Kind: "disconnect", Protocol: "imap", During: "IDLE", For: time.Minute, User: "bob"}},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := ParseFault(tc.spec)
			if err != nil {
				t.Fatalf("ParseFault(%q) = %v", tc.spec, err)
			}
			if got.Spec != tc.spec {
				t.Errorf("Spec = %q, want %q", got.Spec, tc.spec)
			}
			got.Spec, got.Params = "", nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseFault(%q) = %+v, want %+v", tc.spec, got, tc.want)
			}
		})
	}
}

// with= takes the rest of the spec, commas and equals signs included.
func TestParseFaultWithTakesTheRest(t *testing.T) {
	fs, err := ParseFault("reply@pop3,cmd=RETR,nth=3,with=-ERR [SYS/TEMP] try later, nth=9, really")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fs.Params["with"], "-ERR [SYS/TEMP] try later, nth=9, really"; got != want {
		t.Errorf("with = %q, want %q", got, want)
	}
	if fs.Params["cmd"] != "RETR" || fs.Params["nth"] != "3" {
		t.Errorf("Params = %v", fs.Params)
	}
	if err := fs.Supported(); err != nil || !fs.IsProtocol() {
		t.Errorf("Supported() = %v, IsProtocol() = %v; want nil, true", err, fs.IsProtocol())
	}
	if _, err := fs.Fault(ConnInfo{}); err == nil || errors.Is(err, ErrFaultNotSupported) {
		t.Errorf("Fault() of a protocol fault = %v, want: not a per-connection fault", err)
	}
}

func TestParseFaultErrors(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"", "no kind"},
		{"@pop3", "no kind"},
		{"explode", `unknown kind "explode"`},
		{"reset@gopher,after=1", `unknown protocol "gopher"`},
		{"reset@POP3,after=1", `unknown protocol "POP3"`},
		{"reset", "reset needs after=BYTES"},
		{"reset,after=-1", "after=-1: want a byte count"},
		{"reset,after=30KB", "after=30KB: want a byte count"},
		{"reset,after=99999999999999999999", "want a byte count"},
		{"reset,after=1,after=2", "after= given twice"},
		{"reset,after=1,dir=sideways", "dir=sideways: want up, down or both"},
		{"reset,after=1,for=2s", `unknown key "for" for reset (want after, dir)`},
		{"reset,after=1,", "trailing comma"},
		{"reset,,after=1", `"" is not key=value`},
		{"reset,after", `"after" is not key=value`},
		{"reset,after=", "after= needs a value"},
		{"reset,after=1,with=x", `unknown key "with" for reset`},
		{"stall,for=10s", "one of at=DURATION or after=BYTES"},
		{"stall,at=1s,after=1,for=10s", "one of at=DURATION or after=BYTES"},
		{"stall,at=2s", "stall needs for=DURATION"},
		{"stall,at=2,for=1s", "at=2: want a duration"},
		{"stall,at=-2s,for=1s", "at=-2s: want a duration"},
		{"stall,at=1s,for=25h", "for=25h: at most 24h"},
		{"offline@pop3,for=1s", "offline takes the whole link: no @pop3"},
		{"offline,at=1s", "offline needs for=DURATION"},
		// Injection-ish: no control character gets through, in with= neither.
		{"reset@pop3,after=1\r\nQUIT", "control or invalid character"},
		{"reply@pop3,cmd=RETR,with=+OK\r\n.\r\n", "control or invalid character"},
		{"reset,after=1\x00", "control or invalid character"},
		{"reset\t,after=1", "control or invalid character"},
		{"reset,after=\xff", "control or invalid character"},
		{strings.Repeat("a", 2000), "at most 1024"},
		// The protocol faults' keys.
		{"reply,cmd=RETR,with=-ERR x", "reply needs @smtp, @pop3 or @imap"},
		{"reply@pop3,cmd=RETR", "reply needs cmd=VERB and with=LINE"},
		{"reply@pop3,with=-ERR x", "reply needs cmd=VERB and with=LINE"},
		{"reply@pop3,cmd=RETR,nth=0,with=-ERR x", "nth=0: want a count"},
		{"reply@pop3,cmd=RE TR,with=-ERR x", "cmd=RE TR: want a command verb"},
		{"reply@smtp,cmd=greeting,nth=2,with=421 x", "one greeting"},
		{"reply@pop3,cmd=RETR,session=0,with=-ERR x", "session=0: want a trace session number"},
		{"reply@pop3,cmd=RETR,session=two,with=-ERR x", "session=two: want a trace session number"},
		{"delay@imap,cmd=FETCH", "delay needs cmd=VERB and for=DURATION"},
		{"delay@imap,cmd=greeting,for=1s", "not the greeting"},
		{"disconnect@imap,after=30s", "disconnect needs during=IDLE"},
		{"disconnect@imap,during=FETCH", "during=FETCH: want IDLE"},
		{"disconnect@pop3,during=IDLE", "IMAP's"},
		{"disconnect@imap,during=IDLE,after=30000", "after=30000: want a duration"},
		{"chaos@smtp,seed=7", "chaos needs p="},
		{"chaos@smtp,p=0.2", "chaos needs seed="},
		{"chaos@smtp,p=1.5,seed=1", "p=1.5: want a probability"},
		{"chaos@smtp,p=0,seed=1", "p=0: want a probability"},
		{"chaos,p=0.2,seed=1,with=451 x", "chaos with=LINE needs @smtp"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := ParseFault(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseFault(%q) = %v, want an error with %q", tc.spec, err, tc.want)
			}
		})
	}
}

func TestFaultSpecApplies(t *testing.T) {
	pop := ConnInfo{Protocol: "pop3", Start: time.Second, Up: time.Second}
	imap := ConnInfo{Protocol: "imap"}
	reset, _ := ParseFault("reset@pop3,after=30000")
	if !reset.Matches(pop) || reset.Matches(imap) {
		t.Errorf("reset@pop3 matches pop3 %v, imap %v; want only pop3", reset.Matches(pop), reset.Matches(imap))
	}
	if f, err := reset.Fault(pop); err != nil || f != (ResetAfter{Dir: Down, Bytes: 30000}) {
		t.Errorf("Fault() = %v, %v; want ResetAfter 30000 S→C", f, err)
	}
	any, _ := ParseFault("drop,dir=down")
	if !any.Matches(pop) || !any.Matches(imap) {
		t.Error("a spec without @protocol must match every connection")
	}
	off, _ := ParseFault("offline,for=1s")
	if off.Matches(pop) {
		t.Error("offline is not a per-connection fault")
	}
	timed, _ := ParseFault("stall,at=2s,for=10s")
	if f, err := timed.Fault(pop); err != nil || f.(*timedStall).from != 3*time.Second || f.String() != "stall both for 10s at 2s" {
		t.Errorf("timed stall Fault() = %v, %v; want one from 3s (2s into a connection up at 1s)", f, err)
	}
}

// A timed stall holds the first write leaving in its window, in each
// direction, until the window ends; a write on its way when the window
// opens keeps the segments already on the wire and holds the rest; before
// and after the window nothing is touched.
func TestTimedStallPlan(t *testing.T) {
	fs, _ := ParseFault("stall,at=2s,for=10s")
	// 1,000 bytes a second with no overhead: a 100-byte segment takes 0.1 s.
	at := func(dir Direction, depart time.Duration, n int) write {
		return write{dir: dir, n: n, depart: depart, bps: 8000, mss: 100}
	}
	ms := time.Millisecond
	for _, tc := range []struct {
		name string
		w    []write
		want []faultAction
	}{
		{"before, in, and again in the window",
			[]write{at(Down, 2*time.Second, 5), at(Down, 3*time.Second, 5), at(Down, 4*time.Second, 5)},
			[]faultAction{{keep: 5}, {hit: true, keep: 5, stall: 10 * time.Second, stallAt: 3 * time.Second}, {keep: 5}}},
		{"each direction once",
			[]write{at(Up, 5*time.Second, 5), at(Down, 6*time.Second, 5), at(Up, 13*time.Second, 5)},
			[]faultAction{{hit: true, keep: 5, stall: 8 * time.Second, stallAt: 5 * time.Second}, {hit: true, keep: 5, stall: 7 * time.Second, stallAt: 6 * time.Second, spent: true}, {keep: 5, spent: true}}},
		{"on its way when the window opens",
			// Leaves at 2.75 s: segments from 2.75, 2.85, 2.95 s are on
			// the wire at 3 s; the rest, from byte 300 (3.05 s), waits
			// until 13 s.
			[]write{at(Down, 2750*ms, 1000)},
			[]faultAction{{hit: true, keep: 1000, hold: 300, stall: 13*time.Second - 3050*ms, stallAt: 3 * time.Second}}},
		{"wholly on the wire before the window",
			[]write{at(Down, 2500*ms, 500)},
			[]faultAction{{keep: 500}}},
		{"the window passed with nothing to hold",
			[]write{at(Down, 14*time.Second, 5), at(Up, 14*time.Second, 5)},
			[]faultAction{{keep: 5}, {keep: 5, spent: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := fs.Fault(ConnInfo{Start: 0, Up: time.Second}) // after a 1 s dial
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range tc.w {
				if got := f.plan(w); got != tc.want[i] {
					t.Errorf("write %d (%v at %v, %d bytes): plan = %+v, want %+v", i, w.dir, w.depart, w.n, got, tc.want[i])
				}
			}
		})
	}
}

func FuzzParseFault(f *testing.F) {
	for _, s := range []string{
		"reset@pop3,after=30000", "stall,at=2s,for=10s", "drop@imap,dir=down", "offline,at=5s,for=30s",
		"reply@pop3,cmd=RETR,nth=3,with=-ERR [SYS/TEMP] try later", "reset,after=1,", "a@b,c=d,with=,,,",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := ParseFault(s)
		if err != nil {
			if fs.Kind != "" {
				t.Errorf("ParseFault(%q) failed but returned kind %q", s, fs.Kind)
			}
			return
		}
		if fs.Spec != s || fs.Kind == "" {
			t.Errorf("ParseFault(%q) = %+v", s, fs)
		}
		if strings.ContainsAny(s, "\r\n\x00") {
			t.Errorf("ParseFault(%q) accepted a control character", s)
		}
		if fs.Supported() == nil && fs.Kind != "offline" && !fs.IsProtocol() {
			if _, err := fs.Fault(ConnInfo{}); err != nil {
				t.Errorf("ParseFault(%q) is supported but Fault() = %v", s, err)
			}
		}
		// The same text parses the same way again.
		again, err := ParseFault(fs.Spec)
		if err != nil || again.Kind != fs.Kind || again.Protocol != fs.Protocol || len(again.Params) != len(fs.Params) {
			t.Errorf("ParseFault(%q) twice: %+v, %v", s, again, err)
		}
	})
}

// Options.Faults gives each connection its own faults as it is made, by
// protocol, with no race between connections opened together.
func TestOptionsFaultsPerConnection(t *testing.T) {
	spec, err := ParseFault("reset@pop3,after=10")
	if err != nil {
		t.Fatal(err)
	}
	l := New(Options{Faults: func(ci ConnInfo) []Fault {
		if !spec.Matches(ci) {
			return nil
		}
		f, err := spec.Fault(ci)
		if err != nil {
			t.Error(err)
			return nil
		}
		return []Fault{f}
	}})
	for _, proto := range []string{"pop3", "imap", "pop3"} {
		c, s := mustPipe(t, l, PipeOptions{Protocol: proto})
		go func() { s.Write([]byte(strings.Repeat("x", 100))) }()
		buf := make([]byte, 200)
		n := 0
		for n < 100 {
			k, err := c.Read(buf[n:])
			n += k
			if err != nil {
				break
			}
		}
		if reset := c.Stats().Fault != ""; reset != (proto == "pop3") || (proto == "pop3" && n > 10) {
			t.Errorf("%s: read %d bytes, fault %q; want a reset after 10 bytes for pop3 only", proto, n, c.Stats().Fault)
		}
	}
}
