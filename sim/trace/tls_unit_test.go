package trace

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The traffic keys of RFC 8448 §3 (Simple 1-RTT Handshake).
func TestTrafficKeyRFC8448(t *testing.T) {
	s := suiteByID(tls.TLS_AES_128_GCM_SHA256)
	tests := []struct{ name, secret, key, iv string }{
		{"server handshake", "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38",
			"3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30"},
		{"client handshake", "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21",
			"", "5bd3c71b836e0b76bb73265f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := unhex(t, tt.secret)
			if tt.key != "" {
				key, _ := hkdfExpandLabel(s.hash, secret, "key", nil, 16)
				if got := hex.EncodeToString(key); got != tt.key {
					t.Errorf("key = %s, want %s", got, tt.key)
				}
			}
			k, err := newTrafficKey(s, secret)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(k.iv[:]); got != tt.iv {
				t.Errorf("iv = %s, want %s", got, tt.iv)
			}
		})
	}
}

// Records sealed under each suite open under a key from the same secret,
// in sequence; a failed trial leaves the sequence number alone; KeyUpdate
// keys agree on both sides.
func TestTrafficKeyRoundTrip(t *testing.T) {
	for i := range tls13Suites {
		s := &tls13Suites[i]
		t.Run(tls.CipherSuiteName(s.id), func(t *testing.T) {
			secret := bytes.Repeat([]byte{7}, s.hash().Size())
			w, _ := newTrafficKey(s, secret)
			r, _ := newTrafficKey(s, secret)
			other, _ := newTrafficKey(s, bytes.Repeat([]byte{8}, s.hash().Size()))
			for n, msg := range []string{"hello\r\n", strings.Repeat("\n", 3000), ""} {
				rec := w.seal(recordApplicationData, []byte(msg))
				if _, _, ok := other.open(nil, rec); ok {
					t.Fatalf("record %d opens under the wrong key", n)
				}
				got, typ, ok := r.open(nil, rec)
				if !ok || typ != recordApplicationData || string(got) != msg {
					t.Fatalf("open(record %d) = %q, %d, %v", n, got, typ, ok)
				}
			}
			if other.seq != 0 || r.seq != 3 {
				t.Errorf("seq after failures = %d, after successes = %d; want 0, 3", other.seq, r.seq)
			}
			w2, _ := w.next()
			r2, _ := r.next()
			if got, _, ok := r2.open(nil, w2.seal(recordHandshake, []byte("x"))); !ok || string(got) != "x" {
				t.Errorf("KeyUpdate keys disagree")
			}
		})
	}
}

func TestKeyLogParse(t *testing.T) {
	kl := &KeyLog{MaxClients: 2}
	rnd := func(b byte) [32]byte { return [32]byte{b} }
	line := func(label string, r [32]byte, secret string) string {
		return fmt.Sprintf("%s %x %s\n", label, r[:], secret)
	}
	sec := strings.Repeat("ab", 32)
	in := "# comment\n" + line("CLIENT_RANDOM", rnd(1), strings.Repeat("cd", 48)) +
		line("CLIENT_HANDSHAKE_TRAFFIC_SECRET", rnd(1), sec) + line("SERVER_TRAFFIC_SECRET_0", rnd(1), sec) +
		"CLIENT_TRAFFIC_SECRET_0 zz " + sec + "\n" + line("EXPORTER_SECRET", rnd(1), sec)
	// Written a few bytes at a time: lines are reassembled.
	for i := 0; i < len(in); i += 7 {
		kl.Write([]byte(in[i:min(i+7, len(in))]))
	}
	if kl.Len() != 1 {
		t.Fatalf("Len() = %d, want 1", kl.Len())
	}
	if got := kl.secret(rnd(1), secretClientHandshake); hex.EncodeToString(got) != sec {
		t.Errorf("client handshake secret = %x", got)
	}
	if kl.secret(rnd(1), secretClientTraffic) != nil || kl.secret(rnd(1), secretServerHandshake) != nil {
		t.Errorf("secrets that were not (validly) logged are there")
	}
	want := line("CLIENT_HANDSHAKE_TRAFFIC_SECRET", rnd(1), sec) + line("SERVER_TRAFFIC_SECRET_0", rnd(1), sec)
	if got := string(kl.appendNSS(nil, rnd(1))); got != want {
		t.Errorf("appendNSS = %q, want %q", got, want)
	}
	woke := 0
	kl.wait(rnd(2), func() { woke++ })
	kl.Write([]byte(line("SERVER_HANDSHAKE_TRAFFIC_SECRET", rnd(2), sec)))
	kl.Write([]byte(line("SERVER_HANDSHAKE_TRAFFIC_SECRET", rnd(3), sec)))
	if woke != 1 {
		t.Errorf("waiter woken %d times, want 1", woke)
	}
	if kl.Len() != 2 || kl.secret(rnd(1), secretClientHandshake) != nil {
		t.Errorf("Len() = %d and the oldest still kept: MaxClients not enforced", kl.Len())
	}
}

