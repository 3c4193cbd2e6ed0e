// Package smtpd is Mailscope's SMTP server: a go-smtp backend that
// delivers into the shared mail store, so that a message sent here is the
// message POP3 lists and IMAP fetches.
//
// The wire protocol, the command parser and the extensions below are
// go-smtp's (github.com/emersion/go-smtp); this package decides who may
// send what to whom and stores the result. It implements:
//   - RFC 5321, SMTP: the MAIL/RCPT/DATA transaction, RSET, NOOP, QUIT;
//     local delivery like a real MX (recipients at a local domain are
//     accepted without AUTH), relaying refused, a Received: trace header
//     (§4.4) on every delivered message, and a message in the store
//     before its 250 reply is sent.
//   - RFC 1869 and RFC 1870, service extensions and SIZE: the limit is
//     advertised, a declared SIZE= over it is refused at MAIL, and a
//     message that turns out larger is refused after DATA (552 5.3.4).
//   - RFC 2920, PIPELINING.
//   - RFC 6152, 8BITMIME; RFC 3030 CHUNKING (BDAT) comes with go-smtp.
//   - RFC 2034 and RFC 3463, enhanced status codes on every reply.
//   - RFC 6531, SMTPUTF8: UTF-8 addresses with MAIL FROM ... SMTPUTF8, and
//     553 5.6.7 for non-ASCII addresses without it.
//   - RFC 4954, AUTH, with RFC 4616 PLAIN and the LOGIN mechanism
//     (draft-murchison-sasl-login: "334 VXNlcm5hbWU6", "334
//     UGFzc3dvcmQ6"), which go-sasl has no server for.
//   - RFC 3207, STARTTLS, and RFC 8314 implicit TLS (the port-465 style).
//
// # Delivery
//
// A transaction is delivered all or nothing. Every recipient is checked
// at RCPT (550 5.1.1 unknown user, 550 5.7.1 relaying, 552 5.2.2 a full
// mailbox) and again after DATA, under one lock shared by every session
// of the Server, before anything is stored: if any recipient's mailbox
// cannot take the message, the reply is that recipient's error and no
// recipient gets it. The store has no multi-user append, so should a
// delivery still fail part way (only an IMAP APPEND racing into the same
// quota can cause that), the copies already stored are expunged again
// before the error is returned.
//
// Authenticated submission to a non-local domain is refused too (550
// 5.7.1): the lab has no outside world to relay to.
//
// # Time
//
// A message is stored at the virtual time of its connection: the server
// end's clock when the end of DATA arrived, read through any TLS layer
// from a conn with a Now() time.Duration method (link conns). See
// Options.Clock for conns without one.
//
// # Where go-smtp decides
//
// Some replies come from go-smtp before this package sees the command,
// and are kept as they are: commands out of order (RCPT before MAIL, DATA
// before RCPT, MAIL before EHLO) get 502 5.5.1 where RFC 5321 §4.1.4
// gives 503; a path that does not parse gets 501 5.5.2; an over-long
// line gets 500 5.4.0 and the connection is closed; a fourth syntax error
// closes it too; AUTH before TLS without InsecureAuth gets 523 5.7.10.
// Nested MAIL, which go-smtp would accept, is answered 503 5.5.1 here,
// and a BDAT LAST chunk cut short by the client's FIN, which go-smtp
// would pass on as a whole message, is refused (451 4.3.0) and not
// stored.
package smtpd
