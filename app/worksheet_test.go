package app

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWorksheetService(t *testing.T) {
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "w.pdf")
	rt := &dialogRuntime{paths: []string{pdfPath, ""}}
	a := newApp(t, rt)

	page, err := a.Worksheet.HTML("journey")
	if err != nil || !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "How many messages wait in student") {
		t.Fatalf("HTML(journey) = %.80q…, %v", page, err)
	}
	if _, err := a.Worksheet.HTML("no-such"); err == nil || !strings.Contains(err.Error(), "no lesson") {
		t.Errorf("HTML(no-such) error = %v", err)
	}

	p, err := a.Worksheet.SavePDF("journey")
	if err != nil || p != pdfPath {
		t.Fatalf("SavePDF = %q, %v", p, err)
	}
	saved, err := os.ReadFile(pdfPath)
	if err != nil || !bytes.HasPrefix(saved, []byte("%PDF-")) {
		t.Fatalf("SavePDF wrote %d bytes (%v), not a PDF", len(saved), err)
	}
	if len(rt.offered) != 1 || rt.offered[0] != "mailscope-worksheet-journey.pdf" {
		t.Errorf("dialog offered %q", rt.offered)
	}
	if p, err := a.Worksheet.SavePDF("journey"); p != "" || err != nil {
		t.Errorf("cancelled SavePDF = %q, %v", p, err)
	}
	if _, err := a.Worksheet.SavePDF("no-such"); err == nil {
		t.Error("SavePDF of an unknown lesson asked no error")
	}
	if len(rt.offered) != 2 {
		t.Errorf("an unknown lesson opened a dialog: %q", rt.offered)
	}

	// The download and the file hold the same PDF as the dialog's, but for
	// its creation time.
	x, err := a.Worksheet.PDFData("journey")
	if err != nil || x.Name != "mailscope-worksheet-journey.pdf" {
		t.Fatalf("PDFData = %+v, %v", x.Name, err)
	}
	data, err := base64.StdEncoding.DecodeString(x.Base64)
	if err != nil || x.Bytes != len(data) || !bytes.HasPrefix(data, []byte("%PDF-")) || abs(len(data)-len(saved)) > 64 {
		t.Errorf("PDFData = %d bytes (%v), want about the %d SavePDF wrote", len(data), err, len(saved))
	}
	to := filepath.Join(dir, "to.pdf")
	if err := a.Worksheet.SavePDFTo("pop3-delete", to); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(to); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("SavePDFTo wrote %d bytes, %v", len(b), err)
	}

	// Without a window there is no dialog: say so.
	b := newApp(t, NopRuntime{})
	if _, err := b.Worksheet.SavePDF("journey"); err == nil {
		t.Error("SavePDF without dialogs gave no error")
	}
}

func TestWorksheetTeacherFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.md"), []byte("---\nid: mine\ntitle: x\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newWorksheetService(&emitter{rt: NopRuntime{}}, dir)
	// A mistake in the folder leaves the built-in lessons printable...
	if page, err := s.HTML("journey"); err != nil || !strings.Contains(page, "A message") {
		t.Errorf("HTML(journey) with a broken folder: %v", err)
	}
	// ...and names the mistake for the lesson it hides.
	if _, err := s.HTML("mine"); err == nil || !strings.Contains(err.Error(), "broken.md") {
		t.Errorf("HTML(mine) error = %v, want the file's mistakes", err)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
