package lab

import (
	"path/filepath"
	"testing"
)

// The window and `mailscope serve` keep the certificate in the config
// directory; without one, a new certificate each run.
func TestDefaultCertDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if got, want := DefaultCertDir(), filepath.Join(dir, "mailscope", "tls"); got != want {
		t.Errorf("DefaultCertDir() = %q, want %q", got, want)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "")
	if got := DefaultCertDir(); got != "" {
		t.Errorf("DefaultCertDir() without a config directory = %q, want \"\"", got)
	}
}
