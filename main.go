// Mailscope is a desktop lab for the mail protocols: real SMTP, POP3 and
// IMAP servers and clients in one process, over a simulated link.
//
//	mailscope                open the desktop window (needs a desktop build)
//	mailscope COMMAND ...    run headless: presets, version, help, ...
//
// The window needs a build with `-tags desktop,production,webkit2_41` (see
// the Makefile). Without the desktop tag the Wails packages compile as pure
// Go, so a plain `go build` or `go run .` still gives every headless
// subcommand; only opening the window then fails, with a message.
package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"syscall"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	wailsruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/mailscope/mailscope/app"
	"github.com/mailscope/mailscope/app/cli"
	"github.com/mailscope/mailscope/sim/lab"
	"github.com/mailscope/mailscope/sim/trace"
)

// dist is the built frontend (npm run build writes frontend/dist).
//
// frontend/dist is build output and ignored by git, all but one tracked,
// empty file: frontend/dist/.gitkeep. go:embed fails to compile when its
// pattern matches nothing, so the placeholder keeps `go vet`, `go test` and
// `go build` working on a fresh clone before anyone builds the frontend.
// `all:` is what lets a dot-file count; Vite's build removes the file and
// the vite.config.ts plugin writes it back, so the work tree stays clean.
// A binary built without the frontend refuses to open the window (see
// runWindow) rather than show an empty one.
//
//go:embed all:frontend/dist
var dist embed.FS

// icon is the window icon (the taskbar and the window switcher use it).
//
//go:embed build/appicon.png
var icon []byte

