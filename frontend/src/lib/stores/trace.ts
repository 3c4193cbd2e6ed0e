// The trace store: snapshot first, live batches queued until it lands,
// deduplicated by seq, dropped and reloaded on trace:resync. The reducer is
// pure over the state object; the events live in an append-only columnar
// TraceLog that successive states share (copying 100,000 events per batch
// would defeat the point), so a consumer notices change by `version`, not
// by deep reactivity.

import { writable, type Readable } from 'svelte/store';
import { TraceLog } from '../tracelog';
import type { SessionInfoDTO, TraceEventDTO, TraceSnapshotDTO } from '../types';

export type TracePhase = 'idle' | 'loading' | 'live' | 'failed';

export interface TraceState {
  phase: TracePhase;
  /** Every event, ascending seq, by column. Append-only until the next snapshot replaces it. */
  events: TraceLog;
  /** The highest seq applied. */
  seq: number;
  /** Batches that arrived while the snapshot was loading. */
  pending: TraceEventDTO[][];
  /**
   * Events that arrived ahead of a gap (seq > seq + 1), ascending: batches
   * can overtake each other on their way (the dev server writes each event
   * to its websocket from a goroutine of its own). They are applied once
   * the gap fills, or as they are if too many pile up.
   */
  early: TraceEventDTO[];
  /** Which load a snapshot answers; a snapshot of an older load is stale. */
  epoch: number;
  reveal: boolean;
  /** Sessions by first appearance (snapshot info, then sessions first seen live). */
  sessions: SessionInfoDTO[];
  /** Bumped on every change. */
  version: number;
  error: string | null;
}

export type TraceAction =
  | { type: 'load' }
  | { type: 'snapshot'; epoch: number; snapshot: TraceSnapshotDTO }
  | { type: 'append'; events: TraceEventDTO[] }
  | { type: 'failed'; epoch: number; error: string };

export const initialTraceState: TraceState = {
  phase: 'idle',
  events: new TraceLog(16),
  seq: 0,
  pending: [],
  early: [],
  epoch: 0,
  reveal: false,
  sessions: [],
  version: 0,
  error: null,
};

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}

/** How many events may wait for a gap to fill before they are applied anyway. */
export const EARLY_MAX = 5000;

function push1(events: TraceLog, sessions: SessionInfoDTO[], known: Set<number>, ev: TraceEventDTO) {
  events.push(ev);
  if (!known.has(ev.session)) {
    known.add(ev.session);
    sessions.push({ id: ev.session, protocol: ev.protocol, client: '', server: '', startUs: ev.atUs });
  }
}

/**
 * Appends the batch's events after seq in seq order, holding back those
 * beyond a gap (early); returns the new highest seq and what still waits.
 * Seqs are dense: every event after the snapshot arrives in some batch.
 */
function appendAfter(
  events: TraceLog,
  sessions: SessionInfoDTO[],
  known: Set<number>,
  seq: number,
  early: TraceEventDTO[],
  batch: readonly TraceEventDTO[],
): { seq: number; early: TraceEventDTO[] } {
  const first = batch[0];
  if (early.length === 0 && (first === undefined || first.seq <= seq + 1)) {
    // In order (the usual case): no copying.
    for (const ev of batch) {
      if (ev.seq <= seq) continue; // already in the snapshot or a duplicate batch
      if (ev.seq !== seq + 1) return appendAfter(events, sessions, known, seq, [], batch.slice(batch.indexOf(ev)));
      push1(events, sessions, known, ev);
      seq = ev.seq;
    }
    return { seq, early };
  }
  // Merge what waits with the batch, apply the run that follows seq.
  const all = early.concat(batch.filter((ev) => ev.seq > seq)).sort((a, b) => a.seq - b.seq);
  let k = 0;
  for (; k < all.length; k++) {
    const ev = all[k] as TraceEventDTO;
    if (ev.seq <= seq) continue; // a duplicate
    if (ev.seq !== seq + 1 && all.length - k <= EARLY_MAX) break;
    push1(events, sessions, known, ev);
    seq = ev.seq;
  }
  return { seq, early: all.slice(k) };
}

