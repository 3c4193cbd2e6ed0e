package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/trace"
)

// accountsFlag collects repeated --user NAME:PASS.
type accountsFlag []lab.Account

func (a *accountsFlag) String() string {
	names := make([]string, len(*a))
	for i, x := range *a {
		names[i] = x.Name
	}
	return strings.Join(names, ",")
}

func (a *accountsFlag) Set(v string) error {
	name, pass, ok := strings.Cut(v, ":")
	if !ok || name == "" || pass == "" {
		return fmt.Errorf("want NAME:PASS, got %q", v)
	}
	*a = append(*a, lab.Account{Name: name, Password: pass})
	return nil
}

func serveCommand() *Command {
	return &Command{
		Name:    "serve",
		Summary: "run the SMTP, POP3 and IMAP servers on loopback for real mail clients, printing the live trace",
		Long: `Starts the lab's servers on real TCP ports so that any mail client —
Thunderbird, mutt, curl, Python, your own code — can connect. Every
connection crosses the simulated link (--link, paced in real time at
--speed) and every command and response is printed as it crosses. On a
metered link (dialup-56k, isdn-128k) the first connection dials and
waits the dial time; later ones use the call until the line has been
idle for two minutes.

Servers bind 127.0.0.1 only. --lan binds the given addresses beyond
loopback: it prints a warning and requires authentication (SMTP accepts
mail only after AUTH; passwords only after STARTTLS/STLS or on the TLS
ports). Stop with Ctrl-C.

At start it prints the TLS certificate's SHA-256 fingerprint (to pin or
to compare with what a client shows) and the URL of Thunderbird's
autoconfig document (--autoconfig, on loopback), which lists every
listener with its port and connection security.

--fault SPEC (repeatable) breaks the link on purpose for the connections
it names (@pop3, @imap, @smtp) or for all:
  --fault reset@pop3,after=30000    reset once the server sent 30,000 bytes
  --fault stall,at=2s,for=10s       nothing leaves 2 s to 12 s into each connection
  --fault stall,after=2000,for=10s  nothing moves for 10 s after 2,000 bytes
  --fault drop@imap,dir=down        the server's bytes stop arriving
  --fault offline,at=5s,for=30s     the whole link offline for 30 s, 5 s after start:
                                    open connections reset, new ones are refused
Times are on the live clock (scaled by --speed): a stall's at= counts from
each connection's start, offline's from when serve started. Each fault is
a row in the trace where it fired; a reset or offline ends the outside
client's TCP connection with an RST.

` + protocolFaultsHelp + `
Session reports: on Ctrl-C, and whenever serve gets SIGUSR1
(kill -USR1 PID), it prints a report of every session: the client, its
commands, round trips, bytes, time, and the round trips it could have
saved (pipelining-unused, one-fetch-per-message, one-retr-per-message,
list-before-retr, downloaded-again, polling-where-idle). With --trace
jsonl each report is one JSON object per line.

--api 127.0.0.1:PORT serves an HTTP API on loopback (beyond it only with
--lan; it has no authentication): GET /api/sessions (every session's
report, snake_case JSON), GET /api/sessions/ID/events, GET /api/events
(JSON Lines, streamed as they happen), GET/POST/DELETE /api/faults (the
same specs as --fault).`,
		Setup: func(fs *flag.FlagSet, env Env) func(context.Context, []string) error {
			def := lab.DefaultTCP()
			addrs := map[string]*string{}
			for _, s := range []struct{ name, help string }{
				{lab.SMTP, "SMTP address (\"\" to disable)"},
				{lab.POP3, "POP3 address"},
				{lab.IMAP, "IMAP address"},
				{lab.SMTPS, "SMTP over implicit TLS (submissions, like port 465)"},
				{lab.POP3S, "POP3 over implicit TLS (like port 995)"},
				{lab.IMAPS, "IMAP over implicit TLS (like port 993)"},
			} {
				addrs[s.name] = fs.String(s.name, def[s.name], s.help)
			}
			linkID := fs.String("link", "loopback", "`ID` of the link preset (see mailscope presets)")
			speed := fs.Float64("speed", 1, "live clock speed: 1 = real time, 10 = ten times faster")
			var users accountsFlag
			fs.Var(&users, "user", "account `NAME:PASS` (repeatable; default student:secret, alice:alice, bob:bob)")
			seed := fs.Int("seed", 0, "deliver N generated messages to each account's INBOX")
			traceFmt := fs.String("trace", "text", "live trace on stdout: text, jsonl or none")
			reveal := fs.Bool("reveal", false, "show passwords and AUTH exchanges in the trace (masked by default)")
			lan := fs.Bool("lan", false, "allow binding beyond loopback (a classroom LAN): warns and requires auth")
			domain := fs.String("domain", "mailscope.lab", "the lab's mail domain")
			var faults faultsFlag
			fs.Var(&faults, "fault", "fault `SPEC` (repeatable): reset@pop3,after=30000; stall,at=2s,for=10s; stall,after=BYTES,for=10s; drop@imap,dir=down; offline,at=5s,for=30s; reply@pop3,cmd=RETR,with=-ERR …; delay@imap,cmd=FETCH,for=5s; disconnect@imap,during=IDLE,after=30s; chaos@smtp,p=0.2,seed=7")
			budget := fs.String("trace-budget", "256MB", "memory the trace may hold (`SIZE`: 256MB, 1GB; 0 keeps everything); older closed sessions go to a file on disk")
			pcapPath := fs.String("pcapng", "", "write the capture to `FILE` as it goes (readable by tshark while serve runs)")
			apiAddr := fs.String("api", "", "serve the HTTP API on `ADDR` (127.0.0.1:PORT; loopback only unless --lan)")
			certDir := fs.String("cert-dir", lab.DefaultCertDir(), "where the self-signed TLS certificate is kept (\"\" for a new one each run)")
			autoconfig := fs.String("autoconfig", "127.0.0.1:0", "loopback `ADDR` serving Thunderbird's autoconfig document (\"\" to disable; :0 a free port)")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return Usagef("unexpected argument %q", args[0])
				}
				switch *traceFmt {
				case "text", "jsonl", "none":
				default:
					return Usagef("--trace must be text, jsonl or none")
				}
				budgetBytes, err := ParseSize(*budget)
				if err != nil {
					return Usagef("--trace-budget: %v", err)
				}
				if budgetBytes > 0 && os.Getenv("GOMEMLIMIT") == "" {
					// A soft limit above the trace's budget makes the
					// garbage collector return what set-aside sessions
					// held instead of letting the heap double first.
					defer debug.SetMemoryLimit(debug.SetMemoryLimit(budgetBytes + 256<<20))
				}
				prof, err := link.Preset(*linkID)
				if err != nil {
					return Usagef("%v", err)
				}
				if *speed <= 0 {
					return Usagef("--speed must be positive")
				}
				want := map[string]string{}
				for s, a := range addrs {
					want[s] = *a
				}
				var accounts []lab.Account
				if len(users) > 0 {
					accounts = users
				}
				l, err := lab.New(lab.Options{
					Domain: *domain, Accounts: accounts, Profile: prof, Speed: *speed,
					CertDir: *certDir, RequireAuth: *lan,
					ErrorLog: log.New(env.Stderr, "mailscope: server: ", 0),
					Faults:   faults.forConn(),
					Trace:    &trace.Options{Retention: trace.Retention{Budget: budgetBytes}},
				})
				if err != nil {
					return err
				}
				defer l.Close()
				defer l.Trace.Discard()
				if err := faults.arm(l); err != nil {
					return Usagef("--fault: %v", err)
				}
				l.DialOnDemand(link.CallOptions{IdleHangup: link.DefaultIdleHangup})
				if *seed > 0 {
					for i, u := range l.Store.Users() {
						if err := l.Seed(u.Name, *seed, int64(i+1)); err != nil {
							return err
						}
					}
				}
				if *lan {
					fmt.Fprintln(env.Stderr, "WARNING: --lan: the lab's servers are reachable from other machines on this network.")
					fmt.Fprintln(env.Stderr, "WARNING: they are a teaching tool, not a mail server: use only on a network you trust.")
				}
				// Subscribe before the first client can connect: a session
				// that came and went before it would be missing from stdout.
				stdout := &lockedWriter{w: env.Stdout}
				var stop func()
				if *traceFmt != "none" {
					stop = printTrace(stdout, l.Trace, *traceFmt, *reveal)
				}
				var stopPcap func() error
				if *pcapPath != "" {
					stopPcap, err = writePcapngLive(*pcapPath, l.Trace, *reveal)
					if err != nil {
						if stop != nil {
							stop()
						}
						return err
					}
				}
				reports := &reportPrinter{w: stdout, format: *traceFmt, rec: l.Trace}
				eps, err := l.ListenTCP(want, *lan)
				if err != nil {
					if stop != nil {
						stop()
					}
					return err
				}
				stopAside := reportSetAside(env.Stderr, l.Trace)
				printBanner(stdout, l, eps, prof, *speed)
				stopAuto, err := printConnect(stdout, l, *autoconfig)
				if err != nil {
					if stop != nil {
						stop()
					}
					return err
				}
				defer stopAuto()
				if *apiAddr != "" {
					addr, stopAPI, err := startAPI(*apiAddr, *lan, l, *reveal, env.Stderr)
					if err != nil {
						if stop != nil {
							stop()
						}
						return err
					}
					defer stopAPI()
					if *lan {
						fmt.Fprintln(env.Stderr, "WARNING: --api with --lan: the API has no authentication and can arm faults.")
					}
					fmt.Fprintf(stdout, "  %-6s %-22s curl http://%s/api/sessions\n", "api", addr, addr)
				}
				if reportSignalName != "" {
					fmt.Fprintf(stdout, "  session reports: on Ctrl-C, or kill -USR1 %d\n", os.Getpid())
				}
				onReportSignal(ctx, reports)
				for _, f := range faults {
					fmt.Fprintf(stdout, "  fault: %s\n", f.Spec)
					if f.Kind == "offline" {
						clock := l.Link.LiveClock()
						defer f.ScheduleOffline(l.Link, clock, clock.Now())()
					}
				}
				<-ctx.Done()
				fmt.Fprintln(env.Stderr, "mailscope: shutting down")
				l.Close()
				if stop != nil {
					stop()
				}
				stopAside()
				if stopPcap != nil {
					if err := stopPcap(); err != nil {
						return err
					}
					fmt.Fprintf(env.Stderr, "mailscope: capture written to %s\n", *pcapPath)
				}
				reports.print("at shutdown")
				return nil
			}
		},
	}
}

