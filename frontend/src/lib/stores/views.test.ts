import { describe, expect, it } from 'vitest';
import type { AccountSummaryDTO, DeviceMessageDTO, DeviceSummaryDTO, DeviceViewDTO, MessageViewDTO, OutgoingDTO, ViewChangeDTO, ViewsDTO } from '../types';
import {
  createViewsStore,
  glowTone,
  deviceKey,
  deviceRows,
  outboxKey,
  outboxRows,
  serverRefOf,
  EARLY_MAX,
  initialViewsState,
  LEAVE_MS,
  mailboxRows,
  MARK_MS,
  msgKey,
  reduceViews,
  type ViewsState,
} from './views';

const sum = (o: Partial<AccountSummaryDTO> = {}): AccountSummaryDTO => ({ quota: 0, used: 0, refused: 0, lastRefused: 0, pop3: 0, ...o });

function msg(uid: number, o: Partial<MessageViewDTO> = {}): MessageViewDTO {
  return { uid, uidl: `u${uid}`, from: 'alice@mailscope.lab', subject: `m${uid}`, date: '', size: 100, flags: [], pop3Deleted: false, ...o };
}

function snapshot(seq: number, messages: MessageViewDTO[] = [msg(1), msg(2), msg(3)]): ViewsDTO {
  return {
    seq,
    devices: [],
    accounts: [
      { name: 'alice', address: 'alice@mailscope.lab', ...sum(), mailboxes: [{ name: 'INBOX', unseen: 0, size: 0, messages: [] }] },
      {
        name: 'student',
        address: 'student@mailscope.lab',
        ...sum({ used: 300 }),
        mailboxes: [{ name: 'INBOX', unseen: messages.length, size: 300, messages }],
      },
    ],
  };
}

function ch(seq: number, kind: ViewChangeDTO['kind'], o: Partial<ViewChangeDTO> = {}): ViewChangeDTO {
  return { seq, atUs: seq * 1000, kind, account: 'student', mailbox: 'INBOX', summary: sum(), ...o };
}

function live(seq = 10, messages?: MessageViewDTO[]): ViewsState {
  let s = reduceViews(initialViewsState, { type: 'load' });
  s = reduceViews(s, { type: 'snapshot', epoch: s.epoch, snapshot: snapshot(seq, messages), now: 0 });
  return s;
}

const apply = (s: ViewsState, now: number, ...changes: ViewChangeDTO[]) => reduceViews(s, { type: 'changes', batch: { changes }, now });
const inbox = (s: ViewsState, account = 'student') => s.accounts.find((a) => a.name === account)!.mailboxes.find((m) => m.name === 'INBOX')!;
const uids = (s: ViewsState) => inbox(s).messages.map((m) => m.uid);

