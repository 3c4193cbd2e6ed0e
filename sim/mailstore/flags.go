package mailstore

import (
	"fmt"
	"strings"
)

// System flags (RFC 3501 2.3.2), in their canonical spelling.
const (
	FlagSeen     = `\Seen`
	FlagAnswered = `\Answered`
	FlagFlagged  = `\Flagged`
	FlagDeleted  = `\Deleted`
	FlagDraft    = `\Draft`
	// FlagRecent is accepted on input and ignored: no message carries
	// \Recent (a per-session notion that RFC 9051 removed); which are
	// recent, and in which session, is ClaimRecent's.
	FlagRecent = `\Recent`
)

// SystemFlags returns the system flags a client may set, canonical spelling.
func SystemFlags() []string {
	return []string{FlagSeen, FlagAnswered, FlagFlagged, FlagDeleted, FlagDraft}
}

const numSystemFlags = 5

// canonSystemFlag returns the canonical spelling of a system flag.
func canonSystemFlag(f string) (string, bool) {
	switch strings.ToLower(f) {
	case `\seen`:
		return FlagSeen, true
	case `\answered`:
		return FlagAnswered, true
	case `\flagged`:
		return FlagFlagged, true
	case `\deleted`:
		return FlagDeleted, true
	case `\draft`:
		return FlagDraft, true
	case `\recent`:
		return FlagRecent, true
	}
	return "", false
}

// validKeyword reports whether f is an IMAP atom usable as a keyword.
func validKeyword(f string) bool {
	if f == "" || len(f) > 128 {
		return false
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c <= ' ' || c >= 0x7f {
			return false
		}
		switch c {
		case '(', ')', '{', '%', '*', '"', '\\', ']':
			return false
		}
	}
	return true
}

// hasFlag reports whether flags contains f, case-insensitively.
func hasFlag(flags []string, f string) bool {
	for _, g := range flags {
		if strings.EqualFold(g, f) {
			return true
		}
	}
	return false
}

// validateFlags checks every flag before anything is changed.
func validateFlags(flags []string) error {
	for _, f := range flags {
		if strings.HasPrefix(f, `\`) {
			if _, ok := canonSystemFlag(f); !ok {
				return fmt.Errorf("%w: %q", ErrInvalidFlag, f)
			}
			continue
		}
		if !validKeyword(f) {
			return fmt.Errorf("%w: %q", ErrInvalidFlag, f)
		}
	}
	return nil
}

// canonFlags returns flags (already validated) in their canonical spelling,
// without duplicates or \Recent, registering new keywords with the mailbox.
// added reports whether the mailbox's keyword list grew.
func (mb *mailbox) canonFlags(flags []string) (out []string, added bool) {
	out = make([]string, 0, len(flags))
	for _, f := range flags {
		if c, ok := canonSystemFlag(f); ok {
			if c == FlagRecent {
				continue
			}
			f = c
		} else {
			known := false
			for _, k := range mb.keywords {
				if strings.EqualFold(k, f) {
					f, known = k, true
					break
				}
			}
			if !known {
				mb.keywords = append(mb.keywords, f)
				added = true
			}
		}
		if !hasFlag(out, f) {
			out = append(out, f)
		}
	}
	return out, added
}

// sameFlags reports whether a and b hold the same set.
func sameFlags(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, f := range a {
		if !hasFlag(b, f) {
			return false
		}
	}
	return true
}

// FlagAction says how StoreFlags combines the given flags with a
// message's current ones (IMAP STORE FLAGS, +FLAGS, -FLAGS).
type FlagAction int

const (
	FlagsReplace FlagAction = iota // set the flags to exactly these
	FlagsAdd                       // add these flags
	FlagsRemove                    // remove these flags
)

func (a FlagAction) String() string {
	switch a {
	case FlagsReplace:
		return "FLAGS"
	case FlagsAdd:
		return "+FLAGS"
	case FlagsRemove:
		return "-FLAGS"
	}
	return fmt.Sprintf("FlagAction(%d)", int(a))
}

// applyFlags returns cur changed by action with flags (canonical spelling).
func applyFlags(cur []string, action FlagAction, flags []string) []string {
	var out []string
	switch action {
	case FlagsReplace:
		out = append(out, flags...)
	case FlagsAdd:
		out = append(out, cur...)
		for _, f := range flags {
			if !hasFlag(out, f) {
				out = append(out, f)
			}
		}
	case FlagsRemove:
		for _, f := range cur {
			if !hasFlag(flags, f) {
				out = append(out, f)
			}
		}
	}
	return out
}
