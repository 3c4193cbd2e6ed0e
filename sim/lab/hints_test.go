package lab

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestEndpointExample(t *testing.T) {
	for _, tc := range []struct {
		ep   Endpoint
		want string
	}{
		{Endpoint{Service: POP3, Protocol: POP3, Addr: "127.0.0.1:2110"}, "curl pop3://127.0.0.1:2110/ -u student:secret"},
		{Endpoint{Service: POP3S, Protocol: POP3, TLS: true, Addr: "127.0.0.1:2995"}, "curl -k pop3s://127.0.0.1:2995/ -u student:secret"},
		{Endpoint{Service: IMAP, Protocol: IMAP, Addr: "127.0.0.1:2143"}, "curl imap://127.0.0.1:2143/INBOX -u student:secret"},
		{Endpoint{Service: IMAPS, Protocol: IMAP, TLS: true, Addr: "127.0.0.1:2993"}, "curl -k imaps://127.0.0.1:2993/ -u student:secret"},
		{Endpoint{Service: SMTP, Protocol: SMTP, Addr: "127.0.0.1:2525"},
			"curl smtp://127.0.0.1:2525 --mail-from you@example.org --mail-rcpt student@mailscope.lab -T msg.eml"},
		{Endpoint{Service: SMTPS, Protocol: SMTP, TLS: true, Addr: "127.0.0.1:2465"},
			"curl -k smtps://127.0.0.1:2465 -u student:secret --mail-from student@mailscope.lab --mail-rcpt student@mailscope.lab -T msg.eml"},
		{Endpoint{Service: "nntp", Protocol: "nntp", Addr: "127.0.0.1:2119"}, ""},
	} {
		t.Run(tc.ep.Service, func(t *testing.T) {
			if got := tc.ep.Example("student", "secret", "mailscope.lab"); got != tc.want {
				t.Errorf("Example() = %q, want %q", got, tc.want)
			}
		})
	}
}

// Every example does what it says when typed into a shell: curl, run in a
// directory holding msg.eml, succeeds against the lab's listeners, and the
// SMTP ones deliver.
func TestEndpointExampleRunsWithCurl(t *testing.T) {
	need(t, "curl")
	l, _ := tcpLab(t, Options{})
	dir := t.TempDir()
	msg := "From: curl@example.org\r\nTo: student@mailscope.lab\r\nSubject: from the example\r\n\r\nHello.\r\n"
	if err := os.WriteFile(filepath.Join(dir, "msg.eml"), []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	pass, _ := l.Store.Password("student")
	for _, ep := range l.Endpoints() {
		t.Run(ep.Service, func(t *testing.T) {
			line := ep.Example("student", pass, l.Domain)
			args := strings.Fields(line)
			if len(args) < 2 || args[0] != "curl" {
				t.Fatalf("Example() = %q, want a curl command", line)
			}
			before, _ := l.Store.Messages("student", "INBOX")
			cmd := exec.Command(args[0], append([]string{"-sS", "--max-time", "20"}, args[1:]...)...)
			cmd.Dir = dir
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\n%s", line, err, errb.String())
			}
			if testing.Verbose() {
				t.Logf("%s\n%s", line, out.String())
			}
			after, _ := l.Store.Messages("student", "INBOX")
			if ep.Protocol == SMTP && len(after) != len(before)+1 {
				t.Errorf("%s: student has %d messages, want %d", line, len(after), len(before)+1)
			}
		})
	}
}
