package trace_test

import (
	"fmt"
	"os"
	"time"

	"github.com/mailscope/mailscope/sim/trace"
)

// A POP3 session seen through the tap: the link reports each piece of
// each write; the recorder keeps one event per line and one per message
// body, and the transcript masks the password.
func Example() {
	rec := trace.NewRecorder(nil)
	s := rec.NewSession(trace.SessionInfo{Protocol: trace.POP3})
	at := time.Duration(0)
	send := func(fromClient bool, lines ...string) {
		for _, l := range lines {
			s.Transfer(fromClient, []byte(l), at, at+10*time.Millisecond, len(l)+40, time.Time{})
			at += 10 * time.Millisecond
		}
	}
	send(false, "+OK ready\r\n")
	send(true, "USER alice\r\n")
	send(false, "+OK\r\n")
	send(true, "PASS secret\r\n")
	send(false, "+OK 1 message\r\n")
	send(true, "RETR 1\r\n")
	send(false, "+OK 21 octets\r\n", "Subject: hi\r\n", "\r\n", "Hello\r\n", ".\r\n")

	snap := rec.Snapshot()
	trace.WriteText(os.Stdout, snap.Events(), trace.ExportOptions{})
	for ev := range snap.Events() {
		if ev.Kind == trace.KindBulk {
			e := trace.ExplainEvent(&ev)[0]
			fmt.Printf("%s: %d bytes; %s: %s\n", ev.Verb, ev.Bytes, e.Cite(), e.Sentence)
		}
	}
	// Output:
	//    0.000000  s1  S→C  +OK ready
	//    0.010000  s1  C→S  USER alice
	//    0.020000  s1  S→C  +OK
	//    0.030000  s1  C→S  PASS ********
	//    0.040000  s1  S→C  +OK 1 message
	//    0.050000  s1  C→S  RETR 1
	//    0.060000  s1  S→C  +OK 21 octets
	//    0.070000  s1  S→C  [bulk 22 B] Subject: hi↵↵Hello↵
	//    0.100000  s1  S→C  .
	// RETR: 22 bytes; RFC 1939 §5: Downloads a whole message; its lines follow the +OK and end with a line holding only a dot.
}
