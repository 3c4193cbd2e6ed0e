package trace

import (
	"bytes"
	"math"
	"strings"
	"sync"
	"time"
)

// Session is the tap on one connection: the link calls Transfer and Mark,
// and the session turns the bytes into events on its recorder. It follows
// just enough of each protocol to know where bulk payloads start and end
// and which client lines carry secrets:
//
//   - SMTP: after DATA and a 354 reply, the client's lines up to the lone
//     "." are one bulk event; "BDAT n" is followed by n bytes of bulk.
//   - POP3: after RETR or TOP and +OK, the server's lines up to "." are one
//     bulk event; other multi-line listings (LIST, UIDL, CAPA) stay lines.
//   - IMAP: a line ending in {n}, {n+} or ~{n} (either direction) is
//     followed by n bytes of bulk, then the rest of the line.
//   - TLS: after an accepted STARTTLS/STLS, or from the start when the
//     client's first byte opens a TLS handshake record (implicit TLS, ports
//     465, 993, 995), the bytes are TLS records (see tls_session.go). With
//     the recorder's KeyLog holding the connection's TLS 1.3 secrets they
//     are decrypted and the plaintext goes through the same parsing as
//     above, its events marked FlagTLS; otherwise they are recorded as
//     encrypted bulk, one event per flight.
//
// Transfer and Mark are safe to call from the client and server writer
// goroutines at once.
type Session struct {
	r    *Recorder
	info SessionInfo

	mu   sync.Mutex
	dirs [2]dirState

	pending  []pendingCmd // SMTP, POP3: commands awaiting their reply, oldest first
	auth     bool         // SMTP, POP3: a SASL exchange is under way
	authTag  string       // IMAP: tag of the AUTHENTICATE under way
	tlsTag   string       // IMAP: tag of the STARTTLS under way
	login    loginState   // IMAP: LOGIN arguments across literals
	seen     bool         // some bytes crossed: TLS can no longer be implicit
	starttls bool         // STARTTLS (STLS) was accepted
	tls      *tlsState    // from the start of TLS on
}

// tap mirrors the link's Tap interface, which this leaf package does not
// import; the assertion keeps the two in step.
type tap interface {
	Transfer(fromClient bool, p []byte, depart, arrive time.Duration, wire int, wall time.Time)
	Mark(kind, detail string, fromClient bool, at time.Duration, wall time.Time)
}

var _ tap = (*Session)(nil)

// maxPending bounds the queue of commands awaiting replies, so that a
// client that never reads cannot grow it without limit.
const maxPending = 256

type pendingCmd struct {
	verb  string
	multi bool // POP3: the reply is multi-line when positive
}

type loginState struct {
	active bool // a LOGIN command continues after a literal
	args   int  // arguments seen so far
}

type dirState struct {
	// A line split over several Transfers.
	line      []byte
	lineBytes int
	lineAt    time.Duration
	lineWire  int
	lineWall  time.Time
	partial   bool

	literal  int64 // bytes of byte-counted bulk still to come
	dotBulk  bool  // lines up to "." are bulk
	listing  bool  // POP3: lines up to "." are a multi-line listing
	contNext bool  // IMAP: the next line continues after a literal
	maybeTLS bool  // STARTTLS accepted: the next bytes may be TLS records
	opaque   bool  // TLS records follow: everything is encrypted bulk
	records  bool  // TLS records follow, to be decrypted (unless opaque)
	cmdVerb  string
	cmdTag   string

	bulk bulkState
}

type bulkState struct {
	active    bool
	verb      string
	tag       string
	buf       []byte
	n         int
	at        time.Duration
	arrive    time.Duration
	wire      int
	wall      time.Time
	truncated bool
	secret    bool
	flags     Flags
	announced uint32 // the size announced for it (Event.Announced), 0 if none
}

func newSession(r *Recorder, info SessionInfo) *Session {
	s := &Session{r: r, info: info}
	s.dirs[ClientToServer].maybeTLS = true // implicit TLS
	return s
}

