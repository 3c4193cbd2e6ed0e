package lab

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"path/filepath"
	"strings"
)

// Connecting an outside client: for each listener, the settings each
// common client wants, as text to copy, and the certificate to pin.

// CertInfo is the lab's TLS certificate as an outside client pins it.
type CertInfo struct {
	// SHA256 is the certificate's SHA-256 fingerprint in colon hex, as
	// `openssl x509 -noout -fingerprint -sha256` and browsers print it.
	SHA256 string `json:"sha256"`
	// MD5 is the same in MD5: what fetchmail 6.4's sslfingerprint compares.
	MD5 string `json:"md5"`
	// PEM is the certificate itself, to save and trust.
	PEM string `json:"pem"`
	// File is where it is kept (Options.CertDir), "" when it lives only in
	// memory (the snippets then name CertFileDefault, to be saved first).
	File string `json:"file"`
}

// CertFileDefault is the file name the snippets use for the certificate
// when the lab keeps none on disk: save CertInfo.PEM there first.
const CertFileDefault = "mailscope-lab.pem"

// Cert is the lab's certificate for pinning; ok is false without TLS.
func (l *Lab) Cert() (c CertInfo, ok bool) {
	if l.TLS == nil || len(l.TLS.Certificates) == 0 {
		return CertInfo{}, false
	}
	der := l.TLS.Certificates[0].Certificate[0]
	s, m := sha256.Sum256(der), md5.Sum(der)
	c = CertInfo{SHA256: colonHex(s[:]), MD5: colonHex(m[:]), PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
	if l.certDir != "" {
		c.File = filepath.Join(l.certDir, "cert.pem")
	}
	return c, true
}

func colonHex(b []byte) string {
	var sb strings.Builder
	for i, x := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02X", x)
	}
	return sb.String()
}

// Security is how a listener's connections are protected, in Thunderbird's
// words: "None", "STARTTLS" or "SSL/TLS".
func (l *Lab) security(ep Endpoint) string {
	switch {
	case ep.TLS:
		return "SSL/TLS"
	case l.TLS != nil:
		return "STARTTLS"
	}
	return "None"
}

// Snippet is one client's settings for one listener.
type Snippet struct {
	Client string `json:"client"` // "thunderbird", "neomutt", "curl", "fetchmail", "openssl", "python"
	Label  string `json:"label"`  // "Thunderbird"
	Text   string `json:"text"`   // what to copy
}

// Clients are the clients ClientSettings covers, in order.
var Clients = []struct{ ID, Label string }{
	{"thunderbird", "Thunderbird"}, {"neomutt", "neomutt"}, {"curl", "curl"},
	{"fetchmail", "fetchmail"}, {"openssl", "openssl"}, {"python", "Python"},
}

// ClientSettings are the settings every client in Clients needs to reach
// ep as user (with password): plain listeners upgrade with STARTTLS/STLS
// when the lab has TLS, and every TLS client trusts exactly the lab's
// certificate (the file in CertInfo.File, else CertFileDefault) or its
// fingerprint. fetchmail speaks no SMTP: for SMTP listeners its snippet
// says so. Each snippet is run for real by the tests.
func (l *Lab) ClientSettings(ep Endpoint, user, password string) []Snippet {
	host, port := clientHost(ep.Addr)
	ep.Addr = net.JoinHostPort(host, port)
	c := settingsCtx{l: l, ep: ep, host: host, port: port, user: user, pass: password, domain: l.Domain, sec: l.security(ep)}
	if ci, ok := l.Cert(); ok {
		c.cert, c.certFile = ci, ci.File
		if c.certFile == "" {
			c.certFile = CertFileDefault
		}
	}
	out := make([]Snippet, 0, len(Clients))
	for _, cl := range Clients {
		var text string
		switch cl.ID {
		case "thunderbird":
			text = c.thunderbird()
		case "neomutt":
			text = c.neomutt()
		case "curl":
			text = c.curl()
		case "fetchmail":
			text = c.fetchmail()
		case "openssl":
			text = c.openssl()
		case "python":
			text = c.python()
		}
		out = append(out, Snippet{Client: cl.ID, Label: cl.Label, Text: text})
	}
	return out
}

