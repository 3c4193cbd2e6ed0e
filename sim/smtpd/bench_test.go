package smtpd

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/mailscope/mailscope/sim/link"
)

// BenchmarkDeliver measures SMTP deliveries of 4 KB messages over the
// link (a perfect profile, virtual clock) into the store: one
// transaction per message on 1 and 4 long-lived sessions.
func BenchmarkDeliver(b *testing.B) {
	msg := []byte(message("bench", 4096))
	for _, sessions := range []int{1, 4} {
		b.Run(fmt.Sprintf("sessions=%d", sessions), func(b *testing.B) {
			w := newWorld(b, Options{})
			var left atomic.Int64
			left.Store(int64(b.N))
			b.SetBytes(int64(len(msg)))
			b.ResetTimer()
			var wg sync.WaitGroup
			for range sessions {
				wg.Add(1)
				go func() {
					defer wg.Done()
					conn, err := w.link.Dial(b.Context(), addr, link.DialOptions{})
					if err != nil {
						b.Error(err)
						return
					}
					c := smtp.NewClient(conn)
					defer c.Close()
					for left.Add(-1) >= 0 {
						if err := c.Mail("bench@example.org", nil); err != nil {
							b.Error(err)
							return
						}
						if err := c.Rcpt("student@mailscope.lab", nil); err != nil {
							b.Error(err)
							return
						}
						wc, err := c.Data()
						if err != nil {
							b.Error(err)
							return
						}
						wc.Write(msg)
						if err := wc.Close(); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
			if n := len(w.inbox(b, "student")); n != b.N {
				b.Errorf("stored %d, want %d", n, b.N)
			}
		})
	}
}
