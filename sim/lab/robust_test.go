package lab

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// 500 rapid connections to each server — opened, some greeted, some cut
// at once, some sending garbage — and every server keeps serving: a
// normal session afterwards works and no stored message changed.
func TestRapidConnections(t *testing.T) {
	l, eps := tcpLab(t, Options{})
	l.Seed("student", 5, 1)
	before, _ := l.Store.Messages("student", "INBOX")
	for _, svc := range []string{SMTP, POP3, IMAP} {
		addr := eps[svc]
		if addr == "" {
			t.Errorf("no %s listener", svc)
			continue
		}
		t.Run(svc, func(t *testing.T) {
			var wg sync.WaitGroup
			sem := make(chan struct{}, 50)
			for i := 0; i < 500; i++ {
				wg.Add(1)
				sem <- struct{}{}
				go func(i int) {
					defer wg.Done()
					defer func() { <-sem }()
					c, err := net.DialTimeout("tcp", addr, 5*time.Second)
					if err != nil {
						t.Errorf("dial %d: %v", i, err)
						return
					}
					defer c.Close()
					switch i % 3 {
					case 0: // hang up at once
					case 1: // garbage, then hang up
						c.Write([]byte("\x00\xff\x16\x03\x01 garbage\r\n" + strings.Repeat("Z", 2000) + "\r\n"))
					case 2: // wait for the greeting
						c.SetReadDeadline(time.Now().Add(10 * time.Second))
						if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
							t.Errorf("greeting %d: %v", i, err)
						}
					}
				}(i)
			}
			wg.Wait()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			greet, err := br.ReadString('\n')
			if err != nil || !(strings.HasPrefix(greet, "220") || strings.HasPrefix(greet, "+OK") || strings.HasPrefix(greet, "* OK")) {
				t.Fatalf("after 500 connections the greeting is %q, %v", greet, err)
			}
		})
	}
	after, _ := l.Store.Messages("student", "INBOX")
	if len(after) != len(before) {
		t.Errorf("store changed: %d messages, was %d", len(after), len(before))
	}
}
