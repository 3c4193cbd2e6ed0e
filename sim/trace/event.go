package trace

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Protocol names the mail protocol spoken on a session.
type Protocol uint8

// The protocols the lab speaks. ProtocolUnknown is the zero value: a
// session whose protocol is unknown is still traced, one event per line,
// with no protocol-aware parsing.
const (
	ProtocolUnknown Protocol = iota
	SMTP
	POP3
	IMAP
)

// String returns "smtp", "pop3", "imap" or "unknown".
func (p Protocol) String() string {
	switch p {
	case SMTP:
		return "smtp"
	case POP3:
		return "pop3"
	case IMAP:
		return "imap"
	}
	return "unknown"
}

// ParseProtocol maps "smtp", "pop3", "imap" (any case; "pop" too) to a
// Protocol; anything else is ProtocolUnknown.
func ParseProtocol(s string) Protocol {
	switch strings.ToLower(s) {
	case "smtp", "submission", "esmtp":
		return SMTP
	case "pop3", "pop":
		return POP3
	case "imap", "imap4":
		return IMAP
	}
	return ProtocolUnknown
}

// ImplicitTLSPort is the IANA port of the protocol over implicit TLS
// (465 submissions, 995, 993), or 0 when unknown.
func (p Protocol) ImplicitTLSPort() uint16 {
	switch p {
	case SMTP:
		return 465
	case POP3:
		return 995
	case IMAP:
		return 993
	}
	return 0
}

// WellKnownPort is the IANA port of the protocol without TLS (25, 110,
// 143), or 0 when unknown.
func (p Protocol) WellKnownPort() uint16 {
	switch p {
	case SMTP:
		return 25
	case POP3:
		return 110
	case IMAP:
		return 143
	}
	return 0
}

// MarshalText encodes a Protocol as its String.
func (p Protocol) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes what MarshalText wrote.
func (p *Protocol) UnmarshalText(b []byte) error {
	*p = ParseProtocol(string(b))
	if *p == ProtocolUnknown && string(b) != "unknown" && len(b) > 0 {
		return fmt.Errorf("trace: unknown protocol %q", b)
	}
	return nil
}

// Direction tells which way bytes travelled.
type Direction uint8

// The two directions. ClientToServer is the zero value.
const (
	ClientToServer Direction = iota
	ServerToClient
)

// DirectionOf returns ClientToServer when fromClient is true.
func DirectionOf(fromClient bool) Direction {
	if fromClient {
		return ClientToServer
	}
	return ServerToClient
}

// String returns "C→S" or "S→C".
func (d Direction) String() string {
	if d == ServerToClient {
		return "S→C"
	}
	return "C→S"
}

// MarshalText encodes a Direction as "c2s" or "s2c" (ASCII for JSON).
func (d Direction) MarshalText() ([]byte, error) {
	if d == ServerToClient {
		return []byte("s2c"), nil
	}
	return []byte("c2s"), nil
}

// UnmarshalText decodes what MarshalText wrote.
func (d *Direction) UnmarshalText(b []byte) error {
	switch string(b) {
	case "c2s":
		*d = ClientToServer
	case "s2c":
		*d = ServerToClient
	default:
		return fmt.Errorf("trace: unknown direction %q", b)
	}
	return nil
}

// Kind is what an event records.
type Kind uint8

// Event kinds. A line is one protocol line (a command or a response
// line); a bulk is one payload carried between lines (a message body after
// DATA or RETR, an IMAP literal, BDAT chunk, or TLS records that could not
// be decrypted); a TLS event marks where TLS began and when its handshake
// completed, or is one TLS record that is not application data
// (ClientHello, ServerHello, an encrypted handshake message, an alert:
// Verb names it); a dial marks where a connection dialled a dial-up line
// (At is when dialling began, its connect follows when the line is up);
// the others mirror the link's marks.
const (
	KindLine Kind = iota
	KindBulk
	KindConnect
	KindClose
	KindTLS
	KindFault
	KindDial
)