type settingsCtx struct {
	l                      *Lab
	ep                     Endpoint
	host, port, user, pass string
	domain, sec            string
	cert                   CertInfo
	certFile               string
}

func (c settingsCtx) addr() string { return c.user + "@" + c.domain }
func (c settingsCtx) tls() bool    { return c.sec != "None" }

func (c settingsCtx) certNote(comment string) string {
	if c.cert.File != "" || !c.tls() {
		return ""
	}
	return comment + " First save the lab's certificate (shown below) as " + CertFileDefault + ".\n"
}

func (c settingsCtx) thunderbird() string {
	kind := map[string]string{SMTP: "Outgoing server (SMTP)", POP3: "Incoming server: POP3", IMAP: "Incoming server: IMAP"}[c.ep.Protocol]
	var b strings.Builder
	fmt.Fprintf(&b, "Account setup → Configure manually\n%s\n", kind)
	fmt.Fprintf(&b, "  Server:              %s\n", c.host)
	fmt.Fprintf(&b, "  Port:                %s\n", c.port)
	fmt.Fprintf(&b, "  Connection security: %s\n", c.sec)
	fmt.Fprintf(&b, "  Authentication:      Normal password\n")
	fmt.Fprintf(&b, "  Username:            %s\n", c.user)
	fmt.Fprintf(&b, "Email address %s, password %s.\n", c.addr(), c.pass)
	if c.tls() {
		fmt.Fprintf(&b, "Thunderbird warns of the self-signed certificate: confirm the security exception\nafter checking its SHA-256 fingerprint is\n  %s\n", c.cert.SHA256)
	}
	return b.String()
}

func (c settingsCtx) neomutt() string {
	var b strings.Builder
	b.WriteString("# ~/.config/neomutt/neomuttrc (or neomutt -F FILE)\n")
	b.WriteString(c.certNote("#"))
	scheme := c.ep.Protocol
	switch c.ep.Protocol {
	case IMAP:
		if c.ep.TLS {
			scheme = "imaps"
		}
		fmt.Fprintf(&b, "set imap_user=\"%s\"\nset imap_pass=\"%s\"\n", c.user, c.pass)
		fmt.Fprintf(&b, "set folder=\"%s://%s:%s/\"\nset spoolfile=\"+INBOX\"\n", scheme, c.host, c.port)
	case POP3:
		if c.ep.TLS {
			scheme = "pops"
		} else {
			scheme = "pop"
		}
		fmt.Fprintf(&b, "set pop_user=\"%s\"\nset pop_pass=\"%s\"\n", c.user, c.pass)
		fmt.Fprintf(&b, "set folder=\"%s://%s:%s/\"\nset spoolfile=\"%s://%s:%s/\"\n", scheme, c.host, c.port, scheme, c.host, c.port)
	case SMTP:
		if c.ep.TLS {
			scheme = "smtps"
		}
		fmt.Fprintf(&b, "set from=\"%s\"\nset smtp_url=\"%s://%s@%s:%s/\"\nset smtp_pass=\"%s\"\n", c.addr(), scheme, c.user, c.host, c.port, c.pass)
	}
	if !c.tls() {
		b.WriteString("set ssl_starttls=no\nset ssl_force_tls=no\n")
		return b.String()
	}
	if !c.ep.TLS {
		b.WriteString("set ssl_starttls=yes\n")
	}
	b.WriteString("set ssl_force_tls=yes\n")
	fmt.Fprintf(&b, "# trust exactly the lab's self-signed certificate (SHA-256 %s)\nset certificate_file=\"%s\"\n", c.cert.SHA256, c.certFile)
	return b.String()
}

