package app

import (
	"fmt"
	"sync"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/mailstore"
)

// LabService is the servers panel: accounts, mailboxes, and the TCP
// listeners outside clients use.
type LabService struct {
	lab  *lab.Lab
	emit *emitter

	autoMu   sync.Mutex
	autoURL  string // Thunderbird's autoconfig document, while listening
	autoStop func()
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
		dto := EndpointDTO{
			Service: ep.Service, Protocol: ep.Protocol, TLS: ep.TLS, Addr: ep.Addr,
			Example: ep.Example(user, pass, s.lab.Domain),
		}
		for _, sn := range s.lab.ClientSettings(ep, user, pass) {
			dto.Settings = append(dto.Settings, ClientSnippetDTO{Client: sn.Client, Label: sn.Label, Text: sn.Text})
		}
		st.Endpoints = append(st.Endpoints, dto)
	}
	st.Listening = len(st.Endpoints) > 0
	if ci, ok := s.lab.Cert(); ok {
		st.Cert = CertDTO{SHA256: ci.SHA256, PEM: ci.PEM, File: ci.File}
	}
	if st.Listening {
		s.autoMu.Lock()
		st.AutoconfigURL = s.autoURL
		s.autoMu.Unlock()
	}
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
		s.stopAutoconfig()
		return s.changed(), nil
	}
	if len(s.lab.Endpoints()) == 0 {
		if _, err := s.lab.ListenTCP(lab.DefaultTCP(), false); err != nil {
			return s.state(), fmt.Errorf("app: %w", err)
		}
	}
	s.startAutoconfig()
	return s.changed(), nil
}

// startAutoconfig serves Thunderbird's autoconfig document on a free
// loopback port, once; a failure leaves it off (the listeners still work).
func (s *LabService) startAutoconfig() {
	s.autoMu.Lock()
	defer s.autoMu.Unlock()
	if s.autoStop != nil {
		return
	}
	user := "student"
	if st := s.lab.Store.Users(); len(st) > 0 && !hasUser(st, user) {
		user = st[0].Name
	}
	url, stop, err := s.lab.ServeAutoconfig("127.0.0.1:0", user)
	if err != nil {
		return
	}
	s.autoURL, s.autoStop = url, stop
}

func (s *LabService) stopAutoconfig() {
	s.autoMu.Lock()
	stop := s.autoStop
	s.autoURL, s.autoStop = "", nil
	s.autoMu.Unlock()
	if stop != nil {
		stop()
	}
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

func hasUser(users []mailstore.UserInfo, name string) bool {
	for _, u := range users {
		if u.Name == name {
			return true
		}
	}
	return false
}
