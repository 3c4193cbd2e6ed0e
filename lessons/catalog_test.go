package lessons

import (
	"strings"
	"testing"
)

// testCatalog is the contract the built-in lessons need from a runner, as
// the package doc lists it. A runner's catalogue may offer more.
func testCatalog() *Catalog {
	devices := []string{"Home PC", "Laptop", "Phone"}
	device := Param{Name: "device", Type: String, Enum: devices}
	presets := []string{"dialup-56k", "isdn-128k", "adsl-8m", "fibre-1g"}
	scenarios := []string{"dialup-morning", "two-devices", "search", "folders", "quota", "always-on", "leave-on-server", "offline-imap"}
	result := RecordOf(map[string]Type{
		"cost": Number, "sim_seconds": Number, "online_seconds": Number, "bytes_down": Number, "bytes_up": Number,
		"round_trips": Number, "connections": Number, "left_on_server": Number, "offline_readable": Number, "notice_delay_seconds": Number,
	})
	return &Catalog{
		Actions: map[string]ActionSpec{
			"reset-lab": {Params: []Param{{Name: "seed", Type: Number, Optional: true}, {Name: "messages", Type: Number, Optional: true}}},
			"set-link":  {Params: []Param{{Name: "preset", Type: String, Enum: []string{"dialup-56k", "isdn-128k", "adsl-8m", "fibre-1g"}}}},
			"send": {Params: []Param{
				{Name: "from", Type: String, Enum: devices}, {Name: "to", Type: String},
				{Name: "subject", Type: String, Optional: true}, {Name: "body", Type: String, Optional: true},
			}},
			"check-mail":   {Params: []Param{device}},
			"read":         {Params: []Param{device, {Name: "message", Type: String, Optional: true}}},
			"go-offline":   {Params: []Param{{Name: "device", Type: String, Optional: true, Enum: devices}}},
			"inject-fault": {Params: []Param{{Name: "spec", Type: String}}},
			"flag":         {Params: []Param{device, {Name: "message", Type: String, Optional: true}, {Name: "flag", Type: String, Optional: true, Enum: []string{"flagged", "seen"}}}},
			"console":      {Params: []Param{{Name: "service", Type: String, Enum: []string{"smtp", "pop3", "imap"}}, {Name: "lines", Type: String, List: true}}},
			"run-scenario": {Params: []Param{{Name: "scenario", Type: String, Enum: scenarios}, {Name: "policy", Type: String, Optional: true, Enum: []string{"pop3", "imap"}},
				{Name: "link", Type: String, Optional: true, Enum: presets}}},
			"compare":       {Params: []Param{{Name: "scenario", Type: String, Enum: scenarios}, {Name: "links", Type: String, Optional: true, List: true, Enum: presets}}},
			"add-device":    {Params: []Param{{Name: "name", Type: String, Enum: devices}, {Name: "policy", Type: String, Enum: []string{"pop3-delete", "pop3-keep", "imap-online", "imap-offline"}}, {Name: "tls", Type: String, Optional: true, Enum: []string{"none", "starttls", "tls"}}}},
			"idle":          {Params: []Param{device, {Name: "minutes", Type: Number}, {Name: "messages", Type: Number, Optional: true}}},
			"poll":          {Params: []Param{device, {Name: "every", Type: Number}, {Name: "minutes", Type: Number}, {Name: "messages", Type: Number, Optional: true}}},
			"set-quota":     {Params: []Param{{Name: "user", Type: String, Optional: true}, {Name: "bytes", Type: Number}}},
			"go-online":     {Params: []Param{{Name: "device", Type: String, Optional: true, Enum: devices}}},
			"keep-on-serve": {Params: []Param{{Name: "device", Type: String}, {Name: "keep", Type: Boolean}}},
			"reply":         {Params: []Param{device, {Name: "message", Type: String, Optional: true}, {Name: "body", Type: String, Optional: true}}},
			"compose": {Params: []Param{
				{Name: "from", Type: String, Enum: devices}, {Name: "to", Type: String},
				{Name: "subject", Type: String, Optional: true}, {Name: "body", Type: String, Optional: true},
			}},
			"delete":        {Params: []Param{device, {Name: "message", Type: String, Optional: true}}},
			"move":          {Params: []Param{device, {Name: "message", Type: String, Optional: true}, {Name: "folder", Type: String}}},
			"create-folder": {Params: []Param{device, {Name: "folder", Type: String}}},
			"open-folder":   {Params: []Param{device, {Name: "folder", Type: String}}},
			"search":        {Params: []Param{device, {Name: "text", Type: String}, {Name: "folder", Type: String, Optional: true}}},
			"deliver": {Params: []Param{
				{Name: "from", Type: String}, {Name: "to", Type: String, Optional: true},
				{Name: "subject", Type: String, Optional: true}, {Name: "body", Type: String, Optional: true},
			}},
		},
		Names: map[string]Type{
			"run": RecordOf(map[string]Type{
				"cost": Number, "round_trips": Number, "bytes_up": Number, "bytes_down": Number,
				"connections": Number, "sim_seconds": Number, "online_seconds": Number,
			}),
			"link.preset": String,
			"link.rtt_ms": Number,
			"compare":     RecordOf(map[string]Type{"pop3": result, "imap": result}),
			"search":      RecordOf(map[string]Type{"hits": Number, "where": String}),
		},
		Funcs: map[string]FuncSpec{
			"trace.count": {Kw: traceKw(), Result: Number},
			"trace.bytes": {Kw: traceKw(), Result: Number},
			"device": {Args: []Param{device}, Result: RecordOf(map[string]Type{
				"visible": Number, "unread": Number, "flagged": Number, "offline_readable": Number, "outbox": Number, "offline": Boolean, "folders": Number,
			})},
			"device.folder": {Args: []Param{device, {Name: "folder", Type: String}},
				Result: RecordOf(map[string]Type{"count": Number, "unread": Number, "offline_readable": Number})},
			"quota": {Args: []Param{{Name: "user", Type: String, Optional: true}}, Result: RecordOf(map[string]Type{"used": Number, "limit": Number})},
			"mailbox": {Args: []Param{{Name: "user", Type: String}, {Name: "folder", Type: String, Optional: true}},
				Result: RecordOf(map[string]Type{"count": Number, "unseen": Number, "flagged": Number, "bytes": Number})},
			"result": {Args: []Param{{Name: "protocol", Type: String, Enum: []string{"pop3", "imap"}}, {Name: "link", Type: String, Optional: true, Enum: presets}},
				Result: result},
			"watched": {Args: []Param{device}, Result: RecordOf(map[string]Type{
				"messages": Number, "noticed": Number, "delay_avg_seconds": Number, "connections": Number, "checks": Number, "bytes_down": Number,
			})},
		},
		Views: []string{"server", "Home PC", "Laptop", "Phone"},
		Links: presets,
		TraceFields: map[string][]string{
			"protocol": {"smtp", "pop3", "imap"},
			"verb":     nil,
			"dir":      {"c2s", "s2c"},
			"status":   nil,
			"device":   {"Home PC", "Laptop", "Phone", "Console"},
		},
	}
}

