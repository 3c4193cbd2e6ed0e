// UI preferences: theme (follows the system until the user picks one, then
// remembered), presentation mode (large type), time mode and the help
// overlay. Plain TS; the DOM side effects live in App.svelte.

import { writable } from 'svelte/store';

export type Theme = 'light' | 'dark';
export type TimeMode = 'virtual' | 'wall';

export interface UiState {
  theme: Theme;
  /** True once the user picked a theme; until then the system decides. */
  themeChosen: boolean;
  presentation: boolean;
  timeMode: TimeMode;
  help: boolean;
}

export type UiAction =
  | { type: 'toggle-theme' }
  | { type: 'system-theme'; dark: boolean }
  | { type: 'toggle-presentation' }
  | { type: 'toggle-time-mode' }
  | { type: 'help'; open: boolean };

/** The stored preferences (localStorage keys). */
export const storageKeys = {
  theme: 'mailscope.theme',
  presentation: 'mailscope.presentation',
  timeMode: 'mailscope.timeMode',
} as const;

export function initialUi(stored: (key: string) => string | null, systemDark: boolean): UiState {
  const t = stored(storageKeys.theme);
  const chosen = t === 'light' || t === 'dark';
  return {
    theme: chosen ? (t as Theme) : systemDark ? 'dark' : 'light',
    themeChosen: chosen,
    presentation: stored(storageKeys.presentation) === 'on',
    timeMode: stored(storageKeys.timeMode) === 'wall' ? 'wall' : 'virtual',
    help: false,
  };
}

export function reduceUi(s: UiState, a: UiAction): UiState {
  switch (a.type) {
    case 'toggle-theme':
      return { ...s, theme: s.theme === 'dark' ? 'light' : 'dark', themeChosen: true };
    case 'system-theme':
      return s.themeChosen ? s : { ...s, theme: a.dark ? 'dark' : 'light' };
    case 'toggle-presentation':
      return { ...s, presentation: !s.presentation };
    case 'toggle-time-mode':
      return { ...s, timeMode: s.timeMode === 'virtual' ? 'wall' : 'virtual' };
    case 'help':
      return { ...s, help: a.open };
    default: {
      const never: never = a;
      throw new Error(`unknown ui action ${JSON.stringify(never)}`);
    }
  }
}

/** The entries to persist for a state (only a chosen theme is stored). */
export function persisted(s: UiState): [string, string | null][] {
  return [
    [storageKeys.theme, s.themeChosen ? s.theme : null],
    [storageKeys.presentation, s.presentation ? 'on' : 'off'],
    [storageKeys.timeMode, s.timeMode],
  ];
}

function safeGet(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function systemDark(): boolean {
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
}

function createUiStore() {
  let state = initialUi(safeGet, systemDark());
  const w = writable(state);
  return {
    subscribe: w.subscribe,
    get: () => state,
    dispatch(a: UiAction) {
      const next = reduceUi(state, a);
      if (next === state) return;
      state = next;
      w.set(state);
      try {
        for (const [k, v] of persisted(state)) {
          if (v === null) globalThis.localStorage?.removeItem(k);
          else globalThis.localStorage?.setItem(k, v);
        }
      } catch {
        // Storage can be unavailable (private mode); preferences then last the session.
      }
    },
  };
}

export const ui = createUiStore();
