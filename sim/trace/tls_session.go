package trace

import (
	"crypto/tls"
	"strings"
	"time"
)

// How the tap follows TLS, once a direction's bytes are TLS records:
//
//   - Records are reassembled from the link's pieces (which are cut at
//     every 0x0A byte, ciphertext or not).
//   - The plaintext ClientHello gives the client random, the ServerHello
//     the cipher suite and the version (supported_versions). Each is a
//     KindTLS event, as are ChangeCipherSpec and alert records.
//   - TLS 1.3 records are decrypted with keys derived from the secrets in
//     the recorder's KeyLog (RFC 8446 §7.1, §7.3): the handshake traffic
//     secret first, then application traffic secret 0, then each
//     KeyUpdate's. A record that fails to open under the current key is
//     tried under the next one (seq from 0); so no handshake message has to
//     be parsed to know when keys change.
//   - Encrypted handshake records are KindTLS events named after their
//     messages; the client's Finished completes the handshake ("TLS 1.3,
//     TLS_AES_128_GCM_SHA256"). Application data is fed, decrypted, to the
//     protocol parser as if it had crossed in plain text.
//   - A record whose key is not logged yet waits in a short queue; the
//     KeyLog wakes the session when secrets for its client random arrive.
//   - Without a key log, for TLS 1.2, an unknown client random, a record
//     that opens under no key, or bytes that are not TLS records, the
//     direction falls back to encrypted bulk events as before.
//
// Every record is accounted, with its wire bytes, to exactly one event
// (see Event.RecordBytes): the records consumed so far wait in
// sealedState until the next decrypted line or bulk (FlagTLS) or TLS
// record event of that direction.

// Bounds on the records that wait for their key: logging from the client
// side (or a slow logger) delays a key by moments, not by a second.
const (
	maxQueuedRecords = 64
	maxQueuedBytes   = 1 << 20
	keyWait          = time.Second
)

// Texts of the KindTLS events that are not records.
const (
	tlsBeginText         = "TLS handshake begins"
	tlsBeginImplicitText = "TLS handshake begins (implicit TLS)"
)

type tlsState struct {
	random    [32]byte
	haveHello bool // the ClientHello was read
	suite     *tls13Suite
	version   uint16
	hello     bool        // the ServerHello was read
	noDecrypt bool        // decryption is impossible: both directions fall back
	done      bool        // the handshake completed and was announced
	waiting   bool        // registered with the key log
	timer     *time.Timer // gives up on keys that do not come
	closed    bool
	dir       [2]tlsDir
}

type tlsDir struct {
	rec       []byte // the record being reassembled
	recAt     time.Duration
	recArrive time.Duration
	recWall   time.Time
	recWire   int

	epoch int         // 0 plaintext; 1 handshake keys; 2+n application traffic secret n
	key   *trafficKey // the current epoch's key
	next  *trafficKey // the next epoch's, once derived

	queue     []tlsRecord // records awaiting a key, oldest first
	queued    int
	waitSince time.Time // when the first of them began to wait (wall clock)

	plain []byte // storage for decrypted records

	hsRemain int    // bytes of a handshake message continuing in the next record
	hsLast   string // name of that message

	sealed sealedState
}

type tlsRecord struct {
	b      []byte
	at     time.Duration
	arrive time.Duration
	wall   time.Time
	wire   int
}

// sealedState holds the records of a direction not yet accounted to an
// event.
type sealedState struct {
	buf       []byte
	n         int
	wire      int
	truncated bool
}

