package mailstore

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// crlf turns a test's "\n" lines into a message's CRLF lines.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func TestReadGenerated(t *testing.T) {
	msgs := Generate(GenOptions{Seed: 7, Count: 40, AttachmentRatio: 0.5, AttachmentSize: 3000, ThreadRatio: 0.3})
	var plain, attached int
	for i, m := range msgs {
		r := Read(m.Raw)
		name := fmt.Sprintf("message %d", i+1)
		if got := header(r, "Subject"); got != m.Subject {
			t.Errorf("%s: Subject %q, want %q", name, got, m.Subject)
		}
		if got := header(r, "Message-ID"); got != "<"+m.MessageID+">" {
			t.Errorf("%s: Message-ID %q", name, got)
		}
		if !strings.Contains(header(r, "From"), m.From) {
			t.Errorf("%s: From %q lacks %s", name, header(r, "From"), m.From)
		}
		var order []string
		for _, h := range r.Headers {
			order = append(order, h.Name)
		}
		if got := strings.Join(order, ","); got != "From,To,Date,Subject,Message-ID" {
			t.Errorf("%s: main headers %s", name, got)
		}
		if r.TextType != "text/plain" || !strings.Contains(r.Text, "\n") || strings.Contains(r.Text, "\r") || r.Truncated {
			t.Errorf("%s: text %q (%s, truncated %v)", name, r.Text, r.TextType, r.Truncated)
		}
		if strings.Contains(r.Text, "base64") || strings.Contains(r.Text, "=_mailscope_") {
			t.Errorf("%s: the text holds MIME structure:\n%s", name, r.Text)
		}
		if len(r.RawHeaders) < 7 || r.RawHeaders[0].Name != "Date" {
			t.Errorf("%s: raw headers %+v", name, r.RawHeaders)
		}
		if !m.HasAttachment {
			plain++
			if len(r.Attachments) != 0 {
				t.Errorf("%s: attachments %+v in a plain message", name, r.Attachments)
			}
			continue
		}
		attached++
		if len(r.Attachments) != 1 {
			t.Fatalf("%s: %d attachments, want 1", name, len(r.Attachments))
		}
		a := r.Attachments[0]
		// The generator's attachment is its base64 text decoded: compare
		// with what the raw message carries.
		enc := string(m.Raw[strings.Index(string(m.Raw), "base64\r\n\r\n")+10:])
		enc = enc[:strings.Index(enc, "\r\n--")]
		data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(enc, "\r\n", ""))
		if err != nil {
			t.Fatal(err)
		}
		if a.Size != int64(len(data)) || a.Name == "" || !strings.Contains(a.ContentType, "/") || strings.Contains(a.ContentType, ";") {
			t.Errorf("%s: attachment %+v, want %d bytes with a name and a bare type", name, a, len(data))
		}
	}
	if plain == 0 || attached == 0 {
		t.Fatalf("%d plain and %d with attachments: the table tests one kind only", plain, attached)
	}
}

