// Where the mail lives: the server's accounts, mailboxes and messages,
// live. Snapshot first (ViewsService.Snapshot), views:changed batches
// queued until it lands, then only changes with a larger seq, in seq order
// (seqs are dense: a change that arrives ahead of a gap waits for it, as
// in the trace store). The reducer is pure; a batch copies only the
// mailboxes it touches.
//
// Besides the model, the state keeps what a change just did, for the eye:
// `marks` (a row that arrived, changed flags, was marked by DELE or had
// its mark put back) and `leaving` (a row just expunged, shown fading out
// where it was). Both carry the wall-clock time they were made and go
// after MARK_MS / LEAVE_MS ('tick' prunes them), so the reducer takes the
// time as an argument instead of reading a clock.

import { writable, type Readable } from 'svelte/store';
import type {
  AccountSummaryDTO,
  AccountViewDTO,
  DeviceChangeKind,
  DeviceMessageDTO,
  DeviceSummaryDTO,
  DeviceViewDTO,
  MailboxViewDTO,
  MessageRefDTO,
  MessageViewDTO,
  OutgoingDTO,
  ViewChangeDTO,
  ViewChangeKind,
  ViewsBatchDTO,
  ViewsDTO,
} from '../types';
import { assertNever } from './trace';

export type ViewsPhase = 'idle' | 'loading' | 'live' | 'failed';

/**
 * What a change did to a message row, for its highlight: on the server
 * (new, flags, marked by DELE, mark put back, deleted at QUIT), on a device
 * (downloaded, listed by its headers, flags, moved, filed in Sent) or in an
 * outbox (queued).
 */
export type MarkKind =
  | 'new'
  | 'flags'
  | 'marked'
  | 'restored'
  | 'committed'
  | 'downloaded'
  | 'listed'
  | 'moved'
  | 'filed'
  | 'queued';

export interface Mark {
  kind: MarkKind;
  /** The change's seq: a new mark on the same row restarts its animation. */
  seq: number;
  /** Wall-clock ms when it was applied. */
  at: number;
}

/** What a change did to an account (its quota line flashes). */
export type AccountMarkKind = 'refused' | 'quota' | 'locked' | 'unlocked';

export interface AccountMark {
  kind: AccountMarkKind;
  seq: number;
  at: number;
}

/** The colour a row's highlight takes: one scale for every view. */
export type GlowTone = 'ok' | 'accent' | 'err' | 'linked';

const glowTones: Record<MarkKind | AccountMarkKind, GlowTone> = {
  new: 'ok',
  restored: 'ok',
  downloaded: 'ok',
  filed: 'ok',
  flags: 'accent',
  listed: 'accent',
  moved: 'accent',
  quota: 'accent',
  locked: 'accent',
  unlocked: 'accent',
  marked: 'err',
  committed: 'err',
  refused: 'err',
  queued: 'linked',
};

/** The glow class of a mark ('' for none): mail.css colours each tone. */
export function glowTone(kind: MarkKind | AccountMarkKind | undefined): GlowTone | '' {
  return kind ? glowTones[kind] : '';
}

/** A message just expunged, still drawn (fading) where it was. */
export interface Leaving {
  account: string;
  mailbox: string;
  message: MessageViewDTO;
  seq: number;
  at: number;
}

/** A message that just left a device (deleted, expunged elsewhere) or its outbox (sent). */
export interface DeviceLeaving {
  device: string;
  message?: DeviceMessageDTO;
  outgoing?: OutgoingDTO;
  seq: number;
  at: number;
}

export interface ViewsState {
  phase: ViewsPhase;
  /** The highest seq applied. */
  seq: number;
  /** By name, as Go sorts them. */
  accounts: readonly AccountViewDTO[];
  /** The lab's devices, in the order they were added. */
  devices: readonly DeviceViewDTO[];
  /** Batches that arrived while the snapshot was loading. */
  pending: readonly ViewChangeDTO[];
  /** Changes that arrived ahead of a gap, ascending seq. */
  early: readonly ViewChangeDTO[];
  epoch: number;
  version: number;
  error: string | null;
  /** msgKey → what just happened to that row. */
  marks: ReadonlyMap<string, Mark>;
  /** account name (lower case) → what just happened to it. */
  accountMarks: ReadonlyMap<string, AccountMark>;
  leaving: readonly Leaving[];
  deviceLeaving: readonly DeviceLeaving[];
}

