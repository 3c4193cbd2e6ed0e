package app

// Event names the backend emits, `domain:verb`. frontend/src/lib/events.ts
// mirrors this list; events_test.go checks that the two agree.
const (
	// EventLinkChanged: the link profile, offline state or live speed
	// changed, or the dial-up call dialled, connected, went idle or busy,
	// or hung up (not every second: the UI ticks the meter, see CallDTO).
	// Payload: LinkStateDTO.
	EventLinkChanged = "link:changed"
	// EventTraceAppend: a batch of trace events, flushed every ~50 ms or
	// every 500 events, never one event per line. Payload: TraceBatchDTO.
	EventTraceAppend = "trace:append"
	// EventTraceResync: the UI fell behind the recorder (or the reveal
	// setting changed); it must drop its trace and reload a snapshot. No
	// payload.
	EventTraceResync = "trace:resync"
	// EventTraceAside: the recorder set older sessions aside to stay
	// within its memory budget; the UI drops their events from its log
	// (TraceAsideEventDTO) instead of reloading the whole snapshot.
	EventTraceAside = "trace:aside"
	// EventLabChanged: accounts, mailboxes or listeners changed. Payload:
	// LabStateDTO.
	EventLabChanged = "lab:changed"
	// EventConsoleOutput: lines a console's server sent. Payload:
	// ConsoleOutputDTO.
	EventConsoleOutput = "console:output"
	// EventConsoleClosed: a console's connection ended. Payload:
	// ConsoleOutputDTO with the reason as its only line.
	EventConsoleClosed = "console:closed"
	// EventActionProgress: an action (send, check mail) started or
	// finished. Payload: ActionProgressDTO.
	EventActionProgress = "action:progress"
	// EventViewsChanged: changes to where the mail lives (the server's
	// mailboxes), batched like the trace. Payload: ViewsBatchDTO.
	EventViewsChanged = "views:changed"
	// EventLessonsChanged: a lesson's run on the lab was reset (its
	// reset-lab): its trace now starts at traceFrom. Payload:
	// LessonsChangedDTO.
	EventLessonsChanged = "lessons:changed"
	// EventFaultsChanged: a fault was armed, disarmed, consumed by its
	// connection or fired. Payload: []FaultDTO.
	EventFaultsChanged = "faults:changed"
)

// EventNames lists every event name above, for tests and tools.
func EventNames() []string {
	return []string{EventLinkChanged, EventTraceAppend, EventTraceResync, EventTraceAside, EventLabChanged,
		EventConsoleOutput, EventConsoleClosed, EventActionProgress, EventViewsChanged, EventLessonsChanged, EventFaultsChanged}
}
