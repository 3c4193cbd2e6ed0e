import { describe, expect, it } from 'vitest';
import {
  arrowAt,
  axisFor,
  boundaries,
  crossAt,
  fitScale,
  formatAxisTime,
  formatFlight,
  layoutLadder,
  niceStep,
  tickStep,
  truncate,
  visibleItems,
  yAtTime,
  type ArrowItem,
  type MarkItem,
} from './ladder';
import type { TraceEventDTO } from './types';

let nextSeq = 1;
function ev(p: Partial<TraceEventDTO> & Pick<TraceEventDTO, 'atUs'>): TraceEventDTO {
  return {
    seq: nextSeq++,
    session: 1,
    protocol: 'pop3',
    dir: 'c2s',
    kind: 'line',
    arriveUs: p.atUs,
    wallMs: 0,
    bytes: 6,
    wire: 46,
    text: 'NOOP',
    ...p,
  };
}

const opts = { pxPerMs: 1, width: 400, axisWidth: 60, inset: 40 };

function arrows(items: ReturnType<typeof layoutLadder>['items']): ArrowItem[] {
  return items.filter((i): i is ArrowItem => i.type === 'arrow');
}

describe('layoutLadder: to scale', () => {
  it('drops an arrow by its flight time: 0 → 75,000 µs at 1 px/ms is y 0 → 75', () => {
    const l = layoutLadder([ev({ seq: 1, atUs: 0, arriveUs: 75_000, dir: 'c2s', text: 'USER alice' })], opts);
    const [a] = arrows(l.items);
    expect(a).toMatchObject({ seq: 1, x1: 100, y1: 0, x2: 360, y2: 75, label: 'USER alice', flightLabel: '75 ms' });
    expect(l.clientX).toBe(100);
    expect(l.serverX).toBe(360);
    expect(l.height).toBe(75);
  });

  it('runs server replies right to left and measures times from the session start', () => {
    const l = layoutLadder(
      [
        ev({ seq: 10, atUs: 1_000_000, arriveUs: 1_075_000, dir: 'c2s', text: 'STAT' }),
        ev({ seq: 11, atUs: 1_075_000, arriveUs: 1_150_000, dir: 's2c', text: '+OK 2 320', status: '+OK' }),
      ],
      { ...opts, pxPerMs: 2 },
    );
    const [req, rep] = arrows(l.items);
    expect(l.startUs).toBe(1_000_000);
    expect(l.endUs).toBe(1_150_000);
    expect(req).toMatchObject({ x1: 100, y1: 0, x2: 360, y2: 150 });
    expect(rep).toMatchObject({ x1: 360, y1: 150, x2: 100, y2: 300, status: 'ok' });
  });

  it('lays out by start time, whatever order the events come in', () => {
    const l = layoutLadder(
      [ev({ seq: 2, atUs: 100_000, arriveUs: 150_000 }), ev({ seq: 1, atUs: 0, arriveUs: 50_000 })],
      opts,
    );
    expect(l.items.map((i) => i.seq)).toEqual([1, 2]);
    expect(arrows(l.items).map((a) => [a.y1, a.y2])).toEqual([
      [0, 50],
      [100, 150],
    ]);
  });

  it('draws payloads thick with their size, and marks as horizontal rules at the initiator', () => {
    const l = layoutLadder(
      [
        ev({ seq: 1, atUs: 0, kind: 'connect', text: '127.0.0.1:110' }),
        ev({ seq: 2, atUs: 100_000, arriveUs: 900_000, dir: 's2c', kind: 'bulk', verb: 'RETR', bytes: 5210, text: 'From: a' }),
        ev({ seq: 3, atUs: 1_000_000, dir: 's2c', kind: 'close', text: '' }),
      ],
      opts,
    );
    const [connect, bulk, close] = l.items as [MarkItem, ArrowItem, MarkItem];
    expect(connect).toMatchObject({ type: 'mark', kind: 'connect', x: 100, y: 0, label: 'connect · 127.0.0.1:110' });
    expect(bulk).toMatchObject({ thick: true, sizeLabel: '5.2 kB', label: 'RETR payload', y1: 100, y2: 900 });
    expect(close).toMatchObject({ type: 'mark', x: 360, y: 1000, label: 'close' });
  });

  it('treats TLS records as arrows and TLS begin/established as marks', () => {
    const l = layoutLadder(
      [
        ev({ seq: 1, atUs: 0, kind: 'tls', text: 'TLS begins' }),
        ev({ seq: 2, atUs: 50_000, arriveUs: 130_000, kind: 'tls', verb: 'ClientHello', text: 'ClientHello' }),
      ],
      opts,
    );
    expect(l.items.map((i) => i.type)).toEqual(['mark', 'arrow']);
  });

  it('prints a flight time once per burst and not on short arrows', () => {
    const l = layoutLadder(
      [
        ev({ seq: 1, atUs: 0, arriveUs: 80_000, dir: 's2c', text: '+OK 2 messages' }),
        ev({ seq: 2, atUs: 1000, arriveUs: 81_000, dir: 's2c', text: '1 5210' }),
        ev({ seq: 3, atUs: 81_000, arriveUs: 160_000, dir: 'c2s', text: 'RETR 1' }),
        ev({ seq: 4, atUs: 400_000, arriveUs: 480_000, dir: 's2c', text: '+OK' }),
      ],
      { ...opts, width: 130, inset: 10, minFlightLabelPx: 80 },
    );
    // Columns 70 → 120: seq 3 drops 79 px over 50 px (93 px long), the burst's second line repeats the first.
    expect(arrows(l.items).map((a) => [a.seq, a.flight !== null])).toEqual([
      [1, true],
      [2, false],
      [3, true],
      [4, true],
    ]);
  });

  it('moves a flight time off a label that would cover it, along the arrow', () => {
    const l = layoutLadder(
      [
        ev({ seq: 1, atUs: 0, arriveUs: 100_000, text: 'RETR 1' }),
        ev({ seq: 2, atUs: 60_000, arriveUs: 200_000, dir: 's2c', text: '+OK '.padEnd(40, 'x'), kind: 'line' }),
      ],
      { ...opts, fontPx: 12, minFlightLabelPx: 80 },
    );
    const [a, b] = arrows(l.items);
    // The reply's wide label plate sits over the reply's middle.
    expect(b!.labelBox.x + b!.labelBox.w / 2).toBeCloseTo(230);
    expect(a!.flight).not.toBeNull();
    // Not under its own label at its middle: nearer the sender, below the shaft.
    expect(a!.flight!.x).toBeCloseTo(100 + 0.28 * 260);
    expect(a!.flight!.dy).toBeGreaterThan(0);
  });

  it('puts each label over the middle of its own arrow, not where the previous one arrives', () => {
    // A slow link: each reply arrives where the next command leaves.
    const l = layoutLadder(
      [
        ev({ atUs: 0, arriveUs: 150_000, dir: 's2c', text: '+OK ready' }),
        ev({ atUs: 150_000, arriveUs: 300_000, text: 'USER student' }),
        ev({ atUs: 300_000, arriveUs: 450_000, dir: 's2c', text: '+OK send your password' }),
      ],
      opts,
    );
    const as = arrows(l.items);
    // Distance from a point to a segment.
    const dist = (x: number, y: number, a: ArrowItem) => {
      const dx = a.x2 - a.x1;
      const dy = a.y2 - a.y1;
      const t = Math.max(0, Math.min(1, ((x - a.x1) * dx + (y - a.y1) * dy) / (dx * dx + dy * dy)));
      return Math.hypot(a.x1 + t * dx - x, a.y1 + t * dy - y);
    };
    for (let i = 0; i < as.length; i++) {
      const a = as[i]!;
      expect(a.labelX).toBeCloseTo((a.x1 + a.x2) / 2);
      const cx = a.labelBox.x + a.labelBox.w / 2;
      const cy = a.labelBox.y + a.labelBox.h / 2;
      expect(cx).toBeCloseTo(a.labelX);
      const own = dist(cx, cy, a);
      for (const [j, b] of as.entries()) if (j !== i) expect(own).toBeLessThan(dist(cx, cy, b));
    }
  });

  it('truncates labels to what fits', () => {
    const l = layoutLadder([ev({ atUs: 0, text: 'a1 FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE)' })], {
      ...opts,
      labelChars: 12,
    });
    expect((l.items[0] as ArrowItem).label).toBe('a1 FETCH 1:…');
    expect((l.items[0] as ArrowItem).title).toBe('a1 FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE)');
  });
});

