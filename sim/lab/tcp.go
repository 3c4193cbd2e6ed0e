package lab

import (
	"errors"
	"fmt"
	"net"
	"sort"
)

// Endpoint is a real TCP address where an outside client reaches a service.
type Endpoint struct {
	Service  string `json:"service"`  // "pop3", "pop3s"…
	Protocol string `json:"protocol"` // "pop3"
	TLS      bool   `json:"tls"`      // implicit TLS from the first byte
	Addr     string `json:"addr"`     // "127.0.0.1:2110"
}

// DefaultTCP are the loopback addresses outside clients use by default:
// the well-known ports plus 2000 (25 → 2525 is the one exception, the
// customary alternative port), so no root is needed.
func DefaultTCP() map[string]string {
	return map[string]string{
		SMTP: "127.0.0.1:2525", SMTPS: "127.0.0.1:2465",
		POP3: "127.0.0.1:2110", POP3S: "127.0.0.1:2995",
		IMAP: "127.0.0.1:2143", IMAPS: "127.0.0.1:2993",
	}
}

// ErrNotLoopback refuses to listen beyond loopback without LAN.
var ErrNotLoopback = errors.New("lab: refusing to listen beyond loopback without --lan")

// ListenTCP opens real TCP listeners for outside clients: addrs maps a
// service to its address ("" or a missing service: not opened). Every
// accepted connection crosses the link under the live clock and is traced.
// Addresses that are not loopback need lan; the caller should warn and run
// the lab with RequireAuth.
func (l *Lab) ListenTCP(addrs map[string]string, lan bool) ([]Endpoint, error) {
	services := make([]string, 0, len(addrs))
	for s, a := range addrs {
		if a == "" {
			continue
		}
		if l.inApp[s] == "" {
			return nil, fmt.Errorf("lab: no service %q", s)
		}
		if !lan && !isLoopback(a) {
			return nil, fmt.Errorf("%w: %s %s", ErrNotLoopback, s, a)
		}
		services = append(services, s)
	}
	sort.Strings(services)
	var eps []Endpoint
	var opened []net.Listener
	for _, s := range services {
		raw, err := net.Listen("tcp", addrs[s])
		if err != nil {
			for _, ln := range opened {
				ln.Close()
			}
			return nil, fmt.Errorf("lab: listen %s on %s: %w", s, addrs[s], err)
		}
		opened = append(opened, raw)
		eps = append(eps, Endpoint{Service: s, Protocol: protocolOf(s), TLS: s != protocolOf(s), Addr: raw.Addr().String()})
	}
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		for _, ln := range opened {
			ln.Close()
		}
		return nil, errors.New("lab: closed")
	}
	l.tcp = append(l.tcp, opened...)
	l.eps = append(l.eps, eps...)
	l.mu.Unlock()
	for i, s := range services {
		wrapped := l.Link.WrapListener(opened[i], protocolOf(s))
		go l.serverFor(s).Serve(wrapped)
	}
	return eps, nil
}

// Endpoints are the open TCP listeners.
func (l *Lab) Endpoints() []Endpoint {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Endpoint(nil), l.eps...)
}

// StopTCP closes the TCP listeners; connections already open go on.
func (l *Lab) StopTCP() {
	l.mu.Lock()
	lns := l.tcp
	l.tcp, l.eps = nil, nil
	l.mu.Unlock()
	for _, ln := range lns {
		ln.Close()
	}
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
