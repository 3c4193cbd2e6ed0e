package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim/scenario"
	"github.com/mailscope/mailscope/sim/trace"
)

// laneMax caps the trace events each run's lane carries to the UI; a run
// with more sends its first laneMax and says so (LaneDTO.Truncated).
const laneMax = 20_000

// pngMax bounds a chart image the UI asks to save (decoded bytes).
const pngMax = 32 << 20

// ScenariosService is the Compare mode: the scenario catalogue and the
// POP3-against-IMAP comparison, with each run's trace as a lane for the
// race view, and the exports of its results (CSV, the charts as PNG).
type ScenariosService struct {
	emit *emitter
	// dir holds the user's own scenarios ("" for none).
	dir string
	// run is scenario.Compare (tests count its calls).
	run func(context.Context, *scenario.Scenario, scenario.CompareOptions) ([]*scenario.Result, error)

	// mail keeps generated mailboxes across comparisons: switching the
	// race's link reruns the same mailbox.
	mail *scenario.MailCache

	mu sync.Mutex
	// last is the last comparison run, so that exporting what the UI
	// shows does not run it again.
	last *comparison
}

// comparison is a request and the results it gave, without their traces.
type comparison struct {
	req     CompareRequestDTO
	sc      *scenario.Scenario
	results []*scenario.Result
}

func newScenariosService(e *emitter, dir string) *ScenariosService {
	return &ScenariosService{emit: e, dir: dir, run: scenario.Compare, mail: scenario.NewMailCache(scenario.DefaultMailCacheBytes)}
}

// catalogue is the built-in scenarios plus the user's. A broken user file
// must not hide the built-in ones: then only those are listed.
func (s *ScenariosService) catalogue() *scenario.Catalogue {
	c, err := scenario.Load(s.dir)
	if err != nil {
		return scenario.Builtin()
	}
	return c
}

// SwitchesDTO are the round-trip savers a comparison can turn on.
type SwitchesDTO struct {
	SMTPPipelining        bool `json:"smtpPipelining"`
	POP3Pipelining        bool `json:"pop3Pipelining"`
	IMAPHeadersThenBodies bool `json:"imapHeadersThenBodies"`
}

func newSwitchesDTO(s scenario.Switches) SwitchesDTO {
	return SwitchesDTO{SMTPPipelining: s.SMTPPipelining, POP3Pipelining: s.POP3Pipelining, IMAPHeadersThenBodies: s.IMAPHeadersThenBodies}
}

func (s SwitchesDTO) switches() scenario.Switches {
	return scenario.Switches{SMTPPipelining: s.SMTPPipelining, POP3Pipelining: s.POP3Pipelining, IMAPHeadersThenBodies: s.IMAPHeadersThenBodies}
}

// ScenarioDTO is one scenario in the picker.
type ScenarioDTO struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Claim   string   `json:"claim"`
	Teaches string   `json:"teaches"`
	Links   []string `json:"links"`
	Devices []string `json:"devices"`
	Steps   int      `json:"steps"`
	// Origin is "built-in" or the file it came from.
	Origin string `json:"origin"`
	// Switches are the scenario's own (all off when it sets none).
	Switches SwitchesDTO `json:"switches"`
}

// List returns the scenarios: the built-in ones, then the user's own
// (from the config directory's mailscope/scenarios).
func (s *ScenariosService) List() ([]ScenarioDTO, error) {
	c := s.catalogue()
	out := []ScenarioDTO{}
	for _, sc := range c.List() {
		out = append(out, newScenarioDTO(c, sc))
	}
	return out, nil
}

func newScenarioDTO(c *scenario.Catalogue, sc *scenario.Scenario) ScenarioDTO {
	d := ScenarioDTO{
		ID: sc.ID, Title: sc.Title, Claim: strings.TrimSpace(sc.Claim), Teaches: strings.TrimSpace(sc.Teaches),
		Links: append([]string{}, sc.Links...), Devices: make([]string, 0, len(sc.Devices)), Steps: len(sc.Steps), Origin: c.Origin(sc.ID),
	}
	for _, dev := range sc.Devices {
		d.Devices = append(d.Devices, dev.Name)
	}
	if sc.Options != nil {
		d.Switches = newSwitchesDTO(*sc.Options)
	}
	return d
}

