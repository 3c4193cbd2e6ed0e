package lessonrun

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/scenario"
)

// This file holds the actions that go beyond one device's buttons: the
// console (protocol lines typed by hand), scenarios and comparisons run
// on their own worlds, adding a device with a policy and a TLS mode, and
// a device that waits for new mail (IDLE) or checks for it (poll).

// ConsoleClient is the client name of a console's connection in the
// trace, as the app's console uses it: trace.count(device="Console").
const ConsoleClient = "Console"

// SpareDevices are names add-device may give a device beyond the lab's
// own; the other actions may name them once it has.
var SpareDevices = []string{"Tablet"}

// Console limits: a lesson's lines are typed by hand, so a few dozen
// suffice; a reply that does not come within ConsoleReplyWait (wall
// time, the server runs in this process) fails the action rather than
// hanging the lesson.
const (
	MaxConsoleLines  = 200
	MaxConsoleLine   = 998 // RFC 5321 4.5.3.1.6, without the CRLF
	ConsoleReplyWait = 10 * time.Second
)

// Console services: what the console action may connect to.
var consoleServices = []string{lab.SMTP, lab.POP3, lab.IMAP}

// Policies of add-device, as mua.Mode spells them.
var devicePolicies = []string{"pop3-delete", "pop3-keep", "imap-online", "imap-offline"}

// TLS modes of add-device.
var deviceTLS = []string{"none", "starttls", "tls"}

// resultMembers are the members of result(...) and of compare.pop3 /
// compare.imap: one run of a scenario.
var resultMembers = []string{
	"cost", "sim_seconds", "online_seconds", "bytes_down", "bytes_up", "wire_bytes_down", "wire_bytes_up",
	"round_trips", "connections", "calls", "left_on_server", "visible", "offline_readable", "unread",
	"first_readable_seconds", "notice_delay_seconds", "delivered", "refused",
}

// watchedMembers are the members of watched(device).
var watchedMembers = []string{
	"messages", "noticed", "delay_avg_seconds", "delay_max_seconds", "connections", "checks",
	"bytes_down", "bytes_up", "online_seconds",
}

func numbers(names []string) map[string]lessons.Type {
	m := map[string]lessons.Type{}
	for _, n := range names {
		m[n] = lessons.Number
	}
	return m
}

// ScenarioIDs are the built-in scenarios run-scenario and compare accept.
func ScenarioIDs() []string {
	var ids []string
	for _, sc := range scenario.Builtin().List() {
		ids = append(ids, sc.ID)
	}
	return ids
}

