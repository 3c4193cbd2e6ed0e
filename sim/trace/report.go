package trace

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file sums each session up: which client it was, what it asked
// for, how many round trips it spent, and the round trips it could have
// saved (named patterns). A report is computed from the events alone, so
// the same report comes from a live recorder, a snapshot or a saved trace.
// Its JSON is snake_case: it is what `serve --api` serves.

// Pattern names, as they appear in Report.Patterns.
const (
	// PatternPipeliningUnused: an SMTP server offered PIPELINING (RFC 2920)
	// and the client never sent two commands in one turn.
	PatternPipeliningUnused = "pipelining-unused"
	// PatternOneFetchPerMessage: consecutive IMAP FETCH (or UID FETCH)
	// commands, each for one message, asking for the same items, where one
	// command with a sequence set would do.
	PatternOneFetchPerMessage = "one-fetch-per-message"
	// PatternOneRetrPerMessage: POP3 has no multi-message RETR (RFC 1939),
	// so one RETR per message is no waste by itself; but when the server
	// offered PIPELINING (RFC 2449 §6.6) the RETRs need not each wait for
	// the previous one. Reported only then.
	PatternOneRetrPerMessage = "one-retr-per-message"
	// PatternListBeforeRetr: "LIST n" sent just before "RETR n" (fetchmail
	// does this to learn each size); one LIST without argument gives every
	// size in one round trip.
	PatternListBeforeRetr = "list-before-retr"
	// PatternDownloadedAgain: a message retrieved that the same login had
	// already retrieved in an earlier session (same UIDL; or same mailbox,
	// UIDVALIDITY and UID).
	PatternDownloadedAgain = "downloaded-again"
	// PatternPollingWhereIdle: an IMAP client reconnecting to look for mail
	// where the server offered IDLE (RFC 2177), which it never used: three
	// or more sessions of the same login from the same host, at roughly
	// regular intervals (the longest at most twice the shortest).
	PatternPollingWhereIdle = "polling-where-idle"
)

// Report is what one session did, computed from its events.
//
// Round trips. The session's data events (lines, bulk payloads, TLS
// records; not connect, close or fault marks) are taken in trace order. A
// client turn is every line the client sent before it could have read a
// reply: it begins with the client's first line, and a client line starts
// the next turn once a server data event of the current turn had arrived
// (its virtual Arrive) by the time the line departed (its At). In a trace
// where replies never overtake commands, that is a maximal run of client
// events with no server event among them. A turn is answered when a
// server data event follows it. RoundTrips is the number of times the
// client waited for the server: one for the greeting when the server spoke
// first, plus each answered client turn. A lock-step client that sends n commands
// after the greeting spends n+1 round trips; the same commands pipelined
// in one turn spend 2. (This is what the link counts as ClientTurns for a
// live connection.) Unsolicited server lines (an IMAP EXISTS during IDLE)
// join the server's run and cost no round trip.
type Report struct {
	ID       uint64       `json:"id"`
	Protocol Protocol     `json:"protocol"`
	Client   ReportClient `json:"client"`
	Server   string       `json:"server"`
	StartNs  int64        `json:"start_ns"`
	EndNs    int64        `json:"end_ns"`
	// Open is set while either end has not closed.
	Open bool `json:"open"`

	Capabilities ReportCapabilities `json:"capabilities"`
	// Commands counts the client's commands by verb ("RETR", "UID
	// FETCH"); SASL answers, literal continuations and the "." that ends
	// DATA are not commands.
	Commands     map[string]int `json:"commands"`
	CommandCount int            `json:"command_count"`

	RoundTrips  int `json:"round_trips"`
	ClientTurns int `json:"client_turns"`
	// MaxCommandsPerTurn is the most commands the client sent in one turn
	// (above 1 means it pipelined).
	MaxCommandsPerTurn int `json:"max_commands_per_turn"`

	Bytes ReportBytes `json:"bytes"`
	Time  ReportTime  `json:"time"`
	TLS   *ReportTLS  `json:"tls,omitempty"`
	Idle  *ReportIdle `json:"idle,omitempty"`

	// Retrieved counts the messages whose body the client retrieved
	// (POP3 RETR, an IMAP FETCH of a body section or RFC822).
	Retrieved int `json:"retrieved"`

	// PreviousSession and PollIntervalNs are set (by Reports) when the
	// same login of the same protocol connected before from the same host:
	// the previous such session and how long after its start this one
	// began.
	PreviousSession uint64 `json:"previous_session,omitempty"`
	PollIntervalNs  int64  `json:"poll_interval_ns,omitempty"`

	Patterns []Pattern `json:"patterns"`
	// SavingRoundTrips sums the patterns' savings, at most RoundTrips.
	// Patterns can overlap (a RETR downloaded again is also one of the
	// RETRs pipelining would have grouped), so the sum is an upper bound.
	SavingRoundTrips int `json:"saving_round_trips"`

	// retrieved keys, for downloaded-again across sessions
	keys []retrievedKey
	host string
}

// ReportClient is who the client said it was. The password is never kept.
type ReportClient struct {
	Addr string `json:"addr"` // host:port as the server saw it
	Host string `json:"host,omitempty"`
	Port int    `json:"port,omitempty"`
	// Login is the user name of USER, LOGIN, APOP or a PLAIN/LOGIN SASL
	// exchange.
	Login string `json:"login,omitempty"`
	// Hello is the name the SMTP client gave in EHLO or HELO.
	Hello string `json:"hello,omitempty"`
	// Software is the client's description of itself: IMAP ID's name and
	// version (RFC 2971), else a User-Agent or X-Mailer header of a
	// message it submitted (when the trace kept the message).
	Software string `json:"software,omitempty"`
	// ID holds the fields of an IMAP ID command.
	ID map[string]string `json:"id,omitempty"`
}

