package app

import (
	"context"
	"errors"
)

var errNoDialogs = errors.New("app: no window to open a save dialog in; use ExportData")

// Runtime is the part of the Wails runtime that services use. main.go passes
// an adapter over github.com/wailsapp/wails/v2/pkg/runtime; tests pass a
// recorder. Keep it small: add a method when a service needs one.
type Runtime interface {
	// EventsEmit sends an event to the frontend. ctx is the one Wails gave
	// the service in Startup.
	EventsEmit(ctx context.Context, name string, data ...any)
}

// NopRuntime discards everything: for headless use and tests that do not
// look at events.
type NopRuntime struct{}

// EventsEmit does nothing.
func (NopRuntime) EventsEmit(context.Context, string, ...any) {}

// Dialogs is the part of the runtime that opens native dialogs. A Runtime
// that also implements it lets Export ask where to save.
type Dialogs interface {
	// SaveFileDialog asks for a path to save to; "" means cancelled.
	SaveFileDialog(ctx context.Context, defaultName string) (string, error)
}

// OpenDialogs is the part of the runtime that opens a file chooser. A
// Runtime that also implements it lets TraceService.Open ask which file.
type OpenDialogs interface {
	// OpenFileDialog asks for a file to open; "" means cancelled.
	OpenFileDialog(ctx context.Context, title string) (string, error)
}

var errNoOpenDialog = errors.New("app: no window to open a file dialog in; use OpenData")

// openDialog asks the runtime for a file to open, if it can.
func (e *emitter) openDialog() (string, error) {
	e.mu.Lock()
	ctx := e.ctx
	e.mu.Unlock()
	d, ok := e.rt.(OpenDialogs)
	if !ok || ctx == nil {
		return "", errNoOpenDialog
	}
	return d.OpenFileDialog(ctx, "Open a saved trace")
}

// saveDialog asks the runtime for a path, if it can open dialogs.
func (e *emitter) saveDialog(name string) (string, error) {
	e.mu.Lock()
	ctx := e.ctx
	e.mu.Unlock()
	d, ok := e.rt.(Dialogs)
	if !ok || ctx == nil {
		return "", errNoDialogs
	}
	return d.SaveFileDialog(ctx, name)
}