// addRunSpecs adds this file's actions, names and functions to the
// catalogue, and the console's client to the trace's device keyword.
func addRunSpecs(c *lessons.Catalog, devices []string) {
	device := lessons.Param{Name: "device", Type: lessons.String, Enum: devices, Doc: "one of the lab's devices"}
	minutes := lessons.Param{Name: "minutes", Type: lessons.Number, Doc: "how long, in minutes of the run's clock"}
	messages := lessons.Param{Name: "messages", Type: lessons.Number, Optional: true,
		Doc: "messages that reach the server from outside during the wait, evenly spread; default 3"}
	presets := PresetIDs()
	scenarios := ScenarioIDs()
	c.Actions["console"] = lessons.ActionSpec{
		Doc: "the console: in the app it opens on service with the lines filled in for the learner to send; headless the runner types them, " +
			"one at a time, each after the server's reply (SMTP DATA's text up to its \".\" line in one go)",
		Params: []lessons.Param{
			{Name: "service", Type: lessons.String, Enum: consoleServices},
			{Name: "lines", Type: lessons.String, List: true, Doc: "the lines to type: a list, or one line per line of a text"},
		}}
	c.Actions["run-scenario"] = lessons.ActionSpec{
		Doc: "run a built-in scenario on its own world, on the virtual clock, and keep its results for result(…) and compare.*",
		Params: []lessons.Param{
			{Name: "scenario", Type: lessons.String, Enum: scenarios},
			{Name: "policy", Type: lessons.String, Optional: true, Enum: []string{"pop3", "imap"}, Doc: "the retrieval model; default both"},
			{Name: "link", Type: lessons.String, Optional: true, Enum: presets, Doc: "default the lab's link"},
		}}
	c.Actions["compare"] = lessons.ActionSpec{
		Doc: "race POP3 against IMAP through a built-in scenario on each link and keep the results for result(…) and compare.*",
		Params: []lessons.Param{
			{Name: "scenario", Type: lessons.String, Enum: scenarios},
			{Name: "links", Type: lessons.String, Optional: true, List: true, Enum: presets, Doc: "link presets; default the scenario's own"},
		}}
	c.Actions["add-device"] = lessons.ActionSpec{
		Doc: "add a device reading student's mail with a policy and a TLS mode; one with the name of a device of the lab replaces it (its local copies start empty)",
		Params: []lessons.Param{
			{Name: "name", Type: lessons.String, Enum: devices},
			{Name: "policy", Type: lessons.String, Enum: devicePolicies},
			{Name: "tls", Type: lessons.String, Optional: true, Enum: deviceTLS, Doc: "none (default), starttls (STARTTLS, STLS) or tls (implicit TLS ports)"},
		}}
	c.Actions["idle"] = lessons.ActionSpec{
		Doc:    "an IMAP device logs in and waits in IDLE for minutes while messages reach the server from outside: the server pushes each one",
		Params: []lessons.Param{device, minutes, messages}}
	c.Actions["poll"] = lessons.ActionSpec{
		Doc: "a device checks its mail every so many minutes, for minutes (a last check at the end), while messages reach the server from outside",
		Params: []lessons.Param{device,
			{Name: "every", Type: lessons.Number, Doc: "minutes between two checks"},
			minutes, messages}}

	run := lessons.RecordOf(numbers(resultMembers))
	c.Names["compare"] = lessons.RecordOf(map[string]lessons.Type{"pop3": run, "imap": run})
	c.Funcs["result"] = lessons.FuncSpec{
		Doc: "one run kept by the last run-scenario or compare: its protocol, and its link (default the lab's link if it was run, else the first)",
		Args: []lessons.Param{
			{Name: "protocol", Type: lessons.String, Enum: []string{"pop3", "imap"}},
			{Name: "link", Type: lessons.String, Optional: true, Enum: presets},
		},
		Result: run,
	}
	c.Funcs["watched"] = lessons.FuncSpec{
		Doc:    "what the device's last idle or poll saw of the messages that arrived",
		Args:   []lessons.Param{device},
		Result: lessons.RecordOf(numbers(watchedMembers)),
	}
	for _, fn := range []string{"trace.count", "trace.bytes"} {
		spec := c.Funcs[fn]
		kw := slices.Clone(spec.Kw)
		for i := range kw {
			if kw[i].Name == "device" {
				kw[i].Enum = append(slices.Clone(kw[i].Enum), ConsoleClient)
			}
		}
		kw = append(kw,
			lessons.Param{Name: "tls", Type: lessons.Boolean, Doc: "true: only what crossed inside TLS records; false: only what crossed in the clear"},
			lessons.Param{Name: "secret", Type: lessons.Boolean, Doc: "true: only lines carrying a password or login data (PASS, AUTH, LOGIN), which the trace masks; false: the others"})
		spec.Kw = kw
		c.Funcs[fn] = spec
	}
	c.TraceFields["device"] = append(slices.Clone(c.TraceFields["device"]), ConsoleClient)
}

// runExtras is what this file's actions keep between steps.
type runExtras struct {
	results  []*scenario.Result // the last run-scenario or compare
	watched  map[string]watchReport
	watchLab *lab.Lab // the lab the watches ran on
	letters  int      // messages delivered from outside so far
}

func (r *Runner) extras() *runExtras {
	if r.ext == nil {
		r.ext = &runExtras{}
	}
	return r.ext
}

// doRun performs this file's actions; ok is false for another action.
func (r *Runner) doRun(a *lessons.Action) (ok bool, err error) {
	str := func(k string) string { s, _ := a.With[k].Text(); return s }
	switch a.Do {
	case "console":
		return true, r.console(str("service"), str("lines"))
	case "run-scenario":
		protos := []scenario.Protocol{scenario.POP3, scenario.IMAP}
		if p := str("policy"); p != "" {
			protos = []scenario.Protocol{scenario.Protocol(p)}
		}
		id := str("link")
		if id == "" {
			id = r.prof.ID
		}
		return true, r.runScenario(str("scenario"), []string{id}, protos)
	case "compare":
		var links []string
		for _, l := range strings.Split(str("links"), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				links = append(links, l)
			}
		}
		return true, r.runScenario(str("scenario"), links, nil)
	case "add-device":
		return true, r.addDevice(str("name"), str("policy"), str("tls"))
	case "idle", "poll":
		n := 3.0
		if v, given := a.With["messages"].Number(); given {
			n = v
		}
		mins, _ := a.With["minutes"].Number()
		every, _ := a.With["every"].Number()
		return true, r.watch(a.Do, str("device"), mins, every, n)
	}
	return false, nil
}

