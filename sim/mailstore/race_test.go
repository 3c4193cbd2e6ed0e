package mailstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentUse hammers one store from many goroutines — SMTP
// deliveries, IMAP flagging, expunging and moving, POP3 sessions and
// watchers — and then checks the invariants: UIDs strictly increase, no
// message is lost, every watcher's events replay to the final mailbox and
// the quota is never exceeded. Run it with -race.
func TestConcurrentUse(t *testing.T) {
	const (
		users      = 3
		deliverers = 4
		perWorker  = 150
		quota      = 20_000 // user u0 only
	)
	s := New(nil)
	for u := range users {
		q := int64(0)
		if u == 0 {
			q = quota
		}
		if err := s.AddUser(fmt.Sprintf("u%d", u), "pw", q); err != nil {
			t.Fatal(err)
		}
	}
	name := func(u int) string { return fmt.Sprintf("u%d", u) }
	// Fill most of u0's quota in a mailbox nobody else touches, so that
	// deliveries to u0 must hit the limit.
	if _, err := s.Append("u0", "Sent", make1(quota-3000), nil, time.Time{}, Op{}); err != nil {
		t.Fatal(err)
	}

	type watched struct {
		w      *Watcher
		events []Event
		done   chan struct{}
	}
	var watchers []*watched
	var wmu sync.Mutex
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watch := func(user, mailbox string) {
		w, err := s.Watch(user, mailbox)
		if err != nil {
			t.Error(err)
			return
		}
		ww := &watched{w: w, done: make(chan struct{})}
		wmu.Lock()
		watchers = append(watchers, ww)
		wmu.Unlock()
		go func() { // a slow reader: drains in batches
			defer close(ww.done)
			for w.Wait(ctx) == nil {
				ww.events = append(ww.events, w.Events()...)
			}
		}()
	}
	for u := range users {
		watch(name(u), "INBOX")
		watch(name(u), "Archive")
	}

	var (
		wg          sync.WaitGroup
		delivered   atomic.Int64
		overQuota   atomic.Int64
		expunged    atomic.Int64
		popDeleted  atomic.Int64
		quotaBroken atomic.Bool
		stop        = make(chan struct{})
	)
	for u := range users {
		for g := range deliverers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var last uint32
				for i := range perWorker {
					raw := fmt.Appendf(nil, "Subject: %s-%d-%d\r\n\r\n%0*d\r\n", name(u), g, i, 50+i%200, i)
					uid, err := s.Deliver(name(u), raw, time.Duration(i)*time.Millisecond)
					switch {
					case errors.Is(err, ErrOverQuota):
						overQuota.Add(1)
						continue
					case err != nil:
						t.Errorf("Deliver = %v", err)
						return
					}
					if uid <= last {
						t.Errorf("Deliver UIDs %d then %d: not increasing", last, uid)
					}
					last = uid
					delivered.Add(1)
				}
			}()
		}
	}
	background := func(f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				f(i)
			}
		}()
	}
	for u := range users {
		user := name(u)
		imap := s.NewSource()
		background(func(i int) { // IMAP client flagging and expunging
			st, err := s.Status(user, "INBOX")
			if err != nil || st.UIDNext < 2 {
				return
			}
			uid := uint32(i)%(st.UIDNext-1) + 1
			flag := []string{FlagSeen, FlagDeleted, "$Label"}[i%3]
			if _, err := s.StoreFlags(user, "INBOX", UIDSet{{uid, uid + 3}}, FlagAction(i%3), []string{flag}, Op{Source: imap}); err != nil {
				t.Errorf("StoreFlags = %v", err)
			}
			if i%7 == 0 {
				uids, err := s.Expunge(user, "INBOX", Op{Source: imap})
				if err != nil {
					t.Errorf("Expunge = %v", err)
				}
				expunged.Add(int64(len(uids)))
			}
		})
		background(func(i int) { // another client moving mail to Archive and back
			from, to := "INBOX", "Archive"
			if i%2 == 1 {
				from, to = to, from
			}
			if _, err := s.Move(user, from, to, UIDSet{{0, 0}}, Op{}); err != nil {
				t.Errorf("Move = %v", err)
			}
			if i%5 == 0 {
				uids, err := s.Expunge(user, "Archive", Op{})
				if err != nil {
					t.Errorf("Expunge(Archive) = %v", err)
				}
				expunged.Add(int64(len(uids)))
			}
		})
		background(func(i int) { // a POP3 client: lock, delete some, quit or drop
			md, err := s.LockMaildrop(user)
			if errors.Is(err, ErrMaildropLocked) {
				return
			}
			if err != nil {
				t.Errorf("LockMaildrop = %v", err)
				return
			}
			for n := 1; n <= md.Len(); n += 10 {
				md.MarkDeleted(n)
			}
			if i%4 != 0 {
				md.Release()
				return
			}
			n, err := md.Commit(time.Second)
			if err != nil {
				t.Errorf("Commit = %v", err)
			}
			popDeleted.Add(int64(n))
		})
		background(func(i int) { // a second POP3 client that must never get the lock twice
			if md, err := s.LockMaildrop(user); err == nil {
				if _, err := s.LockMaildrop(user); !errors.Is(err, ErrMaildropLocked) {
					t.Errorf("second LockMaildrop while held = %v, want %v", err, ErrMaildropLocked)
				}
				md.Release()
			}
		})
	}
	background(func(int) {
		if used, limit, _ := s.QuotaUsage("u0"); used > limit {
			quotaBroken.Store(true)
		}
	})
	// A watcher that starts in the middle of it all.
	time.Sleep(5 * time.Millisecond)
	watch("u1", "INBOX")

	go func() {
		for {
			if delivered.Load()+overQuota.Load() == users*deliverers*perWorker {
				close(stop)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	time.Sleep(time.Millisecond)
	cancel()

	if quotaBroken.Load() {
		t.Errorf("QuotaUsage(u0) exceeded the quota at some point")
	}
	if overQuota.Load() == 0 {
		t.Errorf("no delivery hit the quota; the test does not exercise it")
	}
	var remaining int64
	for u := range users {
		var sizes int64
		for _, mb := range []string{"INBOX", "Archive", "Sent"} {
			msgs, _ := s.Messages(name(u), mb)
			if mb != "Sent" {
				remaining += int64(len(msgs))
			}
			seen := map[uint32]bool{}
			for _, m := range msgs {
				if seen[m.UID] {
					t.Errorf("%s/%s: duplicate UID %d", name(u), mb, m.UID)
				}
				seen[m.UID] = true
				sizes += m.Size
			}
		}
		used, limit, _ := s.QuotaUsage(name(u))
		if used != sizes || (limit > 0 && used > limit) {
			t.Errorf("QuotaUsage(%s) = %d of %d, want the sum of sizes %d within the limit", name(u), used, limit, sizes)
		}
	}
	if got := remaining + expunged.Load() + popDeleted.Load(); got != delivered.Load() {
		t.Errorf("messages remaining %d + expunged %d + POP3-deleted %d = %d, want %d delivered",
			remaining, expunged.Load(), popDeleted.Load(), got, delivered.Load())
	}
	for _, ww := range watchers {
		<-ww.done
		ww.events = append(ww.events, ww.w.Events()...)
		user := ""
		for u := range users { // find the watcher's user from its initial snapshot
			if st, _ := s.Status(name(u), ww.w.Mailbox()); st.UIDValidity == ww.w.Initial().Status.UIDValidity {
				user = name(u)
			}
		}
		got, err := replay(initialUIDs(ww.w), ww.events, ww.w.Initial().Seq)
		if err != nil {
			t.Errorf("%s %s watcher: %v", user, ww.w.Mailbox(), err)
			continue
		}
		if want := uidsOf(t, s, user, ww.w.Mailbox()); !slices.Equal(got, want) {
			t.Errorf("%s %s watcher replays to %d UIDs, want the final %d", user, ww.w.Mailbox(), len(got), len(want))
		}
		ww.w.Close()
	}
	t.Logf("delivered %d, over quota %d, expunged %d, POP3-deleted %d, remaining %d",
		delivered.Load(), overQuota.Load(), expunged.Load(), popDeleted.Load(), remaining)
}