// The session ids of a state's sessions array, kept beside it so a batch
// does not scan the list. Keyed by the array, so states that share it
// share the set.
const sessionSets = new WeakMap<SessionInfoDTO[], Set<number>>();
function sessionSet(sessions: SessionInfoDTO[]): Set<number> {
  let s = sessionSets.get(sessions);
  if (!s) {
    s = new Set(sessions.map((x) => x.id));
    sessionSets.set(sessions, s);
  }
  return s;
}

export function reduceTrace(state: TraceState, action: TraceAction): TraceState {
  switch (action.type) {
    case 'load':
      return {
        ...state,
        phase: 'loading',
        events: new TraceLog(16),
        seq: 0,
        pending: [],
        early: [],
        epoch: state.epoch + 1,
        sessions: [],
        version: state.version + 1,
        error: null,
      };
    case 'snapshot': {
      if (action.epoch !== state.epoch || state.phase !== 'loading') return state;
      const snap = action.snapshot;
      const events = new TraceLog(snap.events.length + 1024);
      const sessions = (snap.sessions ?? []).slice();
      const known = sessionSet(sessions);
      for (const ev of snap.events) push1(events, sessions, known, ev);
      let seq = Math.max(snap.seq, events.length ? events.seqAt(events.length - 1) : 0);
      let early: TraceEventDTO[] = [];
      for (const batch of state.pending) ({ seq, early } = appendAfter(events, sessions, known, seq, early, batch));
      return {
        ...state,
        phase: 'live',
        events,
        seq,
        pending: [],
        early,
        reveal: snap.reveal,
        sessions,
        version: state.version + 1,
        error: null,
      };
    }
    case 'append': {
      if (action.events.length === 0) return state;
      if (state.phase === 'loading') {
        return { ...state, pending: [...state.pending, action.events] };
      }
      if (state.phase !== 'live') return state;
      const known = sessionSet(state.sessions);
      const before = state.sessions.length;
      const { seq, early } = appendAfter(state.events, state.sessions, known, state.seq, state.early, action.events);
      if (seq === state.seq) return early.length === state.early.length ? state : { ...state, early };
      // A new sessions array when one was added, so session pickers update.
      const sessions = state.sessions.length === before ? state.sessions : state.sessions.slice();
      if (sessions !== state.sessions) sessionSets.set(sessions, known);
      return { ...state, seq, early, sessions, version: state.version + 1 };
    }
    case 'failed':
      if (action.epoch !== state.epoch) return state;
      return { ...state, phase: 'failed', error: action.error, version: state.version + 1 };
    default:
      return assertNever(action);
  }
}

/** What the trace store needs from the backend (backend.ts in the app, fakes in tests). */
export interface TraceSource {
  snapshot(): Promise<TraceSnapshotDTO>;
  onAppend(cb: (events: TraceEventDTO[]) => void): () => void;
  onResync(cb: () => void): () => void;
}

export interface TraceStore extends Readable<TraceState> {
  dispatch(action: TraceAction): void;
  /** Subscribes to live events, then loads the snapshot. Returns the stop function. */
  connect(source: TraceSource): () => void;
  /** Drops everything and reloads the snapshot. */
  resync(): void;
  get(): TraceState;
}

export function createTraceStore(): TraceStore {
  let state = initialTraceState;
  const w = writable(state);
  let source: TraceSource | null = null;

  function dispatch(action: TraceAction) {
    const next = reduceTrace(state, action);
    if (next !== state) {
      state = next;
      w.set(state);
    }
  }

  function load() {
    if (!source) return;
    dispatch({ type: 'load' });
    const epoch = state.epoch;
    source.snapshot().then(
      (snapshot) => dispatch({ type: 'snapshot', epoch, snapshot }),
      (e: unknown) => dispatch({ type: 'failed', epoch, error: e instanceof Error ? e.message : String(e) }),
    );
  }

  return {
    subscribe: w.subscribe,
    dispatch,
    get: () => state,
    resync: load,
    connect(src) {
      source = src;
      // Listen first, so nothing that happens during the snapshot is lost.
      const offAppend = src.onAppend((events) => dispatch({ type: 'append', events }));
      const offResync = src.onResync(load);
      load();
      return () => {
        offAppend();
        offResync();
        source = null;
      };
    },
  };
}

/** The app's one trace store. */
export const traceStore = createTraceStore();