// beginTLS turns direction d over to TLS records; for implicit TLS both
// directions.
func (s *Session) beginTLS(d Direction, at time.Duration, wall time.Time, implicit bool) {
	if s.tls == nil {
		s.tls = &tlsState{}
		text := tlsBeginText
		if implicit {
			text = tlsBeginImplicitText
		}
		s.emit(&Event{
			Session: s.info.ID, Protocol: s.info.Protocol, Dir: d, Kind: KindTLS,
			At: at, Arrive: at, Wall: wall, Text: text,
		})
	}
	dirs := []Direction{d}
	if implicit {
		dirs = append(dirs, 1-d)
		s.dirs[1-d].maybeTLS = false
	}
	for _, d := range dirs {
		ds := &s.dirs[d]
		if s.r.opt.KeyLog == nil || s.tls.noDecrypt {
			ds.opaque = true
			s.startBulk(d, "", "", FlagEncrypted)
			continue
		}
		ds.records = true
	}
}

// tlsNeed returns how many of n bytes belong to the record being
// reassembled: its header, or the rest of its body.
func (s *Session) tlsNeed(d Direction, n int) int {
	t := &s.tls.dir[d]
	need := recordHeaderLen - len(t.rec)
	if need <= 0 {
		need = recordHeaderLen + (int(t.rec[3])<<8 | int(t.rec[4])) - len(t.rec)
	}
	return min(need, n)
}

// tlsAdd adds bytes (as told by tlsNeed) to the record being reassembled
// and processes the record once whole.
func (s *Session) tlsAdd(d Direction, p []byte, depart, arrive time.Duration, wire int, wall time.Time) {
	t := &s.tls.dir[d]
	if len(t.rec) == 0 {
		t.rec = make([]byte, 0, recordHeaderLen)
		t.recAt, t.recWall, t.recWire = depart, wall, 0
	}
	t.rec = append(t.rec, p...)
	t.recWire += wire
	t.recArrive = arrive
	if len(t.rec) < recordHeaderLen {
		return
	}
	if len(t.rec) == recordHeaderLen {
		if !validRecordHeader(t.rec) {
			s.tlsFallback(d) // not TLS after all
			return
		}
		n := int(t.rec[3])<<8 | int(t.rec[4])
		rec := make([]byte, recordHeaderLen, recordHeaderLen+n)
		copy(rec, t.rec)
		t.rec = rec
	}
	if len(t.rec) < recordHeaderLen+(int(t.rec[3])<<8|int(t.rec[4])) {
		return
	}
	r := tlsRecord{b: t.rec, at: t.recAt, arrive: t.recArrive, wall: t.recWall, wire: t.recWire}
	t.rec = nil
	t.queue = append(t.queue, r)
	t.queued += len(r.b)
	s.tlsDrain(d)
}

type recordOutcome uint8

const (
	recordDone recordOutcome = iota
	recordWait               // its key is not logged (yet)
	recordFail               // it cannot be decrypted
)

// tlsDrain processes direction d's queued records in order.
func (s *Session) tlsDrain(d Direction) {
	ts := s.tls
	t := &ts.dir[d]
	retried := false
	for len(t.queue) > 0 && !s.dirs[d].opaque {
		switch s.tlsProcess(d, t.queue[0]) {
		case recordDone:
			t.queued -= len(t.queue[0].b)
			t.queue[0] = tlsRecord{}
			t.queue = t.queue[1:]
			t.waitSince = time.Time{}
			if ts.noDecrypt {
				s.tlsFallback(d)
				s.tlsFallback(1 - d)
				return
			}
		case recordFail:
			s.tlsFallback(d)
			return
		case recordWait:
			if !ts.waiting && ts.haveHello && !ts.closed {
				ts.waiting = true
				s.r.opt.KeyLog.wait(ts.random, s.tlsRetry)
				if !retried { // the secret may have come in meanwhile
					retried = true
					continue
				}
			}
			if t.waitSince.IsZero() {
				t.waitSince = time.Now()
			}
			if len(t.queue) > maxQueuedRecords || t.queued > maxQueuedBytes || ts.closed ||
				time.Since(t.waitSince) >= keyWait {
				s.tlsFallback(d)
				return
			}
			if ts.timer == nil {
				ts.timer = time.AfterFunc(keyWait-time.Since(t.waitSince), s.tlsTimeout)
			}
			return
		}
	}
}

