package pop3d

import (
	"bufio"
	"strconv"
	"strings"
)

// MaxLine is the longest command line accepted, CRLF included (RFC 2449
// §4: "Commands ... MUST NOT exceed 255 octets, including the terminating
// CRLF").
const MaxLine = 255

// MaxArg is the longest argument (RFC 2449 §4: 40 octets), except that SASL
// responses and APOP digests are longer and allowed by the line limit.
const MaxArg = 40

// Parse errors. Each is a bad command: answered with its -ERR, and the
// session goes on.
var (
	ErrLineTooLong = errorf("line too long (RFC 2449: at most 255 octets)")
	ErrEmptyLine   = errorf("empty command")
	ErrBadChar     = errorf("command contains a control or non-ASCII character")
	ErrBadKeyword  = errorf("keyword must be 3 or 4 letters")
)

// Command is one parsed command line: an upper-cased keyword and its
// space-separated arguments.
type Command struct {
	Verb string
	Args []string
}

func (c Command) String() string {
	if len(c.Args) == 0 {
		return c.Verb
	}
	return c.Verb + " " + strings.Join(c.Args, " ")
}

// ParseCommand parses one command line without its CRLF (RFC 1939 §3:
// "a case-insensitive keyword, possibly followed by one or more
// arguments ... separated by a single SPACE").
func ParseCommand(line string) (Command, error) {
	if len(line)+2 > MaxLine {
		return Command{}, ErrLineTooLong
	}
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < 0x20 || c > 0x7e {
			return Command{}, ErrBadChar
		}
	}
	if strings.TrimSpace(line) == "" {
		return Command{}, ErrEmptyLine
	}
	// Be liberal in what we accept: runs of spaces and a trailing space,
	// which some clients send, separate arguments like one space.
	fields := strings.Fields(line)
	verb := fields[0]
	if len(verb) < 3 || len(verb) > 4 {
		return Command{}, ErrBadKeyword
	}
	for i := 0; i < len(verb); i++ {
		c := verb[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return Command{}, ErrBadKeyword
		}
	}
	return Command{Verb: strings.ToUpper(verb), Args: fields[1:]}, nil
}

// readLine reads one CRLF- (or LF-) terminated line of at most max octets.
// A longer line is consumed to its end and reported as ErrLineTooLong, so
// the next command is read cleanly.
func readLine(br *bufio.Reader, max int) (string, error) {
	var buf []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) <= max {
			buf = append(buf, frag...)
		} else {
			buf = buf[:0]
			max = -1 // remember the overflow, keep consuming
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return "", err
		}
		break
	}
	if max < 0 {
		return "", ErrLineTooLong
	}
	s := string(buf)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	return s, nil
}

// msgNumber parses a message-number argument (RFC 1939: a decimal number,
// 1-based).
func msgNumber(arg string) (int, error) {
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 || len(arg) > 10 {
		return 0, errorf("invalid message number %q", arg)
	}
	return n, nil
}

// nonNegative parses TOP's line count.
func nonNegative(arg string) (int, error) {
	n, err := strconv.Atoi(arg)
	if err != nil || n < 0 || len(arg) > 10 {
		return 0, errorf("invalid number of lines %q", arg)
	}
	return n, nil
}
