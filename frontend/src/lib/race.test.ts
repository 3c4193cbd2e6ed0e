import { describe, expect, it } from 'vitest';
import {
  barLength,
  bestOf,
  bestRuns,
  boundaries,
  buildLane,
  buildTimeline,
  countersAt,
  visibleAt,
  formatClock,
  groupByLink,
  lengthBefore,
  linesUpTo,
  mergeSpans,
  metrics,
  niceMax,
  QUIET_SHOWN_US,
  ticks,
  timeScale,
  bytesScale,
  shortSeconds,
  toDisplay,
  toStory,
  stepDials,
  withDialLines,
  dialText,
  chartTitle,
  charts,
  labelPlace,
} from './race';
import type { RunDTO, StepDTO, TotalsDTO, TraceBatchDTO } from './types';

const zero: TotalsDTO = {
  simSeconds: 0,
  dialSeconds: 0,
  setupSeconds: 0,
  roundTripSeconds: 0,
  transferSeconds: 0,
  payloadUp: 0,
  payloadDown: 0,
  wireUp: 0,
  wireDown: 0,
  roundTrips: 0,
  connections: 0,
  calls: 0,
  onlineSeconds: 0,
  cost: 0,
};

function batch(evs: { at: number; arrive: number; session: number; dir: 0 | 1; text: string; wire: number }[]): TraceBatchDTO {
  return {
    n: evs.length,
    seq: evs.map((_, i) => i + 1),
    session: evs.map((e) => e.session),
    atUs: evs.map((e) => e.at),
    arriveUs: evs.map((e) => e.arrive),
    wallMs: evs.map(() => 0),
    bytes: evs.map((e) => e.wire),
    wire: evs.map((e) => e.wire),
    proto: evs.map(() => '2').join(''),
    dir: evs.map((e) => String(e.dir)).join(''),
    kind: evs.map(() => '0').join(''),
    flags: evs.map(() => '0').join(''),
    text: evs.map((e) => e.text),
    verb: evs.map(() => ''),
    tag: evs.map(() => ''),
    status: evs.map(() => ''),
    code: evs.map(() => ''),
  };
}

function step(p: Partial<StepDTO> & { device: string; startSeconds: number; endSeconds: number }, t: Partial<TotalsDTO> = {}): StepDTO {
  return { index: 1, do: 'check', note: '', outcome: '', failed: false, lists: -1, ...p, totals: { ...zero, ...t } };
}

/** Two steps: a check at 0–10 s with its lines at 2–4 s and 6–8 s (dial 0–2 s), a second device's check at 2 h. */
function run(protocol: 'pop3' | 'imap' = 'pop3', extra: Partial<RunDTO> = {}): RunDTO {
  const s1 = step({ index: 1, device: 'PC', startSeconds: 0, endSeconds: 10, lists: 15 }, { simSeconds: 8, dialSeconds: 2, wireDown: 1000, wireUp: 100, roundTrips: 10, onlineSeconds: 10, cost: 1 });
  const s2 = step({ index: 2, device: 'Laptop', startSeconds: 7200, endSeconds: 7202, lists: protocol === 'pop3' ? 0 : 15 }, { simSeconds: 2, wireDown: 50, wireUp: 10, roundTrips: 4, onlineSeconds: 2 });
  const totals = { ...zero, simSeconds: 10, dialSeconds: 2, wireDown: 1050, wireUp: 110, roundTrips: 14, onlineSeconds: 12, cost: 1, connections: 2 };
  return {
    protocol,
    link: { id: 'adsl-8m', name: 'ADSL', downBps: 8e6, upBps: 1e6, rttMs: 40, dialSeconds: 0, metered: false, currency: '' },
    switches: { smtpPipelining: false, pop3Pipelining: false, imapHeadersThenBodies: false },
    totals,
    spanSeconds: 7202,
    firstReadableSeconds: 4,
    messagesOnServerAfter: protocol === 'pop3' ? 0 : 15,
    serverBytesAfter: 0,
    quotaBytes: 0,
    delivered: 0,
    refused: 0,
    noticeDelayAvgSeconds: null,
    noticeDelayMaxSeconds: null,
    devices: [
      { name: 'PC', policy: '', visible: 15, offlineReadable: 15, unread: 0, outbox: 0, folders: {}, firstReadableSeconds: 4, totals: zero },
      { name: 'Laptop', policy: '', visible: protocol === 'pop3' ? 0 : 15, offlineReadable: 0, unread: 0, outbox: 0, folders: {}, firstReadableSeconds: null, totals: zero },
    ],
    steps: [s1, s2],
    lane: {
      events: batch([
        { at: 6e6, arrive: 8e6, session: 1, dir: 1, text: '+OK bye', wire: 60 },
        { at: 2e6, arrive: 4e6, session: 1, dir: 0, text: 'USER student', wire: 40 },
        { at: 7200.5e6, arrive: 7201e6, session: 2, dir: 0, text: 'STAT', wire: 30 },
      ]),
      sessions: [
        { id: 1, protocol, device: 'PC', startUs: 2e6, endUs: 8e6, wireUp: 40, wireDown: 60 },
        { id: 2, protocol, device: 'Laptop', startUs: 7200e6, endUs: 7201e6, wireUp: 30, wireDown: 0 },
      ],
      total: 3,
      truncated: false,
    },
    ...extra,
  };
}