describe('layoutLadder: loopback and bursts', () => {
  it('spaces starts that happen at the same instant and gives 0 µs flights a minimal slant', () => {
    const l = layoutLadder(
      [
        ev({ seq: 1, atUs: 500, dir: 's2c', text: '+OK ready' }),
        ev({ seq: 2, atUs: 500, dir: 'c2s', text: 'USER alice' }),
        ev({ seq: 3, atUs: 500, dir: 's2c', text: '+OK' }),
      ],
      { ...opts, minGapPx: 20, minSlantPx: 5 },
    );
    expect(arrows(l.items).map((a) => [a.y1, a.y2, a.flightLabel])).toEqual([
      [0, 5, '0 ms'],
      [20, 25, '0 ms'],
      [40, 45, '0 ms'],
    ]);
    expect(l.instantaneous).toBe(true);
    // No time passes: one stretch, and the axis says 0 ms once.
    expect(l.segments).toEqual([{ kind: 'stretch', t0: 500, t1: 500, y0: 0, y1: 40 }]);
    const axis = axisFor(l, 0, 1000);
    expect(axis.ticks.map((t) => t.label)).toEqual(['0 ms']);
    expect(axis.breaks).toEqual([{ kind: 'stretch', y0: 0, y1: 45, label: '' }]);
  });

  it('pushes a start that is too close down, and later times follow', () => {
    const l = layoutLadder(
      [
        ev({ seq: 1, atUs: 0, arriveUs: 10_000 }),
        ev({ seq: 2, atUs: 10_000, arriveUs: 20_000, dir: 's2c' }),
        ev({ seq: 3, atUs: 100_000, arriveUs: 175_000 }),
      ],
      { ...opts, minGapPx: 24 },
    );
    const [a, b, c] = arrows(l.items);
    // The first arrow lands where 10 ms is, above the pushed start of the reply.
    expect([a!.y1, a!.y2]).toEqual([0, 10]);
    expect([b!.y1, b!.y2]).toEqual([24, 34]);
    // From then on 1 px/ms again, shifted by the 14 px stretch.
    expect([c!.y1, c!.y2]).toEqual([114, 189]);
    expect(l.segments.map((s) => s.kind)).toEqual(['linear', 'stretch', 'linear', 'linear']);
    expect(yAtTime(l, 10_000, 'before')).toBe(10);
    expect(yAtTime(l, 10_000, 'after')).toBe(24);
    expect(yAtTime(l, 50_000)).toBe(64);
  });
});