// Info returns the session's description.
func (s *Session) Info() SessionInfo { return s.info }

// ID returns the session id.
func (s *Session) ID() uint64 { return s.info.ID }

// Transfer records one piece of a write (see the link's Tap). p is not
// retained.
func (s *Session) Transfer(fromClient bool, p []byte, depart, arrive time.Duration, wire int, wall time.Time) {
	if len(p) == 0 {
		return
	}
	d := DirectionOf(fromClient)
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := &s.dirs[1-d]; o.opaque && o.bulk.active {
		s.flushBulk(1-d, 0)
	}
	s.feed(d, p, depart, arrive, wire, wall, false)
	s.seen = true
}

// feed parses bytes of direction d. inner is set for the plaintext
// decrypted from TLS records, which is parsed like bytes off the wire.
func (s *Session) feed(d Direction, p []byte, depart, arrive time.Duration, wire int, wall time.Time, inner bool) {
	ds := &s.dirs[d]
	total, off := len(p), 0
	share := func(k int) int {
		a := wire * off / total
		off += k
		return wire*off/total - a
	}
	for len(p) > 0 {
		switch {
		case ds.opaque:
			s.bulkAdd(d, p, depart, arrive, share(len(p)), wall)
			p = nil
		case ds.records && !inner:
			// Ciphertext: records first; their plaintext comes back here.
			k := s.tlsNeed(d, len(p))
			s.tlsAdd(d, p[:k], depart, arrive, share(k), wall)
			p = p[k:]
		case ds.literal > 0:
			k := int(min(int64(len(p)), ds.literal))
			s.bulkAdd(d, p[:k], depart, arrive, share(k), wall)
			ds.literal -= int64(k)
			p = p[k:]
			if ds.literal == 0 {
				s.flushBulk(d, 0)
				ds.contNext = s.info.Protocol == IMAP
			}
		default:
			if ds.maybeTLS && !ds.partial && !inner {
				ds.maybeTLS = false
				// A TLS handshake record: after STARTTLS, or as the very
				// first byte of a connection (implicit TLS).
				implicit := d == ClientToServer && !s.seen && !s.starttls
				if p[0] == recordHandshake && (implicit || s.starttls) {
					s.beginTLS(d, depart, wall, implicit)
					continue
				}
			}
			end := bytes.IndexByte(p, '\n') + 1
			complete := end > 0
			if !complete {
				end = len(p)
			}
			piece := p[:end]
			p = p[end:]
			w := share(len(piece))
			if ds.dotBulk && ds.lineBytes+len(piece) > 3 {
				// Too long to be the lone "." that ends the data: payload,
				// straight into the bulk event without buffering the line.
				if len(ds.line) > 0 {
					s.bulkAdd(d, ds.line, ds.lineAt, arrive, ds.lineWire, ds.lineWall)
				}
				s.bulkAdd(d, piece, depart, arrive, w, wall)
				lineBytes := ds.lineBytes + len(piece)
				ds.resetLine()
				if !complete {
					ds.partial = true
					ds.lineBytes = lineBytes
				}
				continue
			}
			if !complete {
				s.partialAdd(ds, piece, depart, w, wall)
				continue
			}
			if !ds.partial {
				s.handleLine(d, piece, len(piece), depart, arrive, w, wall, false)
				continue
			}
			s.partialAdd(ds, piece, depart, w, wall)
			s.handleLine(d, ds.line, ds.lineBytes, ds.lineAt, arrive, ds.lineWire, ds.lineWall, false)
			ds.resetLine()
		}
	}
}

func (ds *dirState) resetLine() {
	ds.partial = false
	ds.line = ds.line[:0]
	ds.lineBytes = 0
	ds.lineWire = 0
}