var kindNames = [...]string{"line", "bulk", "connect", "close", "tls", "fault", "dial"}

// String returns "line", "bulk", "connect", "close", "tls", "fault" or
// "dial".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// MarshalText encodes a Kind as its String.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes what MarshalText wrote.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("trace: unknown event kind %q", b)
}

// KindOfMark maps the link's mark names ("connect", "close", "tls",
// "fault", "dial") to a Kind; an unknown name is a fault.
func KindOfMark(mark string) Kind {
	switch mark {
	case "dial":
		return KindDial
	case "connect":
		return KindConnect
	case "close":
		return KindClose
	case "tls":
		return KindTLS
	}
	return KindFault
}

// Flags qualify an event.
type Flags uint8

const (
	// FlagMore marks an SMTP reply line that more lines follow ("250-").
	FlagMore Flags = 1 << iota
	// FlagContinued marks an IMAP line that continues a command or
	// response after a literal (e.g. the ")" after a FETCH body).
	FlagContinued
	// FlagTruncated marks an event whose bytes were not all kept: a bulk
	// payload beyond the recorder's PayloadLimit (only the preview is kept)
	// or a line longer than MaxLine.
	FlagTruncated
	// FlagEncrypted marks TLS ciphertext shown as such: a bulk event of
	// TLS records the trace could not decrypt (no key log, TLS 1.2, an
	// unknown client random), or an encrypted handshake record.
	FlagEncrypted
	// FlagIncomplete marks a line or bulk cut short by the close of the
	// connection or by a fault that broke it (see Breaks): its Bytes are
	// the bytes that arrived; the rest never did.
	FlagIncomplete
	// FlagTLS marks a line or bulk event that crossed the wire encrypted
	// inside TLS records and is shown decrypted: its Text, Payload and
	// Bytes are the plaintext, as if no TLS were there, while RecordBytes
	// and Records tell the records as they crossed, ciphertext.
	FlagTLS
)

// Span is a byte range [Start, End) of an event's Text.
type Span struct {
	Start, End int32
}

// Empty reports whether the span covers nothing.
func (s Span) Empty() bool { return s.End <= s.Start }

// Mask is what Display puts in place of a secret.
const Mask = "********"

// Event is one thing seen on a traced connection. Events are values; once
// appended to a Recorder they are never changed, so a snapshot can share
// them. Text keeps the raw line: secrets are masked only when displayed or
// exported (see Display).
type Event struct {
	Seq     uint64 // position in the recorder, from 1
	Session uint64 // session id

	At     time.Duration // virtual time the first byte departed
	Arrive time.Duration // virtual time the last byte arrived
	Wall   time.Time     // wall-clock time the link reported for its first byte

	Bytes int // payload bytes, including the line terminator
	Wire  int // bytes on the wire, including segment overhead

	// Text is the line without its CRLF; for a bulk event a preview of its
	// first bytes (PreviewLen) with line breaks shown as ↵; for a mark the
	// link's detail.
	Text string
	// Verb is the command (upper case: "RETR", "UID FETCH"), the untagged
	// IMAP response name ("EXISTS"), "." for the end-of-data line; for a
	// bulk event the command that carried it ("DATA", "RETR", "APPEND",
	// "FETCH").
	Verb string
	// Tag is the IMAP tag ("a1"), "*" for untagged responses and "+" for
	// continuation requests.
	Tag string
	// Status is a response status: "+OK", "-ERR", "+" (POP3); "OK", "NO",
	// "BAD", "PREAUTH", "BYE", "+" (IMAP); the three-digit reply code
	// (SMTP).
	Status string
	// Code is the response code in brackets ("ALERT", "UIDNEXT",
	// "IN-USE", "SYS/TEMP") or the SMTP enhanced status code ("5.1.1").
	Code string

	// Payload holds a bulk event's bytes (unless FlagTruncated), for
	// pcapng export; with FlagTLS, the TLS records follow them; a TLS
	// record event's or a decrypted line's records (see Records).
	// Read-only.
	Payload []byte

	// Secret is the span of Text that Display masks; for a bulk event any
	// non-empty Secret masks the whole payload.
	Secret Span

	Protocol Protocol
	Dir      Direction
	Kind     Kind
	Flags    Flags

	// RecordBytes is, for an event with FlagTLS or a TLS record event
	// (KindTLS with Bytes), how many bytes of the TCP stream it accounts
	// for: the TLS records (headers, ciphertext, tags) that completed with
	// it since the previous such event of its direction. A record carrying
	// several lines is accounted to the first of them, and Wire follows
	// RecordBytes; so summing StreamBytes over a session's events gives
	// the bytes that crossed, each once. A TLS record event's Bytes equal
	// its RecordBytes. (The field sits in what would be padding: the event
	// stays within its memory budget.)
	RecordBytes uint32

	// Announced is, for a bulk event, the size the protocol announced
	// before the payload came, so that a payload cut short (FlagIncomplete)
	// says how much of it arrived: an IMAP literal's {n}, {n+} or ~{n} and
	// SMTP's BDAT n are the exact byte count; POP3's "+OK n octets" to RETR
	// is a hint only (RFC 1939 §7 leaves the reply text to the server, and
	// n counts the message before dot-stuffing). 0 when nothing was
	// announced (SMTP DATA, a bare "+OK", TOP, TLS records); a size beyond
	// 4 GiB reads as math.MaxUint32. (With it the event is 200 bytes,
	// the most its memory budget allows: see TestMemoryPerEvent.)
	Announced uint32
}

