package cli

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/lab"
)

// serve prints the certificate's SHA-256 fingerprint, the one openssl
// s_client sees on its TLS port, and serves Thunderbird's autoconfig
// document at the URL it prints, listing its listeners.
func TestServeConnect(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	var out, errOut syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--cert-dir", t.TempDir(), "--trace", "none",
			"--smtp", "127.0.0.1:0", "--pop3", "", "--imap", "127.0.0.1:0",
			"--smtps", "", "--pop3s", "", "--imaps", "127.0.0.1:0"}, &out, &errOut)
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	url := waitFor(t, &out, regexp.MustCompile(`autoconfig\s+(http://\S+)`))[1]
	fp := waitFor(t, &out, regexp.MustCompile(`certificate SHA-256 ([0-9A-F:]{95})`))[1]
	imaps := waitFor(t, &out, regexp.MustCompile(`imaps\s+(127\.0\.0\.1:\d+)`))[1]

	sc := exec.Command("sh", "-c", openssl+" s_client -connect "+imaps+" </dev/null 2>/dev/null | "+openssl+" x509 -noout -fingerprint -sha256")
	got, err := sc.Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	if s := strings.TrimSpace(string(got)); !strings.HasSuffix(s, "Fingerprint="+fp) {
		t.Errorf("openssl s_client sees %q, serve prints %s", s, fp)
	}

	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var cc lab.ClientConfig
	if err := xml.Unmarshal(body, &cc); err != nil {
		t.Fatalf("autoconfig: %v\n%s", err, body)
	}
	var kinds []string
	for _, s := range append(cc.Provider.Incoming, cc.Provider.Outgoing...) {
		kinds = append(kinds, s.Type+"/"+s.SocketType)
		if !strings.Contains(out.String(), "127.0.0.1:"+s.Port) {
			t.Errorf("autoconfig port %s is not one serve printed", s.Port)
		}
	}
	if want := "imap/SSL imap/STARTTLS smtp/STARTTLS"; strings.Join(kinds, " ") != want {
		t.Errorf("autoconfig servers = %v, want %s", kinds, want)
	}
}
