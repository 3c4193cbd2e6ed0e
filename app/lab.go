package app

import (
	"fmt"

	"github.com/mailscope/mailscope/sim/lab"
)

// LabService is the servers panel: accounts, mailboxes, and the TCP
// listeners outside clients use.
type LabService struct {
	lab  *lab.Lab
	emit *emitter
}

// State is the lab as it is now.
func (s *LabService) State() (LabStateDTO, error) { return s.state(), nil }

func (s *LabService) state() LabStateDTO {
	st := LabStateDTO{Domain: s.lab.Domain}
	for _, u := range s.lab.Store.Users() {
		pass, _ := s.lab.Store.Password(u.Name)
		inbox, _ := s.lab.Store.Status(u.Name, "INBOX")
		st.Accounts = append(st.Accounts, AccountDTO{
			Name: u.Name, Password: pass, Address: u.Name + "@" + s.lab.Domain,
			Quota: u.Quota, Used: u.Used, Inbox: int(inbox.Messages), Unseen: int(inbox.Unseen),
		})
	}
	user, pass := exampleAccount(st.Accounts)
	for _, ep := range s.lab.Endpoints() {
		st.Endpoints = append(st.Endpoints, EndpointDTO{
			Service: ep.Service, Protocol: ep.Protocol, TLS: ep.TLS, Addr: ep.Addr,
			Example: ep.Example(user, pass, s.lab.Domain),
		})
	}
	st.Listening = len(st.Endpoints) > 0
	return st
}

// exampleAccount is whom the servers panel's examples log in as: the
// student's own account when there is one, else the first.
func exampleAccount(accounts []AccountDTO) (user, pass string) {
	for _, a := range accounts {
		if a.Name == "student" {
			return a.Name, a.Password
		}
	}
	if len(accounts) > 0 {
		return accounts[0].Name, accounts[0].Password
	}
	return "student", "secret"
}

func (s *LabService) changed() LabStateDTO {
	st := s.state()
	s.emit.Emit(EventLabChanged, st)
	return st
}

// SetListening opens (or closes) the loopback TCP listeners for outside
// mail clients on the default ports.
func (s *LabService) SetListening(on bool) (LabStateDTO, error) {
	if !on {
		s.lab.StopTCP()
		return s.changed(), nil
	}
	if len(s.lab.Endpoints()) == 0 {
		if _, err := s.lab.ListenTCP(lab.DefaultTCP(), false); err != nil {
			return s.state(), fmt.Errorf("app: %w", err)
		}
	}
	return s.changed(), nil
}

// Seed delivers n generated messages to a user's INBOX.
func (s *LabService) Seed(user string, n int) (LabStateDTO, error) {
	if n < 1 || n > 10_000 {
		return s.state(), fmt.Errorf("app: seed between 1 and 10000 messages, not %d", n)
	}
	used, _, _ := s.lab.Store.QuotaUsage(user)
	if err := s.lab.Seed(user, n, used+int64(n)); err != nil {
		return s.state(), err
	}
	return s.changed(), nil
}

// SetQuota sets a user's quota in bytes (0: unlimited). Mail already
// stored stays even over the new quota; new mail beyond it is refused
// (SMTP 552).
func (s *LabService) SetQuota(user string, bytes int64) (LabStateDTO, error) {
	if bytes < 0 {
		return s.state(), fmt.Errorf("app: a quota is 0 (unlimited) or a number of bytes, not %d", bytes)
	}
	if err := s.lab.Store.SetQuota(user, bytes); err != nil {
		return s.state(), fmt.Errorf("app: quota for %q: %w", user, err)
	}
	return s.changed(), nil
}
