package cli

import (
	"fmt"
	"io"

	"github.com/mailscope/mailscope/sim/lab"
)

// printConnect prints what an outside client needs beyond the addresses:
// the certificate's SHA-256 fingerprint to pin, and, served from addr
// ("" for none), the URL of Thunderbird's autoconfig document. The caller
// MUST call stop.
func printConnect(w io.Writer, l *lab.Lab, addr string) (stop func(), err error) {
	if ci, ok := l.Cert(); ok {
		fmt.Fprintf(w, "  certificate SHA-256 %s\n", ci.SHA256)
		if ci.File != "" {
			fmt.Fprintf(w, "  certificate file    %s\n", ci.File)
		}
	}
	if addr == "" {
		return func() {}, nil
	}
	user := "student"
	if us := l.Store.Users(); len(us) > 0 {
		user = us[0].Name
	}
	url, stop, err := l.ServeAutoconfig(addr, user)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "  autoconfig          %s\n", url)
	return stop, nil
}