func (c settingsCtx) curl() string {
	var b strings.Builder
	b.WriteString(c.certNote("#"))
	scheme := c.ep.Protocol
	if c.ep.TLS {
		scheme += "s"
	}
	url := scheme + "://" + c.ep.Addr
	tls := ""
	switch {
	case c.ep.TLS:
		tls = " --cacert " + c.certFile
	case c.tls():
		tls = " --ssl-reqd --cacert " + c.certFile
	}
	auth := " -u " + c.user + ":" + c.pass
	switch c.ep.Protocol {
	case SMTP:
		fmt.Fprintf(&b, "# send msg.eml (a whole message, headers and body) to %s\n", c.addr())
		fmt.Fprintf(&b, "curl %s%s%s --mail-from %s --mail-rcpt %s -T msg.eml\n", url, tls, auth, c.addr(), c.addr())
	case POP3:
		b.WriteString("# list the maildrop, then fetch message 1\n")
		fmt.Fprintf(&b, "curl %s/%s%s\n", url, tls, auth)
		fmt.Fprintf(&b, "curl %s/1%s%s\n", url, tls, auth)
	case IMAP:
		b.WriteString("# list the mailboxes, the INBOX's UIDs, then fetch UID 1\n")
		fmt.Fprintf(&b, "curl %s/%s%s\n", url, tls, auth)
		fmt.Fprintf(&b, "curl %s/INBOX%s%s -X 'UID SEARCH ALL'\n", url, tls, auth)
		fmt.Fprintf(&b, "curl '%s/INBOX;UID=1'%s%s\n", url, tls, auth)
	}
	return b.String()
}

func (c settingsCtx) fetchmail() string {
	if c.ep.Protocol == SMTP {
		return "# fetchmail only fetches (POP3, IMAP): it hands mail on to your own MTA\n# or MDA and never sends through this listener.\n"
	}
	var b strings.Builder
	b.WriteString("# ~/.fetchmailrc (chmod 600), then: fetchmail -f ~/.fetchmailrc --nodetach\n")
	if c.tls() {
		b.WriteString("# sslfingerprint is the certificate's MD5, the hash fetchmail 6.4 compares;\n# no sslcertck, since no CA it knows signed it.\n")
	}
	fmt.Fprintf(&b, "poll %s with proto %s port %s\n", c.host, strings.ToUpper(c.ep.Protocol), c.port)
	fmt.Fprintf(&b, "  user \"%s\" there with password \"%s\" is \"%s\" here\n", c.user, c.pass, c.user)
	b.WriteString("  options keep fetchall")
	switch {
	case c.ep.TLS:
		b.WriteString(" ssl")
	case c.tls():
		// Without sslproto fetchmail upgrades opportunistically; tls1.2+ makes it required.
		b.WriteString(" sslproto 'tls1.2+'")
	default:
		b.WriteString(" sslproto ''")
	}
	if c.tls() {
		fmt.Fprintf(&b, " no sslcertck\n  sslfingerprint \"%s\"", c.cert.MD5)
	}
	b.WriteString(" mda \"cat >>mail.mbox\"\n")
	if !c.ep.TLS && c.tls() {
		b.WriteString("# sslproto '' instead stays in plain text (no STLS/STARTTLS).\n")
	}
	return b.String()
}

func (c settingsCtx) openssl() string {
	if !c.tls() {
		return fmt.Sprintf("# no TLS on this lab: talk in plain text\nnc -C %s %s\n", c.host, c.port)
	}
	var b strings.Builder
	b.WriteString(c.certNote("#"))
	starttls := ""
	if !c.ep.TLS {
		starttls = " -starttls " + c.ep.Protocol
	}
	fmt.Fprintf(&b, "openssl s_client -connect %s%s -CAfile %s -verify_return_error -crlf -quiet\n", c.ep.Addr, starttls, c.certFile)
	b.WriteString("# then type:\n")
	switch c.ep.Protocol {
	case SMTP:
		b.WriteString("#   EHLO me\n#   AUTH PLAIN " + plainAuth(c.user, c.pass) + "\n#   QUIT\n")
	case POP3:
		fmt.Fprintf(&b, "#   USER %s\n#   PASS %s\n#   STAT\n#   QUIT\n", c.user, c.pass)
	case IMAP:
		fmt.Fprintf(&b, "#   a LOGIN %s %s\n#   b SELECT INBOX\n#   c LOGOUT\n", c.user, c.pass)
	}
	b.WriteString("# the certificate's SHA-256 fingerprint, to compare:\n")
	fmt.Fprintf(&b, "openssl s_client -connect %s%s </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256\n", c.ep.Addr, starttls)
	return b.String()
}

