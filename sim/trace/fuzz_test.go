package trace

import (
	"bytes"
	"strings"
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
	f.Add(byte(5), []byte("STARTTLS\r\n\x16\x03\x01\x00\x2a\x01\x00\x00\x26\x03\x03"+strings.Repeat("r", 32)+"\x00\x00\x17\x03\x03\x00\x01x"),
		[]byte("220 go\r\n\x16\x03\x03\x00\x2a\x02\x00\x00\x26\x03\x03"+strings.Repeat("s", 32)+"\x00\x13\x01\x00\x14\x03\x03\x00\x01\x01"), uint8(0))
	f.Add(byte(6), []byte("\x16\x03\x01\x00\x02\x01\x00\x0a\x0a"), []byte("\x16\x03\x03\x00\x01\x0a"), uint8(2))
	f.Fuzz(func(t *testing.T, proto byte, client, server []byte, step uint8) {
		opt := &Options{MaxLine: 64, PayloadLimit: 256}
		if proto&4 != 0 { // follow TLS records, with no secrets to open them
			opt.KeyLog = &KeyLog{}
		}
		r := NewRecorder(opt)
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
			got += ev.StreamBytes()
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

// FuzzTLSSession feeds TLS records whose secrets the key log holds, as
// mutated from a valid exchange: decryption failures, cut records, bad
// headers and garbage must never panic, and every byte must be accounted
// for once, as plaintext events or records.
func FuzzTLSSession(f *testing.F) {
	sc := newTLSScript(f, &tls13Suites[0])
	ad := func(k *trafficKey, s string) []byte { return k.seal(recordApplicationData, []byte(s)) }
	client := bytes.Join([][]byte{
		sc.clientHello(),
		sc.cHS.seal(recordHandshake, handshakeMsg(20, bytes.Repeat([]byte{1}, 32))),
		ad(sc.cA, "a1 LOGIN bob {2}\r\n"), ad(sc.cA, "pw\r\na2 APPEND x {3+}\r\nabc\r\n"),
	}, nil)
	server := bytes.Join([][]byte{
		sc.serverHello(), {20, 3, 3, 0, 1, 1},
		sc.sHS.seal(recordHandshake, handshakeMsg(20, bytes.Repeat([]byte{0x0a}, 32))),
		ad(sc.sA, "* OK ready\r\n+ go\r\n"), ad(sc.sA, "a1 OK\r\n* 1 FETCH (BODY[] {4}\r\nab"), ad(sc.sA, "cd)\r\n"),
	}, nil)
	f.Add(client, server, uint8(0))
	f.Add(client, server, uint8(7))
	f.Fuzz(func(t *testing.T, client, server []byte, step uint8) {
		kl := &KeyLog{}
		kl.Write([]byte(sc.keys))
		r := NewRecorder(&Options{MaxLine: 64, PayloadLimit: 4096, KeyLog: kl})
		s := r.NewSession(SessionInfo{Protocol: IMAP})
		total := 0
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
				if step > 0 {
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
			got += ev.StreamBytes()
			if b, missing := ev.StreamData(false); len(b)+missing != ev.StreamBytes() {
				t.Fatalf("StreamData of %+v = %d + %d missing, want %d", ev, len(b), missing, ev.StreamBytes())
			}
			if b, missing := ev.WireBytes(false); len(b)+missing != ev.Bytes {
				t.Fatalf("WireBytes of %+v = %d + %d missing, want %d", ev, len(b), missing, ev.Bytes)
			}
		}
		if got != total {
			t.Fatalf("events account for %d bytes, want %d", got, total)
		}
	})
}
