package scenario

import (
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim/mailstore"
)

// DefaultMailCacheBytes is the bound Compare gives the cache it makes
// when CompareOptions.Mail is nil.
const DefaultMailCacheBytes = 64 << 20

// MailCache keeps generated mailboxes for reuse: a comparison runs the
// same mailbox in every world, and generating megabytes of mail takes
// longer than simulating its transfer. The store never changes a
// message's bytes, so the worlds share them.
//
// It holds at most its bound of message bytes, dropping the mailbox used
// longest ago; a mailbox bigger than the bound is generated for each use
// and not kept. A nil *MailCache caches nothing. Safe for concurrent use.
type MailCache struct {
	max int64

	mu      sync.Mutex
	used    int64
	clock   uint64 // counts uses, for least-recently-used
	entries map[mailKey]*mailEntry
}

type mailKey struct {
	mb    Mailbox
	epoch time.Time
}

type mailEntry struct {
	once sync.Once
	msgs []mailstore.GeneratedMessage
	size int64 // 0 until generated
	last uint64
}

// NewMailCache makes a cache holding up to maxBytes of generated mail.
func NewMailCache(maxBytes int64) *MailCache {
	return &MailCache{max: maxBytes, entries: map[mailKey]*mailEntry{}}
}

// Bytes is the message bytes the cache holds now.
func (c *MailCache) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

// Len is how many mailboxes the cache holds now.
func (c *MailCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// seedMail is the scenario's mailbox, with the keyword planted: from the
// cache when it has it; runs asking at once wait for one generation.
func (c *MailCache) seedMail(mb Mailbox, epoch time.Time) []mailstore.GeneratedMessage {
	if mb.Messages == 0 {
		return nil
	}
	if c == nil {
		return generateMail(mb, epoch)
	}
	k := mailKey{mb, epoch}
	c.mu.Lock()
	e := c.entries[k]
	if e == nil {
		e = &mailEntry{}
		c.entries[k] = e
	}
	c.clock++
	e.last = c.clock
	c.mu.Unlock()

	e.once.Do(func() {
		e.msgs = generateMail(mb, epoch)
		var size int64
		for _, m := range e.msgs {
			size += int64(len(m.Raw))
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		e.size = size
		if c.entries[k] != e {
			return
		}
		if size > c.max {
			delete(c.entries, k)
			return
		}
		c.used += size
		c.evictLocked(e)
	})
	return e.msgs
}

// evictLocked drops the least recently used mailboxes, other than keep and
// those still being generated, until the cache is within its bound.
func (c *MailCache) evictLocked(keep *mailEntry) {
	for c.used > c.max {
		var oldK mailKey
		var old *mailEntry
		for k, e := range c.entries {
			if e != keep && e.size > 0 && (old == nil || e.last < old.last) {
				oldK, old = k, e
			}
		}
		if old == nil {
			return
		}
		delete(c.entries, oldK)
		c.used -= old.size
	}
}

// generateMail makes the scenario's mailbox, with the keyword planted.
func generateMail(mb Mailbox, epoch time.Time) []mailstore.GeneratedMessage {
	msgs := mailstore.Generate(mailstore.GenOptions{
		Seed: mb.Seed, Count: mb.Messages,
		To: user + "@" + domain, ToName: "Sam Student", ToDomain: domain, FromDomain: outside,
		TextSize:        int(mb.Size),
		AttachmentRatio: mb.Attachments, AttachmentSize: int(mb.AttachmentSize),
		ThreadRatio: 0.2, End: epoch,
	})
	for i := range msgs {
		if k := mb.KeywordEvery; k > 0 && i%k == 0 {
			msgs[i].Raw = append([]byte("Keywords: "+mb.Keyword+"\r\n"), msgs[i].Raw...)
		}
	}
	return msgs
}
