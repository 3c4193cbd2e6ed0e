package mua

import (
	"bytes"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	pop3 "github.com/knadh/go-pop3"
	"github.com/mailscope/mailscope/sim/link"
)

// pop3Session is one POP3 connection: the library's Conn, the conn under
// it (go-pop3 has no Close; Quit closes, and on failure we do) and the link
// conn at the bottom, whose clock and counters the metrics read.
type pop3Session struct {
	c    *pop3.Conn
	pc   *pop3Conn
	conn *link.Conn
	caps map[string]string // CAPA tag → arguments
}

// close hangs up. After a broken connection it waits for the server to
// notice the break and end its session (pop3d releases the maildrop lock
// before it closes), so that a login at any later virtual time finds the
// lock free; otherwise whether the next check met [IN-USE] would depend
// on goroutine scheduling. The wait is bounded in wall time.
func (s *pop3Session) close() {
	s.pc.Close()
	if s.conn == nil || s.conn.Stats().Fault == "" {
		return
	}
	t := time.NewTimer(peerCloseWait)
	defer t.Stop()
	select {
	case <-s.conn.PeerClosed():
	case <-t.C:
	}
}

// peerCloseWait bounds, in wall time, how long close waits for the server
// to end a broken session.
const peerCloseWait = 5 * time.Second

// pop3Conn sits between go-pop3 and the link: it keeps the greeting (go-pop3
// reads and drops it; APOP needs its timestamp) and lets STLS swap a TLS
// conn in under the library, which has no buffered bytes left at that point.
type pop3Conn struct {
	net.Conn
	greeting []byte
	greeted  bool
}

func (c *pop3Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.greeted && n > 0 {
		if i := bytes.IndexByte(p[:n], '\n'); i >= 0 {
			c.greeting = append(c.greeting, p[:i]...)
			c.greeted = true
		} else if len(c.greeting) < 1024 {
			c.greeting = append(c.greeting, p[:n]...)
		}
	}
	return n, err
}

// dialFunc adapts a function to go-pop3's Dialer.
type dialFunc func(network, addr string) (net.Conn, error)

func (f dialFunc) Dial(network, addr string) (net.Conn, error) { return f(network, addr) }

// connect dials addr on the link with a link.Dialer starting at the
// action's current time and, in TLSImplicit mode, wraps the conn in TLS.
// It returns the conn to speak through and the link conn under it.
func (d *Device) connect(r *recorder, addr string) (net.Conn, *link.Conn, error) {
	if err := d.network(); err != nil {
		return nil, nil, err
	}
	dl := &link.Dialer{Link: d.cfg.Link, DialOptions: link.DialOptions{
		Start: r.now(), ClientAddr: d.name, Live: d.cfg.Live,
	}}
	c, err := dl.Dial("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("mua: %s: %w", d.name, err)
	}
	lc := dl.Last()
	r.add(lc)
	if d.cfg.TLSMode != TLSImplicit {
		return c, lc, nil
	}
	tc, err := d.startTLS(c, addr)
	if err != nil {
		lc.Close()
		return nil, lc, err
	}
	return tc, lc, nil
}

// startTLS runs a client TLS handshake over c.
func (d *Device) startTLS(c net.Conn, addr string) (net.Conn, error) {
	cfg, err := d.tlsConfig(addr)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("mua: %s: TLS with %s: %w", d.name, addr, err)
	}
	return tc, nil
}

// tlsConfig is the device's TLS configuration, naming the server by the
// host part of addr unless it names one.
func (d *Device) tlsConfig(addr string) (*tls.Config, error) {
	if d.cfg.TLS == nil {
		return nil, fmt.Errorf("mua: %s: TLS mode %d without a tls.Config", d.name, d.cfg.TLSMode)
	}
	cfg := d.cfg.TLS.Clone()
	if cfg.ServerName == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			cfg.ServerName = host
		}
	}
	return cfg, nil
}

