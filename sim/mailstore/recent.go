package mailstore

import "sort"

// ClaimRecent hands the caller the mailbox's recent messages (RFC 3501
// 2.3.2): those that arrived since the last claim. Each message is
// claimed once, so it is recent in exactly one IMAP session: the first to
// select the mailbox after it arrived, or the first selected session to
// look once it has. The UIDs come in ascending order.
func (s *Store) ClaimRecent(userName, mailbox string) ([]uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, err := s.mailboxLocked(userName, mailbox)
	if err != nil {
		return nil, err
	}
	uids := mb.recentLocked()
	mb.recentFrom = mb.uidNext
	return uids, nil
}

// PeekRecent returns the recent messages no session has claimed, and
// claims none (a read-only EXAMINE must not take \Recent away).
func (s *Store) PeekRecent(userName, mailbox string) ([]uint32, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	mb, err := s.mailboxLocked(userName, mailbox)
	if err != nil {
		return nil, err
	}
	return mb.recentLocked(), nil
}

func (mb *mailbox) recentLocked() []uint32 {
	i := sort.Search(len(mb.msgs), func(i int) bool { return mb.msgs[i].uid >= mb.recentFrom })
	var uids []uint32
	for _, m := range mb.msgs[i:] {
		uids = append(uids, m.uid)
	}
	return uids
}
