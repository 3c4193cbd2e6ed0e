package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/mailscope/mailscope/sim/lab"
)

// App is the desktop app's backend: one lab and the services bound to the
// window. main.go creates it, binds Services(), and calls Startup and
// Shutdown from Wails's hooks.
type App struct {
	Lab      *LabService
	Link     *LinkService
	Trace    *TraceService
	Sessions *SessionService
	Console  *ConsoleService
	Actions  *ActionService

	lab  *lab.Lab
	emit *emitter
}

// New builds the lab (its servers on the simulated link) and the services.
// rt must not be nil: pass NopRuntime{} when there is no window.
func New(rt Runtime, o lab.Options) (*App, error) {
	l, err := lab.New(o)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	e := &emitter{rt: rt}
	a := &App{lab: l, emit: e}
	a.Lab = &LabService{lab: l, emit: e}
	a.Link = &LinkService{lab: l, emit: e}
	a.Trace = newTraceService(l, e)
	a.Sessions = &SessionService{lab: l}
	a.Console = newConsoleService(l, e)
	a.Actions = newActionService(l, e)
	return a, nil
}

// Services are the structs to bind in the window.
func (a *App) Services() []any {
	return []any{a.Lab, a.Link, a.Trace, a.Sessions, a.Console, a.Actions}
}

// Startup keeps the Wails context and starts streaming the trace.
func (a *App) Startup(ctx context.Context) {
	a.emit.setContext(ctx)
	a.Trace.start()
}

// Shutdown stops the trace stream, the consoles and the lab.
func (a *App) Shutdown() {
	a.Trace.stop()
	a.Console.closeAll()
	a.emit.setContext(nil)
	a.lab.Close()
}

// LabForTest exposes the lab to tests in other packages (the e2e harness).
func (a *App) LabForTest() *lab.Lab { return a.lab }

// emitter sends events once Wails has given a context; before Startup and
// after Shutdown they are dropped.
type emitter struct {
	rt  Runtime
	mu  sync.Mutex
	ctx context.Context
}

func (e *emitter) setContext(ctx context.Context) {
	e.mu.Lock()
	e.ctx = ctx
	e.mu.Unlock()
}

func (e *emitter) Emit(name string, data any) {
	e.mu.Lock()
	ctx := e.ctx
	e.mu.Unlock()
	if ctx != nil {
		e.rt.EventsEmit(ctx, name, data)
	}
}
