package lab

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/trace"
)

// Every snippet ClientSettings gives is run for real, with the tool it is
// for, against the lab's TCP listeners: the mail is sent or fetched, over
// TLS trusting only the lab's certificate.

// connectLab is tcpLab with the certificate kept in a directory, as the app
// and serve keep it, and two messages for the student to fetch.
func connectLab(t *testing.T) (*Lab, CertInfo) {
	t.Helper()
	l, _ := tcpLab(t, Options{CertDir: t.TempDir()})
	if err := l.Seed("student", 2, 4); err != nil {
		t.Fatal(err)
	}
	ci, ok := l.Cert()
	if !ok || ci.File == "" {
		t.Fatalf("Cert() = %+v, %v; want the kept certificate", ci, ok)
	}
	return l, ci
}

func snippet(t *testing.T, l *Lab, ep Endpoint, client string) string {
	t.Helper()
	for _, s := range l.ClientSettings(ep, "student", "secret") {
		if s.Client == client {
			return s.Text
		}
	}
	t.Fatalf("ClientSettings(%s) has no %s snippet", ep.Service, client)
	return ""
}

// commands are a snippet's lines that are not comments.
func commands(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

func shell(t *testing.T, dir, stdin, line string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "HOME="+dir, "FETCHMAILHOME="+dir), env...)
	cmd.Stdin = strings.NewReader(stdin)
	// A tool that hangs (or leaves a child holding the pipes) is killed
	// with its process group when the time is up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", line, err, out.String(), errb.String())
	}
	if testing.Verbose() {
		t.Logf("%s\n%s%s", line, out.String(), errb.String())
	}
	return out.String()
}

func studentInbox(l *Lab) int {
	ms, _ := l.Store.Messages("student", "INBOX")
	return len(ms)
}

const connectMsg = "From: student@mailscope.lab\r\nTo: student@mailscope.lab\r\nSubject: from the snippet\r\n\r\nHello.\r\n"

func TestClientSettingsCurl(t *testing.T) {
	need(t, "curl")
	l, _ := connectLab(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "msg.eml"), []byte(connectMsg), 0o644)
	for _, ep := range l.Endpoints() {
		t.Run(ep.Service, func(t *testing.T) {
			text := snippet(t, l, ep, "curl")
			if !strings.Contains(text, "--cacert") || strings.Contains(text, " -k ") {
				t.Errorf("curl snippet does not pin the certificate:\n%s", text)
			}
			before := studentInbox(l)
			var out string
			for _, line := range commands(text) {
				out = shell(t, dir, "", strings.Replace(line, "curl ", "curl -sS --max-time 20 ", 1))
			}
			if ep.Protocol == SMTP {
				if got := studentInbox(l); got != before+1 {
					t.Errorf("student has %d messages, want %d", got, before+1)
				}
			} else if !strings.Contains(out, "Subject:") {
				t.Errorf("the last command fetched no message:\n%s", out)
			}
		})
	}
}

func TestClientSettingsPython(t *testing.T) {
	need(t, "python3")
	l, _ := connectLab(t)
	dir := t.TempDir()
	for _, ep := range l.Endpoints() {
		t.Run(ep.Service, func(t *testing.T) {
			text := snippet(t, l, ep, "python")
			os.WriteFile(filepath.Join(dir, "s.py"), []byte(text), 0o644)
			before := studentInbox(l)
			out := shell(t, dir, "", "python3 s.py")
			switch ep.Protocol {
			case SMTP:
				if got := studentInbox(l); got != before+1 {
					t.Errorf("student has %d messages, want %d", got, before+1)
				}
			default:
				if !strings.Contains(out, strconv.Itoa(before)+" messages") || !strings.Contains(out, "Subject:") {
					t.Errorf("want %d messages and the first one:\n%s", before, out)
				}
			}
		})
	}
	// The pin holds: another certificate's fingerprint fails the script.
	ep := l.Endpoints()[0]
	ci, _ := l.Cert()
	bad := strings.Replace(snippet(t, l, ep, "python"), strings.ReplaceAll(ci.SHA256, ":", ""), strings.Repeat("00", 32), 1)
	os.WriteFile(filepath.Join(dir, "bad.py"), []byte(bad), 0o644)
	if err := exec.Command("python3", filepath.Join(dir, "bad.py")).Run(); err == nil {
		t.Error("the Python snippet with a wrong pin succeeded")
	}
}

