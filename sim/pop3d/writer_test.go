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
		{"long reply already on the wire", []string{"+OK 1\r\n"}, []string{"+OK big\r\n", big, "tail"}, false, "+OK 1\r\n+OK big\r\n" + big},
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
