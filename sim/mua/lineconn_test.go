package mua

import (
	"io"
	"net"
	"strings"
	"testing"
)

// An internal test: lineConn is unexported, and needs no world.
func TestLineConnHandsOutOneLinePerRead(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	go func() { b.Write([]byte("250-one\r\n250-two\r\n250 three")); b.Close() }()
	c := &lineConn{Conn: a}
	var got []string
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			got = append(got, string(buf[:n]))
		}
		if err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
	}
	if want := []string{"250-one\r\n", "250-two\r\n", "250 three"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("reads %q, want %q", got, want)
	}
}
