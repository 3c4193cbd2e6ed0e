package imapd

import (
	"crypto/tls"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/internal/selfsigned"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailscope/mailscope/sim/link"
)

// testTLS returns a server config with a fresh self-signed certificate
// for imap.lab and a client config that trusts it.
func testTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	server, client, err := selfsigned.Configs("imap.lab")
	if err != nil {
		t.Fatal(err)
	}
	return server, client
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

// The keyword announcement written past imapserver (writeUntagged) goes
// through TLS after STARTTLS, and imapclient reads it.
func TestSTARTTLSKeywordAnnounced(t *testing.T) {
	srvTLS, cliTLS := testTLS(t)
	w := newWorld(t, Options{TLSConfig: srvTLS})
	var mu sync.Mutex
	var flags, permanent []imap.Flag
	cl, err := imapclient.NewStartTLS(w.dialConn(t), &imapclient.Options{
		TLSConfig: cliTLS,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			mu.Lock()
			defer mu.Unlock()
			if d.Flags != nil {
				flags = d.Flags
			}
			if d.PermanentFlags != nil {
				permanent = d.PermanentFlags
			}
		}},
	})
	if err != nil {
		t.Fatalf("NewStartTLS = %v", err)
	}
	defer cl.Close()
	if err := cl.Login("student", "secret").Wait(); err != nil {
		t.Fatalf("Login = %v", err)
	}
	if _, err := cl.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("Select = %v", err)
	}
	msgs, err := cl.Store(imapSeq(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{"$OverTLS"}}, nil).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Store = %d, %v", len(msgs), err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(flags, "$OverTLS") || !slices.Contains(permanent, "$OverTLS") || !slices.Contains(permanent, imap.FlagWildcard) {
		t.Errorf("FLAGS %v, PERMANENTFLAGS %v; want both to hold $OverTLS", flags, permanent)
	}
}