func TestClientSettingsFetchmail(t *testing.T) {
	need(t, "fetchmail")
	l, _ := connectLab(t)
	for _, ep := range l.Endpoints() {
		t.Run(ep.Service, func(t *testing.T) {
			text := snippet(t, l, ep, "fetchmail")
			if ep.Protocol == SMTP {
				if len(commands(text)) != 0 {
					t.Errorf("fetchmail for SMTP should be only a note:\n%s", text)
				}
				return
			}
			home := t.TempDir()
			rc := filepath.Join(home, "fetchmailrc")
			os.WriteFile(rc, []byte("set no syslog\n"+text), 0o600)
			// --pidfile: as root fetchmail locks /var/run/fetchmail.pid, shared
			// by every run on the machine, whatever HOME says.
			shell(t, home, "", "fetchmail -f "+rc+" -i "+home+"/ids --pidfile "+home+"/fetchmail.pid --nodetach")
			mbox, _ := os.ReadFile(filepath.Join(home, "mail.mbox"))
			if n := bytes.Count(mbox, []byte("\nSubject:")); n != studentInbox(l) {
				t.Errorf("mail.mbox has %d messages, want %d", n, studentInbox(l))
			}
			if ep.TLS || strings.Contains(text, "sslfingerprint") {
				// A wrong fingerprint is refused.
				bad := strings.Replace(text, l.mustCert(t).MD5, strings.Repeat("00:", 15)+"00", 1)
				os.WriteFile(rc, []byte("set no syslog\n"+bad), 0o600)
				cmd := exec.Command("fetchmail", "-f", rc, "-i", home+"/ids2", "--pidfile", home+"/fetchmail.pid", "--nodetach")
				cmd.Dir, cmd.Env = home, append(os.Environ(), "HOME="+home, "FETCHMAILHOME="+home)
				if out, err := cmd.CombinedOutput(); err == nil {
					t.Errorf("fetchmail with a wrong fingerprint succeeded:\n%s", out)
				}
			}
		})
	}
}

func (l *Lab) mustCert(t *testing.T) CertInfo {
	ci, ok := l.Cert()
	if !ok {
		t.Fatal("no certificate")
	}
	return ci
}

// sawClientLine reports whether a client sent a line starting with verb on
// any session since the event numbered from.
func sawClientLine(t *testing.T, l *Lab, from int, verb string) bool {
	snap := settled(t, l)
	for i := from; i < snap.Len(); i++ {
		ev := snap.At(i)
		if ev.Dir == trace.ClientToServer && ev.Kind == trace.KindLine && strings.Contains(strings.ToUpper(ev.Display(true)), verb) {
			return true
		}
	}
	return false
}

func TestClientSettingsNeomutt(t *testing.T) {
	need(t, "neomutt")
	l, _ := connectLab(t)
	for _, ep := range l.Endpoints() {
		t.Run(ep.Service, func(t *testing.T) {
			home := t.TempDir()
			rc := filepath.Join(home, "muttrc")
			text := snippet(t, l, ep, "neomutt")
			os.WriteFile(rc, []byte(text+"set record=\"\"\nset quit=yes\nset header_cache=\"\"\n"), 0o600)
			if ep.Protocol == SMTP {
				before := studentInbox(l)
				shell(t, home, "Hello from neomutt.\n", "neomutt -n -F "+rc+" -s snippet student@mailscope.lab")
				if got := studentInbox(l); got != before+1 {
					t.Errorf("student has %d messages, want %d", got, before+1)
				}
				return
			}
			// Reading needs a terminal: script(1) gives it one.
			need(t, "script")
			from := settled(t, l).Len()
			shell(t, home, "", "script -qec \"neomutt -n -F "+rc+" -e 'push <quit>'\" /dev/null", "TERM=xterm")
			verb := map[string]string{IMAP: "SELECT", POP3: "UIDL"}[ep.Protocol]
			if !sawClientLine(t, l, from, verb) {
				t.Errorf("neomutt never sent %s: it did not log in", verb)
			}
		})
	}
}

