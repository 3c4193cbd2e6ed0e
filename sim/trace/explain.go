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
	// ExplainsCapability: a POP3 capability named in the CAPA listing.
	ExplainsCapability ExplanationKind = "capability"
	// ExplainsListing: a line of a POP3 multi-line listing, keyed by the
	// command it answers ("LIST", "UIDL", "AUTH"), or its "." terminator
	// ("LIST.", "RETR.").
	ExplainsListing ExplanationKind = "listing"
	// ExplainsNote: what a line is by its place in the session: a
	// greeting, one line of a multi-line reply, a SASL answer, the rest of
	// an IMAP line after a literal, a command the server does not know.
	ExplainsNote ExplanationKind = "note"
	// ExplainsDeviation: a reply in which the server's library departs
	// from what the RFC asks, explained in the context of the command it
	// answers. The wire is never rewritten; the catalogue says so instead.
	ExplainsDeviation ExplanationKind = "deviation"
)

// Explanation is one catalogue entry: a plain-language sentence for a
// student and where the RFC defines the thing. RFC 0 marks a note about
// Mailscope's own rows (a dial-up call, a fault the lab injected), which
// no RFC defines.
//
// IMAP entries carry two citations: RFC/Section for an IMAP4rev2 session
// (RFC 9051, or RFC 3501 for what IMAP4rev2 dropped) and Rev1RFC/
// Rev1Section for an IMAP4rev1 session (RFC 3501, or the extension RFC
// that defines what RFC 3501 does not). An Explainer picks the one that
// fits the session; ExplainEvent, without a session, gives RFC/Section.
type Explanation struct {
	Protocol    Protocol        `json:"protocol"`
	Kind        ExplanationKind `json:"kind"`
	Key         string          `json:"key"`
	Sentence    string          `json:"sentence"`
	RFC         int             `json:"rfc"`
	Section     string          `json:"section"`
	Rev1RFC     int             `json:"rev1Rfc,omitempty"`
	Rev1Section string          `json:"rev1Section,omitempty"`
}

// Cite returns "RFC 5321 §4.1.1.4", or "" for a note of the lab's own
// (RFC 0).
func (e Explanation) Cite() string {
	if e.RFC == 0 {
		return ""
	}
	return "RFC " + itoa(e.RFC) + " §" + e.Section
}

// URL returns the RFC Editor's address of the cited section
// ("https://www.rfc-editor.org/rfc/rfc9051#section-6.3.9"), or "" for
// RFC 0.
func (e Explanation) URL() string {
	if e.RFC == 0 {
		return ""
	}
	u := "https://www.rfc-editor.org/rfc/rfc" + itoa(e.RFC)
	if e.Section != "" {
		u += "#section-" + e.Section
	}
	return u
}

// asRev1 returns the entry with its IMAP4rev1 citation, when it has one.
func (e Explanation) asRev1() Explanation {
	if e.Rev1RFC != 0 {
		e.RFC, e.Section = e.Rev1RFC, e.Rev1Section
	}
	return e
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

// ExplainEvent returns what the catalogue says about an event by itself,
// without its session, most important first: the command or status, then
// the response code or extension it names, then a note if it crossed
// inside TLS. A TLS event is explained by its handshake message
// (ExplainsTLS); other marks have no explanation, nor do lines that only
// their session can explain (a POP3 listing line, a SASL answer). IMAP
// entries cite RFC 9051. An Explainer, or ExplainInSnapshot, explains
// every event in its session's context.
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
	return Explanation{p, ExplainsCommand, key, sentence, rfc, sec, 0, ""}
}

func resp(p Protocol, key string, rfc int, sec, sentence string) Explanation {
	return Explanation{p, ExplainsResponse, key, sentence, rfc, sec, 0, ""}
}

func code(p Protocol, key string, rfc int, sec, sentence string) Explanation {
	return Explanation{p, ExplainsCode, key, sentence, rfc, sec, 0, ""}
}