// console types lines to a service over a raw connection on the link, as
// the app's console does, reading each reply before the next line.
func (r *Runner) console(service, text string) error {
	if !slices.Contains(consoleServices, service) {
		return fmt.Errorf("console: no service %q (want %s)", service, strings.Join(consoleServices, ", "))
	}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), "\n")
	if err := checkConsoleLines(service, lines); err != nil {
		return err
	}
	c, err := r.lab.Dial(context.Background(), service, link.DialOptions{Start: r.clock(), ClientAddr: ConsoleClient, Live: r.live != nil})
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	defer func() {
		c.Close()
		r.finish(mua.ActionResult{End: c.Now()})
	}()
	cs := &consoleSession{c: c, br: bufio.NewReader(c), service: service}
	if _, err := cs.reply(""); err != nil {
		return fmt.Errorf("console: the greeting: %w", err)
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if _, err := io.WriteString(c, line+"\r\n"); err != nil {
			return fmt.Errorf("console: line %d %q: %w", i+1, line, err)
		}
		first, err := cs.reply(line)
		if err != nil {
			return fmt.Errorf("console: line %d %q: %w", i+1, line, err)
		}
		if service == lab.SMTP && strings.EqualFold(strings.TrimSpace(line), "DATA") {
			// The message's text: every line up to the lone ".", then
			// the server's one reply. A DATA the server refused takes no
			// text: its lines are skipped, not typed as commands.
			j := i + 1
			for j < len(lines) && lines[j] != "." {
				j++
			}
			if strings.HasPrefix(first, "354") {
				for _, l := range lines[i+1 : j+1] {
					if _, err := io.WriteString(c, l+"\r\n"); err != nil {
						return fmt.Errorf("console: the text after line %d: %w", i+1, err)
					}
				}
				if _, err := cs.reply("."); err != nil {
					return fmt.Errorf("console: the text after line %d: %w", i+1, err)
				}
			}
			i = j
		}
	}
	return nil
}

// checkConsoleLines refuses what a server could not answer line by
// line: too many or too long lines, control characters, lines after the
// session's end, an SMTP DATA whose text never ends.
func checkConsoleLines(service string, lines []string) error {
	if len(lines) == 0 || len(lines) == 1 && strings.TrimSpace(lines[0]) == "" {
		return errors.New("console: no lines to type")
	}
	if len(lines) > MaxConsoleLines {
		return fmt.Errorf("console: %d lines; at most %d", len(lines), MaxConsoleLines)
	}
	inText := false
	for i, l := range lines {
		if len(l) > MaxConsoleLine {
			return fmt.Errorf("console: line %d is %d bytes long; at most %d", i+1, len(l), MaxConsoleLine)
		}
		if strings.ContainsFunc(l, func(c rune) bool { return c < ' ' && c != '\t' || c == 0x7f }) {
			return fmt.Errorf("console: line %d has a control character", i+1)
		}
		if inText {
			inText = l != "."
			continue
		}
		if strings.TrimSpace(l) == "" {
			return fmt.Errorf("console: line %d is empty (the server would answer nothing, or an error)", i+1)
		}
		verb := strings.ToUpper(strings.Fields(l)[0])
		if service == lab.IMAP {
			if f := strings.Fields(l); len(f) > 1 {
				verb = strings.ToUpper(f[1])
			}
		}
		if service == lab.SMTP && verb == "DATA" {
			inText = true
		}
		if (verb == "QUIT" || verb == "LOGOUT") && i < len(lines)-1 {
			return fmt.Errorf("console: line %d ends the session (%s) but lines follow", i+1, verb)
		}
	}
	if inText {
		return errors.New(`console: the text after DATA has no line with a single "." to end it`)
	}
	return nil
}

type consoleSession struct {
	c       *link.Conn
	br      *bufio.Reader
	service string
	tag     string // IMAP: the command awaiting its tagged reply
}

// readLine reads one line, waiting at most ConsoleReplyWait.
func (s *consoleSession) readLine() (string, error) {
	s.c.SetReadDeadline(time.Now().Add(ConsoleReplyWait))
	line, err := s.br.ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			return line, errors.New("the server closed the connection")
		}
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			return line, fmt.Errorf("no reply within %v", ConsoleReplyWait)
		}
		return line, err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// reply reads the server's whole answer to the line sent (the greeting
