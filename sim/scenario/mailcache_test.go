package scenario

import (
	"sync"
	"testing"

	"github.com/mailscope/mailscope/sim/mailstore"
)

func mailboxBytes(msgs []mailstore.GeneratedMessage) (n int64) {
	for _, m := range msgs {
		n += int64(len(m.Raw))
	}
	return n
}

// Runs asking at once share one generation; the bytes are the same slices.
func TestMailCacheShares(t *testing.T) {
	c := NewMailCache(DefaultMailCacheBytes)
	mb := Mailbox{Messages: 20, Size: 2000, Seed: 3, Keyword: "invoice", KeywordEvery: 5}
	epoch := mailstore.DefaultEpoch()
	got := make([][]mailstore.GeneratedMessage, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = c.seedMail(mb, epoch) }()
	}
	wg.Wait()
	for i, msgs := range got {
		if len(msgs) != 20 || &msgs[0] != &got[0][0] {
			t.Fatalf("run %d got %d messages at %p, want the shared 20 at %p", i, len(msgs), &msgs[0], &got[0][0])
		}
	}
	if c.Len() != 1 || c.Bytes() != mailboxBytes(got[0]) {
		t.Errorf("cache holds %d mailboxes, %d bytes; want 1, %d", c.Len(), c.Bytes(), mailboxBytes(got[0]))
	}
	// The keyword is planted in every 5th message, from the first.
	if string(got[0][5].Raw[:18]) != "Keywords: invoice\r" || string(got[0][1].Raw[:9]) == "Keywords:" {
		t.Errorf("keyword planted wrong: %q / %q", got[0][5].Raw[:18], got[0][1].Raw[:9])
	}
}

// The cache stays within its bound, dropping the mailbox used longest ago.
func TestMailCacheBound(t *testing.T) {
	epoch := mailstore.DefaultEpoch()
	box := func(seed int64) Mailbox { return Mailbox{Messages: 10, Size: 5000, Seed: seed} }
	one := mailboxBytes(generateMail(box(1), epoch))
	c := NewMailCache(one * 5 / 2) // room for two mailboxes of about that size
	a := c.seedMail(box(1), epoch)
	c.seedMail(box(2), epoch)
	if again := c.seedMail(box(1), epoch); &again[0] != &a[0] {
		t.Fatal("mailbox 1 was generated again while it fit")
	}
	c.seedMail(box(3), epoch) // evicts 2: 1 was used more recently
	if c.Len() != 2 || c.Bytes() > one*5/2 {
		t.Fatalf("cache holds %d mailboxes, %d bytes; want 2 within %d", c.Len(), c.Bytes(), one*5/2)
	}
	if again := c.seedMail(box(1), epoch); &again[0] != &a[0] {
		t.Error("mailbox 1 was evicted, want mailbox 2 (least recently used)")
	}
	// A mailbox bigger than the bound is made, used and not kept.
	huge := Mailbox{Messages: 40, Size: 5000, Seed: 4}
	if msgs := c.seedMail(huge, epoch); len(msgs) != 40 {
		t.Fatalf("huge mailbox has %d messages, want 40", len(msgs))
	}
	if c.Len() != 2 || c.Bytes() > one*5/2 {
		t.Errorf("after a mailbox over the bound: %d mailboxes, %d bytes", c.Len(), c.Bytes())
	}
	// No cache at all still generates the same mail.
	var none *MailCache
	if msgs := none.seedMail(box(1), epoch); mailboxBytes(msgs) != one {
		t.Errorf("nil cache made %d bytes, want %d", mailboxBytes(msgs), one)
	}
}