// ReportCapabilities are the server's offer and what the client's
// commands relied on.
type ReportCapabilities struct {
	// Offered are the EHLO keywords (with their parameters), CAPA lines or
	// IMAP CAPABILITY atoms, in the order first seen.
	Offered []string `json:"offered"`
	// Used names the extensions the client's commands relied on:
	// PIPELINING, STARTTLS/STLS, "AUTH PLAIN" (the mechanism), SIZE,
	// 8BITMIME, CHUNKING, UIDL, TOP, IDLE, UIDPLUS, MOVE, LITERAL+, ID,
	// ENABLE, NAMESPACE, CONDSTORE…
	Used []string `json:"used"`
}

// ReportBytes are the bytes each way: the TCP stream (payload, as
// SessionTotals counts it) and with segment overhead (wire).
type ReportBytes struct {
	PayloadUp   int64 `json:"payload_up"`
	PayloadDown int64 `json:"payload_down"`
	WireUp      int64 `json:"wire_up"`
	WireDown    int64 `json:"wire_down"`
}

// ReportTime splits the session's virtual time. Measured from the events'
// times: ServerNs sums, over the answered turns, the time from the
// arrival of the turn's last byte to the departure of the server's first
// reply byte (the server working); ClientNs sums the time from the
// arrival of a server run's last byte to the client's next departure (the
// client, or its user, thinking); LinkNs is the rest of TotalNs: bytes on
// the wire, latency, connection set-up and dialling. The split of LinkNs
// is an estimate: LatencyNs takes the quickest transit of a short line in
// the session as the one-way latency and charges it twice per round trip;
// SerialisationNs is what remains.
type ReportTime struct {
	TotalNs         int64 `json:"total_ns"`
	ServerNs        int64 `json:"server_ns"`
	ClientNs        int64 `json:"client_ns"`
	LinkNs          int64 `json:"link_ns"`
	LatencyNs       int64 `json:"latency_ns"`
	SerialisationNs int64 `json:"serialisation_ns"`
	// OneWayLatencyNs is the latency estimate the split used.
	OneWayLatencyNs int64 `json:"one_way_latency_ns"`
}

// ReportTLS says how the session used TLS.
type ReportTLS struct {
	Mode    string `json:"mode"`              // "implicit" or "starttls"
	Version string `json:"version,omitempty"` // from the ServerHello, when traced
	Cipher  string `json:"cipher,omitempty"`
	// Decrypted is set when the trace shows the TLS session's plaintext.
	Decrypted bool `json:"decrypted"`
}

// ReportIdle sums an IMAP session's IDLE commands (RFC 2177).
type ReportIdle struct {
	Count   int   `json:"count"`
	TotalNs int64 `json:"total_ns"`
}

// Pattern is a named habit that cost round trips the client could have
// saved.
type Pattern struct {
	Name             string `json:"name"`
	Count            int    `json:"count"`
	SavingRoundTrips int    `json:"saving_round_trips"`
	Detail           string `json:"detail"`
}

type retrievedKey struct {
	key  string // login-independent: "uidl:X" or "uid:MAILBOX/UIDVALIDITY/UID"
	turn int
}

// Reports sums up every session of the snapshot, in the order they were
// registered (then any other session an event names), with the patterns
// that need more than one session: downloaded-again and
// polling-where-idle, and each report's PreviousSession and
// PollIntervalNs.
func Reports(s *Snapshot) []Report {
	bs := map[uint64]*reportBuilder{}
	var order []uint64
	for _, si := range s.Sessions() {
		if _, ok := bs[si.ID]; !ok {
			bs[si.ID] = newReportBuilder(si)
			order = append(order, si.ID)
		}
	}
	for i := range s.Len() {
		ev := s.At(i)
		b := bs[ev.Session]
		if b == nil {
			b = newReportBuilder(SessionInfo{ID: ev.Session, Protocol: ev.Protocol, Start: ev.At})
			bs[ev.Session] = b
			order = append(order, ev.Session)
		}
		b.add(ev)
	}
	out := make([]Report, len(order))
	for i, id := range order {
		out[i] = bs[id].finish()
	}
	crossSession(out)
	for i := range out {
		finishPatterns(&out[i])
	}
	return out
}

// ReportOf sums up one session from its events, in trace order. The
// patterns that need other sessions are left out (see Reports).
func ReportOf(info SessionInfo, events []Event) Report {
	b := newReportBuilder(info)
	for i := range events {
		if events[i].Session == info.ID {
			b.add(&events[i])
		}
	}
	r := b.finish()
	finishPatterns(&r)
	return r
}

func finishPatterns(r *Report) {
	r.SavingRoundTrips = 0
	for _, p := range r.Patterns {
		r.SavingRoundTrips += p.SavingRoundTrips
	}
	r.SavingRoundTrips = min(r.SavingRoundTrips, r.RoundTrips)
	if r.Patterns == nil {
		r.Patterns = []Pattern{}
	}
}

