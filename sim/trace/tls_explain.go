package trace

import "strings"

// ExplainsTLS: a TLS event (a handshake message, an alert, where TLS began
// or completed) or a note that an event crossed inside TLS. These entries
// are not per protocol and are not part of Catalogue; ExplainEvent returns
// them with the event's protocol.
const ExplainsTLS ExplanationKind = "tls"

// Keys of the TLS notes that are not message names.
const (
	tlsKeyBegin       = "begin"
	tlsKeyEstablished = "established"
	tlsKeyDecrypted   = "decrypted"
	tlsKeyEncrypted   = "encrypted"
)

func tlsNote(key string, sec, sentence string) Explanation {
	return Explanation{Kind: ExplainsTLS, Key: key, Sentence: sentence, RFC: 8446, Section: sec}
}

// tlsNotes explain TLS events, keyed by handshake message name, "alert",
// or one of the keys above.
var tlsNotes = func() map[string]Explanation {
	m := map[string]Explanation{}
	for _, e := range []Explanation{
		tlsNote(tlsKeyBegin, "2", "TLS begins here: the two sides run a TLS handshake, and everything after it crosses the wire encrypted."),
		tlsNote("ClientHello", "4.1.2", "The client opens the TLS handshake in the clear: the versions and cipher suites it supports, a random number and its share of the key exchange."),
		tlsNote("ServerHello", "4.1.3", "The server picks the version and cipher suite and sends its own key share; from here on the handshake is encrypted."),
		tlsNote("ChangeCipherSpec", "D.4", "A dummy record TLS 1.3 sends only so that old middleboxes see a familiar pattern; it changes nothing."),
		tlsNote("EncryptedExtensions", "4.3.1", "The server's remaining choices, such as the application protocol, sent encrypted."),
		tlsNote("CertificateRequest", "4.3.2", "The server asks the client for a certificate of its own."),
		tlsNote("Certificate", "4.4.2", "A certificate chain that proves the sender's name; in TLS 1.3 it is encrypted, so an eavesdropper cannot see it."),
		tlsNote("CertificateVerify", "4.4.3", "A signature over the handshake so far with the certificate's private key: proof that the sender owns the certificate."),
		tlsNote("Finished", "4.4.4", "A MAC over the whole handshake: proof that nobody tampered with it. After both Finished messages the application traffic keys take over."),
		tlsNote("NewSessionTicket", "4.6.1", "The server hands the client a ticket with which it can resume the session later without a full handshake."),
		tlsNote("KeyUpdate", "4.6.3", "The sender switches to fresh traffic keys derived from the old ones, so that no one key encrypts too much."),
		tlsNote("alert", "6", "An alert: close_notify says the sender will send nothing more; other alerts report an error and end the connection."),
		tlsNote(tlsKeyEstablished, "7.3", "The handshake is complete: this version and cipher suite protect everything that follows, under the application traffic keys."),
		tlsNote(tlsKeyDecrypted, "5.2", "This crossed the wire encrypted inside TLS records; the lab shows it decrypted with the keys its server logged, as Wireshark does with a key log file."),
		tlsNote(tlsKeyEncrypted, "5.2", "TLS records the lab cannot decrypt (no logged keys for this connection, or TLS 1.2): only their sizes can be seen."),
	} {
		m[e.Key] = e
	}
	return m
}()

// explainTLS returns the TLS notes for ev (nil when none apply).
func explainTLS(ev *Event) []Explanation {
	key := ""
	switch {
	case ev.Kind == KindTLS && ev.Verb != "":
		key = ev.Verb
	case ev.Kind == KindTLS && strings.HasPrefix(ev.Text, tlsBeginText):
		key = tlsKeyBegin
	case ev.Kind == KindTLS && strings.HasPrefix(ev.Text, "TLS 1."):
		key = tlsKeyEstablished
	case ev.Has(FlagTLS):
		key = tlsKeyDecrypted
	case ev.Kind == KindBulk && ev.Has(FlagEncrypted):
		key = tlsKeyEncrypted
	}
	e, ok := tlsNotes[key]
	if !ok {
		return nil
	}
	e.Protocol = ev.Protocol
	return []Explanation{e}
}