// partialAdd appends a piece that does not (yet) end a line.
func (s *Session) partialAdd(ds *dirState, p []byte, depart time.Duration, wire int, wall time.Time) {
	if !ds.partial {
		ds.partial = true
		ds.lineAt = depart
		ds.lineWall = wall
	}
	ds.lineBytes += len(p)
	ds.lineWire += wire
	if room := s.r.opt.MaxLine + 2 - len(ds.line); room > 0 {
		ds.line = append(ds.line, p[:min(room, len(p))]...)
	}
}

// trimEOL strips a trailing LF or CRLF.
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

func isDotLine(b []byte) bool {
	return len(b) >= 2 && b[0] == '.' && (len(b) == 2 && b[1] == '\n' || len(b) == 3 && b[1] == '\r' && b[2] == '\n')
}

// handleLine records one complete line (n bytes on the wire; line may hold
// fewer when truncated).
func (s *Session) handleLine(d Direction, line []byte, n int, at, arrive time.Duration, wire int, wall time.Time, incomplete bool) {
	ds := &s.dirs[d]
	if ds.dotBulk {
		if !isDotLine(line) {
			s.bulkAdd(d, line, at, arrive, wire, wall)
			return
		}
		s.flushBulk(d, 0)
		ds.dotBulk = false
		ev := s.lineEvent(d, ".", n, at, arrive, wire, wall)
		ev.Verb = "."
		if s.info.Protocol == SMTP {
			s.push(pendingCmd{verb: "."}) // the reply to the message
		}
		s.emit(ev)
		return
	}
	body := trimEOL(line)
	var flags Flags
	if len(body) > s.r.opt.MaxLine || n > len(line) {
		body = body[:min(len(body), s.r.opt.MaxLine)]
		flags |= FlagTruncated
	}
	if incomplete {
		flags |= FlagIncomplete
	}
	ev := s.lineEvent(d, string(body), n, at, arrive, wire, wall)
	ev.Flags |= flags
	if !incomplete {
		switch s.info.Protocol {
		case SMTP:
			s.smtpLine(d, ev)
		case POP3:
			s.pop3Line(d, ev)
		case IMAP:
			s.imapLine(d, ev)
		}
	}
	s.emit(ev)
}

func (s *Session) lineEvent(d Direction, text string, n int, at, arrive time.Duration, wire int, wall time.Time) *Event {
	return &Event{
		Session: s.info.ID, Protocol: s.info.Protocol, Dir: d, Kind: KindLine,
		At: at, Arrive: arrive, Wall: wall, Bytes: n, Wire: wire, Text: text,
	}
}

func (s *Session) emit(ev *Event) {
	if ds := &s.dirs[ev.Dir]; ds.records && !ds.opaque && (ev.Kind == KindLine || ev.Kind == KindBulk) {
		ev.Flags |= FlagTLS
	}
	if ev.Flags&FlagTLS != 0 {
		s.takeSealed(ev) // the records that carried it
	}
	s.r.mu.Lock()
	s.r.appendLocked(ev)
	s.r.mu.Unlock()
}

func (s *Session) push(c pendingCmd) {
	if len(s.pending) >= maxPending {
		s.pending = s.pending[1:]
	}
	s.pending = append(s.pending, c)
}

func (s *Session) front() (pendingCmd, bool) {
	if len(s.pending) == 0 {
		return pendingCmd{}, false
	}
	return s.pending[0], true
}

func (s *Session) pop() {
	if len(s.pending) > 0 {
		s.pending = s.pending[1:]
	}
}

// wholeSecret marks a client line that is all secret (a SASL response),
// except the "*" that cancels the exchange.
func wholeSecret(ev *Event) {
	if ev.Text != "*" && ev.Text != "" {
		ev.Secret = Span{0, int32(len(ev.Text))}
	}
}

func (s *Session) startTLS() {
	if s.dirs[0].records || s.dirs[0].opaque {
		return // TLS inside TLS is not a thing
	}
	s.starttls = true
	s.dirs[0].maybeTLS = true
	s.dirs[1].maybeTLS = true
}

