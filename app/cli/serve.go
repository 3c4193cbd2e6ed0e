package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"strings"
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
client's TCP connection with an RST.`,
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
			fs.Var(&faults, "fault", "link fault `SPEC` (repeatable): reset@pop3,after=30000; stall,at=2s,for=10s; stall,after=BYTES,for=10s; drop@imap,dir=down; offline,at=5s,for=30s")
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
				})
				if err != nil {
					return err
				}
				defer l.Close()
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
				var stop func()
				if *traceFmt != "none" {
					stop = printTrace(env.Stdout, l.Trace, *traceFmt, *reveal)
				}
				eps, err := l.ListenTCP(want, *lan)
				if err != nil {
					if stop != nil {
						stop()
					}
					return err
				}
				printBanner(env.Stdout, l, eps, prof, *speed)
				stopAuto, err := printConnect(env.Stdout, l, *autoconfig)
				if err != nil {
					if stop != nil {
						stop()
					}
					return err
				}
				defer stopAuto()
				for _, f := range faults {
					fmt.Fprintf(env.Stdout, "  fault: %s\n", f.Spec)
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
					snap := sub.Resync()
					for ev := range snap.Since(last) {
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
