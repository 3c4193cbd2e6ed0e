package app

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/trace"
)

// Trace streaming: events leave in batches of at most batchMax, at least
// every batchEvery, never one event per line.
const (
	batchMax   = 500
	batchEvery = 50 * time.Millisecond
	subBuffer  = 16384
)

// TraceService streams the trace to the UI (snapshot first, then batched
// trace:append events), explains lines and exports the trace.
type TraceService struct {
	lab  *lab.Lab
	emit *emitter

	reveal atomic.Bool // read for every streamed event: no lock

	mu   sync.Mutex // guards sub and done
	sub  *trace.Subscription
	done chan struct{}

	viewMu  sync.Mutex // guards viewing
	viewing *savedView

	shownMu sync.Mutex          // guards shown
	shown   map[uint64]struct{} // sessions the UI may hold events of (see show)
}

// savedView is a saved trace opened read-only in place of the live one.
type savedView struct {
	name  string
	saved *trace.Saved
	snap  *trace.Snapshot
}

func newTraceService(l *lab.Lab, e *emitter) *TraceService {
	return &TraceService{lab: l, emit: e}
}

// Snapshot is every event so far. The UI loads it first and then applies
// trace:append batches whose events come after snapshot.seq.
func (s *TraceService) Snapshot() (TraceSnapshotDTO, error) {
	snap := s.lab.Trace.Snapshot()
	reveal := s.Reveal()
	v := s.view()
	if v != nil {
		snap = v.snap
	}
	b := newTraceBatch(snap.Len())
	for i := 0; i < snap.Len(); i++ {
		ev := snap.At(i)
		b.add(ev, reveal)
		if v == nil && (i == 0 || ev.Session != snap.At(i-1).Session) {
			s.show(ev.Session)
		}
	}
	out := TraceSnapshotDTO{Seq: snap.Seq, Reveal: reveal, Events: b.done()}
	Mark("first Snapshot served")
	for _, si := range snap.Sessions() {
		out.Sessions = append(out.Sessions, newSessionInfoDTO(si))
	}
	if a := snap.SetAside(); a.Any() {
		out.Aside = asideDTO(a)
	}
	if v != nil {
		out.Viewing = &TraceViewingDTO{Name: v.name, Format: v.saved.Format, Faults: append([]string{}, v.saved.Faults...)}
	}
	return out, nil
}

func (s *TraceService) view() *savedView {
	s.viewMu.Lock()
	defer s.viewMu.Unlock()
	return s.viewing
}

// Open reads a saved trace (a JSON Lines export or a pcapng Mailscope
// wrote) and shows it read-only in place of the live trace until
// CloseView; the UI reloads its snapshot (trace:resync). path "" asks
// with a native dialog; it returns the path, or "" if cancelled.
func (s *TraceService) Open(path string) (string, error) {
	if path == "" {
		var err error
		if path, err = s.emit.openDialog(); err != nil || path == "" {
			return "", err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("app: %w", err)
	}
	defer f.Close()
	return path, s.openFrom(filepath.Base(path), f)
}

// OpenData is Open for a file the browser read (base64 of its bytes).
func (s *TraceService) OpenData(name, data string) error {
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return fmt.Errorf("app: open %s: %w", name, err)
	}
	return s.openFrom(name, bytes.NewReader(b))
}

func (s *TraceService) openFrom(name string, r io.Reader) error {
	saved, err := trace.ReadSaved(r)
	if err != nil {
		return fmt.Errorf("app: open %s: %w", name, err)
	}
	s.viewMu.Lock()
	s.viewing = &savedView{name: name, saved: saved, snap: saved.Snapshot()}
	s.viewMu.Unlock()
	s.emit.Emit(EventTraceResync, nil)
	return nil
}

// CloseView goes back to the live lab's trace.
func (s *TraceService) CloseView() error {
	s.viewMu.Lock()
	was := s.viewing != nil
	s.viewing = nil
	s.viewMu.Unlock()
	if was {
		s.emit.Emit(EventTraceResync, nil)
	}
	return nil
}