// Has reports whether all of f are set.
func (e *Event) Has(f Flags) bool { return e.Flags&f == f }

// StreamBytes is how many bytes of the TCP stream the event accounts for:
// RecordBytes for an event decrypted from TLS (FlagTLS), else Bytes.
func (e *Event) StreamBytes() int {
	if e.Has(FlagTLS) {
		return int(e.RecordBytes)
	}
	return e.Bytes
}

// Records returns the TLS records an event with FlagTLS or a TLS record
// event accounts for, as they crossed the wire (ciphertext), as far as
// they were kept (the recorder's PayloadLimit applies); nil for other
// events. They are kept in Payload: after a bulk event's plaintext, in
// place of nothing for the others.
func (e *Event) Records() []byte {
	switch {
	case e.Kind == KindTLS:
		return e.Payload
	case !e.Has(FlagTLS):
		return nil
	case e.Kind != KindBulk:
		return e.Payload
	case len(e.Payload) > e.Bytes:
		return e.Payload[e.Bytes:]
	}
	return nil
}

// StreamData returns the bytes the event put on the TCP stream, as far as
// they were kept: the TLS records for an event with FlagTLS (ciphertext,
// which needs no masking), else WireBytes(reveal). The second result is
// how many bytes at the end were not kept.
func (e *Event) StreamData(reveal bool) ([]byte, int) {
	if e.Has(FlagTLS) {
		r := e.Records()
		return r, int(e.RecordBytes) - len(r)
	}
	return e.WireBytes(reveal)
}

// Masked reports whether the event carries a secret.
func (e *Event) Masked() bool { return !e.Secret.Empty() }

// Display returns the text to show: Text with its secret replaced by Mask
// unless reveal is true.
func (e *Event) Display(reveal bool) string {
	if reveal || e.Secret.Empty() {
		return e.Text
	}
	if e.Kind == KindBulk {
		return Mask
	}
	s, t := int(e.Secret.Start), int(e.Secret.End)
	if s < 0 {
		s = 0
	}
	if t > len(e.Text) {
		t = len(e.Text)
	}
	if s >= t {
		return e.Text
	}
	return e.Text[:s] + Mask + e.Text[t:]
}