func header(r Reading, name string) string {
	for _, h := range r.Headers {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

func TestReadCases(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", MaxReadText/16+100)
	cases := []struct {
		name    string
		raw     string
		text    string // the whole text; "" to skip
		has     string // a substring of the text
		typ     string
		headers string // "Name=Value|..." of the main headers
		atts    string // "name type size|..."
		note    string // a substring of one note
		trunc   bool
	}{
		{name: "plain, no MIME", raw: "From: a@b\nSubject: Hi\n\nLine one\nLine two\n",
			text: "Line one\nLine two\n", typ: "text/plain", headers: "From=a@b|Subject=Hi"},
		{name: "RFC 2047 headers", raw: "From: =?utf-8?q?Ren=C3=A9e?= <r@x>\nTo: =?ISO-8859-1?Q?Andr=E9?= <a@x>\nCc: c@x\nSubject: =?utf-8?b?R3LDvMOfZQ==?=\nDate: Mon, 05 Jan 2026 08:00:00 +0000\nMessage-ID: <1@x>\n\nhi\n",
			text: "hi\n", typ: "text/plain", headers: "From=Renée <r@x>|To=André <a@x>|Cc=c@x|Date=Mon, 05 Jan 2026 08:00:00 +0000|Subject=Grüße|Message-ID=<1@x>"},
		{name: "folded subject", raw: "Subject: a long\n  subject\n\nx",
			text: "x", headers: "Subject=a long subject"},
		{name: "quoted-printable latin-1", raw: "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9 au l=\nait\n",
			text: "Café au lait\n", typ: "text/plain"},
		{name: "base64 utf-8", raw: "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n" + base64.StdEncoding.EncodeToString([]byte("Grüße\r\naus Köln\r\n")) + "\n",
			text: "Grüße\naus Köln\n"},
		{name: "base64 with stray spaces", raw: "Content-Transfer-Encoding: Base64\n\naGVs bG8=\n", text: "hello"},
		{name: "unknown charset as is", raw: "Content-Type: text/plain; charset=koi8-r\n\nplain ascii\n",
			text: "plain ascii\n", note: "charset koi8-r"},
		{name: "invalid UTF-8 replaced", raw: "Subject: \xff\xfe\n\nbad \xc3\x28 byte\n",
			has: "bad \uFFFD( byte", headers: "Subject=\uFFFD"},
		{name: "alternative prefers plain", raw: "Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nthe plain one\n--b\nContent-Type: text/html\n\n<p>the <b>html</b> one</p>\n--b--\n",
			text: "the plain one", typ: "text/plain"},
		{name: "HTML only stripped", raw: "Content-Type: text/html; charset=utf-8\n\n<html><head><title>T</title><style>p{}</style></head><body><p>Hello&nbsp;<b>you</b> &amp; me</p><!-- c --><script>x()</script><br>bye</body></html>\n",
			text: "Hello you & me\n\nbye", typ: "text/html", note: "only HTML"},
		{name: "mixed with attachments", raw: "Content-Type: multipart/mixed; boundary=\"x y\"\n\npreamble\n--x y\nContent-Type: text/plain\n\nsee attached\n--x y\nContent-Type: application/pdf; name=\"r.pdf\"\nContent-Disposition: attachment; filename=\"report.pdf\"\nContent-Transfer-Encoding: base64\n\nAAECAwQ=\n--x y\nContent-Type: image/png\nContent-Disposition: inline\n\n\x89PNG\n--x y\nContent-Type: text/plain; name*=utf-8''n%C3%B6tes.txt\nContent-Disposition: attachment\nContent-Transfer-Encoding: quoted-printable\n\nab=3Dc\n--x y--\n",
			text: "see attached", atts: "report.pdf application/pdf 5| image/png 4|nötes.txt text/plain 4"},
		{name: "nested related in mixed", raw: "Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/related; boundary=i\n\n--i\nContent-Type: text/html\n\n<p>hi</p>\n--i\nContent-Type: image/gif; name=\"=?utf-8?q?p=C3=A9.gif?=\"\nContent-ID: <g>\n\nGIF89a\n--i--\n--o--\n",
			text: "hi", typ: "text/html", atts: "pé.gif image/gif 6", note: "only HTML"},
		{name: "two inline text parts joined", raw: "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nfirst\n--b\nContent-Type: text/plain\n\nsecond\n--b--\n",
			text: "first\nsecond"},
		{name: "forwarded message", raw: "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nFYI\n--b\nContent-Type: message/rfc822\n\nSubject: old\n\nold text\n--b--\n",
			text: "FYI", atts: " message/rfc822 24"},
		{name: "multipart without boundary", raw: "Content-Type: multipart/mixed\n\njust text\n",
			text: "just text\n", note: "without a boundary"},
		{name: "wrong boundary shows the body", raw: "Content-Type: multipart/mixed; boundary=nope\n\n--other\n\ntext\n",
			has: "--other", note: "breaks off"},
		{name: "unterminated multipart", raw: "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nstarted but",
			has: "started but", note: "breaks off"},
		{name: "bad quoted-printable", raw: "Content-Transfer-Encoding: quoted-printable\n\ngood=\nline \x01 rest\n",
			has: "goodline ", note: "bad quoted-printable"},
		{name: "lenient quoted-printable", raw: "Content-Transfer-Encoding: quoted-printable\n\n=ZZ stays\n", has: "=ZZ stays"},
		{name: "unknown transfer encoding", raw: "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 f\n",
			has: "begin 644", note: "unknown transfer encoding"},
		{name: "bad content type is text", raw: "Content-Type: ;;;\n\nstill text\n", text: "still text\n", typ: "text/plain"},
		{name: "no body", raw: "Subject: empty\n", headers: "Subject=empty", note: "no text"},
		{name: "empty", raw: "", note: "no text"},
		{name: "body only", raw: "\nno headers at all\n", text: "no headers at all\n"},
		{name: "a line without a colon", raw: "Subject: ok\nthis is not a header\n\nbody\n", headers: "Subject=ok", note: "without a name and a colon"},
		{name: "huge body truncated", raw: "Subject: big\n\n" + big, has: "0123456789abcdef", trunc: true, note: "only the first"},
		{name: "LF only", raw: "Subject: unix\n\nbody\n", text: "body\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := []byte(c.raw)
			if !strings.Contains(c.name, "LF only") && !strings.Contains(c.name, "huge") {
				raw = crlf(c.raw)
			}
			r := Read(raw)
			if testing.Verbose() {
				t.Logf("%+v", r)
			}
			if c.text != "" && strings.TrimRight(r.Text, "\n") != strings.TrimRight(c.text, "\n") {
				t.Errorf("Text = %q, want %q", r.Text, c.text)
			}
			if c.has != "" && !strings.Contains(r.Text, c.has) {
				t.Errorf("Text = %q, want it to hold %q", r.Text, c.has)
			}
			if c.typ != "" && r.TextType != c.typ {
				t.Errorf("TextType = %q, want %q", r.TextType, c.typ)
			}
			if c.headers != "" {
				var hs []string
				for _, h := range r.Headers {
					hs = append(hs, h.Name+"="+h.Value)
				}
				if got := strings.Join(hs, "|"); got != c.headers {
					t.Errorf("Headers = %s\nwant      %s", got, c.headers)
				}
			}
			var as []string
			for _, a := range r.Attachments {
				as = append(as, fmt.Sprintf("%s %s %d", a.Name, a.ContentType, a.Size))
			}
			if got := strings.Join(as, "|"); got != c.atts {
				t.Errorf("Attachments = %q, want %q", got, c.atts)
			}
			if c.note != "" && !strings.Contains(strings.Join(r.Notes, "\n"), c.note) {
				t.Errorf("Notes = %q, want one about %q", r.Notes, c.note)
			}
			if c.note == "" && len(r.Notes) > 0 {
				t.Errorf("unexpected Notes %q", r.Notes)
			}
			if r.Truncated != c.trunc || len(r.Text) > MaxReadText {
				t.Errorf("Truncated = %v with %d bytes of text, want %v and at most %d", r.Truncated, len(r.Text), c.trunc, MaxReadText)
			}
			checkReading(t, r)
		})
	}
}

// checkReading asserts what holds for any Reading.
func checkReading(t *testing.T, r Reading) {
	t.Helper()
	strs := []string{r.Text, r.TextType}
	for _, h := range append(append([]Header(nil), r.Headers...), r.RawHeaders...) {
		strs = append(strs, h.Name, h.Value)
	}
	for _, a := range r.Attachments {
		strs = append(strs, a.Name, a.ContentType)
		if a.Size < 0 {
			t.Errorf("attachment %+v: negative size", a)
		}
	}
	strs = append(strs, r.Notes...)
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 in %q", s)
		}
	}
	if len(r.Text) > MaxReadText {
		t.Errorf("%d bytes of text, more than MaxReadText", len(r.Text))
	}
	if len(r.Attachments) > maxReadParts || len(r.RawHeaders) > maxReadHeaders {
		t.Errorf("%d attachments, %d raw headers: over the bounds", len(r.Attachments), len(r.RawHeaders))
	}
}

