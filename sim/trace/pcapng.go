package trace

import (
	"encoding/binary"
	"fmt"
	"io"
	"iter"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// MSS is the TCP payload per synthesised segment in pcapng exports.
const MSS = 1460

// clientPortBase is added to a session id to make its client port, so that
// every session is its own TCP stream in Wireshark.
const clientPortBase = 40000

// WritePcapng writes the events as a pcapng capture that Wireshark and
// tshark open and dissect: each session becomes an Ethernet/IPv4/TCP
// stream with a three-way handshake at connect, data segments of at most
// MSS bytes with consistent sequence and acknowledgement numbers in both
// directions, and FIN at close, or RST where a fault broke the connection
// (see Breaks): then only the bytes that arrived before it are there. The
// server side uses the port the server listened on (SessionInfo.ServerPort),
// or the protocol's well-known port (25, 110, 143) when that is unknown;
// the client its address's port, or 40000 + session id when it has none. Timestamps are opt.Base plus virtual time; a
// segment of a write is stamped between the write's departure and
// arrival. Bytes that were not kept (FlagTruncated) advance the sequence
// numbers without a packet, as a capture that missed them would. Secrets
// are replaced by '*' byte for byte unless opt.Reveal.
//
// TLS sessions carry their records as they crossed, ciphertext; a session
// that began with TLS (implicit TLS) on an unknown port uses the
// protocol's implicit-TLS port (465, 995, 993) so that Wireshark takes it
// for TLS. With opt.Reveal and
// opt.KeyLog, the capture holds a Decryption Secrets Block (pcapng block
// type 0x0000000A, "TLSK") with the NSS key log lines of its sessions, so
// that Wireshark and tshark show them decrypted with no key log file.
func WritePcapng(w io.Writer, sessions []SessionInfo, events iter.Seq[Event], opt ExportOptions) error {
	flows := make(map[uint64]*tcpFlow, len(sessions))
	for _, s := range sessions {
		flows[s.ID] = newFlow(s)
	}
	var pkts []packet
	var randoms [][32]byte
	base := opt.Base
	for ev := range events {
		if ev.Kind == KindTLS && ev.Verb == "ClientHello" {
			if r, ok := clientHelloIn(ev.Payload); ok {
				randoms = append(randoms, r)
			}
		}
		if base.IsZero() && !ev.Wall.IsZero() {
			base = ev.Wall.Add(-ev.At)
		}
		f := flows[ev.Session]
		if f == nil {
			f = newFlow(SessionInfo{ID: ev.Session, Protocol: ev.Protocol, Start: ev.At})
			flows[ev.Session] = f
		}
		pkts = f.add(pkts, &ev, opt.Reveal)
	}
	if base.IsZero() {
		base = time.Unix(0, 0).UTC()
	}
	// Segments of long writes overlap other sessions' traffic in time.
	slices.SortStableFunc(pkts, func(a, b packet) int {
		switch {
		case a.ts < b.ts:
			return -1
		case a.ts > b.ts:
			return 1
		}
		return 0
	})

	nw, err := pcapgo.NewNgWriterInterface(w, pcapgo.NgInterface{
		Name:                "mailscope",
		Description:         "Mailscope simulated link",
		LinkType:            layers.LinkTypeEthernet,
		SnapLength:          0,
		TimestampResolution: 9,
	}, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "mailscope", Comment: faultsComment(opt.Faults)}})
	if err != nil {
		return fmt.Errorf("trace: pcapng: %w", err)
	}
	if opt.Reveal && opt.KeyLog != nil {
		var keys []byte
		for _, r := range randoms {
			keys = opt.KeyLog.appendNSS(keys, r)
		}
		if len(keys) > 0 {
			// The writer has no call for it: the block goes straight after
			// the section and interface headers, before any packet.
			if err := nw.Flush(); err != nil {
				return fmt.Errorf("trace: pcapng: %w", err)
			}
			if _, err := w.Write(decryptionSecretsBlock(keys)); err != nil {
				return fmt.Errorf("trace: pcapng: %w", err)
			}
		}
	}
	buf := gopacket.NewSerializeBuffer()
	sopt := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	for i := range pkts {
		p := &pkts[i]
		if err := p.serialize(buf, sopt); err != nil {
			return fmt.Errorf("trace: pcapng: %w", err)
		}
		data := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: base.Add(p.ts), CaptureLength: len(data), Length: len(data)}
		if err := nw.WritePacket(ci, data); err != nil {
			return fmt.Errorf("trace: pcapng: %w", err)
		}
	}
	if err := nw.Flush(); err != nil {
		return fmt.Errorf("trace: pcapng: %w", err)
	}
	return nil
}

