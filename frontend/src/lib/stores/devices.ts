// What the device views do: every action a mail client offers (check mail,
// read, reply, compose, mark read, flag, delete, move, create a folder,
// search, work offline), adding and removing devices, one action at a time
// per device. What a device holds comes from the views store, not from
// here: an action's effect arrives as views:changed like any other change.
// This keeps what each device is doing and the sentence Go said about its
// last action (ActionResultDTO.outcome).

import { writable, type Readable } from 'svelte/store';
import { actions as actionsApi } from '../backend';
import { formatBytes, formatSeconds } from '../format';
import type { ActionResultDTO, DeviceAction, DeviceDTO, DeviceSpecDTO, DraftDTO, MessageReadDTO, SearchResultDTO } from '../types';
import { plainError } from './lab';
import { errorText } from './link';

export type StatusKind = 'running' | 'ok' | 'error';

export interface DeviceStatus {
  action: DeviceAction;
  kind: StatusKind;
  text: string;
}

/** A search's answer, kept until cleared: the device's list shows only these. */
export interface DeviceSearch {
  folder: string;
  text: string;
  ids: ReadonlySet<number>;
  onServer: boolean;
  serverMatches: number;
}

export interface DevicesState {
  /** The action each device is running. */
  busy: Readonly<Record<string, DeviceAction>>;
  /** The last word on each device's last action. */
  status: Readonly<Record<string, DeviceStatus>>;
  search: Readonly<Record<string, DeviceSearch>>;
}

export type DevicesAction =
  | { type: 'start'; device: string; action: DeviceAction; text: string }
  | { type: 'done'; device: string; action: DeviceAction; text: string }
  | { type: 'failed'; device: string; action: DeviceAction; text: string }
  | { type: 'search'; device: string; search: DeviceSearch | null }
  | { type: 'forget'; device: string };

export const initialDevices: DevicesState = { busy: {}, status: {}, search: {} };

function without<T>(r: Readonly<Record<string, T>>, k: string): Record<string, T> {
  const o = { ...r };
  delete o[k];
  return o;
}

export function reduceDevices(s: DevicesState, a: DevicesAction): DevicesState {
  switch (a.type) {
    case 'start':
      return { ...s, busy: { ...s.busy, [a.device]: a.action }, status: { ...s.status, [a.device]: { action: a.action, kind: 'running', text: a.text } } };
    case 'done':
    case 'failed':
      return {
        ...s,
        busy: without(s.busy, a.device),
        status: { ...s.status, [a.device]: { action: a.action, kind: a.type === 'done' ? 'ok' : 'error', text: a.text } },
      };
    case 'search':
      return { ...s, search: a.search ? { ...s.search, [a.device]: a.search } : without(s.search, a.device) };
    case 'forget':
      return { busy: without(s.busy, a.device), status: without(s.status, a.device), search: without(s.search, a.device) };
    default: {
      const never: never = a;
      throw new Error(`unknown devices action ${JSON.stringify(never)}`);
    }
  }
}

const STARTING: Record<DeviceAction, string> = {
  send: 'Sending…',
  check: 'Checking mail…',
  open: 'Opening the message…',
  reply: 'Sending the reply…',
  compose: 'Sending the message…',
  'mark-read': 'Marking…',
  flag: 'Flagging…',
  delete: 'Deleting…',
  move: 'Moving…',
  'create-folder': 'Creating the folder…',
  search: 'Searching…',
  offline: 'Going offline…',
  online: 'Going online…',
};

export function startText(action: DeviceAction): string {
  return STARTING[action];
}

/** Go's sentence about an action, with what it cost on the wire when it used the network. */
export function resultText(r: ActionResultDTO): string {
  const said = r.outcome || 'done';
  const text = said.charAt(0).toUpperCase() + said.slice(1);
  if (!(r.connections > 0)) return text;
  const rt = `${r.roundTrips.toLocaleString('en')} round trip${r.roundTrips === 1 ? '' : 's'}`;
  return `${text} — ${formatSeconds(r.seconds)} on the link, ${rt}, ${formatBytes(r.wireUp + r.wireDown)} on the wire`;
}

export interface DevicesApi {
  addDevice(spec: DeviceSpecDTO): Promise<DeviceDTO>;
  removeDevice(name: string): Promise<DeviceDTO[]>;
  checkMail(device: string): Promise<ActionResultDTO>;
  open(device: string, id: number): Promise<MessageReadDTO>;
  compose(device: string, d: DraftDTO): Promise<ActionResultDTO>;
  reply(device: string, id: number, body: string): Promise<ActionResultDTO>;
  markRead(device: string, id: number, read: boolean): Promise<ActionResultDTO>;
  flag(device: string, id: number, on: boolean): Promise<ActionResultDTO>;
  delete(device: string, id: number): Promise<ActionResultDTO>;
  move(device: string, id: number, folder: string): Promise<ActionResultDTO>;
  createFolder(device: string, name: string): Promise<ActionResultDTO>;
  search(device: string, folder: string, text: string): Promise<SearchResultDTO>;
  setWorkingOffline(device: string, offline: boolean): Promise<ActionResultDTO>;
}