// tlsRetry is called by the key log when secrets for this session's client
// random arrive.
func (s *Session) tlsRetry() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tls == nil || s.tls.closed {
		return
	}
	s.tls.waiting = false
	for d := range s.dirs {
		if s.dirs[d].records && !s.dirs[d].opaque {
			s.tlsDrain(Direction(d))
		}
	}
}

// tlsTimeout looks again at records still waiting for their key: those
// that waited keyWait become encrypted bulk.
func (s *Session) tlsTimeout() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tls.timer = nil
	if s.tls.closed {
		return
	}
	for d := range s.dirs {
		if ds := &s.dirs[d]; ds.records && !ds.opaque && len(s.tls.dir[d].queue) > 0 {
			s.tlsDrain(Direction(d))
			if ds.opaque && ds.bulk.active {
				s.flushBulk(Direction(d), 0) // show it now, not at the next flight
			}
		}
	}
}

// tlsProcess handles one whole record.
func (s *Session) tlsProcess(d Direction, r tlsRecord) recordOutcome {
	ts := s.tls
	t := &ts.dir[d]
	body := r.b[recordHeaderLen:]
	switch typ := r.b[0]; {
	case typ == recordApplicationData:
		if !ts.hello || ts.suite == nil {
			return recordFail // early data, or TLS 1.2: no keys for it
		}
		return s.tlsOpen(d, r)
	case typ == recordHandshake && t.epoch == 0:
		names := t.handshakeNames(body)
		verb := ""
		if len(names) > 0 {
			verb = names[0]
		}
		text := strings.Join(names, ", ")
		switch {
		case d == ClientToServer && !ts.haveHello:
			random, ok := clientHelloRandom(r.b)
			if !ok {
				ts.noDecrypt = true
				break
			}
			ts.random, ts.haveHello = random, true
		case d == ServerToClient && !ts.hello:
			sh, ok := parseServerHello(r.b)
			switch {
			case !ok:
				ts.noDecrypt = true
			case sh.retry:
				text = "HelloRetryRequest"
			default:
				ts.hello = true
				ts.version = sh.version
				ts.suite = suiteByID(sh.suite)
				if sh.version != tls.VersionTLS13 || ts.suite == nil {
					ts.noDecrypt = true
				}
				text += " (" + tls.VersionName(sh.version) + ", " + tls.CipherSuiteName(sh.suite) + ")"
			}
		}
		s.tlsEvent(d, r, verb, text, 0)
	case typ == recordChangeCipherSpec:
		text := "ChangeCipherSpec"
		if ts.version == tls.VersionTLS13 {
			text += " (middlebox compatibility, RFC 8446 §D.4)"
		}
		s.tlsEvent(d, r, "ChangeCipherSpec", text, 0)
	case typ == recordAlert:
		s.tlsEvent(d, r, "alert", alertName(body), 0)
	default:
		return recordFail // plaintext handshake after the keys changed: TLS 1.2
	}
	return recordDone
}

// tlsOpen decrypts an application_data record under the current key or,
// failing that, the next one.
func (s *Session) tlsOpen(d Direction, r tlsRecord) recordOutcome {
	t := &s.tls.dir[d]
	if t.epoch == 0 {
		k := s.tlsKey(d, 1)
		if k == nil {
			return recordWait
		}
		t.epoch, t.key = 1, k
	}
	plain, typ, ok := t.key.open(t.plain, r.b)
	if !ok {
		if t.next == nil {
			if t.epoch == 1 {
				t.next = s.tlsKey(d, 2)
			} else if k, err := t.key.next(); err == nil {
				t.next = k
			}
		}
		if t.next == nil {
			return recordWait
		}
		if plain, typ, ok = t.next.open(t.plain, r.b); !ok {
			return recordFail
		}
		t.epoch, t.key, t.next = t.epoch+1, t.next, nil
	}
	t.plain = plain[:0] // reused: nothing keeps the plaintext
	s.tlsPlain(d, r, typ, plain)
	return recordDone
}

