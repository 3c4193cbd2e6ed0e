package trace

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// PcapngStream writes a pcapng capture as events happen (`serve
// --pcapng`): the same packets WritePcapng synthesises, written and
// flushed after each batch, so that tshark can read the file while the
// lab runs. Packets are in time order within a batch; across batches a
// later batch may hold a packet stamped a little earlier. Not safe for
// concurrent use.
type PcapngStream struct {
	w     io.Writer
	nw    *pcapgo.NgWriter
	opt   ExportOptions
	base  time.Time
	flows map[uint64]*tcpFlow
	done  map[uint64]bool // sessions whose flow has ended
	info  func(id uint64) (SessionInfo, bool)
	pkts  []packet
	buf   gopacket.SerializeBuffer
}

// NewPcapngStream writes the capture's header to w and returns the
// stream. info, if set, describes a session the first time an event names
// it (Recorder.Session does).
func NewPcapngStream(w io.Writer, info func(id uint64) (SessionInfo, bool), opt ExportOptions) (*PcapngStream, error) {
	nw, err := pcapgo.NewNgWriterInterface(w, pcapgo.NgInterface{
		Name: "mailscope", Description: "Mailscope simulated link",
		LinkType: layers.LinkTypeEthernet, TimestampResolution: 9,
	}, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "mailscope"}})
	if err != nil {
		return nil, fmt.Errorf("trace: pcapng: %w", err)
	}
	if err := nw.Flush(); err != nil {
		return nil, fmt.Errorf("trace: pcapng: %w", err)
	}
	return &PcapngStream{w: w, nw: nw, opt: opt, base: opt.Base, flows: map[uint64]*tcpFlow{},
		done: map[uint64]bool{}, info: info, buf: gopacket.NewSerializeBuffer()}, nil
}

// Write adds the packets of events to the capture and flushes it.
func (p *PcapngStream) Write(events []Event) error {
	p.pkts = p.pkts[:0]
	for i := range events {
		ev := &events[i]
		if p.done[ev.Session] {
			continue
		}
		if p.base.IsZero() && !ev.Wall.IsZero() {
			p.base = ev.Wall.Add(-ev.At)
		}
		f := p.flows[ev.Session]
		if f == nil {
			si, ok := SessionInfo{}, false
			if p.info != nil {
				si, ok = p.info(ev.Session)
			}
			if !ok {
				si = SessionInfo{ID: ev.Session, Protocol: ev.Protocol, Start: ev.At}
			}
			f = newFlow(si)
			p.flows[ev.Session] = f
		}
		p.pkts = f.add(p.pkts, ev, p.opt.Reveal)
		if f.finished {
			delete(p.flows, ev.Session)
			p.done[ev.Session] = true
		}
	}
	if p.base.IsZero() {
		p.base = time.Unix(0, 0).UTC()
	}
	slices.SortStableFunc(p.pkts, func(a, b packet) int {
		switch {
		case a.ts < b.ts:
			return -1
		case a.ts > b.ts:
			return 1
		}
		return 0
	})
	sopt := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	for i := range p.pkts {
		pk := &p.pkts[i]
		if err := pk.serialize(p.buf, sopt); err != nil {
			return fmt.Errorf("trace: pcapng: %w", err)
		}
		data := p.buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: p.base.Add(pk.ts), CaptureLength: len(data), Length: len(data)}
		if err := p.nw.WritePacket(ci, data); err != nil {
			return fmt.Errorf("trace: pcapng: %w", err)
		}
		pk.payload = nil
	}
	if err := p.nw.Flush(); err != nil {
		return fmt.Errorf("trace: pcapng: %w", err)
	}
	return nil
}

// Session returns the description of session id, if it was registered.
func (r *Recorder) Session(id uint64) (SessionInfo, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.sessions) - 1; i >= 0; i-- { // new sessions are at the end
		if r.sessions[i].ID == id {
			return r.sessions[i], true
		}
	}
	return SessionInfo{}, false
}
