package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/app/api"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/trace"
)

func newLab(t *testing.T) *lab.Lab {
	t.Helper()
	l, err := lab.New(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// A stream whose reader is slower than the recorder, with room for only
// two queued events, still sees every event once, in order: it catches up
// from the recorder's snapshot. When its client goes away the handler
// returns.
func TestEventsStreamCatchesUp(t *testing.T) {
	l := newLab(t)
	returned := make(chan struct{}, 1)
	h := api.Handler(api.Options{Lab: l, StreamBuffer: 2, Flush: time.Millisecond})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.URL.Path == "/api/events" {
			returned <- struct{}{}
		}
	}))
	defer srv.Close()
	base := uint64(l.Trace.Len())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	const n = 3000
	go func() {
		for i := range n {
			l.Trace.Append(trace.Event{Session: 99, Kind: trace.KindLine, Text: "NOOP " + strings.Repeat("x", i%50), Bytes: 6})
		}
	}()
	sc := bufio.NewScanner(resp.Body)
	want := base + 1
	for want <= base+n && sc.Scan() {
		var ev struct {
			Seq uint64 `json:"seq"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if ev.Seq != want {
			t.Fatalf("event seq %d, want %d: events lost, repeated or out of order", ev.Seq, want)
		}
		want++
		if want%500 == 0 {
			time.Sleep(2 * time.Millisecond) // a slow reader: the queue overflows
		}
	}
	if want != base+n+1 {
		t.Fatalf("the stream ended at seq %d, want %d: %v", want-1, base+n, sc.Err())
	}
	cancel()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream's handler still runs after its client went away")
	}
}

// ?since= replays first, ?session= keeps one session; bad arguments and
// unknown sessions are 4xx with a JSON error.
func TestEventsReplayAndErrors(t *testing.T) {
	l := newLab(t)
	for i := range 6 {
		l.Trace.Append(trace.Event{Session: uint64(1 + i%2), Kind: trace.KindLine, Text: "NOOP", Bytes: 6})
	}
	srv := httptest.NewServer(api.Handler(api.Options{Lab: l}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/events?since=0&session=2", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for i := range 3 {
		if !sc.Scan() {
			t.Fatalf("replay ended after %d events", i)
		}
		var ev struct{ Seq, Session uint64 }
		json.Unmarshal(sc.Bytes(), &ev)
		if ev.Session != 2 || ev.Seq != uint64(2*i+2) {
			t.Errorf("replayed %s, want session 2's event seq %d", sc.Text(), 2*i+2)
		}
	}
	cancel()
	resp.Body.Close()
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/events?since=x", 400},
		{"GET", "/api/sessions/abc", 400},
		{"GET", "/api/sessions/77", 404},
		{"POST", "/api/faults", 400},
		{"PUT", "/api/faults", 405},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e map[string]string
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != c.status || (c.status != 405 && e["error"] == "") {
			t.Errorf("%s %s = %d %v, want %d with an error", c.method, c.path, resp.StatusCode, e, c.status)
		}
	}
}