// crossSession finds a login's earlier sessions: messages downloaded
// again, and the interval between reconnections.
func crossSession(rs []Report) {
	type clientKey struct {
		p           Protocol
		login, host string
	}
	idx := make([]int, len(rs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return rs[idx[a]].StartNs < rs[idx[b]].StartNs })
	last := map[clientKey]int{}
	had := map[clientKey]map[string]bool{}
	sessions := map[clientKey][]int{}
	for _, i := range idx {
		r := &rs[i]
		if r.Client.Login == "" {
			continue
		}
		k := clientKey{r.Protocol, r.Client.Login, r.host}
		if j, ok := last[k]; ok {
			r.PreviousSession = rs[j].ID
			r.PollIntervalNs = r.StartNs - rs[j].StartNs
		}
		last[k] = i
		sessions[k] = append(sessions[k], i)
		// Downloaded again: by login, from any host.
		lk := clientKey{p: r.Protocol, login: r.Client.Login}
		seen := had[lk]
		if seen == nil {
			seen = map[string]bool{}
			had[lk] = seen
		}
		n, turns := 0, map[int]bool{}
		for _, rk := range r.keys {
			if seen[rk.key] {
				n++
				turns[rk.turn] = true
			}
		}
		for _, rk := range r.keys {
			seen[rk.key] = true
		}
		if n > 0 {
			what := "same UIDL"
			if r.Protocol == IMAP {
				what = "same mailbox, UIDVALIDITY and UID"
			}
			r.Patterns = append(r.Patterns, Pattern{
				Name: PatternDownloadedAgain, Count: n, SavingRoundTrips: len(turns),
				Detail: fmt.Sprintf("%d message(s) this login had already retrieved in an earlier session (%s); a client that keeps what it downloaded need not ask again", n, what),
			})
		}
	}
	for _, list := range sessions {
		if len(list) < 3 || rs[list[0]].Protocol != IMAP || !onATimer(rs, list) {
			continue
		}
		offered, used := false, false
		for _, i := range list {
			offered = offered || hasCap(rs[i].Capabilities.Offered, "IDLE")
			used = used || slices.Contains(rs[i].Capabilities.Used, "IDLE")
		}
		if !offered || used {
			continue
		}
		for _, i := range list[1:] {
			r := &rs[i]
			r.Patterns = append(r.Patterns, Pattern{
				Name: PatternPollingWhereIdle, Count: 1, SavingRoundTrips: r.RoundTrips - r.fetchTurns(),
				Detail: fmt.Sprintf("reconnected %s after session %d from the same login to look for mail; the server offers IDLE, which would have told it of new mail on the open connection without these round trips", time.Duration(r.PollIntervalNs).Round(time.Millisecond), r.PreviousSession),
			})
		}
	}
}

// onATimer reports whether a client's sessions (three or more, oldest
// first) began at roughly regular intervals: the longest at most twice
// the shortest. Two sessions, or a burst then a pause, are not polling.
func onATimer(rs []Report, list []int) bool {
	lo, hi := int64(-1), int64(0)
	for i := 1; i < len(list); i++ {
		d := rs[list[i]].StartNs - rs[list[i-1]].StartNs
		if lo < 0 || d < lo {
			lo = d
		}
		hi = max(hi, d)
	}
	return lo > 0 && hi <= 2*lo
}

// fetchTurns is how many turns retrieved messages (which an IDLE client
// would spend as well).
func (r *Report) fetchTurns() int {
	t := map[int]bool{}
	for _, k := range r.keys {
		t[k.turn] = true
	}
	return min(len(t), r.RoundTrips)
}

// hasCap reports whether a capability list offers keyword (its first
// token, case-insensitively; IMAP "AUTH=PLAIN" is its own keyword).
func hasCap(offered []string, keyword string) bool {
	for _, c := range offered {
		k, _ := cut(c)
		if strings.EqualFold(k, keyword) {
			return true
		}
	}
	return false
}

// reportCmd is one client command as the patterns need it.
type reportCmd struct {
	verb string
	args string // the rest of the line after the verb
	turn int
	idx  int // order among the session's commands
}

type reportBuilder struct {
	info SessionInfo
	r    Report

	replied       bool          // the current turn (or, before any, the greeting) has had a reply
	replyArr      time.Duration // when its earliest reply arrived
	turn          int           // current (or last) client turn, from 1
	cmdsInTurn    int
	turnLastArr   time.Duration // arrival of the client turn's last byte
	serverLastArr time.Duration // arrival of the server run's last byte
	minTransit    time.Duration
	end           time.Duration
	clientClosed  bool
	serverClosed  bool

	cmds    []reportCmd
	pending []int  // SMTP, POP3: the commands awaiting their reply (index in cmds; -1 for the "." after DATA)
	inEHLO  int    // SMTP: lines of the EHLO reply seen so far, 0 outside it
	listing string // POP3: the multi-line reply under way ("CAPA", "UIDL")
	auth    string // the SASL mechanism whose exchange is under way
	authN   int    // answers sent in it

	used map[string]bool

	// POP3: message number → UIDL
	uidl map[string]string
	// IMAP
	mailbox     string
	uidvalidity string
	seqUID      map[string]string
	idleAt      time.Duration
	idling      bool
	fetch       *fetchResp
}

type fetchResp struct {
	seq, uid string
	body     bool
	turn     int
}

func newReportBuilder(si SessionInfo) *reportBuilder {
	b := &reportBuilder{info: si, used: map[string]bool{}, uidl: map[string]string{},
		seqUID: map[string]string{}, minTransit: -1}
	b.r = Report{ID: si.ID, Protocol: si.Protocol, Server: si.ServerAddr, StartNs: int64(si.Start),
		Commands: map[string]int{}, Client: ReportClient{Addr: si.ClientAddr}}
	if h, p, err := net.SplitHostPort(si.ClientAddr); err == nil {
		b.r.Client.Host = h
		b.r.Client.Port, _ = strconv.Atoi(p)
		b.r.host = h
	} else {
		b.r.host = si.ClientAddr
	}
	b.end = si.Start
	return b
}

func isData(ev *Event) bool {
	return ev.Kind == KindLine || ev.Kind == KindBulk || ev.Kind == KindTLS && ev.Bytes > 0
}

