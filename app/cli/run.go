package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/mailstore"
	"github.com/mailscope/mailscope/sim/mua"
	"github.com/mailscope/mailscope/sim/scenario"
	"github.com/mailscope/mailscope/sim/trace"
)

func runCommand() *Command {
	return &Command{
		Name:    "run",
		Summary: "run one scripted mail session on the virtual clock and print its trace and cost",
		Long: `Runs one session of a simulated mail client against the lab's servers
over the chosen link, on the virtual clock: nothing waits, and the summary
says how long the session would have taken on that link.

  --proto pop3   download every message and delete it from the server
  --proto imap   sync the mailbox, downloading every message (offline mode)
  --proto smtp   submit --messages messages with AUTH

The mailbox is seeded with --messages generated messages (deterministic
for --seed), each about --size bytes if given (half to one and a half
times it).

--fault SPEC (repeatable) breaks the link on purpose, e.g.
  --fault reset@pop3,after=30000   reset once the server sent 30,000 bytes
  --fault drop@imap,dir=down       the server's bytes stop arriving
  --fault stall,after=2000,for=10s nothing moves for 10 s after 2,000 bytes
  --fault stall,at=2s,for=10s      nothing leaves 2 s to 12 s into each
                                   connection (bytes already on the wire arrive)
  --fault offline,at=5s,for=30s    the whole link offline from 5 s to 35 s of
                                   the run: a connection breaks when its
                                   traffic reaches 5 s, dials fail until 35 s
Times are virtual: at= counts from the connection's start (offline: the
run's start, so a dial-up's dialling counts; a connection whose line is
still dialling at 5 s breaks as it comes up). Each fault is a row in the
trace where it fired. A session that breaks is a result, not a crash: the
whole trace and the summary are printed, the summary with the error and
the messages left on the server, and the exit status is 1.

` + protocolFaultsHelp + `
On a metered link (dialup-56k, isdn-128k) the session first dials: the
dial time passes before the first connection, the trace shows the call,
the line hangs up when the session ends, and the summary gives the time
spent dialling, the time online and what the call cost on the tariff.`,
		Setup: func(fs *flag.FlagSet, env Env) func(context.Context, []string) error {
			proto := fs.String("proto", "pop3", "pop3, imap or smtp")
			linkID := fs.String("link", "dialup-56k", "`ID` of the link preset (see mailscope presets)")
			n := fs.Int("messages", 10, "messages in the mailbox (or to send, for smtp)")
			seed := fs.Int64("seed", 1, "seed of the generated mailbox")
			pipelining := fs.Bool("pipelining", false, "POP3: pipeline RETR and DELE (RFC 2449)")
			jitter := fs.Bool("jitter", true, "keep the preset's jitter (seeded, so still reproducible)")
			traceFmt := fs.String("trace", "text", "trace on stdout: text, jsonl or none (with --json: none unless given)")
			asJSON := fs.Bool("json", false, "print the summary as JSON")
			size := fs.String("size", "", "typical `SIZE` of each generated message (200KB, 1MiB); default a mix of short notes and attachments")
			var faults faultsFlag
			fs.Var(&faults, "fault", "fault `SPEC` (repeatable): reset@pop3,after=30000; stall,at=2s,for=10s; stall,after=BYTES,for=10s; drop@imap,dir=down; offline,at=5s,for=30s; reply@pop3,cmd=RETR,with=-ERR …; delay@imap,cmd=FETCH,for=5s; disconnect@imap,during=IDLE,after=30s; chaos@smtp,p=0.2,seed=7")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return Usagef("unexpected argument %q", args[0])
				}
				// --json alone prints only the summary, so that its output
				// parses; --trace jsonl --json prints the events, then the
				// summary, one JSON value per line.
				traceGiven := false
				fs.Visit(func(f *flag.Flag) { traceGiven = traceGiven || f.Name == "trace" })
				if *asJSON && !traceGiven {
					*traceFmt = "none"
				}
				prof, err := link.Preset(*linkID)
				if err != nil {
					return Usagef("%v", err)
				}
				if !*jitter {
					prof.Jitter = 0
				}
				if *n < 0 || *n > 100000 {
					return Usagef("--messages must be between 0 and 100000")
				}
				var policy mua.Policy
				switch *proto {
				case "pop3":
					policy = mua.Policy{Mode: mua.POP3Delete, POP3Pipelining: *pipelining}
				case "imap":
					policy = mua.Policy{Mode: mua.IMAPOffline}
				case "smtp":
					policy = mua.Policy{Mode: mua.POP3Delete}
				default:
					return Usagef("--proto must be pop3, imap or smtp")
				}
				switch *traceFmt {
				case "text", "jsonl", "none":
				default:
					return Usagef("--trace must be text, jsonl or none")
				}
				var textSize int64
				if *size != "" {
					textSize, err = scenario.ParseByteSize(*size)
					if err != nil || textSize <= 0 || textSize > 64<<20 {
						return Usagef("--size %q: want a size between 1B and 64MiB, such as 200KB", *size)
					}
				}
				l, err := lab.New(lab.Options{Profile: prof, Faults: faults.forConn()})
				if err != nil {
					return err
				}
				defer l.Close()
				if err := faults.arm(l); err != nil {
					return Usagef("--fault: %v", err)
				}
				// The session starts at virtual time zero: offline's at=
				// counts from there, a dial included.
				for _, f := range faults {
					f.ScheduleVirtual(l.Link, 0)
				}
				// No idle hang-up: the user hangs up when the session ends.
				l.DialOnDemand(link.CallOptions{})
				dev, err := l.NewDevice(lab.DeviceOptions{Name: "Home PC", User: "student", Policy: policy})
				if err != nil {
					return err
				}
				var res mua.ActionResult
				if *proto == "smtp" {
					for i := 0; i < *n; i++ {
						dev.Compose(0, mua.Draft{
							To:      []string{"alice@" + l.Domain},
							Subject: fmt.Sprintf("Note %d", i+1),
							Body:    "A short note written for the run command.\n",
						})
					}
					res, err = dev.Send(0)
				} else {
					if err := seedMailbox(l, "student", *n, *seed, int(textSize)); err != nil {
						return err
					}
					res, err = dev.CheckMail(0)
				}
				// A broken session is a result: print all of it, then fail.
				sessionErr := err
				l.Link.HangupAt(res.End)
				call := l.Link.CallState()
				snap := l.Trace.Snapshot()
				switch *traceFmt {
				case "text":
					trace.WriteText(env.Stdout, snap.Events(), trace.ExportOptions{})
					fmt.Fprintln(env.Stdout)
				case "jsonl":
					// The faults given go first, as in the app's exports.
					var specs []string
					for _, f := range faults {
						specs = append(specs, f.Spec)
					}
					trace.WriteJSONL(env.Stdout, snap.Events(), trace.ExportOptions{Faults: specs})
				}
				mailbox := "student"
				if *proto == "smtp" {
					mailbox = "alice"
				}
				left, err := l.Store.Messages(mailbox, "INBOX")
				if err != nil {
					return err
				}
				if err := writeRunSummary(env.Stdout, *proto, prof, res, call, len(left), sessionErr, *asJSON); err != nil {
					return err
				}
				if sessionErr != nil {
					return fmt.Errorf("the %s session broke: %w", *proto, sessionErr)
				}
				return nil
			}
		},
	}
}

