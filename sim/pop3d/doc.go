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
//     the response code IN-USE when another session holds the maildrop.
//     LOGIN-DELAY is sent when a Backend returns it (as an [Error]); the
//     server keeps no login policy of its own and does not advertise the
//     LOGIN-DELAY capability.
//   - RFC 3206, the SYS and AUTH response codes: AUTH for wrong
//     credentials (and, alike, an unknown user) and for a login refused
//     before TLS, SYS/TEMP for an internal failure, SYS/PERM when QUIT
//     finds the account removed.
//   - RFC 2595 §4, STLS: TLS on the POP3 port.
//   - RFC 5034, the POP3 SASL mechanism: AUTH PLAIN (RFC 4616), with or
//     without an initial response.
//
// Parsing (parse.go) stays out of the handlers (server.go): each command
// has one handler, dispatched by a switch. A handler answers +OK itself
// and returns an error for -ERR: replies are [Error] values with their
// response code (errors.go), and errors from the Backend are mapped to
// them in one place. An error the server did not expect is answered
// SYS/TEMP and its text goes to [Options.ErrorLog], never to the client.
//
// Every input is bounded: a line longer than 255 octets is answered with
// -ERR and skipped, and MaxErrors bad commands in a row (any -ERR counts;
// any success starts the count again) close the connection. A panic in a
// session is recovered: that client gets SYS/TEMP, its maildrop is
// released with nothing deleted, and the other sessions go on.
package pop3d