// tlsKey returns direction d's key for epoch 1 (handshake) or 2
// (application traffic secret 0), or nil when it is not logged.
func (s *Session) tlsKey(d Direction, epoch int) *trafficKey {
	ts := s.tls
	idx := secretClientHandshake
	if epoch == 2 {
		idx = secretClientTraffic
	}
	if d == ServerToClient {
		idx++
	}
	secret := s.r.opt.KeyLog.secret(ts.random, idx)
	if secret == nil {
		return nil
	}
	k, err := newTrafficKey(ts.suite, secret)
	if err != nil {
		return nil
	}
	return k
}

// tlsPlain handles a decrypted record.
func (s *Session) tlsPlain(d Direction, r tlsRecord, typ byte, plain []byte) {
	ts := s.tls
	t := &ts.dir[d]
	switch typ {
	case recordApplicationData:
		if !ts.done {
			s.tlsEstablished(d, r.at, r.wall)
		}
		s.sealedAdd(d, r)
		if len(plain) > 0 {
			s.feed(d, plain, r.at, r.arrive, 0, r.wall, true)
		}
	case recordHandshake:
		names := t.handshakeNames(plain)
		verb := ""
		if len(names) > 0 {
			verb = names[0]
		}
		s.tlsEvent(d, r, verb, "encrypted handshake: "+strings.Join(names, ", "), FlagEncrypted)
		if d == ClientToServer && !ts.done && containsFinished(names) {
			s.tlsEstablished(d, r.at, r.wall)
		}
	case recordAlert:
		s.tlsEvent(d, r, "alert", alertName(plain), FlagEncrypted)
	default:
		s.tlsEvent(d, r, "", "TLS record", FlagEncrypted)
	}
}

func containsFinished(names []string) bool {
	for _, n := range names {
		if n == "Finished" {
			return true
		}
	}
	return false
}

// tlsEstablished announces the completed handshake.
func (s *Session) tlsEstablished(d Direction, at time.Duration, wall time.Time) {
	ts := s.tls
	ts.done = true
	s.emit(&Event{
		Session: s.info.ID, Protocol: s.info.Protocol, Dir: d, Kind: KindTLS,
		At: at, Arrive: at, Wall: wall,
		Text: tls.VersionName(ts.version) + ", " + tls.CipherSuiteName(ts.suite.id),
	})
}

// handshakeNames names the handshake messages that start in b, following
// messages across records.
func (t *tlsDir) handshakeNames(b []byte) []string {
	var names []string
	if t.hsRemain > 0 {
		k := min(t.hsRemain, len(b))
		b = b[k:]
		t.hsRemain -= k
		names = append(names, t.hsLast+" (continued)")
	}
	for len(b) >= 4 {
		n := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		t.hsLast = handshakeName(b[0])
		names = append(names, t.hsLast)
		b = b[4:]
		k := min(n, len(b))
		b = b[k:]
		t.hsRemain = n - k
	}
	if len(names) == 0 {
		names = append(names, "handshake")
	}
	return names
}

// tlsEvent records a TLS record as a KindTLS event.
func (s *Session) tlsEvent(d Direction, r tlsRecord, verb, text string, f Flags) {
	s.sealedAdd(d, r)
	ev := &Event{
		Session: s.info.ID, Protocol: s.info.Protocol, Dir: d, Kind: KindTLS,
		At: r.at, Arrive: r.arrive, Wall: r.wall, Verb: verb, Text: text, Flags: f,
	}
	s.takeSealed(ev)
	s.emit(ev)
}