// RunSummary is `mailscope run --json`'s output.
type RunSummary struct {
	Protocol         string  `json:"protocol"`
	Link             string  `json:"link"`
	SimSeconds       float64 `json:"sim_seconds"`
	PayloadBytesUp   int64   `json:"payload_bytes_up"`
	PayloadBytesDown int64   `json:"payload_bytes_down"`
	WireBytesUp      int64   `json:"wire_bytes_up"`
	WireBytesDown    int64   `json:"wire_bytes_down"`
	RoundTrips       int64   `json:"round_trips"`
	Connections      int     `json:"connections"`
	Messages         int     `json:"messages"`
	FirstReadable    float64 `json:"first_readable_seconds"`
	// Metered links dial: Calls made, DialSeconds spent dialling (part of
	// SimSeconds), OnlineSeconds connected, and the Cost on the tariff.
	Metered       bool    `json:"metered"`
	Calls         int     `json:"calls"`
	DialSeconds   float64 `json:"dial_seconds"`
	OnlineSeconds float64 `json:"online_seconds"`
	Cost          float64 `json:"cost"`
	Currency      string  `json:"currency,omitempty"`
	// LeftOnServer is the messages in the INBOX the session read (smtp:
	// the recipient's) when it ended: a POP3 download that broke before
	// QUIT deletes nothing.
	LeftOnServer int `json:"left_on_server"`
	// Error is why the session broke; "" when it completed.
	Error string `json:"error,omitempty"`
	// PayloadBytesLostUp and PayloadBytesLostDown are the part of the
	// payload bytes above that left one end but never reached the other
	// (in flight when the connection broke, or sent to a reader that had
	// closed): what the trace shows is the difference.
	PayloadBytesLostUp   int64 `json:"payload_bytes_lost_up,omitempty"`
	PayloadBytesLostDown int64 `json:"payload_bytes_lost_down,omitempty"`
}

