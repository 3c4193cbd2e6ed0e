package cli

import (
	"bytes"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestLessonsWorksheetHTML(t *testing.T) {
	code, out, errOut := run(t, "lessons", "worksheet", "pop3-delete", "--dir", "")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"<!DOCTYPE html>", "POP3: download, then delete", "How many RETR commands did the Home PC send?", "Still in the INBOX on the server", "@page"} {
		if !strings.Contains(out, want) {
			t.Errorf("worksheet lacks %q", want)
		}
	}
	// The explanation of the RETR question is the lesson's answer to it.
	if strings.Contains(out, "One RETR for each message waiting") {
		t.Error("the worksheet prints an explanation")
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "sheet.html")
	if code, _, errOut := run(t, "lessons", "worksheet", "pop3-delete", "--dir", "", "--html", path); code != ExitOK {
		t.Fatalf("--html: exit %d, stderr %q", code, errOut)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != out {
		t.Errorf("--html %s wrote %d bytes (%v), want the %d of stdout", path, len(b), err, len(out))
	}
}

func TestLessonsWorksheetPDF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sheet.pdf")
	code, out, errOut := run(t, "lessons", "worksheet", "journey", "--pdf", path, "--paper", "letter", "--dir", "")
	if code != ExitOK || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("%s: %v, starts %q", path, err, b[:min(8, len(b))])
	}
	info, err := exec.Command(need(t, "pdfinfo"), path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(info), "(letter)") {
		t.Errorf("--paper letter made:\n%s", info)
	}
	text, err := exec.Command(need(t, "pdftotext"), path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(text)), " "), "Which command does the client send just before the text of the message?") {
		t.Errorf("the PDF lacks the DATA question:\n%s", text)
	}
}

// The key's answers are those `lessons run` computes on the same link.
func TestLessonsWorksheetKey(t *testing.T) {
	code, out, errOut := run(t, "lessons", "run", "pop3-delete", "--link", "dialup-56k", "--json", "--dir", "")
	if code != ExitOK {
		t.Fatalf("run: exit %d, stderr %q", code, errOut)
	}
	var rep LessonsRun
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Lessons) != 1 || len(rep.Lessons[0].Checks) == 0 {
		t.Fatalf("run --json: %v\n%s", err, out)
	}
	code, page, errOut := run(t, "lessons", "worksheet", "pop3-delete", "--key", "--link", "dialup-56k", "--dir", "")
	if code != ExitOK {
		t.Fatalf("worksheet --key: exit %d, stderr %q", code, errOut)
	}
	page = html.UnescapeString(page)
	if !strings.Contains(page, "a headless run on dialup-56k, seed 1") {
		t.Error("the key does not say which run")
	}
	for _, c := range rep.Lessons[0].Checks {
		if !strings.Contains(page, "Key: "+c.Answer+"<") {
			t.Errorf("step %s: the key lacks the run's answer %q", c.Step, c.Answer)
		}
	}
	// Without --key, none of it.
	_, plain, _ := run(t, "lessons", "worksheet", "pop3-delete", "--dir", "")
	if strings.Contains(plain, "Key: ") {
		t.Error("a worksheet without --key prints answers")
	}
}

func TestLessonsWorksheetUsage(t *testing.T) {
	for _, args := range [][]string{
		{"lessons", "worksheet"},
		{"lessons", "worksheet", "journey", "--pdf", "a.pdf", "--html", "a.html"},
		{"lessons", "worksheet", "journey", "--paper", "a5"},
		{"lessons", "worksheet", "journey", "--key", "--link", "carrier-pigeon"},
	} {
		if code, _, _ := run(t, append(args, "--dir", "")...); code != ExitUsage {
			t.Errorf("mailscope %v: exit %d, want %d", args, code, ExitUsage)
		}
	}
	if code, _, errOut := run(t, "lessons", "worksheet", "no-such-lesson", "--dir", ""); code != ExitError || !strings.Contains(errOut, "no lesson") {
		t.Errorf("unknown id: exit %d, stderr %q", code, errOut)
	}
}
