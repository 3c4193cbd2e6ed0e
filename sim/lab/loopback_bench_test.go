package lab

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
	pop3 "github.com/knadh/go-pop3"
)

// BenchmarkLoopback measures the servers as an outside client meets them:
// `mailscope serve` runs in its own process with the live trace on (printed
// as text to a pipe this process drains), and the clients here talk to it
// over real loopback TCP. Each iteration moves 1,000 messages of 4 KB.
//
//	go test -run '^$' -bench Loopback -benchtime 3x ./sim/lab
func BenchmarkLoopback(b *testing.B) {
	eps := startServe(b)
	msg := []byte("From: load@example.org\r\nTo: student@mailscope.lab\r\nSubject: load\r\n\r\n" +
		strings.Repeat(strings.Repeat("x", 78)+"\r\n", 51))
	const n = 1000

	deliver := func(b *testing.B, conns int) {
		var wg sync.WaitGroup
		for c := 0; c < conns; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sc, err := smtp.Dial(eps["smtp"])
				if err != nil {
					b.Error(err)
					return
				}
				defer sc.Close()
				for i := 0; i < n/conns; i++ {
					if err := sc.SendMail("load@example.org", []string{"student@mailscope.lab"}, strings.NewReader(string(msg))); err != nil {
						b.Error(err)
						return
					}
				}
				sc.Quit()
			}()
		}
		wg.Wait()
	}
	for _, conns := range []int{1, 4} {
		b.Run(fmt.Sprintf("smtp-deliveries-%dconn", conns), func(b *testing.B) {
			start := time.Now()
			for i := 0; i < b.N; i++ {
				deliver(b, conns)
			}
			b.ReportMetric(float64(b.N*n)/time.Since(start).Seconds(), "msgs/s")
		})
	}
	// The mailbox now holds at least 1,000 messages for the readers.
	b.Run("pop3-retr", func(b *testing.B) {
		start := time.Now()
		for i := 0; i < b.N; i++ {
			p := pop3.New(pop3.Opt{Host: "127.0.0.1", Port: port(eps["pop3"])})
			c, err := p.NewConn()
			if err != nil {
				b.Fatal(err)
			}
			c.User("student")
			c.Pass("secret")
			for j := 1; j <= n; j++ {
				if _, err := c.RetrRaw(j); err != nil {
					b.Fatal(err)
				}
			}
			c.Quit()
		}
		b.ReportMetric(float64(b.N*n)/time.Since(start).Seconds(), "msgs/s")
	})
	imapSession := func(b *testing.B) *imapclient.Client {
		c, err := imapclient.DialInsecure(eps["imap"], nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Login("student", "secret").Wait(); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			b.Fatal(err)
		}
		return c
	}
	body := []*imap.FetchItemBodySection{{Peek: true}}
	b.Run("imap-fetch-one-uid-each", func(b *testing.B) {
		c := imapSession(b)
		defer c.Close()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			for uid := imap.UID(1); uid <= n; uid++ {
				msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{BodySection: body}).Collect()
				if err != nil || len(msgs) != 1 {
					b.Fatalf("UID FETCH %d: %d messages, %v (the SMTP sub-benchmarks fill the mailbox: run them first)", uid, len(msgs), err)
				}
			}
		}
		b.ReportMetric(float64(b.N*n)/time.Since(start).Seconds(), "msgs/s")
	})
	b.Run("imap-fetch-bulk", func(b *testing.B) {
		c := imapSession(b)
		defer c.Close()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			msgs, err := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: n}}, &imap.FetchOptions{BodySection: body}).Collect()
			if err != nil || len(msgs) != n {
				b.Fatalf("bulk fetch: %d messages, %v", len(msgs), err)
			}
		}
		b.ReportMetric(float64(b.N*n)/time.Since(start).Seconds(), "msgs/s")
	})
}

func port(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	var n int
	fmt.Sscan(p, &n)
	return n
}

// startServe builds mailscope, starts `mailscope serve` on free loopback
// ports, and returns the service addresses from its banner.
func startServe(b *testing.B) map[string]string {
	b.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	bin := filepath.Join(b.TempDir(), "mailscope")
	if out, err := exec.Command("go", "build", "-o", bin, root).CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	args := []string{"serve", "--trace", benchTrace(), "--cert-dir", ""}
	for _, s := range []string{SMTP, SMTPS, POP3, POP3S, IMAP, IMAPS} {
		args = append(args, "--"+s, "127.0.0.1:0")
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	eps := map[string]string{}
	re := regexp.MustCompile(`^\s+(\w+)\s+(127\.0\.0\.1:\d+)`)
	br := bufio.NewReader(out)
	for len(eps) < 6 {
		line, err := br.ReadString('\n')
		if err != nil {
			b.Fatalf("serve banner: %v", err)
		}
		if m := re.FindStringSubmatch(line); m != nil {
			eps[m[1]] = m[2]
		}
	}
	go io.Copy(io.Discard, br) // the live trace
	return eps
}

// benchTrace is the served trace format: text unless MAILSCOPE_BENCH_TRACE
// says otherwise (none, to measure what printing costs).
func benchTrace() string {
	if v := os.Getenv("MAILSCOPE_BENCH_TRACE"); v != "" {
		return v
	}
	return "text"
}