func TestClientSettingsOpenSSL(t *testing.T) {
	need(t, "openssl")
	l, ci := connectLab(t)
	dir := t.TempDir()
	for _, ep := range l.Endpoints() {
		t.Run(ep.Service, func(t *testing.T) {
			text := snippet(t, l, ep, "openssl")
			cmds := commands(text)
			if len(cmds) != 2 {
				t.Fatalf("want a session and a fingerprint command:\n%s", text)
			}
			if want := !ep.TLS; strings.Contains(cmds[0], "-starttls "+ep.Protocol) != want {
				t.Errorf("-starttls %s in %q: want %v", ep.Protocol, cmds[0], want)
			}
			// What the snippet says to type, typed.
			var typed strings.Builder
			_, after, _ := strings.Cut(text, "# then type:\n")
			for _, line := range strings.Split(after, "\n") {
				if rest, ok := strings.CutPrefix(line, "#   "); ok {
					typed.WriteString(rest + "\n")
				}
			}
			out := shell(t, dir, typed.String(), cmds[0])
			want := map[string]string{SMTP: "235 ", POP3: "+OK", IMAP: "b OK"}[ep.Protocol]
			if ep.Protocol == POP3 {
				want = "+OK 2 " // STAT: the two seeded messages
			}
			if !strings.Contains(out, want) {
				t.Errorf("no %q in the session:\n%s", want, out)
			}
			// The fingerprint openssl sees is the one the lab shows.
			fp := shell(t, dir, "", cmds[1])
			if got := strings.TrimSpace(fp); got != "sha256 Fingerprint="+ci.SHA256 && got != "SHA256 Fingerprint="+ci.SHA256 {
				t.Errorf("openssl prints %q, the lab shows %s", got, ci.SHA256)
			}
		})
	}
	// And the file's fingerprint, as openssl x509 prints it.
	fp := shell(t, dir, "", "openssl x509 -noout -fingerprint -sha256 -in "+ci.File)
	if !strings.HasSuffix(strings.TrimSpace(fp), "="+ci.SHA256) {
		t.Errorf("openssl x509 prints %q, the lab shows %s", fp, ci.SHA256)
	}
}

// Thunderbird is not here to run: its manual settings agree with the
// listener and with the autoconfig document it would read instead.
func TestClientSettingsThunderbird(t *testing.T) {
	l, ci := connectLab(t)
	cc := l.Autoconfig(l.Endpoints())
	servers := append(append([]ServerConfig(nil), cc.Provider.Incoming...), cc.Provider.Outgoing...)
	for _, ep := range l.Endpoints() {
		text := snippet(t, l, ep, "thunderbird")
		_, port, _ := strings.Cut(ep.Addr, ":")
		want := map[bool]string{true: "SSL/TLS", false: "STARTTLS"}[ep.TLS]
		for _, field := range []string{"Server:              127.0.0.1", "Port:                " + port, "Connection security: " + want, "Username:            student", ci.SHA256} {
			if !strings.Contains(text, field) {
				t.Errorf("%s: no %q in\n%s", ep.Service, field, text)
			}
		}
		found := false
		for _, s := range servers {
			if s.Port == port && s.Type == ep.Protocol && s.SocketType == map[bool]string{true: "SSL", false: "STARTTLS"}[ep.TLS] {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: not in the autoconfig document", ep.Service)
		}
	}
}

// Without a kept certificate the snippets name a file to save it to.
func TestClientSettingsCertNotKept(t *testing.T) {
	l, _ := tcpLab(t, Options{})
	ci, _ := l.Cert()
	if ci.File != "" || !strings.HasPrefix(ci.PEM, "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("Cert() = %+v", ci)
	}
	for _, ep := range l.Endpoints() {
		if text := snippet(t, l, ep, "curl"); !strings.Contains(text, "save the lab's certificate") || !strings.Contains(text, "--cacert "+CertFileDefault) {
			t.Errorf("%s curl:\n%s", ep.Service, text)
		}
	}
	// Without TLS: no certificate, plain text, nothing to pin.
	l2, _ := tcpLab(t, Options{NoTLS: true})
	if _, ok := l2.Cert(); ok {
		t.Error("Cert() without TLS is ok")
	}
	for _, ep := range l2.Endpoints() {
		text := snippet(t, l2, ep, "thunderbird")
		if !strings.Contains(text, "Connection security: None") || strings.Contains(text, "fingerprint") {
			t.Errorf("%s without TLS:\n%s", ep.Service, text)
		}
	}
}

func TestAutoconfigServed(t *testing.T) {
	l, _ := connectLab(t)
	url, stop, err := l.ServeAutoconfig("127.0.0.1:0", "student")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	base, _, _ := strings.Cut(url, "/mail/")
	if !strings.Contains(url, "?emailaddress=student@mailscope.lab") {
		t.Errorf("url = %q", url)
	}
	for _, u := range []string{url, base + "/.well-known/autoconfig/mail/config-v1.1.xml"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") {
			t.Fatalf("GET %s: %s %q", u, resp.Status, resp.Header.Get("Content-Type"))
		}
		checkAutoconfig(t, l, body)
	}
	l.StopTCP()
	if resp, err := http.Get(url); err != nil || resp.StatusCode != 404 {
		t.Errorf("with the listeners off: %v %v, want 404", resp, err)
	}
	if _, _, err := l.ServeAutoconfig("0.0.0.0:0", "student"); err == nil {
		t.Error("autoconfig beyond loopback was served")
	}
}

