package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mailscope/mailscope/sim/link"
)

// Scenario is one story told twice, once with POP3 and once with IMAP.
// It is data: a YAML file (see the built-in ones in builtin/) parsed by
// Parse. Times in it are virtual, counted from the scenario's start.
type Scenario struct {
	// ID names the scenario on the command line ("dialup-morning").
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	// Claim is what the article says; Teaches what the run shows about it
	// (where the article is right and where it is too simple).
	Claim   string `yaml:"claim" json:"claim"`
	Teaches string `yaml:"teaches" json:"teaches"`
	// Links are the link presets a comparison uses when none are given.
	Links   []string  `yaml:"links" json:"links"`
	Mailbox Mailbox   `yaml:"mailbox" json:"mailbox"`
	Devices []Device  `yaml:"devices" json:"devices"`
	Steps   []Step    `yaml:"steps" json:"steps"`
	Options *Switches `yaml:"switches,omitempty" json:"switches,omitempty"`
}

// Mailbox is the seeded mailbox: generated mail, the same for a seed.
type Mailbox struct {
	// Messages waiting at the start.
	Messages int `yaml:"messages" json:"messages"`
	// Size is the typical text body size; each message gets between half
	// and one and a half times it. Zero: 2 KB.
	Size ByteSize `yaml:"size" json:"size"`
	// Attachments is the fraction (0..1) of messages with an attachment of
	// about AttachmentSize (before base64). Zero size: 64 KB.
	Attachments    float64  `yaml:"attachments" json:"attachments"`
	AttachmentSize ByteSize `yaml:"attachment_size" json:"attachmentSize"`
	// Seed chooses the messages.
	Seed int64 `yaml:"seed" json:"seed"`
	// Quota is the mailbox's capacity; zero: unlimited.
	Quota ByteSize `yaml:"quota" json:"quota"`
	// Keyword is written into the Keywords header (RFC 5322 3.6.5) of
	// every KeywordEvery-th message, for searching.
	Keyword      string `yaml:"keyword" json:"keyword,omitempty"`
	KeywordEvery int    `yaml:"keyword_every" json:"keywordEvery,omitempty"`
}

// Device is a mail client in the story. Its policy depends on the run:
// POP3 says what it does in a POP3 run, IMAP in an IMAP run. An IMAP
// device keeps its session open from one step to the next, as a mail
// program left open does, until its user is done (see Run).
type Device struct {
	Name string `yaml:"name" json:"name"`
	// POP3: "delete" (download and delete; the default) or "keep" (leave
	// a copy on the server; download by UIDL).
	POP3 string `yaml:"pop3" json:"pop3"`
	// IMAP: "online" (headers first, a body when opened; the default) or
	// "offline" (synchronise whole messages for offline reading).
	IMAP string `yaml:"imap" json:"imap"`
	// KeepDays, for POP3 "keep", deletes a downloaded message from the
	// server this many days later ("remove after N days"); zero: never.
	KeepDays int `yaml:"keep_days" json:"keepDays,omitempty"`
}

// Step is one thing a device (or the world) does. At is when it starts,
// from the scenario's start; After, when At is zero, starts it that long
// after the device's previous step ended. A step never starts before the
// device's previous one ended.
type Step struct {
	At     Duration `yaml:"at" json:"at"`
	After  Duration `yaml:"after" json:"after"`
	Device string   `yaml:"device" json:"device"`
	// Do is the action; see Actions for the list and their fields, and
	// the step_*.go files for what each does.
	Do string `yaml:"do" json:"do"`
	// Messages picks messages for read, reply, move, delete: "all",
	// "unread", "first N", "last N", "found" (the last search's matches).
	Messages string `yaml:"messages" json:"messages,omitempty"`
	// Think is the user's time per message (read, reply): reading,
	// typing. On a dial-up call it is online time.
	Think  Duration `yaml:"think" json:"think,omitempty"`
	Folder string   `yaml:"folder" json:"folder,omitempty"`
	Text   string   `yaml:"text" json:"text,omitempty"`
	// Count and Size, for deliver and compose: how many messages and their
	// typical size. Every, for deliver and watch: the spacing of the
	// deliveries, or of a POP3 device's polls. Until ends a watch.
	Count int      `yaml:"count" json:"count,omitempty"`
	Size  ByteSize `yaml:"size" json:"size,omitempty"`
	Every Duration `yaml:"every" json:"every,omitempty"`
	Until Duration `yaml:"until" json:"until,omitempty"`
	// Note is shown beside the step in the race view.
	Note string `yaml:"note" json:"note,omitempty"`
}