func (c settingsCtx) python() string {
	var b strings.Builder
	b.WriteString(c.certNote("#"))
	lib := map[string]string{SMTP: "smtplib", POP3: "poplib", IMAP: "imaplib"}[c.ep.Protocol]
	if c.tls() {
		fmt.Fprintf(&b, "import hashlib, ssl, %s\n", lib)
		fmt.Fprintf(&b, "ctx = ssl.create_default_context(cafile=%q)  # trusts only the lab's certificate\n", c.certFile)
		fmt.Fprintf(&b, "PIN = %q  # its SHA-256\n", strings.ReplaceAll(c.cert.SHA256, ":", ""))
		b.WriteString("def pinned(sock):\n    assert hashlib.sha256(sock.getpeercert(True)).hexdigest().upper() == PIN\n")
	} else {
		fmt.Fprintf(&b, "import %s\n", lib)
	}
	// open connects as v: implicit TLS, or plain then STARTTLS when the
	// listener offers it; each library names these differently.
	open := func(v, class, ctxArg, starttls string) {
		if c.ep.TLS {
			fmt.Fprintf(&b, "%s = %s.%s_SSL(%q, %s, %s=ctx)\n", v, lib, class, c.host, c.port, ctxArg)
		} else {
			fmt.Fprintf(&b, "%s = %s.%s(%q, %s)\n", v, lib, class, c.host, c.port)
			if c.tls() {
				fmt.Fprintf(&b, "%s.%s(%s=ctx)\n", v, starttls, ctxArg)
			}
		}
		if c.tls() {
			fmt.Fprintf(&b, "pinned(%s.sock)\n", v)
		}
	}
	switch c.ep.Protocol {
	case SMTP:
		open("s", "SMTP", "context", "starttls")
		fmt.Fprintf(&b, "s.login(%q, %q)\n", c.user, c.pass)
		fmt.Fprintf(&b, "s.sendmail(%q, [%q], \"Subject: hello from Python\\r\\n\\r\\nHello.\\r\\n\")\n", c.addr(), c.addr())
		b.WriteString("s.quit()\n")
	case POP3:
		open("p", "POP3", "context", "stls")
		fmt.Fprintf(&b, "p.user(%q)\np.pass_(%q)\n", c.user, c.pass)
		b.WriteString("count, size = p.stat()\nprint(count, \"messages,\", size, \"bytes\")\n")
		b.WriteString("if count:\n    print(b\"\\n\".join(p.retr(1)[1]).decode(errors=\"replace\"))\np.quit()\n")
	case IMAP:
		open("m", "IMAP4", "ssl_context", "starttls")
		fmt.Fprintf(&b, "m.login(%q, %q)\n", c.user, c.pass)
		b.WriteString("m.select(\"INBOX\")\ntyp, data = m.uid(\"SEARCH\", None, \"ALL\")\nuids = data[0].split()\nprint(len(uids), \"messages\")\n")
		b.WriteString("if uids:\n    typ, msg = m.uid(\"FETCH\", uids[0], \"(BODY.PEEK[])\")\n    print(msg[0][1].decode(errors=\"replace\"))\nm.logout()\n")
	}
	return b.String()
}

// plainAuth is SASL PLAIN's initial response (RFC 4616) for AUTH PLAIN.
func plainAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
}

// clientHost is where a client on this machine dials a listener: a
// wildcard address (--lan on 0.0.0.0) is reached at 127.0.0.1, which the
// certificate names.
func clientHost(addr string) (host, port string) {
	host, port, _ = net.SplitHostPort(addr)
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return host, port
}