func ext(p Protocol, key string, rfc int, sec, sentence string) Explanation {
	return Explanation{p, ExplainsExtension, key, sentence, rfc, sec, 0, ""}
}

func capa(key string, rfc int, sec, sentence string) Explanation {
	return Explanation{POP3, ExplainsCapability, key, sentence, rfc, sec, 0, ""}
}

func listing(key string, rfc int, sec, sentence string) Explanation {
	return Explanation{POP3, ExplainsListing, key, sentence, rfc, sec, 0, ""}
}

func note(p Protocol, key string, rfc int, sec, sentence string) Explanation {
	return Explanation{p, ExplainsNote, key, sentence, rfc, sec, 0, ""}
}

func deviation(p Protocol, key string, rfc int, sec, sentence string) Explanation {
	return Explanation{p, ExplainsDeviation, key, sentence, rfc, sec, 0, ""}
}

// IMAP entries: the IMAP4rev2 citation (RFC 9051 unless rfc2 says
// otherwise), then the IMAP4rev1 one.
func icmd(key string, rfc2 int, sec2 string, rfc1 int, sec1, sentence string) Explanation {
	return Explanation{IMAP, ExplainsCommand, key, sentence, rfc2, sec2, rfc1, sec1}
}

func iresp(key string, rfc2 int, sec2 string, rfc1 int, sec1, sentence string) Explanation {
	return Explanation{IMAP, ExplainsResponse, key, sentence, rfc2, sec2, rfc1, sec1}
}

func icode(key string, rfc2 int, sec2 string, rfc1 int, sec1, sentence string) Explanation {
	return Explanation{IMAP, ExplainsCode, key, sentence, rfc2, sec2, rfc1, sec1}
}

func inote(key string, rfc2 int, sec2 string, rfc1 int, sec1, sentence string) Explanation {
	return Explanation{IMAP, ExplainsNote, key, sentence, rfc2, sec2, rfc1, sec1}
}

func ideviation(key string, rfc2 int, sec2 string, rfc1 int, sec1, sentence string) Explanation {
	return Explanation{IMAP, ExplainsDeviation, key, sentence, rfc2, sec2, rfc1, sec1}
}

// catalogue is the explanation catalogue: the entries for commands,
// statuses, codes and extensions here, and those that need a session's
// context (explain_context.go). It is never modified.
var catalogue = append(append([]Explanation(nil), wordCatalogue...), contextCatalogue...)