// WireBytes returns the bytes the event carried, as far as they were kept:
// the line with its terminator, a bulk payload, or a TLS event's records. Secrets are replaced by
// '*' byte for byte unless reveal, so that framing (literal counts) stays
// valid. The second result is how many bytes at the end were not kept
// (Bytes minus what is returned).
func (e *Event) WireBytes(reveal bool) ([]byte, int) {
	var b []byte
	switch e.Kind {
	case KindLine:
		b = make([]byte, 0, e.Bytes)
		b = append(b, e.Text...)
		if e.Has(FlagTruncated) {
			break // the rest of the line, terminator included, was not kept
		}
		switch e.Bytes - len(e.Text) {
		case 1:
			b = append(b, '\n')
		case 2:
			b = append(b, '\r', '\n')
		}
		if !reveal && !e.Secret.Empty() {
			s, t := int(e.Secret.Start), min(int(e.Secret.End), len(b))
			for i := max(s, 0); i < t; i++ {
				b[i] = '*'
			}
		}
	case KindTLS:
		// TLS records, ciphertext: nothing to mask.
		return e.Payload, e.Bytes - len(e.Payload)
	case KindBulk:
		if e.Has(FlagTruncated) {
			return nil, e.Bytes
		}
		b = e.Payload
		if !reveal && !e.Secret.Empty() {
			b = []byte(strings.Repeat("*", len(b)))
		}
	default:
		return nil, 0
	}
	if len(b) > e.Bytes {
		b = b[:e.Bytes]
	}
	return b, e.Bytes - len(b)
}

// jsonEvent is the JSON Lines shape of an Event: camelCase, times in
// nanoseconds of virtual time.
type jsonEvent struct {
	Seq        uint64    `json:"seq"`
	Session    uint64    `json:"session"`
	Protocol   Protocol  `json:"protocol"`
	Dir        Direction `json:"dir"`
	Kind       Kind      `json:"kind"`
	AtNs       int64     `json:"atNs"`
	ArriveNs   int64     `json:"arriveNs"`
	Wall       time.Time `json:"wall"`
	Bytes      int       `json:"bytes"`
	Wire       int       `json:"wire"`
	Text       string    `json:"text"`
	Verb       string    `json:"verb,omitempty"`
	Tag        string    `json:"tag,omitempty"`
	Status     string    `json:"status,omitempty"`
	Code       string    `json:"code,omitempty"`
	More       bool      `json:"more,omitempty"`
	Continued  bool      `json:"continued,omitempty"`
	Truncated  bool      `json:"truncated,omitempty"`
	Encrypted  bool      `json:"encrypted,omitempty"`
	Incomplete bool      `json:"incomplete,omitempty"`
	TLS        bool      `json:"tls,omitempty"`
	Records    int       `json:"recordBytes,omitempty"`
	Announced  uint32    `json:"announced,omitempty"`
	Masked     bool      `json:"masked,omitempty"`
}

func (e *Event) toJSON(reveal bool) jsonEvent {
	return jsonEvent{
		Seq: e.Seq, Session: e.Session, Protocol: e.Protocol, Dir: e.Dir, Kind: e.Kind,
		AtNs: int64(e.At), ArriveNs: int64(e.Arrive), Wall: e.Wall,
		Bytes: e.Bytes, Wire: e.Wire, Text: e.Display(reveal),
		Verb: e.Verb, Tag: e.Tag, Status: e.Status, Code: e.Code,
		More: e.Has(FlagMore), Continued: e.Has(FlagContinued), Truncated: e.Has(FlagTruncated),
		Encrypted: e.Has(FlagEncrypted), Incomplete: e.Has(FlagIncomplete),
		TLS: e.Has(FlagTLS), Records: int(e.RecordBytes), Announced: e.Announced,
		Masked: e.Masked() && !reveal,
	}
}

// MarshalJSON encodes the event with its secret masked (the safe
// default); use WriteJSONL with Reveal to export secrets.
func (e Event) MarshalJSON() ([]byte, error) { return json.Marshal(e.toJSON(false)) }
