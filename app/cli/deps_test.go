package cli

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The headless CLI must build and run without Wails: neither it nor app/
// (whose DTOs it prints) may import a Wails package, even indirectly.
func TestNoWailsDependency(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("MAILSCOPE_REQUIRE_TOOLS") != "" {
			t.Fatalf("go not found on PATH, and MAILSCOPE_REQUIRE_TOOLS is set: %v", err)
		}
		t.Skip("go not found on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "wailsapp") {
			t.Errorf("app/cli depends on %s", pkg)
		}
	}
}
