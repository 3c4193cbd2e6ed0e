package lab

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mailscope/mailscope/sim/mua"
)

// Errors of the device registry.
var (
	ErrNoDevice     = errors.New("lab: no such device")
	ErrDeviceExists = errors.New("lab: a device of that name exists")
)

// Device event kinds (DeviceEvent.Kind).
const (
	DeviceAdded   = "added"
	DeviceRemoved = "removed"
	DeviceChanged = "changed"
)

// DeviceEvent is what a device registry subscriber is told: a device was
// added or removed, or its local state changed. Each event carries the
// device's whole state as it was right after the event, taken on the
// goroutine that made the change (inside the device's Observe), so it is
// consistent: the Change and the snapshot agree.
type DeviceEvent struct {
	// Kind is DeviceAdded, DeviceRemoved or DeviceChanged.
	Kind   string
	Device DeviceOptions // Observe is nil
	// Change is what changed (DeviceChanged); zero otherwise.
	Change mua.Change
	// Messages are copies of the messages in every folder, oldest first,
	// taken apart from the device: later changes never reach them. They
	// are read-only: consecutive events share the array (and every copy
	// a message's Raw bytes), so copy before changing anything.
	Messages []mua.Message
	Outbox   []mua.Outgoing
	View     mua.View
	Folders  []string
	// Offline is true while the device works offline by choice.
	Offline bool
}

// deviceRegistry is the lab's list of devices (AddDevice). The zero
// value is an empty registry, ready to use.
//
// Locks, always taken in this order: a device's act (one action at a
// time), then emit (one delivery to subscribers at a time, so they see
// events in the order the snapshots were taken), then mu (the lists).
type deviceRegistry struct {
	emit sync.Mutex

	mu      sync.Mutex
	entries []*deviceEntry // in the order added
	subs    []subscriber   // in the order subscribed
	nextSub int
}

type subscriber struct {
	id int
	fn func(DeviceEvent)
}

type deviceEntry struct {
	opts DeviceOptions // Observe cleared
	dev  *mua.Device
	obs  func(mua.Change) // the caller's own Observe
	act  sync.Mutex

	// guarded by deviceRegistry.mu
	last    DeviceEvent
	removed bool
	mirror  mirror
}

// mirror is the device's messages and view as the last event carried
// them, kept up to date change by change, so that a snapshot costs O(1)
// for a message added (a check downloading ten thousand messages would
// otherwise copy the list ten thousand times) and O(n) only for a change
// to a message already listed, whose earlier events must keep the old
// copy.
type mirror struct {
	msgs []mua.Message // sorted by ID, as the device holds them
	view mua.View      // its Folders map is the mirror's own
}

// load takes the whole state of a device no one else is using yet.
func (m *mirror) load(d *mua.Device) {
	m.msgs = d.Messages("")
	m.view = d.View()
}

// apply brings the mirror up to date after change c.
func (m *mirror) apply(d *mua.Device, c mua.Change) {
	switch c.Kind {
	case mua.ChangeDownloaded, mua.ChangeListed, mua.ChangeRemoved, mua.ChangeFlags, mua.ChangeMoved, mua.ChangeFiled:
	default:
		return // the outbox, folders and the offline state are read afresh
	}
	i := sort.Search(len(m.msgs), func(i int) bool { return m.msgs[i].ID >= c.ID })
	had := i < len(m.msgs) && m.msgs[i].ID == c.ID
	now, has := d.Message(c.ID)
	if had {
		m.count(m.msgs[i], -1)
	}
	if has {
		m.count(now, +1)
	}
	switch {
	case had && has: // copy on write: earlier events keep their copy
		msgs := append([]mua.Message(nil), m.msgs...)
		msgs[i] = now
		m.msgs = msgs
	case had:
		m.msgs = append(m.msgs[:i:i], m.msgs[i+1:]...)
	case has && i == len(m.msgs): // new messages have the highest IDs
		m.msgs = append(m.msgs, now)
	case has:
		msgs := append(append(append([]mua.Message(nil), m.msgs[:i]...), now), m.msgs[i:]...)
		m.msgs = msgs
	}
}

func (m *mirror) count(x mua.Message, n int) {
	v := &m.view
	v.Visible += n
	if x.Readable() {
		v.OfflineReadable += n
	}
	if !x.Seen {
		v.Unread += n
	}
	if v.Folders == nil {
		v.Folders = map[string]int{}
	}
	if v.Folders[x.Folder] += n; v.Folders[x.Folder] == 0 {
		delete(v.Folders, x.Folder)
	}
}

