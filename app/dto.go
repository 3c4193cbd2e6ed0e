package app

import (
	"time"

	"github.com/mailscope/mailscope/sim/link"
)

// PresetDTO is a link profile as the UI and `mailscope presets --json` see
// it: bandwidths in bit/s (0 = unlimited), times in milliseconds.
type PresetDTO struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	DownBps     int64  `json:"downBps"`
	UpBps       int64  `json:"upBps"`
	// RTTMs is the round-trip propagation time, 2 × one-way latency.
	RTTMs      float64   `json:"rttMs"`
	JitterMs   float64   `json:"jitterMs"`
	DialTimeMs float64   `json:"dialTimeMs"`
	Tariff     TariffDTO `json:"tariff"`
}

// TariffDTO is what a connection over the link costs.
type TariffDTO struct {
	PerMinute float64 `json:"perMinute"`
	PerCall   float64 `json:"perCall"`
	// IncrementMs is the billing unit; 0 means per second.
	IncrementMs float64 `json:"incrementMs"`
	Currency    string  `json:"currency"`
	// Flat is true when nothing is charged per call or minute.
	Flat bool `json:"flat"`
}

// NewPresetDTO converts a link profile for the frontend.
func NewPresetDTO(p link.Profile) PresetDTO {
	return PresetDTO{
		ID:          p.ID,
		Name:        p.Name,
		Description: p.Description,
		DownBps:     p.DownBps,
		UpBps:       p.UpBps,
		RTTMs:       ms(p.RTT()),
		JitterMs:    ms(p.Jitter),
		DialTimeMs:  ms(p.DialTime),
		Tariff: TariffDTO{
			PerMinute:   p.Tariff.PerMinute,
			PerCall:     p.Tariff.PerCall,
			IncrementMs: ms(p.Tariff.Increment),
			Currency:    p.Tariff.Currency,
			Flat:        p.Tariff.Flat(),
		},
	}
}

// PresetDTOs converts the built-in presets, slowest first.
func PresetDTOs() []PresetDTO {
	ps := link.Presets()
	out := make([]PresetDTO, len(ps))
	for i, p := range ps {
		out[i] = NewPresetDTO(p)
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