export type ViewsAction =
  | { type: 'load' }
  | { type: 'snapshot'; epoch: number; snapshot: ViewsDTO; now: number }
  | { type: 'changes'; batch: ViewsBatchDTO; now: number }
  | { type: 'tick'; now: number }
  | { type: 'failed'; epoch: number; error: string };

/** How long a touched row stays highlighted, and an expunged one fades, ms. */
export const MARK_MS = 4000;
export const LEAVE_MS = 2500;
/** How many changes may wait for a gap to fill before they are applied anyway. */
export const EARLY_MAX = 2000;

export const initialViewsState: ViewsState = {
  phase: 'idle',
  seq: 0,
  accounts: [],
  devices: [],
  pending: [],
  early: [],
  epoch: 0,
  version: 0,
  error: null,
  marks: new Map(),
  accountMarks: new Map(),
  leaving: [],
  deviceLeaving: [],
};

/** The key of a message row: account (case-insensitive, as the store), mailbox, UID. */
export function msgKey(account: string, mailbox: string, uid: number): string {
  return `${account.toLowerCase()}\u0000${mailbox}\u0000${uid}`;
}

/** The key of a device's message row, and of an outbox entry. */
export function deviceKey(device: string, id: number): string {
  return `device\u0000${device}\u0000${id}`;
}
export function outboxKey(device: string, id: number): string {
  return `outbox\u0000${device}\u0000${id}`;
}

export function refKey(r: MessageRefDTO): string {
  return msgKey(r.account, r.mailbox, r.uid);
}

export function hasFlag(m: MessageViewDTO, flag: string): boolean {
  const f = flag.toLowerCase();
  return m.flags.some((g) => g.toLowerCase() === f);
}