func (b *reportBuilder) add(ev *Event) {
	b.end = max(b.end, ev.At, ev.Arrive)
	if ev.Dir == ClientToServer {
		b.r.Bytes.PayloadUp += int64(ev.StreamBytes())
		b.r.Bytes.WireUp += int64(ev.Wire)
	} else {
		b.r.Bytes.PayloadDown += int64(ev.StreamBytes())
		b.r.Bytes.WireDown += int64(ev.Wire)
	}
	switch ev.Kind {
	case KindClose:
		if ev.Dir == ClientToServer {
			b.clientClosed = true
		} else {
			b.serverClosed = true
		}
	case KindTLS:
		b.tlsEvent(ev)
	}
	if !isData(ev) {
		return
	}
	if ev.Kind == KindLine && len(ev.Text) <= 64 && ev.Arrive >= ev.At {
		if t := ev.Arrive - ev.At; b.minTransit < 0 || t < b.minTransit {
			b.minTransit = t
		}
	}
	b.turns(ev)
	if ev.Kind == KindLine && !ev.Has(FlagIncomplete) {
		if ev.Dir == ClientToServer {
			b.clientLine(ev)
		} else {
			b.serverLine(ev)
		}
	}
	if ev.Kind == KindBulk && ev.Dir == ClientToServer && ev.Verb == "DATA" {
		b.software(ev)
	}
}

// turns follows the client turns and the replies to them. A client
// event starts a new turn once the client could have read a reply to the
// current one: a server event of the turn had arrived (virtual time) when
// it departed. So a command written before the reply to the previous one
// arrived stays in that turn, even when the trace lists the reply first
// (client and server write from their own goroutines).
func (b *reportBuilder) turns(ev *Event) {
	if ev.Dir == ClientToServer {
		if b.turn == 0 || b.replied && b.replyArr <= ev.At {
			if b.replied {
				b.r.Time.ClientNs += int64(max(0, ev.At-b.serverLastArr))
			}
			b.turn++
			b.r.ClientTurns++
			b.cmdsInTurn = 0
			b.replied = false
			b.turnLastArr = 0
		}
		b.turnLastArr = max(b.turnLastArr, ev.Arrive)
		return
	}
	if !b.replied {
		// The first reply to this turn (or the greeting, before any).
		b.replied = true
		b.replyArr = ev.Arrive
		b.r.RoundTrips++
		if b.turn > 0 {
			b.r.Time.ServerNs += int64(max(0, ev.At-b.turnLastArr))
		}
	}
	b.replyArr = min(b.replyArr, ev.Arrive)
	b.serverLastArr = max(b.serverLastArr, ev.Arrive)
}

func (b *reportBuilder) command(verb, args string) {
	b.r.Commands[verb]++
	b.r.CommandCount++
	b.cmdsInTurn++
	b.r.MaxCommandsPerTurn = max(b.r.MaxCommandsPerTurn, b.cmdsInTurn)
	b.cmds = append(b.cmds, reportCmd{verb: verb, args: args, turn: b.turn, idx: len(b.cmds)})
}

func (b *reportBuilder) clientLine(ev *Event) {
	text := ev.Text
	switch b.info.Protocol {
	case SMTP, POP3:
		if b.auth != "" && ev.Verb == "" {
			b.saslAnswer(text)
			return
		}
		if ev.Verb == "" || ev.Verb == "." {
			if ev.Verb == "." && b.info.Protocol == SMTP {
				b.pending = append(b.pending, -1)
			}
			return
		}
		_, args := cut(text)
		b.command(ev.Verb, args)
		b.pending = append(b.pending, len(b.cmds)-1)
		if b.info.Protocol == SMTP {
			b.smtpCommand(ev.Verb, args)
		} else {
			b.pop3Command(ev.Verb, args)
		}
	case IMAP:
		if ev.Has(FlagContinued) {
			return
		}
		if b.auth != "" && ev.Verb == "" {
			b.saslAnswer(text)
			return
		}
		if ev.Verb == "" {
			return
		}
		if ev.Verb == "DONE" {
			if b.idling {
				b.idling = false
				b.r.Idle.TotalNs += int64(max(0, ev.At-b.idleAt))
			}
			b.command("DONE", "")
			return
		}
		_, args := cut(text) // the tag
		_, args = cut(args)  // the verb
		if strings.HasPrefix(ev.Verb, "UID ") {
			_, args = cut(args)
		}
		b.command(ev.Verb, args)
		b.imapCommand(ev, args)
	}
}

func (b *reportBuilder) use(c string) { b.used[c] = true }

func (b *reportBuilder) smtpCommand(verb, args string) {
	switch verb {
	case "EHLO", "HELO":
		name, _ := cut(args)
		b.r.Client.Hello = name
		if verb == "EHLO" {
			b.inEHLO = 0
		}
	case "STARTTLS":
		b.use("STARTTLS")
	case "AUTH":
		mech, ir := cut(args)
		mech = strings.ToUpper(mech)
		b.use("AUTH " + mech)
		b.startAuth(mech, ir)
	case "MAIL":
		u := strings.ToUpper(args)
		for _, kv := range []struct{ param, cap string }{
			{"SIZE=", "SIZE"}, {"BODY=8BITMIME", "8BITMIME"}, {"BODY=BINARYMIME", "BINARYMIME"},
			{"SMTPUTF8", "SMTPUTF8"}, {"RET=", "DSN"}, {"ENVID=", "DSN"}, {"REQUIRETLS", "REQUIRETLS"},
		} {
			if strings.Contains(u, " "+kv.param) {
				b.use(kv.cap)
			}
		}
	case "RCPT":
		if strings.Contains(strings.ToUpper(args), "NOTIFY=") {
			b.use("DSN")
		}
	case "BDAT":
		b.use("CHUNKING")
	}
}

func (b *reportBuilder) pop3Command(verb, args string) {
	switch verb {
	case "USER":
		b.r.Client.Login = args
		b.use("USER")
	case "APOP":
		name, _ := cut(args)
		b.r.Client.Login = name
		b.use("APOP")
	case "STLS":
		b.use("STLS")
	case "AUTH":
		mech, ir := cut(args)
		if mech == "" {
			return
		}
		mech = strings.ToUpper(mech)
		b.use("SASL " + mech)
		b.startAuth(mech, ir)
	case "UIDL", "TOP":
		b.use(verb)
	}
}