describe('spans', () => {
  it('merges and measures', () => {
    const m = mergeSpans([
      { start: 5, end: 7 },
      { start: 0, end: 2 },
      { start: 2, end: 3 },
      { start: 8, end: 9 },
    ]);
    expect(m).toEqual([
      { start: 0, end: 3 },
      { start: 5, end: 7 },
      { start: 8, end: 9 },
    ]);
    expect(mergeSpans([{ start: 0, end: 1 }, { start: 2, end: 3 }], 1)).toEqual([{ start: 0, end: 3 }]);
    expect(lengthBefore(m, 6)).toBe(4);
    expect(lengthBefore(m, 100)).toBe(6);
  });
});

describe('lanes', () => {
  it('decodes the columns, sorts by time and places lines on devices and steps', () => {
    const lane = buildLane(run());
    expect(lane.lines.map((l) => l.text)).toEqual(['USER student', '+OK bye', 'STAT']);
    expect(lane.lines[0]).toMatchObject({ device: 'PC', dir: 'c2s', kind: 'line' });
    expect(lane.devices.map((d) => d.name)).toEqual(['PC', 'Laptop']);
    expect(lane.steps[0]?.dial).toEqual({ start: 0, end: 2e6 });
    // The dial and the first line touch: one span.
    expect(lane.steps[0]?.network).toEqual([
      { start: 0, end: 4e6 },
      { start: 6e6, end: 8e6 },
    ]);
    expect(lane.endUs).toBe(7202e6);
    expect(linesUpTo(lane.lines, 2e6)).toBe(1);
    expect(linesUpTo(lane.lines, 1e6)).toBe(0);
    expect(linesUpTo(lane.lines, 1e12)).toBe(3);
  });

  it('counters tick with network time and end at the run totals', () => {
    const lane = buildLane(run());
    expect(countersAt(lane, 0)).toMatchObject({ simSeconds: 0, wireDown: 0, roundTrips: 0, cost: 0 });
    // Half of step 1's network time (4 of 6 s... 3 s of 6) is at 3 s.
    const mid = countersAt(lane, 3e6);
    expect(mid.simSeconds).toBeCloseTo(4);
    expect(mid.wireDown).toBe(500);
    expect(mid.roundTrips).toBe(5);
    expect(mid.onlineSeconds).toBeCloseTo(3); // story time, not network time
    // Nothing moves in the quiet gap (4–6 s).
    expect(countersAt(lane, 5e6).wireDown).toBe(countersAt(lane, 4e6).wireDown);
    // Monotone.
    let prev = -1;
    for (let t = 0; t <= 7202e6; t += 1e8) {
      const c = countersAt(lane, t).wireDown;
      expect(c).toBeGreaterThanOrEqual(prev);
      prev = c;
    }
    const end = countersAt(lane, lane.endUs);
    expect(end).toMatchObject({ simSeconds: 10, wireDown: 1050, wireUp: 110, roundTrips: 14, onlineSeconds: 12, cost: 1 });
  });

  it('messages visible per device follow the checks', () => {
    const pop = buildLane(run('pop3'));
    const imap = buildLane(run('imap'));
    expect(countersAt(pop, 1e6).visible).toEqual([
      { name: 'PC', count: 0 },
      { name: 'Laptop', count: 0 },
    ]);
    expect(countersAt(pop, 11e6).visible[0]?.count).toBe(15);
    expect(countersAt(pop, pop.endUs).visible[1]?.count).toBe(0);
    expect(countersAt(imap, imap.endUs).visible[1]?.count).toBe(15);
    expect(countersAt(imap, 7000e6).visible[1]?.count).toBe(0);
  });
});

