package mailstore

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"unicode/utf8"
)

// Reading is a message as a mail reader shows it: its main headers, every
// header as it came, the text to read and the attachments. Every string
// is valid UTF-8.
type Reading struct {
	// Headers are From, To, Cc, Date, Subject and Message-ID, those
	// present, in that order, with RFC 2047 encoded words decoded.
	Headers []Header
	// RawHeaders are every header field of the message, in order, as
	// they came (unfolded onto one line, encoded words left encoded).
	RawHeaders []Header
	// Text is the body to read, line ends as "\n": the text/plain parts
	// (decoded from quoted-printable or base64, in UTF-8), or if there is
	// none the first text/html part with its tags stripped.
	Text string
	// TextType is where Text came from: "text/plain", "text/html", or ""
	// when the message has no text to show.
	TextType string
	// Attachments are the other parts, in order.
	Attachments []Attachment
	// Truncated is true when Text stops short of the whole text
	// (MaxReadText).
	Truncated bool
	// Notes say, in plain words, what the reader did or could not do:
	// HTML stripped, a charset shown as is, a MIME structure that breaks
	// off, a truncated text.
	Notes []string
}

// Header is one header field.
type Header struct {
	Name  string
	Value string
}

// Attachment is a part that is not the text: a file, an image, a
// forwarded message.
type Attachment struct {
	// Name is the file name (Content-Disposition filename, else the
	// Content-Type name), "" if the part has none.
	Name string
	// ContentType is the media type, lower case ("application/pdf").
	ContentType string
	// Size is the decoded size in bytes.
	Size int64
}

// Bounds of Read: a message beyond them is still read, the rest noted.
const (
	// MaxReadText is how many bytes of text Read returns at most.
	MaxReadText = 256 << 10
	// maxReadParts bounds the MIME parts walked, maxReadDepth their
	// nesting, maxReadHeaders the raw header fields kept and
	// maxHeaderValue the bytes kept of one value.
	maxReadParts   = 500
	maxReadDepth   = 16
	maxReadHeaders = 500
	maxHeaderValue = 8 << 10
	// maxHTMLInput is how much HTML is read to strip it.
	maxHTMLInput = 4 * MaxReadText
)

// Read takes a message apart as a mail reader does. It never fails: what
// it cannot make sense of is noted in Notes, and a message that is not
// MIME at all is shown as plain text.
func Read(raw []byte) Reading {
	rd := &reader{}
	head, body := splitMessage(raw)
	fields := rd.parseFields(head)
	r := &rd.out
	r.RawHeaders = fields
	if len(fields) > maxReadHeaders {
		r.RawHeaders = fields[:maxReadHeaders]
		rd.note(fmt.Sprintf("only the first %d of %d header fields are listed", maxReadHeaders, len(fields)))
	}
	dec := wordDecoder()
	// What a reader shows above the text, in order.
	for _, name := range []string{"From", "To", "Cc", "Date", "Subject", "Message-ID"} {
		for _, f := range fields {
			if strings.EqualFold(f.Name, name) {
				r.Headers = append(r.Headers, Header{Name: name, Value: decodeWords(dec, f.Value)})
				break
			}
		}
	}
	h := textproto.MIMEHeader{}
	for _, f := range fields {
		k := textproto.CanonicalMIMEHeaderKey(f.Name)
		h[k] = append(h[k], f.Value)
	}
	rd.walk(h, bytes.NewReader(body), body, 0)
	rd.finish()
	return rd.out
}

// reader collects what one Read finds.
type reader struct {
	out   Reading
	plain strings.Builder // text/plain parts so far
	whole int64           // their decoded size, all of it
	html  []byte          // the first text/html part, if any
	parts int
	noted map[string]bool
}

func (rd *reader) note(s string) {
	if rd.noted == nil {
		rd.noted = map[string]bool{}
	}
	if !rd.noted[s] {
		rd.noted[s] = true
		rd.out.Notes = append(rd.out.Notes, s)
	}
}

// splitMessage splits a message at its first empty line.
func splitMessage(raw []byte) (head, body []byte) {
	if len(raw) > 0 && raw[0] == '\n' {
		return nil, raw[1:]
	}
	if bytes.HasPrefix(raw, []byte("\r\n")) {
		return nil, raw[2:]
	}
	crlf := bytes.Index(raw, []byte("\r\n\r\n"))
	lf := bytes.Index(raw, []byte("\n\n"))
	switch {
	case crlf >= 0 && (lf < 0 || crlf < lf):
		return raw[:crlf+2], raw[crlf+4:]
	case lf >= 0:
		return raw[:lf+1], raw[lf+2:]
	}
	return raw, nil
}