func (b *reportBuilder) imapCommand(ev *Event, args string) {
	verb := ev.Verb
	switch verb {
	case "LOGIN":
		spans := IMAPArgs(args)
		if len(spans) > 0 && !isLiteralArg(args, spans[0]) {
			b.r.Client.Login = unquoteIMAP(args[spans[0].Start:spans[0].End])
		}
	case "AUTHENTICATE":
		mech, ir := cut(args)
		mech = strings.ToUpper(mech)
		b.use("AUTH=" + mech)
		b.startAuth(mech, ir)
	case "STARTTLS", "IDLE", "NAMESPACE", "ENABLE", "ID", "UNSELECT", "COMPRESS", "GETQUOTAROOT", "GETQUOTA", "SORT", "THREAD":
		b.use(verb)
		switch verb {
		case "IDLE":
			b.idling = true
			b.idleAt = ev.At
			if b.r.Idle == nil {
				b.r.Idle = &ReportIdle{}
			}
			b.r.Idle.Count++
		case "ID":
			b.imapID(args)
		case "ENABLE":
			for _, a := range strings.Fields(strings.ToUpper(args)) {
				b.use(a)
			}
		}
	case "MOVE", "UID MOVE":
		b.use("MOVE")
	case "UID EXPUNGE":
		b.use("UIDPLUS")
	case "SELECT", "EXAMINE":
		spans := IMAPArgs(args)
		if len(spans) > 0 {
			b.mailbox = unquoteIMAP(args[spans[0].Start:spans[0].End])
		}
		b.uidvalidity = ""
		clear(b.seqUID)
		if strings.Contains(strings.ToUpper(args), "CONDSTORE") {
			b.use("CONDSTORE")
		}
	case "FETCH", "UID FETCH":
		if strings.Contains(strings.ToUpper(args), "CHANGEDSINCE") {
			b.use("CONDSTORE")
		}
	case "LIST":
		if strings.Contains(strings.ToUpper(args), "SPECIAL-USE") {
			b.use("SPECIAL-USE")
		}
	case "SEARCH", "UID SEARCH":
		if strings.HasPrefix(strings.ToUpper(args), "RETURN") {
			b.use("ESEARCH")
		}
	}
	if n := len(ev.Text); n > 0 && strings.HasSuffix(ev.Text, "+}") {
		b.use("LITERAL+")
	}
}

// imapID keeps the fields of `ID ("name" "x" "version" "y")`.
func (b *reportBuilder) imapID(args string) {
	a := strings.TrimSpace(args)
	if !strings.HasPrefix(a, "(") {
		return
	}
	a = strings.TrimSuffix(strings.TrimPrefix(a, "("), ")")
	spans := IMAPArgs(a)
	id := map[string]string{}
	for i := 0; i+1 < len(spans); i += 2 {
		k := strings.ToLower(unquoteIMAP(a[spans[i].Start:spans[i].End]))
		v := a[spans[i+1].Start:spans[i+1].End]
		if strings.EqualFold(v, "NIL") {
			continue
		}
		id[k] = unquoteIMAP(v)
	}
	if len(id) == 0 {
		return
	}
	b.r.Client.ID = id
	b.r.Client.Software = strings.TrimSpace(id["name"] + " " + id["version"])
}

