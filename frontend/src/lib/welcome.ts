// The first-run welcome: shown until the learner has answered it once,
// then only when asked (Help → "Welcome and tour…"). "Welcomed" is kept in
// the saved progress in Go (LessonsService), beside the lessons' progress,
// and mirrored in localStorage: the mirror answers at once on start-up (no
// flash of the dialog while Go answers) and keeps the app working on a Go
// side without LessonsService.

import type { ProgressDTO } from './types';

export const WELCOMED_KEY = 'mailscope.welcomed';

/** The id of lesson 1, which the welcome offers. */
export const FIRST_LESSON = 'journey';

/** The saved progress in Go, or null when the binary has no LessonsService. */
export interface ProgressApi {
  get(): Promise<ProgressDTO>;
  save(p: ProgressDTO): Promise<void>;
}

export interface KeyValue {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

/** True when the welcome was answered before, here or in Go's progress. */
export async function isWelcomed(api: ProgressApi | null, store: KeyValue): Promise<boolean> {
  if (store.get(WELCOMED_KEY) === '1') return true;
  if (!api) return false;
  try {
    const p = await api.get();
    if (p?.welcomed) {
      store.set(WELCOMED_KEY, '1');
      return true;
    }
  } catch {
    // Go could not read the progress: show the welcome; answering it saves.
  }
  return false;
}

/**
 * Records that the welcome was answered, in both places. Go's progress is
 * read, changed and written whole, so the lessons' progress stays as it
 * was. Never throws: the mirror alone keeps the welcome from coming back.
 */
export async function markWelcomed(api: ProgressApi | null, store: KeyValue): Promise<void> {
  store.set(WELCOMED_KEY, '1');
  if (!api) return;
  try {
    const p = await api.get();
    if (p?.welcomed) return;
    await api.save({ ...p, welcomed: true, lessons: p?.lessons ?? {} });
  } catch {
    // The mirror has it.
  }
}

/** localStorage, or a no-op where storage is unavailable (private mode). */
export const localKeyValue: KeyValue = {
  get(key) {
    try {
      return globalThis.localStorage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      globalThis.localStorage?.setItem(key, value);
    } catch {
      // Storage unavailable: the welcome may come back next time.
    }
  },
};