// for ""), and returns its first line.
func (s *consoleSession) reply(sent string) (string, error) {
	switch s.service {
	case lab.SMTP:
		first := ""
		for {
			l, err := s.readLine()
			if err != nil {
				return first, err
			}
			if first == "" {
				first = l
			}
			if len(l) < 4 || l[3] != '-' {
				return first, nil
			}
		}
	case lab.POP3:
		first, err := s.readLine()
		if err != nil || !strings.HasPrefix(first, "+OK") || !pop3Multiline(sent) {
			return first, err
		}
		for {
			l, err := s.readLine()
			if err != nil || l == "." {
				return first, err
			}
		}
	}
	// IMAP: untagged lines and literals until the command's tagged reply
	// or a continuation request ("+ idling", "+ Ready for literal").
	if sent != "" && s.tag == "" {
		s.tag, _, _ = strings.Cut(sent, " ")
	}
	first := ""
	for {
		l, err := s.readLine()
		if err != nil {
			return first, err
		}
		if first == "" {
			first = l
		}
		if n, ok := literalSize(l); ok {
			if _, err := io.CopyN(io.Discard, s.br, n); err != nil {
				return first, fmt.Errorf("a literal of %d bytes: %w", n, err)
			}
			continue // the rest of the line follows the literal
		}
		switch {
		case sent == "" && strings.HasPrefix(l, "* "):
			return first, nil // the greeting
		case strings.HasPrefix(l, "+"):
			return first, nil
		case s.tag != "" && strings.HasPrefix(l, s.tag+" "):
			s.tag = ""
			return first, nil
		}
	}
}

// pop3Multiline reports whether a POP3 command's +OK is followed by
// lines up to ".".
func pop3Multiline(cmd string) bool {
	f := strings.Fields(strings.ToUpper(cmd))
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "RETR", "TOP", "CAPA":
		return true
	case "LIST", "UIDL":
		return len(f) == 1
	}
	return false
}