// Deep nesting, many parts and many headers stay within the bounds.
func TestReadBounds(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("\r\ndeep\r\n")
	r := Read([]byte(b.String()))
	checkReading(t, r)
	if !strings.Contains(strings.Join(r.Notes, " "), "nested deeper") {
		t.Errorf("40 levels: notes %q", r.Notes)
	}

	b.Reset()
	b.WriteString("Content-Type: multipart/mixed; boundary=b\r\n\r\n")
	for i := 0; i < 2*maxReadParts; i++ {
		fmt.Fprintf(&b, "--b\r\nContent-Type: application/octet-stream\r\n\r\n%d\r\n", i)
	}
	b.WriteString("--b--\r\n")
	r = Read([]byte(b.String()))
	checkReading(t, r)
	if len(r.Attachments) != maxReadParts-1 || !strings.Contains(strings.Join(r.Notes, " "), "MIME parts are read") {
		t.Errorf("%d parts: %d attachments, notes %q", 2*maxReadParts, len(r.Attachments), r.Notes)
	}

	b.Reset()
	for i := 0; i < 2*maxReadHeaders; i++ {
		fmt.Fprintf(&b, "X-H%d: %d\r\n", i, i)
	}
	fmt.Fprintf(&b, "Subject: %s\r\n\r\nbody\r\n", strings.Repeat("s", 3*maxHeaderValue))
	r = Read([]byte(b.String()))
	checkReading(t, r)
	if len(r.RawHeaders) != maxReadHeaders || len(header(r, "Subject")) != maxHeaderValue || r.Text != "body\n" {
		t.Errorf("many headers: %d raw, subject of %d bytes, text %q", len(r.RawHeaders), len(header(r, "Subject")), r.Text)
	}
}

// Stripping HTML is one pass: 50,000 unclosed <script> tags took 46 s
// when each looked for its </script> again (quadratic); linear takes
// milliseconds.
func TestReadHTMLLinear(t *testing.T) {
	raw := []byte("Content-Type: text/html\r\n\r\n" + strings.Repeat("<script>x<STYLE>", 50_000))
	start := time.Now()
	r := Read(raw)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Read of %d bytes of unclosed tags took %v", len(raw), d)
	}
	if r.Text != strings.Repeat("x", 50_000) {
		t.Errorf("Text = %.40q..., want the x's between the tags", r.Text)
	}
}

func FuzzRead(f *testing.F) {
	for _, m := range Generate(GenOptions{Seed: 3, Count: 4, AttachmentRatio: 0.5, AttachmentSize: 200}) {
		f.Add(m.Raw)
	}
	for _, s := range []string{
		"",
		"\r\n",
		"Subject: =?utf-8?q?=C3?=\r\n\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\n\r\nx\r\n--c--\r\n--b--\r\n",
		"Content-Type: text/html\r\n\r\n<p<script>a</p>&#xffffffff;<!--",
		"Content-Transfer-Encoding: base64\r\n\r\n====\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n=4",
		"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n",
		" folded first\r\nX: y\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkReading(t, Read(raw))
	})
}