func printBanner(w io.Writer, l *lab.Lab, eps []lab.Endpoint, p link.Profile, speed float64) {
	fmt.Fprintf(w, "Mailscope lab %q on link %s (%s down, %s up, RTT %v) at %gx\n",
		l.Domain, p.ID, link.FormatBps(p.DownBps), link.FormatBps(p.UpBps), p.RTT(), speed)
	users := l.Store.Users()
	first, pass := "student", "secret"
	if len(users) > 0 {
		first = users[0].Name
		pass, _ = l.Store.Password(first)
	}
	for _, ep := range eps {
		fmt.Fprintf(w, "  %-6s %-22s %s\n", ep.Service, ep.Addr, ep.Example(first, pass, l.Domain))
	}
	fmt.Fprint(w, "  accounts:")
	for _, u := range users {
		p, _ := l.Store.Password(u.Name)
		fmt.Fprintf(w, " %s:%s", u.Name, p)
	}
	fmt.Fprintf(w, "  (addresses: NAME@%s)\n", l.Domain)
}

// printTrace prints every event as it is recorded until stop is called.
// A writer that falls behind resyncs from a snapshot and says how many
// events it skipped printing.
func printTrace(w io.Writer, rec *trace.Recorder, format string, reveal bool) (stop func()) {
	sub := rec.Subscribe(4096)
	done := make(chan struct{})
	go func() {
		defer close(done)
		bw := bufio.NewWriter(w)
		var line []byte
		var last uint64
		emit := func(ev *trace.Event) {
			last = ev.Seq
			if format == "jsonl" {
				trace.WriteJSONL(bw, func(yield func(trace.Event) bool) { yield(*ev) }, trace.ExportOptions{Reveal: reveal})
				return
			}
			line = trace.AppendText(line[:0], ev, reveal)
			bw.Write(append(line, '\n'))
		}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case u, ok := <-sub.C:
				if !ok {
					bw.Flush()
					return
				}
				if u.Resync {
					// What was missed may have been set aside to disk since.
					snap := sub.Resync()
					for ev := range snap.AllSince(last) {
						emit(&ev)
					}
					continue
				}
				emit(&u.Event)
				if len(sub.C) == 0 {
					bw.Flush()
				}
			case <-tick.C:
				bw.Flush()
			}
		}
	}()
	return func() {
		sub.Close()
		<-done
	}
}