// tcpFlow is one session's synthesised TCP connection.
type tcpFlow struct {
	info     SessionInfo
	ip       [2]netip.Addr // by Direction of the sender: client, server
	port     [2]uint16
	next     [2]uint32 // next sequence number each side sends
	ipID     [2]uint16
	open     bool
	finished bool
	dialled  bool          // a dial came first: the SYN waits for the line
	last     time.Duration // the latest packet's time
}

func newFlow(s SessionInfo) *tcpFlow {
	f := &tcpFlow{info: s}
	f.ip[ClientToServer] = addrOr(s.ClientAddr, netip.AddrFrom4([4]byte{10, 0, 0, 2}))
	f.ip[ServerToClient] = addrOr(s.ServerAddr, netip.AddrFrom4([4]byte{10, 0, 0, 1}))
	f.port[ClientToServer] = portOf(s.ClientAddr)
	if f.port[ClientToServer] == 0 {
		f.port[ClientToServer] = uint16(clientPortBase + s.ID%20000)
	}
	f.port[ServerToClient] = s.ServerPort
	if f.port[ServerToClient] == 0 {
		f.port[ServerToClient] = s.Protocol.WellKnownPort()
	}
	if f.port[ServerToClient] == 0 {
		f.port[ServerToClient] = 9
	}
	// Fixed, distinct initial sequence numbers keep exports reproducible.
	f.next[ClientToServer] = uint32(1000 + s.ID*100000)
	f.next[ServerToClient] = uint32(5000 + s.ID*100000)
	return f
}

// portOf returns the port of "host:port", or 0 when there is none (an
// in-app client is named, "laptop", not addressed).
func portOf(hostport string) uint16 {
	_, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return 0
	}
	return uint16(n)
}

// addrOr returns the IPv4 address of "host:port" or def.
func addrOr(hostport string, def netip.Addr) netip.Addr {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Unmap().Is4() {
		return def
	}
	return a.Unmap()
}

type tcpFlags uint8

const (
	tcpSYN tcpFlags = 1 << iota
	tcpACK
	tcpPSH
	tcpFIN
	tcpRST
)

type packet struct {
	ts      time.Duration
	flow    *tcpFlow
	dir     Direction
	seq     uint32
	ack     uint32
	flags   tcpFlags
	ipID    uint16
	payload []byte
}

func (f *tcpFlow) packet(ts time.Duration, d Direction, flags tcpFlags, payload []byte) packet {
	p := packet{ts: ts, flow: f, dir: d, seq: f.next[d], flags: flags, ipID: f.ipID[d], payload: payload}
	f.ipID[d]++
	f.last = max(f.last, ts)
	if flags&tcpACK != 0 {
		p.ack = f.next[1-d]
	}
	f.next[d] += uint32(len(payload))
	if flags&(tcpSYN|tcpFIN) != 0 {
		f.next[d]++
	}
	return p
}

// handshake opens the connection: SYN at the session's start (after the
// dial, if the session dialled), SYN-ACK half way, ACK when the link
// reported the connection up.
func (f *tcpFlow) handshake(pkts []packet, up time.Duration) []packet {
	f.open = true
	start := min(f.info.Start, up)
	if f.dialled {
		start = up
	}
	pkts = append(pkts, f.packet(start, ClientToServer, tcpSYN, nil))
	pkts = append(pkts, f.packet(start+(up-start)/2, ServerToClient, tcpSYN|tcpACK, nil))
	return append(pkts, f.packet(up, ClientToServer, tcpACK, nil))
}