describe('timeline', () => {
  const lanes = [buildLane(run('pop3')), buildLane(run('imap'))];
  const activity = mergeSpans(lanes.flatMap((l) => l.activity));

  it('is the identity without compression', () => {
    const tl = buildTimeline(activity, 7202e6, false);
    expect(tl.displayEnd).toBe(7202e6);
    expect(toDisplay(tl, 1234)).toBe(1234);
    expect(toStory(tl, 1234)).toBe(1234);
  });

  it('compresses quiet gaps to about a second and maps both ways', () => {
    const tl = buildTimeline(activity, 7202e6, true);
    // Busy 0–4 s, quiet 4–6 s (2 s: compressed), busy 6–8 s, quiet to 7200.5 s, busy to 7201 s, quiet to 7202 s (1 s: kept).
    expect(tl.segments.filter((s) => s.quiet)).toHaveLength(2);
    expect(tl.displayEnd).toBeCloseTo(4e6 + QUIET_SHOWN_US + 2e6 + QUIET_SHOWN_US + 0.5e6 + 1e6);
    for (const story of [0, 1e6, 4e6, 5e6, 7e6, 3600e6, 7200.7e6, 7202e6]) {
      expect(toStory(tl, toDisplay(tl, story))).toBeCloseTo(story, 0);
    }
    // Monotone.
    let prev = -1;
    for (let s = 0; s <= 7202e6; s += 7202e6 / 997) {
      const d = toDisplay(tl, s);
      expect(d).toBeGreaterThanOrEqual(prev);
      prev = d;
    }
    expect(toDisplay(tl, 2e6)).toBe(2e6); // busy time is real time
    const b = boundaries(tl, lanes);
    expect(b[0]).toBe(0); // the dial line
    expect(b[1]).toBe(2e6);
    expect(b).toEqual([...b].sort((x, y) => x - y));
    expect(new Set(b).size).toBe(b.length);
  });

  it('handles no activity', () => {
    const tl = buildTimeline([], 10e6, true);
    expect(tl.displayEnd).toBe(QUIET_SHOWN_US);
    expect(toStory(tl, tl.displayEnd)).toBe(10e6);
  });
});

describe('results', () => {
  it('picks the better value', () => {
    expect(bestOf([3, 5], 'lower')).toEqual([0]);
    expect(bestOf([3, 5], 'higher')).toEqual([1]);
    expect(bestOf([4, 4], 'lower')).toEqual([]);
    expect(bestOf([1, 2, 1], 'lower')).toEqual([0, 2]);
    expect(bestOf([null, 2], 'lower')).toEqual([1]);
    expect(bestOf([3, 5], 'none')).toEqual([]);
  });

  it('builds rows with a winner per row', () => {
    const runs = [run('pop3'), run('imap', { firstReadableSeconds: null, totals: { ...run().totals, simSeconds: 3 } })];
    const ms = metrics(runs);
    const time = ms.find((m) => m.id === 'time')!;
    expect(bestRuns(time, runs)).toEqual([1]);
    const first = ms.find((m) => m.id === 'first')!;
    expect(bestRuns(first, runs)).toEqual([0]); // "never" loses
    expect(first.format(null, runs[1]!)).toBe('never');
    const laptop = ms.find((m) => m.id === 'sees:Laptop')!;
    expect(runs.map((r) => laptop.value(r))).toEqual([0, 15]);
    expect(bestRuns(laptop, runs)).toEqual([1]);
    expect(ms.find((m) => m.id === 'cost')!.value(runs[0]!)).toBeNull(); // flat rate
    expect(groupByLink(runs)).toHaveLength(1);
  });
});

