package lessons

import "strings"

// PlainText strips a short Markdown text to plain words: emphasis,
// code spans and link targets go, line breaks become spaces.
func PlainText(md string) string {
	s := strings.Join(strings.Fields(md), " ")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*', '`':
			continue
		case '_':
			// Emphasis only at a word's edge: snake_case stays.
			if (i == 0 || s[i-1] == ' ') || (i == len(s)-1 || strings.ContainsRune(" .,;:?!)", rune(s[i+1]))) {
				continue
			}
			b.WriteByte(c)
		case '[':
			if j := strings.Index(s[i:], "]("); j > 0 {
				if k := strings.IndexByte(s[i+j:], ')'); k > 0 {
					b.WriteString(s[i+1 : i+j])
					i += j + k
					continue
				}
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