func traceKw() []Param {
	return []Param{
		{Name: "verb", Type: String}, {Name: "protocol", Type: String, Enum: []string{"smtp", "pop3", "imap"}},
		{Name: "dir", Type: String, Enum: []string{"c2s", "s2c"}}, {Name: "status", Type: String},
		{Name: "device", Type: String, Enum: []string{"Home PC", "Laptop", "Phone", "Console"}},
		{Name: "session", Type: Number}, {Name: "tls", Type: Boolean}, {Name: "secret", Type: Boolean},
	}
}

func TestCatalogValidate(t *testing.T) {
	if err := testCatalog().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := &Catalog{
		Actions: map[string]ActionSpec{"Set Link": {Params: []Param{{Name: "n", Type: Number, Enum: []string{"1"}}}},
			"count": {Params: []Param{{Name: "k", Type: Number, List: true}}}},
		Names: map[string]Type{"run": RecordOf(map[string]Type{"cost": {}}), "device": Number},
		Funcs: map[string]FuncSpec{"device": {Args: []Param{{Name: "a", Type: String, Optional: true}, {Name: "b", Type: String}}, Result: RecordOf(nil)},
			"f": {Kw: []Param{{Name: "r", Type: RecordOf(nil)}}, Result: Number},
			"g": {Kw: []Param{{Name: "l", Type: String, List: true}}, Result: Number}},
	}
	err := bad.Validate()
	for _, want := range []string{
		`action "Set Link": want kebab-case`, "action Set Link: parameter n has an enum but is not a string",
		"name run.cost: no type", "device is both a name and a function",
		"function device: required parameter b after an optional one", "function f: parameter r has type record",
		"action count: parameter k is a list but not a string of an action", "function g: parameter l is a list but not a string of an action",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want %q", err, want)
		}
	}
}
