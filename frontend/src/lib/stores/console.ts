// The console's store: one raw client connection at a time to smtp, pop3
// or imap, the transcript (what the user sent, what the server answered,
// and notes such as "connected" or why it closed), and the history of sent
// lines. Go sends the server's lines with console:output and the end of the
// connection with console:closed, each tagged with the console's id.

import { writable, type Readable } from 'svelte/store';
import { consoles as consolesApi, on } from '../backend';
import { History } from '../console';
import { Events } from '../events';
import type { ConsoleDTO, ConsoleOutputDTO } from '../types';
import { errorText } from './link';

export type ConsoleService = 'smtp' | 'pop3' | 'imap';
export const CONSOLE_SERVICES: readonly ConsoleService[] = ['smtp', 'pop3', 'imap'];

export type LineKind = 'client' | 'server' | 'note' | 'error';

export interface ConsoleLine {
  /** Unique within the store, for keyed lists. */
  n: number;
  kind: LineKind;
  text: string;
}

export type ConsoleStatus = 'idle' | 'connecting' | 'open' | 'closed';

export interface ConsoleView {
  service: ConsoleService;
  status: ConsoleStatus;
  conn: ConsoleDTO | null;
  lines: ConsoleLine[];
  /** A line someone (a lesson) put in the input box for the user to send; taken by the panel. */
  draft: string;
  /** The lines still to come after it: each send drafts the next. */
  queue: string[];
}

export interface ConsoleApi {
  open(service: string): Promise<ConsoleDTO>;
  send(id: number, line: string): Promise<void>;
  close(id: number): Promise<void>;
}

export interface ConsoleStore extends Readable<ConsoleView> {
  readonly history: History;
  setService(s: ConsoleService): void;
  connect(): Promise<void>;
  send(line: string): Promise<void>;
  disconnect(): Promise<void>;
  clear(): void;
  /**
   * Puts the first of lines in the input box (and picks the service, when
   * not connected): a lesson's "type this". Each line sent then drafts the
   * next, so the learner types Enter line by line and reads each reply.
   */
  prefill(service: ConsoleService, lines: string | readonly string[]): void;
  /** The panel took the draft into its input box. */
  takeDraft(): string;
  destroy(): void;
}

/** The transcript keeps this many lines; older ones scroll away. */
export const MAX_LINES = 2000;

/** Pure: appends lines to a transcript, keeping the newest MAX_LINES. */
export function appendLines(lines: ConsoleLine[], add: ConsoleLine[], max = MAX_LINES): ConsoleLine[] {
  const all = lines.concat(add);
  return all.length > max ? all.slice(all.length - max) : all;
}

export function createConsoleStore(
  api: ConsoleApi = consolesApi,
  subscribe: {
    output: (cb: (p: ConsoleOutputDTO) => void) => () => void;
    closed: (cb: (p: ConsoleOutputDTO) => void) => () => void;
  } = {
    output: (cb) => on(Events.ConsoleOutput, cb),
    closed: (cb) => on(Events.ConsoleClosed, cb),
  },
): ConsoleStore {
  const view = writable<ConsoleView>({ service: 'pop3', status: 'idle', conn: null, lines: [], draft: '', queue: [] });
  const history = new History(200);
  let n = 0;
  let current: ConsoleView = { service: 'pop3', status: 'idle', conn: null, lines: [], draft: '', queue: [] };
  view.subscribe((v) => (current = v));

  // Lines can arrive before Open's answer does (the greeting races it):
  // hold events for unknown ids while connecting and replay ours after.
  let early: { closed: boolean; p: ConsoleOutputDTO }[] = [];

  const mk = (kind: LineKind, text: string): ConsoleLine => ({ n: ++n, kind, text });
  const add = (...ls: ConsoleLine[]) => view.update((v) => ({ ...v, lines: appendLines(v.lines, ls) }));

  function handle(closed: boolean, p: ConsoleOutputDTO) {
    const v = current;
    if (v.status === 'connecting') {
      early.push({ closed, p });
      return;
    }
    if (!v.conn || v.conn.id !== p.id) return;
    if (!closed) {
      add(...p.lines.map((l) => mk('server', l)));
      return;
    }
    if (v.status === 'closed') return; // we hung up ourselves and said so
    const reason = p.lines[0] ?? 'connection closed';
    view.update((x) => ({ ...x, status: 'closed', lines: appendLines(x.lines, [mk('note', `— ${reason}`)]) }));
  }

  const offOut = subscribe.output((p) => handle(false, p));
  const offClosed = subscribe.closed((p) => handle(true, p));

  return {
    subscribe: view.subscribe,
    history,
    setService(service) {
      if (current.status === 'open' || current.status === 'connecting') return;
      view.update((v) => ({ ...v, service }));
    },
    async connect() {
      if (current.status === 'connecting' || current.status === 'open') return;
      const service = current.service;
      early = [];
      view.update((v) => ({ ...v, status: 'connecting', conn: null }));
      add(mk('note', `Connecting to ${service.toUpperCase()}…`));
      try {
        const conn = await api.open(service);
        view.update((v) => ({ ...v, status: 'open', conn }));
        add(mk('note', `Connected to ${conn.addr} (trace session #${conn.session})`));
        const held = early;
        early = [];
        for (const e of held) handle(e.closed, e.p);
      } catch (e) {
        early = [];
        view.update((v) => ({ ...v, status: 'idle', conn: null }));
        add(mk('error', `Could not connect: ${errorText(e)}`));
      }
    },
    async send(line) {
      const v = current;
      if (v.status !== 'open' || !v.conn) return;
      history.push(line);
      add(mk('client', line));
      if (v.queue.length) view.update((x) => ({ ...x, draft: x.queue[0] ?? '', queue: x.queue.slice(1) }));
      try {
        await api.send(v.conn.id, line);
      } catch (e) {
        add(mk('error', errorText(e)));
      }
    },
    async disconnect() {
      const v = current;
      if (!v.conn || v.status !== 'open') return;
      view.update((x) => ({ ...x, status: 'closed' }));
      add(mk('note', '— disconnected'));
      try {
        await api.close(v.conn.id);
      } catch (e) {
        add(mk('error', errorText(e)));
      }
    },
    clear() {
      view.update((v) => ({ ...v, lines: [] }));
    },
    prefill(service, lines) {
      const all = typeof lines === 'string' ? [lines] : [...lines];
      const keep = current.status === 'open' || current.status === 'connecting';
      view.update((v) => ({ ...v, service: keep ? v.service : service, draft: all[0] ?? '', queue: all.slice(1) }));
    },
    takeDraft() {
      const d = current.draft;
      if (d) view.update((v) => ({ ...v, draft: '' }));
      return d;
    },
    destroy() {
      offOut();
      offClosed();
    },
  };
}

let shared: ConsoleStore | null = null;

/** The app's one console store; it outlives the panel so switching tabs keeps the session. */
export function consoleStore(): ConsoleStore {
  shared ??= createConsoleStore();
  return shared;
}
