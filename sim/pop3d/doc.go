// Package pop3d is Mailscope's POP3 server. Go has no POP3 server library,
// so this one is written here, over the shared mail store.
//
// It implements:
//   - RFC 1939, Post Office Protocol version 3: the AUTHORIZATION,
//     TRANSACTION and UPDATE states; USER, PASS, APOP, STAT, LIST, RETR,
//     DELE, NOOP, RSET, QUIT, TOP and UIDL; byte-stuffed multi-line
//     responses; deletions only at QUIT (a dropped connection deletes
//     nothing); the exclusive maildrop lock; the autologout timer.
//   - RFC 2449, the POP3 extension mechanism: CAPA with TOP, USER, UIDL,
//     SASL, RESP-CODES, AUTH-RESP-CODE, PIPELINING, IMPLEMENTATION and STLS;
//     the response codes [IN-USE], [AUTH], [SYS/TEMP] and [SYS/PERM].
//   - RFC 2595 §4, STLS: TLS on the POP3 port.
//   - RFC 5034, the POP3 SASL mechanism: AUTH PLAIN (RFC 4616), with or
//     without an initial response.
//
// Parsing (parse.go) stays out of the handlers (server.go): each command
// has one handler, dispatched by a switch.
//
// Every input is bounded: a line longer than 255 octets is answered with
// -ERR and skipped, and a run of bad commands closes the connection.
package pop3d