func main() {
	args := os.Args[1:]
	if cli.Wants(args) {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Main(ctx, args, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	if err := runWindow(); err != nil {
		fmt.Fprintf(os.Stderr, "mailscope: %v\n", err)
		os.Exit(1)
	}
}

// runWindow opens the desktop window and returns when it closes.
func runWindow() error {
	// The window streams the trace to the web view: nearly everything the
	// process allocates meanwhile (DTOs, JSON) is garbage at once, over a
	// live heap that is mostly the trace recorder. Collecting at 50% growth
	// instead of 100% keeps the heap ~15 MB smaller with 100,000 events
	// (heap goal 54 -> 39 MB, live 24 MB; make ui-bench) for about 1% more
	// GC CPU while events stream. GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	setWindowEnv()
	go releaseMemory(5 * time.Second)
	assets, err := fs.Sub(dist, "frontend/dist")
	if err != nil {
		return err
	}
	if _, err := fs.Stat(assets, "index.html"); err != nil {
		return fmt.Errorf("this binary has no frontend (frontend/dist was empty when it was built): build it with `make build`, or run a headless command: mailscope help")
	}

	opts, err := appOptions()
	if err != nil {
		return err
	}
	if budget := opts.TraceBudget; budget >= 0 && os.Getenv("GOMEMLIMIT") == "" {
		// As serve does: a soft limit above the trace's budget makes the
		// collector return what set-aside sessions held before the heap
		// doubles (make bench-load-ui: the window reached 618 MB against
		// a 256 MB budget with nothing set aside).
		if budget == 0 {
			budget = trace.DefaultBudget
		}
		debug.SetMemoryLimit(budget + 256<<20)
	}
	backend, err := app.NewWith(wailsRuntimeAdapter{}, lab.Options{CertDir: lab.DefaultCertDir()}, opts)
	if err != nil {
		return err
	}
	app.Mark("app.New done")

	err = wails.Run(&options.App{
		Title:     "Mailscope",
		Width:     1120,
		Height:    760,
		MinWidth:  800,
		MinHeight: 560,
		AssetServer: &assetserver.Options{
			Assets:     assets,
			Middleware: timingMiddleware(),
		},
		// Opaque, and the page's own background colour: a transparent
		// window renders black under Xvfb and flashes on start-up.
		BackgroundColour: &options.RGBA{R: 0xf7, G: 0xf7, B: 0xf4, A: 255},
		// Closures, not the methods themselves: Wails exempts the exact
		// OnStartup/OnShutdown values from binding, and every service
		// gets its own call here.
		OnStartup: func(ctx context.Context) {
			backend.Startup(ctx)
		},
		OnDomReady: func(context.Context) {
			app.Mark("DOM ready")
		},
		OnShutdown: func(context.Context) {
			backend.Shutdown()
		},
		Bind: backend.Services(),
		Linux: &linux.Options{
			Icon:        icon,
			ProgramName: "mailscope",
			// Software rendering: GPU acceleration in WebKitGTK breaks on
			// many VMs and under Xvfb (Wails's own default when Linux
			// options are nil).
			WebviewGpuPolicy: linux.WebviewGpuPolicyNever,
		},
	})
	if err != nil {
		return fmt.Errorf("%w (the window needs a build with -tags desktop,production,webkit2_41: make build; headless commands: mailscope help)", err)
	}
	return nil
}

// appOptions are the app's own options from the environment:
// MAILSCOPE_TRACE_BUDGET is the trace's memory budget, as serve's
// --trace-budget reads it ("256MB", "64MB"; "0" keeps everything); unset,
// the default (256 MB). An environment variable rather than a flag, as a
// dev build's flags are Wails's own (-assetdir, -devserver).
// make bench-load-ui sets it.
func appOptions() (app.Options, error) {
	var o app.Options
	if v, ok := os.LookupEnv("MAILSCOPE_TRACE_BUDGET"); ok {
		n, err := cli.ParseSize(v)
		if err != nil {
			return o, fmt.Errorf("MAILSCOPE_TRACE_BUDGET: %w", err)
		}
		o.TraceBudget = n
		if n == 0 {
			o.TraceBudget = -1 // app.Options: negative keeps everything
		}
	}
	return o, nil
}

// windowEnv are settings for GTK, WebKitGTK and its JavaScript engine, set
// in the environment before the window opens, each only if the user has not
// set it (a value the user set, even an empty one, is left alone).
// WebKit's child processes (the web and network processes) inherit them.
// Figures from make ui-bench; see each entry.
var windowEnv = []struct{ name, value string }{
	// The window renders in software (WebviewGpuPolicyNever, below), yet
	// gtk_init opens GLX on the X display to pick GL-capable visuals, which
	// loads and initialises Mesa's GLX driver (and LLVM) for nothing. Off,
	// Wails's OnStartup came a little sooner in interleaved runs of
	// e2e/bench-startup.mjs (median 408 against 532 ms on a loaded machine;
	// within the noise elsewhere). Mesa still gets loaded in this process
	// and the web process, for WebKit's EGL display: the web process aborts
	// at start without one. WEBKIT_DISABLE_DMABUF_RENDERER=1 was tried
	// too: OnStartup a further ~100 ms sooner, but the window showed
	// ~100 ms later and "interactive" did not improve, so it is not set.
	{"GDK_GL", "disable"},
	// JavaScriptCore sizes its heap growth from physical RAM: from 16 GiB
	// of RAM up it switches to a growth function that lets a small heap
	// grow to several times what survived the last collection before it
	// collects again; below, it grows 2x, 1.5x past a quarter of RAM and
	// 1.24x past half. 512 MiB gives the classic rule back (2x up to a
	// 128 MiB heap, then less: a much bigger trace costs more collections,
	// not swap). With 100,000 events (make ui-bench) the web process's RSS
	// was 258 MB (median of 9 runs, 253-284) against 271 MB (7 runs,
	// 258-279): noisy, but lower; its CPU time did not grow.
	{"JSC_forceRAMSize", "536870912"},
}

// setWindowEnv applies windowEnv.
func setWindowEnv() {
	for _, e := range windowEnv {
		if _, set := os.LookupEnv(e.name); !set {
			_ = os.Setenv(e.name, e.value)
		}
	}
}

// releaseMemory hands the Go heap's spare pages back to the OS once a burst
// of work is over: checked every `every`, when the last interval was quiet
// (under 1 MiB allocated) after at least 4 MiB were allocated since the
// last release. While events stream the trace, GOGC keeps its headroom over
// the live heap (~24 MB with 100,000 events) plus the garbage of the last
// cycles, and Go's background scavenger returns that only slowly once the
// stream stops: with 100,000 events this process's anonymous memory was
// 62 MB instead of 74 (make ui-bench). One forced collection per burst
// costs a few ms of CPU; an idle window never triggers one.
func releaseMemory(every time.Duration) {
	allocs := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	read := func() uint64 {
		metrics.Read(allocs)
		return allocs[0].Value.Uint64()
	}
	released, last := read(), read()
	for range time.Tick(every) {
		now := read()
		if now-last < 1<<20 && now-released >= 4<<20 {
			debug.FreeOSMemory()
			released = read()
			now = released
		}
		last = now
	}
}

// timingMiddleware lets the page report its own start-up milestones when
// MAILSCOPE_TIMING=1 (see app.Mark): index.html gets a script that sets
// window.__mailscopeTiming, and the page's GET /__timing/<milestone> is
// printed as the mark "page: <milestone>" (frontend/src/main.ts sends
// them). Without MAILSCOPE_TIMING it is nil: no middleware at all.
func timingMiddleware() assetserver.Middleware {
	if os.Getenv("MAILSCOPE_TIMING") != "1" {
		return nil
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if name, ok := strings.CutPrefix(r.URL.Path, "/__timing/"); ok {
				app.Mark("page: " + name)
				w.WriteHeader(http.StatusNoContent)
				return
			}
			if r.URL.Path != "/" && r.URL.Path != "/index.html" {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := strings.Replace(rec.Body.String(), "<head>", "<head><script>window.__mailscopeTiming = true</script>", 1)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = w.Write([]byte(body))
		})
	}
}

// wailsRuntimeAdapter is the real app.Runtime. Its calls are valid only with
// the context Wails passes to OnStartup, inside a running window; outside
// one, Wails's runtime exits the process, which is why app/ sees only the
// interface.
type wailsRuntimeAdapter struct{}

func (wailsRuntimeAdapter) EventsEmit(ctx context.Context, name string, data ...any) {
	wailsruntime.EventsEmit(ctx, name, data...)
}

func (wailsRuntimeAdapter) SaveFileDialog(ctx context.Context, name string) (string, error) {
	return wailsruntime.SaveFileDialog(ctx, wailsruntime.SaveDialogOptions{DefaultFilename: name, Title: saveTitle(name)})
}

func (wailsRuntimeAdapter) OpenFileDialog(ctx context.Context, title string) (string, error) {
	return wailsruntime.OpenFileDialog(ctx, wailsruntime.OpenDialogOptions{Title: title, Filters: []wailsruntime.FileFilter{
		{DisplayName: "Mailscope traces (*.jsonl, *.pcapng)", Pattern: "*.jsonl;*.pcapng"},
	}})
}

// saveTitle names a save dialog by what is being saved: the trace exports,
// the comparison's CSV, or its charts.
func saveTitle(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "Export the comparison"
	case ".png":
		return "Save the charts"
	}
	return "Export the trace"
}
