// The lab's remembered layout (panel widths per type size, collapsed
// panels, the side panel's tab), kept in localStorage. The arithmetic is
// lib/layout.ts; this is the small store around it.

import { writable, type Readable } from 'svelte/store';
import { parseLayout, reduceLayout, type LayoutAction, type LayoutPrefs } from '../layout';

export const LAYOUT_KEY = 'mailscope.layout';

function stored(): string | null {
  try {
    return globalThis.localStorage?.getItem(LAYOUT_KEY) ?? null;
  } catch {
    return null;
  }
}

export interface LayoutStore extends Readable<LayoutPrefs> {
  dispatch(a: LayoutAction): void;
  get(): LayoutPrefs;
}

function createLayoutStore(): LayoutStore {
  let state = parseLayout(stored());
  const w = writable(state);
  return {
    subscribe: w.subscribe,
    get: () => state,
    dispatch(a) {
      const next = reduceLayout(state, a);
      if (next === state) return;
      state = next;
      w.set(state);
      try {
        globalThis.localStorage?.setItem(LAYOUT_KEY, JSON.stringify(state));
      } catch {
        // No storage (private mode): the layout lasts the session.
      }
    },
  };
}

export const layout = createLayoutStore();