describe('reduceViews', () => {
  it('queues changes until the snapshot lands, then applies only newer ones', () => {
    let s = reduceViews(initialViewsState, { type: 'load' });
    s = apply(s, 0, ch(10, 'new', { message: msg(3) }), ch(11, 'new', { message: msg(4) }));
    expect(s.pending.length).toBe(2);
    s = reduceViews(s, { type: 'snapshot', epoch: s.epoch, snapshot: snapshot(10), now: 5 });
    expect(s.phase).toBe('live');
    expect(s.seq).toBe(11);
    expect(uids(s)).toEqual([1, 2, 3, 4]);
    // Only the change after the snapshot is new to the eye.
    expect(s.marks.get(msgKey('student', 'INBOX', 4))?.kind).toBe('new');
    expect(s.marks.has(msgKey('student', 'INBOX', 3))).toBe(false);
  });

  it('ignores a stale snapshot and duplicate changes', () => {
    let s = reduceViews(initialViewsState, { type: 'load' });
    const old = s.epoch;
    s = reduceViews(s, { type: 'load' });
    expect(reduceViews(s, { type: 'snapshot', epoch: old, snapshot: snapshot(1), now: 0 })).toBe(s);
    s = live(10);
    const a = apply(s, 0, ch(11, 'new', { message: msg(4) }));
    expect(apply(a, 0, ch(11, 'new', { message: msg(4) }))).toBe(a);
    expect(apply(a, 0, ch(9, 'expunge', { uid: 1 }))).toBe(a);
  });

  it('waits for a gap to fill, then applies in seq order', () => {
    let s = live(10);
    s = apply(s, 0, ch(12, 'expunge', { uid: 4 }));
    expect(s.seq).toBe(10);
    expect(s.early.length).toBe(1);
    s = apply(s, 0, ch(11, 'new', { message: msg(4) }));
    expect(s.seq).toBe(12);
    expect(uids(s)).toEqual([1, 2, 3]);
    expect(s.early).toEqual([]);
  });

  it('applies changes beyond a gap once too many wait', () => {
    let s = live(0, []);
    const many = Array.from({ length: EARLY_MAX + 1 }, (_, i) => ch(i + 2, 'new', { message: msg(i + 2) }));
    s = apply(s, 0, ...many);
    expect(s.seq).toBe(EARLY_MAX + 2);
    expect(inbox(s).messages.length).toBe(EARLY_MAX + 1);
  });

  it('keeps messages sorted by UID and recounts unseen and size', () => {
    let s = live(10);
    s = apply(s, 0, ch(11, 'new', { message: msg(7, { size: 50, flags: ['\\Seen'] }) }), ch(12, 'new', { message: msg(5) }));
    expect(uids(s)).toEqual([1, 2, 3, 5, 7]);
    expect(inbox(s).unseen).toBe(4);
    expect(inbox(s).size).toBe(450);
  });

  it('follows flags, \\Seen included, into the unseen count', () => {
    let s = live(10);
    s = apply(s, 0, ch(11, 'flags', { uid: 2, message: msg(2, { flags: ['\\Seen', '\\Flagged', '$Important'] }) }));
    expect(inbox(s).messages[1]!.flags).toEqual(['\\Seen', '\\Flagged', '$Important']);
    expect(inbox(s).unseen).toBe(2);
    expect(s.marks.get(msgKey('student', 'INBOX', 2))?.kind).toBe('flags');
  });

  it('a POP3 session: DELE marks, QUIT commits, the expunges remove (drawn fading for a while)', () => {
    let s = live(10);
    s = apply(s, 1000, ch(11, 'pop3-locked', { summary: sum({ pop3: 7 }) }));
    expect(s.accounts[1]!.pop3).toBe(7);
    expect(s.accountMarks.get('student')?.kind).toBe('locked');
    s = apply(s, 1000, ch(12, 'pop3-marked', { uid: 1, message: msg(1, { pop3Deleted: true }) }), ch(13, 'pop3-marked', { uid: 2, message: msg(2, { pop3Deleted: true }) }));
    expect(inbox(s).messages.filter((m) => m.pop3Deleted).map((m) => m.uid)).toEqual([1, 2]);
    expect(s.marks.get(msgKey('student', 'INBOX', 1))?.kind).toBe('marked');
    s = apply(
      s,
      2000,
      ch(14, 'pop3-committed', { uids: [1, 2], summary: sum({ pop3: 0 }) }),
      ch(15, 'expunge', { uid: 1 }),
      ch(16, 'expunge', { uid: 2 }),
    );
    expect(uids(s)).toEqual([3]);
    expect(s.accounts[1]!.pop3).toBe(0);
    const rows = mailboxRows(s, 'student', 'INBOX');
    expect(rows.map((r) => [r.message.uid, r.leaving])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    s = reduceViews(s, { type: 'tick', now: 2000 + LEAVE_MS });
    expect(mailboxRows(s, 'student', 'INBOX').map((r) => r.message.uid)).toEqual([3]);
  });

  it('a POP3 session that drops before QUIT puts its marks back', () => {
    let s = live(10);
    s = apply(s, 0, ch(11, 'pop3-locked', { summary: sum({ pop3: 3 }) }), ch(12, 'pop3-marked', { uid: 3, message: msg(3, { pop3Deleted: true }) }));
    s = apply(s, 100, ch(13, 'pop3-released', { uids: [3], summary: sum() }));
    expect(uids(s)).toEqual([1, 2, 3]);
    expect(inbox(s).messages[2]!.pop3Deleted).toBe(false);
    expect(s.marks.get(msgKey('student', 'INBOX', 3))).toMatchObject({ kind: 'restored', seq: 13 });
    expect(s.accountMarks.get('student')?.kind).toBe('unlocked');
  });

  it('RSET clears the marks but keeps the lock', () => {
    let s = live(10, [msg(1, { pop3Deleted: true })]);
    s = apply(s, 0, ch(11, 'pop3-reset', { uids: [1], summary: sum({ pop3: 4 }) }));
    expect(inbox(s).messages[0]!.pop3Deleted).toBe(false);
    expect(s.accounts[1]!.pop3).toBe(4);
  });

  it('mailboxes: created (INBOX first), renamed, deleted', () => {
    let s = live(10);
    s = apply(s, 0, ch(11, 'mailbox-created', { mailbox: 'Work' }), ch(12, 'mailbox-created', { mailbox: 'Archive' }));
    expect(s.accounts[1]!.mailboxes.map((m) => m.name)).toEqual(['INBOX', 'Archive', 'Work']);
    s = apply(s, 0, ch(13, 'mailbox-renamed', { mailbox: 'Jobs', oldName: 'Work' }));
    expect(s.accounts[1]!.mailboxes.map((m) => m.name)).toEqual(['INBOX', 'Archive', 'Jobs']);
    s = apply(s, 0, ch(14, 'mailbox-deleted', { mailbox: 'Archive' }));
    expect(s.accounts[1]!.mailboxes.map((m) => m.name)).toEqual(['INBOX', 'Jobs']);
  });

  it('users: added with the lab domain, removed', () => {
    let s = live(10);
    s = apply(s, 0, ch(11, 'user-added', { account: 'bob', mailbox: undefined, summary: sum({ quota: 5000 }) }), ch(12, 'mailbox-created', { account: 'bob', summary: sum({ quota: 5000 }) }));
    expect(s.accounts.map((a) => a.name)).toEqual(['alice', 'bob', 'student']);
    expect(s.accounts[1]).toMatchObject({ address: 'bob@mailscope.lab', quota: 5000 });
    expect(s.accounts[1]!.mailboxes.map((m) => m.name)).toEqual(['INBOX']);
    s = apply(s, 0, ch(13, 'user-removed', { account: 'bob' }));
    expect(s.accounts.map((a) => a.name)).toEqual(['alice', 'student']);
  });

  it('quota and a refusal over quota reach the account and flash it', () => {
    let s = live(10);
    s = apply(s, 0, ch(11, 'quota', { summary: sum({ quota: 1000, used: 300 }) }));
    expect(s.accounts[1]).toMatchObject({ quota: 1000, used: 300 });
    s = apply(s, 50, ch(12, 'refused', { summary: sum({ quota: 1000, used: 300, refused: 1, lastRefused: 2400 }) }));
    expect(s.accounts[1]).toMatchObject({ refused: 1, lastRefused: 2400 });
    expect(s.accountMarks.get('student')).toMatchObject({ kind: 'refused', seq: 12 });
  });

  it('touches only the mailboxes a batch changed', () => {
    const s = live(10);
    const t = apply(s, 0, ch(11, 'new', { message: msg(9) }));
    expect(t.accounts[0]).toBe(s.accounts[0]);
    expect(t.accounts[1]).not.toBe(s.accounts[1]);
    expect(inbox(s).messages.length).toBe(3);
  });

  it('skips a kind it does not know (Go may add some) and goes on', () => {
    let s = live(10);
    s = apply(s, 0, ch(11, 'device-something' as ViewChangeDTO['kind']), ch(12, 'new', { message: msg(8) }));
    expect(s.seq).toBe(12);
    expect(uids(s)).toEqual([1, 2, 3, 8]);
  });

  it('tick prunes marks after MARK_MS and returns the same state when nothing is due', () => {
    let s = live(10);
    s = apply(s, 1000, ch(11, 'new', { message: msg(4) }));
    expect(reduceViews(s, { type: 'tick', now: 1000 + MARK_MS - 1 })).toBe(s);
    s = reduceViews(s, { type: 'tick', now: 1000 + MARK_MS });
    expect(s.marks.size).toBe(0);
  });
});

describe('createViewsStore', () => {
  it('listens first, loads the snapshot, then applies live batches', async () => {
    const store = createViewsStore();
    let push: ((b: { changes: ViewChangeDTO[] }) => void) | null = null;
    let resolve: ((v: ViewsDTO) => void) | null = null;
    const stop = store.connect(
      {
        snapshot: () => new Promise((r) => (resolve = r)),
        onChanges: (cb) => {
          push = cb;
          return () => (push = null);
        },
      },
      () => 0,
    );
    push!({ changes: [ch(11, 'new', { message: msg(4) })] });
    resolve!(snapshot(10));
    await Promise.resolve();
    expect(store.get().phase).toBe('live');
    expect(uids(store.get())).toEqual([1, 2, 3, 4]);
    push!({ changes: [ch(12, 'expunge', { uid: 1 })] });
    expect(uids(store.get())).toEqual([2, 3, 4]);
    stop();
    expect(push).toBeNull();
  });
});

const dsum = (o: Partial<DeviceSummaryDTO> = {}): DeviceSummaryDTO => ({
  offline: false,
  visible: 0,
  offlineReadable: 0,
  unread: 0,
  folders: ['INBOX'],
  outbox: [],
  ...o,
});

function dmsg(id: number, o: Partial<DeviceMessageDTO> = {}): DeviceMessageDTO {
  return { id, folder: 'INBOX', uid: 0, uidl: '', from: 'alice', subject: `d${id}`, date: '', size: 100, seen: false, flagged: false, answered: false, readable: true, serverUid: 0, ...o };
}

function device(name: string, policy: string, messages: DeviceMessageDTO[] = []): DeviceViewDTO {
  return { name, user: 'student', policy, ...dsum({ visible: messages.length }), messages };
}

const dch = (seq: number, kind: ViewChangeDTO['kind'], devName: string, o: Partial<ViewChangeDTO> = {}): ViewChangeDTO => ch(seq, kind, { device: devName, mailbox: undefined, ...o });
const out = (id: number): OutgoingDTO => ({ id, to: ['alice@mailscope.lab'], subject: 'hi', size: 300, composedUs: 0 });

describe('reduceViews: devices', () => {
  it('a device added, then a POP3 download: rows appear on the Home PC, marked', () => {
    let s = live(10);
    s = apply(s, 0, dch(11, 'device-added', 'Home PC', { deviceView: device('Home PC', 'pop3-delete') }));
    expect(s.devices.map((d) => d.name)).toEqual(['Home PC']);
    s = apply(
      s,
      100,
      dch(12, 'device-downloaded', 'Home PC', { id: 1, folder: 'INBOX', deviceMessage: dmsg(1, { uidl: 'u1' }), deviceSummary: dsum({ visible: 1, offlineReadable: 1, unread: 1 }) }),
      dch(13, 'device-downloaded', 'Home PC', { id: 2, folder: 'INBOX', deviceMessage: dmsg(2, { uidl: 'u2' }), deviceSummary: dsum({ visible: 2, offlineReadable: 2, unread: 2 }) }),
    );
    const rows = deviceRows(s, 'Home PC', 'INBOX');
    expect(rows.map((r) => [r.message.id, r.mark?.kind])).toEqual([
      [1, 'downloaded'],
      [2, 'downloaded'],
    ]);
    expect(s.devices[0]).toMatchObject({ visible: 2, offlineReadable: 2 });
  });

  it('headers first, the body later: the same row, readable once downloaded', () => {
    let s = live(10);
    s = apply(s, 0, dch(11, 'device-added', 'Phone', { deviceView: device('Phone', 'imap-online') }));
    s = apply(s, 0, dch(12, 'device-listed', 'Phone', { id: 5, deviceMessage: dmsg(5, { uid: 3, readable: false }), deviceSummary: dsum({ visible: 1 }) }));
    expect(deviceRows(s, 'Phone', 'INBOX')[0]).toMatchObject({ message: { readable: false }, mark: { kind: 'listed' } });
    s = apply(s, 0, dch(13, 'device-downloaded', 'Phone', { id: 5, deviceMessage: dmsg(5, { uid: 3, readable: true, seen: true }), deviceSummary: dsum({ visible: 1, offlineReadable: 1 }) }));
    const rows = deviceRows(s, 'Phone', 'INBOX');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.message).toMatchObject({ readable: true, seen: true });
  });

  it('a message leaving the device fades; the device going away takes everything', () => {
    let s = live(10);
    s = apply(s, 0, dch(11, 'device-added', 'Laptop', { deviceView: device('Laptop', 'imap-offline', [dmsg(1), dmsg(2)]) }));
    s = apply(s, 500, dch(12, 'device-removed', 'Laptop', { id: 1, folder: 'INBOX', deviceSummary: dsum({ visible: 1 }) }));
    expect(s.devices[0]!.messages.map((m) => m.id)).toEqual([2]);
    expect(deviceRows(s, 'Laptop', 'INBOX').map((r) => [r.message.id, r.leaving])).toEqual([
      [1, true],
      [2, false],
    ]);
    s = reduceViews(s, { type: 'tick', now: 500 + LEAVE_MS });
    expect(deviceRows(s, 'Laptop', 'INBOX').map((r) => r.message.id)).toEqual([2]);
    s = apply(s, 0, dch(13, 'device-gone', 'Laptop'));
    expect(s.devices).toEqual([]);
  });

  it('moved and filed: the folder changes, rows follow it', () => {
    let s = live(10);
    s = apply(s, 0, dch(11, 'device-added', 'Laptop', { deviceView: device('Laptop', 'imap-offline', [dmsg(1), dmsg(2)]) }));
    s = apply(
      s,
      0,
      dch(12, 'device-folder-created', 'Laptop', { folder: 'Work', deviceSummary: dsum({ folders: ['INBOX', 'Work'], visible: 2 }) }),
      dch(13, 'device-moved', 'Laptop', { id: 2, folder: 'Work', deviceMessage: dmsg(2, { folder: 'Work' }), deviceSummary: dsum({ folders: ['INBOX', 'Work'], visible: 2 }) }),
    );
    expect(s.devices[0]!.folders).toEqual(['INBOX', 'Work']);
    expect(deviceRows(s, 'Laptop', 'INBOX').map((r) => r.message.id)).toEqual([1]);
    expect(deviceRows(s, 'Laptop', 'Work').map((r) => [r.message.id, r.mark?.kind])).toEqual([[2, 'moved']]);
    expect(deviceRows(s, 'Laptop', null)).toHaveLength(2);
  });

  it('the outbox: queued offline, then sent (it fades out of the outbox)', () => {
    let s = live(10);
    s = apply(s, 0, dch(11, 'device-added', 'Laptop', { deviceView: device('Laptop', 'imap-offline') }));
    s = apply(s, 0, dch(12, 'device-queued', 'Laptop', { id: 1, folder: 'Outbox', deviceSummary: dsum({ outbox: [out(1)] }) }));
    expect(outboxRows(s, 'Laptop').map((r) => [r.outgoing.id, r.sent, r.mark?.kind])).toEqual([[1, false, 'queued']]);
    expect(s.marks.has(outboxKey('Laptop', 1))).toBe(true);
    s = apply(s, 900, dch(13, 'device-sent', 'Laptop', { id: 1, deviceSummary: dsum({ outbox: [] }) }));
    expect(s.devices[0]!.outbox).toEqual([]);
    expect(outboxRows(s, 'Laptop').map((r) => [r.outgoing.id, r.sent])).toEqual([[1, true]]);
    s = reduceViews(s, { type: 'tick', now: 900 + LEAVE_MS });
    expect(outboxRows(s, 'Laptop')).toEqual([]);
  });

  it('working offline and back is in the figures', () => {
    let s = live(10);
    s = apply(s, 0, dch(11, 'device-added', 'Laptop', { deviceView: device('Laptop', 'imap-offline') }));
    s = apply(s, 0, dch(12, 'device-offline', 'Laptop', { deviceSummary: dsum({ offline: true }) }));
    expect(s.devices[0]!.offline).toBe(true);
    s = apply(s, 0, dch(13, 'device-online', 'Laptop', { deviceSummary: dsum({ offline: false }) }));
    expect(s.devices[0]!.offline).toBe(false);
  });

  it('snapshot devices are taken as they are, and a batch leaves other devices alone', () => {
    let s = reduceViews(initialViewsState, { type: 'load' });
    s = reduceViews(s, { type: 'snapshot', epoch: s.epoch, snapshot: { ...snapshot(10), devices: [device('A', 'pop3-keep'), device('B', 'imap-online')] }, now: 0 });
    const t = apply(s, 0, dch(11, 'device-flags', 'B', { id: 1, deviceMessage: dmsg(1, { flagged: true }), deviceSummary: dsum({ visible: 1 }) }));
    expect(t.devices[0]).toBe(s.devices[0]);
    expect(t.marks.get(deviceKey('B', 1))?.kind).toBe('flags');
  });

  it('finds the server copy of a device message by UID (IMAP) or UIDL (POP3)', () => {
    const s = live(10);
    const lap = device('Laptop', 'imap-offline');
    expect(serverRefOf(s, lap, dmsg(1, { uid: 2 }))).toEqual({ account: 'student', mailbox: 'INBOX', uid: 2 });
    expect(serverRefOf(s, lap, dmsg(1, { uid: 99 }))).toBeNull();
    expect(serverRefOf(s, lap, dmsg(1, { uidl: 'u3' }))).toEqual({ account: 'student', mailbox: 'INBOX', uid: 3 });
    expect(serverRefOf(s, lap, dmsg(1, { uidl: 'gone' }))).toBeNull();
    // A POP3 copy whose message QUIT removed still names it, for its lines.
    expect(serverRefOf(s, lap, dmsg(1, { uidl: 'gone', serverUid: 42 }))).toEqual({ account: 'student', mailbox: 'INBOX', uid: 42 });
  });
});

describe('glowTone', () => {
  it('gives each kind of change one tone, the same in every view', () => {
    expect(glowTone(undefined)).toBe('');
    expect(['new', 'restored', 'downloaded', 'filed'].map((k) => glowTone(k as never))).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(['marked', 'committed', 'refused'].map((k) => glowTone(k as never))).toEqual(['err', 'err', 'err']);
    expect(glowTone('flags')).toBe('accent');
    expect(glowTone('quota')).toBe('accent');
    expect(glowTone('queued')).toBe('linked');
  });
});
