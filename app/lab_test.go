package app

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/mailstore"
)

func TestSetQuota(t *testing.T) {
	rec := &recorder{}
	a := newApp(t, rec)
	st, err := a.Lab.SetQuota("bob", 2000)
	if err != nil {
		t.Fatal(err)
	}
	for _, acc := range st.Accounts {
		if acc.Name == "bob" && acc.Quota != 2000 {
			t.Errorf("bob's quota %d", acc.Quota)
		}
	}
	if n := len(rec.named(EventLabChanged)); n != 1 {
		t.Errorf("%d lab:changed events, want 1", n)
	}
	if _, err := a.Lab.SetQuota("bob", -1); err == nil {
		t.Error("a negative quota was accepted")
	}
	if _, err := a.Lab.SetQuota("nobody", 10); !errors.Is(err, mailstore.ErrNoSuchUser) {
		t.Errorf("SetQuota(nobody) = %v", err)
	}
	// Over the quota, SMTP refuses: the sender's outcome says so.
	r, err := a.Actions.SendMail(DraftDTO{From: "alice", To: []string{"bob@mailscope.lab"}, Subject: "Big", Body: strings.Repeat("x", 3000)})
	if err == nil || !strings.Contains(r.Outcome, "552") {
		t.Errorf("SendMail over quota = %+v, %v", r, err)
	}
}

// With the listeners on, the servers panel carries each client's settings
// for each listener, the certificate's fingerprint, and the URL of
// Thunderbird's autoconfig document, which lists those listeners; off,
// the document is gone.
func TestLabConnectSettings(t *testing.T) {
	a := newApp(t, &recorder{})
	want := map[string]string{}
	for _, s := range []string{lab.SMTP, lab.POP3, lab.IMAP, lab.SMTPS, lab.POP3S, lab.IMAPS} {
		want[s] = "127.0.0.1:0"
	}
	if _, err := a.lab.ListenTCP(want, false); err != nil {
		t.Fatal(err)
	}
	st, err := a.Lab.SetListening(true)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Cert.SHA256) != 95 || !strings.HasPrefix(st.Cert.PEM, "-----BEGIN CERTIFICATE-----") {
		t.Errorf("Cert = %+v", st.Cert)
	}
	if len(st.Endpoints) != 6 {
		t.Fatalf("%d endpoints", len(st.Endpoints))
	}
	for _, ep := range st.Endpoints {
		var clients []string
		for _, s := range ep.Settings {
			clients = append(clients, s.Client)
			if s.Text == "" {
				t.Errorf("%s %s: empty snippet", ep.Service, s.Client)
			}
		}
		if got := strings.Join(clients, " "); got != "thunderbird neomutt curl fetchmail openssl python" {
			t.Errorf("%s settings for %s", ep.Service, got)
		}
		_, port, _ := strings.Cut(ep.Addr, ":")
		if !strings.Contains(ep.Settings[0].Text, "Port:                "+port) || !strings.Contains(ep.Settings[0].Text, st.Cert.SHA256) {
			t.Errorf("%s Thunderbird settings:\n%s", ep.Service, ep.Settings[0].Text)
		}
	}
	if !strings.HasPrefix(st.AutoconfigURL, "http://127.0.0.1:") {
		t.Fatalf("AutoconfigURL = %q", st.AutoconfigURL)
	}
	resp, err := http.Get(st.AutoconfigURL)
	if err != nil {
		t.Fatal(err)
	}
	var cc lab.ClientConfig
	err = xml.NewDecoder(resp.Body).Decode(&cc)
	resp.Body.Close()
	if err != nil || len(cc.Provider.Incoming)+len(cc.Provider.Outgoing) != 6 {
		t.Errorf("autoconfig: %v, %+v", err, cc)
	}
	off, _ := a.Lab.SetListening(false)
	if off.AutoconfigURL != "" {
		t.Errorf("listeners off, AutoconfigURL = %q", off.AutoconfigURL)
	}
	if _, err := http.Get(st.AutoconfigURL); err == nil {
		t.Error("the autoconfig document is still served with the listeners off")
	}
}
