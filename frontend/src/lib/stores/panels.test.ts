import { get } from 'svelte/store';
import { describe, expect, it } from 'vitest';
import type {
  ActionProgressDTO,
  ActionResultDTO,
  ConsoleDTO,
  ConsoleOutputDTO,
  LabStateDTO,
  LinkStateDTO,
  PresetDTO,
} from '../types';
import { createConsoleStore, appendLines } from './console';
import {
  createActionsStore,
  createLabStore,
  describeResult,
  plainError,
} from './lab';
import { idle, reduceActivity } from './activity';
import {
  bpsFromSlider,
  BPS_MAX,
  BPS_MIN,
  createLinkStore,
  currentPresetId,
  customFrom,
  sliderFromBps,
  SLIDER_STEPS,
} from './link';

/** A fake event source: subscribe returns an unsubscribe; emit delivers. */
function bus<T>() {
  const cbs = new Set<(p: T) => void>();
  return {
    sub: (cb: (p: T) => void) => {
      cbs.add(cb);
      return () => cbs.delete(cb);
    },
    emit: (p: T) => cbs.forEach((cb) => cb(p)),
    get size() {
      return cbs.size;
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

const preset = (id: string, over: Partial<PresetDTO> = {}): PresetDTO => ({
  id,
  name: id,
  description: '',
  downBps: 50_000,
  upBps: 33_600,
  rttMs: 150,
  jitterMs: 0,
  dialTimeMs: 20_000,
  tariff: { perMinute: 0.04, perCall: 0.1, incrementMs: 0, currency: 'EUR', flat: false },
  ...over,
});
const linkState = (id: string, over: Partial<LinkStateDTO> = {}): LinkStateDTO => ({
  profile: preset(id),
  custom: id === 'custom',
  offline: false,
  speed: 1,
  paused: false,
  nowUs: 0,
  call: {
    enabled: true,
    metered: true,
    up: false,
    dialling: false,
    dialStartUs: 0,
    startedUs: 0,
    atUs: 0,
    onlineSeconds: 0,
    cost: 0,
    calls: 0,
    dialSeconds: 0,
    totalOnlineSeconds: 0,
    totalCost: 0,
    currency: 'EUR',
    tariff: preset(id).tariff,
    openConnections: 0,
    idleHangupSeconds: 120,
    hangupAtUs: 0,
    ended: '',
  },
  ...over,
});

describe('link store', () => {
  it('loads presets and state, follows link:changed, and applies command answers', async () => {
    const ev = bus<LinkStateDTO>();
    const calls: string[] = [];
    const s = createLinkStore(
      {
        presets: async () => [preset('dialup-56k'), preset('lte')],
        state: async () => linkState('dialup-56k', { nowUs: 5 }),
        select: async (id) => (calls.push(`select ${id}`), linkState(id, { nowUs: 9 })),
        setCustom: async (c) => (calls.push(`custom ${c.downBps}`), linkState('custom')),
        setOffline: async (o) => (calls.push(`offline ${o}`), linkState('lte', { offline: o })),
        setSpeed: async (x) => (calls.push(`speed ${x}`), linkState('lte', { speed: x, paused: x === 0 })),
        hangup: async () => (calls.push('hangup'), linkState('dialup-56k')),
        setIdleHangup: async (sec) => (calls.push(`idle ${sec}`), linkState('dialup-56k')),
      },
      ev.sub,
    );
    expect(get(s).loading).toBe(true);
    await s.load();
    expect(get(s).presets.map((p) => p.id)).toEqual(['dialup-56k', 'lte']);
    expect(get(s).state?.profile.id).toBe('dialup-56k');
    ev.emit(linkState('lte', { nowUs: 7 }));
    expect(get(s).state?.profile.id).toBe('lte');
    await s.select('3g');
    expect(get(s).state?.profile.id).toBe('3g');
    await s.setOffline(true);
    expect(get(s).state?.offline).toBe(true);
    await s.setSpeed(0);
    expect(get(s).state?.paused).toBe(true);
    await s.setCustom({ downBps: 9600, upBps: 9600, rttMs: 10, jitterMs: 0 });
    expect(get(s).state?.custom).toBe(true);
    await s.hangup();
    await s.setIdleHangup(30);
    expect(get(s).receivedAt).toBeGreaterThan(0);
    expect(calls).toEqual(['select 3g', 'offline true', 'speed 0', 'custom 9600', 'hangup', 'idle 30']);
    s.destroy();
    expect(ev.size).toBe(0);
  });

  it('shows errors without the Go package prefix and clears them on the next command', async () => {
    const s = createLinkStore(
      {
        presets: async () => [],
        state: async () => linkState('lte'),
        select: async () => {
          throw new Error('app: select link: no preset "x"');
        },
        setCustom: async () => linkState('custom'),
        setOffline: async () => linkState('lte'),
        setSpeed: async () => linkState('lte'),
        hangup: async () => linkState('lte'),
        setIdleHangup: async () => linkState('lte'),
      },
      () => () => {},
    );
    await s.select('x');
    expect(get(s).error).toBe('select link: no preset "x"');
    expect(get(s).pending).toBe(false);
    await s.setSpeed(1);
    expect(get(s).error).toBeNull();
  });

  it('maps the log-scale bandwidth slider both ways', () => {
    expect(bpsFromSlider(0)).toBe(BPS_MIN);
    expect(bpsFromSlider(SLIDER_STEPS)).toBe(BPS_MAX);
    expect(bpsFromSlider(-5)).toBe(BPS_MIN);
    expect(sliderFromBps(0)).toBe(SLIDER_STEPS); // unlimited sits at the top
    for (const b of [9600, 56_000, 1_000_000, 8_000_000, 1e9]) {
      const back = bpsFromSlider(sliderFromBps(b));
      expect(Math.abs(back - b) / b).toBeLessThan(0.02);
    }
    // Monotonic.
    let last = 0;
    for (let p = 0; p <= SLIDER_STEPS; p += 10) {
      const b = bpsFromSlider(p);
      expect(b).toBeGreaterThanOrEqual(last);
      last = b;
    }
  });

  it('names the preset in use; the lab’s unnamed start profile is loopback', () => {
    expect(currentPresetId(null)).toBeNull();
    expect(currentPresetId(linkState('lte'))).toBe('lte');
    expect(currentPresetId(linkState(''))).toBe('loopback');
    expect(currentPresetId(linkState('custom'))).toBe('custom');
  });

  it('starts the custom sliders from the current profile, clamped', () => {
    expect(customFrom(preset('x', { downBps: 0, upBps: 100, rttMs: 9000, jitterMs: 3 }))).toEqual({
      downBps: BPS_MAX,
      upBps: BPS_MIN,
      rttMs: 2000,
      jitterMs: 3,
    });
    expect(customFrom(null).downBps).toBeGreaterThan(0);
  });
});

const labState = (inbox: number, listening = false): LabStateDTO => ({
  domain: 'mailscope.lab',
  accounts: [{ name: 'student', password: 'secret', address: 'student@mailscope.lab', quota: 0, used: 0, inbox, unseen: inbox }],
  endpoints: listening
    ? [{ service: 'pop3', protocol: 'pop3', tls: false, addr: '127.0.0.1:2110', example: 'curl pop3://127.0.0.1:2110/ -u student:secret' }]
    : null,
  listening,
});

describe('lab store', () => {
  it('loads, follows lab:changed, toggles listening and seeds', async () => {
    const ev = bus<LabStateDTO>();
    const s = createLabStore(
      {
        state: async () => labState(0),
        setListening: async (on) => labState(0, on),
        seed: async (_u, n) => labState(n),
      },
      ev.sub,
    );
    await s.load();
    expect(get(s).state?.accounts?.[0]?.inbox).toBe(0);
    await s.setListening(true);
    expect(get(s).state?.listening).toBe(true);
    await s.seed('student', 10);
    expect(get(s).state?.accounts?.[0]?.inbox).toBe(10);
    ev.emit(labState(3));
    expect(get(s).state?.accounts?.[0]?.inbox).toBe(3);
  });

  it('keeps a lab:changed that lands while loading', async () => {
    const ev = bus<LabStateDTO>();
    let resolve!: (s: LabStateDTO) => void;
    const s = createLabStore(
      { state: () => new Promise((r) => (resolve = r)), setListening: async () => labState(0), seed: async () => labState(0) },
      ev.sub,
    );
    const p = s.load();
    ev.emit(labState(5));
    resolve(labState(1));
    await p;
    expect(get(s).state?.accounts?.[0]?.inbox).toBe(5);
  });

  it("keeps Go's example command for each endpoint (the frontend writes none)", async () => {
    const s = createLabStore(
      { state: async () => labState(0, true), setListening: async (on) => labState(0, on), seed: async () => labState(0, true) },
      bus<LabStateDTO>().sub,
    );
    await s.load();
    expect(get(s).state?.endpoints?.map((e) => e.example)).toEqual(['curl pop3://127.0.0.1:2110/ -u student:secret']);
  });
});

const result = (over: Partial<ActionResultDTO> = {}): ActionResultDTO => ({
  seconds: 2.5,
  connections: 1,
  roundTrips: 9,
  payloadUp: 100,
  payloadDown: 200,
  wireUp: 1024,
  wireDown: 2048,
  downloaded: 0,
  sent: 1,
  firstReadable: -1,
  outcome: '',
  ...over,
});

describe('actions store', () => {
  it('is busy while an action runs and reports its result', async () => {
    const prog = bus<ActionProgressDTO>();
    const lab = bus<void>();
    let finish!: (r: ActionResultDTO) => void;
    let devicesCalls = 0;
    const s = createActionsStore(
      {
        devices: async () => (devicesCalls++, [{ name: 'Home PC', user: 'student', policy: 'pop3-delete', visible: 0, offlineReadable: 0, unread: 0, outbox: 0, folders: ['INBOX'], workingOffline: false }]),
        checkMail: () => new Promise((r) => (finish = r)),
        sendMail: async () => result(),
      },
      prog.sub,
      lab.sub,
    );
    const p = s.checkMail('Home PC');
    expect(get(s).running).toBe(1);
    expect(get(s).statusKind).toBe('running');
    expect(get(s).status).toBe('Checking mail from Home PC…');
    prog.emit({ id: 1, action: 'check', device: 'Home PC', state: 'running' });
    expect(get(s).running).toBe(1);
    prog.emit({ id: 1, action: 'check', device: 'Home PC', state: 'done' });
    finish(result({ downloaded: 3, sent: 0, firstReadable: 1.2 }));
    expect(await p).toBe(true);
    expect(get(s).running).toBe(0);
    expect(get(s).statusKind).toBe('ok');
    expect(get(s).status).toContain('3 messages downloaded');
    expect(get(s).status).toContain('9 round trips');
    await tick();
    expect(get(s).devices[0]?.name).toBe('Home PC');
    lab.emit();
    await tick();
    expect(devicesCalls).toBe(2);
  });

  it('shows errors plainly', async () => {
    const s = createActionsStore(
      {
        devices: async () => [],
        checkMail: async () => result(),
        sendMail: async () => {
          throw new Error('app: link: offline');
        },
      },
      () => () => {},
      () => () => {},
    );
    expect(await s.sendMail({ from: 'student', to: ['alice@mailscope.lab'], subject: 's', body: 'b' })).toBe(false);
    expect(get(s).statusKind).toBe('error');
    expect(get(s).status).toBe(
      'Could not send the message as student: the link is offline — switch it back online in the Link panel',
    );
    expect(get(s).running).toBe(0);
  });

  it('strips Go prefixes from errors', () => {
    expect(plainError('mua: Home PC: pop3 login: [IN-USE] maildrop already locked', 'Home PC')).toBe(
      'pop3 login: [IN-USE] maildrop already locked',
    );
    expect(plainError('app: no device "x"')).toBe('no device "x"');
  });

  it('folds progress events and describes results', () => {
    let r = reduceActivity(idle, { id: 4, action: 'send', device: 'x', state: 'running' });
    expect([...r.running]).toEqual([4]);
    r = reduceActivity(r, { id: 4, action: 'send', device: 'x', state: 'error', error: 'boom' });
    expect(r.running.size).toBe(0);
    expect(describeResult('send', 'student', result())).toBe(
      'Sent 1 message from student — 2.5 s simulated, 9 round trips, 1.0 kB up · 2.0 kB down',
    );
  });
});

describe('console store', () => {
  const dto: ConsoleDTO = { id: 7, service: 'pop3', addr: 'pop3.mailscope.lab:110', session: 12, verbs: ['USER', 'PASS'] };

  it('connects, replays a greeting that beat the answer, sends and echoes, closes', async () => {
    const out = bus<ConsoleOutputDTO>();
    const closed = bus<ConsoleOutputDTO>();
    const sent: string[] = [];
    let answer!: (d: ConsoleDTO) => void;
    const s = createConsoleStore(
      {
        open: () => new Promise((r) => (answer = r)),
        send: async (_id, l) => void sent.push(l),
        close: async () => {},
      },
      { output: out.sub, closed: closed.sub },
    );
    const p = s.connect();
    expect(get(s).status).toBe('connecting');
    out.emit({ id: 7, lines: ['+OK POP3 ready'] });
    out.emit({ id: 99, lines: ['someone else'] });
    answer(dto);
    await p;
    expect(get(s).status).toBe('open');
    const kinds = () => get(s).lines.map((l) => `${l.kind}:${l.text}`);
    expect(kinds().slice(-1)).toEqual(['server:+OK POP3 ready']);
    await s.send('USER student');
    out.emit({ id: 7, lines: ['+OK'] });
    out.emit({ id: 8, lines: ['not ours'] });
    expect(sent).toEqual(['USER student']);
    expect(kinds().slice(-2)).toEqual(['client:USER student', 'server:+OK']);
    expect(s.history.up('')).toBe('USER student');
    closed.emit({ id: 7, lines: ['connection closed by the server'] });
    expect(get(s).status).toBe('closed');
    expect(kinds().slice(-1)).toEqual(['note:— connection closed by the server']);
    await s.send('STAT'); // ignored once closed
    expect(sent).toEqual(['USER student']);
  });

  it('reports a failed connect and allows another', async () => {
    let fail = true;
    const s = createConsoleStore(
      {
        open: async () => {
          if (fail) throw new Error('app: console: link: offline');
          return dto;
        },
        send: async () => {},
        close: async () => {},
      },
      { output: () => () => {}, closed: () => () => {} },
    );
    s.setService('imap');
    await s.connect();
    expect(get(s).status).toBe('idle');
    expect(get(s).lines.at(-1)).toMatchObject({ kind: 'error', text: 'Could not connect: console: link: offline' });
    fail = false;
    await s.connect();
    expect(get(s).status).toBe('open');
    s.setService('smtp'); // not while open
    expect(get(s).service).toBe('imap');
    await s.disconnect();
    expect(get(s).status).toBe('closed');
  });

  it('bounds the transcript', () => {
    const ls = Array.from({ length: 5 }, (_, i) => ({ n: i, kind: 'server' as const, text: String(i) }));
    expect(appendLines(ls, [{ n: 9, kind: 'client', text: 'x' }], 3).map((l) => l.text)).toEqual(['3', '4', 'x']);
  });
});
