package mailstore

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"time"
)

// GenOptions configure Generate. The zero value gives 20 short plain-text
// messages to user@example.com, all dated in the week before DefaultEpoch.
type GenOptions struct {
	// Seed chooses the messages: the same options give byte-identical
	// output, on any platform and Go version. Zero is a seed like any other.
	Seed int64

	// Count is the number of messages. Zero: 20.
	Count int

	// To is the recipient's address. Zero: "user@" + ToDomain.
	To string
	// ToName is the recipient's display name. Zero: none.
	ToName string
	// FromDomain is the senders' domain. Zero: "example.org".
	FromDomain string
	// ToDomain is the recipient's domain. Zero: "example.com".
	ToDomain string

	// TextSize is the typical size of a plain-text body in bytes; each
	// message gets between half and one and a half times it. Zero: 800.
	TextSize int

	// AttachmentRatio is the fraction (0..1) of messages that carry one
	// base64-encoded attachment. Zero: none.
	AttachmentRatio float64
	// AttachmentSize is the typical attachment size in bytes before
	// encoding (base64 adds a third); each gets between half and one and a
	// half times it. Zero: 64 KiB.
	AttachmentSize int

	// ThreadRatio is the fraction (0..1) of messages that reply to an
	// earlier one ("Re:" subject, In-Reply-To, References). Zero: none.
	ThreadRatio float64

	// End is the Date of the newest possible message and Spread how far
	// back dates go. Zero: DefaultEpoch() and 7 days.
	End    time.Time
	Spread time.Duration
}

// GeneratedMessage is one message from Generate.
type GeneratedMessage struct {
	Raw           []byte // CRLF line endings
	Date          time.Time
	MessageID     string // without angle brackets
	InReplyTo     string // without angle brackets; empty if not a reply
	Subject       string
	From          string // address
	HasAttachment bool
}

// rng is SplitMix64: tiny, fast and fixed, so that generated mail does not
// change when the standard library's generators do.
type rng struct{ state uint64 }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.next() % uint64(n))
}

func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// vary returns a size between n/2 and 3n/2.
func (r *rng) vary(n int) int { return n/2 + r.intn(n+1) }

type person struct{ first, last string }

// Word lists, invented for this generator. Kept in a function so that the
// package has no mutable globals.
func wordLists() (first, last, adj, nouns, verbs, places, days, when, openers, closers []string) {
	first = []string{"Ada", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas",
		"Keiko", "Liam", "Marta", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tess",
		"Ugo", "Vera", "Wen", "Ximena", "Yusuf", "Zoe"}
	last = []string{"Abbott", "Berg", "Castell", "Duval", "Eriksen", "Fontaine", "Garcia", "Holm", "Ivanova",
		"Jansen", "Kowalski", "Lind", "Moreau", "Novak", "Okafor", "Petit", "Quist", "Rossi", "Sato",
		"Tanaka", "Ueda", "Varga", "Weber", "Young", "Zeller"}
	adj = []string{"quarterly", "new", "revised", "final", "shared", "weekly", "urgent", "small", "draft",
		"annual", "garden", "library", "budget", "travel", "team", "spring", "evening", "second"}
	nouns = []string{"report", "meeting", "schedule", "invoice", "plan", "photo album", "agenda",
		"proposal", "booking", "checklist", "order", "reading list", "timetable", "menu",
		"survey", "estimate", "poster", "contract"}
	verbs = []string{"moved", "arrived", "changed", "looks fine", "needs a second look", "is ready",
		"was approved", "slipped a little", "is attached", "went well", "is still open", "was signed"}
	places = []string{"the office", "the workshop", "the north room", "the library", "the station",
		"the old mill", "the harbour cafe", "the lab", "the community hall", "the boat club"}
	days = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend", "next week",
		"the end of the month", "the holidays"}
	when = []string{"on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "tomorrow",
		"next week", "after lunch", "at the weekend", "this evening"}
	openers = []string{"Hi %s,", "Hello %s,", "Dear %s,", "%s,", "Good morning %s,"}
	closers = []string{"Thanks,", "Best,", "Cheers,", "Regards,", "See you soon,", "All the best,"}
	return
}

type attachmentKind struct{ ext, ctype string }

func attachmentKinds() []attachmentKind {
	return []attachmentKind{
		{"pdf", "application/pdf"},
		{"jpg", "image/jpeg"},
		{"png", "image/png"},
		{"zip", "application/zip"},
		{"ods", "application/vnd.oasis.opendocument.spreadsheet"},
	}
}

