package mailstore

import (
	"slices"
	"testing"
)

func TestClaimRecent(t *testing.T) {
	s := New(nil)
	if err := s.AddUser("u", "p", 0); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.Deliver("u", []byte("Subject: x\r\n\r\ny\r\n"), 0); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := s.Status("u", "INBOX"); st.Recent != 2 {
		t.Errorf("Status.Recent = %d, want 2", st.Recent)
	}
	if got, _ := s.PeekRecent("u", "INBOX"); !slices.Equal(got, []uint32{1, 2}) {
		t.Errorf("PeekRecent = %v, want [1 2]", got)
	}
	if got, _ := s.ClaimRecent("u", "INBOX"); !slices.Equal(got, []uint32{1, 2}) {
		t.Errorf("ClaimRecent = %v, want [1 2]", got)
	}
	if got, _ := s.ClaimRecent("u", "INBOX"); got != nil {
		t.Errorf("second ClaimRecent = %v, want none", got)
	}
	s.Deliver("u", []byte("Subject: z\r\n\r\ny\r\n"), 0)
	if st, _ := s.Status("u", "INBOX"); st.Recent != 1 {
		t.Errorf("Status.Recent after a delivery = %d, want 1", st.Recent)
	}
	if got, _ := s.ClaimRecent("u", "INBOX"); !slices.Equal(got, []uint32{3}) {
		t.Errorf("ClaimRecent after a delivery = %v, want [3]", got)
	}
	if _, err := s.ClaimRecent("u", "Nope"); err == nil {
		t.Errorf("ClaimRecent of a missing mailbox = nil error")
	}
}