// literalSize reads an IMAP line's closing literal, "{123}" or "{123+}".
func literalSize(line string) (int64, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false
	}
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(line[i+1:len(line)-1], "+"), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// runScenario runs a built-in scenario with each protocol on each link
// (nil links: the scenario's own) and keeps the results.
func (r *Runner) runScenario(id string, links []string, protos []scenario.Protocol) error {
	sc, err := scenario.Builtin().Get(id)
	if err != nil {
		return err
	}
	o := scenario.CompareOptions{Protocols: protos}
	if sc.Options != nil {
		o.Switches = *sc.Options
	}
	if len(links) == 0 {
		links = sc.Links
	}
	if o.Links, err = scenario.Links(links); err != nil {
		return err
	}
	for i := range o.Links {
		o.Links[i].Seed = r.opts.Seed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := scenario.Compare(ctx, sc, o)
	if err != nil {
		return err
	}
	r.extras().results = res
	return nil
}

// result finds a kept run: of the protocol, on the link (default: the
// lab's link if it was run, else the first link run).
func (r *Runner) result(proto, linkID string) (*scenario.Result, error) {
	kept := r.extras().results
	if len(kept) == 0 {
		return nil, errors.New("lessonrun: no scenario run kept: run-scenario or compare first")
	}
	if linkID == "" {
		linkID = kept[0].Link.ID
		for _, res := range kept {
			if res.Link.ID == r.prof.ID {
				linkID = r.prof.ID
			}
		}
	}
	for _, res := range kept {
		if string(res.Protocol) == proto && res.Link.ID == linkID {
			return res, nil
		}
	}
	return nil, fmt.Errorf("lessonrun: the last %s run kept no %s run on %s", kept[0].Scenario, proto, linkID)
}

func resultRecord(res *scenario.Result) lessons.Value {
	var visible, readable, unread int
	for _, d := range res.Devices {
		visible += d.VisibleMessages
		readable += d.OfflineReadable
		unread += d.Unread
	}
	orMinus := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	v := map[string]float64{
		"cost": res.Cost, "sim_seconds": res.SimSeconds, "online_seconds": res.OnlineSeconds,
		"bytes_down": float64(res.PayloadDown), "bytes_up": float64(res.PayloadUp),
		"wire_bytes_down": float64(res.WireDown), "wire_bytes_up": float64(res.WireUp),
		"round_trips": float64(res.RoundTrips), "connections": float64(res.Connections), "calls": float64(res.Calls),
		"left_on_server": float64(res.MessagesOnServerAfter), "visible": float64(visible),
		"offline_readable": float64(readable), "unread": float64(unread),
		"first_readable_seconds": orMinus(res.FirstReadableSeconds),
		"notice_delay_seconds":   orMinus(res.NoticeDelayAvgSeconds),
		"delivered":              float64(res.Delivered), "refused": float64(res.Refused),
	}
	m := map[string]lessons.Value{}
	for _, k := range resultMembers {
		m[k] = lessons.Num(v[k])
	}
	return lessons.Record(m)
}

// compareName is the name compare: {pop3: …, imap: …} on the default link.
func (r *Runner) compareName() (lessons.Value, error) {
	m := map[string]lessons.Value{}
	for _, p := range []string{"pop3", "imap"} {
		res, err := r.result(p, "")
		if err == nil {
			m[p] = resultRecord(res)
		} else if len(r.extras().results) == 0 {
			return lessons.Value{}, err
		}
	}
	return lessons.Record(m), nil
}

// addDevice adds (or replaces) a device reading student's mail.
func (r *Runner) addDevice(name, policy, tlsMode string) error {
	mode, err := mua.ParseMode(policy)
	if err != nil {
		return fmt.Errorf("add-device: %w", err)
	}
	o := lab.DeviceOptions{Name: name, User: "student", Policy: mua.Policy{Mode: mode}}
	switch tlsMode {
	case "", "none":
	case "starttls":
		o.TLSMode = mua.TLSStartTLS
	case "tls":
		o.TLSMode = mua.TLSImplicit
	default:
		return fmt.Errorf("add-device: tls %q: want none, starttls or tls", tlsMode)
	}
	if _, _, exists := r.lab.Device(name); exists {
		if err := r.lab.RemoveDevice(name); err != nil {
			return fmt.Errorf("add-device: %w", err)
		}
	}
	if _, err := r.lab.AddDevice(o); err != nil {
		return fmt.Errorf("add-device: %w", err)
	}
	return nil
}

// watchReport is what one idle or poll saw.
type watchReport struct {
	messages, noticed, connections, checks int
	delayAvg, delayMax                     time.Duration
	down, up                               int64
	online                                 time.Duration
}

// idleWait bounds, in wall time, how long an IDLE session may take to
// hear of a message already delivered.
const idleWait = 20 * time.Second

// watch keeps a device waiting for new mail for minutes: in IDLE (idle)
// or checking every so many minutes (poll), while n messages reach the
// server from outside (straight into the store, at their virtual times,
// as mail from the internet does: it never crosses the reader's line).
func (r *Runner) watch(kind, name string, minutes, every, n float64) error {
	if minutes <= 0 || minutes > 24*60 {
		return fmt.Errorf("%s: minutes %v: want more than 0, at most a day (1440)", kind, minutes)
	}
	if n < 0 || n > 100 || n != math.Trunc(n) {
		return fmt.Errorf("%s: messages %v: want a whole number from 0 to 100", kind, n)
	}
	if kind == "poll" && (every <= 0 || every > minutes) {
		return fmt.Errorf("poll: every %v: want more than 0 and at most minutes (%v)", every, minutes)
	}
	span := time.Duration(minutes * float64(time.Minute))
	start, end := r.now, r.now+span
	// The k-th message arrives in the middle of the k-th of n equal slices.
	var arrivals []time.Duration
	for k := range int(n) {
		arrivals = append(arrivals, start+time.Duration((float64(k)+0.5)*float64(span)/n))
	}
	ext := r.extras()
	var subjects []string
	deliver := func(k int) error {
		ext.letters++
		subj := fmt.Sprintf("Bulletin %d", ext.letters)
		subjects = append(subjects, subj)
		raw := fmt.Sprintf("From: Newsroom <news@example.org>\r\nTo: student@%s\r\nSubject: %s\r\nMessage-ID: <bulletin-%d@example.org>\r\n\r\nNews for the lesson, number %d.\r\n",
			r.lab.Domain, subj, ext.letters, ext.letters)
		_, err := r.lab.Store.Deliver("student", []byte(raw), arrivals[k])
		return err
	}
	var rep watchReport
	rep.messages = len(arrivals)
	count := func(res mua.ActionResult) {
		rep.connections += res.Connections
		rep.down += res.PayloadDown
		rep.up += res.PayloadUp
		rep.online += res.OnlineTime
	}
	err := r.lab.UseDevice(name, func(d *mua.Device) error {
		if kind == "idle" {
			is, res, err := d.StartIdle(start)
			count(res)
			if err != nil {
				r.finish(res)
				return fmt.Errorf("idle: %w", err)
			}
			rep.checks = 1
			for k := range arrivals {
				if err := deliver(k); err != nil {
					return err
				}
				ctx, cancel := context.WithTimeout(context.Background(), idleWait)
				wr, err := is.Wait(ctx)
				cancel()
				count(wr)
				if err != nil {
					is.Stop(max(end, d.Now()))
					return fmt.Errorf("idle: %w", err)
				}
			}
			res, err = is.Stop(max(end, d.Now()))
			count(res)
			r.finish(res)
			return err
		}
		step := time.Duration(every * float64(time.Minute))
		next := 0
		for t := start; t <= end; t += step {
			for next < len(arrivals) && arrivals[next] <= t {
				if err := deliver(next); err != nil {
					return err
				}
				next++
			}
			res, err := d.CheckMail(max(t, d.Now()))
			count(res)
			rep.checks++
			r.finish(res) // a dial-up user hangs up between checks
			if err != nil {
				return fmt.Errorf("poll: check %d: %w", rep.checks, err)
			}
		}
		r.now = max(r.now, end)
		return nil
	})
	// What the device listed, and when it first learnt of each message.
	var sum time.Duration
	_ = r.lab.UseDevice(name, func(d *mua.Device) error {
		for k, subj := range subjects {
			for _, m := range d.Messages("") {
				if m.Subject == subj {
					delay := max(0, m.Received-arrivals[k])
					rep.noticed++
					sum += delay
					rep.delayMax = max(rep.delayMax, delay)
					break
				}
			}
		}
		return nil
	})
	if rep.noticed > 0 {
		rep.delayAvg = sum / time.Duration(rep.noticed)
	}
	if ext.watched == nil || ext.watchLab != r.lab {
		ext.watched, ext.watchLab = map[string]watchReport{}, r.lab
	}
	ext.watched[strings.ToLower(name)] = rep
	return err
}

func (r *Runner) watchedRecord(name string) (lessons.Value, error) {
	ext := r.extras()
	rep, ok := ext.watched[strings.ToLower(name)]
	if !ok || ext.watchLab != r.lab {
		return lessons.Value{}, fmt.Errorf("lessonrun: %s has not waited for mail (idle or poll) since the lab was reset", name)
	}
	return lessons.Record(map[string]lessons.Value{
		"messages": lessons.Num(float64(rep.messages)), "noticed": lessons.Num(float64(rep.noticed)),
		"delay_avg_seconds": lessons.Num(rep.delayAvg.Seconds()), "delay_max_seconds": lessons.Num(rep.delayMax.Seconds()),
		"connections": lessons.Num(float64(rep.connections)), "checks": lessons.Num(float64(rep.checks)),
		"bytes_down": lessons.Num(float64(rep.down)), "bytes_up": lessons.Num(float64(rep.up)),
		"online_seconds": lessons.Num(rep.online.Seconds()),
	}), nil
}

// callRun evaluates this file's functions and names; ok is false for
// another.
func (r *Runner) callRun(fn string, args []lessons.Value) (v lessons.Value, ok bool, err error) {
	switch fn {
	case "result":
		proto, _ := arg(args, 0)
		linkID, _ := arg(args, 1)
		res, err := r.result(proto, linkID)
		if err != nil {
			return lessons.Value{}, true, err
		}
		return resultRecord(res), true, nil
	case "watched":
		name, _ := arg(args, 0)
		v, err := r.watchedRecord(name)
		return v, true, err
	}
	return lessons.Value{}, false, nil
}

// nameRun reads compare, compare.pop3, compare.pop3.cost; ok is false for
// another name.
func (r *Runner) nameRun(path string) (v lessons.Value, ok bool, err error) {
	if path != "compare" && !strings.HasPrefix(path, "compare.") {
		return lessons.Value{}, false, nil
	}
	v, err = r.compareName()
	if err != nil {
		return v, true, err
	}
	for _, m := range strings.Split(path, ".")[1:] {
		mv, found := v.Member(m)
		if !found {
			return lessons.Value{}, true, fmt.Errorf("lessonrun: %s: no %s run kept", path, m)
		}
		v = mv
	}
	return v, true, nil
}