// CompareRequestDTO chooses a comparison: a scenario, the link presets to
// run it on (empty: the scenario's own) and the switches.
type CompareRequestDTO struct {
	ID       string      `json:"id"`
	Links    []string    `json:"links"`
	Switches SwitchesDTO `json:"switches"`
}

// CompareDTO is a comparison: one run per link and protocol, link by link,
// POP3 before IMAP.
type CompareDTO struct {
	Scenario ScenarioDTO `json:"scenario"`
	Runs     []RunDTO    `json:"runs"`
	// WallMs is how long the comparison took to compute.
	WallMs float64 `json:"wallMs"`
}

// TotalsDTO mirrors scenario.Totals: what some actions cost.
type TotalsDTO struct {
	SimSeconds       float64 `json:"simSeconds"`
	DialSeconds      float64 `json:"dialSeconds"`
	SetupSeconds     float64 `json:"setupSeconds"`
	RoundTripSeconds float64 `json:"roundTripSeconds"`
	TransferSeconds  float64 `json:"transferSeconds"`
	PayloadUp        int64   `json:"payloadUp"`
	PayloadDown      int64   `json:"payloadDown"`
	WireUp           int64   `json:"wireUp"`
	WireDown         int64   `json:"wireDown"`
	RoundTrips       int64   `json:"roundTrips"`
	Connections      int     `json:"connections"`
	Calls            int     `json:"calls"`
	OnlineSeconds    float64 `json:"onlineSeconds"`
	Cost             float64 `json:"cost"`
}

func newTotalsDTO(t scenario.Totals) TotalsDTO {
	return TotalsDTO{
		SimSeconds: t.SimSeconds, DialSeconds: t.DialSeconds, SetupSeconds: t.SetupSeconds,
		RoundTripSeconds: t.RoundTripSeconds, TransferSeconds: t.TransferSeconds,
		PayloadUp: t.PayloadUp, PayloadDown: t.PayloadDown, WireUp: t.WireUp, WireDown: t.WireDown,
		RoundTrips: t.RoundTrips, Connections: t.Connections, Calls: t.Calls,
		OnlineSeconds: t.OnlineSeconds, Cost: t.Cost,
	}
}

// RunLinkDTO is the link a run used.
type RunLinkDTO struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	DownBps     int64   `json:"downBps"`
	UpBps       int64   `json:"upBps"`
	RTTMs       float64 `json:"rttMs"`
	DialSeconds float64 `json:"dialSeconds"`
	Metered     bool    `json:"metered"`
	Currency    string  `json:"currency"`
}

// RunDTO is one run (a scenario, a protocol, a link): its metrics and its
// lane.
type RunDTO struct {
	Protocol string      `json:"protocol"` // pop3, imap
	Link     RunLinkDTO  `json:"link"`
	Switches SwitchesDTO `json:"switches"`
	Totals   TotalsDTO   `json:"totals"`
	// SpanSeconds is the story's length, first step's start to last end.
	SpanSeconds float64 `json:"spanSeconds"`
	// FirstReadableSeconds is null when no message could be read.
	FirstReadableSeconds  *float64          `json:"firstReadableSeconds"`
	MessagesOnServerAfter int               `json:"messagesOnServerAfter"`
	ServerBytesAfter      int64             `json:"serverBytesAfter"`
	QuotaBytes            int64             `json:"quotaBytes"`
	Delivered             int               `json:"delivered"`
	Refused               int               `json:"refused"`
	NoticeDelayAvgSeconds *float64          `json:"noticeDelayAvgSeconds"`
	NoticeDelayMaxSeconds *float64          `json:"noticeDelayMaxSeconds"`
	Devices               []DeviceResultDTO `json:"devices"`
	Steps                 []StepDTO         `json:"steps"`
	Lane                  LaneDTO           `json:"lane"`
}

