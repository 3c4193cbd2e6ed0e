package link_test

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/mailscope/mailscope/sim/link"
)

// The real go-smtp server and client talk over the link: Serve takes the
// link's listener, NewClient takes the dialled conn, and the session costs
// what the profile says.

type smtpBackend struct {
	mu   sync.Mutex
	data []string
}

func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{b: b}, nil }

type smtpSession struct{ b *smtpBackend }

func (s *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.b.mu.Lock()
	s.b.data = append(s.b.data, string(b))
	s.b.mu.Unlock()
	return err
}
func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

func TestGoSMTPOverTheLink(t *testing.T) {
	p, _ := link.Preset("dialup-56k")
	l := link.New(link.Options{Profile: p})
	ln, err := l.Listen("smtp", "mx.lab:25")
	if err != nil {
		t.Fatal(err)
	}
	be := &smtpBackend{}
	srv := smtp.NewServer(be)
	srv.Domain = "mx.lab"
	go srv.Serve(ln)
	defer srv.Close()

	d := &link.Dialer{Link: l}
	conn, err := d.Dial("tcp", "mx.lab:25")
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClient(conn)
	msg := "Subject: hi\r\n\r\n" + strings.Repeat("a line of the body\r\n", 500)
	if err := c.SendMail("a@lab", []string{"b@lab"}, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	be.mu.Lock()
	got := be.data
	be.mu.Unlock()
	if len(got) != 1 || !bytes.Equal([]byte(got[0]), []byte(msg)) {
		t.Fatalf("delivered %d messages; first %d bytes, want %d", len(got), len(got[0]), len(msg))
	}
	st := d.Last().Stats()
	// The body alone is 10 KB at 33.6 kbit/s: over 2.4 s. The whole
	// session must cost at least that plus a round trip per command.
	minimum := link.Serialise(int64(len(msg)), p.UpBps) + 5*p.RTT()
	if st.Duration() < minimum || st.Duration() > 10*time.Second {
		t.Errorf("session took %v of virtual time, want ≥ %v and sane", st.Duration(), minimum)
	}
	if st.ClientTurns < 6 {
		t.Errorf("ClientTurns = %d, want ≥ 6 (greeting, EHLO, MAIL, RCPT, DATA, body, QUIT)", st.ClientTurns)
	}
	t.Logf("SMTP over dial-up: %v, %d turns, up %d wire bytes, down %d", st.Duration(), st.ClientTurns, st.Up.Wire, st.Down.Wire)
}
