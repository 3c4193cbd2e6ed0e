package smtpd

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
	"github.com/mailscope/mailscope/sim/mailstore"
)

// Replies are *smtp.SMTPError values: go-smtp writes their code, enhanced
// code and text as they are. (It does not look inside wrapped errors, so
// they are returned bare.)

func reply(code int, enh smtp.EnhancedCode, format string, args ...any) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: fmt.Sprintf(format, args...)}
}

var (
	errNestedMail    = reply(503, smtp.EnhancedCode{5, 5, 1}, "Nested MAIL command: RSET or finish the transaction first")
	errAuthRequired  = reply(530, smtp.EnhancedCode{5, 7, 0}, "Authentication required")
	errAborted       = reply(451, smtp.EnhancedCode{4, 3, 0}, "Message transfer aborted, nothing delivered")
	errLineTooLong   = reply(500, smtp.EnhancedCode{5, 5, 2}, "Line too long in message text, nothing delivered")
	errShutdown      = reply(421, smtp.EnhancedCode{4, 3, 2}, "Server shutting down, nothing delivered")
	errMalformedSASL = reply(501, smtp.EnhancedCode{5, 5, 2}, "Malformed AUTH response")
)

func errBadSender(from string, why error) *smtp.SMTPError {
	return reply(501, smtp.EnhancedCode{5, 1, 7}, "Bad sender address syntax <%s>: %v", echo(from), why)
}

func errBadRecipient(to string, why error) *smtp.SMTPError {
	return reply(501, smtp.EnhancedCode{5, 1, 3}, "Bad recipient address syntax <%s>: %v", echo(to), why)
}

func errNeedUTF8(addr string) *smtp.SMTPError {
	return reply(553, smtp.EnhancedCode{5, 6, 7}, "Non-ASCII address <%s> needs MAIL FROM with SMTPUTF8", echo(addr))
}

func errNoSuchUser(to string) *smtp.SMTPError {
	return reply(550, smtp.EnhancedCode{5, 1, 1}, "No such user here <%s>", echo(to))
}

func errRelay(to string, authenticated bool) *smtp.SMTPError {
	if authenticated {
		return reply(550, smtp.EnhancedCode{5, 7, 1}, "Relaying denied <%s>: the lab delivers to local domains only", echo(to))
	}
	return reply(550, smtp.EnhancedCode{5, 7, 1}, "Relaying denied <%s>: not a local domain", echo(to))
}

func errMailboxFull(to string) *smtp.SMTPError {
	return reply(552, smtp.EnhancedCode{5, 2, 2}, "Mailbox full <%s>: over quota, nothing delivered", echo(to))
}

func errTooLarge() *smtp.SMTPError {
	return reply(552, smtp.EnhancedCode{5, 3, 4}, "Message too big for the mail store, nothing delivered")
}

// storeError maps a store failure for recipient to to its reply.
func storeError(err error, to string) *smtp.SMTPError {
	switch {
	case errors.Is(err, mailstore.ErrOverQuota):
		return errMailboxFull(to)
	case errors.Is(err, mailstore.ErrMessageTooLarge):
		return errTooLarge()
	case errors.Is(err, mailstore.ErrNoSuchUser), errors.Is(err, mailstore.ErrNoSuchMailbox):
		return errNoSuchUser(to)
	case errors.Is(err, mailstore.ErrInvalidMessage):
		return reply(554, smtp.EnhancedCode{5, 6, 0}, "Message refused by the mail store, nothing delivered")
	default:
		return reply(451, smtp.EnhancedCode{4, 3, 0}, "Local error in processing, nothing delivered")
	}
}

// echo makes client text safe to repeat in a reply line: control
// characters (a bare CR would end the line early for some clients) and
// invalid UTF-8 become '?', and it is cut to 100 bytes.
func echo(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			return '?'
		}
		return r
	}, s)
}
