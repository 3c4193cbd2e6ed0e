package pop3d

import (
	"bytes"
	"strings"
	"testing"
)

// A panic takes back the reply it cut short while none of it has left;
// the replies before it still go out.
func TestReplyWriterTakeBack(t *testing.T) {
	big := strings.Repeat("x", replyFlushAt+10)
	tests := []struct {
		name       string
		replies    []string // whole replies, then
		partial    []string // the writes of the reply the panic cut short
		between    bool     // takeBack's answer
		wantOnConn string   // after takeBack and Flush
	}{
		{"nothing written yet", nil, nil, true, ""},
		{"pipelined replies stay", []string{"+OK 1\r\n", "+OK 2\r\n"}, []string{"+OK 3 octets\r\n", "ab"}, true, "+OK 1\r\n+OK 2\r\n"},
		// Only the whole chunk that left stays; the rest of the cut reply
		// never reaches the client.
		{"long reply already on the wire", []string{"+OK 1\r\n"}, []string{"+OK big\r\n", big, "tail"}, false, ("+OK 1\r\n+OK big\r\n" + big)[:replyFlushAt]},
		{"long reply before", []string{big}, []string{"+OK 3 octets\r\n"}, true, big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var conn bytes.Buffer
			rw := &replyWriter{w: &conn}
			for _, r := range tt.replies {
				rw.next()
				rw.WriteString(r)
			}
			rw.next()
			for _, p := range tt.partial {
				rw.WriteString(p)
			}
			if got := rw.takeBack(); got != tt.between {
				t.Errorf("takeBack() = %v, want %v", got, tt.between)
			}
			if err := rw.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := conn.String(); got != tt.wantOnConn {
				t.Errorf("on the conn: %d bytes %.40q, want %d bytes %.40q", len(got), got, len(tt.wantOnConn), tt.wantOnConn)
			}
		})
	}
}

// A long reply leaves in chunks of exactly replyFlushAt bytes, as from the
// bufio.Writer before, so its segments on the link (and every figure a
// comparison reports) stay the same.
func TestReplyWriterChunks(t *testing.T) {
	var writes []int
	rw := &replyWriter{w: writeSizes{&writes}}
	line := strings.Repeat("y", 998) + "\r\n"
	for range 100 {
		rw.WriteString(line)
	}
	rw.Flush()
	total := 0
	for i, n := range writes {
		total += n
		if i < len(writes)-1 && n != replyFlushAt {
			t.Errorf("write %d is %d bytes, want %d", i, n, replyFlushAt)
		}
	}
	if total != 100*len(line) || len(writes) != 4 {
		t.Errorf("%d writes of %d bytes in all, want 4 writes of %d", len(writes), total, 100*len(line))
	}
}

type writeSizes struct{ n *[]int }

func (w writeSizes) Write(p []byte) (int, error) { *w.n = append(*w.n, len(p)); return len(p), nil }