// ParseSize reads a byte size: "256MB", "1GB", "512kB", "1048576", "0"
// (units are powers of 1024, as memory is counted; "MiB" works too).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q is not a size (256MB, 1GB, 0)", s)
	}
	return int64(f * float64(mult)), nil
}

// reportSetAside prints a line whenever the recorder sets more sessions
// aside (at most every 5 s) and a last one when stopped, if any were.
func reportSetAside(w io.Writer, rec *trace.Recorder) (stop func()) {
	done, quit := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var last trace.SetAside
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				if st := rec.SetAside(); st.Any() {
					fmt.Fprintf(w, "mailscope: trace: %s; %s held of %s\n", st, trace.FormatBytes(st.Held), trace.FormatBytes(st.Budget))
				}
				return
			case <-tick.C:
				st := rec.SetAside()
				if st.Spilled != last.Spilled || st.Summarised != last.Summarised {
					fmt.Fprintf(w, "mailscope: trace: %s\n", st)
				}
				last = st
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}

// writePcapngLive writes every event to a pcapng file as it is recorded,
// flushing after each batch, until stop is called.
func writePcapngLive(path string, rec *trace.Recorder, reveal bool) (stop func() error, err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	ps, err := trace.NewPcapngStream(f, rec.Session, trace.ExportOptions{Reveal: reveal})
	if err != nil {
		f.Close()
		return nil, err
	}
	sub := rec.Subscribe(1 << 16)
	done := make(chan error, 1)
	go func() {
		var batch []trace.Event
		var last uint64
		var werr error
		write := func() {
			if len(batch) > 0 && werr == nil {
				werr = ps.Write(batch)
			}
			batch = batch[:0]
		}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case u, ok := <-sub.C:
				if !ok {
					write()
					done <- werr
					return
				}
				if u.Resync {
					// Fell behind: what was missed is in the recorder,
					// in memory or set aside on disk.
					for ev := range sub.Resync().AllSince(last) {
						batch = append(batch, ev)
						last = ev.Seq
						if len(batch) >= 4096 {
							write()
						}
					}
					write()
					continue
				}
				batch = append(batch, u.Event)
				last = u.Event.Seq
				if len(sub.C) == 0 || len(batch) >= 4096 {
					write()
				}
			case <-tick.C:
				write()
			}
		}
	}()
	return func() error {
		sub.Close()
		err := <-done
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// lockedWriter serialises the live trace and the reports on stdout.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
