package lessons

import (
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
)

// PDF writes the worksheet as a PDF: the same content and layout as HTML,
// on A4 (or Letter, as Paper says), with a name and date line, boxes to
// tick, ruled answer lines, no page break inside a question, and page
// numbers.
//
// It uses the PDF core fonts (Helvetica, Courier), which every viewer and
// printer has and which add nothing to the file or the binary. They are
// encoded in cp1252, which covers the lessons' accents, curly quotes and
// dashes; the few characters it lacks (arrows, check marks) are spelled
// out in ASCII first (pdfText), so nothing prints as a stray dot.
// Embedding a Unicode TTF (DejaVu, ~700 KB) would cost more than it buys
// for text in English.
func (s *Sheet) PDF(w io.Writer) error {
	size := "A4"
	if strings.EqualFold(s.Paper, "letter") {
		size = "Letter"
	}
	p := &sheetPDF{f: fpdf.New("P", "mm", size, "")}
	f := p.f
	tr := f.UnicodeTranslatorFromDescriptor("cp1252")
	p.tr = func(t string) string { return tr(pdfText(t)) }
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(true, pdfMargin+4)
	f.SetTitle("Worksheet: "+s.Title, true)
	f.SetSubject("Mailscope lesson "+s.ID, true)
	f.SetCreator("Mailscope", true)
	f.SetTextColor(0, 0, 0)
	f.SetDrawColor(0, 0, 0)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetY(-pdfMargin)
		f.SetFont("Helvetica", "", 8)
		f.CellFormat(0, 5, p.tr("Mailscope · "+s.Title), "T", 0, "L", false, 0, "")
		f.SetX(pdfMargin)
		f.CellFormat(0, 5, fmt.Sprintf("page %d of {nb}", f.PageNo()), "", 0, "R", false, 0, "")
	})
	f.AddPage()
	p.width, _ = f.GetPageSize()
	p.width -= 2 * pdfMargin

	// Header: kicker, title, meta, name and date.
	f.SetFont("Helvetica", "", 8)
	kicker := "MAILSCOPE WORKSHEET"
	if s.KeyNote != "" {
		kicker += " · TEACHER'S KEY"
	}
	f.CellFormat(0, 4, p.tr(kicker), "", 1, "L", false, 0, "")
	f.SetFont("Helvetica", "B", 17)
	f.MultiCell(0, 7.5, p.tr(s.Title), "", "L", false)
	f.SetFont("Helvetica", "", 9.5)
	f.MultiCell(0, 5, p.tr(fmt.Sprintf("%d minutes · %s · lesson “%s” · %d questions", s.Minutes, s.Level, s.ID, s.Questions())), "", "L", false)
	if s.KeyNote != "" {
		f.Ln(2)
		f.SetFont("Helvetica", "I", 9.5)
		f.MultiCell(0, 4.6, p.tr("Teacher's key: the answers of "+s.KeyNote+". Each learner's run of the lab can give other numbers; their own run is what they answer from."), "", "L", false)
		f.Ln(1)
	} else {
		f.Ln(5)
		y := f.GetY()
		f.SetFont("Helvetica", "", 10)
		f.Text(pdfMargin, y, "Name")
		f.Line(pdfMargin+12, y+0.8, pdfMargin+p.width*0.58, y+0.8)
		f.Text(pdfMargin+p.width*0.62, y, "Date")
		f.Line(pdfMargin+p.width*0.62+10, y+0.8, pdfMargin+p.width, y+0.8)
	}
	y := f.GetY()
	f.SetLineWidth(0.5)
	f.Line(pdfMargin, y+4, pdfMargin+p.width, y+4)
	f.SetLineWidth(0.2)
	f.SetY(y + 7)

	if len(s.Objectives) > 0 {
		p.heading("By the end you can")
		for _, o := range s.Objectives {
			p.block(Block{Kind: BlockItem, Text: o})
		}
		f.Ln(2)
	}
	for _, b := range s.Intro {
		p.block(b)
	}
	for _, st := range s.Steps {
		p.step(st)
	}
	f.Ln(4)
	f.SetFont("Helvetica", "I", 8.5)
	f.MultiCell(0, 4, p.tr("Every answer comes from your own run of the lab: your numbers may differ from your neighbour's."), "", "L", false)
	if err := f.Error(); err != nil {
		return fmt.Errorf("lessons: worksheet PDF: %w", err)
	}
	return f.Output(w)
}

const pdfMargin = 16.0 // mm

type sheetPDF struct {
	f     *fpdf.Fpdf
	tr    func(string) string
	width float64 // between the margins, mm
}

// room starts a new page unless h mm fit above the bottom margin.
func (p *sheetPDF) room(h float64) {
	_, ph := p.f.GetPageSize()
	if p.f.GetY()+h > ph-pdfMargin-4 {
		p.f.AddPage()
	}
}

// textHeight is the height of t wrapped to w mm at line height lh, in
// the current font.
func (p *sheetPDF) textHeight(t string, w, lh float64) float64 {
	// SplitLines, not SplitText: the text is cp1252 bytes by now.
	return float64(len(p.f.SplitLines([]byte(p.tr(t)), w))) * lh
}

func (p *sheetPDF) heading(t string) {
	p.f.SetFont("Helvetica", "B", 12)
	// Keep a heading with at least two lines of what follows.
	p.room(p.textHeight(t, p.width, 6) + 12)
	p.f.Ln(3)
	p.f.MultiCell(0, 6, p.tr(t), "", "L", false)
	p.f.Ln(1)
}