func writeRunSummary(w io.Writer, proto string, p link.Profile, r mua.ActionResult, call link.CallState, left int, sessionErr error, asJSON bool) error {
	msgs := r.Downloaded
	if proto == "smtp" {
		msgs = r.Sent
	}
	s := RunSummary{
		Protocol: proto, Link: p.ID, SimSeconds: (r.End - r.Start).Seconds(),
		PayloadBytesUp: r.PayloadUp, PayloadBytesDown: r.PayloadDown,
		WireBytesUp: r.WireUp, WireBytesDown: r.WireDown,
		RoundTrips: r.RoundTrips, Connections: r.Connections, Messages: msgs,
		FirstReadable: -1,
		Metered:       p.Metered(), Calls: call.Calls, DialSeconds: call.TotalDial.Seconds(),
		OnlineSeconds: call.TotalOnline.Seconds(), Cost: call.TotalCost,
		LeftOnServer: left,
	}
	for _, c := range r.Conns {
		s.PayloadBytesLostUp += c.Up.Lost
		s.PayloadBytesLostDown += c.Down.Lost
	}
	if sessionErr != nil {
		s.Error = sessionErr.Error()
	}
	if s.Metered {
		s.Currency = p.Tariff.Currency
	}
	if r.FirstReadable >= 0 {
		s.FirstReadable = r.FirstReadable.Seconds()
	}
	if asJSON {
		return writeJSON(w, s)
	}
	fmt.Fprintf(w, "%s over %s (%s down, %s up, RTT %v)\n", proto, p.Name, link.FormatBps(p.DownBps), link.FormatBps(p.UpBps), p.RTT())
	fmt.Fprintf(w, "  simulated time   %v\n", (r.End - r.Start).Round(time.Millisecond))
	if s.Metered {
		fmt.Fprintf(w, "  dialling         %v (%s)\n", call.TotalDial.Round(time.Millisecond), plural(call.Calls, "call"))
		fmt.Fprintf(w, "  online           %v\n", call.TotalOnline.Round(time.Millisecond))
		fmt.Fprintf(w, "  cost             %.2f %s (%s, %s)\n", call.TotalCost, p.Tariff.Currency, formatTariff(p.Tariff), billing(p.Tariff))
	}
	if r.FirstReadable >= 0 {
		fmt.Fprintf(w, "  first readable   %v\n", r.FirstReadable.Round(time.Millisecond))
	}
	if s.Error != "" {
		fmt.Fprintf(w, "  broke            %s\n", s.Error)
	}
	fmt.Fprintf(w, "  messages         %d\n", msgs)
	fmt.Fprintf(w, "  left on server   %d\n", left)
	fmt.Fprintf(w, "  bytes up         %d payload, %d on the wire%s\n", r.PayloadUp, r.WireUp, lostNote(r.PayloadUp, s.PayloadBytesLostUp))
	fmt.Fprintf(w, "  bytes down       %d payload, %d on the wire%s\n", r.PayloadDown, r.WireDown, lostNote(r.PayloadDown, s.PayloadBytesLostDown))
	fmt.Fprintf(w, "  round trips      %d\n", r.RoundTrips)
	fmt.Fprintf(w, "  connections      %d\n", r.Connections)
	return nil
}

