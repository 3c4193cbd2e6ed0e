// The trace view's state: filter, selection, expanded bulk rows and
// follow-tail. Pure reducer plus a small store; the list itself derives
// from this and the trace store (see filter.ts updateView).

import { writable } from 'svelte/store';
import { defaultFilter, type MailProtocol, type StatusFilter, type TraceFilter } from '../filter';
import type { TraceLog } from '../tracelog';
import type { Dir } from '../types';
import { binarySearch } from '../virtual';
import { assertNever } from './trace';

export interface ViewState {
  filter: TraceFilter;
  /** The selected event's seq. */
  selected: number | null;
  /** Seqs of expanded bulk payloads. */
  expanded: ReadonlySet<number>;
  /** Keep the newest line in view. */
  follow: boolean;
}

export type ViewAction =
  | { type: 'text'; text: string }
  | { type: 'toggle-protocol'; protocol: MailProtocol }
  | { type: 'toggle-dir'; dir: Dir }
  | { type: 'status'; status: StatusFilter }
  | { type: 'session'; session: number | null }
  | { type: 'clear-filters' }
  | { type: 'select'; seq: number | null }
  | { type: 'toggle-expand'; seq: number }
  | { type: 'follow'; on: boolean }
  | { type: 'reset' };

export const initialView: ViewState = {
  filter: defaultFilter,
  selected: null,
  expanded: new Set(),
  follow: true,
};

function withFilter(s: ViewState, filter: TraceFilter): ViewState {
  return { ...s, filter };
}

export function reduceView(s: ViewState, a: ViewAction): ViewState {
  switch (a.type) {
    case 'text':
      return a.text === s.filter.text ? s : withFilter(s, { ...s.filter, text: a.text });
    case 'toggle-protocol':
      return withFilter(s, {
        ...s.filter,
        protocols: { ...s.filter.protocols, [a.protocol]: !s.filter.protocols[a.protocol] },
      });
    case 'toggle-dir':
      return withFilter(s, { ...s.filter, dirs: { ...s.filter.dirs, [a.dir]: !s.filter.dirs[a.dir] } });
    case 'status':
      return withFilter(s, { ...s.filter, status: a.status });
    case 'session':
      return withFilter(s, { ...s.filter, session: a.session });
    case 'clear-filters':
      return withFilter(s, defaultFilter);
    case 'select':
      return a.seq === s.selected ? s : { ...s, selected: a.seq };
    case 'toggle-expand': {
      const expanded = new Set(s.expanded);
      if (!expanded.delete(a.seq)) expanded.add(a.seq);
      return { ...s, expanded };
    }
    case 'follow':
      return a.on === s.follow ? s : { ...s, follow: a.on };
    case 'reset':
      // A resync replaces the trace; expansions refer to rows that may be gone.
      return s.expanded.size ? { ...s, expanded: new Set() } : s;
    default:
      return assertNever(a);
  }
}

/** The index in events (ascending seq) of the event with seq, or -1. */
export function indexOfSeq(events: TraceLog, seq: number): number {
  return events.indexOfSeq(seq);
}

/**
 * The seq to select after moving delta rows from the selection within the
 * filtered indices. With nothing selected (or the selection filtered out),
 * moving down picks the first row and up the last.
 */
export function moveSelection(
  events: TraceLog,
  indices: readonly number[],
  selected: number | null,
  delta: number,
): number | null {
  if (indices.length === 0) return null;
  let pos = -1;
  if (selected !== null) {
    const i = indexOfSeq(events, selected);
    if (i >= 0) pos = binarySearch(indices, i);
  }
  let next: number;
  if (pos < 0) next = delta >= 0 ? 0 : indices.length - 1;
  else next = Math.min(indices.length - 1, Math.max(0, pos + delta));
  return events.seqAt(indices[next] as number);
}

function createViewStore() {
  let state = initialView;
  const w = writable(state);
  return {
    subscribe: w.subscribe,
    get: () => state,
    dispatch(a: ViewAction) {
      const next = reduceView(state, a);
      if (next !== state) {
        state = next;
        w.set(state);
      }
    },
  };
}

export const view = createViewStore();
