package app

import "github.com/mailscope/mailscope/sim/trace"

// ReportDTO is a session's report (trace.Report) for the frontend:
// camelCase, times in microseconds.
type ReportDTO struct {
	Login    string            `json:"login"`
	Hello    string            `json:"hello"`
	Software string            `json:"software"`
	ClientID map[string]string `json:"clientId,omitempty"`

	CapsOffered []string `json:"capsOffered"`
	CapsUsed    []string `json:"capsUsed"`

	Commands           map[string]int `json:"commands"`
	CommandCount       int            `json:"commandCount"`
	RoundTrips         int            `json:"roundTrips"`
	ClientTurns        int            `json:"clientTurns"`
	MaxCommandsPerTurn int            `json:"maxCommandsPerTurn"`
	Retrieved          int            `json:"retrieved"`

	TotalUs         float64 `json:"totalUs"`
	ServerUs        float64 `json:"serverUs"`
	ClientUs        float64 `json:"clientUs"`
	LinkUs          float64 `json:"linkUs"`
	LatencyUs       float64 `json:"latencyUs"`
	SerialisationUs float64 `json:"serialisationUs"`

	// TLS is "" without TLS, else its mode, version and cipher
	// ("starttls TLS 1.3 TLS_AES_128_GCM_SHA256").
	TLS       string  `json:"tls"`
	IdleCount int     `json:"idleCount"`
	IdleUs    float64 `json:"idleUs"`

	PreviousSession uint64  `json:"previousSession"`
	PollIntervalUs  float64 `json:"pollIntervalUs"`

	Patterns         []PatternDTO `json:"patterns"`
	SavingRoundTrips int          `json:"savingRoundTrips"`
}

// PatternDTO is one named pattern of round trips the client could have
// saved (trace.Pattern).
type PatternDTO struct {
	Name             string `json:"name"`
	Count            int    `json:"count"`
	SavingRoundTrips int    `json:"savingRoundTrips"`
	Detail           string `json:"detail"`
}

func usNs(ns int64) float64 { return float64(ns) / 1e3 }

func newReportDTO(r trace.Report) *ReportDTO {
	d := &ReportDTO{
		Login: r.Client.Login, Hello: r.Client.Hello, Software: r.Client.Software, ClientID: r.Client.ID,
		CapsOffered: r.Capabilities.Offered, CapsUsed: r.Capabilities.Used,
		Commands: r.Commands, CommandCount: r.CommandCount, RoundTrips: r.RoundTrips,
		ClientTurns: r.ClientTurns, MaxCommandsPerTurn: r.MaxCommandsPerTurn, Retrieved: r.Retrieved,
		TotalUs: usNs(r.Time.TotalNs), ServerUs: usNs(r.Time.ServerNs), ClientUs: usNs(r.Time.ClientNs),
		LinkUs: usNs(r.Time.LinkNs), LatencyUs: usNs(r.Time.LatencyNs), SerialisationUs: usNs(r.Time.SerialisationNs),
		PreviousSession: r.PreviousSession, PollIntervalUs: usNs(r.PollIntervalNs),
		SavingRoundTrips: r.SavingRoundTrips, Patterns: []PatternDTO{},
	}
	if r.TLS != nil {
		d.TLS = r.TLS.Mode
		if r.TLS.Version != "" {
			d.TLS += " " + r.TLS.Version + " " + r.TLS.Cipher
		}
	}
	if r.Idle != nil {
		d.IdleCount, d.IdleUs = r.Idle.Count, usNs(r.Idle.TotalNs)
	}
	for _, p := range r.Patterns {
		d.Patterns = append(d.Patterns, PatternDTO{Name: p.Name, Count: p.Count, SavingRoundTrips: p.SavingRoundTrips, Detail: p.Detail})
	}
	return d
}
