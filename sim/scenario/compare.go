package scenario

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/mailscope/mailscope/sim/link"
)

// CompareOptions chooses a comparison.
type CompareOptions struct {
	// Links to run on; nil means the scenario's own list.
	Links []link.Profile
	// Switches are used as given: start from Scenario.Options (a
	// scenario's own defaults) to honour them.
	Switches Switches
	// Protocols to run; nil means POP3 and IMAP.
	Protocols []Protocol
	// Trace keeps each run's trace.
	Trace bool
	// Parallel bounds the runs at once; 0 means one per CPU.
	Parallel int
	// Mail supplies the generated mailbox (keep one across comparisons to
	// reuse it); nil makes a cache for this comparison's runs alone.
	Mail *MailCache
}

// Links resolves link preset ids ("dialup-56k,adsl-8m").
func Links(ids []string) ([]link.Profile, error) {
	var out []link.Profile
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		p, err := link.Preset(id)
		if err != nil {
			return nil, fmt.Errorf("scenario: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Compare runs a scenario with each protocol over each link. Results come
// link by link, POP3 before IMAP, whatever order the runs finish in; the
// runs are independent worlds, so the numbers do not depend on it.
func Compare(ctx context.Context, sc *Scenario, o CompareOptions) ([]*Result, error) {
	links := o.Links
	if links == nil {
		var err error
		if links, err = Links(sc.Links); err != nil {
			return nil, err
		}
	}
	if len(links) == 0 {
		return nil, fmt.Errorf("scenario %s: no links to compare on", sc.ID)
	}
	protos := o.Protocols
	if protos == nil {
		protos = []Protocol{POP3, IMAP}
	}
	sw := o.Switches
	mail := o.Mail
	if mail == nil {
		mail = NewMailCache(DefaultMailCacheBytes)
	}
	type job struct {
		i int
		o RunOptions
	}
	var jobs []job
	for _, l := range links {
		for _, p := range protos {
			jobs = append(jobs, job{len(jobs), RunOptions{Protocol: p, Link: l, Switches: sw, Trace: o.Trace, Mail: mail}})
		}
	}
	par := o.Parallel
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	results := make([]*Result, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[j.i], errs[j.i] = Run(ctx, sc, j.o)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// WriteJSON writes the results as one JSON document: {"scenario": ...,
// "runs": [...]}.
func WriteJSON(w io.Writer, sc *Scenario, results []*Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Scenario string    `json:"scenario"`
		Title    string    `json:"title"`
		Runs     []*Result `json:"runs"`
	}{sc.ID, sc.Title, results})
}

// csvColumns are the columns of WriteCSV, one row per run.
var csvColumns = []string{
	"scenario", "protocol", "link", "bandwidth_down_bps", "bandwidth_up_bps", "rtt_ms",
	"sim_seconds", "dial_seconds", "setup_seconds", "round_trip_seconds", "transfer_seconds",
	"payload_bytes_up", "payload_bytes_down", "wire_bytes_up", "wire_bytes_down",
	"round_trips", "connections", "calls", "online_seconds", "cost", "currency",
	"first_readable_seconds", "messages_on_server_after", "server_bytes_after",
	"delivered_messages", "refused_messages", "notice_delay_avg_seconds", "devices",
}

// WriteCSV writes one row per run; devices go in one cell as
// "name:visible/offline-readable" pairs separated by "; ".
func WriteCSV(w io.Writer, results []*Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return err
	}
	for _, r := range results {
		var devs []string
		for _, d := range r.Devices {
			devs = append(devs, fmt.Sprintf("%s:%d/%d", d.Name, d.VisibleMessages, d.OfflineReadable))
		}
		row := []string{
			r.Scenario, string(r.Protocol), r.Link.ID, i64(r.Link.DownBps), i64(r.Link.UpBps), f(r.Link.RTTms),
			f(r.SimSeconds), f(r.DialSeconds), f(r.SetupSeconds), f(r.RoundTripSeconds), f(r.TransferSeconds),
			i64(r.PayloadUp), i64(r.PayloadDown), i64(r.WireUp), i64(r.WireDown),
			i64(r.RoundTrips), strconv.Itoa(r.Connections), strconv.Itoa(r.Calls), f(r.OnlineSeconds), f(r.Cost), r.Link.Currency,
			fp(r.FirstReadableSeconds), strconv.Itoa(r.MessagesOnServerAfter), i64(r.ServerBytesAfter),
			strconv.Itoa(r.Delivered), strconv.Itoa(r.Refused), fp(r.NoticeDelayAvgSeconds), strings.Join(devs, "; "),
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTable writes the runs side by side: a column per run, a row per
// figure, for people.
func WriteTable(w io.Writer, sc *Scenario, results []*Result) error {
	fmt.Fprintf(w, "%s — %s\n\n", sc.ID, sc.Title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(name string, cell func(r *Result) string) {
		fmt.Fprintf(tw, "%s\t", name)
		for _, r := range results {
			fmt.Fprintf(tw, "%s\t", cell(r))
		}
		fmt.Fprintln(tw)
	}
	row("", func(r *Result) string { return strings.ToUpper(string(r.Protocol)) })
	row("link", func(r *Result) string { return r.Link.ID })
	row("time on the network", func(r *Result) string { return seconds(r.SimSeconds) })
	row("  dialling", func(r *Result) string {
		if !r.Link.Metered {
			return "-"
		}
		return seconds(r.DialSeconds)
	})
	row("  connection set-up", func(r *Result) string { return seconds(r.SetupSeconds) })
	row("  round trips × RTT", func(r *Result) string { return seconds(r.RoundTripSeconds) })
	row("  transfer", func(r *Result) string { return seconds(r.TransferSeconds) })
	row("first message readable", func(r *Result) string {
		if r.FirstReadableSeconds == nil {
			return "never"
		}
		return seconds(*r.FirstReadableSeconds)
	})
	row("bytes down (wire)", func(r *Result) string { return byteCount(r.WireDown) })
	row("bytes up (wire)", func(r *Result) string { return byteCount(r.WireUp) })
	row("round trips", func(r *Result) string { return i64(r.RoundTrips) })
	row("connections", func(r *Result) string { return strconv.Itoa(r.Connections) })
	row("online", func(r *Result) string { return seconds(r.OnlineSeconds) })
	row("cost", func(r *Result) string {
		if !r.Link.Metered {
			return "flat"
		}
		return fmt.Sprintf("%.2f %s", r.Cost, r.Link.Currency)
	})
	row("left on the server", func(r *Result) string { return strconv.Itoa(r.MessagesOnServerAfter) })
	if anyResult(results, func(r *Result) bool { return r.QuotaBytes > 0 || r.Refused > 0 }) {
		row("mail refused (full)", func(r *Result) string { return fmt.Sprintf("%d of %d", r.Refused, r.Refused+r.Delivered) })
	}
	if anyResult(results, func(r *Result) bool { return r.NoticeDelayAvgSeconds != nil }) {
		row("new mail noticed after", func(r *Result) string {
			if r.NoticeDelayAvgSeconds == nil {
				return "-"
			}
			return seconds(*r.NoticeDelayAvgSeconds) + " avg"
		})
	}
	if len(results) > 0 {
		for i, d := range results[0].Devices {
			row(d.Name+": sees / offline", func(r *Result) string {
				if i >= len(r.Devices) {
					return "-"
				}
				return fmt.Sprintf("%d / %d", r.Devices[i].VisibleMessages, r.Devices[i].OfflineReadable)
			})
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if sc.Teaches != "" {
		fmt.Fprintf(w, "\n%s\n", Wrap(sc.Teaches, 78))
	}
	return nil
}

func anyResult(rs []*Result, pred func(*Result) bool) bool {
	for _, r := range rs {
		if pred(r) {
			return true
		}
	}
	return false
}

// seconds formats a duration in seconds for people: "850 ms", "12.4 s",
// "3 min 20 s", "2 h 05 min".
func seconds(s float64) string {
	switch {
	case s < 1:
		return fmt.Sprintf("%.0f ms", s*1000)
	case s < 60:
		return fmt.Sprintf("%.1f s", s)
	case s < 3600:
		return fmt.Sprintf("%d min %02d s", int(s)/60, int(s)%60)
	}
	return fmt.Sprintf("%d h %02d min", int(s)/3600, int(s)%3600/60)
}

// byteCount formats a byte count for people (1000-based, as link speeds are).
func byteCount(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1_000_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1_000_000_000:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }
func f(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
func fp(x *float64) string {
	if x == nil {
		return ""
	}
	return f(*x)
}

// Wrap folds text into lines of at most width characters, at spaces.
func Wrap(text string, width int) string {
	var b strings.Builder
	col := 0
	for _, w := range strings.Fields(text) {
		n := len([]rune(w))
		switch {
		case col == 0:
		case col+1+n > width:
			b.WriteByte('\n')
			col = 0
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += n
	}
	return b.String()
}
