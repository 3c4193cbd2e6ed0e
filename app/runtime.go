package app

import "context"

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
