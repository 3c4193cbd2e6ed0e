// Long operations in flight (action:progress), for the top progress bar.

import type { ActionProgressDTO } from '../types';

export interface Activity {
  /** Ids of running actions. */
  running: ReadonlySet<number>;
  /** The latest progress, for a status line. */
  last: ActionProgressDTO | null;
}

export const idle: Activity = { running: new Set(), last: null };

export function reduceActivity(s: Activity, p: ActionProgressDTO): Activity {
  const running = new Set(s.running);
  switch (p.state) {
    case 'running':
      running.add(p.id);
      break;
    case 'done':
    case 'error':
      running.delete(p.id);
      break;
  }
  return { running, last: p };
}

/** A short sentence for the latest progress. */
export function describeProgress(p: ActionProgressDTO): string {
  const what = p.action === 'send' ? 'Sending mail' : p.action === 'check' ? `Checking mail on ${p.device || 'device'}` : p.action;
  switch (p.state) {
    case 'running':
      return `${what}…`;
    case 'done':
      return `${what}: done`;
    case 'error':
      return `${what} failed${p.error ? `: ${p.error}` : ''}`;
  }
  return what;
}
