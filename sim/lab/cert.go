package lab

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mailscope/mailscope/sim/internal/selfsigned"
)

// DefaultCertDir is where the desktop app and `mailscope serve` keep the
// lab's self-signed TLS certificate between runs, so that an outside
// client told to trust it keeps trusting it:
// $XDG_CONFIG_HOME/mailscope/tls (~/.config/... on Linux), or "" (a new
// certificate each run) when there is no config directory.
func DefaultCertDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "mailscope", "tls")
}

// Certificate returns the lab's self-signed TLS certificate for the given
// host names. With dir set it is kept there (cert.pem, key.pem) and reused
// while it is valid for those names, so an outside client that was told to
// trust it keeps trusting it; with dir empty a new one is made.
func Certificate(dir string, hosts []string) (tls.Certificate, error) {
	if dir != "" {
		certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		if c, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil && certCovers(c, hosts) {
			return c, nil
		}
		certPEM, keyPEM, err := selfsigned.PEM(hosts...)
		if err != nil {
			return tls.Certificate{}, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return tls.Certificate{}, fmt.Errorf("lab: certificate dir: %w", err)
		}
		if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
			return tls.Certificate{}, fmt.Errorf("lab: write key: %w", err)
		}
		if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
			return tls.Certificate{}, fmt.Errorf("lab: write certificate: %w", err)
		}
		return tls.X509KeyPair(certPEM, keyPEM)
	}
	certPEM, keyPEM, err := selfsigned.PEM(hosts...)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// certCovers reports whether c is valid now and names every host.
func certCovers(c tls.Certificate, hosts []string) bool {
	if len(c.Certificate) == 0 {
		return false
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil || time.Now().After(leaf.NotAfter.Add(-24*time.Hour)) {
		return false
	}
	for _, h := range hosts {
		if leaf.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}
