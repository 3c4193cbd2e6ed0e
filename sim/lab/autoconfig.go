package lab

import (
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"sort"
	"time"
)

// Thunderbird's autoconfig: the Mozilla ISPDB "clientConfig" document
// (version 1.1) that its account wizard fetches to fill itself in, served
// for the lab's open listeners. Thunderbird looks for it at
// http://autoconfig.DOMAIN/mail/config-v1.1.xml?emailaddress=ADDRESS and
// http://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml; both paths
// are served here.

// AutoconfigPaths are the paths the document is served at.
var AutoconfigPaths = []string{"/mail/config-v1.1.xml", "/.well-known/autoconfig/mail/config-v1.1.xml"}

// ClientConfig is the ISPDB document's root.
type ClientConfig struct {
	XMLName  xml.Name      `xml:"clientConfig"`
	Version  string        `xml:"version,attr"`
	Provider EmailProvider `xml:"emailProvider"`
}

// EmailProvider is the lab as a mail provider.
type EmailProvider struct {
	ID               string         `xml:"id,attr"`
	Domain           string         `xml:"domain"`
	DisplayName      string         `xml:"displayName"`
	DisplayShortName string         `xml:"displayShortName"`
	Incoming         []ServerConfig `xml:"incomingServer"`
	Outgoing         []ServerConfig `xml:"outgoingServer"`
}

// ServerConfig is one listener: Type "imap", "pop3" or "smtp"; SocketType
// "plain", "STARTTLS" or "SSL"; Username a placeholder Thunderbird fills.
type ServerConfig struct {
	Type           string `xml:"type,attr"`
	Hostname       string `xml:"hostname"`
	Port           string `xml:"port"`
	SocketType     string `xml:"socketType"`
	Authentication string `xml:"authentication"`
	Username       string `xml:"username"`
}

// socketType is the ISPDB name of a listener's security.
func (l *Lab) socketType(ep Endpoint) string {
	return map[string]string{"SSL/TLS": "SSL", "STARTTLS": "STARTTLS", "None": "plain"}[l.security(ep)]
}

// Autoconfig is the document for the listeners eps, the most secure of
// each protocol first (Thunderbird offers them in order), IMAP before
// POP3. The lab logs in by local part: %EMAILLOCALPART%.
func (l *Lab) Autoconfig(eps []Endpoint) ClientConfig {
	eps = append([]Endpoint(nil), eps...)
	rank := map[string]int{IMAP: 0, POP3: 1, SMTP: 2}
	sort.SliceStable(eps, func(i, j int) bool {
		if rank[eps[i].Protocol] != rank[eps[j].Protocol] {
			return rank[eps[i].Protocol] < rank[eps[j].Protocol]
		}
		return eps[i].TLS && !eps[j].TLS
	})
	cc := ClientConfig{Version: "1.1", Provider: EmailProvider{
		ID: l.Domain, Domain: l.Domain, DisplayName: "Mailscope lab (" + l.Domain + ")", DisplayShortName: "Mailscope",
	}}
	for _, ep := range eps {
		host, port := clientHost(ep.Addr)
		sc := ServerConfig{Type: ep.Protocol, Hostname: host, Port: port, SocketType: l.socketType(ep),
			Authentication: "password-cleartext", Username: "%EMAILLOCALPART%"}
		if ep.Protocol == SMTP {
			cc.Provider.Outgoing = append(cc.Provider.Outgoing, sc)
		} else {
			cc.Provider.Incoming = append(cc.Provider.Incoming, sc)
		}
	}
	return cc
}

// AutoconfigXML is Autoconfig encoded, with its XML declaration.
func (l *Lab) AutoconfigXML(eps []Endpoint) []byte {
	out, _ := xml.MarshalIndent(l.Autoconfig(eps), "", "  ")
	return append([]byte(xml.Header), append(out, '\n')...)
}

// AutoconfigHandler serves the document for the listeners open at each
// request (404 while none is).
func (l *Lab) AutoconfigHandler() http.Handler {
	mux := http.NewServeMux()
	h := func(w http.ResponseWriter, r *http.Request) {
		eps := l.Endpoints()
		if len(eps) == 0 {
			http.Error(w, "mailscope: the listeners for outside clients are off", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		// A public document: the app's own page may read it too.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write(l.AutoconfigXML(eps))
	}
	for _, p := range AutoconfigPaths {
		mux.HandleFunc("GET "+p, h)
	}
	return mux
}

// ServeAutoconfig serves the document on a loopback address ("127.0.0.1:0"
// picks a free port); url is the first lookup path with the student's
// address as Thunderbird asks it. The caller MUST call stop.
func (l *Lab) ServeAutoconfig(addr, user string) (url string, stop func(), err error) {
	if !isLoopback(addr) {
		return "", nil, fmt.Errorf("%w: autoconfig %s", ErrNotLoopback, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("lab: autoconfig on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: l.AutoconfigHandler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	url = fmt.Sprintf("http://%s%s?emailaddress=%s@%s", ln.Addr(), AutoconfigPaths[0], user, l.Domain)
	return url, func() { srv.Close(); <-done }, nil
}
