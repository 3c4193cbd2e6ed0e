package app

import (
	"bufio"
	"io"
	"testing"

	"github.com/mailscope/mailscope/sim/link"
)

// A session stays open until both of its ends have closed; closed, its
// counters are the trace's totals, which agree with the link's.
func TestSessionsOpenUntilBothEndsClose(t *testing.T) {
	a := newApp(t, &recorder{})
	c, s, err := a.lab.Link.Pipe(link.PipeOptions{Protocol: "pop3"})
	if err != nil {
		t.Fatal(err)
	}
	cr, sr := bufio.NewReader(c), bufio.NewReader(s)
	io.WriteString(s, "+OK ready\r\n")
	cr.ReadString('\n')
	io.WriteString(c, "QUIT\r\n")
	sr.ReadString('\n')
	io.WriteString(s, "+OK bye\r\n")
	cr.ReadString('\n')

	only := func(when string) SessionDTO {
		t.Helper()
		list, err := a.Sessions.List()
		if err != nil || len(list) != 1 {
			t.Fatalf("%s: Sessions.List() = %+v, %v; want one session", when, list, err)
		}
		return list[0]
	}
	if got := only("both ends open"); !got.Open || got.PayloadUp != int64(len("QUIT\r\n")) {
		t.Errorf("both ends open: %+v, want open with 6 bytes up", got)
	}
	c.Close()
	if got := only("the client closed"); !got.Open {
		t.Errorf("the client closed, the server not yet: %+v, want open", got)
	}
	s.Close()
	st := c.Stats()
	got := only("both ends closed")
	want := SessionDTO{
		SessionInfoDTO: got.SessionInfoDTO, Open: false, EndUs: us(st.End),
		PayloadUp: st.Up.Payload, PayloadDown: st.Down.Payload, WireUp: st.Up.Wire, WireDown: st.Down.Wire,
	}
	if got != want {
		t.Errorf("both ends closed: %+v, want %+v", got, want)
	}
	if got.ID != st.ID || got.Protocol != "pop3" || got.PayloadDown != int64(len("+OK ready\r\n+OK bye\r\n")) {
		t.Errorf("both ends closed: %+v, want pop3 session %d with its 20 bytes down", got, st.ID)
	}
}
