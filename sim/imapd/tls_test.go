package imapd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailscope/mailscope/sim/link"
)

// testTLS returns a server config with a fresh self-signed certificate
// for imap.lab and a client config that trusts it.
func testTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "imap.lab"},
		DNSNames:     []string{"imap.lab"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "imap.lab"}
}

func TestSTARTTLS(t *testing.T) {
	srvTLS, cliTLS := testTLS(t)
	w := newWorld(t, Options{TLSConfig: srvTLS})

	// In the clear, login is refused and STARTTLS offered.
	c := w.dial(t)
	caps := c.ok("CAPABILITY")
	if !strings.Contains(caps[0], " STARTTLS") || !strings.Contains(caps[0], " LOGINDISABLED") || strings.Contains(caps[0], "AUTH=PLAIN") {
		t.Errorf("cleartext CAPABILITY = %q, want STARTTLS and LOGINDISABLED", caps[0])
	}
	if _, st := c.cmd("LOGIN student secret"); !strings.HasPrefix(st, "NO [PRIVACYREQUIRED]") {
		t.Errorf("cleartext LOGIN = %q, want NO [PRIVACYREQUIRED]", st)
	}

	cl, err := imapclient.NewStartTLS(w.dialConn(t), &imapclient.Options{TLSConfig: cliTLS})
	if err != nil {
		t.Fatalf("NewStartTLS = %v", err)
	}
	defer cl.Close()
	if err := cl.Login("student", "secret").Wait(); err != nil {
		t.Fatalf("Login after STARTTLS = %v", err)
	}
	if _, err := cl.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("Select = %v", err)
	}
	msgs, err := cl.Fetch(imapSeq(1), nil).Collect()
	if err != nil || len(msgs) != 1 {
		t.Errorf("Fetch over TLS = %d, %v", len(msgs), err)
	}
}

func TestImplicitTLS(t *testing.T) {
	srvTLS, cliTLS := testTLS(t)
	w := newWorld(t, Options{})
	ln, err := w.link.Listen("imaps", "imap.lab:993")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Options{Store: w.store, TLSConfig: srvTLS, ImplicitTLS: true, Logger: w.log})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	conn, err := w.link.Dial(t.Context(), "imap.lab:993", link.DialOptions{Start: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cl := imapclient.New(tls.Client(conn, cliTLS), nil)
	defer cl.Close()
	if err := cl.WaitGreeting(); err != nil {
		t.Fatalf("greeting over implicit TLS: %v", err)
	}
	if cl.Caps().Has("STARTTLS") {
		t.Errorf("STARTTLS offered on an implicit-TLS connection")
	}
	if err := cl.Login("student", "secret").Wait(); err != nil {
		t.Fatalf("Login = %v", err)
	}
	ac := cl.Append("Drafts", 3, nil)
	ac.Write([]byte("x\r\n"))
	ac.Close()
	if _, err := ac.Wait(); err != nil {
		t.Fatalf("Append = %v", err)
	}
	// The virtual clock is read through the TLS layer.
	msgs, _ := w.store.Messages("student", "Drafts")
	if len(msgs) != 1 || msgs[0].At < time.Hour {
		t.Errorf("message appended over TLS at %v, want after 1h", msgs)
	}
}
