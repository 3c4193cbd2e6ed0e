package smtpd

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// transaction is what Data hands to deliver: the envelope, the message
// and where and when it came from.
type transaction struct {
	from     string
	rcpts    []rcpt
	authUser string
	tls      bool
	helo     string
	remote   string
	raw      []byte
	at       time.Duration
}

// deliver stores tx.raw, behind a Received header, in the INBOX of every
// recipient, or in none. A user named by several recipients (alias
// domains, the same RCPT twice) gets one copy. It returns the id in the
// Received header.
func (s *Server) deliver(tx *transaction) (string, error) {
	var users []string
	var addrs []string // the first address naming each user
	seen := map[string]bool{}
	for _, r := range tx.rcpts {
		key := strings.ToLower(r.user)
		if !seen[key] {
			seen[key] = true
			users = append(users, r.user)
			addrs = append(addrs, r.addr)
		}
	}
	if len(users) == 0 { // go-smtp refuses DATA without RCPT; be safe
		return "", errAborted
	}
	id := fmt.Sprintf("%08X", s.ids.Add(1))
	forAddr := ""
	if len(tx.rcpts) == 1 {
		forAddr = tx.rcpts[0].addr
	}
	msg := mailstore.NormalizeCRLF(append(s.received(tx, id, forAddr), tx.raw...))
	size := int64(len(msg))

	s.deliverMu.Lock()
	uids, err := s.deliverAllLocked(users, addrs, msg, tx.at)
	s.deliverMu.Unlock()
	if err != nil {
		return "", err
	}
	if s.o.OnDeliver != nil {
		to := make([]string, len(tx.rcpts))
		for i, r := range tx.rcpts {
			to[i] = r.addr
		}
		s.o.OnDeliver(Delivery{
			ID: id, From: tx.from, To: to, Users: users, UIDs: uids,
			Size: size, At: tx.at, AuthUser: tx.authUser, TLS: tx.tls,
		})
	}
	return id, nil
}

// deliverAllLocked checks every recipient first and then stores; if a
// store still fails part way, it takes back the copies already stored.
func (s *Server) deliverAllLocked(users, addrs []string, msg []byte, at time.Duration) ([]uint32, error) {
	if s.stopped {
		return nil, errShutdown
	}
	st := s.o.Store
	size := int64(len(msg))
	for i, u := range users {
		info, err := st.User(u)
		if err != nil {
			return nil, storeError(err, addrs[i])
		}
		if info.Quota > 0 && info.Used+size > info.Quota {
			st.Refused(u, size, mailstore.Op{At: at})
			return nil, errMailboxFull(addrs[i])
		}
	}
	uids := make([]uint32, 0, len(users))
	for i, u := range users {
		uid, err := s.storeOne(u, msg, at)
		if err != nil {
			op := mailstore.Op{At: at}
			for j, done := range uids {
				set := mailstore.UIDSetOf(done)
				// Errors here mean the user or message is gone already.
				st.StoreFlags(users[j], mailstore.Inbox, set, mailstore.FlagsAdd, []string{mailstore.FlagDeleted}, op)
				st.ExpungeUIDs(users[j], mailstore.Inbox, set, op)
			}
			return nil, storeError(err, addrs[i])
		}
		uids = append(uids, uid)
	}
	return uids, nil
}

// received is the trace header of RFC 5321 §4.4, with the protocol
// names of RFC 3848 (ESMTP, plus S with TLS and A with AUTH):
//
//	Received: from client.example (Laptop)
//		by mailscope.lab (Mailscope) with ESMTPSA id 0000002A
//		for <alice@mailscope.lab>;
//		Mon, 05 Jan 2026 08:00:01 +0000
//
// The "for" clause is given only for a single recipient, so that one
// copy does not reveal the others.
func (s *Server) received(tx *transaction, id, forAddr string) []byte {
	proto := "ESMTP"
	if tx.tls {
		proto += "S"
	}
	if tx.authUser != "" {
		proto += "A"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Received: from %s (%s)\r\n\tby %s (Mailscope) with %s id %s",
		clean(tx.helo), clean(tx.remote), clean(s.o.Hostname), proto, id)
	if forAddr != "" {
		fmt.Fprintf(&b, "\r\n\tfor <%s>", clean(forAddr))
	}
	fmt.Fprintf(&b, ";\r\n\t%s\r\n", s.o.Store.Time(tx.at).Format(time.RFC1123Z))
	return []byte(b.String())
}

// clean makes client-supplied text safe inside a header comment or
// token: printable ASCII other than parentheses, '<', '>' and ';', at
// most 255 bytes; anything else becomes '?'. UTF-8 is kept.
func clean(s string) string {
	if len(s) > 255 {
		s = s[:255]
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '(' || r == ')' || r == '<' || r == '>' || r == ';' || r == '\\':
			return '?'
		case r > ' ' && r < 0x7f:
			return r
		case r >= 0xa0 && r != 0xfffd:
			return r
		}
		return '?'
	}, s)
}
