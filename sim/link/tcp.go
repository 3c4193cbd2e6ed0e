package link

import (
	"errors"
	"io"
	"net"
	"sync"
)

// WrapTCP puts the link between an outside client's real TCP connection
// and a server: it returns the server's end of a live pair and pumps bytes
// between tcp and the client's end, so the server, the trace and the
// counters see exactly what an in-app connection would, paced by the live
// clock. Closing either side closes the other after the bytes in flight
// have arrived. The caller MUST close the returned conn.
func (l *Link) WrapTCP(tcp net.Conn, protocol string) (*Conn, error) {
	client, server, err := l.Pipe(PipeOptions{
		Protocol:   protocol,
		ClientAddr: tcp.RemoteAddr().String(),
		ServerAddr: tcp.LocalAddr().String(),
		Live:       true,
	})
	if err != nil {
		tcp.Close()
		return nil, err
	}
	var wg sync.WaitGroup
	wg.Add(2)
	// Outside client → link.
	go func() {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := tcp.Read(buf)
			if n > 0 {
				if _, werr := client.Write(buf[:n]); werr != nil {
					tcp.Close()
					return
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					client.CloseWrite()
				} else {
					client.Close()
				}
				return
			}
		}
	}()
	// Link → outside client, paced.
	go func() {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := client.readBulk(buf)
			if n > 0 {
				if _, werr := tcp.Write(buf[:n]); werr != nil {
					client.Close()
					return
				}
			}
			if err != nil {
				if errors.Is(err, ErrReset) || errors.Is(err, ErrOffline) {
					if tc, ok := tcp.(*net.TCPConn); ok {
						tc.SetLinger(0) // send an RST, as the link did
					}
				}
				tcp.Close()
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		client.Close()
	}()
	return server, nil
}

// tcpListener wraps a real listener so every accepted conn goes through
// the link.
type tcpListener struct {
	net.Listener
	link     *Link
	protocol string
}

// WrapListener returns a listener whose accepted connections pass through
// the link (see WrapTCP). A connection accepted while the link is offline
// is closed at once, as a dial would fail.
func (l *Link) WrapListener(ln net.Listener, protocol string) net.Listener {
	return &tcpListener{Listener: ln, link: l, protocol: protocol}
}

func (t *tcpListener) Accept() (net.Conn, error) {
	for {
		c, err := t.Listener.Accept()
		if err != nil {
			return nil, err
		}
		wc, err := t.link.WrapTCP(c, t.protocol)
		if err == nil {
			return wc, nil
		}
		// Offline: refuse this one and keep listening.
	}
}
