package scenario

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mailscope/mailscope/sim/mua"
)

// parseSelector reads Step.Messages: kind is all, unread, first, last or
// found; n is the count for first and last.
func parseSelector(s string) (kind string, n int, err error) {
	f := strings.Fields(s)
	switch {
	case len(f) == 0:
		return "all", 0, nil
	case len(f) == 1 && (f[0] == "all" || f[0] == "unread" || f[0] == "found"):
		return f[0], 0, nil
	case len(f) == 2 && (f[0] == "first" || f[0] == "last"):
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 0 {
			return "", 0, fmt.Errorf("messages %q: want a count after %s", s, f[0])
		}
		return f[0], n, nil
	}
	return "", 0, fmt.Errorf("messages %q: want all, unread, found, first N or last N", s)
}

// pick selects the messages a selector names from one of the device's
// folders; "found" is the last search's matches, wherever they are now.
func (a *actor) pick(folder, selector string) []mua.Message {
	msgs := a.dev.Messages(folder)
	kind, n, _ := parseSelector(selector)
	switch kind {
	case "unread":
		var out []mua.Message
		for _, m := range msgs {
			if !m.Seen {
				out = append(out, m)
			}
		}
		return out
	case "first":
		return msgs[:min(n, len(msgs))]
	case "last":
		return msgs[max(0, len(msgs)-n):]
	case "found":
		want := map[int]bool{}
		for _, id := range a.found {
			want[id] = true
		}
		var out []mua.Message
		for _, m := range a.dev.Messages("") {
			if want[m.ID] {
				out = append(out, m)
			}
		}
		return out
	}
	return msgs
}
