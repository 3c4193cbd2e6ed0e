package pop3d

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// backend is the store with some of its answers replaced.
type backend struct {
	*mailstore.Store
	authenticate func(user, password string) (string, error)
	password     func(user string) (string, error)
	lockMaildrop func(user string) (*mailstore.Maildrop, error)
}

func (b backend) Authenticate(user, password string) (string, error) {
	if b.authenticate != nil {
		return b.authenticate(user, password)
	}
	return b.Store.Authenticate(user, password)
}

func (b backend) Password(user string) (string, error) {
	if b.password != nil {
		return b.password(user)
	}
	return b.Store.Password(user)
}

func (b backend) LockMaildropAt(user string, now func() time.Duration) (*mailstore.Maildrop, error) {
	if b.lockMaildrop != nil {
		return b.lockMaildrop(user)
	}
	return b.Store.LockMaildropAt(user, now)
}

// secret is an internal error whose text must never reach the wire.
var secret = errors.New("mailstore: disk /srv/mail full at sector 7")

func TestReplies(t *testing.T) {
	plain := func(user, pass string) string {
		return "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pass))
	}
	fails := func(string, string) (string, error) { return "", secret }
	delay := &Error{Code: CodeLoginDelay, Text: "wait 5 minutes between logins"}
	login := []string{"USER student", "PASS secret"}
	tests := []struct {
		name   string
		b      *backend                     // nil: the store
		script []string                     // commands before, each answered +OK
		before func(t *testing.T, w *world) // then this
		send   string                       // then this command
		want   string                       // gets this reply
		log    string                       // and ErrorLog gets this ("": nothing)
	}{
		{name: "wrong password", script: []string{"USER student"}, send: "PASS wrong",
			want: "-ERR [AUTH] invalid user name or password"},
		{name: "unknown user", script: []string{"USER nobody"}, send: "PASS secret",
			want: "-ERR [AUTH] invalid user name or password"},
		{name: "APOP wrong digest", send: "APOP student 0123456789abcdef0123456789abcdef",
			want: "-ERR [AUTH] invalid user name or password"},
		{name: "APOP unknown user", send: "APOP nobody 0123456789abcdef0123456789abcdef",
			want: "-ERR [AUTH] invalid user name or password"},
		{name: "AUTH PLAIN wrong password", send: plain("student", "wrong"),
			want: "-ERR [AUTH] invalid user name or password"},
		{name: "maildrop in use", script: []string{"USER student"},
			before: func(t *testing.T, w *world) { w.dial(t).login() },
			send:   "PASS secret", want: "-ERR [IN-USE] maildrop already locked by another POP3 session"},
		{name: "store fails to authenticate", b: &backend{authenticate: fails}, script: []string{"USER student"}, send: "PASS secret",
			want: "-ERR [SYS/TEMP] internal server error, try again later", log: secret.Error()},
		{name: "store fails to give the APOP secret", b: &backend{password: func(string) (string, error) { return "", secret }},
			send: "APOP student 0123456789abcdef0123456789abcdef",
			want: "-ERR [SYS/TEMP] internal server error, try again later", log: secret.Error()},
		{name: "store fails to lock", b: &backend{lockMaildrop: func(string) (*mailstore.Maildrop, error) { return nil, fmt.Errorf("lock: %w", secret) }},
			script: []string{"USER student"}, send: "PASS secret",
			want: "-ERR [SYS/TEMP] internal server error, try again later", log: secret.Error()},
		{name: "backend says LOGIN-DELAY", b: &backend{authenticate: func(string, string) (string, error) { return "", fmt.Errorf("policy: %w", delay) }},
			send: plain("student", "secret"), want: "-ERR [LOGIN-DELAY] wait 5 minutes between logins"},
		{name: "backend text cannot add a line",
			b: &backend{authenticate: func(string, string) (string, error) {
				return "", &Error{Code: CodeLoginDelay, Text: "wait\r\n+OK ready"}
			}},
			send: plain("student", "secret"), want: "-ERR [LOGIN-DELAY] wait??+OK ready"},
		{name: "message deleted", script: append(login, "DELE 1"), send: "RETR 1",
			want: "-ERR message 1 already deleted"},
		{name: "no such message", script: login, send: "TOP 4 0",
			want: "-ERR no such message, only 3 messages in maildrop"},
		{name: "bad message number", script: login, send: "DELE x",
			want: `-ERR invalid message number "x"`},
		{name: "account removed before QUIT", script: append(login, "DELE 1"),
			before: func(t *testing.T, w *world) {
				if err := w.store.RemoveUser("student", mailstore.Op{}); err != nil {
					t.Fatal(err)
				}
			},
			send: "QUIT", want: "-ERR [SYS/PERM] some deleted messages not removed: the account no longer exists",
			log: "no such user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t)
			var logged bytes.Buffer
			o := Options{ErrorLog: log.New(&logged, "", 0)}
			if tt.b != nil {
				tt.b.Store = st
				o.Backend = tt.b
			}
			w := serve(t, st, o)
			c := w.dial(t)
			for _, line := range tt.script {
				c.cmd(line, "+OK")
			}
			if tt.before != nil {
				tt.before(t, w)
			}
			if got := c.cmd(tt.send, ""); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.send, got, tt.want)
			}
			if strings.Contains(c.seen.String(), "sector 7") {
				t.Errorf("internal error text on the wire: %q", c.seen.String())
			}
			if tt.log == "" && logged.Len() != 0 {
				t.Errorf("ErrorLog = %q, want nothing", logged.String())
			}
			if !strings.Contains(logged.String(), tt.log) {
				t.Errorf("ErrorLog = %q, want it to contain %q", logged.String(), tt.log)
			}
		})
	}
}

func TestErrorLine(t *testing.T) {
	tests := []struct {
		e    *Error
		want string
	}{
		{ErrInUse, "-ERR [IN-USE] maildrop already locked by another POP3 session"},
		{errorf("unknown command %s", "HELO"), "-ERR unknown command HELO"},
		{&Error{Text: "caf\u00e9\x00"}, "-ERR caf??"},
		{&Error{Code: CodeSysPerm, Text: strings.Repeat("x", 600)}, "-ERR [SYS/PERM] " + strings.Repeat("x", maxReply-2-len("-ERR [SYS/PERM] "))},
	}
	for _, tt := range tests {
		if got := tt.e.line(); got != tt.want {
			t.Errorf("%#v.line() = %q, want %q", tt.e, got, tt.want)
		}
	}
	r := replyTo(fmt.Errorf("lock: %w", secret))
	if r.line() != ErrSysTemp.line() || !errors.Is(r, secret) {
		t.Errorf("replyTo(wrapped secret) = %v, want ErrSysTemp's line and the secret as its cause", r)
	}
	if got, want := r.Error(), "pop3d: -ERR [SYS/TEMP] internal server error, try again later: lock: "+secret.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
