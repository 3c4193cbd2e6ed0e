// Package trace records what crosses the simulated link: one event per
// protocol line, one per bulk payload, and one per connection mark.
//
// It implements:
//
//   - the tap: Session implements the link's Tap (Transfer, Mark) without
//     importing it. Pieces of a line are reassembled; bulk payloads are
//     recognised per protocol: SMTP DATA (RFC 5321 §4.1.1.4) and BDAT
//     (RFC 3030), POP3 RETR and TOP (RFC 1939), IMAP literals {n}, {n+}
//     (RFC 7888) and ~{n} (RFC 3516).
//   - TLS, the way Wireshark shows it with SSLKEYLOGFILE: after STARTTLS
//     (RFC 3207, 2595, 9051) or on implicit-TLS connections (RFC 8314),
//     the tap reassembles TLS records (RFC 8446 §5), reads the ClientHello
//     and ServerHello, and with the TLS 1.3 secrets the servers log into a
//     KeyLog (NSS key log format) derives the traffic keys (RFC 8446 §7)
//     and decrypts AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305 records,
//     KeyUpdate included. The plaintext is parsed as above, its events
//     marked FlagTLS; the handshake records are KindTLS events. Without
//     the secrets (no KeyLog, TLS 1.2) TLS stays encrypted bulk.
//   - line parsing (parse.go, pure functions): verbs, IMAP tags, statuses
//     (+OK/-ERR, OK/NO/BAD/PREAUTH/BYE, SMTP reply codes with multi-line
//     continuation), response codes (RFC 2449 §8, RFC 3206, RFC 9051 §7.1)
//     and SMTP enhanced status codes (RFC 2034, RFC 3463).
//   - secret masking as a view: SMTP/POP3 AUTH (RFC 4954, RFC 5034) and
//     the SASL exchange that follows, POP3 PASS and APOP, IMAP LOGIN's
//     password (also as a literal) and AUTHENTICATE. Events keep the raw
//     text; Event.Display and the exports mask unless asked to reveal.
//   - the Recorder: append-only storage shared by cheap snapshots, and
//     subscribers that never block the writers (a full subscriber is told
//     to resync from a snapshot), and per-session totals summed from a
//     snapshot: bytes each way, the last activity, which ends have closed
//     (totals.go).
//   - the explanation catalogue: a sentence and an RFC section for every
//     command, status, response code and extension the lab speaks.
//   - exports: plain transcript, JSON Lines, and pcapng with synthesised
//     Ethernet/IPv4/TCP headers (gopacket) that Wireshark dissects; TLS
//     sessions carry their ciphertext and, on request, a Decryption
//     Secrets Block (pcapng, "TLSK") so that Wireshark decrypts them.
//
// The package is a leaf: it imports nothing from the rest of the lab.
package trace