func (s *Session) smtpLine(d Direction, ev *Event) {
	if d == ClientToServer {
		if s.auth {
			wholeSecret(ev)
			return
		}
		pr := ParseCommand(SMTP, ev.Text)
		ev.Verb = pr.Verb
		s.push(pendingCmd{verb: pr.Verb}) // every line gets a reply
		switch pr.Verb {
		case "AUTH":
			s.auth = true
			if sp, ok := CommandSecret(SMTP, pr.Verb, ev.Text); ok {
				ev.Secret = sp
			}
		case "BDAT":
			_, rest := cut(ev.Text)
			size, _ := cut(rest)
			if allDigits(size, 18) {
				n := parseUint(size)
				if n > 0 {
					ds := &s.dirs[d]
					ds.literal = n
					s.startBulk(d, "BDAT", "", 0)
					ds.bulk.buf = s.sizeHint(n)
					ds.bulk.announced = announced(n)
				}
			}
		}
		return
	}
	pr := ParseResponse(SMTP, ev.Text)
	ev.Status, ev.Code = pr.Status, pr.Code
	if pr.More {
		ev.Flags |= FlagMore
	}
	if pr.Status == "" || pr.More {
		return
	}
	cmd, ok := s.front()
	if !ok {
		return // greeting, or a reply nobody asked for
	}
	if cmd.verb == "AUTH" && pr.Status == "334" {
		return // a challenge: the exchange goes on
	}
	s.pop()
	switch cmd.verb {
	case "AUTH":
		s.auth = false
	case "DATA":
		if pr.Status == "354" {
			s.dirs[ClientToServer].dotBulk = true
			s.startBulk(ClientToServer, "DATA", "", 0)
		}
	case "STARTTLS":
		if pr.Status == "220" {
			s.startTLS()
		}
	}
}

func (s *Session) pop3Line(d Direction, ev *Event) {
	ds := &s.dirs[d]
	if d == ClientToServer {
		if s.auth {
			wholeSecret(ev)
			return
		}
		pr := ParseCommand(POP3, ev.Text)
		ev.Verb = pr.Verb
		_, args := cut(ev.Text)
		c := pendingCmd{verb: pr.Verb, multi: pop3MultiLine(pr.Verb, args)}
		if pr.Verb == "AUTH" {
			s.auth = !c.multi
		}
		if sp, ok := CommandSecret(POP3, pr.Verb, ev.Text); ok {
			ev.Secret = sp
		}
		s.push(c)
		return
	}
	if ds.listing {
		if ev.Text == "." {
			ev.Verb = "."
			ds.listing = false
		}
		return
	}
	pr := ParseResponse(POP3, ev.Text)
	ev.Status, ev.Code = pr.Status, pr.Code
	if pr.Status == "" || pr.Status == "+" {
		return
	}
	cmd, ok := s.front()
	if !ok {
		return
	}
	s.pop()
	if cmd.verb == "AUTH" {
		s.auth = false
	}
	if pr.Status != "+OK" {
		return
	}
	switch {
	case cmd.verb == "RETR" || cmd.verb == "TOP":
		ds.dotBulk = true
		s.startBulk(d, cmd.verb, "", 0)
		// "+OK 1234 octets" is a common size hint. To RETR it is the
		// message's size; to TOP it is not what follows.
		if tok, _ := cut(strings.TrimPrefix(ev.Text, "+OK ")); allDigits(tok, 12) {
			n := parseUint(tok)
			ds.bulk.buf = s.sizeHint(n)
			if cmd.verb == "RETR" {
				ds.bulk.announced = announced(n)
			}
		}
	case cmd.multi:
		ds.listing = true
	case cmd.verb == "STLS":
		s.startTLS()
	}
}