describe('charts and formats', () => {
  it('scales bars on a round axis', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(2.2)).toBe(2.5);
    expect(niceMax(150)).toBe(200);
    expect(niceMax(1000)).toBe(1000);
    expect(ticks(150)).toEqual([0, 50, 100, 150, 200]);
    expect(ticks(2.2)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(barLength(50, 200, 100)).toBe(25);
    expect(barLength(0.0001, 200, 100)).toBe(1);
    expect(barLength(0, 200, 100)).toBe(0);
    expect(barLength(500, 200, 100)).toBe(100);
  });

  it('labels an axis in one unit with round ticks', () => {
    const t = timeScale(637);
    expect(t.ticks.map(t.fmt)).toEqual(['0 min', '5 min', '10 min', '15 min', '20 min'].slice(0, t.ticks.length));
    expect(t.max).toBe(1200);
    const s = timeScale(69);
    expect(s.max).toBe(100);
    expect(s.fmt(75)).toBe('75 s');
    expect(timeScale(0.9).fmt(0.5)).toBe('500 ms');
    expect(timeScale(28800).fmt(7200)).toBe('2 h');
    const b = bytesScale(2_880_000);
    expect(b.max).toBe(5e6);
    expect(b.fmt(2e6)).toBe('2 MB');
    expect(shortSeconds(637)).toBe('10.6 min');
    expect(shortSeconds(1.467)).toBe('1.47 s');
    expect(shortSeconds(0.4)).toBe('400 ms');
  });

  it('formats for people', () => {
    expect(formatClock(20.5e6)).toBe('0:00:20.5');
    expect(formatClock(7200e6)).toBe('2:00:00.0');
    expect(formatClock(90000e6)).toBe('1 d 1:00:00.0');
  });
});

describe('visibleAt', () => {
  it('takes each device from the latest step that reports it, any device\'s step', () => {
    const r = run('imap');
    // A delivery (no device) at 1 h changes what the PC lists.
    r.steps.splice(1, 0, step({ index: 3, device: '', do: 'deliver', startSeconds: 3600, endSeconds: 3600, visibleAfter: { PC: 17, Laptop: 0 } }));
    r.steps[0] = { ...r.steps[0]!, visibleAfter: { PC: 15, Laptop: 0 } };
    const lane = buildLane(r);
    const at = (s: number) => Object.fromEntries(visibleAt(lane, s * 1e6).map((d) => [d.name, d.count]));
    expect(at(5)).toEqual({ PC: 0, Laptop: 0 });
    expect(at(10)).toEqual({ PC: 15, Laptop: 0 });
    expect(at(3600)).toEqual({ PC: 17, Laptop: 0 });
    // Without visibleAfter a step still tells its own device's count.
    expect(at(7202)).toEqual({ PC: 15, Laptop: 15 });
  });
});