// checkAutoconfig parses the document with only the ISPDB's element
// names (unknown ones are an error) and finds every listener in it.
func checkAutoconfig(t *testing.T, l *Lab, body []byte) {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")) {
		t.Errorf("no XML declaration:\n%s", body)
	}
	allowed := map[string]bool{"clientConfig": true, "emailProvider": true, "domain": true, "displayName": true, "displayShortName": true,
		"incomingServer": true, "outgoingServer": true, "hostname": true, "port": true, "socketType": true, "authentication": true, "username": true}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var path []string
	type srv struct{ typ, port, socket, auth, user, host string }
	var got []srv
	var cur *srv
	var version string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, body)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if !allowed[tk.Name.Local] {
				t.Errorf("element %q is not in the ISPDB format", tk.Name.Local)
			}
			path = append(path, tk.Name.Local)
			for _, a := range tk.Attr {
				if tk.Name.Local == "clientConfig" && a.Name.Local == "version" {
					version = a.Value
				}
				if a.Name.Local == "type" && (tk.Name.Local == "incomingServer" || tk.Name.Local == "outgoingServer") {
					cur = &srv{typ: a.Value}
				}
			}
		case xml.CharData:
			if cur == nil || len(path) == 0 {
				continue
			}
			v := string(tk)
			switch path[len(path)-1] {
			case "port":
				cur.port = v
			case "socketType":
				cur.socket = v
			case "authentication":
				cur.auth = v
			case "username":
				cur.user = v
			case "hostname":
				cur.host = v
			}
		case xml.EndElement:
			if (tk.Name.Local == "incomingServer" || tk.Name.Local == "outgoingServer") && cur != nil {
				if (tk.Name.Local == "outgoingServer") != (cur.typ == "smtp") {
					t.Errorf("%s server in <%s>", cur.typ, tk.Name.Local)
				}
				got = append(got, *cur)
				cur = nil
			}
			path = path[:len(path)-1]
		}
	}
	if version != "1.1" {
		t.Errorf("clientConfig version = %q, want 1.1", version)
	}
	eps := l.Endpoints()
	if len(got) != len(eps) {
		t.Errorf("%d servers in the document, %d listeners", len(got), len(eps))
	}
	for _, ep := range eps {
		_, port, _ := strings.Cut(ep.Addr, ":")
		want := srv{typ: ep.Protocol, port: port, socket: map[bool]string{true: "SSL", false: "STARTTLS"}[ep.TLS],
			auth: "password-cleartext", user: "%EMAILLOCALPART%", host: "127.0.0.1"}
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Errorf("%s: no %+v in %+v", ep.Service, want, got)
		}
	}
}

// A listener on a wildcard address (serve --lan) is dialled at 127.0.0.1
// by the snippets and the autoconfig document.
func TestClientSettingsWildcard(t *testing.T) {
	l, _ := tcpLab(t, Options{})
	ep := Endpoint{Service: IMAPS, Protocol: IMAP, TLS: true, Addr: "0.0.0.0:2993"}
	for _, sn := range l.ClientSettings(ep, "student", "secret") {
		if strings.Contains(sn.Text, "0.0.0.0") {
			t.Errorf("%s names 0.0.0.0:\n%s", sn.Client, sn.Text)
		}
	}
	if h := l.Autoconfig([]Endpoint{ep}).Provider.Incoming[0].Hostname; h != "127.0.0.1" {
		t.Errorf("autoconfig hostname = %q", h)
	}
}
