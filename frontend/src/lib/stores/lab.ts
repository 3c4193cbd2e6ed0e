// The lab's store (servers panel) and the actions' store (actions panel).
// Lab: accounts, mailboxes and the outside-client listeners, the whole
// LabStateDTO on every change (lab:changed), latest wins. Actions: the
// simulated devices and the progress of sends and mail checks, which run on
// the live clock and so may take seconds on a slow link.

import { idle, reduceActivity, type Activity } from './activity';
import { writable, type Readable } from 'svelte/store';
import { actions as actionsApi, lab as labApi, on } from '../backend';
import { Events } from '../events';
import type { ActionProgressDTO, ActionResultDTO, DeviceDTO, DraftDTO, LabStateDTO } from '../types';
import { errorText, runCommand } from './link';
import { formatBytes, formatSeconds } from '../format';

export interface LabView {
  state: LabStateDTO | null;
  loading: boolean;
  pending: boolean;
  error: string | null;
}

export interface LabApi {
  state(): Promise<LabStateDTO>;
  setListening(on: boolean): Promise<LabStateDTO>;
  seed(user: string, n: number): Promise<LabStateDTO>;
}

export interface LabStore extends Readable<LabView> {
  load(): Promise<void>;
  setListening(on: boolean): Promise<void>;
  seed(user: string, n: number): Promise<void>;
  destroy(): void;
}

export function createLabStore(
  api: LabApi = labApi,
  subscribeChanged: (cb: (s: LabStateDTO) => void) => () => void = (cb) => on(Events.LabChanged, cb),
): LabStore {
  const view = writable<LabView>({ state: null, loading: true, pending: false, error: null });
  const off = subscribeChanged((state) => view.update((v) => ({ ...v, state })));

  const command = (run: () => Promise<LabStateDTO>) => runCommand(view, run);

  return {
    subscribe: view.subscribe,
    async load() {
      view.update((v) => ({ ...v, loading: true, error: null }));
      try {
        const state = await api.state();
        // A lab:changed that landed while loading is at least as new.
        view.update((v) => ({ ...v, state: v.state ?? state, loading: false }));
      } catch (e) {
        view.update((v) => ({ ...v, loading: false, error: errorText(e) }));
      }
    },
    setListening: (o) => command(() => api.setListening(o)),
    seed: (user, n) => command(() => api.seed(user, n)),
    destroy: off,
  };
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** The one-line summary of a finished action. */
export function describeResult(action: string, device: string, r: ActionResultDTO): string {
  const head =
    action === 'send'
      ? `Sent ${plural(r.sent || 1, 'message')} from ${device}`
      : `${device} checked mail: ${r.downloaded > 0 ? `${plural(r.downloaded, 'message')} downloaded` : 'nothing new downloaded'}`;
  const parts = [
    `${formatSeconds(r.seconds)} simulated`,
    plural(r.roundTrips, 'round trip'),
    `${formatBytes(r.wireUp)} up · ${formatBytes(r.wireDown)} down`,
  ];
  if (action !== 'send' && r.firstReadable >= 0) parts.push(`first message readable after ${formatSeconds(r.firstReadable)}`);
  return `${head} — ${parts.join(', ')}`;
}

export function describeStart(action: string, device: string): string {
  return action === 'send' ? `Sending a message as ${device}…` : `Checking mail from ${device}…`;
}

/** Go's error chain without the package and device prefixes ("mua: Home PC: …"), offline said plainly. */
export function plainError(err: string, device = ''): string {
  if (/\blink: offline\b/.test(err)) return 'the link is offline — switch it back online in the Link panel';
  let s = err;
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s.replace(/^(app|mua|lab): /, '');
    for (const d of [device, 'Composer']) if (d && s.startsWith(`${d}: `)) s = s.slice(d.length + 2);
  }
  return s;
}

export function describeError(action: string, device: string, err: string): string {
  const what = action === 'send' ? `Could not send the message as ${device}` : `Could not check mail from ${device}`;
  return `${what}: ${plainError(err, device)}`;
}

export interface ActionsView {
  devices: DeviceDTO[];
  /** Actions in flight (this window's and any reported by action:progress). */
  running: number;
  /** The latest progress or result, for action-status. */
  status: string;
  statusKind: 'idle' | 'running' | 'ok' | 'error';
  error: string | null;
}

export interface ActionsApi {
  devices(): Promise<DeviceDTO[]>;
  checkMail(device: string): Promise<ActionResultDTO>;
  sendMail(d: DraftDTO): Promise<ActionResultDTO>;
}

export interface ActionsStore extends Readable<ActionsView> {
  loadDevices(): Promise<void>;
  checkMail(device: string): Promise<boolean>;
  sendMail(d: DraftDTO): Promise<boolean>;
  destroy(): void;
}


export function createActionsStore(
  api: ActionsApi = actionsApi,
  subscribeProgress: (cb: (p: ActionProgressDTO) => void) => () => void = (cb) => on(Events.ActionProgress, cb),
  subscribeLab: (cb: () => void) => () => void = (cb) => on(Events.LabChanged, () => cb()),
): ActionsStore {
  const view = writable<ActionsView>({ devices: [], running: 0, status: '', statusKind: 'idle', error: null });
  let remote: Activity = idle;
  let local = 0;
  const count = () => Math.max(local, remote.running.size);

  async function loadDevices() {
    try {
      const devices = await api.devices();
      view.update((v) => ({ ...v, devices }));
    } catch (e) {
      view.update((v) => ({ ...v, error: errorText(e) }));
    }
  }

  const offProgress = subscribeProgress((p) => {
    remote = reduceActivity(remote, p);
    view.update((v) => ({ ...v, running: count() }));
  });
  // Mail checks change what devices hold; Go announces it with lab:changed.
  const offLab = subscribeLab(() => void loadDevices());

  async function run(action: string, device: string, call: () => Promise<ActionResultDTO>): Promise<boolean> {
    local++;
    view.update((v) => ({ ...v, running: count(), status: describeStart(action, device), statusKind: 'running', error: null }));
    try {
      const r = await call();
      local--;
      view.update((v) => ({ ...v, running: count(), status: describeResult(action, device, r), statusKind: 'ok' }));
      return true;
    } catch (e) {
      local--;
      const msg = describeError(action, device, errorText(e));
      view.update((v) => ({ ...v, running: count(), status: msg, statusKind: 'error' }));
      return false;
    } finally {
      void loadDevices();
    }
  }

  return {
    subscribe: view.subscribe,
    loadDevices,
    checkMail: (device) => run('check', device, () => api.checkMail(device)),
    sendMail: (d) => run('send', d.from, () => api.sendMail(d)),
    destroy() {
      offProgress();
      offLab();
    },
  };
}

let sharedLab: LabStore | null = null;
let sharedActions: ActionsStore | null = null;

/** The app's one lab store, loaded on first use. */
export function labStore(): LabStore {
  if (!sharedLab) {
    sharedLab = createLabStore();
    void sharedLab.load();
  }
  return sharedLab;
}

/** The app's one actions store, its devices loaded on first use. */
export function actionsStore(): ActionsStore {
  if (!sharedActions) {
    sharedActions = createActionsStore();
    void sharedActions.loadDevices();
  }
  return sharedActions;
}
