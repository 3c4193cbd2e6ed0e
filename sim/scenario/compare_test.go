package scenario

import (
	"strings"
	"testing"
)

// The table's figures for people. (WriteJSON, WriteCSV and WriteTable are
// tested through the CLI, in app/cli.)
func TestFormatters(t *testing.T) {
	for in, want := range map[float64]string{
		0: "0 ms", 0.8504: "850 ms", 12.44: "12.4 s", 200: "3 min 20 s", 7500: "2 h 05 min",
	} {
		if got := seconds(in); got != want {
			t.Errorf("seconds(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int64]string{
		999: "999 B", 1000: "1.0 kB", 56_789: "56.8 kB", 2_345_678: "2.35 MB", 3_000_000_000: "3.00 GB",
	} {
		if got := byteCount(in); got != want {
			t.Errorf("byteCount(%d) = %q, want %q", in, got, want)
		}
	}
	if got := fp(nil) + "|" + fp(ptr(1.5)) + "|" + i64(-3); got != "|1.5|-3" {
		t.Errorf("fp, i64: %q", got)
	}
}

func TestWrap(t *testing.T) {
	text := "IMAP keeps the mailbox on the server, so every device sees the same mail, read marks and folders."
	got := Wrap(text, 30)
	for _, line := range strings.Split(got, "\n") {
		if len([]rune(line)) > 30 {
			t.Errorf("line %q is longer than 30", line)
		}
	}
	if strings.Join(strings.Fields(got), " ") != text {
		t.Errorf("Wrap lost words: %q", got)
	}
	if got := Wrap("a-word-longer-than-the-width fits", 10); got != "a-word-longer-than-the-width\nfits" {
		t.Errorf("a long word: %q", got)
	}
}
