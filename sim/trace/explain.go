package trace

import "strings"

// ExplanationKind says what an explanation's key names.
type ExplanationKind string

// Kinds of explanation.
const (
	// ExplainsCommand: a client command ("RETR", "UID FETCH").
	ExplainsCommand ExplanationKind = "command"
	// ExplainsResponse: a status ("+OK", "NO", "250") or an untagged
	// IMAP response name ("EXISTS").
	ExplainsResponse ExplanationKind = "response"
	// ExplainsCode: a response code in brackets ("UIDNEXT", "IN-USE") or
	// an SMTP enhanced status code ("5.1.1", "X.1.X", "5.X.X").
	ExplainsCode ExplanationKind = "code"
	// ExplainsExtension: an SMTP service extension named in the EHLO reply.
	ExplainsExtension ExplanationKind = "extension"
)

// Explanation is one catalogue entry: a plain-language sentence for a
// student and where the RFC defines the thing.
type Explanation struct {
	Protocol Protocol        `json:"protocol"`
	Kind     ExplanationKind `json:"kind"`
	Key      string          `json:"key"`
	Sentence string          `json:"sentence"`
	RFC      int             `json:"rfc"`
	Section  string          `json:"section"`
}

// Cite returns "RFC 5321 §4.1.1.4".
func (e Explanation) Cite() string {
	return "RFC " + itoa(e.RFC) + " §" + e.Section
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

type catalogueKey struct {
	p    Protocol
	kind ExplanationKind
	key  string
}

// Explain returns the explanation of a client command verb.
func Explain(p Protocol, verb string) (Explanation, bool) {
	return lookup(p, ExplainsCommand, upper(verb))
}

// ExplainStatus returns the explanation of a server status ("+OK",
// "-ERR", "OK", "BYE", "354", "+") or untagged IMAP response ("EXISTS").
func ExplainStatus(p Protocol, status string) (Explanation, bool) {
	return lookup(p, ExplainsResponse, upper(status))
}

// ExplainCode returns the explanation of a response code ("ALERT",
// "IN-USE", "SYS/TEMP") or an SMTP enhanced status code. An enhanced code
// without an entry of its own falls back to its subject ("X.1.X"), then
// its class ("5.X.X").
func ExplainCode(p Protocol, code string) (Explanation, bool) {
	code = upper(code)
	if e, ok := lookup(p, ExplainsCode, code); ok {
		return e, ok
	}
	if p == SMTP && isEnhancedCode(code) {
		subj, _, _ := strings.Cut(code[2:], ".")
		if e, ok := lookup(p, ExplainsCode, "X."+subj+".X"); ok {
			return e, ok
		}
		return lookup(p, ExplainsCode, code[:1]+".X.X")
	}
	return Explanation{}, false
}

// ExplainExtension returns the explanation of an SMTP EHLO keyword.
func ExplainExtension(p Protocol, keyword string) (Explanation, bool) {
	return lookup(p, ExplainsExtension, upper(keyword))
}

// ExplainEvent returns what the catalogue says about an event, most
// important first: the command or status, then the response code or
// extension it names, then a note if it crossed inside TLS. A TLS event
// is explained by its handshake message (ExplainsTLS); other marks have no
// explanation.
func ExplainEvent(ev *Event) []Explanation {
	out := explainEvent(ev)
	if ev.Kind != KindTLS && ev.Has(FlagTLS) || ev.Kind == KindBulk && ev.Has(FlagEncrypted) {
		out = append(out, explainTLS(ev)...)
	}
	return out
}

func explainEvent(ev *Event) []Explanation {
	var out []Explanation
	add := func(e Explanation, ok bool) {
		if ok {
			out = append(out, e)
		}
	}
	switch ev.Kind {
	case KindLine, KindBulk:
	case KindTLS:
		return explainTLS(ev)
	default:
		return nil
	}
	// A bulk payload is explained by the command that asked for it; an
	// IMAP server literal by the response that carries it (FETCH).
	if ev.Dir == ClientToServer || ev.Kind == KindBulk && ev.Protocol != IMAP {
		if ev.Verb != "" {
			add(Explain(ev.Protocol, ev.Verb))
		}
		return out
	}
	if ev.Status != "" {
		add(ExplainStatus(ev.Protocol, ev.Status))
	}
	if ev.Verb != "" {
		add(ExplainStatus(ev.Protocol, ev.Verb))
	}
	if ev.Code != "" {
		add(ExplainCode(ev.Protocol, ev.Code))
	}
	if ev.Protocol == SMTP && ev.Status == "250" && len(ev.Text) > 4 {
		kw, _ := cut(ev.Text[4:])
		add(ExplainExtension(SMTP, kw))
	}
	return out
}

// Catalogue returns a copy of every entry.
func Catalogue() []Explanation { return append([]Explanation(nil), catalogue...) }

func lookup(p Protocol, k ExplanationKind, key string) (Explanation, bool) {
	i, ok := catalogueIndex[catalogueKey{p, k, key}]
	if !ok {
		return Explanation{}, false
	}
	return catalogue[i], true
}

// catalogueIndex is read-only after package initialisation; like
// catalogue it is data, not state.
var catalogueIndex = func() map[catalogueKey]int {
	m := make(map[catalogueKey]int, len(catalogue))
	for i, e := range catalogue {
		m[catalogueKey{e.Protocol, e.Kind, e.Key}] = i
	}
	return m
}()

func cmd(p Protocol, key string, rfc int, sec, sentence string) Explanation {
	return Explanation{p, ExplainsCommand, key, sentence, rfc, sec}
}

func resp(p Protocol, key string, rfc int, sec, sentence string) Explanation {
	return Explanation{p, ExplainsResponse, key, sentence, rfc, sec}
}

func code(p Protocol, key string, rfc int, sec, sentence string) Explanation {
	return Explanation{p, ExplainsCode, key, sentence, rfc, sec}
}

func ext(p Protocol, key string, rfc int, sec, sentence string) Explanation {
	return Explanation{p, ExplainsExtension, key, sentence, rfc, sec}
}

// catalogue is the explanation catalogue. It is never modified.
var catalogue = []Explanation{
	// SMTP commands.
	cmd(SMTP, "HELO", 5321, "4.1.1.1", "The client says hello and gives its name, using the original greeting that asks for no extensions."),
	cmd(SMTP, "EHLO", 5321, "4.1.1.1", "The client says hello, gives its name and asks which extensions the server offers; the reply lists them one per line."),
	cmd(SMTP, "MAIL", 5321, "4.1.1.2", "Starts a new message by giving the envelope sender, the address that bounces go back to, which need not match the From: header."),
	cmd(SMTP, "RCPT", 5321, "4.1.1.3", "Names one envelope recipient; the client sends one RCPT per recipient and the server accepts or refuses each separately."),
	cmd(SMTP, "DATA", 5321, "4.1.1.4", "Asks to send the message itself; after a 354 reply the client sends headers and body and ends with a line holding only a dot."),
	cmd(SMTP, ".", 5321, "4.1.1.4", "A line holding only a dot ends the message data; the reply says whether the server has taken responsibility for the message."),
	cmd(SMTP, "BDAT", 3030, "2", "Sends the next chunk of the message as exactly the stated number of bytes, with no dot-stuffing; LAST marks the final chunk."),
	cmd(SMTP, "RSET", 5321, "4.1.1.5", "Throws away the message being prepared (sender, recipients and data) but keeps the connection open."),
	cmd(SMTP, "VRFY", 5321, "4.1.1.6", "Asks whether a user or mailbox exists; many servers decline to say so that spammers cannot harvest addresses."),
	cmd(SMTP, "EXPN", 5321, "4.1.1.7", "Asks the server to expand a mailing list into its members; most servers switch this off for privacy."),
	cmd(SMTP, "HELP", 5321, "4.1.1.8", "Asks the server for help text meant for a human at a terminal."),
	cmd(SMTP, "NOOP", 5321, "4.1.1.9", "Does nothing but earn a 250 reply, which shows the connection is still alive."),
	cmd(SMTP, "QUIT", 5321, "4.1.1.10", "Ends the session: the server answers 221 and closes the connection."),
	cmd(SMTP, "STARTTLS", 3207, "4", "Asks to turn this plain connection into an encrypted one; after a 220 reply both sides run a TLS handshake and start the session afresh."),
	cmd(SMTP, "AUTH", 4954, "4", "Starts logging in with a SASL mechanism such as PLAIN or LOGIN; the base64 credentials follow on this line or in answers to 334 challenges."),

	// SMTP service extensions, as listed in the EHLO reply.
	ext(SMTP, "SIZE", 1870, "3", "The server states the largest message it accepts, and the client may declare a message's size on MAIL so an oversized one is refused before it is sent."),
	ext(SMTP, "PIPELINING", 2920, "3", "The client may send several commands without waiting for each reply, which saves round trips on a slow link."),
	ext(SMTP, "8BITMIME", 6152, "2", "The server accepts message bodies containing 8-bit bytes, so text need not be squeezed into 7-bit ASCII first."),
	ext(SMTP, "CHUNKING", 3030, "2", "The server accepts BDAT, which sends the message in counted chunks instead of DATA's dot-terminated lines."),
	ext(SMTP, "SMTPUTF8", 6531, "3.1", "The server accepts addresses and headers written in UTF-8, so mailbox names need not be ASCII."),
	ext(SMTP, "ENHANCEDSTATUSCODES", 2034, "3", "The server adds a detailed class.subject.detail code such as 5.1.1 to its replies."),
	ext(SMTP, "STARTTLS", 3207, "4", "The server can upgrade the connection to TLS encryption when the client sends STARTTLS."),
	ext(SMTP, "AUTH", 4954, "3", "The server lets clients log in and lists the SASL mechanisms it supports."),

	// SMTP replies.
	resp(SMTP, "211", 5321, "4.2.2", "A system status or help reply."),
	resp(SMTP, "214", 5321, "4.2.2", "Help text meant for a human reader."),
	resp(SMTP, "220", 5321, "4.2.2", "The service is ready: the server's greeting, or its go-ahead to start TLS after STARTTLS."),
	resp(SMTP, "221", 5321, "4.2.2", "The server says goodbye and is closing the connection."),
	resp(SMTP, "235", 4954, "6", "Authentication succeeded: the client is now logged in."),
	resp(SMTP, "250", 5321, "4.2.2", "The requested action was completed; for EHLO the following lines list the server's extensions."),
	resp(SMTP, "251", 5321, "4.2.2", "The recipient is not local, but the server will forward the message to it."),
	resp(SMTP, "252", 5321, "4.2.2", "The server cannot confirm that the user exists but will accept the message and try to deliver it."),
	resp(SMTP, "334", 4954, "4", "An authentication challenge: the client must answer with the next piece of its credentials, encoded in base64."),
	resp(SMTP, "354", 5321, "4.2.2", "Go ahead and send the message, ending it with a line holding only a dot."),
	resp(SMTP, "421", 5321, "4.2.2", "The service is not available and the server is closing the connection; the client should try again later."),
	resp(SMTP, "450", 5321, "4.2.2", "The mailbox is unavailable for now (busy or temporarily blocked); try again later."),
	resp(SMTP, "451", 5321, "4.2.2", "The server hit a local error and aborted the action; it is temporary, so the client should retry."),
	resp(SMTP, "452", 5321, "4.2.2", "The server is short of storage or has too many recipients for now; try again later."),
	resp(SMTP, "454", 4954, "6", "A temporary failure: TLS or authentication is not available just now."),
	resp(SMTP, "455", 5321, "4.2.2", "The server cannot accept the parameters given on MAIL or RCPT at the moment."),
	resp(SMTP, "500", 5321, "4.2.2", "Syntax error: the server did not recognise the command, or the line was too long."),
	resp(SMTP, "501", 5321, "4.2.2", "Syntax error in the command's arguments, such as a malformed address."),
	resp(SMTP, "502", 5321, "4.2.2", "The server knows this command but does not implement it."),
	resp(SMTP, "503", 5321, "4.2.2", "Bad sequence of commands, such as RCPT before MAIL or DATA before any recipient."),
	resp(SMTP, "504", 5321, "4.2.2", "The command is known, but this parameter (for example this AUTH mechanism) is not implemented."),
	resp(SMTP, "530", 4954, "6", "Authentication is required before the server will accept this command."),
	resp(SMTP, "534", 4954, "6", "The authentication mechanism is too weak for this server's policy."),
	resp(SMTP, "535", 4954, "6", "Authentication failed: the user name or password was not accepted."),
	resp(SMTP, "550", 5321, "4.2.2", "The action failed for good: typically the mailbox does not exist or the message was refused by policy."),
	resp(SMTP, "551", 5321, "4.2.2", "The user is not local here; the reply may say where to send the message instead."),
	resp(SMTP, "552", 5321, "4.2.2", "The message was refused because it exceeds the storage allowed, such as the mailbox quota or size limit."),
	resp(SMTP, "553", 5321, "4.2.2", "The mailbox name is not allowed, for example a malformed address."),
	resp(SMTP, "554", 5321, "4.2.2", "The transaction failed, or, as a greeting, the server will not talk to this client at all."),
	resp(SMTP, "555", 5321, "4.2.2", "The server does not recognise or cannot implement a parameter given on MAIL or RCPT."),

	// SMTP enhanced status codes (RFC 3463, announced by RFC 2034).
	code(SMTP, "2.X.X", 3463, "2", "Class 2 means success: the action was completed."),
	code(SMTP, "4.X.X", 3463, "2", "Class 4 means a temporary failure: the same request may succeed if tried again later."),
	code(SMTP, "5.X.X", 3463, "2", "Class 5 means a permanent failure: sending the same request again will fail the same way."),
	code(SMTP, "X.0.X", 3463, "3.1", "Subject 0 means the problem is of another or undefined kind."),
	code(SMTP, "X.1.X", 3463, "3.2", "Subject 1 is about an address: the sender's or a recipient's address is wrong or unknown."),
	code(SMTP, "X.2.X", 3463, "3.3", "Subject 2 is about a mailbox that exists but has a problem, such as being full or disabled."),
	code(SMTP, "X.3.X", 3463, "3.4", "Subject 3 is about the receiving mail system itself, such as running out of space."),
	code(SMTP, "X.4.X", 3463, "3.5", "Subject 4 is about the network or routing between mail servers."),
	code(SMTP, "X.5.X", 3463, "3.6", "Subject 5 is about the mail protocol itself, such as a bad command or wrong order of commands."),
	code(SMTP, "X.6.X", 3463, "3.7", "Subject 6 is about the message content or its format."),
	code(SMTP, "X.7.X", 3463, "3.8", "Subject 7 is about security or policy, such as authentication or a refused relay."),
	code(SMTP, "2.0.0", 3463, "3.1", "Success, with nothing more specific to say."),
	code(SMTP, "2.1.0", 3463, "3.2", "The sender address was accepted."),
	code(SMTP, "2.1.5", 3463, "3.2", "The recipient address is valid and was accepted."),
	code(SMTP, "2.7.0", 4954, "6", "Authentication succeeded."),
	code(SMTP, "4.2.2", 3463, "3.3", "The mailbox is full for now; the sender may try again later."),
	code(SMTP, "4.7.0", 4954, "6", "A temporary security failure, such as authentication being unavailable at the moment."),
	code(SMTP, "5.1.1", 3463, "3.2", "The recipient's mailbox does not exist here: the address is wrong."),
	code(SMTP, "5.2.2", 3463, "3.3", "The recipient's mailbox is full: it has used up its storage quota."),
	code(SMTP, "5.3.4", 3463, "3.4", "The message is bigger than this system accepts."),
	code(SMTP, "5.5.1", 3463, "3.6", "The command was not recognised or is not allowed here."),
	code(SMTP, "5.5.2", 3463, "3.6", "The command had a syntax error."),
	code(SMTP, "5.7.0", 3463, "3.8", "A security or policy problem, such as having to log in first."),
	code(SMTP, "5.7.1", 3463, "3.8", "Delivery is not authorised: the sender may not send to this recipient, or relaying is refused."),
	code(SMTP, "5.7.8", 4954, "6", "The credentials given for authentication are invalid."),

	// POP3 commands.
	cmd(POP3, "USER", 1939, "7", "Gives the user name of the maildrop to open; PASS with the password must follow."),
	cmd(POP3, "PASS", 1939, "7", "Gives the password for the user named by USER; it crosses the link in clear text unless the connection is encrypted."),
	cmd(POP3, "APOP", 1939, "7", "Logs in with a user name and an MD5 digest of the greeting's timestamp plus a shared secret, so the password itself never crosses the link."),
	cmd(POP3, "AUTH", 5034, "4", "Logs in with a SASL mechanism; the credentials follow in base64 on this line or in answers to '+' challenges."),
	cmd(POP3, "STAT", 1939, "5", "Asks how many messages are in the maildrop and their total size in octets."),
	cmd(POP3, "LIST", 1939, "5", "Lists each message's number and size, or just one message's when given a number."),
	cmd(POP3, "RETR", 1939, "5", "Downloads a whole message; its lines follow the +OK and end with a line holding only a dot."),
	cmd(POP3, "DELE", 1939, "5", "Marks a message for deletion; it is really removed only when the session ends with QUIT."),
	cmd(POP3, "NOOP", 1939, "5", "Does nothing but earn a +OK, which shows the connection is still alive."),
	cmd(POP3, "RSET", 1939, "5", "Unmarks every message marked for deletion in this session."),
	cmd(POP3, "QUIT", 1939, "6", "Ends the session; the server now deletes the messages marked with DELE and releases the maildrop lock."),
	cmd(POP3, "TOP", 1939, "7", "Downloads a message's headers and only the first given number of body lines, useful for previewing."),
	cmd(POP3, "UIDL", 1939, "7", "Lists each message's unique id, which stays the same across sessions so a client can tell which messages it already has."),
	cmd(POP3, "CAPA", 2449, "5", "Asks the server to list the optional features it supports."),
	cmd(POP3, "STLS", 2595, "4", "Asks to turn this plain connection into an encrypted TLS one before logging in."),

	// POP3 statuses.
	resp(POP3, "+OK", 1939, "3", "The command succeeded; any data follows on this line or, for a multi-line reply, on the lines after it."),
	resp(POP3, "-ERR", 1939, "3", "The command failed; the rest of the line says why in words meant for people."),
	resp(POP3, "+", 5034, "4", "An authentication challenge: the client must answer with the next piece of its credentials in base64."),
	resp(POP3, ".", 1939, "3", "A line holding only a dot ends a multi-line reply such as a message or a listing."),

	// POP3 response codes.
	code(POP3, "IN-USE", 2449, "8.1.2", "The maildrop is locked because another POP3 session is already using it."),
	code(POP3, "LOGIN-DELAY", 2449, "8.1.1", "The user logged in too recently and must wait before logging in again."),
	code(POP3, "SYS/TEMP", 3206, "4", "A temporary problem on the server, not the user's fault; trying later may work."),
	code(POP3, "SYS/PERM", 3206, "4", "A lasting problem on the server, not the user's fault; retrying will not help until someone fixes it."),
	code(POP3, "AUTH", 3206, "5", "The credentials were wrong: the user should check the name and password."),

	// IMAP commands (RFC 9051, or RFC 3501 for those IMAP4rev2 dropped).
	cmd(IMAP, "CAPABILITY", 9051, "6.1.1", "Asks the server which IMAP version and extensions it supports."),
	cmd(IMAP, "NOOP", 9051, "6.1.2", "Does nothing, but gives the server a chance to report news such as new messages."),
	cmd(IMAP, "LOGOUT", 9051, "6.1.3", "Ends the session: the server says BYE and closes the connection."),
	cmd(IMAP, "STARTTLS", 9051, "6.2.1", "Asks to turn this plain connection into an encrypted TLS one before logging in."),
	cmd(IMAP, "AUTHENTICATE", 9051, "6.2.2", "Logs in with a SASL mechanism; the credentials follow in base64 in answers to '+' continuation requests."),
	cmd(IMAP, "LOGIN", 9051, "6.2.3", "Logs in with a user name and a password sent in clear text, so it should only be used over an encrypted connection."),
	cmd(IMAP, "ENABLE", 9051, "6.3.1", "Switches on extensions that change how the server talks, such as IMAP4rev2 or UTF8=ACCEPT."),
	cmd(IMAP, "SELECT", 9051, "6.3.2", "Opens a mailbox for reading and changing; the server answers with its message count, flags and UIDVALIDITY."),
	cmd(IMAP, "EXAMINE", 9051, "6.3.3", "Opens a mailbox read-only, so looking at messages changes nothing, not even the \\Seen flag."),
	cmd(IMAP, "CREATE", 9051, "6.3.4", "Creates a new mailbox (folder) on the server."),
	cmd(IMAP, "DELETE", 9051, "6.3.5", "Deletes a mailbox and the messages in it."),
	cmd(IMAP, "RENAME", 9051, "6.3.6", "Renames a mailbox; renaming INBOX moves its messages to a new mailbox instead."),
	cmd(IMAP, "SUBSCRIBE", 9051, "6.3.7", "Adds a mailbox to the list of mailboxes the user wants to see."),
	cmd(IMAP, "UNSUBSCRIBE", 9051, "6.3.8", "Removes a mailbox from the user's subscription list without deleting it."),
	cmd(IMAP, "LIST", 9051, "6.3.9", "Lists the mailboxes whose names match a pattern, with their attributes."),
	cmd(IMAP, "LSUB", 3501, "6.3.9", "Lists the subscribed mailboxes matching a pattern; IMAP4rev2 replaced it by LIST (SUBSCRIBED)."),
	cmd(IMAP, "NAMESPACE", 9051, "6.3.10", "Asks where personal, other users' and shared mailboxes live and which separator their names use."),
	cmd(IMAP, "STATUS", 9051, "6.3.11", "Asks for counts such as messages, unseen and next UID of a mailbox without opening it."),
	cmd(IMAP, "APPEND", 9051, "6.3.12", "Uploads a whole message into a mailbox, for example to save a copy of sent mail; the message travels as a literal."),
	cmd(IMAP, "IDLE", 9051, "6.3.13", "Tells the server to push news (new or expunged messages) as it happens until the client sends DONE."),
	cmd(IMAP, "DONE", 9051, "6.3.13", "Ends IDLE, so the client may send other commands again."),
	cmd(IMAP, "CHECK", 3501, "6.4.1", "Asks the server to checkpoint the open mailbox; IMAP4rev2 dropped it, and it behaves like NOOP."),
	cmd(IMAP, "CLOSE", 9051, "6.4.1", "Closes the mailbox, silently removing the messages flagged \\Deleted."),
	cmd(IMAP, "UNSELECT", 9051, "6.4.2", "Closes the mailbox without removing the messages flagged \\Deleted."),
	cmd(IMAP, "EXPUNGE", 9051, "6.4.3", "Permanently removes every message flagged \\Deleted in the open mailbox, reporting each one removed."),
	cmd(IMAP, "SEARCH", 9051, "6.4.4", "Asks the server to find messages matching criteria (sender, date, flags, text) so the client need not download them."),
	cmd(IMAP, "FETCH", 9051, "6.4.5", "Downloads parts of messages: flags, envelope, structure, headers or bodies, so a client can take only what it needs."),
	cmd(IMAP, "STORE", 9051, "6.4.6", "Changes message flags on the server, such as marking messages \\Seen or \\Deleted."),
	cmd(IMAP, "COPY", 9051, "6.4.7", "Copies messages to another mailbox on the server, without downloading them."),
	cmd(IMAP, "MOVE", 9051, "6.4.8", "Moves messages to another mailbox on the server in one step."),
	cmd(IMAP, "UID", 9051, "6.4.9", "Runs the following command with unique identifiers, which stay stable, instead of message numbers, which shift."),
	cmd(IMAP, "UID FETCH", 9051, "6.4.9", "Downloads parts of messages named by UID, which stays stable across sessions."),
	cmd(IMAP, "UID STORE", 9051, "6.4.9", "Changes the flags of messages named by UID."),
	cmd(IMAP, "UID SEARCH", 9051, "6.4.9", "Searches the mailbox and answers with UIDs instead of message numbers."),
	cmd(IMAP, "UID COPY", 9051, "6.4.9", "Copies messages named by UID to another mailbox."),
	cmd(IMAP, "UID MOVE", 9051, "6.4.9", "Moves messages named by UID to another mailbox."),
	cmd(IMAP, "UID EXPUNGE", 9051, "6.4.9", "Removes only the listed \\Deleted messages, leaving others' deletions alone."),
	cmd(IMAP, "ID", 2971, "3.1", "Client and server tell each other their software name and version, for logs and workarounds."),

	// IMAP statuses and untagged responses.
	resp(IMAP, "OK", 9051, "7.1.1", "Success: tagged, the command with that tag completed; untagged, an informational message."),
	resp(IMAP, "NO", 9051, "7.1.2", "The command was understood but failed, for example a wrong password or a missing mailbox."),
	resp(IMAP, "BAD", 9051, "7.1.3", "The server could not parse the command or it is not allowed in this state: a protocol error by the client."),
	resp(IMAP, "PREAUTH", 9051, "7.1.4", "A greeting that says the client is already logged in, for example by its connection."),
	resp(IMAP, "BYE", 9051, "7.1.5", "The server is about to close the connection, after LOGOUT or because it is shutting down."),
	resp(IMAP, "+", 9051, "7.6", "A continuation request: the server is ready for the rest of the command, such as a literal or an authentication answer."),
	resp(IMAP, "ENABLED", 9051, "7.2.1", "Lists the extensions that ENABLE switched on."),
	resp(IMAP, "CAPABILITY", 9051, "7.2.2", "Lists the IMAP version and extensions the server supports."),
	resp(IMAP, "LIST", 9051, "7.3.1", "Describes one mailbox: its attributes, hierarchy separator and name."),
	resp(IMAP, "LSUB", 3501, "7.2.3", "Describes one subscribed mailbox."),
	resp(IMAP, "NAMESPACE", 9051, "7.3.2", "Gives the personal, other users' and shared namespaces."),
	resp(IMAP, "STATUS", 9051, "7.3.3", "Gives the counts asked for about one mailbox."),
	resp(IMAP, "ESEARCH", 9051, "7.3.4", "The results of a search, as compact ranges and counts."),
	resp(IMAP, "SEARCH", 3501, "7.2.5", "The numbers (or UIDs) of the messages that matched a search."),
	resp(IMAP, "FLAGS", 9051, "7.3.5", "The flags that messages in this mailbox can carry."),
	resp(IMAP, "EXISTS", 9051, "7.4.1", "The number of messages now in the mailbox; a bigger number means new mail has arrived."),
	resp(IMAP, "RECENT", 3501, "7.3.2", "How many messages arrived since the mailbox was last opened; IMAP4rev2 dropped it."),
	resp(IMAP, "EXPUNGE", 9051, "7.5.1", "A message was permanently removed; every later message number shifts down by one."),
	resp(IMAP, "FETCH", 9051, "7.5.2", "Data about one message: its flags, UID, envelope, or body parts that were asked for."),

	// IMAP response codes (in brackets).
	code(IMAP, "ALERT", 9051, "7.1", "The text is a warning the client must show to the user."),
	code(IMAP, "ALREADYEXISTS", 9051, "7.1", "The mailbox could not be created or renamed because one with that name already exists."),
	code(IMAP, "APPENDUID", 9051, "7.1", "Gives the UIDVALIDITY and UID the server assigned to the appended message."),
	code(IMAP, "AUTHENTICATIONFAILED", 9051, "7.1", "Logging in failed because of wrong credentials."),
	code(IMAP, "AUTHORIZATIONFAILED", 9051, "7.1", "The credentials were right but this user may not act as the requested user."),
	code(IMAP, "BADCHARSET", 9051, "7.1", "The search used a character set the server does not support."),
	code(IMAP, "CANNOT", 9051, "7.1", "The operation can never succeed, for example a mailbox name the server cannot store."),
	code(IMAP, "CAPABILITY", 9051, "7.1", "Lists the server's capabilities inside a status response, sparing a CAPABILITY round trip."),
	code(IMAP, "CLIENTBUG", 9051, "7.1", "The command worked, but the server noticed the client doing something wrong."),
	code(IMAP, "CLOSED", 9051, "7.1", "The previously selected mailbox is now closed."),
	code(IMAP, "CONTACTADMIN", 9051, "7.1", "The user should ask the system administrator for help."),
	code(IMAP, "COPYUID", 9051, "7.1", "Maps the UIDs of copied or moved messages to their new UIDs in the destination mailbox."),
	code(IMAP, "CORRUPTION", 9051, "7.1", "The server found damaged data and could not complete the command."),
	code(IMAP, "EXPIRED", 9051, "7.1", "The login or password has expired."),
	code(IMAP, "EXPUNGEISSUED", 9051, "7.1", "Another session expunged messages while this command ran."),
	code(IMAP, "HASCHILDREN", 9051, "7.1", "The mailbox cannot be deleted because it has child mailboxes."),
	code(IMAP, "INUSE", 9051, "7.1", "The resource is in use by another session; try again later."),
	code(IMAP, "LIMIT", 9051, "7.1", "A server limit was exceeded, such as too many mailboxes or too large a request."),
	code(IMAP, "NONEXISTENT", 9051, "7.1", "The mailbox named in the command does not exist."),
	code(IMAP, "NOPERM", 9051, "7.1", "The user lacks permission for this operation."),
	code(IMAP, "OVERQUOTA", 9051, "7.1", "The user's storage quota is used up, so nothing more can be stored."),
	code(IMAP, "PARSE", 9051, "7.1", "The server could not parse a message's headers or MIME structure."),
	code(IMAP, "PERMANENTFLAGS", 9051, "7.1", "Lists the flags the client may change permanently in this mailbox."),
	code(IMAP, "PRIVACYREQUIRED", 9051, "7.1", "The operation needs a more private connection, such as TLS."),
	code(IMAP, "READ-ONLY", 9051, "7.1", "The mailbox is open read-only: flags and contents cannot be changed."),
	code(IMAP, "READ-WRITE", 9051, "7.1", "The mailbox is open for reading and changing."),
	code(IMAP, "SERVERBUG", 9051, "7.1", "The server hit an internal error."),
	code(IMAP, "TRYCREATE", 9051, "7.1", "The target mailbox does not exist; the client could CREATE it and try again."),
	code(IMAP, "UIDNEXT", 9051, "7.1", "The UID the next message to arrive in this mailbox will get."),
	code(IMAP, "UIDNOTSTICKY", 9051, "7.1", "This mailbox cannot keep UIDs stable across sessions."),
	code(IMAP, "UIDVALIDITY", 9051, "7.1", "A number that, while unchanged, promises the mailbox's UIDs still mean the same messages; if it changes, cached UIDs are useless."),
	code(IMAP, "UNAVAILABLE", 9051, "7.1", "A temporary failure on the server; try again later."),
	code(IMAP, "UNKNOWN-CTE", 9051, "7.1", "The server cannot decode this message part's content transfer encoding."),
	code(IMAP, "UNSEEN", 3501, "7.1", "The number of the first message without the \\Seen flag."),
}