// parseFields reads header fields leniently: folded lines are joined, a
// line without a colon is skipped (and noted).
func (rd *reader) parseFields(head []byte) []Header {
	var out []Header
	long := false
	for _, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(out) == 0 {
				rd.note("the message starts with a folded line")
				continue
			}
			f := &out[len(out)-1]
			if len(f.Value) < maxHeaderValue {
				f.Value += " " + strings.TrimSpace(validUTF8(line))
			} else {
				long = true
			}
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(bytes.TrimSpace(name)) == 0 {
			rd.note("a header line without a name and a colon was skipped")
			continue
		}
		out = append(out, Header{Name: strings.TrimSpace(validUTF8(name)), Value: strings.TrimSpace(validUTF8(value))})
	}
	for i := range out {
		if v := out[i].Value; len(v) > maxHeaderValue {
			out[i].Value = truncUTF8(v, maxHeaderValue)
			long = true
		}
	}
	if long {
		rd.note(fmt.Sprintf("header values longer than %d bytes are cut short", maxHeaderValue))
	}
	return out
}

// walk reads one MIME entity: a multipart's parts in turn, a text part
// into the text, anything else as an attachment. whole is the body's
// bytes when they are at hand (the message's own body), else nil.
func (rd *reader) walk(h textproto.MIMEHeader, body io.Reader, whole []byte, depth int) {
	rd.parts++
	ctype, params := contentType(h.Get("Content-Type"))
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = decodeWords(wordDecoder(), name)

	if strings.HasPrefix(ctype, "multipart/") {
		boundary := params["boundary"]
		switch {
		case boundary == "":
			rd.note(ctype + " without a boundary: shown as plain text")
			ctype = "text/plain"
		case depth >= maxReadDepth:
			rd.note(fmt.Sprintf("MIME parts nested deeper than %d are not read", maxReadDepth))
			return
		default:
			mr := multipart.NewReader(body, boundary)
			for n := 0; ; n++ {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					rd.note("the MIME structure breaks off (" + ctype + ")")
					if n == 0 && whole != nil {
						// Not one part: show the body as it is, as readers do.
						rd.addPlain(bytes.NewReader(whole), "")
					}
					return
				}
				if rd.parts >= maxReadParts {
					rd.note(fmt.Sprintf("only the first %d MIME parts are read", maxReadParts))
					return
				}
				rd.walk(p.Header, p, nil, depth+1)
			}
		}
	}
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	data := rd.decoder(cte, body)
	inlineText := strings.HasPrefix(ctype, "text/") && disp != "attachment" && (name == "" || disp == "inline")
	switch {
	case inlineText && ctype != "text/html":
		rd.addPlain(data, params["charset"])
	case inlineText && rd.html == nil:
		b, err := io.ReadAll(io.LimitReader(data, maxHTMLInput))
		if err != nil {
			rd.note("an HTML part breaks off")
		}
		rd.html = rd.toUTF8(b, params["charset"])
		if len(b) == maxHTMLInput {
			rd.out.Truncated = true
		}
		io.Copy(io.Discard, data)
	case inlineText:
		io.Copy(io.Discard, data) // a further HTML alternative
	default:
		n, err := io.Copy(io.Discard, data)
		if err != nil {
			rd.note(fmt.Sprintf("attachment %q breaks off: its size is what could be decoded", name))
		}
		rd.out.Attachments = append(rd.out.Attachments, Attachment{Name: name, ContentType: ctype, Size: n})
	}
}

// contentType parses a Content-Type field; none, or one that does not
// parse, is text/plain (RFC 2045 5.2).
func contentType(v string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	t, params, err := mime.ParseMediaType(v)
	if t == "" || (err != nil && err != mime.ErrInvalidMediaParameter) {
		return "text/plain", map[string]string{}
	}
	if params == nil {
		params = map[string]string{}
	}
	return t, params
}

// decoder undoes a Content-Transfer-Encoding.
func (rd *reader) decoder(cte string, r io.Reader) io.Reader {
	switch cte {
	case "", "7bit", "8bit", "binary":
		return r
	case "quoted-printable":
		return &lenientQP{qp: quotedprintable.NewReader(r), rd: rd}
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Only{r: r})
	}
	rd.note(fmt.Sprintf("unknown transfer encoding %q: shown as it came", cte))
	return r
}

// lenientQP is quoted-printable that notes a bad sequence and stops
// there instead of failing the whole part.
type lenientQP struct {
	qp  *quotedprintable.Reader
	rd  *reader
	bad bool
}

func (l *lenientQP) Read(p []byte) (int, error) {
	if l.bad {
		return 0, io.EOF
	}
	n, err := l.qp.Read(p)
	if err != nil && err != io.EOF {
		l.bad = true
		l.rd.note("bad quoted-printable: the text stops where it went wrong")
		return n, io.EOF
	}
	return n, err
}

// base64Only passes on the base64 alphabet and padding and drops the
// rest (line breaks, stray spaces), as readers do.
type base64Only struct{ r io.Reader }