describe('dialling in the transcript', () => {
  it('puts a dial line at the step start, on its device, before the lines', () => {
    const lane = buildLane(run());
    expect(lane.transcript.map((l) => l.text)).toEqual(['☎ dialling… connected after 2.0 s', 'USER student', '+OK bye', 'STAT']);
    expect(lane.transcript[0]).toMatchObject({ atUs: 0, arriveUs: 2e6, device: 'PC', kind: 'dial', session: -1 });
    expect(lane.lines).toHaveLength(3); // the events themselves are untouched
    expect(linesUpTo(lane.transcript, 0)).toBe(1);
    expect(linesUpTo(lane.transcript, 1e12)).toBe(4);
  });

  it('merges by time, a dial first on a tie, and keeps the rest in order', () => {
    const mk = (atUs: number, text: string) => ({ atUs, arriveUs: atUs, session: 1, device: 'A', dir: 'c2s' as const, kind: 'line', text, wire: 1, status: '' });
    const lines = [mk(1, 'a'), mk(5, 'b'), mk(5, 'c'), mk(9, 'd')];
    const st = (device: string, dials: { start: number; end: number }[]) => ({ step: step({ device, startSeconds: 0, endSeconds: 0 }), dials });
    const out = withDialLines(lines, [st('B', [{ start: 20, end: 30 }]), st('A', [{ start: 5, end: 7 }, { start: 0, end: 1 }])]);
    expect(out.map((l) => (l.kind === 'dial' ? `☎${l.device}@${l.atUs}` : l.text))).toEqual(['☎A@0', 'a', '☎A@5', 'b', 'c', 'd', '☎B@20']);
    expect(withDialLines(lines, [])).toEqual(lines);
    expect(withDialLines(lines, [])).not.toBe(lines);
  });

  it('shows no dial line on an always-on link', () => {
    const r = run();
    for (const st of r.steps) st.totals = { ...st.totals, dialSeconds: 0 };
    const lane = buildLane(r);
    expect(lane.transcript.some((l) => l.kind === 'dial')).toBe(false);
    expect(lane.transcript).toHaveLength(lane.lines.length);
  });

  it('places each call of a polling step before the connection it opens', () => {
    const st = step({ device: 'PC', startSeconds: 0, endSeconds: 1300 }, { dialSeconds: 60, calls: 3 });
    const sessions = [
      { device: 'PC', startUs: 20e6, endUs: 30e6 },
      { device: 'Other', startUs: 100e6, endUs: 110e6 },
      { device: 'PC', startUs: 620e6, endUs: 630e6 },
      { device: 'PC', startUs: 1220e6, endUs: 1230e6 },
    ];
    expect(stepDials(st, sessions)).toEqual([
      { start: 0, end: 20e6 },
      { start: 600e6, end: 620e6 },
      { start: 1200e6, end: 1220e6 },
    ]);
    // When the sessions do not tell: all of it at the start.
    expect(stepDials(st, sessions.slice(0, 2))).toEqual([{ start: 0, end: 60e6 }]);
    expect(stepDials(step({ device: 'PC', startSeconds: 5, endSeconds: 9 }, { dialSeconds: 20, calls: 1 }), sessions)).toEqual([{ start: 5e6, end: 25e6 }]);
    expect(stepDials(step({ device: 'PC', startSeconds: 5, endSeconds: 9 }), sessions)).toEqual([]);
    expect(dialText({ start: 0, end: 20e6 })).toBe('☎ dialling… connected after 20.0 s');
  });
});

describe('results and charts where a figure does not apply', () => {
  it('shows – for dialling on an always-on link', () => {
    const unmetered = run('pop3', { totals: { ...run().totals, dialSeconds: 0 } });
    const metered = run('imap', { link: { ...run().link, id: 'dialup-56k', metered: true, currency: 'EUR', dialSeconds: 20 } });
    const dial = metrics([unmetered, metered]).find((m) => m.id === 'dial');
    expect(dial).toBeDefined();
    if (!dial) return;
    expect(dial.format(dial.value(unmetered), unmetered)).toBe('–');
    expect(dial.format(dial.value(metered), metered)).toBe('2.0 s');
  });

  it('names the currency in the cost chart', () => {
    const cost = charts.find((c) => c.id === 'cost');
    const time = charts.find((c) => c.id === 'time');
    if (!cost || !time) throw new Error('no cost chart');
    const adsl = run();
    const modem = run('imap', { link: { ...adsl.link, id: 'dialup-56k', metered: true, currency: 'EUR' } });
    expect(chartTitle(cost, [adsl, modem])).toBe('Cost (EUR)');
    expect(chartTitle(cost, [adsl])).toBe('Cost (flat rate)');
    expect(chartTitle(time, [adsl, modem])).toBe(time.title);
  });
});

describe('bar labels', () => {
  it('centre over a narrow label, lean outward from the pair when wide', () => {
    // Bars 40 px wide, 6 px apart around x = 100.
    expect(labelPlace(0, '26', 100, 40, 6, 11.5)).toEqual({ x: 77, anchor: 'middle' });
    expect(labelPlace(1, '26', 100, 40, 6, 11.5)).toEqual({ x: 123, anchor: 'middle' });
    expect(labelPlace(0, '321.1 kB', 100, 40, 6, 11.5)).toEqual({ x: 99, anchor: 'end' });
    expect(labelPlace(1, '321.1 kB', 100, 40, 6, 11.5)).toEqual({ x: 101, anchor: 'start' });
  });
});