// pop3Login connects, reads the greeting, asks CAPA, upgrades with STLS if
// the device wants it, and logs in.
func (d *Device) pop3Login(r *recorder) (*pop3Session, error) {
	addr := d.cfg.Servers.POP3
	if addr == "" {
		return nil, fmt.Errorf("mua: %s: pop3: %w", d.name, ErrNoServer)
	}
	if err := d.network(); err != nil {
		return nil, err
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("mua: %s: pop3 address: %w", d.name, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("mua: %s: pop3 port %q", d.name, portStr)
	}
	s := &pop3Session{}
	dial := dialFunc(func(_, a string) (net.Conn, error) {
		c, lc, err := d.connect(r, a)
		s.conn = lc
		if err != nil {
			return nil, err
		}
		s.pc = &pop3Conn{Conn: c}
		return s.pc, nil
	})
	c, err := pop3.New(pop3.Opt{Host: host, Port: port, Dialer: dial}).NewConn()
	if err != nil {
		if s.pc != nil {
			s.close()
		}
		return nil, fmt.Errorf("mua: %s: pop3 connect: %w", d.name, err)
	}
	s.c = c
	fail := func(what string, err error) (*pop3Session, error) {
		s.close()
		return nil, fmt.Errorf("mua: %s: pop3 %s: %w", d.name, what, err)
	}
	p := d.cfg.Policy
	if !p.POP3NoCapa || d.cfg.TLSMode == TLSStartTLS {
		s.capa()
	}
	if d.cfg.TLSMode == TLSStartTLS {
		if !s.has("STLS") {
			return fail("STLS", errors.New("server does not offer STLS"))
		}
		if _, err := c.Cmd("STLS", false); err != nil {
			return fail("STLS", err)
		}
		tc, err := d.startTLS(s.pc.Conn, addr)
		if err != nil {
			return fail("STLS", err)
		}
		s.pc.Conn = tc
		s.capa() // RFC 2595 4: what was learnt before TLS is forgotten
	}
	acct := d.cfg.Account
	switch {
	case p.POP3Auth == AuthAPOP:
		stamp := apopStamp(s.pc.greeting)
		if stamp == "" {
			return fail("APOP", errors.New("the greeting has no timestamp"))
		}
		sum := md5.Sum([]byte(stamp + acct.Password))
		_, err = c.Cmd("APOP", false, acct.User, hex.EncodeToString(sum[:]))
	case p.POP3Auth == AuthPlain && s.hasSASL("PLAIN"):
		ir := base64.StdEncoding.EncodeToString([]byte("\x00" + acct.User + "\x00" + acct.Password))
		_, err = c.Cmd("AUTH PLAIN "+ir, false)
	default:
		if err = c.User(acct.User); err == nil {
			err = c.Pass(acct.Password)
		}
	}
	if err != nil {
		return fail("login", err)
	}
	return s, nil
}

// capa asks CAPA (RFC 2449); a server without it leaves caps empty.
func (s *pop3Session) capa() {
	s.caps = map[string]string{}
	buf, err := s.c.Cmd("CAPA", true)
	if err != nil {
		return
	}
	for _, line := range strings.Split(buf.String(), "\r\n") {
		tag, args, _ := strings.Cut(strings.TrimSpace(line), " ")
		if tag != "" {
			s.caps[strings.ToUpper(tag)] = args
		}
	}
}

// apopStamp is the <...> timestamp of a POP3 greeting, or "".
func apopStamp(greeting []byte) string {
	i := bytes.IndexByte(greeting, '<')
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(greeting[i:], '>')
	if j < 0 {
		return ""
	}
	return string(greeting[i : i+j+1])
}

func (s *pop3Session) has(tag string) bool {
	_, ok := s.caps[tag]
	return ok
}

func (s *pop3Session) hasSASL(mech string) bool {
	for _, m := range strings.Fields(s.caps["SASL"]) {
		if strings.EqualFold(m, mech) {
			return true
		}
	}
	return false
}

// pipeline sends cmds in one write and reads each response, multi-line
// ones with ReadAll. fn sees each response in order; an -ERR comes as err.
func (s *pop3Session) pipeline(cmds []string, multi func(i int) bool, fn func(i int, body *bytes.Buffer, err error)) error {
	if len(cmds) == 0 {
		return nil
	}
	if err := s.c.Send(strings.Join(cmds, "\r\n")); err != nil {
		return err
	}
	for i := range cmds {
		line, err := s.c.ReadOne()
		if err != nil {
			if isProtocolErr(err) {
				fn(i, nil, err)
				continue
			}
			return err
		}
		body := bytes.NewBuffer(line)
		if multi(i) {
			if body, err = s.c.ReadAll(); err != nil {
				return err
			}
		}
		fn(i, body, nil)
	}
	return nil
}

// isProtocolErr tells an -ERR reply (go-pop3 turns it into a plain error)
// from a broken connection.
func isProtocolErr(err error) bool {
	if _, ok := err.(net.Error); ok {
		return false
	}
	switch err {
	case link.ErrOffline, link.ErrReset, net.ErrClosed:
		return false
	}
	return !strings.HasPrefix(err.Error(), "link:") && err.Error() != "EOF"
}

// checkPOP3 downloads mail from the POP3 server per the policy.
func (d *Device) checkPOP3(r *recorder) error {
	s, err := d.pop3Login(r)
	if err != nil {
		return err
	}
	p := d.cfg.Policy
	keep := p.Mode == POP3Keep

	// Which messages are on the server: UIDL when leaving mail there
	// (the UIDL is what tells old from new), LIST otherwise.
	type item struct {
		n    int
		uidl string
	}
	var todo, expire []item
	if keep {
		ids, err := s.c.Uidl(0)
		if err != nil {
			s.close()
			return fmt.Errorf("mua: %s: pop3 UIDL: %w", d.name, err)
		}
		for _, id := range ids {
			first, seen := d.seenPOP[id.UID]
			switch {
			case !seen:
				todo = append(todo, item{id.ID, id.UID})
			case p.DeleteAfter > 0 && r.now()-first >= p.DeleteAfter:
				expire = append(expire, item{id.ID, id.UID})
			}
		}
	} else {
		ids, err := s.c.List(0)
		if err != nil {
			s.close()
			return fmt.Errorf("mua: %s: pop3 LIST: %w", d.name, err)
		}
		for _, id := range ids {
			todo = append(todo, item{n: id.ID})
		}
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].n < todo[j].n })

	got := func(it item, raw []byte) {
		now := s.conn.Now()
		m := &Message{Folder: "INBOX", UIDL: it.uidl, Size: int64(len(raw)), Raw: raw, Received: now, Downloaded: now}
		fillHeaders(m, raw)
		d.add(m)
		if keep {
			d.seenPOP[it.uidl] = now
		}
		d.changed(ChangeDownloaded, m.ID, m.Folder, now)
		r.res.Downloaded++
		r.readable(now)
	}
	var dele []item
	pipelined := p.POP3Pipelining && s.has("PIPELINING")
	if pipelined {
		cmds := make([]string, len(todo))
		for i, it := range todo {
			cmds[i] = "RETR " + strconv.Itoa(it.n)
		}
		err = s.pipeline(cmds, func(int) bool { return true }, func(i int, body *bytes.Buffer, err error) {
			if err == nil {
				got(todo[i], body.Bytes())
				dele = append(dele, todo[i])
			}
		})
		if err != nil {
			s.close()
			return fmt.Errorf("mua: %s: pop3 RETR: %w", d.name, err)
		}
	} else {
		for _, it := range todo {
			body, err := s.c.RetrRaw(it.n)
			if err != nil {
				if isProtocolErr(err) {
					continue
				}
				s.close()
				return fmt.Errorf("mua: %s: pop3 RETR %d: %w", d.name, it.n, err)
			}
			got(it, body.Bytes())
			if !keep {
				if err := s.c.Dele(it.n); err == nil {
					r.res.DeletedOnServer++
				} else if !isProtocolErr(err) {
					s.close()
					return fmt.Errorf("mua: %s: pop3 DELE %d: %w", d.name, it.n, err)
				}
			}
		}
	}
	if keep {
		dele = dele[:0]
	}
	dele = append(dele, expire...)
	if !pipelined {
		for _, it := range expire {
			if err := s.c.Dele(it.n); err == nil {
				r.res.DeletedOnServer++
				delete(d.seenPOP, it.uidl)
			} else if !isProtocolErr(err) {
				s.close()
				return fmt.Errorf("mua: %s: pop3 DELE %d: %w", d.name, it.n, err)
			}
		}
		err := s.c.Quit()
		s.close()
		if err != nil {
			return fmt.Errorf("mua: %s: pop3 QUIT: %w", d.name, err)
		}
		return nil
	}
	// Pipelined: every DELE and the QUIT in one write.
	cmds := make([]string, 0, len(dele)+1)
	for _, it := range dele {
		cmds = append(cmds, "DELE "+strconv.Itoa(it.n))
	}
	cmds = append(cmds, "QUIT")
	var quitErr error
	err = s.pipeline(cmds, func(int) bool { return false }, func(i int, _ *bytes.Buffer, err error) {
		switch {
		case i == len(dele):
			quitErr = err
		case err == nil:
			r.res.DeletedOnServer++
			if dele[i].uidl != "" {
				delete(d.seenPOP, dele[i].uidl)
			}
		}
	})
	s.close()
	if err == nil {
		err = quitErr
	}
	if err != nil {
		return fmt.Errorf("mua: %s: pop3 QUIT: %w", d.name, err)
	}
	return nil
}
