// Package api is the lab's HTTP API, for a developer's own tests to
// assert what their mail client did (`mailscope serve --api ADDR`). It is
// plain net/http over a *lab.Lab and imports nothing from Wails, so both
// serve and the desktop app can mount it.
//
//	GET    /api/sessions              every session's trace.Report, snake_case, oldest first
//	GET    /api/sessions/{id}         one session's report
//	GET    /api/sessions/{id}/events  its events, JSON Lines (the trace's export format)
//	GET    /api/events                every event as it is recorded, JSON Lines, streamed
//	                                  (?since=SEQ first replays the events after SEQ;
//	                                  ?session=ID keeps one session's)
//	GET    /api/faults                the armed faults: [{"id", "spec", "kind", "protocol", "fired"}]
//	POST   /api/faults                arm one: the body is the spec text, or {"spec": "…"}
//	DELETE /api/faults                disarm every armed fault: {"cleared": n}
//	DELETE /api/faults/ID             disarm one: {"disarmed": ID}
//
// Errors are {"error": "…"} with a 4xx status. Secrets in events are
// masked unless Options.Reveal.
package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
	"github.com/mailscope/mailscope/sim/trace"
)

// Options configure the handler.
type Options struct {
	// Lab is the lab served; its Trace must not be nil for the session
	// and event routes (they answer 404 without one).
	Lab *lab.Lab
	// Reveal shows passwords and AUTH exchanges in events (masked when
	// false, the default).
	Reveal bool
	// StreamBuffer is how many events an /api/events stream may queue
	// before it falls back to reading the recorder's snapshot; 0 means
	// 1024. The recorder never waits for a slow reader.
	StreamBuffer int
	// Flush is how often a stream writes what it queued; 0 means 50 ms.
	Flush time.Duration
}

// Handler returns the API's handler.
func Handler(o Options) http.Handler {
	if o.StreamBuffer <= 0 {
		o.StreamBuffer = 1024
	}
	if o.Flush <= 0 {
		o.Flush = 50 * time.Millisecond
	}
	h := &handler{o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/sessions", h.sessions)
	mux.HandleFunc("GET /api/sessions/{id}", h.session)
	mux.HandleFunc("GET /api/sessions/{id}/events", h.sessionEvents)
	mux.HandleFunc("GET /api/events", h.events)
	mux.HandleFunc("GET /api/faults", h.faults)
	mux.HandleFunc("POST /api/faults", h.armFault)
	mux.HandleFunc("DELETE /api/faults", h.clearFaults)
	mux.HandleFunc("DELETE /api/faults/{id}", h.disarmFault)
	return mux
}

type handler struct{ o Options }

// Fault is an armed fault as the API shows it.
type Fault struct {
	ID       int    `json:"id"`
	Spec     string `json:"spec"`
	Kind     string `json:"kind"`
	Protocol string `json:"protocol,omitempty"`
	// Fired is how many times it acted (a link fault once, then it is
	// gone; a protocol fault once per command it answered or held).
	Fired int `json:"fired"`
}

func faultOf(a lab.ArmedFault) Fault {
	return Fault{ID: a.ID, Spec: a.Spec.Spec, Kind: a.Spec.Kind, Protocol: a.Spec.Protocol, Fired: a.Fired}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func fail(w http.ResponseWriter, status int, format string, a ...any) {
	writeJSON(w, status, map[string]string{"error": fmt.Sprintf(format, a...)})
}

func (h *handler) recorder(w http.ResponseWriter) *trace.Recorder {
	if h.o.Lab == nil || h.o.Lab.Trace == nil {
		fail(w, http.StatusNotFound, "api: this lab has no trace")
		return nil
	}
	return h.o.Lab.Trace
}

func (h *handler) sessions(w http.ResponseWriter, r *http.Request) {
	rec := h.recorder(w)
	if rec == nil {
		return
	}
	writeJSON(w, http.StatusOK, trace.Reports(rec.Snapshot()))
}

func sessionID(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		fail(w, http.StatusBadRequest, "api: session id %q is not a number", r.PathValue("id"))
		return 0, false
	}
	return id, true
}

func (h *handler) session(w http.ResponseWriter, r *http.Request) {
	rec := h.recorder(w)
	if rec == nil {
		return
	}
	id, ok := sessionID(w, r)
	if !ok {
		return
	}
	for _, rp := range trace.Reports(rec.Snapshot()) {
		if rp.ID == id {
			writeJSON(w, http.StatusOK, rp)
			return
		}
	}
	fail(w, http.StatusNotFound, "api: no session %d", id)
}

func (h *handler) sessionEvents(w http.ResponseWriter, r *http.Request) {
	rec := h.recorder(w)
	if rec == nil {
		return
	}
	id, ok := sessionID(w, r)
	if !ok {
		return
	}
	snap := rec.Snapshot()
	known := false
	for _, si := range snap.Sessions() {
		known = known || si.ID == id
	}
	if !known {
		fail(w, http.StatusNotFound, "api: no session %d", id)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	trace.WriteJSONL(w, func(yield func(trace.Event) bool) {
		for ev := range snap.Events() {
			if ev.Session == id && !yield(ev) {
				return
			}
		}
	}, trace.ExportOptions{Reveal: h.o.Reveal})
}

// events streams every event as it is recorded, until the client goes
// away or the recorder closes. The subscription's buffer is bounded: a
// reader that falls behind is caught up from the recorder's snapshot, so
// it still sees every event, in order, once.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	rec := h.recorder(w)
	if rec == nil {
		return
	}
	var since uint64
	if s := r.URL.Query().Get("since"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			fail(w, http.StatusBadRequest, "api: since=%q is not a number", s)
			return
		}
		since = n
	}
	var only uint64
	if s := r.URL.Query().Get("session"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			fail(w, http.StatusBadRequest, "api: session=%q is not a number", s)
			return
		}
		only = n
	}
	sub := rec.Subscribe(h.o.StreamBuffer)
	defer sub.Close()
	snap := sub.Resync() // lines up with the channel
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	bw := bufio.NewWriter(w)
	opt := trace.ExportOptions{Reveal: h.o.Reveal}
	last := since
	emit := func(ev trace.Event) error {
		if ev.Seq <= last {
			return nil
		}
		last = ev.Seq
		if only != 0 && ev.Session != only {
			return nil
		}
		return trace.WriteJSONL(bw, func(yield func(trace.Event) bool) { yield(ev) }, opt)
	}
	flush := func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		return rc.Flush()
	}
	if since > 0 || r.URL.Query().Has("since") {
		for ev := range snap.Since(since) {
			if emit(ev) != nil {
				return
			}
		}
	} else {
		last = snap.Seq // live only: from now on
	}
	if flush() != nil {
		return
	}
	tick := time.NewTicker(h.o.Flush)
	defer tick.Stop()
	pending := false
	for {
		select {
		case <-r.Context().Done():
			return
		case u, ok := <-sub.C:
			if !ok {
				flush()
				return
			}
			if u.Resync {
				for ev := range sub.Resync().Since(last) {
					if emit(ev) != nil {
						return
					}
				}
			} else if emit(u.Event) != nil {
				return
			}
			pending = true
			if len(sub.C) == 0 {
				if flush() != nil {
					return
				}
				pending = false
			}
		case <-tick.C:
			if pending {
				if flush() != nil {
					return
				}
				pending = false
			}
		}
	}
}

