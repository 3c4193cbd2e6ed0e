package link

import "time"

// Tap observes everything that crosses one connection: the trace recorder
// implements it. The link reports bytes when they are delivered, never
// when they are written: as the reader takes them; when their writer
// closes (they are ahead of its FIN); when a reset-after-drain fault fires
// (they still arrive); and, when the reader closes, the ones that had
// arrived by then. Bytes in flight when the connection breaks (offline, a
// hang-up, Conn.Reset, the reader closing) are never reported, and the
// fault mark follows whatever was. Calls come synchronously from the
// goroutine that reads, writes or closes, in wire order per direction, so
// a Tap must be fast and must never block; it must not retain p after
// returning.
//
// The method set uses only standard types so that the trace package, a
// leaf like this one, implements it without importing link.
type Tap interface {
	// Transfer reports one delivered piece of a write: the bytes of a
	// write up to and including each LF (the last piece may lack one, and a
	// line may come in several pieces when it is read in parts). depart is the
	// virtual time its first byte left, arrive the virtual time its last
	// byte reached the other end, wire the bytes it occupied on the wire
	// including its share of segment overhead.
	Transfer(fromClient bool, p []byte, depart, arrive time.Duration, wire int, wall time.Time)

	// Mark reports a connection event: "dial", "connect", "close",
	// "tls", "fault", with a detail for people ("reset after 1024
	// bytes").
	Mark(kind, detail string, fromClient bool, at time.Duration, wall time.Time)
}

// Tap event kinds passed to Mark.
const (
	// MarkDial: this connection dialled the line (see EnableCalls); at is
	// when dialling began, the connect mark follows when the line is up.
	MarkDial    = "dial"
	MarkConnect = "connect"
	MarkClose   = "close"
	MarkTLS     = "tls"
	MarkFault   = "fault"
)

// ConnInfo names one connection for its Tap.
type ConnInfo struct {
	ID         uint64
	Protocol   string // "smtp", "pop3", "imap", or "" when unknown
	ClientAddr string
	ServerAddr string
	Start      time.Duration // virtual time the client began to connect
	// Up is when the line was up and the handshake began: Start, or
	// later on a line that dialled (EnableCalls).
	Up   time.Duration
	Wall time.Time
}
