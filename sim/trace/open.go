package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Saved is a trace read back from a file Mailscope wrote: a JSON Lines
// export or a pcapng capture.
type Saved struct {
	Format   string // "jsonl" or "pcapng"
	Sessions []SessionInfo
	Events   []Event
	// Faults are the armed faults saved with a JSON Lines export (its
	// optional first record {"type":"faults","faults":[spec, …]}).
	Faults []string
}

// Snapshot returns the saved trace as a snapshot, for the functions that
// read one (SessionTotals, ExplainInSnapshot).
func (s *Saved) Snapshot() *Snapshot {
	r := NewRecorder(nil)
	r.sessions = append(r.sessions, s.Sessions...)
	for i := range s.Events {
		ev := s.Events[i]
		r.seq = ev.Seq - 1 // keep the saved numbering
		r.appendLocked(&ev)
	}
	snap := r.snapshotLocked()
	return snap
}

// pcapngMagic opens every pcapng file (a Section Header Block).
var pcapngMagic = []byte{0x0a, 0x0d, 0x0d, 0x0a}

// ReadSaved reads a JSON Lines export or a pcapng capture, telling them
// apart by their first bytes.
func ReadSaved(r io.Reader) (*Saved, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, _ := br.Peek(4)
	if bytes.Equal(head, pcapngMagic) {
		return readPcapng(br)
	}
	return readJSONL(br)
}

// readJSONL reads WriteJSONL's output.
func readJSONL(r io.Reader) (*Saved, error) {
	out := &Saved{Format: "jsonl"}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	seen := map[uint64]int{}
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec struct {
			Type   string   `json:"type"`
			Faults []string `json:"faults"`
		}
		if bytes.Contains(b, []byte(`"type"`)) {
			if err := json.Unmarshal(b, &rec); err == nil && rec.Type != "" {
				if rec.Type == "faults" {
					out.Faults = append(out.Faults, rec.Faults...)
				}
				continue // a record that is not an event (faults, reports)
			}
		}
		var je jsonEvent
		if err := json.Unmarshal(b, &je); err != nil {
			return nil, fmt.Errorf("trace: line %d: not a Mailscope JSON Lines event: %w", line, err)
		}
		ev := je.event()
		if _, ok := seen[ev.Session]; !ok {
			seen[ev.Session] = len(out.Sessions)
			out.Sessions = append(out.Sessions, SessionInfo{ID: ev.Session, Protocol: ev.Protocol, Start: ev.At, Wall: ev.Wall})
		}
		out.Events = append(out.Events, ev)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("trace: read JSON Lines: %w", err)
	}
	if len(out.Events) == 0 && len(out.Faults) == 0 {
		return nil, errors.New("trace: no Mailscope events in the file (expected JSON Lines or pcapng)")
	}
	return out, nil
}

// event is the inverse of toJSON, as far as the export kept: a masked
// secret stays masked, and payloads were not exported.
func (je *jsonEvent) event() Event {
	ev := Event{
		Seq: je.Seq, Session: je.Session, Protocol: je.Protocol, Dir: je.Dir, Kind: je.Kind,
		At: time.Duration(je.AtNs), Arrive: time.Duration(je.ArriveNs), Wall: je.Wall,
		Bytes: je.Bytes, Wire: je.Wire, Text: je.Text, Verb: je.Verb, Tag: je.Tag,
		Status: je.Status, Code: je.Code, RecordBytes: uint32(je.Records), Announced: je.Announced,
	}
	if je.Masked {
		// Text holds the mask already; mark it so that it is exported
		// masked again.
		if i := strings.LastIndex(ev.Text, Mask); i >= 0 {
			ev.Secret = Span{int32(i), int32(i + len(Mask))}
		}
	}
	for _, f := range []struct {
		on   bool
		flag Flags
	}{{je.More, FlagMore}, {je.Continued, FlagContinued}, {je.Truncated, FlagTruncated},
		{je.Encrypted, FlagEncrypted}, {je.Incomplete, FlagIncomplete}, {je.TLS, FlagTLS}} {
		if f.on {
			ev.Flags |= f.flag
		}
	}
	return ev
}