// DeviceResultDTO is what a device shows at the end and what it spent.
type DeviceResultDTO struct {
	Name                 string         `json:"name"`
	Policy               string         `json:"policy"`
	Visible              int            `json:"visible"`
	OfflineReadable      int            `json:"offlineReadable"`
	Unread               int            `json:"unread"`
	Outbox               int            `json:"outbox"`
	Folders              map[string]int `json:"folders"`
	FirstReadableSeconds *float64       `json:"firstReadableSeconds"`
	Totals               TotalsDTO      `json:"totals"`
}

// StepDTO is one step of the scenario in a run; times are story seconds
// from the run's start.
type StepDTO struct {
	Index        int     `json:"index"`
	Device       string  `json:"device"`
	Do           string  `json:"do"`
	Note         string  `json:"note"`
	StartSeconds float64 `json:"startSeconds"`
	EndSeconds   float64 `json:"endSeconds"`
	Outcome      string  `json:"outcome"`
	Failed       bool    `json:"failed"`
	// Lists is how many messages the step's device lists after it; -1
	// for a step of no device (mail arriving). VisibleAfter is every
	// device's count after the step.
	Lists        int            `json:"lists"`
	VisibleAfter map[string]int `json:"visibleAfter"`
	Totals       TotalsDTO      `json:"totals"`
}

// LaneDTO is a run's trace for the race view: its events by column
// (sorted by the time their first byte left; secrets masked) and its
// connections.
type LaneDTO struct {
	Events   TraceBatchDTO    `json:"events"`
	Sessions []LaneSessionDTO `json:"sessions"`
	// Total is how many events the run traced; Truncated is true when
	// Events holds only the first laneMax of them.
	Total     int  `json:"total"`
	Truncated bool `json:"truncated"`
}

// LaneSessionDTO is one connection of a run, in virtual µs.
type LaneSessionDTO struct {
	ID       uint64  `json:"id"`
	Protocol string  `json:"protocol"`
	Device   string  `json:"device"`
	StartUs  float64 `json:"startUs"`
	EndUs    float64 `json:"endUs"`
	WireUp   int64   `json:"wireUp"`
	WireDown int64   `json:"wireDown"`
}

// Compare runs the scenario with POP3 and with IMAP on each link, keeping
// each run's trace for its lane. It always runs (WallMs is its own); the
// exports reuse its results.
func (s *ScenariosService) Compare(req CompareRequestDTO) (CompareDTO, error) {
	t0 := time.Now()
	c := s.catalogue()
	sc, results, err := s.compare(c, req, true)
	if err != nil {
		return CompareDTO{}, err
	}
	out := CompareDTO{Scenario: newScenarioDTO(c, sc), Runs: make([]RunDTO, 0, len(results))}
	for _, r := range results {
		out.Runs = append(out.Runs, newRunDTO(sc, r))
	}
	out.WallMs = ms(time.Since(t0))
	return out, nil
}

// results are the last comparison's if req asks for the same one, else a
// new comparison's (run without traces: an export needs none).
func (s *ScenariosService) results(req CompareRequestDTO) (*scenario.Scenario, []*scenario.Result, error) {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if last != nil && last.req.same(req) {
		return last.sc, last.results, nil
	}
	return s.compare(s.catalogue(), req, false)
}

// same reports whether r and o ask for the same comparison: no links and
// an empty list both mean the scenario's own.
func (r CompareRequestDTO) same(o CompareRequestDTO) bool {
	return r.ID == o.ID && r.Switches == o.Switches && slices.Equal(r.Links, o.Links)
}

