package selfsigned

import (
	"crypto/x509"
	"testing"
)

// The client config's roots verify the server's certificate for every
// host named, and for no other name.
func TestConfigs(t *testing.T) {
	srv, cli, err := Configs("mail.lab", "localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(srv.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mail.lab", "localhost", "127.0.0.1", "elsewhere.example"} {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: cli.RootCAs, DNSName: name})
		if want := name != "elsewhere.example"; (err == nil) != want {
			t.Errorf("Verify(%q) = %v, want ok = %v", name, err, want)
		}
	}
	if cli.ServerName != "mail.lab" {
		t.Errorf("client ServerName = %q", cli.ServerName)
	}
	if _, _, err := PEM(); err == nil {
		t.Error("PEM() without hosts succeeded")
	}
}
