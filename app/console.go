package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/link"
)

// ConsoleService is a telnet-like client: the user types protocol lines to
// any of the three servers and sees the replies. The connection crosses
// the link on the live clock, so it is traced and paced like any other.
type ConsoleService struct {
	lab  *lab.Lab
	emit *emitter

	mu    sync.Mutex
	next  int
	conns map[int]*link.Conn
}

func newConsoleService(l *lab.Lab, e *emitter) *ConsoleService {
	return &ConsoleService{lab: l, emit: e, conns: map[int]*link.Conn{}}
}

// Open connects a console to a service ("smtp", "pop3", "imap").
func (s *ConsoleService) Open(service string) (ConsoleDTO, error) {
	switch service {
	case lab.SMTP, lab.POP3, lab.IMAP:
	default:
		return ConsoleDTO{}, fmt.Errorf("app: console: no service %q (smtp, pop3, imap)", service)
	}
	c, err := s.lab.Dial(context.Background(), service, link.DialOptions{ClientAddr: "Console", Live: true})
	if err != nil {
		return ConsoleDTO{}, fmt.Errorf("app: console: %w", err)
	}
	s.mu.Lock()
	s.next++
	id := s.next
	s.conns[id] = c
	s.mu.Unlock()
	go s.read(id, c)
	return ConsoleDTO{ID: id, Service: service, Addr: s.lab.Addr(service), Session: c.Info().ID, Verbs: consoleVerbs[service]}, nil
}

// read forwards the server's lines in small batches until the connection
// ends.
func (s *ConsoleService) read(id int, c *link.Conn) {
	br := bufio.NewReaderSize(c, 64<<10)
	lines := make(chan string, 256)
	go func() {
		defer close(lines)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				lines <- strings.TrimRight(line, "\r\n")
			}
			if err != nil {
				reason := "connection closed by the server"
				if !errors.Is(err, io.EOF) {
					reason = "connection ended: " + err.Error()
				}
				lines <- "\x00" + reason
				return
			}
		}
	}()
	var batch []string
	tick := time.NewTicker(30 * time.Millisecond)
	defer tick.Stop()
	flush := func() {
		if len(batch) > 0 {
			s.emit.Emit(EventConsoleOutput, ConsoleOutputDTO{ID: id, Lines: batch})
			batch = nil
		}
	}
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return
			}
			if strings.HasPrefix(l, "\x00") {
				flush()
				s.mu.Lock()
				delete(s.conns, id)
				s.mu.Unlock()
				c.Close()
				s.emit.Emit(EventConsoleClosed, ConsoleOutputDTO{ID: id, Lines: []string{l[1:]}})
				continue
			}
			batch = append(batch, l)
			if len(batch) >= 200 {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// Send writes one line (CRLF added) to a console's server.
func (s *ConsoleService) Send(id int, line string) error {
	s.mu.Lock()
	c := s.conns[id]
	s.mu.Unlock()
	if c == nil {
		return fmt.Errorf("app: console %d is not open", id)
	}
	if len(line) > 64<<10 {
		return errors.New("app: console: line longer than 64 KiB")
	}
	_, err := io.WriteString(c, line+"\r\n")
	return err
}

// Close hangs up a console.
func (s *ConsoleService) Close(id int) error {
	s.mu.Lock()
	c := s.conns[id]
	delete(s.conns, id)
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
	return nil
}

func (s *ConsoleService) closeAll() {
	s.mu.Lock()
	conns := s.conns
	s.conns = map[int]*link.Conn{}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// consoleVerbs are offered for completion, per protocol.
var consoleVerbs = map[string][]string{
	lab.SMTP: {"EHLO", "HELO", "MAIL FROM:<", "RCPT TO:<", "DATA", "RSET", "NOOP", "QUIT", "VRFY", "AUTH PLAIN", "AUTH LOGIN", "STARTTLS", "HELP"},
	lab.POP3: {"USER", "PASS", "APOP", "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "QUIT", "TOP", "UIDL", "CAPA", "AUTH PLAIN", "STLS"},
	lab.IMAP: {"a1 CAPABILITY", "a1 LOGIN", "a1 SELECT INBOX", "a1 EXAMINE", "a1 LIST \"\" \"*\"", "a1 STATUS", "a1 FETCH", "a1 UID FETCH",
		"a1 SEARCH", "a1 STORE", "a1 COPY", "a1 MOVE", "a1 EXPUNGE", "a1 CREATE", "a1 DELETE", "a1 RENAME", "a1 APPEND", "a1 IDLE", "DONE",
		"a1 NOOP", "a1 LOGOUT", "a1 NAMESPACE", "a1 UNSELECT", "a1 CLOSE", "a1 SUBSCRIBE", "a1 LSUB"},
}
