package link

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// deliveryTap records, in the order the link reports them, the bytes of
// each direction and the marks.
type deliveryTap struct {
	mu     sync.Mutex
	events []string // "up:N", "down:N" (bytes), "mark:kind:detail"
	bytes  [2]int
	arrive time.Duration // latest arrival reported
}

func (d *deliveryTap) Transfer(fromClient bool, p []byte, _, arrive time.Duration, _ int, _ time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	dir, name := Down, "down"
	if fromClient {
		dir, name = Up, "up"
	}
	d.bytes[dir] += len(p)
	d.arrive = max(d.arrive, arrive)
	d.events = append(d.events, fmt.Sprintf("%s:%d", name, len(p)))
}

func (d *deliveryTap) Mark(kind, detail string, _ bool, at time.Duration, _ time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.events = append(d.events, "mark:"+kind+":"+detail)
}

// index gives the first and last events of the last event of the given kind, or -1.
func (d *deliveryTap) index(prefix string) (first, last int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	first, last = -1, -1
	for i, e := range d.events {
		if strings.HasPrefix(e, prefix) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}

// lines is a message body of n bytes in 64-byte lines.
func lines(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
		if i%64 == 63 {
			b[i] = '\n'
		}
	}
	return b
}

// What the tap hears is what the reader got, when the link breaks in the
// middle of a transfer; and the fault comes after it.
func TestTapReportsOnlyDelivered(t *testing.T) {
	p, _ := Preset("dialup-56k")
	p = noJitter(p)
	const size = 65930
	cases := []struct {
		name  string
		fault Fault
		brk   func(l *Link, c, s *Conn) // breaks the link after the reader got some
		mark  string
	}{
		{name: "reset after", fault: ResetAfter{Dir: Down, Bytes: 12345}, mark: "mark:fault:reset after 12345"},
		{name: "offline", brk: func(l *Link, _, _ *Conn) { l.SetOffline(true) }, mark: "mark:fault:offline"},
		{name: "reset", brk: func(_ *Link, c, _ *Conn) { c.Reset(nil) }, mark: "mark:fault:reset"},
		{name: "reader closes", brk: func(_ *Link, c, _ *Conn) { c.Close() }, mark: "mark:close:client closed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tap := &deliveryTap{}
			l := New(Options{Profile: p, NewTap: func(ConnInfo) Tap { return tap }})
			if tc.fault != nil {
				l.InjectNext(tc.fault)
			}
			c, s := mustPipe(t, l, PipeOptions{Protocol: "pop3"})
			s.Write(lines(size)) // queued at once: the buffer holds it
			got := 0
			buf := make([]byte, 4096)
			for {
				if tc.brk != nil && got >= 20000 {
					tc.brk(l, c, s)
					break
				}
				n, err := c.Read(buf)
				got += n
				if err != nil {
					if !errors.Is(err, ErrReset) {
						t.Fatalf("Read after %d bytes: %v, want ErrReset", got, err)
					}
					break
				}
			}
			s.Close()
			c.Close()
			// A reader that closes had also received, unread, the rest of
			// the segments it was reading.
			heard := tap.bytes[Down]
			if tc.name == "reader closes" {
				if heard < got || heard >= size {
					t.Errorf("tap heard %d bytes, the client read %d of %d", heard, got, size)
				}
			} else if heard != got {
				t.Errorf("tap heard %d bytes, the client read %d", heard, got)
			}
			// What the tap never heard of, the counters call lost.
			if st := c.Stats(); int64(heard)+st.Down.Lost != st.Down.Payload || (tc.fault == nil && st.Down.Payload != size) {
				t.Errorf("tap heard %d, the link lost %d of the %d it carried (%d written)", heard, st.Down.Lost, st.Down.Payload, size)
			}
			if tc.fault != nil && got != 12345 {
				t.Errorf("the client read %d bytes, want 12345", got)
			}
			_, lastData := tap.index("down:")
			m, _ := tap.index(tc.mark)
			if m < 0 || m < lastData {
				t.Errorf("%q at %d, last data at %d: %q", tc.mark, m, lastData, tap.events)
			}
			if tap.arrive > c.Now() {
				t.Errorf("a reported byte arrived at %v, after the client's clock %v", tap.arrive, c.Now())
			}
		})
	}
}

// A writer that closes after its last bytes: the tap hears them before
// the close, though the reader takes them later.
func TestTapReportsBeforeWritersClose(t *testing.T) {
	tap := &deliveryTap{}
	p, _ := Preset("dialup-56k")
	l := New(Options{Profile: noJitter(p), NewTap: func(ConnInfo) Tap { return tap }})
	c, s := mustPipe(t, l, PipeOptions{})
	io.WriteString(s, "+OK bye\r\n")
	s.Close()
	_, data := tap.index("down:")
	cl, _ := tap.index("mark:close:server closed")
	if data < 0 || cl < data {
		t.Errorf("events = %q, want the bytes before the close", tap.events)
	}
	if b, _ := io.ReadAll(c); string(b) != "+OK bye\r\n" {
		t.Errorf("client read %q", b)
	}
	if tap.bytes[Down] != 9 {
		t.Errorf("tap heard %d bytes, want 9 (once)", tap.bytes[Down])
	}
}