// compare runs the comparison req asks for and keeps its results as the
// last comparison; the traces stay only with what it returns, for the
// lanes, so the service holds just the metrics.
func (s *ScenariosService) compare(c *scenario.Catalogue, req CompareRequestDTO, keepTrace bool) (*scenario.Scenario, []*scenario.Result, error) {
	sc, err := c.Get(req.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("app: %w", err)
	}
	if len(req.Links) > 16 {
		return nil, nil, errors.New("app: compare on at most 16 links at once")
	}
	links, err := scenario.Links(req.Links)
	if err != nil {
		return nil, nil, fmt.Errorf("app: %w", err)
	}
	if len(links) == 0 {
		links = nil // the scenario's own
	}
	rs, err := s.run(context.Background(), sc, scenario.CompareOptions{
		Links: links, Switches: req.Switches.switches(), Trace: keepTrace, Mail: s.mail,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("app: compare %s: %w", sc.ID, err)
	}
	kept := make([]*scenario.Result, len(rs))
	for i, r := range rs {
		k := *r
		k.Trace = nil
		kept[i] = &k
	}
	req.Links = slices.Clone(req.Links)
	s.mu.Lock()
	s.last = &comparison{req: req, sc: sc, results: kept}
	s.mu.Unlock()
	return sc, rs, nil
}

func newRunDTO(sc *scenario.Scenario, r *scenario.Result) RunDTO {
	out := RunDTO{
		Protocol: string(r.Protocol),
		Link: RunLinkDTO{
			ID: r.Link.ID, Name: r.Link.Name, DownBps: r.Link.DownBps, UpBps: r.Link.UpBps, RTTMs: r.Link.RTTms,
			DialSeconds: r.Link.DialSeconds, Metered: r.Link.Metered, Currency: r.Link.Currency,
		},
		Switches: newSwitchesDTO(r.Switches), Totals: newTotalsDTO(r.Totals), SpanSeconds: r.SpanSeconds,
		FirstReadableSeconds: r.FirstReadableSeconds, MessagesOnServerAfter: r.MessagesOnServerAfter,
		ServerBytesAfter: r.ServerBytesAfter, QuotaBytes: r.QuotaBytes, Delivered: r.Delivered, Refused: r.Refused,
		NoticeDelayAvgSeconds: r.NoticeDelayAvgSeconds, NoticeDelayMaxSeconds: r.NoticeDelayMaxSeconds,
		Devices: make([]DeviceResultDTO, 0, len(r.Devices)), Steps: make([]StepDTO, 0, len(r.Steps)),
	}
	for _, d := range r.Devices {
		folders := map[string]int{}
		for k, v := range d.Folders {
			folders[k] = v
		}
		out.Devices = append(out.Devices, DeviceResultDTO{
			Name: d.Name, Policy: d.Policy, Visible: d.VisibleMessages, OfflineReadable: d.OfflineReadable,
			Unread: d.Unread, Outbox: d.Outbox, Folders: folders, FirstReadableSeconds: d.FirstReadableSec,
			Totals: newTotalsDTO(d.Totals),
		})
	}
	for _, st := range r.Steps {
		lists := -1
		if n, ok := st.VisibleAfter[st.Device]; ok {
			lists = n
		}
		note := ""
		if st.Index >= 1 && st.Index <= len(sc.Steps) {
			note = sc.Steps[st.Index-1].Note
		}
		out.Steps = append(out.Steps, StepDTO{
			Index: st.Index, Device: st.Device, Do: st.Do, Note: note,
			StartSeconds: st.StartSeconds, EndSeconds: st.EndSeconds, Outcome: st.Outcome, Failed: st.Failed,
			Lists: lists, VisibleAfter: st.VisibleAfter, Totals: newTotalsDTO(st.Totals),
		})
	}
	out.Lane = newLaneDTO(r.Trace)
	return out
}

// newLaneDTO converts a run's trace: events sorted by departure (a run's
// devices interleave; the recorder keeps arrival order), secrets masked.
func newLaneDTO(snap *trace.Snapshot) LaneDTO {
	if snap == nil {
		return LaneDTO{Events: newTraceBatch(0).done(), Sessions: []LaneSessionDTO{}}
	}
	evs := snap.Slice()
	// At a tie a session's close comes after its last line: the server
	// writes "OK LOGOUT completed" and hangs up at the same instant, but
	// the recorder may hear of the close first.
	last := func(e trace.Event) bool { return e.Kind == trace.KindClose }
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].At != evs[j].At {
			return evs[i].At < evs[j].At
		}
		return !last(evs[i]) && last(evs[j])
	})
	lane := LaneDTO{Total: len(evs), Sessions: []LaneSessionDTO{}}
	totals := snap.SessionTotals()
	for _, si := range snap.Sessions() {
		t := totals[si.ID]
		lane.Sessions = append(lane.Sessions, LaneSessionDTO{
			ID: si.ID, Protocol: si.Protocol.String(), Device: si.ClientAddr, StartUs: us(si.Start), EndUs: us(t.End),
			WireUp: t.WireUp, WireDown: t.WireDown,
		})
	}
	n := min(len(evs), laneMax)
	lane.Truncated = n < len(evs)
	b := newTraceBatch(n)
	for i := 0; i < n; i++ {
		b.add(&evs[i], false)
	}
	lane.Events = b.done()
	return lane
}

