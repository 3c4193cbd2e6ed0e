// Selecting together: a message picked in the mailbox views lights up the
// trace lines that concern it (ViewsService.Touching), and a trace line
// picked in the trace or the ladder lights up the messages it concerns
// (ViewsService.Related). Each pick numbers its request; an answer to an
// older pick is dropped, so a quick second click wins.

import { writable, type Readable } from 'svelte/store';
import { views as viewsApi } from '../backend';
import type { MessageRefDTO } from '../types';
import { refKey } from './views';
import { assertNever } from './trace';

export type LinkSource = { kind: 'message'; ref: MessageRefDTO } | { kind: 'line'; seq: number } | null;

export interface LinkedState {
  source: LinkSource;
  /** Trace seqs to light up. */
  lines: ReadonlySet<number>;
  /** The first and last of them, ascending: where to scroll the trace. */
  first: number | null;
  /** Messages to light up, by refKey. */
  messages: ReadonlySet<string>;
  refs: readonly MessageRefDTO[];
  /** The pick being answered. */
  req: number;
  loading: boolean;
  error: string | null;
}

export type LinkedAction =
  | { type: 'pick-message'; ref: MessageRefDTO }
  | { type: 'pick-line'; seq: number }
  | { type: 'lines'; req: number; seqs: readonly number[] }
  | { type: 'messages'; req: number; refs: readonly MessageRefDTO[] }
  | { type: 'failed'; req: number; error: string }
  | { type: 'clear' };

export const initialLinked: LinkedState = {
  source: null,
  lines: new Set(),
  first: null,
  messages: new Set(),
  refs: [],
  req: 0,
  loading: false,
  error: null,
};

const sameRef = (a: MessageRefDTO, b: MessageRefDTO) => refKey(a) === refKey(b);

export function reduceLinked(s: LinkedState, a: LinkedAction): LinkedState {
  switch (a.type) {
    case 'pick-message':
      if (s.source?.kind === 'message' && sameRef(s.source.ref, a.ref)) return s;
      return {
        ...initialLinked,
        source: { kind: 'message', ref: a.ref },
        messages: new Set([refKey(a.ref)]),
        refs: [a.ref],
        req: s.req + 1,
        loading: true,
      };
    case 'pick-line':
      if (s.source?.kind === 'line' && s.source.seq === a.seq) return s;
      return { ...initialLinked, source: { kind: 'line', seq: a.seq }, req: s.req + 1, loading: true };
    case 'lines': {
      if (a.req !== s.req || s.source?.kind !== 'message') return s;
      const sorted = [...a.seqs].sort((x, y) => x - y);
      return { ...s, lines: new Set(sorted), first: sorted[0] ?? null, loading: false };
    }
    case 'messages':
      if (a.req !== s.req || s.source?.kind !== 'line') return s;
      return { ...s, messages: new Set(a.refs.map(refKey)), refs: a.refs.slice(), loading: false };
    case 'failed':
      return a.req !== s.req ? s : { ...s, loading: false, error: a.error };
    case 'clear':
      return s.source === null ? s : { ...initialLinked, req: s.req + 1 };
    default:
      return assertNever(a);
  }
}

export interface LinkedApi {
  touching(ref: MessageRefDTO): Promise<number[]>;
  related(seq: number): Promise<MessageRefDTO[]>;
}

export interface LinkedStore extends Readable<LinkedState> {
  pickMessage(ref: MessageRefDTO): void;
  pickLine(seq: number): void;
  clear(): void;
  get(): LinkedState;
}

export function createLinkedStore(api: LinkedApi): LinkedStore {
  let state = initialLinked;
  const w = writable(state);
  const dispatch = (a: LinkedAction) => {
    const next = reduceLinked(state, a);
    if (next !== state) {
      state = next;
      w.set(state);
    }
  };
  const fail = (req: number) => (e: unknown) => dispatch({ type: 'failed', req, error: e instanceof Error ? e.message : String(e) });
  return {
    subscribe: w.subscribe,
    get: () => state,
    pickMessage(ref) {
      const before = state.req;
      dispatch({ type: 'pick-message', ref });
      const req = state.req;
      if (req === before) return;
      api.touching(ref).then((seqs) => dispatch({ type: 'lines', req, seqs }), fail(req));
    },
    pickLine(seq) {
      const before = state.req;
      dispatch({ type: 'pick-line', seq });
      const req = state.req;
      if (req === before) return;
      api.related(seq).then((refs) => dispatch({ type: 'messages', req, refs }), fail(req));
    },
    clear: () => dispatch({ type: 'clear' }),
  };
}

/** The app's one selection link, over ViewsService. */
export const linked = createLinkedStore({ touching: (r) => viewsApi.touching(r), related: (s) => viewsApi.related(s) });