func (h *handler) faults(w http.ResponseWriter, r *http.Request) {
	if h.o.Lab == nil {
		fail(w, http.StatusNotFound, "api: no lab")
		return
	}
	out := []Fault{}
	for _, a := range h.o.Lab.Faults() {
		out = append(out, faultOf(a))
	}
	writeJSON(w, http.StatusOK, out)
}

// maxSpec bounds a POST body: a spec is one line.
const maxSpec = 8 << 10

func (h *handler) armFault(w http.ResponseWriter, r *http.Request) {
	if h.o.Lab == nil {
		fail(w, http.StatusNotFound, "api: no lab")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSpec+1))
	if err != nil {
		fail(w, http.StatusBadRequest, "api: reading the body: %v", err)
		return
	}
	if len(body) > maxSpec {
		fail(w, http.StatusRequestEntityTooLarge, "api: a fault spec is at most %d bytes", maxSpec)
		return
	}
	spec := strings.TrimSpace(string(body))
	if strings.HasPrefix(spec, "{") {
		var v struct {
			Spec string `json:"spec"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			fail(w, http.StatusBadRequest, "api: %v", err)
			return
		}
		spec = strings.TrimSpace(v.Spec)
	}
	if spec == "" {
		fail(w, http.StatusBadRequest, `api: want a fault spec, as text or {"spec": "…"}`)
		return
	}
	fs, err := link.ParseFault(spec)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	a, err := h.o.Lab.Arm(fs)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, link.ErrFaultNotSupported) {
			status = http.StatusNotImplemented
		}
		fail(w, status, "%v", err)
		return
	}
	writeJSON(w, http.StatusCreated, faultOf(a))
}

// disarmFault disarms one fault by the id GET and POST gave it.
func (h *handler) disarmFault(w http.ResponseWriter, r *http.Request) {
	if h.o.Lab == nil {
		fail(w, http.StatusNotFound, "api: no lab")
		return
	}
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		fail(w, http.StatusBadRequest, "api: fault id %q: want a number", r.PathValue("id"))
		return
	}
	if err := h.o.Lab.Disarm(id); err != nil {
		fail(w, http.StatusNotFound, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"disarmed": id})
}

func (h *handler) clearFaults(w http.ResponseWriter, r *http.Request) {
	if h.o.Lab == nil {
		fail(w, http.StatusNotFound, "api: no lab")
		return
	}
	n := len(h.o.Lab.ArmedFaultSpecs())
	h.o.Lab.ClearFaults()
	writeJSON(w, http.StatusOK, map[string]int{"cleared": n})
}
