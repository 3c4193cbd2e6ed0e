package trace

import (
	"bytes"
	"testing"
)

// FuzzSession feeds arbitrary traffic to every protocol's tap: it must
// never panic, and every byte must be accounted for in some event.
func FuzzSession(f *testing.F) {
	f.Add(byte(1), []byte("EHLO x\r\n"), []byte("250 ok\r\n"), uint8(0))
	f.Add(byte(2), []byte("RETR 1\r\n"), []byte("+OK\r\nbody\r\n.\r\n"), uint8(0))
	f.Add(byte(3), []byte("a1 LOGIN {3}\r\nbob {2}\r\npw\r\n"), []byte("* 1 FETCH (BODY[] {4}\r\nabcd)\r\n"), uint8(0))
	f.Add(byte(3), []byte("a1 AUTHENTICATE PLAIN\r\nAAAA\r\n"), []byte("+ \r\na1 OK\r\n"), uint8(0))
	f.Add(byte(1), []byte("DATA\r\nab\r\nc\r\n.\r\n"), []byte("354 go\r\n"), uint8(1))
	f.Add(byte(1), []byte("STARTTLS\r\n\x16\x03\x01"), []byte("220 go\r\n\x16\x03\x03"), uint8(0))
	f.Fuzz(func(t *testing.T, proto byte, client, server []byte, step uint8) {
		r := NewRecorder(&Options{MaxLine: 64, PayloadLimit: 256})
		s := r.NewSession(SessionInfo{Protocol: Protocol(proto % 4)})
		total := 0
		// Interleave the two sides a piece at a time, as the link would.
		for len(client) > 0 || len(server) > 0 {
			for _, side := range []*[]byte{&client, &server} {
				b := *side
				if len(b) == 0 {
					continue
				}
				n := bytes.IndexByte(b, '\n') + 1
				if n == 0 {
					n = len(b)
				}
				if step > 0 { // cut lines into pieces too, as partial writes do
					n = min(n, int(step))
				}
				s.Transfer(side == &client, b[:n], 0, 0, n, wall0)
				total += n
				*side = b[n:]
			}
		}
		s.Mark("close", "", true, 0, wall0)
		got := 0
		for ev := range r.Snapshot().Events() {
			got += ev.Bytes
			_ = ev.Display(false)
			_ = ExplainEvent(&ev)
			if b, missing := ev.WireBytes(false); len(b)+missing != ev.Bytes {
				t.Fatalf("WireBytes of %+v = %d + %d missing, want %d", ev, len(b), missing, ev.Bytes)
			}
		}
		if got != total {
			t.Fatalf("events account for %d bytes, want %d", got, total)
		}
	})
}