// sealedAdd adds a record to those awaiting their event.
func (s *Session) sealedAdd(d Direction, r tlsRecord) {
	ss := &s.tls.dir[d].sealed
	ss.n += len(r.b)
	ss.wire += r.wire
	if ss.truncated {
		return
	}
	if !s.r.reserve(len(r.b)) {
		s.r.release(len(ss.buf))
		ss.buf, ss.truncated = nil, true
		return
	}
	if ss.buf == nil {
		ss.buf = r.b // the record is not reused: no copy
		return
	}
	ss.buf = append(ss.buf, r.b...)
}

// takeSealed accounts the waiting records to ev.
func (s *Session) takeSealed(ev *Event) {
	if s.tls == nil {
		return
	}
	ss := &s.tls.dir[ev.Dir].sealed
	ev.RecordBytes += uint32(ss.n)
	ev.Wire += ss.wire
	if ev.Kind == KindTLS {
		ev.Bytes = int(ev.RecordBytes) // the records are what it carried
	}
	if ss.n > 0 {
		switch {
		case ss.truncated:
		case ev.Kind != KindBulk:
			ev.Payload = ss.buf
		case len(ev.Payload) == ev.Bytes:
			// Plaintext then records (see Event.Records).
			ev.Payload = append(ev.Payload[:len(ev.Payload):len(ev.Payload)], ss.buf...)
		default:
			// The plaintext was not kept: neither are the records.
			s.r.release(len(ss.buf))
		}
	}
	*ss = sealedState{}
}

// drainSealed records an event for records no event has taken (a record
// carrying the start of a line that never ended, or nothing at all).
func (s *Session) drainSealed(d Direction, at time.Duration, wall time.Time) {
	if s.tls == nil || s.tls.dir[d].sealed.n == 0 {
		return
	}
	ev := &Event{
		Session: s.info.ID, Protocol: s.info.Protocol, Dir: d, Kind: KindTLS,
		At: at, Arrive: at, Wall: wall, Text: "TLS records",
	}
	s.takeSealed(ev)
	s.emit(ev)
}

// tlsFallback gives up decrypting direction d: what was decrypted ends
// here, and the queued records, the record under way and all that follows
// become encrypted bulk.
func (s *Session) tlsFallback(d Direction) {
	ds := &s.dirs[d]
	if !ds.records || ds.opaque {
		return
	}
	t := &s.tls.dir[d]
	at, wall := t.recAt, t.recWall
	if len(t.queue) > 0 {
		at, wall = t.queue[0].at, t.queue[0].wall
	}
	if ds.partial {
		s.handleLine(d, ds.line, ds.lineBytes, ds.lineAt, at, ds.lineWire, ds.lineWall, true)
		ds.resetLine()
	}
	if ds.bulk.active {
		s.flushBulk(d, FlagIncomplete)
	}
	ds.literal, ds.dotBulk, ds.listing, ds.contNext = 0, false, false, false
	s.drainSealed(d, at, wall)
	ds.opaque = true
	s.startBulk(d, "", "", FlagEncrypted)
	for _, r := range t.queue {
		s.bulkAdd(d, r.b, r.at, r.arrive, r.wire, r.wall)
	}
	t.queue, t.queued, t.waitSince = nil, 0, time.Time{}
	if len(t.rec) > 0 {
		s.bulkAdd(d, t.rec, t.recAt, t.recArrive, t.recWire, t.recWall)
		t.rec = nil
	}
}

// tlsClose makes a last attempt at the queued records before the
// connection's close, and turns whatever cannot be decrypted into
// encrypted bulk.
func (s *Session) tlsClose() {
	if s.tls == nil {
		return
	}
	s.tls.closed = true
	if s.tls.timer != nil {
		s.tls.timer.Stop()
		s.tls.timer = nil
	}
	for d := range s.dirs {
		if !s.dirs[d].records || s.dirs[d].opaque {
			continue
		}
		s.tlsDrain(Direction(d))
		if t := &s.tls.dir[d]; len(t.queue) > 0 || len(t.rec) > 0 {
			s.tlsFallback(Direction(d))
		}
	}
}
