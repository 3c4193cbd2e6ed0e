package trace

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// TLS record content types (RFC 8446 §5.1).
const (
	recordChangeCipherSpec = 20
	recordAlert            = 21
	recordHandshake        = 22
	recordApplicationData  = 23
)

const (
	recordHeaderLen = 5
	// maxRecordBody is the largest record body TLS allows (RFC 8446
	// §5.2: 2^14 plus 256 bytes of expansion).
	maxRecordBody = 1<<14 + 256
)

// validRecordHeader reports whether h (5 bytes) can start a TLS record.
func validRecordHeader(h []byte) bool {
	return h[0] >= recordChangeCipherSpec && h[0] <= 24 && h[1] == 3 &&
		int(binary.BigEndian.Uint16(h[3:])) <= maxRecordBody
}

// tls13Suite is what the tap needs to know of a TLS 1.3 cipher suite
// (RFC 8446 §B.4).
type tls13Suite struct {
	id     uint16
	keyLen int
	hash   func() hash.Hash
	aead   func(key []byte) (cipher.AEAD, error)
}

func aesGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

var tls13Suites = [...]tls13Suite{
	{tls.TLS_AES_128_GCM_SHA256, 16, sha256.New, aesGCM},
	{tls.TLS_AES_256_GCM_SHA384, 32, sha512.New384, aesGCM},
	{tls.TLS_CHACHA20_POLY1305_SHA256, 32, sha256.New, chacha20poly1305.New},
}

func suiteByID(id uint16) *tls13Suite {
	for i := range tls13Suites {
		if tls13Suites[i].id == id {
			return &tls13Suites[i]
		}
	}
	return nil
}

// hkdfExpandLabel is HKDF-Expand-Label (RFC 8446 §7.1).
func hkdfExpandLabel(h func() hash.Hash, secret []byte, label string, context []byte, length int) ([]byte, error) {
	info := make([]byte, 0, 4+6+len(label)+len(context))
	info = binary.BigEndian.AppendUint16(info, uint16(length))
	info = append(info, byte(6+len(label)))
	info = append(info, "tls13 "...)
	info = append(info, label...)
	info = append(info, byte(len(context)))
	info = append(info, context...)
	return hkdf.Expand(h, secret, string(info), length)
}

// trafficKey decrypts one direction's records under one traffic secret
// (RFC 8446 §5.2, §5.3, §7.3).
type trafficKey struct {
	suite  *tls13Suite
	secret []byte
	aead   cipher.AEAD
	iv     [12]byte
	seq    uint64
}

func newTrafficKey(s *tls13Suite, secret []byte) (*trafficKey, error) {
	if len(secret) != s.hash().Size() {
		return nil, fmt.Errorf("trace: TLS secret of %d bytes for %s", len(secret), tls.CipherSuiteName(s.id))
	}
	key, err := hkdfExpandLabel(s.hash, secret, "key", nil, s.keyLen)
	if err != nil {
		return nil, err
	}
	iv, err := hkdfExpandLabel(s.hash, secret, "iv", nil, 12)
	if err != nil {
		return nil, err
	}
	k := &trafficKey{suite: s, secret: secret}
	copy(k.iv[:], iv)
	if k.aead, err = s.aead(key); err != nil {
		return nil, err
	}
	return k, nil
}

// next returns the key after a KeyUpdate (RFC 8446 §7.2).
func (k *trafficKey) next() (*trafficKey, error) {
	s, err := hkdfExpandLabel(k.suite.hash, k.secret, "traffic upd", nil, len(k.secret))
	if err != nil {
		return nil, err
	}
	return newTrafficKey(k.suite, s)
}

// open decrypts one whole record (header included) into dst's storage
// and returns its inner content and content type. It advances the
// sequence number only on success, so a failed trial leaves the key as it
// was.
func (k *trafficKey) open(dst, record []byte) (plain []byte, typ byte, ok bool) {
	if len(record) < recordHeaderLen+k.aead.Overhead() {
		return nil, 0, false
	}
	nonce := k.iv
	for i := 0; i < 8; i++ {
		nonce[4+i] ^= byte(k.seq >> (56 - 8*i))
	}
	plain, err := k.aead.Open(dst[:0], nonce[:], record[recordHeaderLen:], record[:recordHeaderLen])
	if err != nil {
		return nil, 0, false
	}
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 {
		return nil, 0, false // no content type: not a TLS 1.3 record
	}
	k.seq++
	return plain[:i], plain[i], true
}

