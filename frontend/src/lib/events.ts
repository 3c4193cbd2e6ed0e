// Event names, `domain:verb`, mirroring app/events.go one for one
// (app/events_test.go checks that the two lists agree).

import type { PresetDTO } from './types';

export const Events = {
  /** The current link profile changed; payload: the new PresetDTO. */
  LinkChanged: 'link:changed',
  /** A batch of trace events to append (payload defined with the trace view). */
  TraceAppend: 'trace:append',
  /** The UI fell behind: drop the trace and reload it from a snapshot. */
  TraceResync: 'trace:resync',
} as const;

export type EventName = (typeof Events)[keyof typeof Events];

/** What each event carries. */
export interface EventPayloads {
  'link:changed': PresetDTO;
  'trace:append': unknown[];
  'trace:resync': null;
}
