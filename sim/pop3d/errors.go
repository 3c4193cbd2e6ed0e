package pop3d

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// A failed command is answered with an *Error: "-ERR", an optional
// response code in brackets, and text for a person. Handlers return one,
// or pass on an error from the Backend or the maildrop: replyTo is the one
// place where such an error becomes a reply. An error it does not know
// becomes ErrSysTemp, and its text goes to Options.ErrorLog, never to the
// client.

// Response codes (RFC 2449 §8, RFC 3206), without their brackets.
const (
	// CodeInUse: another POP3 session holds the maildrop lock.
	CodeInUse = "IN-USE"
	// CodeLoginDelay: the user logged in too recently to log in again.
	CodeLoginDelay = "LOGIN-DELAY"
	// CodeAuth: the credentials are wrong; ask the user for new ones.
	CodeAuth = "AUTH"
	// CodeSysTemp: a temporary failure; try again later.
	CodeSysTemp = "SYS/TEMP"
	// CodeSysPerm: a permanent failure; retrying will not help.
	CodeSysPerm = "SYS/PERM"
)

// Error is a -ERR reply. A Backend may return one (a LOGIN-DELAY, say) to
// have it sent as it is.
type Error struct {
	// Code is the response code, one of the Code constants; "" sends none.
	Code string
	// Text is the rest of the line. Control and non-ASCII characters are
	// sent as '?'.
	Text string

	cause error // an internal error behind the reply, for the log only
}

func (e *Error) Error() string {
	if e.cause != nil {
		return "pop3d: " + e.line() + ": " + e.cause.Error()
	}
	return "pop3d: " + e.line()
}

// Unwrap returns the internal error behind the reply, if any.
func (e *Error) Unwrap() error { return e.cause }

// maxReply is the longest reply line, CRLF included (RFC 2449 §4).
const maxReply = 512

// line is the reply as sent, without its CRLF.
func (e *Error) line() string {
	s := "-ERR " + e.Text
	if e.Code != "" {
		s = "-ERR [" + e.Code + "] " + e.Text
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
	if len(s) > maxReply-2 {
		s = s[:maxReply-2]
	}
	return s
}

// errorf makes a reply without a response code: a bad command.
func errorf(format string, args ...any) *Error {
	return &Error{Text: fmt.Sprintf(format, args...)}
}

var (
	// ErrInUse answers a login while another session holds the maildrop.
	ErrInUse = &Error{Code: CodeInUse, Text: "maildrop already locked by another POP3 session"}
	// ErrAuthFailed answers wrong credentials, and an unknown user alike.
	ErrAuthFailed = &Error{Code: CodeAuth, Text: "invalid user name or password"}
	// ErrSysTemp answers an error the server did not expect. What went
	// wrong goes to Options.ErrorLog, never to the client.
	ErrSysTemp = &Error{Code: CodeSysTemp, Text: "internal server error, try again later"}

	errUserNeedsTLS = &Error{Code: CodeAuth, Text: "USER/PASS needs TLS first: use STLS"}
	errAuthNeedsTLS = &Error{Code: CodeAuth, Text: "authentication needs TLS first: use STLS"}
	errAuthzid      = &Error{Code: CodeAuth, Text: "acting as another user is not allowed"}
	errTooManyBad   = errorf("too many bad commands, closing connection")
)

// replyTo maps an error a handler returned to the client's reply.
func replyTo(err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, mailstore.ErrMaildropLocked):
		return ErrInUse
	case errors.Is(err, mailstore.ErrAuthFailed),
		// The same answer for an unknown user: never say whether one
		// exists (RFC 1939 §13).
		errors.Is(err, mailstore.ErrNoSuchUser):
		return ErrAuthFailed
	}
	return &Error{Code: ErrSysTemp.Code, Text: ErrSysTemp.Text, cause: err}
}

// messageError maps the maildrop's answer about message n of total.
func messageError(err error, n, total int) *Error {
	switch {
	case errors.Is(err, mailstore.ErrMessageDeleted):
		return errorf("message %d already deleted", n)
	case errors.Is(err, mailstore.ErrNoSuchMessage):
		return errorf("no such message, only %d messages in maildrop", total)
	}
	return replyTo(err)
}

// commitError is QUIT's failure in UPDATE (RFC 1939 §6). An account
// removed during the session is gone for good.
func commitError(err error) *Error {
	if errors.Is(err, mailstore.ErrNoSuchUser) {
		return &Error{Code: CodeSysPerm, Text: "some deleted messages not removed: the account no longer exists", cause: err}
	}
	return &Error{Code: CodeSysTemp, Text: "some deleted messages not removed", cause: err}
}