// lostNote says how much of a direction's payload never arrived: "" when
// all of it did.
func lostNote(sent, lost int64) string {
	if lost <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%d arrived, %d lost when the connection broke)", sent-lost, lost)
}

// seedMailbox delivers n generated messages to user: the lab's usual mix,
// or, with size > 0, plain-text messages of about size bytes each.
func seedMailbox(l *lab.Lab, user string, n int, seed int64, size int) error {
	if size <= 0 {
		return l.Seed(user, n, seed)
	}
	msgs := mailstore.Generate(mailstore.GenOptions{
		Seed: seed, Count: n, To: user + "@" + l.Domain, ToDomain: l.Domain,
		TextSize: size, ThreadRatio: 0.3, End: l.Store.Epoch(),
	})
	for _, m := range msgs {
		if _, err := l.Store.Deliver(user, m.Raw, 0); err != nil {
			return fmt.Errorf("seed %s: %w", user, err)
		}
	}
	return nil
}

// faultsFlag collects repeated --fault SPEC.
type faultsFlag []link.FaultSpec

func (f *faultsFlag) String() string {
	specs := make([]string, len(*f))
	for i, x := range *f {
		specs[i] = x.Spec
	}
	return strings.Join(specs, " ")
}

func (f *faultsFlag) Set(v string) error {
	fs, err := link.ParseFault(v)
	if err != nil {
		return err
	}
	if err := fs.Supported(); err != nil {
		return err
	}
	*f = append(*f, fs)
	return nil
}

// arm arms the protocol faults on the lab, which refuses what its servers
// cannot do (a verb they never hand over, a reply the protocol cannot
// carry there). The link faults go through forConn.
func (f faultsFlag) arm(l *lab.Lab) error {
	for _, s := range f {
		if s.IsProtocol() {
			if err := l.ArmFault(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// forConn is the lab's per-connection fault hook (lab.Options.Faults):
// each new connection gets the faults whose @protocol matches it, or all
// without one.
func (f faultsFlag) forConn() func(link.ConnInfo) []link.Fault {
	if len(f) == 0 {
		return nil
	}
	return func(ci link.ConnInfo) []link.Fault {
		var out []link.Fault
		for _, s := range f {
			if !s.Matches(ci) {
				continue
			}
			if fault, err := s.Fault(ci); err == nil {
				out = append(out, fault)
			}
		}
		return out
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// billing says how the tariff rounds: "per started minute", "per second".
func billing(t link.Tariff) string {
	switch t.Increment {
	case 0:
		return "billed per second"
	case time.Minute:
		return "billed per started minute"
	}
	return "billed per started " + formatDuration(t.Increment)
}

// protocolFaultsHelp is the part of run's and serve's help about the
// protocol faults, which both take with --fault.
const protocolFaultsHelp = `Protocol faults answer, hold or end chosen commands, after TLS too, and
stay armed for the whole run; a command answered by a fault never runs,
so the store does not change:
  --fault 'reply@pop3,cmd=RETR,nth=3,with=-ERR [SYS/TEMP] try later'
  --fault 'reply@imap,cmd=SELECT,with=NO [UNAVAILABLE] busy'
  --fault 'reply@smtp,cmd=RCPT,with=451 4.3.0 try again later'
  --fault 'reply@smtp,cmd=greeting,with=421 4.3.2 shutting down'
  --fault delay@imap,cmd=FETCH,for=5s     hold each FETCH 5 s, then run it
  --fault disconnect@imap,during=IDLE,after=30s  BYE and close 30 s into IDLE
  --fault 'chaos@smtp,p=0.2,seed=7,with=451 4.7.1 greylisted'
with= takes the rest of the spec; session=N and user=NAME narrow a fault
to one trace session or one account (once logged in).
`