describe('layoutLadder: idle gaps', () => {
  const events = () => [
    ev({ seq: 1, atUs: 0, arriveUs: 75_000 }),
    ev({ seq: 2, atUs: 75_000, arriveUs: 150_000, dir: 's2c' }),
    // 60 s of nobody typing.
    ev({ seq: 3, atUs: 60_150_000, arriveUs: 60_225_000 }),
  ];

  it('keeps them to scale by default', () => {
    const [, , c] = arrows(layoutLadder(events(), opts).items);
    expect([c!.y1, c!.y2]).toEqual([60_150, 60_225]);
  });

  it('compresses them on request and labels the break', () => {
    const l = layoutLadder(events(), { ...opts, compressIdle: true, idleMinPx: 200, idleGapPx: 40 });
    const [a, b, c] = arrows(l.items);
    expect([a!.y1, a!.y2, b!.y1, b!.y2]).toEqual([0, 75, 75, 150]);
    // 150 px of flights, then a 40 px break, then to scale again: flights keep their drop.
    expect([c!.y1, c!.y2]).toEqual([190, 265]);
    const axis = axisFor(l, 0, 400, 56);
    expect(axis.breaks).toEqual([{ kind: 'idle', y0: 150, y1: 190, label: '60 s idle' }]);
  });

  it('never compresses time while something is on the wire', () => {
    const l = layoutLadder(
      [
        ev({ seq: 1, atUs: 0, arriveUs: 120_000_000, kind: 'bulk', bytes: 840_000 }),
        ev({ seq: 2, atUs: 120_000_000, arriveUs: 120_075_000, dir: 's2c' }),
      ],
      { ...opts, pxPerMs: 0.01, compressIdle: true, idleMinPx: 200 },
    );
    expect(l.segments.some((s) => s.kind === 'idle')).toBe(false);
    expect((l.items[1] as ArrowItem).y1).toBe(1200);
  });
});

