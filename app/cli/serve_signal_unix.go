//go:build unix

package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// reportSignalName is the signal that makes serve print the session reports.
const reportSignalName = "SIGUSR1"

func notifyReports() (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	return c, func() { signal.Stop(c) }
}