func (s *Session) imapLine(d Direction, ev *Event) {
	ds := &s.dirs[d]
	text := ev.Text
	continued := ds.contNext
	ds.contNext = false
	if continued {
		ev.Flags |= FlagContinued
	}
	if d == ClientToServer {
		switch {
		case continued:
			if s.login.active {
				s.loginArgs(ev, text, 0)
			}
		case s.authTag != "":
			wholeSecret(ev)
			return
		default:
			pr := ParseCommand(IMAP, text)
			ev.Verb, ev.Tag = pr.Verb, pr.Tag
			ds.cmdVerb, ds.cmdTag = pr.Verb, pr.Tag
			s.login = loginState{}
			switch pr.Verb {
			case "LOGIN":
				_, rest := cut(text)
				_, rest = cut(rest)
				s.loginArgs(ev, rest, len(text)-len(rest))
			case "AUTHENTICATE":
				s.authTag = pr.Tag
				if sp, ok := CommandSecret(IMAP, pr.Verb, text); ok {
					ev.Secret = sp
				}
			case "STARTTLS":
				s.tlsTag = pr.Tag
			}
		}
	} else if !continued {
		pr := ParseResponse(IMAP, text)
		ev.Verb, ev.Tag, ev.Status, ev.Code = pr.Verb, pr.Tag, pr.Status, pr.Code
		ds.cmdVerb, ds.cmdTag = pr.Verb, pr.Tag
		if pr.Status != "" && pr.Tag != "*" && pr.Tag != "+" {
			if pr.Tag == s.authTag {
				s.authTag = ""
			}
			if pr.Tag == s.tlsTag {
				s.tlsTag = ""
				if pr.Status == "OK" {
					s.startTLS()
				}
			}
		}
	}
	if n, ok := Literal(text); ok {
		s.startBulk(d, ds.cmdVerb, ds.cmdTag, 0)
		if d == ClientToServer && s.login.active && s.login.args == 2 {
			ds.bulk.secret = true // the password is this literal
		}
		if n == 0 {
			s.flushBulk(d, 0)
			ds.contNext = true
			return
		}
		ds.literal = n
		ds.bulk.buf = s.sizeHint(n)
		ds.bulk.announced = announced(n)
	} else if d == ClientToServer {
		s.login.active = false
	}
}

// loginArgs counts LOGIN arguments in text (which starts at offset off of
// the event's Text) and masks the password if it is there; a literal
// announcement counts as the argument it announces.
func (s *Session) loginArgs(ev *Event, text string, off int) {
	s.login.active = true
	for _, a := range IMAPArgs(text) {
		s.login.args++
		if s.login.args == 2 && !isLiteralArg(text, a) {
			ev.Secret = Span{a.Start + int32(off), a.End + int32(off)}
		}
	}
}

func parseUint(s string) int64 {
	var n int64
	for i := 0; i < len(s); i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return n
}

// maxSizeHint bounds the buffer preallocated from an announced size, so
// that a lying announcement cannot make the tap allocate much.
const maxSizeHint = 1 << 20

// sizeHint returns an empty buffer with room for an announced payload.
func (s *Session) sizeHint(n int64) []byte {
	if n <= 0 || s.r.opt.PayloadLimit < 0 {
		return nil
	}
	return make([]byte, 0, min(n, maxSizeHint, s.r.opt.PayloadLimit))
}

// announced is an announced payload size as Event.Announced keeps it.
func announced(n int64) uint32 {
	return uint32(min(max(n, 0), math.MaxUint32))
}

func (s *Session) startBulk(d Direction, verb, tag string, f Flags) {
	bs := &s.dirs[d].bulk
	*bs = bulkState{verb: verb, tag: tag, flags: f}
}