// seal encrypts one record of inner type typ (for tests and tools).
func (k *trafficKey) seal(typ byte, content []byte) []byte {
	inner := append(append([]byte(nil), content...), typ)
	hdr := []byte{recordApplicationData, 3, 3, 0, 0}
	binary.BigEndian.PutUint16(hdr[3:], uint16(len(inner)+k.aead.Overhead()))
	nonce := k.iv
	for i := 0; i < 8; i++ {
		nonce[4+i] ^= byte(k.seq >> (56 - 8*i))
	}
	k.seq++
	return k.aead.Seal(hdr, nonce[:], inner, hdr)
}

// clientHelloRandom returns the client random of a plaintext handshake
// record that starts with a ClientHello (RFC 8446 §4.1.2).
func clientHelloRandom(record []byte) (r [32]byte, ok bool) {
	b := record[recordHeaderLen:]
	if len(b) < 4+2+32 || b[0] != 1 {
		return r, false
	}
	copy(r[:], b[6:38])
	return r, true
}

// helloRetryRandom is the ServerHello.random of a HelloRetryRequest (RFC
// 8446 §4.1.3).
var helloRetryRandom = [32]byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// serverHello is what the tap reads from a ServerHello.
type serverHello struct {
	version uint16 // negotiated: supported_versions if present, else legacy_version
	suite   uint16
	retry   bool // a HelloRetryRequest
}

// parseServerHello reads a plaintext handshake record that starts with a
// ServerHello (RFC 8446 §4.1.3, §4.2.1).
func parseServerHello(record []byte) (sh serverHello, ok bool) {
	b := record[recordHeaderLen:]
	if len(b) < 4 || b[0] != 2 {
		return sh, false
	}
	n := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	b = b[4:]
	if n < len(b) {
		b = b[:n]
	}
	if len(b) < 2+32+1 {
		return sh, false
	}
	sh.version = binary.BigEndian.Uint16(b)
	sh.retry = [32]byte(b[2:34]) == helloRetryRandom
	b = b[34:]
	sid := int(b[0])
	if len(b) < 1+sid+2+1 {
		return sh, false
	}
	b = b[1+sid:]
	sh.suite = binary.BigEndian.Uint16(b)
	b = b[3:]
	if len(b) < 2 {
		return sh, true // no extensions
	}
	ext := b[2:]
	if l := int(binary.BigEndian.Uint16(b)); l < len(ext) {
		ext = ext[:l]
	}
	for len(ext) >= 4 {
		typ, l := binary.BigEndian.Uint16(ext), int(binary.BigEndian.Uint16(ext[2:]))
		ext = ext[4:]
		if l > len(ext) {
			break
		}
		if typ == 43 && l == 2 { // supported_versions
			sh.version = binary.BigEndian.Uint16(ext)
		}
		ext = ext[l:]
	}
	return sh, true
}

// handshakeName names a handshake message type (RFC 8446 §4, RFC 5246
// §7.4).
func handshakeName(t byte) string {
	switch t {
	case 0:
		return "HelloRequest"
	case 1:
		return "ClientHello"
	case 2:
		return "ServerHello"
	case 4:
		return "NewSessionTicket"
	case 5:
		return "EndOfEarlyData"
	case 8:
		return "EncryptedExtensions"
	case 11:
		return "Certificate"
	case 12:
		return "ServerKeyExchange"
	case 13:
		return "CertificateRequest"
	case 14:
		return "ServerHelloDone"
	case 15:
		return "CertificateVerify"
	case 16:
		return "ClientKeyExchange"
	case 20:
		return "Finished"
	case 24:
		return "KeyUpdate"
	case 254:
		return "MessageHash"
	}
	return fmt.Sprintf("handshake type %d", t)
}

// alertName describes an alert record's body (RFC 8446 §6).
func alertName(b []byte) string {
	if len(b) < 2 {
		return "alert"
	}
	names := map[byte]string{
		0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
		40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate",
		44: "certificate_revoked", 45: "certificate_expired", 46: "certificate_unknown",
		47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied", 50: "decode_error",
		51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security",
		80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
		109: "missing_extension", 110: "unsupported_extension", 112: "unrecognized_name",
		113: "bad_certificate_status_response", 115: "unknown_psk_identity",
		116: "certificate_required", 120: "no_application_protocol",
	}
	name, ok := names[b[1]]
	if !ok {
		name = fmt.Sprintf("%d", b[1])
	}
	level := "warning"
	if b[0] == 2 {
		level = "fatal"
	}
	if b[1] == 0 {
		return "alert: " + name
	}
	return "alert (" + level + "): " + name
}