func (p *sheetPDF) block(b Block) {
	f := p.f
	switch b.Kind {
	case BlockItem:
		f.SetFont("Helvetica", "", 10.5)
		y := f.GetY()
		p.room(5)
		if f.GetY() < y { // a new page
			y = f.GetY()
		}
		f.SetX(pdfMargin + 1.5)
		f.CellFormat(4, 5, p.tr("•"), "", 0, "L", false, 0, "")
		f.SetLeftMargin(pdfMargin + 6)
		f.MultiCell(p.width-6, 5, p.tr(b.Text), "", "L", false)
		f.SetLeftMargin(pdfMargin)
		f.Ln(0.5)
	case BlockCode:
		f.SetFont("Courier", "", 9)
		for _, line := range strings.Split(b.Text, "\n") {
			p.room(4.2)
			f.SetX(pdfMargin + 3)
			f.MultiCell(p.width-3, 4.2, p.tr(line), "L", "L", false)
		}
		f.Ln(1.5)
	default:
		f.SetFont("Helvetica", "", 10.5)
		f.MultiCell(0, 5, p.tr(b.Text), "", "L", false)
		f.Ln(1.5)
	}
}

func (p *sheetPDF) step(st SheetStep) {
	f := p.f
	p.heading(fmt.Sprintf("%d.  %s", st.N, st.Title))
	for _, b := range st.Body {
		p.block(b)
	}
	if st.Look != "" {
		f.SetFont("Helvetica", "I", 9.5)
		f.MultiCell(0, 4.6, p.tr("Look at "+st.Look+"."), "", "L", false)
		f.Ln(1)
	}
	if st.Question != nil {
		p.question(st.Question)
	}
}

// question draws a framed question that never splits across pages.
func (p *sheetPDF) question(q *SheetQuestion) {
	f := p.f
	const pad, lh, box = 3.0, 5.0, 3.6
	inner := p.width - 2*pad
	optW := inner - box - 3
	task := q.Kind == CheckTask

	f.SetFont("Helvetica", "B", 10.5)
	textW := inner
	if task {
		textW = optW
	}
	h := pad + p.textHeight(q.Text, textW, lh) + 1
	f.SetFont("Helvetica", "", 8.5)
	h += 4.5
	f.SetFont("Helvetica", "", 10.5)
	for _, o := range q.Options {
		h += p.textHeight(o, optW, lh) + 1.5
	}
	lines := q.Lines
	if q.Key != "" {
		lines = 0
		f.SetFont("Helvetica", "B", 10.5)
		h += p.textHeight("Key: "+q.Key, inner, lh) + 2
	}
	h += float64(lines)*8 + pad
	p.room(h + 3)

	f.Ln(1.5)
	x0, y0 := pdfMargin, f.GetY()
	f.SetLeftMargin(x0 + pad)
	f.SetY(y0 + pad)
	f.SetFont("Helvetica", "B", 10.5)
	if task {
		y := f.GetY()
		f.Rect(x0+pad, y+0.8, box, box, "D")
		f.SetLeftMargin(x0 + pad + box + 3)
		f.SetX(x0 + pad + box + 3)
		f.MultiCell(optW, lh, p.tr(q.Text), "", "L", false)
		f.SetLeftMargin(x0 + pad)
	} else {
		f.MultiCell(inner, lh, p.tr(q.Text), "", "L", false)
	}
	f.Ln(0.5)
	f.SetFont("Helvetica", "", 8.5)
	f.CellFormat(inner, 4.5, p.tr(q.Instruction()), "", 1, "L", false, 0, "")
	f.SetFont("Helvetica", "", 10.5)
	for _, o := range q.Options {
		y := f.GetY()
		f.Rect(x0+pad, y+0.8, box, box, "D")
		f.SetLeftMargin(x0 + pad + box + 3)
		f.SetX(x0 + pad + box + 3)
		f.MultiCell(optW, lh, p.tr(o), "", "L", false)
		f.SetLeftMargin(x0 + pad)
		f.Ln(1.5)
	}
	if q.Key != "" {
		f.SetFont("Helvetica", "B", 10.5)
		f.Ln(1)
		f.MultiCell(inner, lh, p.tr("Key: "+q.Key), "", "L", false)
	}
	for i := 0; i < lines; i++ {
		y := f.GetY() + 8
		f.Line(x0+pad, y, x0+pad+inner, y)
		f.SetY(y)
	}
	y1 := f.GetY() + pad
	f.Rect(x0, y0, p.width, y1-y0, "D")
	f.SetLeftMargin(pdfMargin)
	f.SetY(y1 + 1)
}

// pdfText spells out in ASCII the characters the lessons use that cp1252
// lacks; everything else cp1252 has (accents, “ ” ‘ ’ – — … • ·) stays.
func pdfText(s string) string {
	return pdfASCII.Replace(s)
}

var pdfASCII = strings.NewReplacer(
	"→", "->", "←", "<-", "↔", "<->", "⇒", "=>", "⇅", "up/down",
	"↑", "up", "↓", "down", "✓", "[ok]", "✔", "[ok]", "✕", "x", "✗", "x", "✘", "x",
	"≤", "<=", "≥", ">=", "≠", "!=", "≈", "~", "−", "-", "\u00a0", " ", "\u2009", " ", "\u202f", " ",
)
