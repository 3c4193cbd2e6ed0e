package trace

import "strings"

// ExplainsMark: a connection row of the trace (connect, close, a dial-up
// call, a fault the lab injected) or the note that a payload was cut
// short. Like the TLS notes these are not per protocol and are not part
// of Catalogue; the explainers return them with the event's protocol.
// RFC 0 marks Mailscope's own rows, which no RFC defines.
const ExplainsMark ExplanationKind = "mark"

// Keys of the mark notes.
const (
	markConnect     = "connect"
	markCloseClient = "close-client"
	markCloseServer = "close-server"
	markDial        = "dial"
	markOffline     = "offline"
	markHangup      = "hangup"
	markReset       = "reset"
	markStall       = "stall"
	markDrop        = "drop"
	markFault       = "fault"
	markReply       = "fault-reply"
	markDelay       = "fault-delay"
	markDisconnect  = "fault-disconnect"
	markChaos       = "fault-chaos"
	markIncomplete  = "incomplete"
)

func markNote(key string, rfc int, sec, sentence string) Explanation {
	return Explanation{Kind: ExplainsMark, Key: key, Sentence: sentence, RFC: rfc, Section: sec}
}

// markNotes explain the mark rows, keyed as above.
var markNotes = func() map[string]Explanation {
	m := map[string]Explanation{}
	for _, e := range []Explanation{
		markNote(markConnect, 9293, "3.5", "The client opened a TCP connection with the three-way handshake (SYN, SYN-ACK, ACK), which costs one round trip before the first byte of mail protocol can cross."),
		markNote(markCloseClient, 9293, "3.6", "The client closed the connection: its TCP sent a FIN, meaning it will send nothing more, and the server reads the end of the stream."),
		markNote(markCloseServer, 9293, "3.6", "The server closed the connection: its TCP sent a FIN, meaning it will send nothing more, and the client reads the end of the stream."),
		markNote(markDial, 0, "", "Mailscope's own row for a dial-up link: the modem dials and the call takes the link's dial time to come up before TCP can start, and the tariff may charge for the call."),
		markNote(markOffline, 0, "", "Mailscope's own row: the lab took the link offline, so every open connection breaks at once; both sides see their next read or write fail, and bytes still in flight never arrive."),
		markNote(markHangup, 0, "", "Mailscope's own row: the dial-up call was hung up, so the line is gone and both sides lose the connection; bytes still in flight never arrive."),
		markNote(markReset, 9293, "3.5.2", "The lab reset the connection, as a TCP RST segment does: the connection ends at once without the FIN exchange, both sides see 'connection reset', and bytes not yet delivered are lost."),
		markNote(markStall, 0, "", "Mailscope's own row: the lab stalled one direction of the link, so its bytes stop for a while and then flow again; the reader simply waits, and the connection stays open."),
		markNote(markDrop, 0, "", "Mailscope's own row: from here the lab drops the bytes of one direction, so the sender believes they went out while the receiver never gets them and waits for something that never comes."),
		markNote(markFault, 0, "", "Mailscope's own row: the lab injected a fault here, and the row's text says which one."),
		markNote(markReply, 0, "", "Mailscope's own row: an armed reply fault answered the client's command with the chosen line instead of running it, so the server's store never saw the command; the next line is that reply, as the client read it."),
		markNote(markDelay, 0, "", "Mailscope's own row: an armed delay fault held the client's command on the server for the time the row says before running it, as a slow or overloaded server would; the reply that follows leaves that much later."),
		markNote(markDisconnect, 0, "", "Mailscope's own row: an armed disconnect fault ended the IDLE from the server's side, as a server does on an inactivity timeout or a shutdown: it sent * BYE and closed the connection, and the client must reconnect."),
		markNote(markChaos, 0, "", "Mailscope's own row: an armed chaos fault, drawing from its seed, failed this command with the chosen reply instead of running it; the same seed and the same commands fail the same way on every run."),
		markNote(markIncomplete, 0, "", "The connection broke before this payload was complete: its byte count is what arrived, and the rest never did."),
	} {
		m[e.Key] = e
	}
	return m
}()

// markKey returns the note key for a mark event.
func markKey(ev *Event) string {
	switch ev.Kind {
	case KindConnect:
		return markConnect
	case KindDial:
		return markDial
	case KindClose:
		if strings.HasPrefix(ev.Text, "server") || ev.Text == "" && ev.Dir == ServerToClient {
			return markCloseServer
		}
		return markCloseClient
	case KindFault:
		switch d := ev.Text; {
		case d == "offline":
			return markOffline
		case d == "hangup":
			return markHangup
		case strings.HasPrefix(d, "reset"):
			return markReset
		case strings.HasPrefix(d, "stall"):
			return markStall
		case strings.HasPrefix(d, "drop"):
			return markDrop
		case isProtocolFault(d, "reply"):
			return markReply
		case isProtocolFault(d, "delay"):
			return markDelay
		case isProtocolFault(d, "disconnect"):
			return markDisconnect
		case isProtocolFault(d, "chaos"):
			return markChaos
		}
		return markFault
	}
	return ""
}

// isProtocolFault reports whether a fault row's text is a protocol
// fault's: its spec ("reply@pop3,…", "chaos,p=…"), a colon, what it did.
func isProtocolFault(text, kind string) bool {
	rest, ok := strings.CutPrefix(text, kind)
	return ok && (strings.HasPrefix(rest, "@") || strings.HasPrefix(rest, ",")) && strings.Contains(rest, ": ")
}

// explainMark returns the note for a mark event, or nil.
func explainMark(ev *Event) []Explanation {
	e, ok := markNotes[markKey(ev)]
	if !ok {
		return nil
	}
	e.Protocol = ev.Protocol
	return []Explanation{e}
}

// incompleteNote is the note added to an event cut short by a break.
func incompleteNote(p Protocol) Explanation {
	e := markNotes[markIncomplete]
	e.Protocol = p
	return e
}