describe('ticks', () => {
  it.each([
    [0.5, 1],
    [1, 1],
    [1.5, 2],
    [2, 2],
    [3, 5],
    [7, 10],
    [56_000, 100_000],
    [200_000, 200_000],
    [280_000, 500_000],
  ])('niceStep(%d) = %d', (raw, want) => {
    expect(niceStep(raw)).toBe(want);
  });

  it('chooses the interval from the scale', () => {
    expect(tickStep(1, 56)).toBe(100_000); // 56 ms → 100 ms
    expect(tickStep(0.3, 56)).toBe(200_000); // 187 ms → 200 ms
    expect(tickStep(0.01, 56)).toBe(10_000_000); // 5.6 s → 10 s
    expect(tickStep(100, 56)).toBe(1000); // 0.56 ms → 1 ms
    expect(tickStep(10_000, 56)).toBe(10); // 5.6 µs → 10 µs
  });

  it.each([
    [0, 100_000, '0 ms'],
    [0, 10_000_000, '0 s'],
    [500, 500, '500 µs'],
    [1500, 500, '1.5 ms'],
    [1250, 50, '1.25 ms'],
    [300_000, 100_000, '300 ms'],
    [1_200_000, 200_000, '1.2 s'],
    [1_000_000, 200_000, '1 s'],
    [1_050_000, 50_000, '1.05 s'],
    [20_000_000, 10_000_000, '20 s'],
    [150_000_000, 50_000_000, '150 s'],
  ])('formatAxisTime(%d, step %d) = %s', (us, step, want) => {
    expect(formatAxisTime(us, step)).toBe(want);
  });

  it('labels the visible band only', () => {
    const l = layoutLadder([ev({ atUs: 0, arriveUs: 1_000_000 })], opts);
    const all = axisFor(l, 0, 2000, 56);
    expect(all.stepUs).toBe(100_000);
    expect(all.ticks.map((t) => t.label)).toEqual([
      '0 ms', '100 ms', '200 ms', '300 ms', '400 ms', '500 ms', '600 ms', '700 ms', '800 ms', '900 ms', '1 s',
    ]);
    expect(all.ticks[3]).toEqual({ y: 300, us: 300_000, label: '300 ms' });
    const band = axisFor(l, 250, 520, 56);
    expect(band.ticks.map((t) => t.y)).toEqual([300, 400, 500]);
  });
});

describe('visibleItems', () => {
  // 2,000 request/reply pairs on a 150 ms RTT link, plus one long payload.
  const many: TraceEventDTO[] = [];
  for (let i = 0; i < 2000; i++) {
    many.push(ev({ seq: 2 * i + 1, atUs: i * 150_000, arriveUs: i * 150_000 + 75_000 }));
    many.push(ev({ seq: 2 * i + 2, atUs: i * 150_000 + 75_000, arriveUs: (i + 1) * 150_000, dir: 's2c' }));
  }
  many.push(ev({ seq: 9999, atUs: 1_000_000, arriveUs: 200_000_000, kind: 'bulk', bytes: 1e6 }));
  const l = layoutLadder(many, opts);

  it('returns only what crosses the band, including long arrows that started above it', () => {
    const got = visibleItems(l, 30_000, 30_300);
    const seqs = got.map((i) => i.seq);
    expect(seqs).toContain(9999);
    for (const it of got) {
      const a = it as ArrowItem;
      expect(a.y2).toBeGreaterThanOrEqual(30_000);
      expect(a.y1).toBeLessThanOrEqual(30_300);
    }
    // 300 px at 75 px per arrow: 4 or 5 pairs' worth, not thousands.
    expect(got.length).toBeLessThan(10);
    expect(seqs.filter((s) => s !== 9999)).toEqual([400, 401, 402, 403, 404, 405]);
  });

  it('is empty past the end and whole for a band covering everything', () => {
    expect(visibleItems(l, 1e9, 2e9)).toEqual([]);
    expect(visibleItems(l, -10, 1e9)).toHaveLength(many.length);
  });
});

