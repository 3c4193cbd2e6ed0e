package app

import (
	"fmt"
	"sync"

	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/mua"
)

// ActionService runs the lab's simulated mail clients from the UI: send a
// mail, check mail from a named device. Actions run on the live clock, so
// their lines arrive in the trace at the pace of the link.
type ActionService struct {
	lab  *lab.Lab
	emit *emitter

	mu      sync.Mutex
	next    int
	devices map[string]*mua.Device
	order   []DeviceDTO
}

func newActionService(l *lab.Lab, e *emitter) *ActionService {
	s := &ActionService{lab: l, emit: e, devices: map[string]*mua.Device{}}
	for _, d := range lab.DefaultDevices() {
		if _, err := l.Store.User(d.User); err == nil {
			s.order = append(s.order, DeviceDTO{Name: d.Name, User: d.User, Policy: d.Policy.Mode.String()})
		}
	}
	return s
}

// Devices lists the simulated mail clients and what each holds.
func (s *ActionService) Devices() ([]DeviceDTO, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]DeviceDTO, len(s.order))
	for i, d := range s.order {
		if dev := s.devices[d.Name]; dev != nil {
			v := dev.View()
			d.Visible, d.OfflineReadable, d.Unread = v.Visible, v.OfflineReadable, v.Unread
		}
		out[i] = d
	}
	return out, nil
}

func (s *ActionService) device(name string) (*mua.Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.devices[name]; d != nil {
		return d, nil
	}
	for _, d := range s.order {
		if d.Name != name {
			continue
		}
		mode, err := mua.ParseMode(d.Policy)
		if err != nil {
			return nil, err
		}
		dev, err := s.lab.NewDevice(lab.DeviceOptions{Name: d.Name, User: d.User, Policy: mua.Policy{Mode: mode}})
		if err != nil {
			return nil, err
		}
		s.devices[name] = dev
		return dev, nil
	}
	return nil, fmt.Errorf("app: no device %q", name)
}

func (s *ActionService) begin(action, device string) int {
	s.mu.Lock()
	s.next++
	id := s.next
	s.mu.Unlock()
	s.emit.Emit(EventActionProgress, ActionProgressDTO{ID: id, Action: action, Device: device, State: "running"})
	return id
}

func (s *ActionService) end(id int, action, device string, r mua.ActionResult, err error) (ActionResultDTO, error) {
	p := ActionProgressDTO{ID: id, Action: action, Device: device, State: "done"}
	dto := newActionResultDTO(r)
	if err != nil {
		p.State, p.Error = "error", err.Error()
	} else {
		p.Result = &dto
	}
	s.emit.Emit(EventActionProgress, p)
	s.emit.Emit(EventLabChanged, (&LabService{lab: s.lab}).state())
	return dto, err
}

// CheckMail has a device fetch new mail by its policy.
func (s *ActionService) CheckMail(device string) (ActionResultDTO, error) {
	dev, err := s.device(device)
	if err != nil {
		return ActionResultDTO{}, err
	}
	id := s.begin("check", device)
	r, err := dev.CheckMail(s.lab.Link.LiveClock().Now())
	return s.end(id, "check", device, r, err)
}

// SendMail submits a message from one of the lab's users over SMTP with
// AUTH, on the live clock.
func (s *ActionService) SendMail(d DraftDTO) (ActionResultDTO, error) {
	if d.From == "" || len(d.To) == 0 {
		return ActionResultDTO{}, fmt.Errorf("app: a mail needs a sender and a recipient")
	}
	dev, err := s.lab.NewDevice(lab.DeviceOptions{Name: "Composer", User: d.From, Policy: mua.Policy{Mode: mua.POP3Keep}})
	if err != nil {
		return ActionResultDTO{}, err
	}
	id := s.begin("send", d.From)
	at := s.lab.Link.LiveClock().Now()
	dev.Compose(at, mua.Draft{To: d.To, Subject: d.Subject, Body: d.Body})
	r, err := dev.Send(at)
	return s.end(id, "send", d.From, r, err)
}
