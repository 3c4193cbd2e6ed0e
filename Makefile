# Mailscope: `make run` to use it, `make test` to check it. Both install what
# is missing first (see `deps`), so a fresh Debian 12 machine needs nothing
# but Go, Node and make.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO       ?= go
NPM      ?= npm
BIN      := build/bin/mailscope
# desktop: the real Wails window; production: no dev tools or dev server;
# webkit2_41: Debian 12 ships libwebkit2gtk-4.1, not 4.0.
TAGS     := desktop,production,webkit2_41
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/mailscope/mailscope/app/cli.Version=$(VERSION)

# Debian packages: WebKitGTK and GTK headers for the window (cgo), tshark to
# check pcapng exports, poppler-utils (pdftotext) to read worksheet PDFs, Xvfb/xauth/xdotool/imagemagick for headless window
# checks and screenshots, chromium for end-to-end tests, curl for probes.
APT_PACKAGES := libwebkit2gtk-4.1-dev libgtk-3-dev pkg-config gcc tshark \
	xvfb xauth xdotool imagemagick curl chromium python3 fetchmail neomutt swaks poppler-utils

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: fuzz-smoke help deps deps-apt deps-npm deps-go frontend build run test clean e2e window-check ui-bench bench-load bench-load-ui

help:
	@echo "make run    install what is missing, build the desktop app and start it"
	@echo "make test   install what is missing, then run every check and test"
	@echo "make build  build $(BIN) (frontend first)"
	@echo "make e2e    end-to-end flows in Chromium against a dev build, under Xvfb"
	@echo "make window-check  screenshot the production window under Xvfb"
	@echo "make ui-bench      UI figures: scroll frame time, wire-to-row latency, memory, cold start"
	@echo "make bench-load    serve under load (5 IMAP + SMTP + POP3 clients): peak memory, nothing lost"
	@echo "make bench-load-ui the same load against the app with its trace view open: memory, UI, nothing lost"
	@echo "make deps   install missing apt packages, npm packages and Go modules"
	@echo "make clean  remove build output"

deps: deps-apt deps-npm deps-go

# Installs only the packages that are missing, so a second run does nothing
# and needs no network. The lock timeout waits out a concurrent apt run
# instead of failing on a held dpkg lock.
deps-apt:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing apt packages:$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
			install -y -q --no-install-recommends $$missing; \
	fi

# npm ci runs only when node_modules is missing or older than the lock file
# (npm writes node_modules/.package-lock.json on every install).
deps-npm: frontend/node_modules/.package-lock.json

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	@touch $@

deps-go:
	$(GO) mod download

frontend: deps-npm
	cd frontend && $(NPM) run build

