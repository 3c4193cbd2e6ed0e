package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/mailscope/mailscope/app/api"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/trace"
)

// This file holds serve's session reports (printed on demand and at the
// end) and its HTTP API.

// reportPrinter prints every session's report, as text or (with the
// jsonl trace) one JSON object per line, in one write to the writer it
// shares with the live trace (a lockedWriter), so that the reports stay
// together.
type reportPrinter struct {
	w      io.Writer
	format string
	rec    *trace.Recorder
}

func (p *reportPrinter) print(why string) {
	if p.rec == nil {
		return
	}
	rs := trace.Reports(p.rec.Snapshot())
	var b bytes.Buffer
	if p.format == "jsonl" {
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		for _, r := range rs {
			enc.Encode(r)
		}
	} else {
		saving := 0
		for _, r := range rs {
			saving += r.SavingRoundTrips
		}
		fmt.Fprintf(&b, "--- session reports (%s): %d session(s), %d round trip(s) could have been saved\n", why, len(rs), saving)
		for _, r := range rs {
			b.WriteString(r.Text())
		}
		b.WriteString("---\n")
	}
	p.w.Write(b.Bytes())
}

// onReportSignal prints the reports each time the process gets the
// report signal (SIGUSR1 where there is one) until ctx ends.
func onReportSignal(ctx context.Context, p *reportPrinter) {
	c, stop := notifyReports()
	if c == nil {
		return
	}
	go func() {
		defer stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-c:
				p.print("on request")
			}
		}
	}()
}

// startAPI serves the HTTP API on addr: loopback only unless lan. It
// returns the address it listens on and a stop function.
func startAPI(addr string, lan bool, l *lab.Lab, reveal bool, stderr io.Writer) (string, func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil, Usagef("--api %q: want HOST:PORT (e.g. 127.0.0.1:8025)", addr)
	}
	if !lan {
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", nil, Usagef("--api %q: the API binds loopback only unless --lan is given", addr)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("serve: --api: %w", err)
	}
	srv := &http.Server{
		Handler:           api.Handler(api.Options{Lab: l, Reveal: reveal}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(stderr, "mailscope: api:", err)
		}
	}()
	return ln.Addr().String(), func() {
		// Streams run until their client goes: Close ends them now.
		srv.Close()
		<-done
	}, nil
}
