package trace

// contextCatalogue holds the entries an Explainer picks by a line's place
// in its session rather than by its first word: greetings, the lines of
// multi-line replies and POP3 listings, SASL answers, IMAP lines that go
// on after a literal, commands a server does not know, and the replies in
// which a library departs from its RFC. They are part of Catalogue.
var contextCatalogue = []Explanation{
	// SMTP.
	note(SMTP, keyGreeting, 5321, "3.1", "This is the server's greeting, the first line it sends when the connection opens; 220 says it is ready, while 554 would say it refuses to talk to this client."),
	note(SMTP, keyGreetingMore, 5321, "4.2.1", "One line of a multi-line greeting: a hyphen after the code says more lines follow, and the line with a space after the code is the last."),
	note(SMTP, keyReplyMore, 5321, "4.2.1", "One line of a multi-line reply: a hyphen after the code says more lines follow, and the line with a space after the code ends the reply."),
	note(SMTP, keyEHLOHello, 5321, "4.1.1.1", "The first line of the EHLO reply: the server names itself and greets the client, and each following line names one extension it offers."),
	note(SMTP, keySASLAnswer, 4954, "4", "The client's answer to the server's 334 challenge: a piece of its credentials in base64, masked here because it is a secret."),
	note(SMTP, keySASLCancel, 4954, "4", "A lone asterisk cancels the authentication exchange; the server answers 501 and the client is not logged in."),
	note(SMTP, keyUnknownCommand, 5321, "4.2.4", "A command this server does not know; an SMTP server should answer an unrecognised command with 500 and a known but unimplemented one with 502."),
	ext(SMTP, keyOtherExtension, 5321, "4.1.1.1", "An extension keyword from the EHLO reply that the lab's catalogue does not describe; a client simply ignores keywords it does not know."),
	ext(SMTP, "LIMITS", 9422, "3", "The server announces its limits, here the most recipients it accepts per message, so a client can split a big mailing instead of being refused."),
	ext(SMTP, "HELP", 5321, "4.1.1.8", "The server answers HELP with text meant for a human."),
	ext(SMTP, "VRFY", 5321, "4.1.1.6", "The server answers VRFY, which asks whether a mailbox exists."),
	deviation(SMTP, keySMTPSequence502, 5321, "4.3.2", "The command came in the wrong order (RCPT before MAIL, DATA before any accepted RCPT, MAIL before EHLO), where RFC 5321 expects 503 bad sequence of commands; go-smtp, the library behind this server, answers 502 (command not implemented) instead, and the lab shows its reply unchanged."),
	deviation(SMTP, keySMTPTooManyErrors, 5321, "3.8", "go-smtp, the library behind this server, gives up after more than three bad commands: it sends this second reply to the same command and closes the connection, whereas RFC 5321 wants a server to stay tolerant of commands it does not understand and to close on its own only after a 421 reply."),
	deviation(SMTP, keySMTPVerb501, 5321, "4.2.4", "The server did not recognise this command, for which RFC 5321 wants 500 (command unrecognised); go-smtp, the library behind this server, reads the verb as exactly four letters followed by a space, so a longer or shorter verb fails its parser and gets 501 (syntax error in arguments) instead."),

	// POP3.
	note(POP3, keyGreeting, 1939, "4", "This is the server's greeting, the first line it sends when the connection opens: +OK says it is ready for USER, APOP or AUTH."),
	note(POP3, keySASLAnswer, 5034, "4", "The client's answer to the server's '+' challenge: a piece of its credentials in base64, masked here because it is a secret."),
	note(POP3, keySASLCancel, 5034, "4", "A lone asterisk cancels the authentication exchange; the server answers -ERR and the client is not logged in."),
	note(POP3, keyUnknownCommand, 1939, "3", "A command this server does not know; a POP3 server answers a command it does not recognise with -ERR."),
	listing("LIST", 1939, "5", "One line of the LIST scan listing: a message number and that message's exact size in octets."),
	listing("UIDL", 1939, "7", "One line of the UIDL listing: a message number and that message's unique id, which a client remembers to tell old mail from new."),
	listing("AUTH", 2449, "6.3", "One SASL mechanism the server supports, listed in answer to AUTH without arguments; that listing is an informal convention older clients rely on, and the standard place for the mechanisms is the SASL line of CAPA."),
	listing(keyOtherListing, 1939, "3", "One line of a multi-line reply; a line that starts with a dot has the dot doubled, so that it cannot be taken for the end."),
	listing("LIST.", 1939, "5", "A line holding only a dot ends the LIST scan listing."),
	listing("UIDL.", 1939, "7", "A line holding only a dot ends the UIDL listing."),
	listing("CAPA.", 2449, "5", "A line holding only a dot ends the CAPA list of capabilities."),
	listing("AUTH.", 2449, "6.3", "A line holding only a dot ends the list of SASL mechanisms."),
	listing("RETR.", 1939, "5", "A line holding only a dot ends the message; the client removes one leading dot from any line that had its dot doubled."),
	listing("TOP.", 1939, "7", "A line holding only a dot ends the headers and body lines that TOP asked for."),
	listing(keyOtherListing+".", 1939, "3", "A line holding only a dot ends a multi-line reply."),
	capa("TOP", 2449, "6.1", "The server supports TOP, which downloads a message's headers and the first lines of its body."),
	capa("USER", 2449, "6.2", "The server accepts logging in with USER and PASS, the plain name and password."),
	capa("SASL", 2449, "6.3", "The server accepts AUTH with the SASL mechanisms listed after the keyword."),
	capa("RESP-CODES", 2449, "6.4", "The server may put a machine-readable code in brackets, such as [IN-USE], after +OK or -ERR."),
	capa("LOGIN-DELAY", 2449, "6.5", "The server states how many seconds a client must wait between logins, so clients do not poll too often."),
	capa("PIPELINING", 2449, "6.6", "The client may send several commands without waiting for each reply, which saves round trips."),
	capa("EXPIRE", 2449, "6.7", "The server states how many days it keeps messages after they were downloaded, or NEVER if it deletes none itself."),
	capa("UIDL", 2449, "6.8", "The server supports UIDL, which gives each message a unique id that stays the same across sessions."),
	capa("IMPLEMENTATION", 2449, "6.9", "The server names its software, which helps with troubleshooting but changes nothing in the protocol."),
	capa("STLS", 2595, "4", "The server supports STLS, which turns the connection into an encrypted TLS one before logging in."),
	capa("AUTH-RESP-CODE", 3206, "6", "The server adds [AUTH] or [SYS/...] codes to failed logins, so a client can tell wrong credentials from a server problem."),
	capa(keyOtherCapability, 2449, "5", "A capability the lab's catalogue does not describe; a client ignores capabilities it does not know."),

	// IMAP.
	inote(keyGreeting, 9051, "7.1.1", 3501, "7.1.1", "This is the server's greeting, the first line it sends when the connection opens; an untagged OK says it is ready, PREAUTH that the client is already logged in, BYE that it refuses the connection."),
	inote(keySASLAnswer, 9051, "6.2.2", 3501, "6.2.2", "The client's answer to the server's '+' continuation request during AUTHENTICATE: a piece of its credentials in base64, masked here because it is a secret."),
	inote(keySASLCancel, 9051, "6.2.2", 3501, "6.2.2", "A lone asterisk cancels the AUTHENTICATE exchange; the server answers BAD and the client is not logged in."),
	inote(keyContinuedCommand, 9051, "4.3", 3501, "4.3", "The rest of the client's command after a literal: a literal sends a counted block of bytes in the middle of a line, and the line goes on here."),
	inote(keyContinuedResponse, 9051, "4.3", 3501, "4.3", "The rest of the server's response after a literal, such as the closing parenthesis after a message body in a FETCH response."),
	inote(keyUnknownCommand, 9051, "7.1.3", 3501, "7.1.3", "A command this server does not know; go-imap v2's server answers any command it has no handler for with BAD, and before login it also says BYE and closes the connection."),
	icmd("UNAUTHENTICATE", 8437, "2", 8437, "2", "Logs out the user but keeps the connection open, so the client can log in again as someone else."),
	icmd("XLIST", 3501, "6.5.1", 3501, "6.5.1", "An old Gmail command that lists mailboxes with their special uses (Sent, Trash); SPECIAL-USE replaced it, and go-imap v2's server has no handler for it, so it answers BAD."),
	icmd("GETQUOTAROOT", 9208, "4.1.2", 9208, "4.1.2", "Asks which quotas apply to a mailbox and how much of each is used; go-imap v2's server has no handler for QUOTA commands, so it answers BAD."),
	icmd("GETQUOTA", 9208, "4.1.1", 9208, "4.1.1", "Asks for the usage and limits of one quota root; go-imap v2's server has no handler for it, so it answers BAD."),
	icmd("SETQUOTA", 9208, "4.1.3", 9208, "4.1.3", "Asks to change the limits of a quota root; go-imap v2's server has no handler for it, so it answers BAD."),
	icmd("COMPRESS", 4978, "3", 4978, "3", "Asks to compress everything that follows with DEFLATE, which helps on slow links; go-imap v2's server has no handler for it, so it answers BAD."),
	icmd("SORT", 5256, "3", 5256, "3", "Asks the server to sort the messages (by date, sender, subject) and return their numbers in order; go-imap v2's server has no handler for it, so it answers BAD."),
	icmd("UID SORT", 5256, "3", 5256, "3", "Asks the server to sort the messages and return their UIDs in order; go-imap v2's server has no handler for it, so it answers BAD."),
	icmd("THREAD", 5256, "3", 5256, "3", "Asks the server to group the messages into conversation threads; go-imap v2's server has no handler for it, so it answers BAD."),
	icmd("UID THREAD", 5256, "3", 5256, "3", "Asks the server to group the messages into threads and answer with UIDs; go-imap v2's server has no handler for it, so it answers BAD."),
	iresp("ID", 2971, "3.2", 2971, "3.2", "The server's software name and version, in answer to ID."),
	inote(keyEnableUnsupported, 7162, "3.1", 7162, "3.1", "The client asks to switch on CONDSTORE or QRESYNC, which track flag changes with modification sequences for fast resynchronisation; go-imap v2's server supports only IMAP4rev2 and UTF8=ACCEPT, so its ENABLED reply leaves the others out and they stay off."),
	inote(keyListExtended, 9051, "6.3.9", 5258, "3", "This LIST uses the extended form: selection options such as SUBSCRIBED choose which mailboxes to list, and RETURN options ask for more about each one."),
	inote(keyListStatus, 9051, "6.3.9", 5819, "2", "RETURN (STATUS ...) asks for each listed mailbox's counts in the same answer, which spares one STATUS command per mailbox."),
	inote(keyChildren, 9051, "7.3.1", 3348, "3", "The \\HasChildren or \\HasNoChildren attribute tells whether mailboxes sit below this one, so a client can draw the folder tree without asking again."),
	inote(keySpecialUse, 9051, "7.3.1", 6154, "2", "An attribute such as \\Sent, \\Drafts, \\Trash, \\Junk or \\Archive marks the mailbox's special use, so that every client files sent and deleted mail in the same place."),
	inote(keySASLIR, 9051, "6.2.2", 4959, "3", "The client sends its first SASL response on the AUTHENTICATE line itself, which saves a round trip."),
	ideviation(keyIMAPListAmpersand, 9051, "5.1", 3501, "5.1.3", "The LIST pattern contains '&', which starts a modified UTF-7 sequence in mailbox names; the RFC wants a normal answer (OK, with any matching mailboxes) or BAD naming the faulty pattern, but go-imap v2 fails inside its own decoder and answers NO [SERVERBUG]."),
	inote(keyIMAPNoHandler, 9051, "7.1.3", 3501, "7.1.3", "BAD because go-imap v2's server has no handler for this command; before login the library also sends BYE and closes the connection, to stop other protocols being smuggled through an IMAP port."),
	inote(keyIMAPByeUnknown, 9051, "7.1.5", 3501, "7.1.5", "go-imap v2's server says BYE and hangs up after an unknown command before login, a guard against cross-protocol attacks; the RFC allows BYE at any time but does not ask for this."),
}

// Keys of the context entries that are not words of a line.
const (
	keyGreeting          = "greeting"
	keyGreetingMore      = "greeting-continued"
	keyReplyMore         = "reply-continued"
	keyEHLOHello         = "ehlo-hello"
	keySASLAnswer        = "sasl-answer"
	keySASLCancel        = "sasl-cancel"
	keyUnknownCommand    = "unknown-command"
	keyOtherExtension    = "other-extension"
	keyOtherListing      = "other"
	keyOtherCapability   = "other-capability"
	keyContinuedCommand  = "continued-command"
	keyContinuedResponse = "continued-response"
	keyEnableUnsupported = "enable-unsupported"
	keyListExtended      = "list-extended"
	keyListStatus        = "list-status"
	keyChildren          = "children"
	keySpecialUse        = "special-use"
	keySASLIR            = "sasl-ir"
	keySMTPSequence502   = "go-smtp-502-sequence"
	keySMTPVerb501       = "go-smtp-501-verb"
	keySMTPTooManyErrors = "go-smtp-too-many-errors"
	keyIMAPListAmpersand = "go-imap-list-ampersand"
	keyIMAPNoHandler     = "go-imap-no-handler"
	keyIMAPByeUnknown    = "go-imap-bye-unknown"
)