/** The index of uid in messages (ascending UID), or where it would go as -(i+1). */
export function uidIndex(messages: readonly MessageViewDTO[], uid: number): number {
  let lo = 0;
  let hi = messages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const u = (messages[mid] as MessageViewDTO).uid;
    if (u === uid) return mid;
    if (u < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -(lo + 1);
}

function recount(mb: MailboxViewDTO): MailboxViewDTO {
  let unseen = 0;
  let size = 0;
  for (const m of mb.messages) {
    if (!hasFlag(m, '\\Seen')) unseen++;
    size += m.size;
  }
  return unseen === mb.unseen && size === mb.size ? mb : { ...mb, unseen, size };
}

/** INBOX first, then by name, as Go's mailboxLess. */
function mailboxLess(a: string, b: string): number {
  if (a === 'INBOX' || b === 'INBOX') return a === b ? 0 : a === 'INBOX' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A batch's working copy: accounts and mailboxes are copied the first time
 * the batch touches them, so an untouched account keeps its object (and
 * its rows do not re-render).
 */
class Draft {
  accounts: AccountViewDTO[];
  private copiedAccounts = new Set<AccountViewDTO>();
  private copiedMailboxes = new Set<MailboxViewDTO>();
  private copiedLists = new Set<MessageViewDTO[]>();
  devices: DeviceViewDTO[];
  private copiedDevices = new Set<DeviceViewDTO>();
  marks: Map<string, Mark>;
  accountMarks: Map<string, AccountMark>;
  leaving: Leaving[];
  deviceLeaving: DeviceLeaving[];

  constructor(s: ViewsState) {
    this.accounts = s.accounts.slice();
    this.devices = s.devices.slice();
    this.marks = new Map(s.marks);
    this.accountMarks = new Map(s.accountMarks);
    this.leaving = s.leaving.slice();
    this.deviceLeaving = s.deviceLeaving.slice();
  }

  deviceIndex(name: string): number {
    return this.devices.findIndex((d) => d.name === name);
  }

  /** The device to change (a copy owned by this batch, its message list too), or null. */
  device(name: string): DeviceViewDTO | null {
    const i = this.deviceIndex(name);
    if (i < 0) return null;
    let d = this.devices[i] as DeviceViewDTO;
    if (!this.copiedDevices.has(d)) {
      d = { ...d, messages: d.messages.slice() };
      this.devices[i] = d;
      this.copiedDevices.add(d);
    }
    return d;
  }

  accountIndex(name: string): number {
    const k = name.toLowerCase();
    return this.accounts.findIndex((a) => a.name.toLowerCase() === k);
  }

  /** The account to change (a copy owned by this batch), or null. */
  account(name: string): AccountViewDTO | null {
    const i = this.accountIndex(name);
    if (i < 0) return null;
    let a = this.accounts[i] as AccountViewDTO;
    if (!this.copiedAccounts.has(a)) {
      a = { ...a, mailboxes: a.mailboxes.slice() };
      this.accounts[i] = a;
      this.copiedAccounts.add(a);
    }
    return a;
  }

  /** The mailbox to change, its message list a copy owned by this batch. */
  mailbox(a: AccountViewDTO, name: string): MailboxViewDTO | null {
    const i = a.mailboxes.findIndex((m) => m.name === name);
    if (i < 0) return null;
    let mb = a.mailboxes[i] as MailboxViewDTO;
    if (!this.copiedMailboxes.has(mb)) {
      const messages = mb.messages.slice();
      mb = { ...mb, messages };
      a.mailboxes[i] = mb;
      this.copiedMailboxes.add(mb);
      this.copiedLists.add(messages);
    }
    return mb;
  }

  /** Recounts every mailbox this batch copied. */
  finish(): AccountViewDTO[] {
    for (const a of this.copiedAccounts) {
      a.mailboxes = a.mailboxes.map((mb) => (this.copiedMailboxes.has(mb) ? recount(mb) : mb));
    }
    return this.accounts;
  }
}

function domainOf(accounts: readonly AccountViewDTO[]): string {
  for (const a of accounts) {
    const at = a.address.lastIndexOf('@');
    if (at >= 0) return a.address.slice(at + 1);
  }
  return '';
}

function withSummary(a: AccountViewDTO, s: AccountSummaryDTO) {
  a.quota = s.quota;
  a.used = s.used;
  a.refused = s.refused;
  a.lastRefused = s.lastRefused;
  a.pop3 = s.pop3;
}

/** Every kind the reducer knows; a kind Go adds later is skipped, not fatal. */
const KNOWN = new Set<string>([
  'new',
  'expunge',
  'flags',
  'mailbox-created',
  'mailbox-deleted',
  'mailbox-renamed',
  'user-added',
  'user-removed',
  'quota',
  'refused',
  'pop3-locked',
  'pop3-marked',
  'pop3-reset',
  'pop3-committed',
  'pop3-released',
  'device-added',
  'device-gone',
  'device-removed',
  'device-downloaded',
  'device-listed',
  'device-flags',
  'device-moved',
  'device-folder-created',
  'device-queued',
  'device-sent',
  'device-filed',
  'device-offline',
  'device-online',
] satisfies ViewChangeKind[]);

function withDeviceSummary(d: DeviceViewDTO, s: DeviceSummaryDTO) {
  d.offline = s.offline;
  d.visible = s.visible;
  d.offlineReadable = s.offlineReadable;
  d.unread = s.unread;
  d.folders = s.folders ?? [];
  d.outbox = s.outbox ?? [];
}

function isDeviceKind(k: ViewChangeKind): k is DeviceChangeKind {
  return k.startsWith('device-');
}

function applyDevice(d: Draft, c: ViewChangeDTO, kind: DeviceChangeKind, now: number) {
  const name = c.device ?? '';
  const mark = (key: string, k: MarkKind) => d.marks.set(key, { kind: k, seq: c.seq, at: now });
  if (kind === 'device-added') {
    if (!c.deviceView) return;
    const i = d.deviceIndex(name);
    if (i >= 0) d.devices[i] = c.deviceView;
    else d.devices.push(c.deviceView);
    return;
  }
  if (kind === 'device-gone') {
    const i = d.deviceIndex(name);
    if (i >= 0) d.devices.splice(i, 1);
    d.deviceLeaving = d.deviceLeaving.filter((l) => l.device !== name);
    return;
  }
  const dev = d.device(name);
  if (!dev) return;
  const id = c.id ?? 0;
  switch (kind) {
    case 'device-removed': {
      const i = dev.messages.findIndex((m) => m.id === id);
      if (i >= 0) {
        const [gone] = dev.messages.splice(i, 1);
        d.marks.delete(deviceKey(name, id));
        if (gone) d.deviceLeaving.push({ device: name, message: gone, seq: c.seq, at: now });
      }
      break;
    }
    case 'device-downloaded':
    case 'device-listed':
    case 'device-flags':
    case 'device-moved':
    case 'device-filed': {
      const m = c.deviceMessage;
      if (!m) break;
      const i = dev.messages.findIndex((x) => x.id === m.id);
      if (i >= 0) dev.messages[i] = m;
      else dev.messages.push(m);
      const k: MarkKind =
        kind === 'device-downloaded' ? 'downloaded' : kind === 'device-listed' ? 'listed' : kind === 'device-flags' ? 'flags' : kind === 'device-moved' ? 'moved' : 'filed';
      mark(deviceKey(name, m.id), k);
      break;
    }
    case 'device-queued':
      mark(outboxKey(name, id), 'queued');
      break;
    case 'device-sent': {
      const o = dev.outbox.find((x) => x.id === id);
      if (o) d.deviceLeaving.push({ device: name, outgoing: o, seq: c.seq, at: now });
      d.marks.delete(outboxKey(name, id));
      break;
    }
    case 'device-folder-created':
    case 'device-offline':
    case 'device-online':
      break;
    default:
      assertNever(kind);
  }
  if (c.deviceSummary) withDeviceSummary(dev, c.deviceSummary);
}

function applyOne(d: Draft, c: ViewChangeDTO, now: number) {
  if (!KNOWN.has(c.kind)) return;
  if (isDeviceKind(c.kind)) {
    applyDevice(d, c, c.kind, now);
    return;
  }
  const kind: Exclude<ViewChangeKind, DeviceChangeKind> = c.kind;
  const mark = (mailbox: string, uid: number, k: MarkKind) => d.marks.set(msgKey(c.account, mailbox, uid), { kind: k, seq: c.seq, at: now });
  const accountMark = (k: AccountMarkKind) => d.accountMarks.set(c.account.toLowerCase(), { kind: k, seq: c.seq, at: now });

  if (kind === 'user-added') {
    if (d.accountIndex(c.account) >= 0) return;
    const domain = domainOf(d.accounts);
    const a: AccountViewDTO = {
      name: c.account,
      address: domain ? `${c.account}@${domain}` : c.account,
      ...c.summary,
      mailboxes: [],
    };
    d.accounts.push(a);
    d.accounts.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    return;
  }
  if (kind === 'user-removed') {
    const i = d.accountIndex(c.account);
    if (i >= 0) d.accounts.splice(i, 1);
    return;
  }
  const a = d.account(c.account);
  if (!a) return;
  const hadLock = a.pop3;
  withSummary(a, c.summary);
  const mailbox = c.mailbox ?? 'INBOX';

  switch (kind) {
    case 'mailbox-created':
      if (!a.mailboxes.some((m) => m.name === mailbox)) {
        a.mailboxes.push({ name: mailbox, unseen: 0, size: 0, messages: [] });
        a.mailboxes.sort((x, y) => mailboxLess(x.name, y.name));
      }
      return;
    case 'mailbox-deleted':
      a.mailboxes = a.mailboxes.filter((m) => m.name !== mailbox);
      return;
    case 'mailbox-renamed': {
      const i = a.mailboxes.findIndex((m) => m.name === c.oldName);
      if (i >= 0) a.mailboxes[i] = { ...(a.mailboxes[i] as MailboxViewDTO), name: mailbox };
      a.mailboxes.sort((x, y) => mailboxLess(x.name, y.name));
      return;
    }
    case 'new': {
      const mb = d.mailbox(a, mailbox);
      if (!mb || !c.message) return;
      const i = uidIndex(mb.messages, c.message.uid);
      if (i >= 0) mb.messages[i] = c.message;
      else mb.messages.splice(-(i + 1), 0, c.message);
      mark(mailbox, c.message.uid, 'new');
      return;
    }
    case 'expunge': {
      const mb = d.mailbox(a, mailbox);
      const uid = c.uid ?? 0;
      if (!mb) return;
      const i = uidIndex(mb.messages, uid);
      if (i < 0) return;
      const [gone] = mb.messages.splice(i, 1);
      d.marks.delete(msgKey(c.account, mailbox, uid));
      if (gone) d.leaving.push({ account: a.name, mailbox, message: gone, seq: c.seq, at: now });
      return;
    }
    case 'flags':
    case 'pop3-marked': {
      const mb = d.mailbox(a, mailbox);
      const m = c.message;
      if (!mb) return;
      const uid = m?.uid ?? c.uid ?? 0;
      const i = uidIndex(mb.messages, uid);
      if (i < 0) return;
      const old = mb.messages[i] as MessageViewDTO;
      mb.messages[i] = m ? m : kind === 'pop3-marked' ? { ...old, pop3Deleted: true } : old;
      mark(mailbox, uid, kind === 'flags' ? 'flags' : 'marked');
      return;
    }
    case 'pop3-reset':
    case 'pop3-released':
    case 'pop3-committed': {
      // The marks end either way; a commit's expunges follow as their own changes.
      const mb = d.mailbox(a, 'INBOX');
      if (mb) {
        const uids = new Set(c.uids ?? []);
        for (let i = 0; i < mb.messages.length; i++) {
          const m = mb.messages[i] as MessageViewDTO;
          if (!m.pop3Deleted && !uids.has(m.uid)) continue;
          if (m.pop3Deleted) mb.messages[i] = { ...m, pop3Deleted: false };
          mark('INBOX', m.uid, kind === 'pop3-committed' ? 'committed' : 'restored');
        }
      }
      if (kind !== 'pop3-reset') accountMark('unlocked');
      return;
    }
    case 'pop3-locked':
      if (!hadLock) accountMark('locked');
      return;
    case 'quota':
      accountMark('quota');
      return;
    case 'refused':
      accountMark('refused');
      return;
    default:
      assertNever(kind);
  }
}

/** Applies changes after state.seq in seq order, holding back those beyond a gap. */
function applyAfter(
  d: Draft,
  seq: number,
  early: readonly ViewChangeDTO[],
  changes: readonly ViewChangeDTO[],
  now: number,
): { seq: number; early: ViewChangeDTO[]; applied: number } {
  const all = early.concat(changes.filter((c) => c.seq > seq));
  all.sort((x, y) => x.seq - y.seq);
  let applied = 0;
  let j = 0;
  for (; j < all.length; j++) {
    const c = all[j] as ViewChangeDTO;
    if (c.seq <= seq) continue; // a duplicate
    if (c.seq !== seq + 1 && all.length - j <= EARLY_MAX) break;
    applyOne(d, c, now);
    seq = c.seq;
    applied++;
  }
  return { seq, early: all.slice(j), applied };
}

function prune(s: ViewsState, now: number): ViewsState {
  let marks = s.marks;
  for (const [k, m] of s.marks) {
    if (now - m.at < MARK_MS) continue;
    if (marks === s.marks) marks = new Map(s.marks);
    (marks as Map<string, Mark>).delete(k);
  }
  let accountMarks = s.accountMarks;
  for (const [k, m] of s.accountMarks) {
    if (now - m.at < MARK_MS) continue;
    if (accountMarks === s.accountMarks) accountMarks = new Map(s.accountMarks);
    (accountMarks as Map<string, AccountMark>).delete(k);
  }
  const leaving = s.leaving.some((l) => now - l.at >= LEAVE_MS) ? s.leaving.filter((l) => now - l.at < LEAVE_MS) : s.leaving;
  const deviceLeaving = s.deviceLeaving.some((l) => now - l.at >= LEAVE_MS)
    ? s.deviceLeaving.filter((l) => now - l.at < LEAVE_MS)
    : s.deviceLeaving;
  if (marks === s.marks && accountMarks === s.accountMarks && leaving === s.leaving && deviceLeaving === s.deviceLeaving) return s;
  return { ...s, marks, accountMarks, leaving, deviceLeaving, version: s.version + 1 };
}

export function reduceViews(state: ViewsState, action: ViewsAction): ViewsState {
  switch (action.type) {
    case 'load':
      return {
        ...initialViewsState,
        phase: 'loading',
        epoch: state.epoch + 1,
        version: state.version + 1,
      };
    case 'snapshot': {
      if (action.epoch !== state.epoch || state.phase !== 'loading') return state;
      const snap = action.snapshot;
      const base: ViewsState = {
        ...state,
        accounts: snap.accounts ?? [],
        devices: snap.devices ?? [],
        marks: new Map(),
        accountMarks: new Map(),
        leaving: [],
        deviceLeaving: [],
      };
      const d = new Draft(base);
      // The snapshot's own mark state is as it is: queued changes animate.
      const { seq, early } = applyAfter(d, snap.seq, [], state.pending, action.now);
      return {
        ...base,
        phase: 'live',
        seq,
        early,
        pending: [],
        accounts: d.finish(),
        devices: d.devices,
        marks: d.marks,
        accountMarks: d.accountMarks,
        leaving: d.leaving,
        deviceLeaving: d.deviceLeaving,
        version: state.version + 1,
        error: null,
      };
    }
    case 'changes': {
      const changes = action.batch?.changes ?? [];
      if (changes.length === 0) return state;
      if (state.phase === 'loading') return { ...state, pending: state.pending.concat(changes) };
      if (state.phase !== 'live') return state;
      const d = new Draft(state);
      const { seq, early, applied } = applyAfter(d, state.seq, state.early, changes, action.now);
      if (applied === 0) return early.length === state.early.length ? state : { ...state, early };
      return {
        ...state,
        seq,
        early,
        accounts: d.finish(),
        devices: d.devices,
        marks: d.marks,
        accountMarks: d.accountMarks,
        leaving: d.leaving,
        deviceLeaving: d.deviceLeaving,
        version: state.version + 1,
      };
    }
    case 'tick':
      return prune(state, action.now);
    case 'failed':
      if (action.epoch !== state.epoch) return state;
      return { ...state, phase: 'failed', error: action.error, version: state.version + 1 };
    default:
      return assertNever(action);
  }
}

/** A mailbox's rows as drawn: its messages and, where they were, those just expunged. */
export interface MessageRow {
  message: MessageViewDTO;
  key: string;
  /** Expunged: drawn fading, then gone. */
  leaving: boolean;
  mark: Mark | null;
}

export function mailboxRows(s: ViewsState, account: string, mailbox: string): MessageRow[] {
  const a = s.accounts.find((x) => x.name.toLowerCase() === account.toLowerCase());
  const mb = a?.mailboxes.find((m) => m.name === mailbox);
  const rows: MessageRow[] = (mb?.messages ?? []).map((m) => {
    const key = msgKey(account, mailbox, m.uid);
    return { message: m, key, leaving: false, mark: s.marks.get(key) ?? null };
  });
  const gone = s.leaving.filter((l) => l.account.toLowerCase() === account.toLowerCase() && l.mailbox === mailbox);
  if (gone.length === 0) return rows;
  for (const l of gone) {
    const key = msgKey(account, mailbox, l.message.uid);
    if (rows.some((r) => r.key === key)) continue;
    rows.push({ message: l.message, key, leaving: true, mark: null });
  }
  return rows.sort((x, y) => x.message.uid - y.message.uid);
}

/** A device's rows in a folder as drawn: its messages, and those that just left (fading). */
export interface DeviceRow {
  message: DeviceMessageDTO;
  key: string;
  leaving: boolean;
  mark: Mark | null;
}

export function deviceRows(s: ViewsState, device: string, folder: string | null): DeviceRow[] {
  const dev = s.devices.find((d) => d.name === device);
  const inFolder = (m: DeviceMessageDTO) => folder === null || m.folder === folder;
  const rows: DeviceRow[] = (dev?.messages ?? []).filter(inFolder).map((m) => {
    const key = deviceKey(device, m.id);
    return { message: m, key, leaving: false, mark: s.marks.get(key) ?? null };
  });
  for (const l of s.deviceLeaving) {
    if (l.device !== device || !l.message || !inFolder(l.message)) continue;
    const key = deviceKey(device, l.message.id);
    if (!rows.some((r) => r.key === key)) rows.push({ message: l.message, key, leaving: true, mark: null });
  }
  return rows.sort((a, b) => a.message.id - b.message.id);
}

/** A device's outbox as drawn: what waits, and what just left (sent, fading). */
export interface OutboxRow {
  outgoing: OutgoingDTO;
  key: string;
  sent: boolean;
  mark: Mark | null;
}

export function outboxRows(s: ViewsState, device: string): OutboxRow[] {
  const dev = s.devices.find((d) => d.name === device);
  const rows: OutboxRow[] = (dev?.outbox ?? []).map((o) => {
    const key = outboxKey(device, o.id);
    return { outgoing: o, key, sent: false, mark: s.marks.get(key) ?? null };
  });
  for (const l of s.deviceLeaving) {
    if (l.device !== device || !l.outgoing) continue;
    const key = outboxKey(device, l.outgoing.id);
    if (!rows.some((r) => r.key === key)) rows.push({ outgoing: l.outgoing, key, sent: true, mark: null });
  }
  return rows.sort((a, b) => a.outgoing.id - b.outgoing.id);
}

/**
 * The server message a device's copy stands for: by UID in its folder
 * (IMAP, if it is still there), by UIDL in INBOX (POP3), and for a POP3
 * copy whose message QUIT removed, its serverUid still names it (its trace
 * lines are there).
 */
export function serverRefOf(s: ViewsState, device: DeviceViewDTO, m: DeviceMessageDTO): MessageRefDTO | null {
  const a = findAccount(s, device.user);
  if (!a) return null;
  if (m.uid > 0) {
    const mb = a.mailboxes.find((x) => x.name === m.folder);
    return mb && uidIndex(mb.messages, m.uid) >= 0 ? { account: a.name, mailbox: mb.name, uid: m.uid } : null;
  }
  if (m.uidl) {
    const inbox = a.mailboxes.find((x) => x.name === 'INBOX');
    const hit = inbox?.messages.find((x) => x.uidl === m.uidl);
    if (hit) return { account: a.name, mailbox: 'INBOX', uid: hit.uid };
  }
  if (m.serverUid > 0) return { account: a.name, mailbox: 'INBOX', uid: m.serverUid };
  return null;
}

export function findAccount(s: ViewsState, name: string): AccountViewDTO | undefined {
  const k = name.toLowerCase();
  return s.accounts.find((a) => a.name.toLowerCase() === k);
}

/** What the views store needs from the backend (backend.ts in the app, fakes in tests). */
export interface ViewsSource {
  snapshot(): Promise<ViewsDTO>;
  onChanges(cb: (batch: ViewsBatchDTO) => void): () => void;
}

export interface ViewsStore extends Readable<ViewsState> {
  dispatch(action: ViewsAction): void;
  /** Subscribes to views:changed, then loads the snapshot. Returns the stop function. */
  connect(source: ViewsSource, clock?: () => number): () => void;
  /** Drops everything and reloads the snapshot. */
  resync(): void;
  get(): ViewsState;
}

export function createViewsStore(): ViewsStore {
  let state = initialViewsState;
  const w = writable(state);
  let source: ViewsSource | null = null;
  let now: () => number = () => Date.now();
  let timer: ReturnType<typeof setInterval> | null = null;

  function dispatch(action: ViewsAction) {
    const next = reduceViews(state, action);
    if (next === state) return;
    state = next;
    w.set(state);
    // Prune highlights while there are any; no timer when nothing glows.
    const busy = state.marks.size > 0 || state.accountMarks.size > 0 || state.leaving.length > 0 || state.deviceLeaving.length > 0;
    if (busy && timer === null) timer = setInterval(() => dispatch({ type: 'tick', now: now() }), 250);
    else if (!busy && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  }

  function load() {
    if (!source) return;
    dispatch({ type: 'load' });
    const epoch = state.epoch;
    source.snapshot().then(
      (snapshot) => dispatch({ type: 'snapshot', epoch, snapshot, now: now() }),
      (e: unknown) => dispatch({ type: 'failed', epoch, error: e instanceof Error ? e.message : String(e) }),
    );
  }

  return {
    subscribe: w.subscribe,
    dispatch,
    get: () => state,
    resync: load,
    connect(src, clock) {
      source = src;
      if (clock) now = clock;
      // Listen first, so nothing that happens during the snapshot is lost.
      const off = src.onChanges((batch) => dispatch({ type: 'changes', batch, now: now() }));
      load();
      return () => {
        off();
        source = null;
        if (timer !== null) clearInterval(timer);
        timer = null;
      };
    },
  };
}

/** The app's one views store. */
export const viewsStore = createViewsStore();
