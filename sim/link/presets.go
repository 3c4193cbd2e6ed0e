package link

import (
	"fmt"
	"time"
)

// DefaultHeaderBytes is a Profile's usual HeaderBytes: IPv4 (20) + TCP
// (20) with no options. The presets use it, and so does a custom link
// made of the user's own bandwidth and latency figures.
const DefaultHeaderBytes = 40

// Custom is a link made of the user's own figures (bandwidth each way in
// bit/s, 0 for unlimited; round-trip time; jitter), with what every TCP
// link has: IPv4 + TCP headers and one round trip of handshake.
func Custom(downBps, upBps int64, rtt, jitter time.Duration) Profile {
	return Profile{
		ID: "custom", Name: "Custom", Description: "Your own figures.",
		DownBps: downBps, UpBps: upBps, Latency: rtt / 2, Jitter: jitter,
		HeaderBytes: DefaultHeaderBytes, HandshakeRTTs: 1,
	}
}

// Overheads shared by the presets.
const (
	pppFraming = 8   // HDLC flag, address, control, 2-byte protocol, 2-byte FCS, flag (RFC 1662)
	pppoeFrame = 8   // PPPoE header (6) + PPP protocol (2), RFC 2516
	dialupMSS  = 536 // dial-up stacks commonly used an MTU of 576 (RFC 879's default MSS)
)

// presets are ordered slowest first, the order a lesson walks through them.
var presets = []Profile{
	{
		ID: "loopback", Name: "Loopback",
		Description: "Same machine: no delay, no limit. The protocols with the network taken away.",
	},
	{
		// V.90 modem (ITU-T V.90, 1998): up to 56 kbit/s down, in practice
		// about 50 kbit/s (line quality and the FCC's 53.3k power limit);
		// 33.6 kbit/s up (V.34). Modem and PPP buffering made RTTs of
		// 120–200 ms typical. Dialling, training and PPP negotiation took
		// 15–30 s. Tariff: an illustrative metered local call of the late
		// 1990s, billed per started minute.
		ID: "dialup-56k", Name: "56k modem",
		Description: "A V.90 modem on a metered phone line: slow, high latency, and every minute costs money.",
		DownBps:     50_000, UpBps: 33_600, Latency: 75 * time.Millisecond,
		MSS: dialupMSS, HeaderBytes: DefaultHeaderBytes, FramingBytes: pppFraming, HandshakeRTTs: 1,
		DialTime: 20 * time.Second,
		Tariff:   Tariff{PerMinute: 0.04, PerCall: 0.10, Increment: time.Minute, Currency: "EUR"},
	},
	{
		// Basic-rate ISDN (ITU-T I.430): two 64 kbit/s B channels bonded
		// with Multilink PPP (RFC 1990); call set-up in about 2 s; RTT
		// about 40 ms. Two channels are two calls on the tariff.
		ID: "isdn-128k", Name: "ISDN 128k",
		Description: "Two bonded ISDN B channels: symmetric, quick to dial, still paid by the minute.",
		DownBps:     128_000, UpBps: 128_000, Latency: 20 * time.Millisecond,
		HeaderBytes: DefaultHeaderBytes, FramingBytes: pppFraming, HandshakeRTTs: 1,
		DialTime: 2 * time.Second,
		Tariff:   Tariff{PerMinute: 0.08, PerCall: 0.20, Increment: time.Minute, Currency: "EUR"},
	},
	{
		// 3G HSPA in practice (ITU IMT-2000; operator measurements of the
		// late 2000s): about 2 Mbit/s down, 0.5 up, RTT about 150 ms with
		// noticeable jitter.
		ID: "3g", Name: "3G (HSPA)",
		Description: "A phone on a 3G network: modest bandwidth, long and jittery round trips.",
		DownBps:     2_000_000, UpBps: 500_000, Latency: 75 * time.Millisecond, Jitter: 20 * time.Millisecond,
		HeaderBytes: DefaultHeaderBytes, HandshakeRTTs: 1,
	},
	{
		// ADSL (ITU-T G.992.1): up to 8 Mbit/s down and 1 Mbit/s up, PPPoE
		// framing (RFC 2516), RTT about 30 ms including interleaving.
		ID: "adsl-8m", Name: "ADSL 8M",
		Description: "Early always-on broadband: fast down, slow up, flat rate.",
		DownBps:     8_000_000, UpBps: 1_000_000, Latency: 15 * time.Millisecond,
		MSS: 1452, HeaderBytes: DefaultHeaderBytes, FramingBytes: pppoeFrame, HandshakeRTTs: 1,
	},
	{
		// LTE (3GPP Release 8) as measured in the field: about 30 Mbit/s
		// down, 10 up, RTT about 50 ms, some jitter.
		ID: "lte", Name: "4G (LTE)",
		Description: "A phone on 4G: broadband speeds with a mobile network's latency.",
		DownBps:     30_000_000, UpBps: 10_000_000, Latency: 25 * time.Millisecond, Jitter: 5 * time.Millisecond,
		HeaderBytes: DefaultHeaderBytes, HandshakeRTTs: 1,
	},
	{
		// Geostationary satellite broadband: 35,786 km up and down twice
		// makes ≥ 480 ms of propagation; about 600 ms RTT in service.
		// 20 Mbit/s down, 2 up (consumer Ka-band plans).
		ID: "satellite-geo", Name: "Satellite (GEO)",
		Description: "Broadband via a geostationary satellite: plenty of bandwidth, 600 ms round trips.",
		DownBps:     20_000_000, UpBps: 2_000_000, Latency: 300 * time.Millisecond,
		HeaderBytes: DefaultHeaderBytes, HandshakeRTTs: 1,
	},
	{
		// DOCSIS 3.0 cable: 100 Mbit/s down, 10 up, RTT about 20 ms.
		ID: "cable-100m", Name: "Cable 100M",
		Description: "Cable broadband: fast, always on, flat rate.",
		DownBps:     100_000_000, UpBps: 10_000_000, Latency: 10 * time.Millisecond,
		HeaderBytes: DefaultHeaderBytes, HandshakeRTTs: 1,
	},
	{
		// FTTH (GPON, ITU-T G.984): 1 Gbit/s symmetric plans, RTT about 4 ms.
		ID: "fibre-1g", Name: "Fibre 1G",
		Description: "Fibre to the home: the network almost disappears; round trips still count.",
		DownBps:     1_000_000_000, UpBps: 1_000_000_000, Latency: 2 * time.Millisecond,
		HeaderBytes: DefaultHeaderBytes, HandshakeRTTs: 1,
	},
}

// Presets returns the built-in link profiles, slowest first. The slice is a
// copy: callers may change it.
func Presets() []Profile {
	out := make([]Profile, len(presets))
	copy(out, presets)
	return out
}

// Preset returns the built-in profile with the given id.
func Preset(id string) (Profile, error) {
	for _, p := range presets {
		if p.ID == id {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("link: no preset %q (try: %s)", id, presetIDs())
}

func presetIDs() string {
	s := ""
	for i, p := range presets {
		if i > 0 {
			s += ", "
		}
		s += p.ID
	}
	return s
}