// Reveal reports whether secrets are shown.
func (s *TraceService) Reveal() bool { return s.reveal.Load() }

// SetReveal shows or masks passwords and AUTH exchanges. The UI reloads
// its snapshot (trace:resync) to see the change.
func (s *TraceService) SetReveal(on bool) error {
	if s.reveal.Swap(on) != on {
		s.emit.Emit(EventTraceResync, nil)
	}
	return nil
}

// Explain returns what the event means in its session — its command,
// status and response code, what the line is at that point (a greeting,
// a POP3 listing line, a SASL answer), and where the server's library
// departs from its RFC — each with its RFC section and the section's
// address (none for the lab's own rows). The session is replayed up to
// the event, so an IMAP4rev2 session cites RFC 9051 and an IMAP4rev1
// one RFC 3501.
func (s *TraceService) Explain(seq uint64) ([]ExplanationDTO, error) {
	snap := s.lab.Trace.Snapshot()
	if v := s.view(); v != nil {
		snap = v.snap
	}
	i, ok := snap.Index(seq)
	if !ok {
		return nil, fmt.Errorf("app: no trace event %d", seq)
	}
	var out []ExplanationDTO
	for _, x := range trace.ExplainInSnapshot(snap, i) {
		out = append(out, ExplanationDTO{Key: x.Key, Kind: string(x.Kind), Sentence: x.Sentence, RFC: x.RFC, Section: x.Section, Cite: x.Cite(), URL: x.URL()})
	}
	return out, nil
}

// Export formats.
const (
	FormatText   = "text"
	FormatJSONL  = "jsonl"
	FormatPcapng = "pcapng"
)

// ExportData renders the trace in a format ("text", "jsonl", "pcapng") and
// returns it base64-encoded with a suggested file name; the UI saves it
// (a download in a browser).
func (s *TraceService) ExportData(format string) (ExportDTO, error) {
	var buf bytes.Buffer
	name, err := s.render(&buf, format)
	if err != nil {
		return ExportDTO{}, err
	}
	return newExportDTO(name, buf.Bytes()), nil
}

// Export asks where to save (a native dialog) and writes the trace there.
// It returns the path, or "" if the user cancelled.
func (s *TraceService) Export(format string) (string, error) {
	name := exportName(format)
	path, err := s.emit.saveDialog(name)
	if err != nil || path == "" {
		return "", err
	}
	return path, s.ExportTo(format, path)
}

// ExportTo writes the trace to path.
func (s *TraceService) ExportTo(format, path string) error {
	var buf bytes.Buffer
	if _, err := s.render(&buf, format); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func exportName(format string) string {
	ext := map[string]string{FormatText: "txt", FormatJSONL: "jsonl", FormatPcapng: "pcapng"}[format]
	return "mailscope-trace-" + time.Now().Format("20060102-150405") + "." + ext
}

func (s *TraceService) render(buf *bytes.Buffer, format string) (string, error) {
	snap := s.lab.Trace.Snapshot()
	opt := trace.ExportOptions{Reveal: s.Reveal()}
	for _, f := range s.lab.Faults() {
		opt.Faults = append(opt.Faults, f.Spec.Spec)
	}
	var err error
	switch format {
	case FormatText:
		err = trace.WriteText(buf, snap.All(), opt)
	case FormatJSONL:
		err = trace.WriteJSONL(buf, snap.All(), opt)
	case FormatPcapng:
		err = trace.WritePcapng(buf, snap.Sessions(), snap.All(), opt)
	default:
		return "", fmt.Errorf("app: unknown export format %q (text, jsonl, pcapng)", format)
	}
	return exportName(format), err
}

// start subscribes to the recorder and streams batches until stop.
func (s *TraceService) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sub != nil {
		return
	}
	s.sub = s.lab.Trace.Subscribe(subBuffer)
	s.done = make(chan struct{})
	go s.pump(s.sub, s.done)
}