var wordCatalogue = []Explanation{
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

	// IMAP commands: RFC 9051 (or RFC 3501 for what IMAP4rev2 dropped), then
	// RFC 3501 or the extension RFC that defines them for IMAP4rev1.
	icmd("CAPABILITY", 9051, "6.1.1", 3501, "6.1.1", "Asks the server which IMAP version and extensions it supports."),
	icmd("NOOP", 9051, "6.1.2", 3501, "6.1.2", "Does nothing, but gives the server a chance to report news such as new messages."),
	icmd("LOGOUT", 9051, "6.1.3", 3501, "6.1.3", "Ends the session: the server says BYE and closes the connection."),
	icmd("STARTTLS", 9051, "6.2.1", 3501, "6.2.1", "Asks to turn this plain connection into an encrypted TLS one before logging in."),
	icmd("AUTHENTICATE", 9051, "6.2.2", 3501, "6.2.2", "Logs in with a SASL mechanism; the credentials follow in base64 in answers to '+' continuation requests."),
	icmd("LOGIN", 9051, "6.2.3", 3501, "6.2.3", "Logs in with a user name and a password sent in clear text, so it should only be used over an encrypted connection."),
	icmd("ENABLE", 9051, "6.3.1", 5161, "3.1", "Switches on extensions that change how the server talks, such as IMAP4rev2 or UTF8=ACCEPT."),
	icmd("SELECT", 9051, "6.3.2", 3501, "6.3.1", "Opens a mailbox for reading and changing; the server answers with its message count, flags and UIDVALIDITY."),
	icmd("EXAMINE", 9051, "6.3.3", 3501, "6.3.2", "Opens a mailbox read-only, so looking at messages changes nothing, not even the \\Seen flag."),
	icmd("CREATE", 9051, "6.3.4", 3501, "6.3.3", "Creates a new mailbox (folder) on the server."),
	icmd("DELETE", 9051, "6.3.5", 3501, "6.3.4", "Deletes a mailbox and the messages in it."),
	icmd("RENAME", 9051, "6.3.6", 3501, "6.3.5", "Renames a mailbox; renaming INBOX moves its messages to a new mailbox instead."),
	icmd("SUBSCRIBE", 9051, "6.3.7", 3501, "6.3.6", "Adds a mailbox to the list of mailboxes the user wants to see."),
	icmd("UNSUBSCRIBE", 9051, "6.3.8", 3501, "6.3.7", "Removes a mailbox from the user's subscription list without deleting it."),
	icmd("LIST", 9051, "6.3.9", 3501, "6.3.8", "Lists the mailboxes whose names match a pattern, with their attributes."),
	icmd("LSUB", 3501, "6.3.9", 3501, "6.3.9", "Lists the subscribed mailboxes matching a pattern; IMAP4rev2 replaced it by LIST (SUBSCRIBED)."),
	icmd("NAMESPACE", 9051, "6.3.10", 2342, "5", "Asks where personal, other users' and shared mailboxes live and which separator their names use."),
	icmd("STATUS", 9051, "6.3.11", 3501, "6.3.10", "Asks for counts such as messages, unseen and next UID of a mailbox without opening it."),
	icmd("APPEND", 9051, "6.3.12", 3501, "6.3.11", "Uploads a whole message into a mailbox, for example to save a copy of sent mail; the message travels as a literal."),
	icmd("IDLE", 9051, "6.3.13", 2177, "3", "Tells the server to push news (new or expunged messages) as it happens until the client sends DONE."),
	icmd("DONE", 9051, "6.3.13", 2177, "3", "Ends IDLE, so the client may send other commands again."),
	icmd("CHECK", 3501, "6.4.1", 3501, "6.4.1", "Asks the server to checkpoint the open mailbox; IMAP4rev2 dropped it, and it behaves like NOOP."),
	icmd("CLOSE", 9051, "6.4.1", 3501, "6.4.2", "Closes the mailbox, silently removing the messages flagged \\Deleted."),
	icmd("UNSELECT", 9051, "6.4.2", 3691, "2", "Closes the mailbox without removing the messages flagged \\Deleted."),
	icmd("EXPUNGE", 9051, "6.4.3", 3501, "6.4.3", "Permanently removes every message flagged \\Deleted in the open mailbox, reporting each one removed."),
	icmd("SEARCH", 9051, "6.4.4", 3501, "6.4.4", "Asks the server to find messages matching criteria (sender, date, flags, text) so the client need not download them."),
	icmd("FETCH", 9051, "6.4.5", 3501, "6.4.5", "Downloads parts of messages: flags, envelope, structure, headers or bodies, so a client can take only what it needs."),
	icmd("STORE", 9051, "6.4.6", 3501, "6.4.6", "Changes message flags on the server, such as marking messages \\Seen or \\Deleted."),
	icmd("COPY", 9051, "6.4.7", 3501, "6.4.7", "Copies messages to another mailbox on the server, without downloading them."),
	icmd("MOVE", 9051, "6.4.8", 6851, "3.1", "Moves messages to another mailbox on the server in one step."),
	icmd("UID", 9051, "6.4.9", 3501, "6.4.8", "Runs the following command with unique identifiers, which stay stable, instead of message numbers, which shift."),
	icmd("UID FETCH", 9051, "6.4.9", 3501, "6.4.8", "Downloads parts of messages named by UID, which stays stable across sessions."),
	icmd("UID STORE", 9051, "6.4.9", 3501, "6.4.8", "Changes the flags of messages named by UID."),
	icmd("UID SEARCH", 9051, "6.4.9", 3501, "6.4.8", "Searches the mailbox and answers with UIDs instead of message numbers."),
	icmd("UID COPY", 9051, "6.4.9", 3501, "6.4.8", "Copies messages named by UID to another mailbox."),
	icmd("UID MOVE", 9051, "6.4.9", 6851, "3.1", "Moves messages named by UID to another mailbox."),
	icmd("UID EXPUNGE", 9051, "6.4.9", 4315, "2.1", "Removes only the listed \\Deleted messages, leaving others' deletions alone."),
	icmd("ID", 2971, "3.1", 2971, "3.1", "The client tells the server its software name and version and asks for the server's, for logs and workarounds; go-imap v2's server has no handler for ID, so it answers BAD, and before login it also says BYE and hangs up."),

	// IMAP statuses and untagged responses.
	iresp("OK", 9051, "7.1.1", 3501, "7.1.1", "Success: tagged, the command with that tag completed; untagged, an informational message."),
	iresp("NO", 9051, "7.1.2", 3501, "7.1.2", "The command was understood but failed, for example a wrong password or a missing mailbox."),
	iresp("BAD", 9051, "7.1.3", 3501, "7.1.3", "The server could not parse the command or it is not allowed in this state: a protocol error by the client."),
	iresp("PREAUTH", 9051, "7.1.4", 3501, "7.1.4", "A greeting that says the client is already logged in, for example by its connection."),
	iresp("BYE", 9051, "7.1.5", 3501, "7.1.5", "The server is about to close the connection, after LOGOUT or because it is shutting down."),
	iresp("+", 9051, "7.6", 3501, "7.5", "A continuation request: the server is ready for the rest of the command, such as a literal or an authentication answer."),
	iresp("ENABLED", 9051, "7.2.1", 5161, "3.2", "Lists the extensions that ENABLE switched on."),
	iresp("CAPABILITY", 9051, "7.2.2", 3501, "7.2.1", "Lists the IMAP version and extensions the server supports."),
	iresp("LIST", 9051, "7.3.1", 3501, "7.2.2", "Describes one mailbox: its attributes, hierarchy separator and name."),
	iresp("LSUB", 3501, "7.2.3", 3501, "7.2.3", "Describes one subscribed mailbox."),
	iresp("NAMESPACE", 9051, "7.3.2", 2342, "5", "Gives the personal, other users' and shared namespaces."),
	iresp("STATUS", 9051, "7.3.3", 3501, "7.2.4", "Gives the counts asked for about one mailbox."),
	iresp("ESEARCH", 9051, "7.3.4", 4731, "3.1", "The results of a search, as compact ranges and counts."),
	iresp("SEARCH", 3501, "7.2.5", 3501, "7.2.5", "The numbers (or UIDs) of the messages that matched a search; IMAP4rev2 replaced this response by ESEARCH."),
	iresp("FLAGS", 9051, "7.3.5", 3501, "7.2.6", "The flags that messages in this mailbox can carry."),
	iresp("EXISTS", 9051, "7.4.1", 3501, "7.3.1", "The number of messages now in the mailbox; a bigger number means new mail has arrived."),
	iresp("RECENT", 3501, "7.3.2", 3501, "7.3.2", "How many messages arrived since the mailbox was last opened; IMAP4rev2 dropped it."),
	iresp("EXPUNGE", 9051, "7.5.1", 3501, "7.4.1", "A message was permanently removed; every later message number shifts down by one."),
	iresp("FETCH", 9051, "7.5.2", 3501, "7.4.2", "Data about one message: its flags, UID, envelope, or body parts that were asked for."),

	// IMAP response codes (in brackets); for IMAP4rev1, RFC 3501, UIDPLUS
	// (RFC 4315) or RFC 5530.
	icode("ALERT", 9051, "7.1", 3501, "7.1", "The text is a warning the client must show to the user."),
	icode("ALREADYEXISTS", 9051, "7.1", 5530, "3", "The mailbox could not be created or renamed because one with that name already exists."),
	icode("APPENDUID", 9051, "7.1", 4315, "3", "Gives the UIDVALIDITY and UID the server assigned to the appended message."),
	icode("AUTHENTICATIONFAILED", 9051, "7.1", 5530, "3", "Logging in failed because of wrong credentials."),
	icode("AUTHORIZATIONFAILED", 9051, "7.1", 5530, "3", "The credentials were right but this user may not act as the requested user."),
	icode("BADCHARSET", 9051, "7.1", 3501, "7.1", "The search used a character set the server does not support."),
	icode("CANNOT", 9051, "7.1", 5530, "3", "The operation can never succeed, for example a mailbox name the server cannot store."),
	icode("CAPABILITY", 9051, "7.1", 3501, "7.1", "Lists the server's capabilities inside a status response, sparing a CAPABILITY round trip."),
	icode("CLIENTBUG", 9051, "7.1", 5530, "3", "The command worked, but the server noticed the client doing something wrong."),
	icode("CLOSED", 9051, "7.1", 9051, "7.1", "The previously selected mailbox is now closed."),
	icode("CONTACTADMIN", 9051, "7.1", 5530, "3", "The user should ask the system administrator for help."),
	icode("COPYUID", 9051, "7.1", 4315, "3", "Maps the UIDs of copied or moved messages to their new UIDs in the destination mailbox."),
	icode("CORRUPTION", 9051, "7.1", 5530, "3", "The server found damaged data and could not complete the command."),
	icode("EXPIRED", 9051, "7.1", 5530, "3", "The login or password has expired."),
	icode("EXPUNGEISSUED", 9051, "7.1", 5530, "3", "Another session expunged messages while this command ran."),
	icode("HASCHILDREN", 9051, "7.1", 9051, "7.1", "The mailbox cannot be deleted because it has child mailboxes."),
	icode("INUSE", 9051, "7.1", 5530, "3", "The resource is in use by another session; try again later."),
	icode("LIMIT", 9051, "7.1", 5530, "3", "A server limit was exceeded, such as too many mailboxes or too large a request."),
	icode("NONEXISTENT", 9051, "7.1", 5530, "3", "The mailbox named in the command does not exist."),
	icode("NOPERM", 9051, "7.1", 5530, "3", "The user lacks permission for this operation."),
	icode("OVERQUOTA", 9051, "7.1", 5530, "3", "The user's storage quota is used up, so nothing more can be stored."),
	icode("PARSE", 9051, "7.1", 3501, "7.1", "The server could not parse a message's headers or MIME structure."),
	icode("PERMANENTFLAGS", 9051, "7.1", 3501, "7.1", "Lists the flags the client may change permanently in this mailbox."),
	icode("PRIVACYREQUIRED", 9051, "7.1", 5530, "3", "The operation needs a more private connection, such as TLS."),
	icode("READ-ONLY", 9051, "7.1", 3501, "7.1", "The mailbox is open read-only: flags and contents cannot be changed."),
	icode("READ-WRITE", 9051, "7.1", 3501, "7.1", "The mailbox is open for reading and changing."),
	icode("SERVERBUG", 9051, "7.1", 5530, "3", "The server hit an internal error."),
	icode("TRYCREATE", 9051, "7.1", 3501, "7.1", "The target mailbox does not exist; the client could CREATE it and try again."),
	icode("UIDNEXT", 9051, "7.1", 3501, "7.1", "The UID the next message to arrive in this mailbox will get."),
	icode("UIDNOTSTICKY", 9051, "7.1", 4315, "3", "This mailbox cannot keep UIDs stable across sessions."),
	icode("UIDVALIDITY", 9051, "7.1", 3501, "7.1", "A number that, while unchanged, promises the mailbox's UIDs still mean the same messages; if it changes, cached UIDs are useless."),
	icode("UNAVAILABLE", 9051, "7.1", 5530, "3", "A temporary failure on the server; try again later."),
	icode("UNKNOWN-CTE", 9051, "7.1", 9051, "7.1", "The server cannot decode this message part's content transfer encoding."),
	icode("UNSEEN", 3501, "7.1", 3501, "7.1", "The number of the first message without the \\Seen flag."),
}
