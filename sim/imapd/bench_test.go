package imapd

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailscope/mailscope/sim/mailstore"
)

const benchMessages = 1000

// benchWorld is a server whose INBOX holds 1,000 messages of 4 KB.
func benchWorld(b *testing.B) *world {
	b.Helper()
	w := newWorld(b, Options{})
	st := w.store
	body := strings.Repeat("The quick brown fox jumps over the lazy dog, again and again.\r\n", 70)
	for i := range benchMessages {
		raw := fmt.Sprintf("From: bench@lab\r\nTo: student@lab\r\nSubject: message %d\r\n\r\n%s", i, body)
		if _, err := st.Deliver("student", []byte(raw[:4096]), 0); err != nil {
			b.Fatal(err)
		}
	}
	// Drop the three small test messages so every message is 4 KB.
	st.StoreFlags("student", "INBOX", mailstore.UIDSetOf(1, 2, 3), mailstore.FlagsAdd, []string{`\Deleted`}, mailstore.Op{})
	st.Expunge("student", "INBOX", mailstore.Op{})
	return w
}

// fastWire is a lean raw client: it reads responses and skips literals
// without keeping them.
type fastWire struct {
	br  *bufio.Reader
	out io.Writer
}

func (c *fastWire) until(b *testing.B, tag string) (n int) {
	for {
		s, err := c.br.ReadSlice('\n')
		if err != nil {
			b.Fatalf("read: %v", err)
		}
		if i := strings.LastIndexByte(string(s), '{'); i >= 0 && strings.HasSuffix(string(s), "}\r\n") {
			size, _ := strconv.Atoi(string(s[i+1 : len(s)-3]))
			c.br.Discard(size)
			n++
			continue
		}
		if strings.HasPrefix(string(s), tag+" ") {
			if !strings.HasPrefix(string(s), tag+" OK") {
				b.Fatalf("%s", s)
			}
			return n
		}
	}
}

func benchSession(b *testing.B, w *world) *fastWire {
	conn := w.dialConn(b)
	c := &fastWire{br: bufio.NewReaderSize(conn, 64<<10), out: conn}
	c.br.ReadSlice('\n')
	io.WriteString(conn, "l LOGIN student secret\r\ns SELECT INBOX\r\n")
	c.until(b, "l")
	c.until(b, "s")
	return c
}

// One UID FETCH per message, lock-step, as a client that opens messages
// one at a time does.
func BenchmarkFetchPerMessage(b *testing.B) {
	w := benchWorld(b)
	c := benchSession(b, w)
	msgs, _ := w.store.Messages("student", "INBOX")
	b.SetBytes(4096)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		uid := msgs[i%len(msgs)].UID
		fmt.Fprintf(c.out, "f UID FETCH %d BODY.PEEK[]\r\n", uid)
		if n := c.until(b, "f"); n != 1 {
			b.Fatalf("UID FETCH %d returned %d bodies", uid, n)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// One FETCH for all 1,000 messages.
func BenchmarkFetchBulk(b *testing.B) {
	w := benchWorld(b)
	c := benchSession(b, w)
	b.SetBytes(4096 * benchMessages)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		io.WriteString(c.out, "f UID FETCH 1:* BODY.PEEK[]\r\n")
		if n := c.until(b, "f"); n != benchMessages {
			b.Fatalf("bulk FETCH returned %d bodies, want %d", n, benchMessages)
		}
	}
	b.ReportMetric(float64(b.N*benchMessages)/time.Since(start).Seconds(), "msgs/s")
}

// The same bulk FETCH through go-imap's client, which parses everything.
func BenchmarkFetchBulkGoIMAPClient(b *testing.B) {
	w := benchWorld(b)
	c := w.client(b, nil)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(4096 * benchMessages)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		msgs, err := c.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
		if err != nil || len(msgs) != benchMessages {
			b.Fatalf("Fetch = %d, %v", len(msgs), err)
		}
	}
	b.ReportMetric(float64(b.N*benchMessages)/time.Since(start).Seconds(), "msgs/s")
}