// event is the mirror as a DeviceEvent: its own copies of what may
// change, the message list shared up to its length (appends go beyond
// it; changes go to a new array).
func (e *deviceEntry) event(kind string, c mua.Change) DeviceEvent {
	d, m := e.dev, &e.mirror
	v := m.view
	v.Folders = make(map[string]int, len(m.view.Folders))
	for f, n := range m.view.Folders {
		v.Folders[f] = n
	}
	out := d.Outbox()
	v.Outbox = len(out)
	return DeviceEvent{Kind: kind, Device: e.opts, Change: c,
		Messages: m.msgs[:len(m.msgs):len(m.msgs)], Outbox: out, View: v, Folders: d.Folders(), Offline: d.Offline()}
}

func (r *deviceRegistry) findLocked(name string) (int, *deviceEntry) {
	for i, e := range r.entries {
		if strings.EqualFold(e.opts.Name, name) {
			return i, e
		}
	}
	return -1, nil
}

// validDeviceName checks a name for the trace and the From line: some
// text, at most 64 characters, no control characters.
func validDeviceName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("lab: a device needs a name")
	case utf8.RuneCountInString(name) > 64 || !utf8.ValidString(name):
		return fmt.Errorf("lab: device name %.20q...: at most 64 characters of UTF-8", name)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("lab: device name %q starts or ends with a space", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("lab: device name %q has a control character", name)
		}
	}
	return nil
}

// AddDevice makes a simulated mail client with NewDevice and keeps it in
// the lab's device list, so that everyone (the app's actions, the mailbox
// views) shares one list. Names are unique, compared without case; the
// account must exist. Subscribers are told (DeviceAdded), and of each
// change the device makes from then on (DeviceChanged); o.Observe, if
// set, is called after them. Run the device's actions through UseDevice
// (or serialise them yourself): a Device is not safe for concurrent use.
func (l *Lab) AddDevice(o DeviceOptions) (*mua.Device, error) {
	if err := validDeviceName(o.Name); err != nil {
		return nil, err
	}
	if _, err := l.Store.User(o.User); err != nil {
		return nil, fmt.Errorf("lab: device %q: account %q: %w", o.Name, o.User, err)
	}
	r := &l.devices
	e := &deviceEntry{obs: o.Observe}
	o.Observe = func(c mua.Change) { l.deviceChanged(e, c) }

	r.emit.Lock()
	defer r.emit.Unlock()
	r.mu.Lock()
	if _, old := r.findLocked(o.Name); old != nil {
		r.mu.Unlock()
		return nil, fmt.Errorf("%w: %q", ErrDeviceExists, old.opts.Name)
	}
	dev, err := l.NewDevice(o)
	if err != nil {
		r.mu.Unlock()
		return nil, err
	}
	o.Observe = nil
	e.opts, e.dev = o, dev
	e.mirror.load(dev)
	e.last = e.event(DeviceAdded, mua.Change{})
	r.entries = append(r.entries, e)
	subs := r.subsLocked()
	ev := e.last
	r.mu.Unlock()
	for _, fn := range subs {
		fn(ev)
	}
	return dev, nil
}

// deviceChanged runs inside a device's Observe, on the goroutine of its
// action: it snapshots the device and tells the subscribers.
func (l *Lab) deviceChanged(e *deviceEntry, c mua.Change) {
	r := &l.devices
	r.emit.Lock()
	r.mu.Lock()
	var subs []func(DeviceEvent)
	var ev DeviceEvent
	if !e.removed && e.dev != nil {
		e.mirror.apply(e.dev, c)
		ev = e.event(DeviceChanged, c)
		e.last = ev
		subs = r.subsLocked()
	}
	r.mu.Unlock()
	for _, fn := range subs {
		fn(ev)
	}
	r.emit.Unlock()
	if e.obs != nil {
		e.obs(c)
	}
}

func (r *deviceRegistry) subsLocked() []func(DeviceEvent) {
	out := make([]func(DeviceEvent), len(r.subs))
	for i, s := range r.subs {
		out[i] = s.fn
	}
	return out
}

