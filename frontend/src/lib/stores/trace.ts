// The trace store: snapshot first, live batches queued until it lands,
// deduplicated by seq, dropped and reloaded on trace:resync. The reducer is
// pure over the state object; the events live in an append-only columnar
// TraceLog that successive states share (copying 100,000 events per batch
// would defeat the point), so a consumer notices change by `version`, not
// by deep reactivity. Batches and the snapshot arrive by column
// (TraceBatchDTO) and are copied into the log without an object per event.

import { writable, type Readable } from 'svelte/store';
import { TraceLog } from '../tracelog';
import type {
  SessionInfoDTO,
  TraceAsideDTO,
  TraceAsideEventDTO,
  TraceBatchDTO,
  TraceSnapshotDTO,
  TraceViewingDTO,
} from '../types';

export type TracePhase = 'idle' | 'loading' | 'live' | 'failed';

/** An event held back until the gap before it fills: its seq and where it is in its batch. */
export interface EarlyEvent {
  seq: number;
  batch: TraceBatchDTO;
  i: number;
}

export interface TraceState {
  phase: TracePhase;
  /** Every event, ascending seq, by column. Append-only until the next snapshot replaces it. */
  events: TraceLog;
  /** The highest seq applied. */
  seq: number;
  /** Batches that arrived while the snapshot was loading. */
  pending: TraceBatchDTO[];
  /**
   * Events that arrived ahead of a gap (seq > seq + 1), ascending: batches
   * can overtake each other on their way (the dev server writes each event
   * to its websocket from a goroutine of its own). They are applied once
   * the gap fills, or as they are if too many pile up.
   */
  early: EarlyEvent[];
  /** Which load a snapshot answers; a snapshot of an older load is stale. */
  epoch: number;
  reveal: boolean;
  /** Sessions by first appearance (snapshot info, then sessions first seen live). */
  sessions: SessionInfoDTO[];
  /** What the recorder set aside to stay within its memory budget (null: nothing). */
  aside: TraceAsideDTO | null;
  /** Sessions set aside while the snapshot was loading: dropped once it lands. */
  pendingDrop: number[];
  /** A saved trace in view, read-only: live batches are ignored until the next snapshot. */
  viewing: TraceViewingDTO | null;
  /** Bumped on every change. */
  version: number;
  error: string | null;
}

export type TraceAction =
  | { type: 'load' }
  | { type: 'snapshot'; epoch: number; snapshot: TraceSnapshotDTO }
  | { type: 'append'; batch: TraceBatchDTO }
  /** The recorder set these sessions aside (trace:aside): drop their events. */
  | { type: 'aside'; sessions: number[]; aside: TraceAsideDTO | null }
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
  aside: null,
  pendingDrop: [],
  viewing: null,
  version: 0,
  error: null,
};

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}

/** How many events may wait for a gap to fill before they are applied anyway. */
export const EARLY_MAX = 5000;