describe('fitScale', () => {
  it('fills the viewport when the session is short', () => {
    const e = [ev({ atUs: 0, arriveUs: 100_000 }), ev({ atUs: 100_000, arriveUs: 200_000 })];
    expect(fitScale(e, { viewportPx: 600 })).toBe(3); // 600 px / 200 ms
  });

  it('makes the typical gap readable when the session is long', () => {
    const e: TraceEventDTO[] = [];
    for (let i = 0; i < 200; i++) e.push(ev({ atUs: i * 75_000, arriveUs: (i + 1) * 75_000 }));
    expect(fitScale(e, { viewportPx: 600, minGapPx: 24 })).toBeCloseTo(0.32); // 24 px / 75 ms
  });

  it('caps the height at maxScreens viewports', () => {
    const e = [ev({ atUs: 0, arriveUs: 1000 }), ev({ atUs: 1000, arriveUs: 600_000_000 })];
    expect(fitScale(e, { viewportPx: 600, maxScreens: 10 })).toBeCloseTo(6000 / 600_000);
  });

  it('gives sessions in which no time passes 1 px/ms', () => {
    expect(fitScale([ev({ atUs: 5 }), ev({ atUs: 5 })], { viewportPx: 600 })).toBe(1);
    expect(fitScale([], { viewportPx: 600 })).toBe(1);
  });
});

describe('replay geometry', () => {
  const l = layoutLadder([ev({ seq: 1, atUs: 0, arriveUs: 100_000 })], opts);
  const a = l.items[0] as ArrowItem;

  it('hides what has not started, draws what is in flight to where the packet is', () => {
    expect(arrowAt(l, a, null)).toEqual({ shown: true, inFlight: false, x: 360, y: 100 });
    expect(arrowAt(l, a, -1).shown).toBe(false);
    expect(arrowAt(l, a, 25_000)).toEqual({ shown: true, inFlight: true, x: 165, y: 25 });
    expect(arrowAt(l, a, 100_000).inFlight).toBe(false);
  });

  it('lists the step boundaries', () => {
    expect(boundaries([ev({ atUs: 5, arriveUs: 9 }), ev({ atUs: 0, arriveUs: 5 }), ev({ atUs: 9 })])).toEqual([
      0, 5, 9,
    ]);
  });
});

describe('formatting', () => {
  it('formats flights and truncation', () => {
    expect(formatFlight(0)).toBe('0 ms');
    expect(formatFlight(420)).toBe('420 µs');
    expect(formatFlight(1500)).toBe('1.5 ms');
    expect(formatFlight(75_000)).toBe('75 ms');
    expect(formatFlight(1_234_000)).toBe('1.23 s');
    expect(truncate('  +OK   ready ', 20)).toBe('+OK ready');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});

describe('layoutLadder: a payload cut short', () => {
  it('stops short of the receiver with a ✕, says how much of the announced size arrived, and replays only up to its cut', () => {
    const cut = ev({ seq: 1, atUs: 0, arriveUs: 200_000, dir: 's2c', kind: 'bulk', verb: 'RETR', bytes: 30_000, announced: 65_930, incomplete: true, text: 'From: a' });
    const whole = ev({ seq: 2, atUs: 300_000, arriveUs: 500_000, dir: 's2c', kind: 'bulk', verb: 'RETR', bytes: 65_930, announced: 65_930, text: 'From: b' });
    const l = layoutLadder([cut, whole], opts);
    const [a, b] = arrows(l.items) as [ArrowItem, ArrowItem];
    expect(b.cut).toBeNull();
    expect(b.sizeLabel).toBe('65.9 kB');
    expect(a.sizeLabel).toBe('30.0 kB of 65.9 kB');
    expect(a.title).toContain('30000 of 65930 bytes arrived, then the connection broke');
    // Right to left (server to client): the cut is short of the client's column, on the arrow's line.
    expect(a.cut).not.toBeNull();
    const c = a.cut as { x: number; y: number };
    expect(c.x).toBeGreaterThan(a.x2);
    expect(c.y).toBeLessThan(a.y2);
    expect(Math.hypot(a.x2 - c.x, a.y2 - c.y)).toBeCloseTo(22, 6);
    expect((c.y - a.y1) / (a.y2 - a.y1)).toBeCloseTo((c.x - a.x1) / (a.x2 - a.x1), 6);
    expect(arrowAt(l, a, null)).toEqual({ shown: true, inFlight: false, x: c.x, y: c.y });
    const late = arrowAt(l, a, 199_999);
    expect(late.inFlight).toBe(true);
    expect(late.y).toBeLessThanOrEqual(c.y);
    expect(crossAt(10, 20, 5)).toBe('M5 15L15 25M5 25L15 15');
  });
});