func unquoteIMAP(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		s = strings.ReplaceAll(s, `\"`, `"`)
		s = strings.ReplaceAll(s, `\\`, `\`)
	}
	return s
}

// startAuth begins a SASL exchange; an initial response is its first
// answer.
func (b *reportBuilder) startAuth(mech, ir string) {
	b.auth, b.authN = mech, 0
	if ir != "" && ir != "=" {
		b.saslAnswer(ir)
	}
}

// saslAnswer takes the user name from a PLAIN or LOGIN answer; the
// password in it is never kept.
func (b *reportBuilder) saslAnswer(text string) {
	n := b.authN
	b.authN++
	if text == "*" {
		b.auth = ""
		return
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return
	}
	switch b.auth {
	case "PLAIN":
		// authzid NUL authcid NUL passwd (RFC 4616)
		if parts := bytes.SplitN(raw, []byte{0}, 3); len(parts) == 3 && n == 0 {
			b.r.Client.Login = string(parts[1])
		}
	case "LOGIN":
		if n == 0 {
			b.r.Client.Login = string(raw)
		}
	}
}

func (b *reportBuilder) serverLine(ev *Event) {
	switch b.info.Protocol {
	case SMTP:
		b.smtpReply(ev)
	case POP3:
		b.pop3Reply(ev)
	case IMAP:
		b.imapResponse(ev)
	}
}

func (b *reportBuilder) offer(c string) {
	if c != "" && !slices.Contains(b.r.Capabilities.Offered, c) {
		b.r.Capabilities.Offered = append(b.r.Capabilities.Offered, c)
	}
}

// front is the oldest command awaiting its reply ("." for the end of
// DATA's content; a zero reportCmd when none).
func (b *reportBuilder) front() reportCmd {
	if len(b.pending) == 0 {
		return reportCmd{}
	}
	if i := b.pending[0]; i >= 0 {
		return b.cmds[i]
	}
	return reportCmd{verb: "."}
}

func (b *reportBuilder) smtpReply(ev *Event) {
	if ev.Status == "" {
		return
	}
	cmd := b.front().verb
	if cmd == "EHLO" && ev.Status == "250" {
		if b.inEHLO > 0 && len(ev.Text) > 4 {
			b.offer(strings.TrimSpace(ev.Text[4:]))
		}
		b.inEHLO++
	}
	if ev.Has(FlagMore) {
		return
	}
	if cmd == "AUTH" && ev.Status == "334" {
		return
	}
	if len(b.pending) > 0 {
		b.pending = b.pending[1:]
	}
	if cmd == "AUTH" {
		b.auth = ""
	}
}

func (b *reportBuilder) pop3Reply(ev *Event) {
	if b.listing != "" {
		if ev.Text == "." {
			b.listing = ""
			return
		}
		switch b.listing {
		case "CAPA":
			b.offer(ev.Text)
		case "UIDL":
			if n, u := cut(ev.Text); u != "" {
				b.uidl[n] = u
			}
		}
		return
	}
	if ev.Status == "+" || ev.Status == "" {
		return
	}
	c := b.front()
	cmd, args := c.verb, strings.TrimSpace(c.args)
	if len(b.pending) > 0 {
		b.pending = b.pending[1:]
	}
	if cmd == "AUTH" {
		b.auth = ""
	}
	if ev.Status != "+OK" {
		return
	}
	switch {
	case cmd == "RETR":
		b.r.Retrieved++
		if u, ok := b.uidl[args]; ok {
			b.r.keys = append(b.r.keys, retrievedKey{key: "uidl:" + u, turn: c.turn})
		}
	case cmd == "CAPA":
		b.listing = "CAPA"
	case cmd == "UIDL" && args == "":
		b.listing = "UIDL"
	case cmd == "UIDL":
		// "+OK n uid"
		f := strings.Fields(ev.Text)
		if len(f) >= 3 {
			b.uidl[f[1]] = f[2]
		}
	case pop3MultiLine(cmd, args):
		b.listing = cmd
	}
}

func (b *reportBuilder) imapResponse(ev *Event) {
	text := ev.Text
	if ev.Has(FlagContinued) {
		if b.fetch != nil {
			b.fetchItems(text)
		}
		return
	}
	b.endFetch()
	if i := strings.Index(strings.ToUpper(text), "[CAPABILITY "); i >= 0 {
		rest := text[i+len("[CAPABILITY "):]
		if j := strings.IndexByte(rest, ']'); j >= 0 {
			for _, c := range strings.Fields(rest[:j]) {
				b.offer(c)
			}
		}
	}
	if ev.Tag != "*" {
		if ev.Status != "" && ev.Tag != "+" {
			b.auth = "" // a tagged reply ends any SASL exchange
		}
		return
	}
	if i := strings.Index(strings.ToUpper(text), "[UIDVALIDITY "); i >= 0 {
		rest := text[i+len("[UIDVALIDITY "):]
		if j := strings.IndexByte(rest, ']'); j >= 0 {
			b.uidvalidity = rest[:j]
		}
	}
	switch ev.Verb {
	case "CAPABILITY":
		_, rest := cut(text)
		_, rest = cut(rest)
		for _, c := range strings.Fields(rest) {
			b.offer(c)
		}
	case "FETCH":
		f := strings.Fields(text)
		if len(f) < 3 {
			return
		}
		b.fetch = &fetchResp{seq: f[1], turn: b.turn}
		b.fetchItems(text)
	}
}

// fetchItems reads UID and body items from a FETCH response line (or its
// continuation after a literal).
func (b *reportBuilder) fetchItems(text string) {
	u := strings.ToUpper(text)
	if i := strings.Index(u, "UID "); i >= 0 && (i == 0 || u[i-1] == '(' || u[i-1] == ' ') {
		f := strings.FieldsFunc(text[i+4:], func(r rune) bool { return r == ' ' || r == ')' })
		if len(f) > 0 && allDigits(f[0], 10) {
			b.fetch.uid = f[0]
			b.seqUID[b.fetch.seq] = f[0]
		}
	}
	for _, item := range []string{"BODY[]", "BODY[TEXT]", "RFC822 ", "BINARY[]"} {
		if strings.Contains(u, item) {
			b.fetch.body = true
		}
	}
}

func (b *reportBuilder) endFetch() {
	f := b.fetch
	if f == nil {
		return
	}
	b.fetch = nil
	if !f.body {
		return
	}
	b.r.Retrieved++
	uid := f.uid
	if uid == "" {
		uid = b.seqUID[f.seq]
	}
	if uid != "" && b.uidvalidity != "" {
		b.r.keys = append(b.r.keys, retrievedKey{key: "uid:" + b.mailbox + "/" + b.uidvalidity + "/" + uid, turn: f.turn})
	}
}

// software looks for a User-Agent or X-Mailer header in a submitted
// message's header, when the trace kept the message.
func (b *reportBuilder) software(ev *Event) {
	if b.r.Client.Software != "" || ev.Has(FlagTruncated) || len(ev.Payload) == 0 {
		return
	}
	p := ev.Payload[:min(len(ev.Payload), ev.Bytes)]
	if i := bytes.Index(p, []byte("\r\n\r\n")); i >= 0 {
		p = p[:i]
	} else if i := bytes.Index(p, []byte("\n\n")); i >= 0 {
		p = p[:i]
	}
	for _, line := range bytes.Split(p, []byte("\n")) {
		name, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		n := strings.ToLower(string(name))
		if n == "user-agent" || n == "x-mailer" {
			b.r.Client.Software = strings.TrimSpace(string(val))
			return
		}
	}
}

func (b *reportBuilder) tlsEvent(ev *Event) {
	if b.r.TLS == nil && strings.HasPrefix(ev.Text, tlsBeginText) {
		mode := "starttls"
		if ev.Text == tlsBeginImplicitText {
			mode = "implicit"
		}
		b.r.TLS = &ReportTLS{Mode: mode}
	}
	if b.r.TLS == nil {
		return
	}
	// "ServerHello (TLS 1.3, TLS_AES_128_GCM_SHA256)" or, when the
	// handshake completes, "TLS 1.3, TLS_AES_128_GCM_SHA256".
	t := ev.Text
	if i := strings.Index(t, "("); i >= 0 && strings.HasSuffix(t, ")") {
		t = t[i+1 : len(t)-1]
	}
	if v, c, ok := strings.Cut(t, ", "); ok && (strings.HasPrefix(v, "TLS ") || strings.HasPrefix(v, "SSL")) {
		b.r.TLS.Version, b.r.TLS.Cipher = v, c
		if ev.Bytes == 0 && ev.Text == v+", "+c {
			b.r.TLS.Decrypted = true
		}
	}
}

func (b *reportBuilder) finish() Report {
	b.endFetch()
	r := b.r
	r.EndNs = int64(b.end)
	r.Open = !(b.clientClosed && b.serverClosed)
	if b.idling && r.Idle != nil {
		r.Idle.TotalNs += int64(max(0, b.end-b.idleAt))
	}
	for c := range b.used {
		r.Capabilities.Used = append(r.Capabilities.Used, c)
	}
	if r.MaxCommandsPerTurn > 1 && (r.Protocol == SMTP || r.Protocol == POP3) {
		r.Capabilities.Used = append(r.Capabilities.Used, "PIPELINING")
	}
	sort.Strings(r.Capabilities.Used)
	if r.Capabilities.Used == nil {
		r.Capabilities.Used = []string{}
	}
	if r.Capabilities.Offered == nil {
		r.Capabilities.Offered = []string{}
	}
	t := &r.Time
	t.TotalNs = int64(b.end - b.info.Start)
	t.LinkNs = max(0, t.TotalNs-t.ServerNs-t.ClientNs)
	if b.minTransit >= 0 {
		t.OneWayLatencyNs = int64(b.minTransit)
		t.LatencyNs = min(t.LinkNs, 2*int64(r.RoundTrips)*t.OneWayLatencyNs)
	}
	t.SerialisationNs = t.LinkNs - t.LatencyNs
	r.Patterns = b.patterns(&r)
	return r
}

// patterns finds the single-session patterns.
func (b *reportBuilder) patterns(r *Report) []Pattern {
	var out []Pattern
	switch r.Protocol {
	case SMTP:
		if p, ok := b.pipeliningUnused(r); ok {
			out = append(out, p)
		}
	case POP3:
		if p, ok := b.listBeforeRetr(); ok {
			out = append(out, p)
		}
		if p, ok := b.oneRetrPerMessage(r); ok {
			out = append(out, p)
		}
	case IMAP:
		if p, ok := b.oneFetchPerMessage(); ok {
			out = append(out, p)
		}
	}
	return out
}

// smtpGroupEnd are the commands RFC 2920 §3.1 allows only last in a group
// of pipelined commands (the client must see their reply before going on);
// STARTTLS and AUTH too, since what follows depends on them.
var smtpGroupEnd = map[string]bool{"EHLO": true, "HELO": true, "DATA": true, "VRFY": true, "EXPN": true,
	"TURN": true, "QUIT": true, "NOOP": true, "STARTTLS": true, "AUTH": true, "BDAT": true}

// pipeliningUnused: with PIPELINING, each group of commands up to one that
// must end a group (RFC 2920 §3.1) goes in one turn; the message content
// after 354 may begin a group, so its "." and the next MAIL or QUIT share
// a turn. The saving is the turns the commands took less the groups.
func (b *reportBuilder) pipeliningUnused(r *Report) (Pattern, bool) {
	if !hasCap(r.Capabilities.Offered, "PIPELINING") || r.MaxCommandsPerTurn > 1 || len(b.cmds) == 0 {
		return Pattern{}, false
	}
	turns := map[int]bool{}
	groups := 0
	open := false
	var dataTurns []int
	for _, c := range b.cmds {
		turns[c.turn] = true
		if c.verb == "DATA" {
			dataTurns = append(dataTurns, c.turn)
		}
		open = true
		if smtpGroupEnd[c.verb] {
			groups++
			open = false
		}
	}
	if open {
		groups++
	}
	// The content and its "." are a turn of their own, which may carry the
	// next group's first commands: the commands after a message that went
	// in a turn of their own are one turn more than needed.
	actual := len(turns)
	saving := actual - groups
	for _, dt := range dataTurns {
		// the next command after DATA's content: if it starts a new turn
		// after the content's turn, the content's "." could have carried it.
		for _, c := range b.cmds {
			if c.turn > dt+1 {
				saving++
				break
			}
			if c.turn == dt+1 {
				break
			}
		}
	}
	if saving <= 0 {
		return Pattern{}, false
	}
	return Pattern{Name: PatternPipeliningUnused, Count: saving, SavingRoundTrips: saving,
		Detail: fmt.Sprintf("the server offered PIPELINING (RFC 2920) and each of the %d commands went in its own turn; grouped (MAIL, RCPT… DATA in one turn, the next command sent with the message's \".\"), they need only %d turns of their own", len(b.cmds), actual-saving)}, true
}

// listBeforeRetr: "LIST n" just before "RETR n". One LIST without an
// argument gives every size in one round trip, so each LIST n that took a
// turn of its own is a round trip saved, less the one LIST the client
// would need (none if it already sent one).
func (b *reportBuilder) listBeforeRetr() (Pattern, bool) {
	count, own := 0, 0
	bare := false
	for i, c := range b.cmds {
		if c.verb == "LIST" && strings.TrimSpace(c.args) == "" {
			bare = true
		}
		if i+1 >= len(b.cmds) || c.verb != "LIST" || strings.TrimSpace(c.args) == "" {
			continue
		}
		n := b.cmds[i+1]
		if n.verb == "RETR" && strings.TrimSpace(n.args) == strings.TrimSpace(c.args) {
			count++
			if n.turn != c.turn {
				own++
			}
		}
	}
	if count == 0 {
		return Pattern{}, false
	}
	saving := own
	if !bare && saving > 0 {
		saving-- // the one LIST that would replace them
	}
	return Pattern{Name: PatternListBeforeRetr, Count: count, SavingRoundTrips: saving,
		Detail: fmt.Sprintf("sent LIST n before each of %d RETR n; one LIST without an argument (RFC 1939 §5) gives every message's size at once", count)}, true
}

// oneRetrPerMessage: RETRs each in its own turn where the server offered
// PIPELINING (RFC 2449 §6.6): they could all go in one.
func (b *reportBuilder) oneRetrPerMessage(r *Report) (Pattern, bool) {
	if !hasCap(r.Capabilities.Offered, "PIPELINING") {
		return Pattern{}, false
	}
	n := 0
	turns := map[int]bool{}
	for _, c := range b.cmds {
		if c.verb == "RETR" {
			n++
			turns[c.turn] = true
		}
	}
	if n < 2 || len(turns) < 2 {
		return Pattern{}, false
	}
	return Pattern{Name: PatternOneRetrPerMessage, Count: n, SavingRoundTrips: len(turns) - 1,
		Detail: fmt.Sprintf("%d RETRs in %d turns; POP3 has no multi-message RETR (RFC 1939), but the server offered PIPELINING (RFC 2449 §6.6), so they could have been sent together", n, len(turns))}, true
}

// oneFetchPerMessage: runs of consecutive FETCH (or UID FETCH) commands,
// each naming one message, asking for the same items. Each run could be
// one command with a sequence set: its turns less one are saved.
func (b *reportBuilder) oneFetchPerMessage() (Pattern, bool) {
	count, saving := 0, 0
	var run []reportCmd
	flush := func() {
		if len(run) >= 2 {
			turns := map[int]bool{}
			for _, c := range run {
				turns[c.turn] = true
			}
			if len(turns) > 1 {
				count += len(run)
				saving += len(turns) - 1
			}
		}
		run = run[:0]
	}
	single := func(c reportCmd) (string, bool) {
		if c.verb != "FETCH" && c.verb != "UID FETCH" {
			return "", false
		}
		set, items := cut(strings.TrimSpace(c.args))
		return c.verb + " " + strings.ToUpper(items), allDigits(set, 10)
	}
	for _, c := range b.cmds {
		k, ok := single(c)
		if !ok {
			flush()
			continue
		}
		if len(run) > 0 {
			if pk, _ := single(run[0]); pk != k {
				flush()
			}
		}
		run = append(run, c)
	}
	flush()
	if count == 0 {
		return Pattern{}, false
	}
	return Pattern{Name: PatternOneFetchPerMessage, Count: count, SavingRoundTrips: saving,
		Detail: fmt.Sprintf("%d FETCH commands one message each, one after another with the same items; a sequence set (1:5 or 1,3,7, RFC 3501 §6.4.5) asks for them all in one round trip", count)}, true
}

// Text is the report as a few lines for a terminal (serve prints it).
func (r Report) Text() string {
	var b strings.Builder
	state := "closed"
	if r.Open {
		state = "open"
	}
	fmt.Fprintf(&b, "session %d %s %s (%s), %v\n", r.ID, r.Protocol, r.Client.Addr, state,
		time.Duration(r.Time.TotalNs).Round(time.Millisecond))
	var who []string
	if r.Client.Login != "" {
		who = append(who, "login "+r.Client.Login)
	}
	if r.Client.Hello != "" {
		who = append(who, "hello "+r.Client.Hello)
	}
	if r.Client.Software != "" {
		who = append(who, "software "+r.Client.Software)
	}
	if len(who) > 0 {
		fmt.Fprintf(&b, "  client: %s\n", strings.Join(who, ", "))
	}
	verbs := make([]string, 0, len(r.Commands))
	for v := range r.Commands {
		verbs = append(verbs, v)
	}
	sort.Strings(verbs)
	for i, v := range verbs {
		verbs[i] = fmt.Sprintf("%s×%d", v, r.Commands[v])
	}
	fmt.Fprintf(&b, "  %d round trips, %d commands (%s), at most %d per turn\n",
		r.RoundTrips, r.CommandCount, strings.Join(verbs, " "), r.MaxCommandsPerTurn)
	fmt.Fprintf(&b, "  bytes: %d up, %d down (wire %d up, %d down); retrieved %d message(s)\n",
		r.Bytes.PayloadUp, r.Bytes.PayloadDown, r.Bytes.WireUp, r.Bytes.WireDown, r.Retrieved)
	ms := func(ns int64) time.Duration { return time.Duration(ns).Round(time.Millisecond) }
	fmt.Fprintf(&b, "  time: server %v, client %v, link %v (latency ≈%v, serialisation ≈%v)\n",
		ms(r.Time.ServerNs), ms(r.Time.ClientNs), ms(r.Time.LinkNs), ms(r.Time.LatencyNs), ms(r.Time.SerialisationNs))
	if len(r.Capabilities.Offered) > 0 || len(r.Capabilities.Used) > 0 {
		fmt.Fprintf(&b, "  capabilities offered: %s; used: %s\n", strings.Join(r.Capabilities.Offered, ", "), strings.Join(r.Capabilities.Used, ", "))
	}
	if r.TLS != nil {
		fmt.Fprintf(&b, "  TLS: %s %s %s\n", r.TLS.Mode, r.TLS.Version, r.TLS.Cipher)
	}
	if r.Idle != nil {
		fmt.Fprintf(&b, "  IDLE: %d time(s), %v\n", r.Idle.Count, ms(r.Idle.TotalNs))
	}
	if r.PreviousSession != 0 {
		fmt.Fprintf(&b, "  %v after session %d of the same login\n", ms(r.PollIntervalNs), r.PreviousSession)
	}
	for _, p := range r.Patterns {
		fmt.Fprintf(&b, "  pattern %s ×%d, could save %d round trip(s): %s\n", p.Name, p.Count, p.SavingRoundTrips, p.Detail)
	}
	return b.String()
}
