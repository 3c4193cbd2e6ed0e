package app

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lessonrun"
)

// WorksheetService gives the UI a lesson's worksheet for a class: the page
// to show and print, and the PDF to save. It reads the lessons anew on each
// call (the built-in ones and the teacher's folder), so a lesson edited on
// disk prints as it now is.
type WorksheetService struct {
	emit *emitter
	dir  string // the teacher's folder; "" for the built-in lessons only
}

func newWorksheetService(e *emitter, dir string) *WorksheetService {
	return &WorksheetService{emit: e, dir: dir}
}

// sheet finds the lesson and makes its worksheet. A mistake in the
// teacher's folder does not hide the built-in lessons.
func (s *WorksheetService) sheet(id string) (*lessons.Sheet, error) {
	set, err := lessons.LoadDir(s.dir, lessonrun.Catalog())
	if err != nil {
		var es lessons.Errors
		if !errors.As(err, &es) {
			return nil, fmt.Errorf("app: %w", err)
		}
		builtin, berr := lessons.Builtin(lessonrun.Catalog())
		if berr != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		l, gerr := builtin.Get(id)
		if gerr != nil {
			return nil, fmt.Errorf("app: %w", err) // the folder's mistakes say more
		}
		return lessons.Worksheet(l), nil
	}
	l, err := set.Get(id)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	return lessons.Worksheet(l), nil
}

// HTML is the worksheet as a self-contained page, for an iframe's srcdoc
// and the browser's print dialog.
func (s *WorksheetService) HTML(id string) (string, error) {
	sh, err := s.sheet(id)
	if err != nil {
		return "", err
	}
	return string(sh.HTML()), nil
}

// PDFData is the worksheet as a PDF (A4), base64-encoded with a file name,
// for the UI to save as a download where there is no native dialog.
func (s *WorksheetService) PDFData(id string) (ExportDTO, error) {
	data, err := s.pdf(id)
	if err != nil {
		return ExportDTO{}, err
	}
	return newExportDTO(pdfName(id), data), nil
}

// SavePDF asks where to save (a native dialog) and writes the worksheet
// there as a PDF. It returns the path, or "" if the user cancelled.
func (s *WorksheetService) SavePDF(id string) (string, error) {
	if _, err := s.sheet(id); err != nil {
		return "", err
	}
	path, err := s.emit.saveDialog(pdfName(id))
	if err != nil || path == "" {
		return "", err
	}
	return path, s.SavePDFTo(id, path)
}

// SavePDFTo writes the worksheet to path as a PDF.
func (s *WorksheetService) SavePDFTo(id, path string) error {
	data, err := s.pdf(id)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func (s *WorksheetService) pdf(id string) ([]byte, error) {
	sh, err := s.sheet(id)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := sh.PDF(&buf); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	return buf.Bytes(), nil
}

func pdfName(id string) string {
	return "mailscope-worksheet-" + safeName(id) + ".pdf"
}