// bulkAdd adds payload bytes to direction d's bulk event.
func (s *Session) bulkAdd(d Direction, b []byte, at, arrive time.Duration, wire int, wall time.Time) {
	bs := &s.dirs[d].bulk
	if !bs.active {
		bs.active = true
		bs.at = at
		bs.wall = wall
	}
	bs.n += len(b)
	bs.arrive = arrive
	bs.wire += wire
	if !bs.truncated {
		if s.r.reserve(len(b)) {
			bs.buf = append(bs.buf, b...)
			return
		}
		// Over the payload limit: give back what this bulk held and keep
		// only its preview.
		s.r.release(len(bs.buf))
		bs.truncated = true
		bs.buf = append([]byte(nil), bs.buf[:min(len(bs.buf), PreviewLen)]...)
	}
	if room := PreviewLen - len(bs.buf); room > 0 {
		bs.buf = append(bs.buf, b[:min(room, len(b))]...)
	}
}

// flushBulk records direction d's bulk event, if it has bytes.
func (s *Session) flushBulk(d Direction, f Flags) {
	bs := &s.dirs[d].bulk
	if !bs.active {
		verb, tag, fl := bs.verb, bs.tag, bs.flags
		*bs = bulkState{verb: verb, tag: tag, flags: fl}
		return
	}
	ev := &Event{
		Session: s.info.ID, Protocol: s.info.Protocol, Dir: d, Kind: KindBulk,
		At: bs.at, Arrive: bs.arrive, Wall: bs.wall, Bytes: bs.n, Wire: bs.wire,
		Verb: bs.verb, Tag: bs.tag, Flags: bs.flags | f, Announced: bs.announced,
	}
	if bs.flags&FlagEncrypted != 0 {
		ev.Text = "TLS records"
	} else {
		ev.Text = preview(bs.buf)
	}
	if bs.truncated {
		ev.Flags |= FlagTruncated
	} else {
		ev.Payload = bs.buf
	}
	if bs.secret {
		ev.Secret = Span{0, int32(len(ev.Text))}
		if ev.Secret.Empty() {
			ev.Secret.End = 1
		}
	}
	// An encrypted stream goes on after each flight.
	*bs = bulkState{verb: bs.verb, tag: bs.tag, flags: bs.flags & FlagEncrypted}
	s.emit(ev)
}

// Mark records a connection event (see the link's Tap). A close, or a
// fault that breaks the connection (see Breaks), first records whatever
// was left half-received as incomplete: nothing more arrives after it.
func (s *Session) Mark(kind, detail string, fromClient bool, at time.Duration, wall time.Time) {
	k := KindOfMark(kind)
	s.mu.Lock()
	defer s.mu.Unlock()
	if k == KindClose || k == KindFault && Breaks(detail) {
		s.cutShort(at, wall)
	}
	s.emit(&Event{
		Session: s.info.ID, Protocol: s.info.Protocol, Dir: DirectionOf(fromClient), Kind: k,
		At: at, Arrive: at, Wall: wall, Text: detail,
	})
}

// Breaks reports whether a fault mark's detail names a fault that ends the
// connection: the link going offline, a dial-up hang-up, or a reset
// ("reset", "reset after 30000 bytes S→C"). A stall or a drop does not.
func Breaks(detail string) bool {
	return detail == "offline" || detail == "hangup" || strings.HasPrefix(detail, "reset")
}

// cutShort records what was left half-received when the connection ended:
// a partial line or a bulk payload, as incomplete (FlagIncomplete: its
// Bytes are what arrived).
func (s *Session) cutShort(at time.Duration, wall time.Time) {
	s.tlsClose()
	for d := range s.dirs {
		ds := &s.dirs[d]
		if ds.partial {
			s.handleLine(Direction(d), ds.line, ds.lineBytes, ds.lineAt, at, ds.lineWire, ds.lineWall, true)
			ds.resetLine()
		}
		if ds.bulk.active {
			var f Flags
			if !ds.opaque {
				f = FlagIncomplete
			}
			s.flushBulk(Direction(d), f)
		}
		if ds.records {
			s.drainSealed(Direction(d), at, wall)
		}
		// A TLS direction stays one: a close_notify may follow the
		// peer's close.
		ds.literal, ds.dotBulk = 0, false
	}
}