# Built without the Wails CLI: the frontend goes into frontend/dist, which
# main.go embeds, then a plain go build with the desktop tags.
build: deps frontend
	$(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o $(BIN) .

run: build
	@if [ -z "$${DISPLAY:-}" ] && [ -z "$${WAYLAND_DISPLAY:-}" ]; then \
		echo "No display found (DISPLAY is not set), so the Mailscope window cannot open."; \
		echo "The headless subcommands work without one, for example:"; \
		echo "  ./$(BIN) presets      # or: go run . presets"; \
		echo "  ./$(BIN) help         # every subcommand"; \
	else \
		./$(BIN); \
	fi

# MAILSCOPE_REQUIRE_TOOLS=1 turns "tshark/curl/... not installed, skipping"
# into a failure: `deps` installed them, so a skip would hide a broken setup.
test: export MAILSCOPE_REQUIRE_TOOLS := 1
test: deps frontend
	$(GO) vet ./...
	@$(GO) mod tidy -diff || { echo "go mod tidy: go.mod or go.sum is not tidy (see above): run 'go mod tidy' and commit the result"; exit 1; }
	@unformatted="$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go' -not -path './frontend/*'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt: these files need formatting:"; echo "$$unformatted"; exit 1; fi
	$(GO) test -race ./...
	$(MAKE) --no-print-directory fuzz-smoke
	cd frontend && $(NPM) run check
	cd frontend && $(NPM) test
	$(MAKE) --no-print-directory e2e window-check

# Every Go fuzz target runs briefly on top of its seed corpus (which
# `go test` already ran): FUZZTIME each, found by name so none is missed.
FUZZTIME ?= 5s
fuzz-smoke:
	@log=$$(mktemp); trap 'rm -f $$log' EXIT; \
	grep -rl --include='*_test.go' '^func Fuzz' sim app | xargs -n1 dirname | sort -u | while read -r dir; do \
		for f in $$(grep -h '^func Fuzz' $$dir/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "fuzz $$dir $$f ($(FUZZTIME))"; \
			for try in 1 2; do \
				if $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./$$dir >$$log 2>&1; then break; fi; \
				tail -40 $$log; \
				if [ -n "$$(git status --porcelain -- $$dir/testdata/fuzz/$$f 2>/dev/null)" ] || [ $$try = 2 ]; then \
					echo "fuzz-smoke: $$f failed (a new crasher is in $$dir/testdata/fuzz/$$f if it found one)"; exit 1; \
				fi; \
				echo "fuzz-smoke: $$f stopped without a crasher (a loaded machine?); once more"; \
			done; \
		done; \
	done

# End-to-end: a dev-tagged build serves frontend/dist and the Wails IPC
# bridge on a free loopback port (-assetdir/-devserver) under a private
# Xvfb, and playwright-core drives Debian's Chromium through the flows in
# frontend/e2e/run.mjs. Screenshots, exports and results.json land in
# build/e2e-artifacts/. FLOW=name runs only the flows matching it.
DEV_BIN  := build/bin/mailscope-dev
DEV_TAGS := dev,webkit2_41
FLOW     ?=

$(DEV_BIN): deps frontend
	$(GO) build -tags $(DEV_TAGS) -ldflags '$(LDFLAGS)' -o $(DEV_BIN) .

e2e: $(DEV_BIN)
	cd frontend && node e2e/run.mjs $(FLOW)

# The production window under Xvfb: found with xdotool, screenshot with
# ImageMagick, asserted not blank (build/e2e-artifacts/window.png).
window-check: build
	cd frontend && node e2e/window-check.mjs ../$(BIN)

# Figures, not pass/fail tests (not part of `make test`).
ui-bench: build $(DEV_BIN)
	cd frontend && node e2e/bench-ui.mjs && node e2e/bench-startup.mjs ../$(BIN)

# serve under load for LOAD_SECONDS with --trace-budget LOAD_BUDGET (0 keeps
# every event, as before retention): peak Go heap and RSS, nothing lost.
LOAD_SECONDS ?= 60
LOAD_BUDGET ?= 256MB
bench-load:
	MAILSCOPE_LOAD_SECONDS=$(LOAD_SECONDS) MAILSCOPE_LOAD_BUDGET=$(LOAD_BUDGET) \
		go test -run='^$$' -bench=Load -benchtime=1x -timeout=30m ./app/cli

# The same clients against the app (dev build, listeners on) with the Lab's
# trace view open in Chromium, for LOAD_SECONDS with its trace budget
# LOAD_BUDGET: the app's and the page's memory, frame intervals, a row's
# click to its explanation, nothing lost (build/e2e-artifacts/bench-load-ui.*).
bench-load-ui: $(DEV_BIN)
	cd frontend && MAILSCOPE_TRACE_BUDGET=$(LOAD_BUDGET) node e2e/bench-load-ui.mjs $(LOAD_SECONDS)

# Keeps frontend/dist/.gitkeep: main.go's go:embed needs a file there.
clean:
	rm -rf build/bin frontend/wailsjs
	find frontend/dist -mindepth 1 -not -name .gitkeep -delete
	touch frontend/dist/.gitkeep