// tlsScript builds a TLS 1.3 exchange by hand, sealed under known
// secrets, to drive a session through the link's piecewise calls.
type tlsScript struct {
	suite            *tls13Suite
	random           [32]byte
	cHS, sHS, cA, sA *trafficKey
	keys             string // the NSS lines
}

func newTLSScript(t testing.TB, s *tls13Suite) *tlsScript {
	t.Helper()
	sc := &tlsScript{suite: s}
	copy(sc.random[:], bytes.Repeat([]byte{0x0a, 0x42}, 16)) // LFs: pieces split inside
	var nss strings.Builder
	for i, k := range []**trafficKey{&sc.cHS, &sc.sHS, &sc.cA, &sc.sA} {
		secret := bytes.Repeat([]byte{byte(i + 1), 0x0a}, s.hash().Size()/2)
		*k, _ = newTrafficKey(s, secret)
		fmt.Fprintf(&nss, "%s %x %x\n", secretLabels[i], sc.random[:], secret)
	}
	sc.keys = nss.String()
	return sc
}

func handshakeRecord(msgs ...[]byte) []byte {
	body := bytes.Join(msgs, nil)
	rec := []byte{recordHandshake, 3, 3, 0, 0}
	binary.BigEndian.PutUint16(rec[3:], uint16(len(body)))
	return append(rec, body...)
}