// ExportCSVData renders the comparison's results as CSV (one row per run,
// the columns of `mailscope compare --csv`) and returns it base64-encoded
// with a file name, for the UI to save (a download in a browser). The
// results are the last comparison's when req asks for it again (what the
// UI shows), so exporting does not run it twice.
func (s *ScenariosService) ExportCSVData(req CompareRequestDTO) (ExportDTO, error) {
	name, data, err := s.csv(req)
	if err != nil {
		return ExportDTO{}, err
	}
	return newExportDTO(name, data), nil
}

// ExportCSV asks where to save (a native dialog) and writes the results
// there as CSV. It returns the path, or "" if the user cancelled.
func (s *ScenariosService) ExportCSV(req CompareRequestDTO) (string, error) {
	path, err := s.emit.saveDialog(csvName(req.ID))
	if err != nil || path == "" {
		return "", err
	}
	return path, s.ExportCSVTo(req, path)
}

// ExportCSVTo writes the comparison's results to path as CSV.
func (s *ScenariosService) ExportCSVTo(req CompareRequestDTO, path string) error {
	_, data, err := s.csv(req)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func csvName(id string) string {
	return "mailscope-compare-" + safeName(id) + "-" + time.Now().Format("20060102-150405") + ".csv"
}

func (s *ScenariosService) csv(req CompareRequestDTO) (string, []byte, error) {
	sc, rs, err := s.results(req)
	if err != nil {
		return "", nil, err
	}
	var buf bytes.Buffer
	if err := scenario.WriteCSV(&buf, rs); err != nil {
		return "", nil, err
	}
	return csvName(sc.ID), buf.Bytes(), nil
}

// SavePNG saves an image the UI drew (the charts, base64-encoded PNG):
// it asks where (a native dialog) and returns the path, or "" if the user
// cancelled.
func (s *ScenariosService) SavePNG(name, data string) (string, error) {
	img, err := decodePNG(data)
	if err != nil {
		return "", err
	}
	path, err := s.emit.saveDialog(pngName(name))
	if err != nil || path == "" {
		return "", err
	}
	return path, os.WriteFile(path, img, 0o644)
}

// SavePNGTo writes an image the UI drew to path.
func (s *ScenariosService) SavePNGTo(path, data string) error {
	img, err := decodePNG(data)
	if err != nil {
		return err
	}
	return os.WriteFile(path, img, 0o644)
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// decodePNG takes base64 (a data: URL prefix allowed) and checks it is a
// PNG of a sane size.
func decodePNG(data string) ([]byte, error) {
	if i := strings.Index(data, ","); strings.HasPrefix(data, "data:") && i > 0 {
		data = data[i+1:]
	}
	if base64.StdEncoding.DecodedLen(len(data)) > pngMax {
		return nil, fmt.Errorf("app: image larger than %d MB", pngMax>>20)
	}
	img, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("app: image: %w", err)
	}
	if !bytes.HasPrefix(img, pngMagic) {
		return nil, errors.New("app: image is not a PNG")
	}
	return img, nil
}

func pngName(name string) string {
	name = safeName(strings.TrimSuffix(filepath.Base(name), ".png"))
	if name == "" {
		name = "mailscope-charts"
	}
	return name + ".png"
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string {
	return strings.Trim(unsafeName.ReplaceAllString(s, "-"), "-.")
}
