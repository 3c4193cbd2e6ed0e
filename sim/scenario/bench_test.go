package scenario

import (
	"context"
	"testing"
)

// bulk is issue 5's benchmark: 200 messages of 50 KB fetched once, over
// POP3 and over IMAP (synchronising whole messages, as POP3 does).
const bulk = `
id: bulk
title: 200 messages of 50 KB
mailbox: {messages: 200, size: 50KB, seed: 9}
devices: [{name: PC, pop3: delete, imap: offline}]
steps: [{do: check, device: PC}]
`

// BenchmarkCompare200x50KB: POP3 vs IMAP over two links, four runs in
// all (target: under 1 s of wall time on 2 cores).
//
//	go test -run '^$' -bench Compare200 -benchmem ./sim/scenario/
func BenchmarkCompare200x50KB(b *testing.B) { benchCompare(b, false) }

// BenchmarkCompare200x50KBCold also generates the 10 MB mailbox each
// time, as a comparison does that is given no cache (the CLI's).
func BenchmarkCompare200x50KBCold(b *testing.B) { benchCompare(b, true) }

func benchCompare(b *testing.B, cold bool) {
	sc, err := Parse([]byte(bulk))
	if err != nil {
		b.Fatal(err)
	}
	links, err := Links([]string{"dialup-56k", "adsl-8m"})
	if err != nil {
		b.Fatal(err)
	}
	// Warm: one cache across comparisons, as the app keeps.
	var mail *MailCache
	if !cold {
		mail = NewMailCache(DefaultMailCacheBytes)
	}
	var mb int64
	for b.Loop() {
		rs, err := Compare(context.Background(), sc, CompareOptions{Links: links, Mail: mail})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rs {
			if d := r.Devices[0]; d.OfflineReadable != 200 {
				b.Fatalf("%s/%s: %d messages readable, want 200", r.Protocol, r.Link.ID, d.OfflineReadable)
			}
			mb += r.PayloadDown
		}
	}
	b.ReportMetric(float64(mb)/1e6/float64(b.N), "MB-simulated/op")
}