/** An answer or the reason it failed, in plain words. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface DevicesStore extends Readable<DevicesState> {
  get(): DevicesState;
  check(device: string): Promise<Outcome<ActionResultDTO>>;
  open(device: string, id: number): Promise<Outcome<MessageReadDTO>>;
  compose(device: string, d: DraftDTO): Promise<Outcome<ActionResultDTO>>;
  reply(device: string, id: number, body: string): Promise<Outcome<ActionResultDTO>>;
  markRead(device: string, id: number, read: boolean): Promise<Outcome<ActionResultDTO>>;
  flag(device: string, id: number, on: boolean): Promise<Outcome<ActionResultDTO>>;
  delete(device: string, id: number): Promise<Outcome<ActionResultDTO>>;
  move(device: string, id: number, folder: string): Promise<Outcome<ActionResultDTO>>;
  createFolder(device: string, name: string): Promise<Outcome<ActionResultDTO>>;
  search(device: string, folder: string, text: string): Promise<Outcome<SearchResultDTO>>;
  clearSearch(device: string): void;
  setWorkingOffline(device: string, offline: boolean): Promise<Outcome<ActionResultDTO>>;
  add(spec: DeviceSpecDTO): Promise<Outcome<DeviceDTO>>;
  remove(name: string): Promise<Outcome<DeviceDTO[]>>;
}

export function createDevicesStore(api: DevicesApi = actionsApi): DevicesStore {
  let state = initialDevices;
  const w = writable(state);
  const dispatch = (a: DevicesAction) => {
    state = reduceDevices(state, a);
    w.set(state);
  };

  /** Runs one action on a device; a second while one runs is refused, not queued. */
  async function run<T>(device: string, action: DeviceAction, call: () => Promise<T>, said: (v: T) => string): Promise<Outcome<T>> {
    if (state.busy[device]) return { ok: false, error: `${device} is busy: ${startText(state.busy[device]!).replace('…', '')}` };
    dispatch({ type: 'start', device, action, text: startText(action) });
    try {
      const value = await call();
      dispatch({ type: 'done', device, action, text: said(value) });
      return { ok: true, value };
    } catch (e) {
      const error = plainError(errorText(e), device);
      dispatch({ type: 'failed', device, action, text: error.charAt(0).toUpperCase() + error.slice(1) });
      return { ok: false, error };
    }
  }

  const result = (r: ActionResultDTO) => resultText(r);

  return {
    subscribe: w.subscribe,
    get: () => state,
    check: (d) => run(d, 'check', () => api.checkMail(d), result),
    open: (d, id) => run(d, 'open', () => api.open(d, id), (m) => resultText(m.result)),
    compose: (d, draft) => run(d, 'compose', () => api.compose(d, draft), result),
    reply: (d, id, body) => run(d, 'reply', () => api.reply(d, id, body), result),
    markRead: (d, id, read) => run(d, 'mark-read', () => api.markRead(d, id, read), result),
    flag: (d, id, on) => run(d, 'flag', () => api.flag(d, id, on), result),
    delete: (d, id) => run(d, 'delete', () => api.delete(d, id), result),
    move: (d, id, folder) => run(d, 'move', () => api.move(d, id, folder), result),
    createFolder: (d, name) => run(d, 'create-folder', () => api.createFolder(d, name), result),
    async search(d, folder, text) {
      const o = await run(d, 'search', () => api.search(d, folder, text), (r) => resultText(r.result));
      if (o.ok) {
        const r = o.value;
        dispatch({ type: 'search', device: d, search: { folder, text, ids: new Set(r.ids ?? []), onServer: r.onServer, serverMatches: r.serverMatches } });
      }
      return o;
    },
    clearSearch: (d) => dispatch({ type: 'search', device: d, search: null }),
    setWorkingOffline: (d, off) => run(d, off ? 'offline' : 'online', () => api.setWorkingOffline(d, off), result),
    async add(spec) {
      try {
        return { ok: true, value: await api.addDevice(spec) };
      } catch (e) {
        return { ok: false, error: plainError(errorText(e)) };
      }
    },
    async remove(name) {
      try {
        const value = await api.removeDevice(name);
        dispatch({ type: 'forget', device: name });
        return { ok: true, value };
      } catch (e) {
        return { ok: false, error: plainError(errorText(e), name) };
      }
    },
  };
}

let shared: DevicesStore | null = null;

/** The app's one devices store. */
export function devicesStore(): DevicesStore {
  shared ??= createDevicesStore();
  return shared;
}

/**
 * A device someone asked the mailbox views to show (a lesson step that
 * watches "Laptop"): the devices view picks its tab and sets this back to null.
 */
export const deviceFocus = writable<string | null>(null);
