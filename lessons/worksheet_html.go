package lessons

import (
	"bytes"
	"html/template"
)

// HTML renders the worksheet as one self-contained page (no scripts, no
// external files) made to be printed: black on white, the printer's own
// paper (A4 or Letter) with margins that suit both, a name and date line,
// ruled lines for written answers, and no page break inside a question.
func (s *Sheet) HTML() []byte {
	var b bytes.Buffer
	if err := sheetTemplate.Execute(&b, s); err != nil {
		// The template is fixed and the data plain strings: a failure is
		// a bug in this file.
		panic("lessons: worksheet template: " + err.Error())
	}
	return b.Bytes()
}

var sheetTemplate = template.Must(template.New("sheet").Funcs(template.FuncMap{
	"lines": func(n int) []int { return make([]int, n) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Worksheet: {{.Title}}</title>
<style>
  @page { margin: 16mm 16mm 18mm; }
  :root { color-scheme: light; }
  * { box-sizing: border-box; }
  html, body { background: #fff; color: #000; }
  body {
    margin: 0 auto; padding: 24px 28px 40px; max-width: 190mm;
    font: 11pt/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif;
  }
  @media print { body { padding: 0; max-width: none; } }
  header.sheet { border-bottom: 2px solid #000; padding-bottom: 8px; margin-bottom: 14px; }
  .kicker { font-size: 9pt; text-transform: uppercase; letter-spacing: 0.08em; }
  h1 { font-size: 18pt; line-height: 1.2; margin: 2px 0 6px; }
  .meta { font-size: 10pt; }
  .who { display: flex; gap: 24px; margin-top: 14px; font-size: 10.5pt; }
  .who span { flex: 1; display: flex; gap: 8px; align-items: flex-end; }
  .who span.date { flex: 0 0 38%; }
  .who i { flex: 1; border-bottom: 1px solid #000; height: 1.2em; }
  h2 { font-size: 12.5pt; margin: 16px 0 4px; break-after: avoid; page-break-after: avoid; }
  ul.objectives { margin: 4px 0 10px; padding-left: 20px; }
  p { margin: 0 0 6px; }
  ul.items { margin: 0 0 6px; padding-left: 20px; }
  pre { font: 9.5pt/1.35 "DejaVu Sans Mono", monospace; white-space: pre-wrap; margin: 0 0 6px; padding: 4px 8px; border-left: 2px solid #000; }
  .step h2 .n { display: inline-block; min-width: 1.6em; }
  .look { font-size: 9.5pt; font-style: italic; margin: 2px 0 6px; }
  .question {
    break-inside: avoid; page-break-inside: avoid;
    border: 1px solid #000; border-radius: 3px; padding: 8px 12px 10px; margin: 8px 0 4px;
  }
  .question .q { font-weight: bold; margin-bottom: 2px; }
  .question .how { font-size: 9pt; margin-bottom: 6px; }
  .option { display: flex; gap: 10px; align-items: baseline; margin: 5px 0; }
  .box { flex: none; display: inline-block; width: 11pt; height: 11pt; border: 1.2px solid #000; position: relative; top: 2px; }
  .line { border-bottom: 1px solid #000; height: 26px; }
  .key { margin-top: 6px; padding: 3px 8px; border-left: 3px solid #000; font-weight: bold; }
  .keynote { margin-top: 10px; font-size: 10pt; font-style: italic; }
  footer.sheet { margin-top: 22px; font-size: 8.5pt; border-top: 1px solid #000; padding-top: 4px; }
</style>
</head>
<body>
<header class="sheet">
  <div class="kicker">Mailscope worksheet{{if .KeyNote}} · teacher's key{{end}}</div>
  <h1>{{.Title}}</h1>
  <div class="meta">{{.Minutes}} minutes · {{.Level}} · lesson “{{.ID}}” · {{.Questions}} questions</div>
  {{- if .KeyNote}}
  <p class="keynote">Teacher's key: the answers of {{.KeyNote}}. Each learner's run of the lab can give other numbers; their own run is what they answer from.</p>
  {{- else}}
  <div class="who"><span>Name <i></i></span><span class="date">Date <i></i></span></div>
  {{- end}}
</header>
{{- if .Objectives}}
<section class="objectives">
  <h2>By the end you can</h2>
  <ul class="objectives">{{range .Objectives}}<li>{{.}}</li>{{end}}</ul>
</section>
{{- end}}
{{- if .Intro}}
<section class="intro">{{template "blocks" .Intro}}</section>
{{- end}}
{{- range .Steps}}
<section class="step" id="step-{{.N}}">
  <h2><span class="n">{{.N}}.</span> {{.Title}}</h2>
  {{- template "blocks" .Body}}
  {{- if .Look}}<p class="look">Look at {{.Look}}.</p>{{end}}
  {{- with .Question}}
  <div class="question" data-kind="{{.Kind}}">
    {{- if eq (print .Kind) "task"}}
    <div class="option q"><span class="box" aria-hidden="true"></span><span>{{.Text}}</span></div>
    <div class="how">{{.Instruction}}</div>
    {{- else}}
    <div class="q">{{.Text}}</div>
    <div class="how">{{.Instruction}}</div>
    {{- range .Options}}
    <div class="option"><span class="box" aria-hidden="true"></span><span>{{.}}</span></div>
    {{- end}}
    {{- if not .Key}}{{range lines .Lines}}<div class="line"></div>{{end}}{{end}}
    {{- end}}
    {{- if .Key}}<div class="key">Key: {{.Key}}</div>{{end}}
  </div>
  {{- end}}
</section>
{{- end}}
<footer class="sheet">Mailscope · {{.Title}} · every answer comes from your own run of the lab: your numbers may differ from your neighbour's.</footer>
</body>
</html>
{{define "blocks"}}{{$list := false}}{{range .}}{{if eq (print .Kind) "li"}}{{if not $list}}<ul class="items">{{$list = true}}{{end}}<li>{{.Text}}</li>{{else}}{{if $list}}</ul>{{$list = false}}{{end}}{{if eq (print .Kind) "pre"}}<pre>{{.Text}}</pre>{{else}}<p>{{.Text}}</p>{{end}}{{end}}{{end}}{{if $list}}</ul>{{end}}{{end}}
`))
