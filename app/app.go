package app

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/scenario"
	"github.com/mailscope/mailscope/sim/trace"
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
	// Scenarios is the Compare mode: scenarios and POP3-vs-IMAP races.
	Scenarios *ScenariosService
	Views     *ViewsService
	Worksheet *WorksheetService
	// Lessons is the Lessons mode: the course, played beside the live lab.
	Lessons *LessonsService
	Faults  *FaultsService

	lab  *lab.Lab
	emit *emitter
}

// Options configures the app beyond its lab. The zero value of each
// field is documented.
type Options struct {
	// ConfigDir holds the learner's saved progress (progress.json); ""
	// means os.UserConfigDir()/mailscope.
	ConfigDir string
	// LessonsDir is the teacher's folder of lessons, besides the built-in
	// ones; "" means lessons.DefaultDir().
	LessonsDir string
	// TraceBudget is the memory the trace may hold before it sets older
	// closed sessions aside (see trace.Retention); 0 means
	// trace.DefaultBudget, a negative value keeps everything. A lab
	// option's own Trace.Retention wins.
	TraceBudget int64
}

// New builds the lab (its servers on the simulated link) and the services.
// rt must not be nil: pass NopRuntime{} when there is no window.
func New(rt Runtime, o lab.Options) (*App, error) { return NewWith(rt, o, Options{}) }

// NewWith is New with the app's own options.
func NewWith(rt Runtime, o lab.Options, opts Options) (*App, error) {
	// The app's devices act while people watch: on the live clock, at the
	// pace of the link, like the outside clients beside them.
	o.Clock = lab.Live
	if o.Trace == nil || o.Trace.Retention.Budget == 0 {
		topt := trace.Options{}
		if o.Trace != nil {
			topt = *o.Trace
		}
		topt.Retention.Budget = opts.TraceBudget
		if opts.TraceBudget == 0 {
			topt.Retention.Budget = trace.DefaultBudget
		}
		o.Trace = &topt
	}
	l, err := lab.New(o)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	e := &emitter{rt: rt}
	a := &App{lab: l, emit: e}
	a.Lab = &LabService{lab: l, emit: e}
	a.Link = newLinkService(l, e)
	a.Trace = newTraceService(l, e)
	a.Sessions = &SessionService{lab: l}
	a.Console = newConsoleService(l, e)
	a.Actions = newActionService(l, e)
	a.Scenarios = newScenariosService(e, scenario.DefaultDir())
	a.Views = newViewsService(l, e, func() { a.Lab.changed() })
	a.Worksheet = newWorksheetService(e, cmp.Or(opts.LessonsDir, lessons.DefaultDir()))
	a.Actions.settled = a.Views.settle
	a.Lessons = newLessonsService(l, e, a.Actions, a.Link, opts)
	a.Actions.searched = a.Lessons.noteSearch
	a.Faults = newFaultsService(l, e)
	return a, nil
}

// Services are the structs to bind in the window.
func (a *App) Services() []any {
	return []any{a.Lab, a.Link, a.Trace, a.Sessions, a.Console, a.Actions, a.Scenarios, a.Views, a.Worksheet, a.Lessons, a.Faults}
}

// Startup keeps the Wails context and starts streaming the trace.
func (a *App) Startup(ctx context.Context) {
	Mark("Startup called")
	a.emit.setContext(ctx)
	a.Trace.start()
	a.Views.start()
}

// Shutdown stops the trace stream, the consoles and the lab.
func (a *App) Shutdown() {
	a.Trace.stop()
	a.Views.stop()
	a.Console.closeAll()
	a.Lessons.close()
	a.Lab.stopAutoconfig()
	a.emit.setContext(nil)
	a.lab.Close()
	if a.lab.Trace != nil {
		a.lab.Trace.Discard() // removes its spill file
	}
}

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

// Mark prints a start-up milestone, opt-in: with MAILSCOPE_TIMING=1 in the
// environment, the first time each milestone is reached it writes one line
// to stderr,
//
//	mailscope: timing <ms> ms <milestone> (unix <unix-ms>)
//
// where <ms> counts from the process start (this package's initialisation:
// after the dynamic linker and the Go runtime, a few ms after exec) and
// <unix-ms> is the wall clock, so a harness that noted when it started the
// process can line the marks up with its own (frontend/e2e/bench-startup.mjs
// does). Unset, Mark does nothing. The milestones: "app.New done",
// "Startup called", "DOM ready" (Wails's OnDomReady), "first Snapshot
// served" (the trace's first load answered), and the page's own, sent
// through main.go's timingMiddleware: "page: script running", "page: app
// mounted", "page: app painted".
func Mark(milestone string) {
	if !timingOn {
		return
	}
	if _, seen := timingSeen.LoadOrStore(milestone, true); seen {
		return
	}
	now := time.Now()
	fmt.Fprintf(os.Stderr, "mailscope: timing %.1f ms %s (unix %d)\n",
		float64(now.Sub(processStart).Microseconds())/1000, milestone, now.UnixMilli())
}

var (
	processStart = time.Now()
	timingOn     = os.Getenv("MAILSCOPE_TIMING") == "1"
	timingSeen   sync.Map
)
