// Long operations in flight (action:progress), for the top progress bar.

import type { ActionProgressDTO } from '../types';

export interface Activity {
  /** Ids of running actions. */
  running: ReadonlySet<number>;
  /** Ids of recently finished actions (the newest FINISHED_KEPT). */
  finished: ReadonlySet<number>;
  /** The latest progress, for a status line. */
  last: ActionProgressDTO | null;
}

export const idle: Activity = { running: new Set(), finished: new Set(), last: null };

/** How many finished ids are remembered to recognise late "running" events. */
export const FINISHED_KEPT = 256;

/**
 * Folds one action:progress event in. Events may arrive out of order (the
 * dev server's websocket delivers each from its own goroutine): a
 * "running" for an action already seen finished is stale and ignored, or
 * the busy state would never clear.
 */
export function reduceActivity(s: Activity, p: ActionProgressDTO): Activity {
  if (p.state === 'running') {
    if (s.finished.has(p.id)) return s;
    const running = new Set(s.running);
    running.add(p.id);
    return { ...s, running, last: p };
  }
  const running = new Set(s.running);
  running.delete(p.id);
  const finished = new Set(s.finished);
  finished.add(p.id);
  if (finished.size > FINISHED_KEPT) finished.delete(finished.values().next().value as number);
  return { running, finished, last: p };
}

const DOING: Record<string, string> = {
  open: 'Opening a message',
  reply: 'Replying',
  compose: 'Sending a new message',
  'mark-read': 'Marking a message',
  flag: 'Flagging a message',
  delete: 'Deleting a message',
  move: 'Moving a message',
  'create-folder': 'Creating a folder',
  search: 'Searching',
  offline: 'Going offline',
  online: 'Going online',
};

/** A short sentence for the latest progress: Go's outcome once it is done. */
export function describeProgress(p: ActionProgressDTO): string {
  const on = p.device ? ` on ${p.device}` : '';
  const what =
    p.action === 'send' ? 'Sending mail' : p.action === 'check' ? `Checking mail on ${p.device || 'device'}` : `${DOING[p.action] ?? p.action}${on}`;
  switch (p.state) {
    case 'running':
      return `${what}…`;
    case 'done':
      return p.outcome ? `${p.device ? `${p.device}: ` : ''}${p.outcome}` : `${what}: done`;
    case 'error':
      return `${what} failed${p.error ? `: ${p.error}` : ''}`;
  }
  return what;
}
