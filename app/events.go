package app

// Event names the backend emits, `domain:verb`. frontend/src/lib/events.ts
// mirrors this list; events_test.go checks that the two agree.
const (
	// EventLinkChanged: the current link profile changed. Payload: PresetDTO.
	EventLinkChanged = "link:changed"
	// EventTraceAppend: a batch of trace events, flushed every ~50 ms or
	// every N events, never one event per line. Payload: defined with the
	// trace view.
	EventTraceAppend = "trace:append"
	// EventTraceResync: the UI fell behind the recorder; it must drop its
	// trace and reload a snapshot. No payload.
	EventTraceResync = "trace:resync"
)

// EventNames lists every event name above, for tests and tools.
func EventNames() []string {
	return []string{EventLinkChanged, EventTraceAppend, EventTraceResync}
}
