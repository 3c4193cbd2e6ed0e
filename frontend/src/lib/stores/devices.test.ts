import { describe, expect, it } from 'vitest';
import type { ActionResultDTO, MessageReadDTO, SearchResultDTO } from '../types';
import { createDevicesStore, initialDevices, reduceDevices, resultText, type DevicesApi } from './devices';

const res = (o: Partial<ActionResultDTO> = {}): ActionResultDTO => ({
  seconds: 0,
  connections: 0,
  roundTrips: 0,
  payloadUp: 0,
  payloadDown: 0,
  wireUp: 0,
  wireDown: 0,
  downloaded: 0,
  sent: 0,
  firstReadable: -1,
  outcome: '',
  ...o,
});

function api(over: Partial<DevicesApi> = {}): DevicesApi {
  const r = async () => res({ outcome: 'done it' });
  return {
    addDevice: async (s) => ({ name: s.name, user: s.user, policy: s.policy, visible: 0, offlineReadable: 0, unread: 0, outbox: 0, folders: ['INBOX'], workingOffline: false }),
    removeDevice: async () => [],
    checkMail: r,
    open: async () => ({ result: res({ outcome: 'opened message 1 from the device\'s own copy: no network needed' }) }) as MessageReadDTO,
    compose: r,
    reply: r,
    markRead: r,
    flag: r,
    delete: r,
    move: r,
    createFolder: r,
    search: async () => ({ ids: [2, 5], onServer: true, serverMatches: 3, result: res({ outcome: 'the server found 3' }) }) as SearchResultDTO,
    setWorkingOffline: r,
    ...over,
  };
}

describe('reduceDevices', () => {
  it('one action at a time per device, with its last word', () => {
    let s = reduceDevices(initialDevices, { type: 'start', device: 'Laptop', action: 'check', text: 'Checking mail…' });
    expect(s.busy.Laptop).toBe('check');
    expect(s.status.Laptop).toEqual({ action: 'check', kind: 'running', text: 'Checking mail…' });
    s = reduceDevices(s, { type: 'failed', device: 'Laptop', action: 'check', text: 'The link is offline' });
    expect(s.busy.Laptop).toBeUndefined();
    expect(s.status.Laptop?.kind).toBe('error');
    s = reduceDevices(s, { type: 'forget', device: 'Laptop' });
    expect(s).toEqual(initialDevices);
  });
});

describe('resultText', () => {
  it("says Go's outcome, and what the network cost when it was used", () => {
    expect(resultText(res({ outcome: 'marked read on the device' }))).toBe('Marked read on the device');
    expect(resultText(res({ outcome: 'downloaded 2 messages', connections: 1, seconds: 1.5, roundTrips: 9, wireUp: 500, wireDown: 2500 }))).toBe(
      'Downloaded 2 messages — 1.5 s on the link, 9 round trips, 3.0 kB on the wire',
    );
  });
});

describe('createDevicesStore', () => {
  it('runs an action and keeps the outcome; refuses a second on a busy device', async () => {
    let finish!: () => void;
    const s = createDevicesStore(api({ checkMail: () => new Promise((r) => (finish = () => r(res({ outcome: 'no new mail' })))) }));
    const p = s.check('Home PC');
    expect(s.get().busy['Home PC']).toBe('check');
    const second = await s.flag('Home PC', 1, true);
    expect(second).toEqual({ ok: false, error: 'Home PC is busy: Checking mail' });
    finish();
    expect(await p).toMatchObject({ ok: true });
    expect(s.get().status['Home PC']).toEqual({ action: 'check', kind: 'ok', text: 'No new mail' });
  });

  it("gives a failure's reason in plain words", async () => {
    const s = createDevicesStore(
      api({
        open: async () => {
          throw new Error('app: message 4 is not stored on Phone: it lists headers only (IMAP online) and the link is offline');
        },
      }),
    );
    const o = await s.open('Phone', 4);
    expect(o).toEqual({ ok: false, error: 'message 4 is not stored on Phone: it lists headers only (IMAP online) and the link is offline' });
    expect(s.get().status.Phone?.kind).toBe('error');
  });

  it('keeps a search until cleared', async () => {
    const s = createDevicesStore(api());
    await s.search('Laptop', 'INBOX', 'trip');
    expect([...s.get().search.Laptop!.ids]).toEqual([2, 5]);
    expect(s.get().search.Laptop).toMatchObject({ onServer: true, serverMatches: 3, text: 'trip' });
    s.clearSearch('Laptop');
    expect(s.get().search.Laptop).toBeUndefined();
  });
});