// readPcapng reads a capture WritePcapng or PcapngStream wrote back into
// events: each TCP stream is reassembled and its bytes fed to a Session,
// as the link would, so that lines are parsed again. A session's id is
// read from its client's initial sequence number (see newFlow), its
// protocol from the server's port or its greeting. TLS stays encrypted.
func readPcapng(r io.Reader) (*Saved, error) {
	nr, err := pcapgo.NewNgReader(r, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		return nil, fmt.Errorf("trace: pcapng: %w", err)
	}
	rec := NewRecorder(nil)
	type stream struct {
		s      *Session
		client netip.AddrPort
		info   SessionInfo
		closed [2]bool
	}
	streams := map[[2]netip.AddrPort]*stream{}
	var base time.Time
	var nextID uint64 = 1 << 40 // for flows whose id cannot be read
	for {
		data, ci, err := nr.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("trace: pcapng: %w", err)
		}
		pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.NoCopy)
		ip4, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if ip4 == nil || tcp == nil {
			continue
		}
		if base.IsZero() {
			base = ci.Timestamp
		}
		at := ci.Timestamp.Sub(base)
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip4.SrcIP.To4())), uint16(tcp.SrcPort))
		dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip4.DstIP.To4())), uint16(tcp.DstPort))
		key := [2]netip.AddrPort{src, dst}
		if src.Compare(dst) > 0 {
			key = [2]netip.AddrPort{dst, src}
		}
		st := streams[key]
		if st == nil || tcp.SYN && !tcp.ACK { // a new stream, perhaps on a reused port pair
			if !tcp.SYN || tcp.ACK {
				continue // a stream whose start was not captured
			}
			id := uint64(0)
			if tcp.Seq >= 1000 && (tcp.Seq-1000)%100000 == 0 {
				id = uint64(tcp.Seq-1000) / 100000
			}
			if id == 0 {
				nextID++
				id = nextID
			}
			st = &stream{client: src, info: SessionInfo{
				ID: id, Protocol: protocolOfPort(dst.Port()), ClientAddr: src.String(),
				ServerAddr: dst.String(), ServerPort: dst.Port(), Start: at, Wall: ci.Timestamp,
			}}
			streams[key] = st
			continue
		}
		fromClient := src == st.client
		d := DirectionOf(fromClient)
		if len(tcp.Payload) > 0 {
			if st.s == nil {
				if st.info.Protocol == ProtocolUnknown && !fromClient {
					st.info.Protocol = protocolOfGreeting(tcp.Payload)
				}
				st.s = rec.NewSession(st.info)
				st.s.Mark("connect", "", true, at, ci.Timestamp)
			}
			// The link reports a write piece by piece, each up to an LF;
			// the segment's IP and TCP headers count on the wire of its
			// first piece, as the link counts its overhead.
			p := tcp.Payload
			hdr := max(int(ip4.Length)-len(p), 0)
			for len(p) > 0 {
				n := bytes.IndexByte(p, '\n') + 1
				if n == 0 {
					n = len(p)
				}
				st.s.Transfer(fromClient, p[:n], at, at, n+hdr, ci.Timestamp)
				hdr = 0
				p = p[n:]
			}
		}
		if st.s == nil && (tcp.FIN || tcp.RST) {
			st.s = rec.NewSession(st.info)
			st.s.Mark("connect", "", true, at, ci.Timestamp)
		}
		switch {
		case tcp.RST:
			st.s.Mark("fault", "reset", fromClient, at, ci.Timestamp)
			delete(streams, key)
		case tcp.FIN && !st.closed[d]:
			st.closed[d] = true
			st.s.Mark("close", "", fromClient, at, ci.Timestamp)
		}
	}
	snap := rec.Snapshot()
	out := &Saved{Format: "pcapng", Sessions: snap.Sessions(), Events: snap.Slice(), Faults: faultsFromComment(nr.SectionInfo().Comment)}
	return out, nil
}

func protocolOfPort(port uint16) Protocol {
	switch port {
	case 25, 465, 587, 2525, 2465, 1025, 1587: // the IANA ports and serve's
		return SMTP
	case 110, 995, 2110, 2995, 1110:
		return POP3
	case 143, 993, 2143, 2993, 1143:
		return IMAP
	}
	return ProtocolUnknown
}

// protocolOfGreeting tells the protocol from a server's first line.
func protocolOfGreeting(b []byte) Protocol {
	switch {
	case bytes.HasPrefix(b, []byte("+OK")):
		return POP3
	case bytes.HasPrefix(b, []byte("* ")):
		return IMAP
	case len(b) >= 3 && b[0] >= '2' && b[0] <= '5':
		if _, err := strconv.Atoi(string(b[:3])); err == nil {
			return SMTP
		}
	}
	return ProtocolUnknown
}
