package imapd

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// go-imap's own client, which no one here wrote, over the link.
func TestGoIMAPClient(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.client(t, nil)

	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatalf("List = %v", err)
	}
	var names []string
	uses := map[string]imap.MailboxAttr{}
	for _, b := range boxes {
		names = append(names, b.Mailbox)
		for _, a := range b.Attrs {
			if a == imap.MailboxAttrSent || a == imap.MailboxAttrTrash {
				uses[b.Mailbox] = a
			}
		}
	}
	if want := []string{"INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"}; !slices.Equal(names, want) {
		t.Errorf("List = %v, want %v", names, want)
	}
	if uses["Sent"] != imap.MailboxAttrSent || uses["Trash"] != imap.MailboxAttrTrash {
		t.Errorf("special-use attributes = %v", uses)
	}

	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatalf("Select = %v", err)
	}
	if sel.NumMessages != 3 || sel.UIDNext != 4 {
		t.Errorf("Select = %d messages, UIDNEXT %d; want 3, 4", sel.NumMessages, sel.UIDNext)
	}

	msgs, err := c.Fetch(imap.SeqSetNum(1, 2, 3), &imap.FetchOptions{
		UID: true, Flags: true, Envelope: true, RFC822Size: true, InternalDate: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
		BodySection:   []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatalf("Fetch = %v", err)
	}
	if len(msgs) != 3 {
		t.Fatalf("Fetch returned %d messages, want 3", len(msgs))
	}
	for i, m := range msgs {
		if got := m.FindBodySection(&imap.FetchItemBodySection{}); string(got) != testMessages[i] {
			t.Errorf("message %d BODY[] = %q, want %q", i+1, got, testMessages[i])
		}
		if m.RFC822Size != int64(len(testMessages[i])) {
			t.Errorf("message %d RFC822.SIZE = %d, want %d", i+1, m.RFC822Size, len(testMessages[i]))
		}
	}
	if env := msgs[1].Envelope; env.Subject != "lunch plans" || len(env.From) != 1 || env.From[0].Addr() != "bob@lab" || env.MessageID != "two@lab" {
		t.Errorf("Envelope = %+v", env)
	}
	if mp, ok := msgs[2].BodyStructure.(*imap.BodyStructureMultiPart); !ok || mp.Subtype != "mixed" || len(mp.Children) != 2 {
		t.Errorf("BodyStructure of the multipart = %#v", msgs[2].BodyStructure)
	}
	if !msgs[0].InternalDate.Equal(w.store.Time(0)) {
		t.Errorf("InternalDate = %v, want %v", msgs[0].InternalDate, w.store.Time(0))
	}

	// Sections and partial fetches.
	parts, err := c.Fetch(imap.SeqSetNum(3), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{
		{Part: []int{1}, Peek: true},
		{Part: []int{2}, Peek: true},
		{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject"}, Peek: true},
		{Peek: true, Partial: &imap.SectionPartial{Offset: 6, Size: 5}},
	}}).Collect()
	if err != nil {
		t.Fatalf("Fetch sections = %v", err)
	}
	sec := parts[0].BodySection
	if len(sec) != 4 || string(sec[0].Bytes) != "See the attached figures." || string(sec[1].Bytes) != "AAECAwQF" ||
		string(sec[2].Bytes) != "Subject: report\r\n\r\n" || string(sec[3].Bytes) != "Carol" {
		for _, s := range sec {
			t.Errorf("section %v = %q", s.Section, s.Bytes)
		}
	}
	if st, _ := w.store.Status("student", "INBOX"); st.Unseen != 3 {
		t.Errorf("PEEK fetches set \\Seen: %d unseen, want 3", st.Unseen)
	}

	// SEARCH, ESEARCH.
	res, err := c.Search(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "From", Value: "carol"}}}, nil).Wait()
	if err != nil || !slices.Equal(res.AllSeqNums(), []uint32{3}) {
		t.Errorf("Search FROM carol = %v, %v; want [3]", res.AllSeqNums(), err)
	}
	res, err = c.UIDSearch(&imap.SearchCriteria{Body: []string{"PIZZA"}}, &imap.SearchOptions{ReturnCount: true, ReturnMin: true}).Wait()
	if err != nil || res.Count != 1 || res.Min != 2 {
		t.Errorf("UID SEARCH RETURN (COUNT MIN) BODY pizza = %+v, %v", res, err)
	}

	// STORE, COPY, MOVE, EXPUNGE.
	if _, err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged}}, nil).Collect(); err != nil {
		t.Errorf("Store = %v", err)
	}
	cp, err := c.Copy(imap.SeqSetNum(1, 2), "Archive").Wait()
	if err != nil || cp.DestUIDs.String() != "1:2" {
		t.Errorf("Copy = %+v, %v", cp, err)
	}
	mv, err := c.Move(imap.SeqSetNum(1), "Trash").Wait()
	if err != nil || mv.SourceUIDs.String() != "1" {
		t.Errorf("Move = %+v, %v", mv, err)
	}
	if c.Mailbox().NumMessages != 2 {
		t.Errorf("after MOVE the client counts %d messages, want 2", c.Mailbox().NumMessages)
	}
	if _, err := c.Store(imap.SeqSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect(); err != nil {
		t.Errorf("Store = %v", err)
	}
	exp, err := c.Expunge().Collect()
	if err != nil || !slices.Equal(exp, []uint32{2}) {
		t.Errorf("Expunge = %v, %v; want [2]", exp, err)
	}

	// APPEND with flags and a date.
	date := time.Date(2025, 12, 24, 18, 30, 0, 0, time.FixedZone("", 3600))
	msg := "Subject: appended\r\n\r\n" + strings.Repeat("long body line\r\n", 400) // > 4 KB: a synchronising literal
	ac := c.Append("Drafts", int64(len(msg)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagDraft, "$Label1"}, Time: date})
	io.WriteString(ac, msg)
	ac.Close()
	ad, err := ac.Wait()
	if err != nil {
		t.Fatalf("Append = %v", err)
	}
	got, err := w.store.Message("student", "Drafts", uint32(ad.UID))
	if err != nil || !bytes.Equal(got.Raw, []byte(msg)) || !got.InternalDate.Equal(date) || !slices.Equal(got.Flags, []string{`\Draft`, "$Label1"}) {
		t.Errorf("appended message = %+v, %v", got, err)
	}

	// STATUS, CREATE, RENAME, DELETE, NAMESPACE, UNSELECT.
	st, err := c.Status("Archive", &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
	if err != nil || *st.NumMessages != 2 || *st.NumUnseen != 2 {
		t.Errorf("Status = %+v, %v", st, err)
	}
	for _, err := range []error{
		c.Create("Projects/Lab", nil).Wait(),
		c.Rename("Projects/Lab", "Projects/Lab1", nil).Wait(),
		c.Subscribe("Projects/Lab1").Wait(),
		c.Delete("Projects/Lab1").Wait(),
		c.Unselect().Wait(),
	} {
		if err != nil {
			t.Errorf("mailbox command = %v", err)
		}
	}
	ns, err := c.Namespace().Wait()
	if err != nil || len(ns.Personal) != 1 || ns.Personal[0].Delim != '/' {
		t.Errorf("Namespace = %+v, %v", ns, err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Errorf("Logout = %v", err)
	}
}