// RemoveDevice takes a device off the list. It waits for an action
// running through UseDevice to end, then closes the device's kept IMAP
// session (logging out at the lab's current time), and tells the
// subscribers (DeviceRemoved, with the device's last state).
func (l *Lab) RemoveDevice(name string) error {
	r := &l.devices
	e, err := r.acquire(name)
	if err != nil {
		return err
	}
	defer e.act.Unlock()
	// Logging out may take a while on a slow live link: only this
	// device's lock is held (and its logout changes nothing local).
	_, err = e.dev.Close(l.deviceNow(e.dev))
	r.emit.Lock()
	defer r.emit.Unlock()
	r.mu.Lock()
	e.removed = true
	for i, x := range r.entries {
		if x == e {
			r.entries = append(r.entries[:i:i], r.entries[i+1:]...)
			break
		}
	}
	ev := e.last
	ev.Kind, ev.Change = DeviceRemoved, mua.Change{}
	subs := r.subsLocked()
	r.mu.Unlock()
	for _, fn := range subs {
		fn(ev)
	}
	if err != nil {
		return fmt.Errorf("lab: device %q removed; its session did not close cleanly: %w", name, err)
	}
	return nil
}

// deviceNow is when an action of d starts now: the live clock's now for
// a live lab (never before the device's last action ended), else the
// device's own clock.
func (l *Lab) deviceNow(d *mua.Device) time.Duration {
	if l.clock == Live {
		return max(d.Now(), l.Link.LiveClock().Now())
	}
	return d.Now()
}

// Device returns a registered device and its options. Its actions must
// not run concurrently: use UseDevice.
func (l *Lab) Device(name string) (*mua.Device, DeviceOptions, bool) {
	r := &l.devices
	r.mu.Lock()
	defer r.mu.Unlock()
	_, e := r.findLocked(name)
	if e == nil {
		return nil, DeviceOptions{}, false
	}
	return e.dev, e.opts, true
}

// Devices lists the registered devices in the order they were added.
func (l *Lab) Devices() []DeviceOptions {
	r := &l.devices
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]DeviceOptions, len(r.entries))
	for i, e := range r.entries {
		out[i] = e.opts
	}
	return out
}

// DeviceState is a registered device's latest state, as its last event
// carried it; it never touches the device, so it may be called while an
// action runs.
func (l *Lab) DeviceState(name string) (DeviceEvent, bool) {
	r := &l.devices
	r.mu.Lock()
	defer r.mu.Unlock()
	_, e := r.findLocked(name)
	if e == nil {
		return DeviceEvent{}, false
	}
	return e.last, true
}

// UseDevice runs fn with the named device, one call at a time per device
// (calls for other devices run alongside). fn's actions report their
// changes to subscribers as they happen.
func (l *Lab) UseDevice(name string, fn func(*mua.Device) error) error {
	e, err := l.devices.acquire(name)
	if err != nil {
		return err
	}
	defer e.act.Unlock()
	return fn(e.dev)
}

// acquire finds a device and takes its action lock, waiting for a running
// action; the caller MUST unlock e.act. A device removed while we waited
// is not found.
func (r *deviceRegistry) acquire(name string) (*deviceEntry, error) {
	r.mu.Lock()
	_, e := r.findLocked(name)
	r.mu.Unlock()
	if e == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoDevice, name)
	}
	e.act.Lock()
	r.mu.Lock()
	removed := e.removed
	r.mu.Unlock()
	if removed { // by a RemoveDevice while we waited
		e.act.Unlock()
		return nil, fmt.Errorf("%w: %q (removed)", ErrNoDevice, name)
	}
	return e, nil
}

// SubscribeDevices calls fn with every device event until cancel is
// called. Before it returns, fn is called once per device already on the
// list, in order, with a DeviceAdded event carrying its latest state: a
// subscriber needs no separate snapshot, and misses nothing in between.
//
// fn is called synchronously, from the goroutine that made the event
// (often a device's action, in the middle of a session on the link), one
// call at a time across all devices. It MUST be fast and never block: copy
// what it needs and hand it on (a channel with room, a batch under a
// mutex). It must not add or remove devices, subscribe, or run a device's
// actions; it may call Devices, Device, DeviceState and cancel.
func (l *Lab) SubscribeDevices(fn func(DeviceEvent)) (cancel func()) {
	r := &l.devices
	r.emit.Lock()
	defer r.emit.Unlock()
	r.mu.Lock()
	var replay []DeviceEvent
	for _, e := range r.entries {
		ev := e.last
		ev.Kind, ev.Change = DeviceAdded, mua.Change{}
		replay = append(replay, ev)
	}
	id := r.nextSub
	r.nextSub++
	r.subs = append(r.subs, subscriber{id, fn})
	r.mu.Unlock()
	for _, ev := range replay {
		fn(ev)
	}
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		for i, s := range r.subs {
			if s.id == id {
				r.subs = append(r.subs[:i:i], r.subs[i+1:]...)
				return
			}
		}
	}
}