// Parse reads a scenario from YAML. Unknown fields are errors, so a typo
// in a teacher's file is reported rather than ignored.
func Parse(data []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		// yaml names Go types ("field x not found in type
		// scenario.Scenario"); a teacher needs the field's name.
		msg := goTypeNote.ReplaceAllString(err.Error(), "")
		msg = strings.ReplaceAll(msg, "yaml: unmarshal errors:\n  ", "")
		return nil, fmt.Errorf("scenario: %s", strings.ReplaceAll(msg, "field ", "unknown field "))
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

var goTypeNote = regexp.MustCompile(` not found in type [\w.]+`)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Validate reports what would stop the scenario from running.
func (sc *Scenario) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf(format, a...))
	}
	if !idPattern.MatchString(sc.ID) {
		bad("id %q: want lower-case letters, digits and dashes", sc.ID)
	}
	if sc.Title == "" {
		bad("no title")
	}
	for _, id := range sc.Links {
		if _, err := link.Preset(id); err != nil {
			bad("links: %v", err)
		}
	}
	mb := sc.Mailbox
	if mb.Messages < 0 || mb.Messages > 100_000 {
		bad("mailbox: messages %d out of 0..100000", mb.Messages)
	}
	if mb.Attachments < 0 || mb.Attachments > 1 {
		bad("mailbox: attachments %v out of 0..1", mb.Attachments)
	}
	if mb.Size < 0 || mb.Size > 10<<20 || mb.AttachmentSize < 0 || mb.AttachmentSize > 20<<20 || mb.Quota < 0 {
		bad("mailbox: sizes out of range")
	}
	if (mb.Keyword == "") != (mb.KeywordEvery == 0) || mb.KeywordEvery < 0 || strings.ContainsAny(mb.Keyword, "\r\n") {
		bad("mailbox: keyword and keyword_every go together (keyword_every > 0, one line)")
	}
	if len(sc.Devices) == 0 {
		bad("no devices")
	}
	names := map[string]bool{}
	for _, d := range sc.Devices {
		if d.Name == "" || names[d.Name] {
			bad("device %q: empty or repeated name", d.Name)
		}
		names[d.Name] = true
		if d.POP3 != "" && d.POP3 != "delete" && d.POP3 != "keep" {
			bad("device %q: pop3 %q: want delete or keep", d.Name, d.POP3)
		}
		if d.IMAP != "" && d.IMAP != "online" && d.IMAP != "offline" {
			bad("device %q: imap %q: want online or offline", d.Name, d.IMAP)
		}
	}
	if len(sc.Steps) == 0 {
		bad("no steps")
	}
	for i, s := range sc.Steps {
		where := fmt.Sprintf("step %d (%s)", i+1, s.Do)
		act, ok := actions[s.Do]
		if !ok {
			bad("%s: unknown action; want one of %s", where, strings.Join(actionNames(), ", "))
			continue
		}
		if _, world := act.(worldAction); world && s.Device != "" {
			bad("%s: names device %q, but it happens on the server, not on a device", where, s.Device)
		} else if !world && !names[s.Device] {
			bad("%s: unknown device %q", where, s.Device)
		}
		if s.At < 0 || s.After < 0 || s.Think < 0 || s.Every < 0 || s.Until < 0 || s.Count < 0 || s.Size < 0 {
			bad("%s: negative value", where)
		}
		if s.At != 0 && s.After != 0 {
			bad("%s: at and after both set", where)
		}
		if _, _, err := parseSelector(s.Messages); err != nil {
			bad("%s: %v", where, err)
		}
		for _, err := range act.validate(s) {
			bad("%s: %v", where, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("scenario %q: %w", sc.ID, errors.Join(errs...))
	}
	return nil
}

// Duration is a time.Duration written as "90s", "2m", "8h30m" or "1d".
type Duration time.Duration

// UnmarshalYAML reads "1d2h", a Go duration, or a bare number of seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ParseDuration accepts Go durations with a "d" (24 h) unit in front.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(n * float64(time.Second)), nil
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", s, err)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want e.g. 90s, 2m, 8h30m, 1d", s)
	}
	return days + v, nil
}

// ByteSize is a size written as "50KB", "1.5MB" or a number of bytes.
// KB is 1000 bytes and KiB 1024, as on the packaging.
type ByteSize int64

// UnmarshalYAML reads "50KB", "2MiB" or a number.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return err
	}
	*b = ByteSize(v)
	return nil
}

// ParseByteSize reads a size with an optional unit (B, KB, KiB, MB, MiB, GB).
func ParseByteSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := len(s)
	for i > 0 && (s[i-1] < '0' || s[i-1] > '9') {
		i--
	}
	num, unit := strings.TrimSpace(s[:i]), strings.ToUpper(strings.TrimSpace(s[i:]))
	mult := map[string]float64{"": 1, "B": 1, "KB": 1e3, "KIB": 1 << 10, "MB": 1e6, "MIB": 1 << 20, "GB": 1e9, "GIB": 1 << 30}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || v < 0 {
		return 0, fmt.Errorf("size %q: want e.g. 2000, 50KB, 1.5MB", s)
	}
	return int64(v * mult), nil
}