// Generate returns opts.Count realistic RFC 5322 messages, oldest first:
// names and addresses, subjects, plain-text bodies made of simple invented
// sentences, optional MIME attachments of pseudo-random bytes, reply
// threads, Date headers spread over time and Message-IDs. The same options
// always give byte-identical messages.
func Generate(opts GenOptions) []GeneratedMessage {
	o := opts
	if o.Count <= 0 {
		o.Count = 20
	}
	if o.FromDomain == "" {
		o.FromDomain = "example.org"
	}
	if o.ToDomain == "" {
		o.ToDomain = "example.com"
	}
	if o.To == "" {
		o.To = "user@" + o.ToDomain
	}
	if o.TextSize <= 0 {
		o.TextSize = 800
	}
	if o.AttachmentSize <= 0 {
		o.AttachmentSize = 64 << 10
	}
	if o.End.IsZero() {
		o.End = DefaultEpoch()
	}
	if o.Spread <= 0 {
		o.Spread = 7 * 24 * time.Hour
	}
	first, last, adj, nouns, verbs, places, days, when, openers, closers := wordLists()
	r := &rng{state: uint64(o.Seed)}

	// Dates first, sorted, so that a reply always follows its parent.
	secs := max(uint64(o.Spread/time.Second), 1)
	offsets := make([]int64, o.Count)
	for i := range offsets {
		offsets[i] = int64(r.next() % secs)
	}
	sort.Slice(offsets, func(i, j int) bool { return offsets[i] > offsets[j] })

	people := make([]person, 12)
	for i := range people {
		people[i] = person{pick(r, first), pick(r, last)}
	}
	toFirst := strings.SplitN(o.ToName, " ", 2)[0]
	if toFirst == "" {
		toFirst = strings.SplitN(o.To, "@", 2)[0]
		toFirst = strings.ToUpper(toFirst[:1]) + toFirst[1:]
	}

	out := make([]GeneratedMessage, 0, o.Count)
	refs := make([][]string, 0, o.Count) // References of each message
	roots := make([]string, 0, o.Count)  // thread subject without "Re: "
	texts := make([]string, 0, o.Count)  // plain-text bodies, for quoting
	for i := 0; i < o.Count; i++ {
		date := o.End.Add(-time.Duration(offsets[i]) * time.Second).UTC()
		from := pick(r, people)
		fromAddr := strings.ToLower(from.first+"."+from.last) + "@" + o.FromDomain
		msgID := fmt.Sprintf("%016x.%d@%s", r.next(), i+1, o.FromDomain)

		var subject, inReplyTo string
		var references []string
		parent := -1
		if i > 0 && r.float() < o.ThreadRatio {
			p := r.intn(i)
			parent = p
			subject = "Re: " + roots[p]
			roots = append(roots, roots[p])
			inReplyTo = out[p].MessageID
			references = append(append([]string(nil), refs[p]...), inReplyTo)
			if len(references) > 10 { // keep the root and the latest, as RFC 5322 3.6.4 suggests
				references = append(references[:1:1], references[len(references)-9:]...)
			}
		} else {
			a := pick(r, adj)
			root := strings.ToUpper(a[:1]) + a[1:] + " " + pick(r, nouns)
			subject = root
			roots = append(roots, root)
		}

		var body strings.Builder
		fmt.Fprintf(&body, pick(r, openers)+"\r\n\r\n", toFirst)
		want := r.vary(o.TextSize)
		var para strings.Builder
		sentences := 0
		for body.Len()+para.Len() < want {
			var sent string
			switch r.intn(4) {
			case 0:
				sent = fmt.Sprintf("The %s %s %s.", pick(r, adj), pick(r, nouns), pick(r, verbs))
			case 1:
				sent = fmt.Sprintf("Can we meet at %s %s?", pick(r, places), pick(r, when))
			case 2:
				sent = fmt.Sprintf("I will bring the %s to %s.", pick(r, nouns), pick(r, places))
			default:
				sent = fmt.Sprintf("%s thinks the %s should wait until %s.", pick(r, first), pick(r, nouns), pick(r, days))
			}
			if para.Len() > 0 {
				para.WriteByte(' ')
			}
			para.WriteString(sent)
			if sentences++; sentences >= 2 && r.intn(3) == 0 {
				sentences = 0
				body.WriteString(wrap(para.String(), 72))
				body.WriteString("\r\n\r\n")
				para.Reset()
			}
		}
		if para.Len() > 0 {
			body.WriteString(wrap(para.String(), 72))
			body.WriteString("\r\n\r\n")
		}
		fmt.Fprintf(&body, "%s\r\n%s\r\n", pick(r, closers), from.first)
		text := body.String()
		if parent >= 0 { // quote the start of the parent, as mail clients do
			pm := out[parent]
			fmt.Fprintf(&body, "\r\nOn %s, %s wrote:\r\n", pm.Date.Format("Mon, 2 Jan 2006 at 15:04"), pm.From)
			lines := strings.Split(strings.TrimRight(texts[parent], "\r\n"), "\r\n")
			for _, l := range lines[:min(len(lines), 6)] {
				if l == "" {
					body.WriteString(">\r\n")
				} else {
					body.WriteString("> " + l + "\r\n")
				}
			}
		}
		texts = append(texts, text)

		attach := r.float() < o.AttachmentRatio
		var h strings.Builder
		fmt.Fprintf(&h, "Date: %s\r\n", date.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
		fmt.Fprintf(&h, "From: %s %s <%s>\r\n", from.first, from.last, fromAddr)
		if o.ToName != "" {
			fmt.Fprintf(&h, "To: %s <%s>\r\n", o.ToName, o.To)
		} else {
			fmt.Fprintf(&h, "To: <%s>\r\n", o.To)
		}
		fmt.Fprintf(&h, "Subject: %s\r\n", subject)
		fmt.Fprintf(&h, "Message-ID: <%s>\r\n", msgID)
		if inReplyTo != "" {
			fmt.Fprintf(&h, "In-Reply-To: <%s>\r\n", inReplyTo)
			h.WriteString("References:")
			for _, ref := range references { // one per (folded) line
				fmt.Fprintf(&h, " <%s>\r\n", ref)
			}
		}
		h.WriteString("MIME-Version: 1.0\r\n")
		if !attach {
			h.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
			h.WriteString("Content-Transfer-Encoding: 7bit\r\n\r\n")
			h.WriteString(body.String())
		} else {
			boundary := fmt.Sprintf("=_mailscope_%016x", r.next())
			kind := pick(r, attachmentKinds())
			name := fmt.Sprintf("%s-%d.%s", strings.ReplaceAll(pick(r, nouns), " ", "-"), r.intn(100), kind.ext)
			data := make([]byte, r.vary(o.AttachmentSize))
			for j := 0; j < len(data); j += 8 {
				v := r.next()
				for k := 0; k < 8 && j+k < len(data); k++ {
					data[j+k] = byte(v >> (8 * k))
				}
			}
			fmt.Fprintf(&h, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary)
			h.WriteString("This is a multi-part message in MIME format.\r\n\r\n")
			fmt.Fprintf(&h, "--%s\r\n", boundary)
			h.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
			h.WriteString("Content-Transfer-Encoding: 7bit\r\n\r\n")
			h.WriteString(body.String())
			fmt.Fprintf(&h, "\r\n--%s\r\n", boundary)
			fmt.Fprintf(&h, "Content-Type: %s; name=\"%s\"\r\n", kind.ctype, name)
			fmt.Fprintf(&h, "Content-Disposition: attachment; filename=\"%s\"\r\n", name)
			h.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
			enc := base64.StdEncoding.EncodeToString(data)
			for len(enc) > 76 {
				h.WriteString(enc[:76])
				h.WriteString("\r\n")
				enc = enc[76:]
			}
			h.WriteString(enc)
			h.WriteString("\r\n")
			fmt.Fprintf(&h, "--%s--\r\n", boundary)
		}

		out = append(out, GeneratedMessage{
			Raw:           []byte(h.String()),
			Date:          date,
			MessageID:     msgID,
			InReplyTo:     inReplyTo,
			Subject:       subject,
			From:          fromAddr,
			HasAttachment: attach,
		})
		refs = append(refs, references)
	}
	return out
}

// wrap breaks text into CRLF-separated lines of at most width bytes where
// it can.
func wrap(text string, width int) string {
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(text) {
		if i > 0 {
			if line+1+len(w) > width {
				b.WriteString("\r\n")
				line = 0
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}
