// Event names, `domain:verb`, mirroring app/events.go one for one
// (app/events_test.go checks that the two lists agree).

import type {
  ActionProgressDTO,
  ConsoleOutputDTO,
  FaultDTO,
  LabStateDTO,
  LessonChangedDTO,
  LinkStateDTO,
  TraceAsideEventDTO,
  TraceBatchDTO,
  ViewsBatchDTO,
} from './types';

export const Events = {
  /** The link profile, offline state or live speed changed. */
  LinkChanged: 'link:changed',
  /** A batch of trace events to append (≤ 500, every ~50 ms). */
  TraceAppend: 'trace:append',
  /** The UI fell behind (or reveal changed): drop the trace and reload a snapshot. */
  TraceResync: 'trace:resync',
  /** The recorder set older sessions aside: drop their events (no reload). */
  TraceAside: 'trace:aside',
  /** Accounts, mailboxes or listeners changed. */
  LabChanged: 'lab:changed',
  /** Lines a console's server sent. */
  ConsoleOutput: 'console:output',
  /** A console's connection ended; the one line is the reason. */
  ConsoleClosed: 'console:closed',
  /** An action (send, check mail) started, finished or failed. */
  ActionProgress: 'action:progress',
  /** Changes to where the mail lives (the server's mailboxes), batched. */
  ViewsChanged: 'views:changed',
  /** A lesson's run was reset: the trace shows the run from traceFrom on. */
  LessonsChanged: 'lessons:changed',
  /** A fault was armed, disarmed, consumed or fired: the whole list. */
  FaultsChanged: 'faults:changed',
} as const;

export type EventName = (typeof Events)[keyof typeof Events];

/** What each event carries. */
export interface EventPayloads {
  'link:changed': LinkStateDTO;
  'trace:append': TraceBatchDTO;
  'trace:resync': null;
  'trace:aside': TraceAsideEventDTO;
  'lab:changed': LabStateDTO;
  'console:output': ConsoleOutputDTO;
  'console:closed': ConsoleOutputDTO;
  'action:progress': ActionProgressDTO;
  'views:changed': ViewsBatchDTO;
  'lessons:changed': LessonChangedDTO;
  'faults:changed': FaultDTO[];
}