func (f *tcpFlow) add(pkts []packet, ev *Event, reveal bool) []packet {
	if f.finished {
		return pkts
	}
	if ev.Kind == KindDial {
		// Below TCP: the modem's call sends no segments.
		f.dialled = !f.open
		return pkts
	}
	if !f.open {
		pkts = f.handshake(pkts, ev.At)
	}
	switch ev.Kind {
	case KindTLS:
		if ev.Text == tlsBeginImplicitText && f.info.ServerPort == 0 {
			if p := f.info.Protocol.ImplicitTLSPort(); p != 0 {
				f.port[ServerToClient] = p
			}
		}
		if ev.Bytes == 0 {
			break // a mark, not a record
		}
		fallthrough
	case KindLine, KindBulk:
		data, missing := ev.StreamData(reveal)
		n := (len(data) + MSS - 1) / MSS
		for k := 0; k < n; k++ {
			seg := data[k*MSS : min((k+1)*MSS, len(data))]
			ts := ev.At + (ev.Arrive-ev.At)*time.Duration(k+1)/time.Duration(n)
			flags := tcpACK
			if k == n-1 {
				flags |= tcpPSH
			}
			pkts = append(pkts, f.packet(ts, ev.Dir, flags, seg))
		}
		f.next[ev.Dir] += uint32(missing)
	case KindClose:
		// Not before the last segment: a close can be stamped before the
		// departure of what was written just ahead of it.
		d, at := ev.Dir, max(ev.At, f.last)
		pkts = append(pkts, f.packet(at, d, tcpFIN|tcpACK, nil))
		pkts = append(pkts, f.packet(at, 1-d, tcpFIN|tcpACK, nil))
		pkts = append(pkts, f.packet(at, d, tcpACK, nil))
		f.finished = true
	case KindFault:
		if Breaks(ev.Text) {
			pkts = append(pkts, f.packet(max(ev.At, f.last), ev.Dir, tcpRST|tcpACK, nil))
			f.finished = true
		}
	}
	return pkts
}

func (p *packet) serialize(buf gopacket.SerializeBuffer, opt gopacket.SerializeOptions) error {
	f := p.flow
	src, dst := p.dir, 1-p.dir
	// Locally administered MACs: ...:02 is the client, ...:01 the server.
	clientMAC := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x02}
	serverMAC := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	eth := &layers.Ethernet{SrcMAC: clientMAC, DstMAC: serverMAC, EthernetType: layers.EthernetTypeIPv4}
	if p.dir == ServerToClient {
		eth.SrcMAC, eth.DstMAC = serverMAC, clientMAC
	}
	sip, dip := f.ip[src].As4(), f.ip[dst].As4()
	ip := &layers.IPv4{
		Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, Id: p.ipID,
		Flags: layers.IPv4DontFragment, SrcIP: sip[:], DstIP: dip[:],
	}
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(f.port[src]), DstPort: layers.TCPPort(f.port[dst]),
		Seq: p.seq, Ack: p.ack, Window: 65535,
		SYN: p.flags&tcpSYN != 0, ACK: p.flags&tcpACK != 0, PSH: p.flags&tcpPSH != 0,
		FIN: p.flags&tcpFIN != 0, RST: p.flags&tcpRST != 0,
	}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		return err
	}
	return gopacket.SerializeLayers(buf, opt, eth, ip, tcp, gopacket.Payload(p.payload))
}

// clientHelloIn returns the client random of the ClientHello record that
// starts b (a ClientHello event's records).
func clientHelloIn(b []byte) ([32]byte, bool) {
	if len(b) < recordHeaderLen || b[0] != recordHandshake {
		return [32]byte{}, false
	}
	return clientHelloRandom(b)
}

// decryptionSecretsBlock returns a pcapng Decryption Secrets Block holding
// a TLS key log (pcapng draft §4.7; secrets type 0x544c534b, "TLSK").
func decryptionSecretsBlock(keys []byte) []byte {
	pad := (4 - len(keys)%4) % 4
	total := 4 + 4 + 4 + 4 + len(keys) + pad + 4
	b := make([]byte, 0, total)
	b = binary.LittleEndian.AppendUint32(b, 0x0000000A)
	b = binary.LittleEndian.AppendUint32(b, uint32(total))
	b = binary.LittleEndian.AppendUint32(b, 0x544c534b)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(keys)))
	b = append(b, keys...)
	b = append(b, make([]byte, pad)...)
	return binary.LittleEndian.AppendUint32(b, uint32(total))
}

// faultsCommentPrefix starts the section header's comment of a capture
// exported with armed faults: the prefix, then one spec per line. Wireshark
// shows it under Statistics → Capture File Properties; ReadSaved lists the
// specs as a JSON Lines export's faults record.
const faultsCommentPrefix = "mailscope faults armed:\n"

func faultsComment(specs []string) string {
	if len(specs) == 0 {
		return ""
	}
	return faultsCommentPrefix + strings.Join(specs, "\n")
}

func faultsFromComment(c string) []string {
	rest, ok := strings.CutPrefix(c, faultsCommentPrefix)
	if !ok {
		return nil
	}
	var out []string
	for _, l := range strings.Split(rest, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