/** Appends events from..to-1 of a batch and learns the sessions first seen among them. */
function appendRange(
  events: TraceLog,
  sessions: SessionInfoDTO[],
  known: Set<number>,
  b: TraceBatchDTO,
  from: number,
  to: number,
) {
  const at = events.length;
  events.appendColumns(b, from, to);
  for (let i = at; i < events.length; i++) {
    const id = events.sessionAt(i);
    if (!known.has(id)) {
      known.add(id);
      sessions.push({ id, protocol: events.protocolAt(i), client: '', server: '', startUs: events.atUs[i] as number });
    }
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
  early: EarlyEvent[],
  b: TraceBatchDTO,
): { seq: number; early: EarlyEvent[] } {
  const n = b.n;
  let k = 0;
  if (early.length === 0) {
    // In order (the usual case): one run copied straight from the columns.
    while (k < n && (b.seq[k] as number) <= seq) k++; // already in the snapshot or a duplicate batch
    const from = k;
    while (k < n && b.seq[k] === seq + 1) {
      seq++;
      k++;
    }
    appendRange(events, sessions, known, b, from, k);
    if (k === n) return { seq, early };
  }
  // Merge what waits with the rest of the batch, apply the run that follows seq.
  const all = early.slice();
  for (; k < n; k++) {
    const s = b.seq[k] as number;
    if (s > seq) all.push({ seq: s, batch: b, i: k });
  }
  all.sort((x, y) => x.seq - y.seq);
  let j = 0;
  for (; j < all.length; j++) {
    const e = all[j] as EarlyEvent;
    if (e.seq <= seq) continue; // a duplicate
    if (e.seq !== seq + 1 && all.length - j <= EARLY_MAX) break;
    appendRange(events, sessions, known, e.batch, e.i, e.i + 1);
    seq = e.seq;
  }
  return { seq, early: all.slice(j) };
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
        pendingDrop: [],
        epoch: state.epoch + 1,
        sessions: [],
        version: state.version + 1,
        error: null,
      };
    case 'snapshot': {
      if (action.epoch !== state.epoch || state.phase !== 'loading') return state;
      const snap = action.snapshot;
      const n = snap.events?.n ?? 0;
      const events = new TraceLog(n + 1024);
      const sessions = (snap.sessions ?? []).slice();
      const known = sessionSet(sessions);
      if (n > 0) appendRange(events, sessions, known, snap.events, 0, n);
      let seq = Math.max(snap.seq, events.length ? events.seqAt(events.length - 1) : 0);
      let early: EarlyEvent[] = [];
      // A saved trace in view does not grow: what the live lab sends meanwhile waits for the way back.
      if (!snap.viewing) for (const batch of state.pending) ({ seq, early } = appendAfter(events, sessions, known, seq, early, batch));
      const drop = new Set(state.pendingDrop);
      return {
        ...state,
        phase: 'live',
        events: drop.size ? events.without(drop) : events,
        pendingDrop: [],
        seq,
        pending: [],
        early,
        reveal: snap.reveal,
        sessions,
        aside: snap.aside ?? null,
        viewing: snap.viewing ?? null,
        version: state.version + 1,
        error: null,
      };
    }
    case 'append': {
      if (!(action.batch?.n > 0)) return state;
      if (state.phase === 'loading') {
        return { ...state, pending: [...state.pending, action.batch] };
      }
      if (state.phase !== 'live' || state.viewing) return state;
      const known = sessionSet(state.sessions);
      const before = state.sessions.length;
      const { seq, early } = appendAfter(state.events, state.sessions, known, state.seq, state.early, action.batch);
      if (seq === state.seq) return early.length === state.early.length ? state : { ...state, early };
      // A new sessions array when one was added, so session pickers update.
      const sessions = state.sessions.length === before ? state.sessions : state.sessions.slice();
      if (sessions !== state.sessions) sessionSets.set(sessions, known);
      return { ...state, seq, early, sessions, version: state.version + 1 };
    }
    case 'aside': {
      if (state.viewing) return { ...state, pendingDrop: [...state.pendingDrop, ...action.sessions] };
      if (state.phase === 'loading') {
        return { ...state, aside: action.aside, pendingDrop: [...state.pendingDrop, ...action.sessions] };
      }
      if (state.phase !== 'live') return state;
      const drop = new Set(action.sessions);
      const events = drop.size ? state.events.without(drop) : state.events;
      const early = state.early.filter((e) => !drop.has(e.batch.session[e.i] as number));
      return { ...state, events, early, aside: action.aside, version: state.version + 1 };
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
  onAppend(cb: (batch: TraceBatchDTO) => void): () => void;
  onResync(cb: () => void): () => void;
  /** Sessions the recorder set aside (trace:aside); absent: a resync does it. */
  onAside?(cb: (a: TraceAsideEventDTO) => void): () => void;
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
      const offAppend = src.onAppend((batch) => dispatch({ type: 'append', batch }));
      const offResync = src.onResync(load);
      const offAside = src.onAside?.((a) => dispatch({ type: 'aside', sessions: a.sessions ?? [], aside: a.aside ?? null })) ?? (() => {});
      load();
      return () => {
        offAppend();
        offResync();
        offAside();
        source = null;
      };
    },
  };
}

/** The app's one trace store. */
export const traceStore = createTraceStore();
