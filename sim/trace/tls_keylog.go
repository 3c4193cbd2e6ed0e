package trace

import (
	"bytes"
	"encoding/hex"
	"sync"
)

// DefaultKeyLogSize is how many TLS connections' secrets a KeyLog keeps
// when its MaxClients is 0.
const DefaultKeyLogSize = 10000

// maxKeyLogLine bounds a key log line buffered across Writes; NSS lines
// are under 250 bytes.
const maxKeyLogLine = 1024

// The TLS 1.3 secrets the tap uses, by index in keySecrets.
const (
	secretClientHandshake = iota
	secretServerHandshake
	secretClientTraffic
	secretServerTraffic
	numSecrets
)

// secretLabels are the NSS key log labels of the secrets above.
var secretLabels = [numSecrets]string{
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
	"SERVER_HANDSHAKE_TRAFFIC_SECRET",
	"CLIENT_TRAFFIC_SECRET_0",
	"SERVER_TRAFFIC_SECRET_0",
}

type keySecrets [numSecrets][]byte

// KeyLog collects the TLS secrets the lab's servers log, so that the
// trace can show what TLS sessions carried, decrypted, as Wireshark does
// with SSLKEYLOGFILE. Pass it as crypto/tls Config.KeyLogWriter and as the
// Recorder's Options.KeyLog.
//
// It parses NSS key log lines ("LABEL <client random> <secret>", hex) and
// keeps the TLS 1.3 handshake and application traffic secrets by client
// random; other labels (TLS 1.2's CLIENT_RANDOM, early data, exporter
// secrets) are ignored. It keeps at most MaxClients connections' secrets,
// dropping the oldest. The zero value is ready to use and it is safe for
// concurrent use.
//
// The secrets decrypt everything the connections carried, passwords
// included: they never appear in events, and exports embed them only when
// asked to reveal secrets (see ExportOptions.KeyLog).
type KeyLog struct {
	// MaxClients bounds how many connections' secrets are kept; 0 means
	// DefaultKeyLogSize. Set it before first use.
	MaxClients int

	mu      sync.Mutex
	line    []byte // a line split across Writes
	m       map[[32]byte]*keySecrets
	order   [][32]byte // client randoms, oldest first
	waiters map[[32]byte][]func()
}

// Write parses NSS key log lines. It never fails: malformed lines and
// unknown labels are skipped.
func (k *KeyLog) Write(p []byte) (int, error) {
	n := len(p)
	var wake []func()
	k.mu.Lock()
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(k.line)+len(p) <= maxKeyLogLine {
				k.line = append(k.line, p...)
			} else {
				k.line = k.line[:0]
			}
			break
		}
		line := p[:i]
		if len(k.line) > 0 {
			if len(k.line)+len(line) <= maxKeyLogLine {
				line = append(k.line, line...)
			}
			k.line = k.line[:0]
		}
		p = p[i+1:]
		if r, ok := k.addLine(line); ok {
			wake = append(wake, k.waiters[r]...)
			delete(k.waiters, r)
		}
	}
	k.mu.Unlock()
	for _, f := range wake {
		f()
	}
	return n, nil
}

// addLine stores one line's secret and returns its client random.
func (k *KeyLog) addLine(line []byte) ([32]byte, bool) {
	var random [32]byte
	line = bytes.TrimSpace(line)
	label, rest, _ := bytes.Cut(line, []byte(" "))
	rhex, shex, ok := bytes.Cut(rest, []byte(" "))
	if !ok || len(rhex) != 64 || len(shex) < 32 || len(shex) > 128 {
		return random, false
	}
	idx := -1
	for i, l := range secretLabels {
		if string(label) == l {
			idx = i
		}
	}
	if idx < 0 {
		return random, false
	}
	if _, err := hex.Decode(random[:], rhex); err != nil {
		return random, false
	}
	secret := make([]byte, len(shex)/2)
	if _, err := hex.Decode(secret, shex); err != nil || len(shex)%2 != 0 {
		return random, false
	}
	if k.m == nil {
		k.m = make(map[[32]byte]*keySecrets)
	}
	e := k.m[random]
	if e == nil {
		e = new(keySecrets)
		k.m[random] = e
		k.order = append(k.order, random)
		limit := k.MaxClients
		if limit <= 0 {
			limit = DefaultKeyLogSize
		}
		for len(k.order) > limit {
			delete(k.m, k.order[0])
			k.order = k.order[1:]
		}
	}
	e[idx] = secret
	return random, true
}

// secret returns one secret of the connection with this client random, or
// nil when it was not (or is no longer) logged.
func (k *KeyLog) secret(random [32]byte, idx int) []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e := k.m[random]; e != nil {
		return e[idx]
	}
	return nil
}

// wait calls f once, from the goroutine that writes it, when a secret for
// random is next logged. It is bounded like the secrets: beyond
// MaxClients waiting randoms, f is not registered (the session retries on
// its next bytes anyway).
func (k *KeyLog) wait(random [32]byte, f func()) {
	k.mu.Lock()
	defer k.mu.Unlock()
	limit := k.MaxClients
	if limit <= 0 {
		limit = DefaultKeyLogSize
	}
	if k.waiters == nil {
		k.waiters = make(map[[32]byte][]func())
	}
	if _, ok := k.waiters[random]; !ok && len(k.waiters) >= limit {
		return
	}
	if len(k.waiters[random]) < 4 {
		k.waiters[random] = append(k.waiters[random], f)
	}
}

// Len reports how many connections' secrets are kept.
func (k *KeyLog) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}

// appendNSS appends the NSS key log lines of the connection with this
// client random (nothing when none were logged).
func (k *KeyLog) appendNSS(b []byte, random [32]byte) []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	e := k.m[random]
	if e == nil {
		return b
	}
	for i, s := range e {
		if s == nil {
			continue
		}
		b = append(b, secretLabels[i]...)
		b = append(b, ' ')
		b = hex.AppendEncode(b, random[:])
		b = append(b, ' ')
		b = hex.AppendEncode(b, s)
		b = append(b, '\n')
	}
	return b
}
