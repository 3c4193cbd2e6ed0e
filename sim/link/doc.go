// Package link simulates the network path between mail clients and mail
// servers: every connection in Mailscope, in-app or from an outside client,
// is a pair of conns made here for the current link Profile.
//
// It implements:
//   - link profiles as data, with presets from a 56k modem to fibre
//     (profile.go, presets.go);
//   - bandwidth per direction, one-way latency, seeded jitter, TCP/IP
//     segment overhead with an MSS, link framing (PPP, PPPoE), the TCP
//     handshake, dial time and tariffs;
//   - a virtual clock on which nothing sleeps (the default) and a live clock
//     that paces the same conns against the wall clock with a speed factor
//     (clock.go);
//   - dial-up calls on metered profiles (call.go): dial on demand, a
//     call shared by the connections while it is up, hang-up on request,
//     when idle, offline or on another profile, and a meter of time online
//     and cost on the tariff;
//   - faults, one file each: offline (at once, SetOffline, or as a window
//     of virtual time, OfflineBetween), reset after N bytes, stall (after
//     N bytes, or at a time into the connection), drop; each plans on a
//     write's departure, so the same fault means the same on either clock
//     (faultspec.go has the text form, --fault);
//   - TCP's close: an end that closes with bytes sent to it still unread
//     or on their way resets the connection (RFC 1122 4.2.2.13, RFC 9293
//     3.6), and the tap hears of a "reset: … unread" fault before the
//     close, so exports end it with RST, not FIN;
//   - in-memory listeners and dialers (listener.go) so in-app servers
//     (Serve(listener)) and clients (any Dial func) go through the link, and a
//     wrapper for accepted TCP conns (tcp.go) so outside clients do too;
//   - per-connection counters (stats.go) and a Tap that hears of every byte
//     as it is delivered, so a break never shows bytes in flight as arrived.
//
// # Virtual time
//
// Each end of a connection keeps its own clock. A write departs at
// max(writer's clock, when that direction of the link is free), occupies the
// direction for wire-bytes×8/bandwidth, and each MSS-sized segment arrives
// at departure + the serialisation of everything up to its end + latency
// (+ jitter). A read advances the reader's clock to the arrival of the last
// byte it returns. A read returns bytes of at most one write and stops after
// the first LF, so a buffered reader cannot pull its clock ahead of what the
// protocol has consumed. Writes never advance the writer's clock: like a
// socket's send buffer they return at once.
//
// A new connection starts at a given virtual time. The client may send after
// HandshakeRTTs round trips; the server accepts half a round trip later,
// when the client's ACK arrives. On a line that dials (EnableCalls), the
// first connection of a call waits DialTime before its handshake.
//
// Acknowledgements are not modelled as traffic: the reverse direction is
// assumed to have room for them, as it does for request/response protocols.
//
// # Live time
//
// A pair made with a LiveClock also maps virtual time onto the wall clock:
// writes depart no earlier than the live clock's now, and a read waits until
// the wall-clock moment its bytes arrive. Deadlines are measured on the link:
// a read deadline can only expire while the reader waits for the peer with
// nothing in flight, and never while the clock is paused, so slow links and
// paused sessions do not trip libraries' hard-coded timeouts.
//
// You MUST Close both conns of a pair; a pair is forgotten by its Link when
// both ends are closed.
package link
