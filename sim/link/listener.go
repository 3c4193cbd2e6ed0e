package link

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// Listener is an in-memory listener on a Link: servers Serve on it, and
// clients reach it with Link.Dial or a Dialer.
type Listener struct {
	link     *Link
	addr     string
	protocol string
	conns    chan *Conn
	done     chan struct{}
	once     sync.Once
}

var _ net.Listener = (*Listener)(nil)

// Listen makes a listener at addr (any name, e.g. "pop3.lab:110") for the
// given protocol ("smtp", "pop3", "imap"; used to name the trace).
func (l *Link) Listen(protocol, addr string) (*Listener, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.listeners[addr]; ok {
		return nil, fmt.Errorf("link: listen %s: address in use", addr)
	}
	ln := &Listener{link: l, addr: addr, protocol: protocol, conns: make(chan *Conn), done: make(chan struct{})}
	l.listeners[addr] = ln
	return ln, nil
}

// Accept waits for the next connection.
func (ln *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-ln.conns:
		return c, nil
	case <-ln.done:
		return nil, net.ErrClosed
	}
}

// Close stops the listener; open connections are not affected.
func (ln *Listener) Close() error {
	ln.once.Do(func() {
		close(ln.done)
		ln.link.mu.Lock()
		delete(ln.link.listeners, ln.addr)
		ln.link.mu.Unlock()
	})
	return nil
}

// Addr is the listener's address.
func (ln *Listener) Addr() net.Addr { return Addr(ln.addr) }

// DialOptions describes a dial on the link.
type DialOptions struct {
	// Start is the virtual time the client begins to connect.
	Start time.Duration
	// ClientAddr names the client ("Laptop"); empty means "client-N".
	ClientAddr string
	// Live paces the connection against the link's live clock.
	Live bool
}

// Dial connects to the listener at addr and returns the client's end.
func (l *Link) Dial(ctx context.Context, addr string, o DialOptions) (*Conn, error) {
	l.mu.Lock()
	ln := l.listeners[addr]
	l.mu.Unlock()
	if ln == nil {
		return nil, fmt.Errorf("link: dial %s: %w", addr, ErrRefused)
	}
	client, server, err := l.Pipe(PipeOptions{
		Protocol: ln.protocol, ClientAddr: o.ClientAddr, ServerAddr: addr, Start: o.Start, Live: o.Live,
	})
	if err != nil {
		return nil, err
	}
	select {
	case ln.conns <- server:
		return client, nil
	case <-ln.done:
	case <-ctx.Done():
	}
	client.Close()
	server.Close()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("link: dial %s: %w", addr, ErrRefused)
}

// Dialer dials on a Link. Its Dial method fits go-pop3's Dialer and
// net.Dialer-shaped hooks; the network argument is ignored.
type Dialer struct {
	Link *Link
	DialOptions
	// Last is the client end of the latest connection made, so a caller
	// (a simulated mail client) can read its clock and counters.
	mu   sync.Mutex
	last *Conn
}

// Dial connects to addr on the link.
func (d *Dialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

// DialContext connects to addr on the link.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.Link.Dial(ctx, addr, d.DialOptions)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.last = c
	d.mu.Unlock()
	return c, nil
}

// Last is the client end of the latest connection this Dialer made.
func (d *Dialer) Last() *Conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last
}
