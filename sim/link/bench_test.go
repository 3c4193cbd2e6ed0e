package link

import (
	"bytes"
	"io"
	"testing"
	"time"
)

type countTap struct{ n, wire int }

func (c *countTap) Transfer(_ bool, p []byte, _, _ time.Duration, wire int, _ time.Time) {
	c.n += len(p)
	c.wire += wire
}
func (c *countTap) Mark(string, string, bool, time.Duration, time.Time) {}

// body is a message body as mail carries it: 76-character lines.
func body(size int) []byte {
	line := append(bytes.Repeat([]byte("x"), 76), '\r', '\n')
	var b bytes.Buffer
	for b.Len() < size {
		b.Write(line)
	}
	return b.Bytes()[:size]
}

func benchThroughput(b *testing.B, tap Tap, payload []byte, chunk int) {
	p, _ := Preset("adsl-8m")
	o := Options{Profile: p}
	if tap != nil {
		o.NewTap = func(ConnInfo) Tap { return tap }
	}
	l := New(o)
	c, s, _ := l.Pipe(PipeOptions{})
	defer c.Close()
	defer s.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, s)
		close(done)
	}()
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for off := 0; off < len(payload); off += chunk {
			end := min(off+chunk, len(payload))
			c.Write(payload[off:end])
		}
	}
	c.Close()
	<-done
}

// BenchmarkVirtualThroughput moves 1 MiB message bodies across a virtual
// pair, written in 32 KiB writes (as bufio does) and read line by line.
func BenchmarkVirtualThroughput(b *testing.B) {
	payload := body(1 << 20)
	b.Run("no-tap", func(b *testing.B) { benchThroughput(b, nil, payload, 32<<10) })
	b.Run("count-tap", func(b *testing.B) { benchThroughput(b, &countTap{}, payload, 32<<10) })
	b.Run("binary-no-lf", func(b *testing.B) { benchThroughput(b, &countTap{}, make([]byte, 1<<20), 32<<10) })
}

// BenchmarkLivePacing reports how close the live clock's wall pacing comes
// to the profile: wall-ms is the measured time of a 20-command lock-step
// session, model-ms what the profile says, and err-% their difference.
func BenchmarkLivePacing(b *testing.B) {
	p := Profile{UpBps: 1_000_000, DownBps: 1_000_000, Latency: 5 * time.Millisecond, HandshakeRTTs: 1}
	var wall, model time.Duration
	for i := 0; i < b.N; i++ {
		l := New(Options{Profile: p, Live: NewLiveClock(LiveOptions{})})
		c, s, _ := l.Pipe(PipeOptions{Live: true})
		go func() {
			buf := make([]byte, 64)
			for {
				if _, err := s.Read(buf); err != nil {
					return
				}
				io.WriteString(s, "+OK\r\n")
			}
		}()
		start := time.Now()
		vstart := c.Now() - p.Setup()
		buf := make([]byte, 64)
		for j := 0; j < 20; j++ {
			io.WriteString(c, "NOOP\r\n")
			c.Read(buf)
		}
		wall += time.Since(start)
		model += c.Now() - vstart - p.Setup()
		c.Close()
		s.Close()
	}
	b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "wall-ms")
	b.ReportMetric(float64(model.Milliseconds())/float64(b.N), "model-ms")
	b.ReportMetric(100*float64(wall-model)/float64(model), "err-%")
}