func (s *TraceService) stop() {
	s.mu.Lock()
	sub, done := s.sub, s.done
	s.sub = nil
	s.mu.Unlock()
	if sub != nil {
		sub.Close()
		<-done
	}
}

// asideEvery is the least time between two trace:aside events.
const asideEvery = 2 * time.Second

// pump batches events: a batch leaves when it holds batchMax events or
// batchEvery has passed since its first; the first event after a quiet
// spell of batchEvery leaves at once. A subscription that overflowed
// tells the UI to resync from a snapshot.
func (s *TraceService) pump(sub *trace.Subscription, done chan struct{}) {
	defer close(done)
	batch := newTraceBatch(batchMax)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var last time.Time // when the last batch left
	aside := s.lab.Trace.SetAside()
	var lastAside time.Time // when the UI was last told of sessions set aside
	var shownLast uint64    // the session last passed to show
	flush := func() {
		// Sessions set aside since the last batch leave the UI's log by
		// trace:aside, after the batch that may hold their last events:
		// no reload (make bench-load-ui: a full snapshot at each set-aside,
		// 55 in 60 s, took the window past 1.3 GB on a 32 MB budget).
		// At most once per asideEvery, as set-asides come every second
		// under load.
		defer func() {
			a := s.lab.Trace.SetAside()
			if a.Spilled == aside.Spilled && a.Summarised == aside.Summarised ||
				!lastAside.IsZero() && time.Since(lastAside) < asideEvery {
				return
			}
			aside, lastAside = a, time.Now()
			var gone []uint64
			s.shownMu.Lock()
			for id := range s.shown {
				if s.lab.Trace.IsAside(id) {
					gone = append(gone, id)
					delete(s.shown, id)
				}
			}
			s.shownMu.Unlock()
			slices.Sort(gone)
			s.emit.Emit(EventTraceAside, TraceAsideEventDTO{Sessions: gone, Aside: asideDTO(a)})
		}()
		if s.view() != nil {
			batch = newTraceBatch(batchMax) // a saved trace in view: it does not grow
			return
		}
		if batch.len() > 0 {
			s.emit.Emit(EventTraceAppend, batch.done())
			batch = newTraceBatch(batchMax)
			last = time.Now()
		}
	}
	for {
		select {
		case u, ok := <-sub.C:
			if !ok {
				flush()
				return
			}
			if u.Resync {
				batch = newTraceBatch(batchMax)
				sub.Resync()
				s.emit.Emit(EventTraceResync, nil)
				continue
			}
			batch.add(&u.Event, s.Reveal())
			if u.Event.Session != shownLast { // one lock per run of a session's events, not per event
				s.show(u.Event.Session)
				shownLast = u.Event.Session
			}
			switch {
			case batch.len() == 1 && time.Since(last) >= batchEvery:
				// The first line after a quiet spell goes at once: a
				// student typing in the console sees the reply without
				// waiting for the batch window. A burst still batches.
				flush()
			case batch.len() == 1:
				timer.Reset(batchEvery)
			case batch.len() >= batchMax:
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

func asideDTO(a trace.SetAside) *TraceAsideDTO {
	if !a.Any() {
		return nil
	}
	return &TraceAsideDTO{Spilled: a.Spilled, SpilledBytes: a.SpilledBytes,
		Summarised: a.Summarised, SummarisedBytes: a.SummarisedBytes, Text: a.String()}
}

// show notes that the UI may hold events of a session (a snapshot or a
// batch sent them), so that trace:aside names it once it is set aside.
func (s *TraceService) show(id uint64) {
	s.shownMu.Lock()
	if s.shown == nil {
		s.shown = map[uint64]struct{}{}
	}
	s.shown[id] = struct{}{}
	s.shownMu.Unlock()
}