func handshakeMsg(typ byte, body []byte) []byte {
	return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

func (sc *tlsScript) clientHello() []byte {
	b := append([]byte{3, 3}, sc.random[:]...)
	b = append(b, 0, 0, 2, 0x13, 0x01, 1, 0, 0, 0)
	return handshakeRecord(handshakeMsg(1, b))
}

func (sc *tlsScript) serverHello() []byte {
	b := append([]byte{3, 3}, bytes.Repeat([]byte{0x5e}, 32)...)
	b = append(b, 0, byte(sc.suite.id>>8), byte(sc.suite.id), 0, 0, 6, 0, 43, 0, 2, 3, 4)
	return handshakeRecord(handshakeMsg(2, b))
}

// A hand-made TLS 1.3 session in each suite, its ciphertext cut at every
// 0x0A as the link cuts writes: handshake records named, lines decrypted
// (two in one record, one across two records), PASS masked, a KeyUpdate
// followed, and every byte and wire byte accounted once.
func TestSessionDecryptsScript(t *testing.T) {
	for i := range tls13Suites {
		s := &tls13Suites[i]
		t.Run(tls.CipherSuiteName(s.id), func(t *testing.T) {
			sc := newTLSScript(t, s)
			kl := &KeyLog{}
			kl.Write([]byte(sc.keys))
			r := NewRecorder(&Options{KeyLog: kl})
			c := newConn(t, r, POP3)
			total, wire := 0, 0
			send := func(client bool, b []byte) {
				before := c.now
				c.write(client, string(b))
				total += len(b)
				wire += len(b) + 40*int((c.now-before)/time.Millisecond)
			}
			ad := func(k *trafficKey, s string) []byte { return k.seal(recordApplicationData, []byte(s)) }
			send(true, sc.clientHello())
			send(false, append(append(sc.serverHello(), 20, 3, 3, 0, 1, 1),
				append(sc.sHS.seal(recordHandshake, handshakeMsg(8, []byte{0, 0})),
					sc.sHS.seal(recordHandshake, handshakeMsg(20, bytes.Repeat([]byte{0x0a}, 32)))...)...))
			send(true, sc.cHS.seal(recordHandshake, handshakeMsg(20, bytes.Repeat([]byte{1}, 32))))
			send(false, ad(sc.sA, "+OK ready\r\n"))
			send(true, ad(sc.cA, "USER alice\r\nPASS hunter2\r\n"))
			send(false, append(ad(sc.sA, "+OK\r\n+O"), ad(sc.sA, "K logged in\r\n")...))
			send(true, sc.cA.seal(recordHandshake, handshakeMsg(24, []byte{0})))
			next, _ := sc.cA.next()
			send(true, ad(next, "QUIT\r\n"))
			send(false, ad(sc.sA, "+OK bye\r\n"))
			send(false, sc.sA.seal(recordAlert, []byte{1, 0}))
			c.close()

			evs := events(r)
			var got []string
			stream, wired := 0, 0
			for i := range evs {
				ev := &evs[i]
				stream += ev.StreamBytes()
				wired += ev.Wire
				if ev.Kind == KindLine && !ev.Has(FlagTLS) {
					t.Errorf("line %q lacks FlagTLS", ev.Text)
				}
				if ev.Kind != KindConnect && ev.Kind != KindClose {
					got = append(got, brief(ev, false))
				}
				// Every TLS event is explained; a decrypted line by its
				// command or status, then the note that it crossed in TLS.
				ex := ExplainEvent(ev)
				switch {
				case ev.Kind == KindTLS && (len(ex) != 1 || ex[0].RFC != 8446 || ex[0].Protocol != POP3):
					t.Errorf("ExplainEvent(%q) = %+v, want one RFC 8446 note", ev.Text, ex)
				case ev.Kind == KindLine && (len(ex) < 2 || ex[len(ex)-1].Key != tlsKeyDecrypted):
					t.Errorf("ExplainEvent(%q) = %+v, want its own and then the TLS note", ev.Text, ex)
				}
			}
			want := []string{
				`tls C→S "TLS handshake begins (implicit TLS)"`,
				`tls C→S verb=ClientHello "ClientHello"`,
				`tls S→C verb=ServerHello "ServerHello (TLS 1.3, ` + tls.CipherSuiteName(s.id) + `)"`,
				`tls S→C verb=ChangeCipherSpec "ChangeCipherSpec (middlebox compatibility, RFC 8446 §D.4)"`,
				`tls S→C verb=EncryptedExtensions "encrypted handshake: EncryptedExtensions"`,
				`tls S→C verb=Finished "encrypted handshake: Finished"`,
				`tls C→S verb=Finished "encrypted handshake: Finished"`,
				`tls C→S "TLS 1.3, ` + tls.CipherSuiteName(s.id) + `"`,
				`line S→C status=+OK "+OK ready"`,
				`line C→S verb=USER "USER alice"`,
				`line C→S verb=PASS "PASS ********"`,
				`line S→C status=+OK "+OK"`,
				`line S→C status=+OK "+OK logged in"`,
				`tls C→S verb=KeyUpdate "encrypted handshake: KeyUpdate"`,
				`line C→S verb=QUIT "QUIT"`,
				`line S→C status=+OK "+OK bye"`,
				`tls S→C verb=alert "alert: close_notify"`,
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if stream != total || wired != wire {
				t.Errorf("events account for %d bytes, %d wire; the session carried %d, %d", stream, wired, total, wire)
			}
		})
	}
}

// The Decryption Secrets Block is a well-formed pcapng block that
// gopacket's reader accepts between the headers and the packets.
func TestDecryptionSecretsBlock(t *testing.T) {
	keys := []byte("CLIENT_TRAFFIC_SECRET_0 00 11\n") // 30 bytes: padded to 32
	b := decryptionSecretsBlock(keys)
	if len(b) != 16+32+4 || binary.LittleEndian.Uint32(b[4:]) != uint32(len(b)) ||
		binary.LittleEndian.Uint32(b[len(b)-4:]) != uint32(len(b)) {
		t.Fatalf("block = % x", b)
	}
	r := NewRecorder(nil)
	c := newConn(t, r, POP3)
	c.C("USER a\r\n")
	c.close()
	var buf bytes.Buffer
	kl := &KeyLog{}
	// A ClientHello event is what names a session's secrets.
	sc := newTLSScript(t, &tls13Suites[0])
	kl.Write([]byte(sc.keys))
	r2 := NewRecorder(&Options{KeyLog: kl})
	c2 := newConn(t, r2, IMAP)
	c2.C(string(sc.clientHello()))
	c2.close()
	evs := append(events(r), events(r2)...)
	if err := WritePcapng(&buf, nil, func(yield func(Event) bool) {
		for _, ev := range evs {
			if !yield(ev) {
				return
			}
		}
	}, ExportOptions{Reveal: true, KeyLog: kl}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(sc.keys)) {
		t.Errorf("the capture lacks the session's key log lines")
	}
	rd, err := pcapgo.NewNgReader(bytes.NewReader(buf.Bytes()), pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, _, err := rd.ReadPacketData(); err != nil {
			break
		}
		n++
	}
	if n == 0 {
		t.Errorf("no packets read back")
	}
}
