package mailstore

import (
	"fmt"
	"testing"
)

func BenchmarkDeliver(b *testing.B) {
	for _, size := range []int{2 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			s := newStore(b, nil)
			raw := msg(0, size)
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Deliver("alice", raw, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDeliverWatched(b *testing.B) {
	s := newStore(b, nil)
	for range 4 {
		w, _ := s.Watch("alice", "INBOX")
		defer w.Close()
	}
	raw := msg(0, 2<<10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Deliver("alice", raw, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// seeded returns a store whose INBOX holds n generated messages.
func seeded(b *testing.B, n int) *Store {
	s := newStore(b, nil)
	for _, g := range Generate(GenOptions{Seed: 1, Count: n, AttachmentRatio: 0.1, AttachmentSize: 8 << 10, ThreadRatio: 0.3}) {
		if _, err := s.ImportEML("alice", "INBOX", g.Raw, nil, Op{}); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func BenchmarkMessages1000(b *testing.B) {
	s := seeded(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if msgs, err := s.Messages("alice", "INBOX"); err != nil || len(msgs) != 1000 {
			b.Fatal(len(msgs), err)
		}
	}
}

func BenchmarkMessage1000(b *testing.B) {
	s := seeded(b, 1000)
	b.ReportAllocs()
	uid := uint32(0)
	for b.Loop() {
		uid = uid%1000 + 1
		if _, err := s.Message("alice", "INBOX", uid); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFetchRange1000(b *testing.B) {
	s := seeded(b, 1000)
	set := UIDSet{{400, 449}}
	b.ReportAllocs()
	for b.Loop() {
		if msgs, err := s.Fetch("alice", "INBOX", set); err != nil || len(msgs) != 50 {
			b.Fatal(len(msgs), err)
		}
	}
}

func BenchmarkStatus1000(b *testing.B) {
	s := seeded(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Status("alice", "INBOX"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLockMaildrop1000(b *testing.B) {
	s := seeded(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		md, err := s.LockMaildrop("alice")
		if err != nil {
			b.Fatal(err)
		}
		md.Release()
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Generate(GenOptions{Seed: 1, Count: 100, AttachmentRatio: 0.2, AttachmentSize: 16 << 10, ThreadRatio: 0.3})
	}
}
