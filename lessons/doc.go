// Package lessons holds Mailscope's lesson content — Markdown files with
// front matter, embedded into the binary — and the loader that parses them.
// Lessons name scenarios by id and import nothing from sim/, so content can
// change without touching the simulation.
//
// The content and the loader arrive with the lessons issue; the package
// exists now so that the layout in the README is the layout on disk.
package lessons
