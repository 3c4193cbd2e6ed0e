package lessonrun

import (
	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
)

// Devices are the names of the lab's default devices (lab.DefaultDevices),
// in order: the values a lesson's device parameters may take.
func Devices() []string {
	var out []string
	for _, d := range lab.DefaultDevices() {
		out = append(out, d.Name)
	}
	return out
}

// PresetIDs are the link presets set-link and --link accept (every preset
// but "custom", which has no figures of its own).
func PresetIDs() []string {
	var out []string
	for _, p := range link.Presets() {
		if p.ID != "custom" {
			out = append(out, p.ID)
		}
	}
	return out
}

// Protocols are the values of the trace functions' protocol keyword.
var Protocols = []string{"smtp", "pop3", "imap"}

// Catalog is what the runner offers lessons: every action, name and
// function it implements, with the types of their parameters. The
// loader validates lessons against it.
func Catalog() *lessons.Catalog {
	devices := append(Devices(), SpareDevices...)
	device := lessons.Param{Name: "device", Type: lessons.String, Enum: devices, Doc: "one of the lab's devices"}
	optDevice := device
	optDevice.Optional = true
	optDevice.Doc = "a device; none means the whole link"
	traceKw := []lessons.Param{
		{Name: "verb", Type: lessons.String, Doc: "the command or response name (RETR, EXISTS), any case"},
		{Name: "protocol", Type: lessons.String, Enum: Protocols},
		{Name: "dir", Type: lessons.String, Enum: []string{"c2s", "s2c"}, Doc: "c2s: the client's lines; s2c: the server's"},
		{Name: "status", Type: lessons.String, Doc: `a reply's status: "250", "+OK", "OK"`},
		{Name: "device", Type: lessons.String, Enum: devices, Doc: "the client of the connection"},
		{Name: "session", Type: lessons.Number, Doc: "only the n-th connection (from 1) of those protocol= and device= select; -1 the last, -2 the one before"},
	}
	message := lessons.Param{Name: "message", Type: lessons.String, Optional: true, Doc: "its subject; default the newest in the INBOX"}
	folder := lessons.Param{Name: "folder", Type: lessons.String, Doc: "a folder's name"}
	optFolder := folder
	optFolder.Optional, optFolder.Doc = true, `default "INBOX"`
	c := &lessons.Catalog{
		Actions: map[string]lessons.ActionSpec{
			"reset-lab": {Doc: "a new lab: the default devices, empty mailboxes or generated ones, an empty trace, the clock at zero",
				Params: []lessons.Param{
					{Name: "seed", Type: lessons.Number, Optional: true, Doc: "seed of the generated messages; default the runner's --seed"},
					{Name: "messages", Type: lessons.Number, Optional: true, Doc: "messages generated into student's INBOX; default 0"},
				}},
			"send": {Doc: "a device writes a message and sends it over SMTP at once",
				Params: []lessons.Param{
					{Name: "from", Type: lessons.String, Enum: devices}, {Name: "to", Type: lessons.String, Doc: "an address"},
					{Name: "subject", Type: lessons.String, Optional: true}, {Name: "body", Type: lessons.String, Optional: true},
				}},
			"check-mail": {Doc: "a device sends its outbox and fetches new mail by its policy", Params: []lessons.Param{device}},
			"read": {Doc: "a device opens a message (an online IMAP device stores \\Seen on the server at once)",
				Params: []lessons.Param{device, {Name: "message", Type: lessons.String, Optional: true, Doc: "its subject; default the newest unread in the INBOX"}}},
			"flag": {Doc: "a device sets a flag on a message (an online IMAP device stores it on the server with STORE)",
				Params: []lessons.Param{device,
					{Name: "message", Type: lessons.String, Optional: true, Doc: "its subject; default the newest in the INBOX"},
					{Name: "flag", Type: lessons.String, Optional: true, Enum: []string{"flagged", "seen"}, Doc: `\Flagged (default) or \Seen`}}},
			"inject-fault": {Doc: "arm a link fault (sim/link FaultSpec, as --fault): reset, stall or drop for the next connection it matches (reset@pop3,after=2000), or an offline window from now (offline,at=1s,for=30s)",
				Params: []lessons.Param{{Name: "spec", Type: lessons.String, Doc: "kind[@protocol],key=value,…"}}},
			"set-link":   {Doc: "the link takes a preset's figures", Params: []lessons.Param{{Name: "preset", Type: lessons.String, Enum: PresetIDs()}}},
			"go-offline": {Doc: "a device works offline, or without device the link goes down", Params: []lessons.Param{optDevice}},
			"go-online":  {Doc: "a device works online again (sending its outbox), or without device the link comes back", Params: []lessons.Param{optDevice}},
			"reply": {Doc: "a device replies to a message: sent at once if it and the link are up, else held in its outbox until the next check-mail or go-online",
				Params: []lessons.Param{device, message, {Name: "body", Type: lessons.String, Optional: true}}},
			"compose": {Doc: "a device writes a message into its outbox without sending it: it leaves with the next check-mail, send or go-online",
				Params: []lessons.Param{
					{Name: "from", Type: lessons.String, Enum: devices}, {Name: "to", Type: lessons.String, Doc: "an address"},
					{Name: "subject", Type: lessons.String, Optional: true}, {Name: "body", Type: lessons.String, Optional: true},
				}},
			"delete": {Doc: "a device deletes a message: on the server (STORE \\Deleted, EXPUNGE) for an IMAP device, its own copy for a POP3 one",
				Params: []lessons.Param{device, message}},
			"move": {Doc: "a device files a message into a folder that exists (UID MOVE on the server for an IMAP device)",
				Params: []lessons.Param{device, message, folder}},
			"create-folder": {Doc: "a device makes a folder: on the server (CREATE) for an IMAP device, its own for a POP3 one",
				Params: []lessons.Param{device, folder}},
			"open-folder": {Doc: "a device shows a folder: an IMAP device synchronises it from the server (SELECT, FETCH)",
				Params: []lessons.Param{device, folder}},
			"search": {Doc: "a device searches a folder for text: on the server (UID SEARCH) when an IMAP device is online, else in its own copies; see search.hits and search.where",
				Params: []lessons.Param{device, {Name: "text", Type: lessons.String}, optFolder}},
			"set-quota": {Doc: "an account's quota in bytes (0: none); mail that would go over it is refused with SMTP 552",
				Params: []lessons.Param{{Name: "user", Type: lessons.String, Optional: true, Doc: `default "student"`}, {Name: "bytes", Type: lessons.Number}}},
			"deliver": {Doc: "a message from another account of the lab (alice, bob) arrives in a mailbox from outside the link: no trace, no cost",
				Params: []lessons.Param{
					{Name: "from", Type: lessons.String, Doc: "an account: alice or bob"}, {Name: "to", Type: lessons.String, Optional: true, Doc: `an account; default "student"`},
					{Name: "subject", Type: lessons.String, Optional: true}, {Name: "body", Type: lessons.String, Optional: true},
				}},
		},
		Names: map[string]lessons.Type{
			"run": lessons.RecordOf(map[string]lessons.Type{
				"sim_seconds": lessons.Number, "bytes_up": lessons.Number, "bytes_down": lessons.Number,
				"connections": lessons.Number, "online_seconds": lessons.Number, "cost": lessons.Number,
			}),
			"link.preset": lessons.String,
			"link.rtt_ms": lessons.Number,
			"search":      lessons.RecordOf(map[string]lessons.Type{"hits": lessons.Number, "where": lessons.String}),
		},
		Funcs: map[string]lessons.FuncSpec{
			"trace.count": {Doc: "the number of protocol lines in the trace that match", Kw: traceKw, Result: lessons.Number},
			"trace.bytes": {Doc: "the payload bytes of the lines and message bodies that match", Kw: traceKw, Result: lessons.Number},
			"device": {Doc: "what a device shows", Args: []lessons.Param{device}, Result: lessons.RecordOf(map[string]lessons.Type{
				"visible": lessons.Number, "unread": lessons.Number, "flagged": lessons.Number, "offline_readable": lessons.Number,
				"outbox": lessons.Number, "offline": lessons.Boolean, "folders": lessons.Number,
			})},
			"device.folder": {Doc: "one folder as a device shows it", Args: []lessons.Param{device, {Name: "folder", Type: lessons.String}},
				Result: lessons.RecordOf(map[string]lessons.Type{"count": lessons.Number, "unread": lessons.Number, "offline_readable": lessons.Number})},
			"quota": {Doc: "an account's quota and the bytes it stores",
				Args:   []lessons.Param{{Name: "user", Type: lessons.String, Optional: true, Doc: `default "student"`}},
				Result: lessons.RecordOf(map[string]lessons.Type{"used": lessons.Number, "limit": lessons.Number})},
			"mailbox": {Doc: "a mailbox on the server",
				Args:   []lessons.Param{{Name: "user", Type: lessons.String}, {Name: "folder", Type: lessons.String, Optional: true, Doc: `default "INBOX"`}},
				Result: lessons.RecordOf(map[string]lessons.Type{"count": lessons.Number, "unseen": lessons.Number, "flagged": lessons.Number, "bytes": lessons.Number})},
		},
		Views: append([]string{"server"}, devices...),
		Links: PresetIDs(),
		TraceFields: map[string][]string{
			"protocol": Protocols,
			"verb":     nil,
			"dir":      {"c2s", "s2c"},
			"status":   nil,
			"device":   devices,
		},
	}
	addRunSpecs(c, devices)
	return c
}