func (b *base64Only) Read(p []byte) (int, error) {
	for {
		n, err := b.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
				p[k] = c
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}

// addPlain appends a text part, within MaxReadText.
func (rd *reader) addPlain(r io.Reader, charset string) {
	room := MaxReadText - rd.plain.Len()
	b, err := io.ReadAll(io.LimitReader(r, int64(max(room, 0))+1))
	if err != nil {
		rd.note("a text part breaks off: shown as far as it goes")
	}
	rest, _ := io.Copy(io.Discard, r)
	rd.whole += int64(len(b)) + rest
	if rd.plain.Len() > 0 && len(b) > 0 {
		rd.plain.WriteString("\n")
		room--
	}
	text := string(crlfToLF(rd.toUTF8(b, charset)))
	if len(text) > room || rest > 0 {
		text = truncUTF8(text, max(room, 0))
		rd.out.Truncated = true
	}
	rd.plain.WriteString(text)
}

// toUTF8 converts text in charset to UTF-8 where the standard library
// can (UTF-8, US-ASCII, ISO-8859-1); other charsets are shown as they
// came, with a note. Invalid UTF-8 becomes U+FFFD.
func (rd *reader) toUTF8(b []byte, charset string) []byte {
	switch cs := strings.ToLower(strings.TrimSpace(charset)); cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1":
		out := make([]byte, 0, len(b)+len(b)/4)
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return out
	default:
		rd.note(fmt.Sprintf("charset %s is shown as it came (not converted)", cs))
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

// finish chooses the text and notes what was done to it.
func (rd *reader) finish() {
	r := &rd.out
	switch {
	case rd.plain.Len() > 0:
		r.Text, r.TextType = rd.plain.String(), "text/plain"
	case rd.html != nil:
		r.Text, r.TextType = stripHTML(rd.html), "text/html"
		if len(r.Text) > MaxReadText {
			r.Text = truncUTF8(r.Text, MaxReadText)
			r.Truncated = true
		}
		rd.note("the message has only HTML: its tags are stripped, crudely")
	default:
		rd.note("the message has no text")
	}
	if r.Truncated {
		if rd.whole > int64(len(r.Text)) {
			rd.note(fmt.Sprintf("the text is %d bytes: only the first %d are shown", rd.whole, len(r.Text)))
		} else {
			rd.note(fmt.Sprintf("the text is cut at %d bytes", len(r.Text)))
		}
	}
}

// stripHTML makes crude plain text of HTML: no tags, scripts, styles or
// comments; block ends as line breaks; entities decoded. It runs in one
// pass over the input.
func stripHTML(b []byte) string {
	// low is b in ASCII lower case, byte for byte, for finding tags.
	low := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	var out strings.Builder
	unclosed := map[string]bool{}
	i := 0
	for i < len(b) {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			out.Write(b[i:])
			break
		}
		out.Write(b[i : i+j])
		i += j
		if bytes.HasPrefix(low[i:], []byte("<!--")) {
			k := bytes.Index(low[i:], []byte("-->"))
			if k < 0 {
				break
			}
			i += k + 3
			continue
		}
		k := bytes.IndexByte(b[i:], '>')
		if k < 0 {
			break
		}
		tag := bytes.TrimLeft(low[i+1:i+k], "/ ")
		if e := bytes.IndexAny(tag, " \t\r\n/"); e >= 0 {
			tag = tag[:e]
		}
		i += k + 1
		switch string(tag) {
		case "script", "style", "head", "title":
			if unclosed[string(tag)] {
				break
			}
			if e := bytes.Index(low[i:], append([]byte("</"), tag...)); e >= 0 {
				i += e
				if m := bytes.IndexByte(b[i:], '>'); m >= 0 {
					i += m + 1
				} else {
					i = len(b)
				}
			} else {
				// Not closed here, so not closed further on either: never
				// look again (a thousand unclosed <script>s stay linear).
				unclosed[string(tag)] = true
			}
		case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr":
			out.WriteString("\n")
		}
	}
	text := html.UnescapeString(out.String())
	var b2 strings.Builder
	blank := 0
	for _, l := range strings.Split(text, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			if blank++; blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		b2.WriteString(l)
		b2.WriteString("\n")
	}
	return strings.ToValidUTF8(strings.TrimSpace(b2.String()), "\uFFFD")
}

func wordDecoder() *mime.WordDecoder { return new(mime.WordDecoder) }

// decodeWords decodes RFC 2047 encoded words; a value that does not
// decode is kept as it is.
func decodeWords(dec *mime.WordDecoder, s string) string {
	out, err := dec.DecodeHeader(s)
	if err != nil {
		out = s
	}
	return strings.ToValidUTF8(out, "\uFFFD")
}

func validUTF8(b []byte) string { return string(bytes.ToValidUTF8(b, []byte("\uFFFD"))) }

func crlfToLF(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

// truncUTF8 cuts s to at most n bytes without splitting a character.
func truncUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
