package trace

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"
)

// ExportOptions control the exports. The zero value masks secrets and
// derives the pcapng time base from the events.
type ExportOptions struct {
	// Reveal exports secrets (passwords, AUTH exchanges) as they were
	// sent. The default masks them.
	Reveal bool

	// Base is the wall-clock time that virtual time 0 maps to in pcapng
	// timestamps. The zero value takes the first event's Wall minus its
	// virtual time, so the capture shows when the run happened.
	Base time.Time

	// KeyLog, with Reveal, puts the TLS secrets of the exported sessions
	// into a pcapng capture, so that Wireshark decrypts them. Without
	// Reveal it is ignored: the secrets would reveal the passwords sent
	// inside TLS.
	KeyLog *KeyLog

	// Faults are the fault specs armed when the trace was exported (the
	// same strings as --fault). WriteJSONL writes them as its first line,
	// {"type":"faults","faults":["reply@pop3,cmd=RETR,with=-ERR x", …]},
	// and WriteText as "# fault: SPEC" lines; with none, neither writes
	// anything extra.
	Faults []string
}

// FaultsRecord is the JSON Lines export's first line when faults were
// armed (ExportOptions.Faults). An event line has no "type" field: a
// reader tells the two apart by it.
type FaultsRecord struct {
	Type   string   `json:"type"` // "faults"
	Faults []string `json:"faults"`
}

// WriteText writes a plain transcript, one line per event: virtual time
// in seconds, session, direction arrow and text.
//
//	0.120400  s1  S→C  +OK POP3 ready
//	0.180800  s1  C→S  USER alice
//	0.300000  s1  S→C  [bulk 2048 B] Subject: hello↵From: ...
//
// A payload cut short by a broken connection says what arrived, of what
// was announced when the protocol said (Event.Announced):
//
//	9.841500  s2  S→C  [bulk 30000 of 65930 B arrived, then the connection broke] Subject: big↵...
func WriteText(w io.Writer, events iter.Seq[Event], opt ExportOptions) error {
	bw := bufio.NewWriter(w)
	for _, f := range opt.Faults {
		fmt.Fprintf(bw, "# fault: %s\n", f)
	}
	var line []byte
	for ev := range events {
		line = AppendText(line[:0], &ev, opt.Reveal)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return fmt.Errorf("trace: write transcript: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("trace: write transcript: %w", err)
	}
	return nil
}

// AppendText appends ev's transcript line (without newline) to b.
func AppendText(b []byte, ev *Event, reveal bool) []byte {
	secs := strconv.FormatFloat(ev.At.Seconds(), 'f', 6, 64)
	for i := len(secs); i < 11; i++ {
		b = append(b, ' ')
	}
	b = append(b, secs...)
	b = append(b, "  s"...)
	b = strconv.AppendUint(b, ev.Session, 10)
	b = append(b, "  "...)
	switch ev.Kind {
	case KindLine:
		b = append(b, ev.Dir.String()...)
		b = append(b, "  "...)
		if ev.Has(FlagTLS) {
			b = append(b, "[tls] "...)
		}
	case KindBulk:
		b = append(b, ev.Dir.String()...)
		b = append(b, "  [bulk "...)
		b = strconv.AppendInt(b, int64(ev.Bytes), 10)
		if ev.Has(FlagIncomplete) {
			// The connection ended mid-payload: Bytes are what arrived,
			// of what was announced when that is known.
			if ev.Announced > 0 {
				b = append(b, " of "...)
				b = strconv.AppendUint(b, uint64(ev.Announced), 10)
			}
			b = append(b, " B arrived, then the connection broke"...)
		} else {
			b = append(b, " B"...)
		}
		if ev.Has(FlagTLS) {
			b = append(b, ", tls"...)
		}
		if ev.Has(FlagTruncated) {
			b = append(b, ", truncated"...)
		}
		b = append(b, "] "...)
	default:
		b = append(b, "---  ["...)
		b = append(b, ev.Kind.String()...)
		b = append(b, ']')
		if ev.Text == "" {
			return b
		}
		b = append(b, ' ')
	}
	return append(b, ev.Display(reveal)...)
}

// WriteJSONL writes one JSON object per line per event, with camelCase
// fields: seq, session, protocol, dir ("c2s"/"s2c"), kind, atNs, arriveNs
// (virtual nanoseconds), wall, bytes, wire, text, verb, tag, status, code
// and the flags more, continued, truncated, encrypted, incomplete, tls,
// masked, recordBytes for events decrypted from TLS, and announced for a
// bulk payload whose size was announced (see Event.Announced; absent when
// 0). Payload bytes are not included. With ExportOptions.Faults the first
// line is a FaultsRecord instead of an event.
func WriteJSONL(w io.Writer, events iter.Seq[Event], opt ExportOptions) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if len(opt.Faults) > 0 {
		if err := enc.Encode(FaultsRecord{Type: "faults", Faults: opt.Faults}); err != nil {
			return fmt.Errorf("trace: write JSON Lines: %w", err)
		}
	}
	for ev := range events {
		if err := enc.Encode(ev.toJSON(opt.Reveal)); err != nil {
			return fmt.Errorf("trace: write JSON Lines: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("trace: write JSON Lines: %w", err)
	}
	return nil
}
