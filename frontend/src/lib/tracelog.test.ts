import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flagsOf, toColumns, TraceLog } from './tracelog';
import type { TraceBatchDTO, TraceEventDTO } from './types';

function ev(seq: number, over: Partial<TraceEventDTO> = {}): TraceEventDTO {
  return {
    seq,
    session: 1,
    protocol: 'pop3',
    dir: 'c2s',
    kind: 'line',
    atUs: seq * 1000,
    arriveUs: seq * 1000 + 500,
    wallMs: 1_700_000_000_000 + seq,
    bytes: 6,
    wire: 60,
    text: 'NOOP',
    ...over,
  };
}

describe('TraceLog', () => {
  it('gives back every field of every event, absent optionals absent', () => {
    const rows = [
      ev(1),
      ev(2, { protocol: 'imap', dir: 's2c', kind: 'line', verb: 'LOGIN', tag: 'a1', status: 'OK', code: 'CAPABILITY', masked: true, more: true, tls: true }),
      ev(3, { protocol: 'smtp', kind: 'bulk', bytes: 12345, wire: 13000, text: 'Subject: hi\nbody' }),
      ev(4, { protocol: 'unknown', kind: 'fault', session: 9, atUs: 1.5e12, arriveUs: 1.5e12 + 3, wallMs: 1_764_000_000_123 }),
      ev(5, { kind: 'tls' }),
      ev(6, { kind: 'close', dir: 's2c' }),
    ];
    const log = TraceLog.from(rows);
    expect(log.length).toBe(rows.length);
    expect(log.toArray()).toEqual(rows);
    expect(Object.keys(log.get(0) ?? {})).not.toContain('verb');
    expect(log.get(6)).toBeUndefined();
    expect(log.get(-1)).toBeUndefined();
  });

  it('grows by doubling and interns verbs and statuses', () => {
    const log = new TraceLog(16);
    for (let i = 1; i <= 10_000; i++) log.push(ev(i, { verb: i % 2 ? 'NOOP' : undefined, status: i % 2 ? undefined : 'OK' }));
    expect(log.length).toBe(10_000);
    expect(log.seq.length).toBeGreaterThanOrEqual(10_000);
    expect(log.seq.length).toBeLessThan(20_000 + 16);
    expect(log.verbs.values).toEqual([undefined, 'NOOP']);
    expect(log.statuses.values).toEqual([undefined, 'OK']);
    expect(log.get(9_998)).toEqual(ev(9_999, { verb: 'NOOP' }));
    expect(log.statusAt(9_999)).toBe('OK');
  });

  it('keeps a row object stable while it stays in view', () => {
    const log = TraceLog.from([ev(1), ev(2)]);
    expect(log.get(1)).toBe(log.get(1));
    expect(log.row(1)).not.toBe(log.get(1));
    expect(log.row(1)).toEqual(log.get(1));
  });

  it('finds seqs, dense or sparse', () => {
    const dense = TraceLog.from([1, 2, 3, 4].map((s) => ev(s)));
    expect(dense.indexOfSeq(3)).toBe(2);
    const sparse = TraceLog.from([3, 7, 9, 20].map((s) => ev(s)));
    expect(sparse.indexOfSeq(3)).toBe(0);
    expect(sparse.indexOfSeq(20)).toBe(3);
    expect(sparse.indexOfSeq(8)).toBe(-1);
    expect(sparse.indexOfSeq(0)).toBe(-1);
    expect(new TraceLog().indexOfSeq(1)).toBe(-1);
  });
});

// testdata/trace-batch.json is what Go sends (app/dto_test.go writes and
// checks it); GOLDEN_ROWS are the same events as the per-event objects the
// backend used to send (omitempty fields absent).
const GOLDEN_ROWS: TraceEventDTO[] = [
  { seq: 7, session: 3, protocol: 'pop3', dir: 'c2s', kind: 'connect', atUs: 1200.5, arriveUs: 1800, wallMs: 1764000000000, bytes: 0, wire: 0, text: 'connect 10.0.0.2:110' },
  { seq: 8, session: 3, protocol: 'pop3', dir: 'c2s', kind: 'line', atUs: 2000, arriveUs: 2500.25, wallMs: 1764000000001, bytes: 13, wire: 65, text: 'PASS ********', verb: 'PASS', masked: true },
  { seq: 9, session: 4, protocol: 'imap', dir: 's2c', kind: 'line', atUs: 3e6, arriveUs: 3.04e6, wallMs: 1764000003000, bytes: 40, wire: 92, text: 'a1 OK [CAPABILITY IMAP4rev1] Logged in', tag: 'a1', status: 'OK', code: 'CAPABILITY', tls: true },
  { seq: 10, session: 5, protocol: 'smtp', dir: 's2c', kind: 'line', atUs: 4e6, arriveUs: 4.001e6, wallMs: 1764000004000, bytes: 16, wire: 68, text: '250-PIPELINING', status: '250', more: true },
  { seq: 11, session: 5, protocol: 'smtp', dir: 'c2s', kind: 'bulk', atUs: 5e6, arriveUs: 6e6, wallMs: 1764000005000, bytes: 12345, wire: 13000, text: 'Subject: hi\u21b5\u21b5body', verb: 'DATA' },
  { seq: 12, session: 6, protocol: 'unknown', dir: 's2c', kind: 'fault', atUs: 7e6, arriveUs: 7e6, wallMs: 1764000007000, bytes: 0, wire: 0, text: 'link dropped' },
  { seq: 13, session: 4, protocol: 'imap', dir: 'c2s', kind: 'tls', atUs: 8e6, arriveUs: 8e6, wallMs: 1764000008000, bytes: 0, wire: 0, text: 'TLS handshake', verb: 'ClientHello' },
  { seq: 14, session: 4, protocol: 'imap', dir: 's2c', kind: 'close', atUs: 9e6, arriveUs: 9e6, wallMs: 1764000009000, bytes: 0, wire: 0, text: 'close' },
  { seq: 15, session: 7, protocol: 'pop3', dir: 'c2s', kind: 'dial', atUs: 10e6, arriveUs: 10e6, wallMs: 1764000010000, bytes: 0, wire: 0, text: '\u260e dialling 56k modem\u2026' },
  { seq: 16, session: 4, protocol: 'imap', dir: 's2c', kind: 'bulk', atUs: 11e6, arriveUs: 15e6, wallMs: 1764000011000, bytes: 30000, wire: 31200, text: 'Subject: big\u21b5\u21b5xxxx', verb: 'FETCH', tag: '*', tls: true, incomplete: true, announced: 65930 },
];

const golden = (): TraceBatchDTO =>
  JSON.parse(readFileSync(new URL('./testdata/trace-batch.json', import.meta.url), 'utf8')) as TraceBatchDTO;

describe('TraceLog.appendColumns (the wire format)', () => {
  it("decodes Go's batch to the rows the per-event objects gave", () => {
    const log = new TraceLog(16);
    log.appendColumns(golden());
    const before = TraceLog.from(GOLDEN_ROWS);
    expect(log.length).toBe(GOLDEN_ROWS.length);
    for (let i = 0; i < GOLDEN_ROWS.length; i++) {
      expect(log.get(i)).toEqual(GOLDEN_ROWS[i]);
      expect(log.get(i)).toEqual(before.get(i));
    }
    expect(Object.keys(log.get(0) ?? {})).not.toContain('tag');
    expect(log.verbs.values).toEqual([undefined, 'PASS', 'DATA', 'ClientHello', 'FETCH']);
  });

  it('reads the flags as one hex digit: 8 is incomplete, with tls it is "c"', () => {
    const b = golden();
    expect(b.flags[9]).toBe('c');
    expect([...'0123456789abcdef'].map((c) => flagsOf(c.charCodeAt(0)))).toEqual([...Array(16).keys()]);
    for (const bad of ['g', 'A', ' ', '-']) expect(flagsOf(bad.charCodeAt(0))).toBe(0);
    const log = new TraceLog();
    log.appendColumns(b);
    expect(log.get(9)).toMatchObject({ incomplete: true, tls: true, announced: 65930, bytes: 30000 });
    // The DATA body announced nothing: no announced key at all.
    expect(Object.keys(log.get(4) ?? {})).not.toContain('announced');
    expect(Object.keys(log.get(4) ?? {})).not.toContain('incomplete');
  });

  it('places announced sizes by index when a batch is copied in pieces', () => {
    const rows = Array.from({ length: 40 }, (_, i) =>
      i % 7 === 3 ? ev(i + 1, { kind: 'bulk', verb: 'FETCH', bytes: 100 + i, announced: 1000 + i, ...(i % 2 === 0 ? { incomplete: true } : {}) }) : ev(i + 1),
    );
    const b = toColumns(rows);
    expect(b.announcedAt).toEqual([3, 10, 17, 24, 31, 38]);
    const log = new TraceLog(16);
    log.appendColumns(b, 0, 11);
    log.push(rows[11] as TraceEventDTO);
    log.appendColumns(b, 12);
    expect(log.toArray()).toEqual(rows);
    // A batch from an older backend, without the sparse pair, still decodes.
    const old: TraceBatchDTO = { ...b, announcedAt: undefined, announced: undefined };
    const plain = new TraceLog();
    plain.appendColumns(old);
    expect(plain.get(3)?.announced).toBeUndefined();
    expect(plain.get(3)?.kind).toBe('bulk');
  });

  it('encodes rows exactly as Go does (toColumns is the inverse)', () => {
    expect(toColumns(GOLDEN_ROWS)).toEqual(golden());
    const log = new TraceLog();
    log.appendColumns(toColumns(GOLDEN_ROWS));
    expect(log.toArray()).toEqual(GOLDEN_ROWS);
  });

  it('copies a range, grows, and mixes with push', () => {
    const rows = Array.from({ length: 3000 }, (_, i) =>
      ev(i + 1, { dir: i % 2 ? 's2c' : 'c2s', verb: i % 3 ? 'NOOP' : undefined, tag: i % 5 ? `a${i}` : undefined }),
    );
    const b = toColumns(rows);
    const log = new TraceLog(16);
    log.appendColumns(b, 0, 10);
    log.push(rows[10] as TraceEventDTO);
    log.appendColumns(b, 11, 11); // empty range
    log.appendColumns(b, 11);
    expect(log.length).toBe(3000);
    expect(log.toArray()).toEqual(rows);
    expect(log.indexOfSeq(2500)).toBe(2499);
  });

  it('reads codes out of range as unknown/line and no flags', () => {
    const b = toColumns([ev(1)]);
    const log = new TraceLog();
    log.appendColumns({ ...b, proto: '9', kind: '7', flags: 'x', dir: '1' });
    expect(log.get(0)).toEqual(ev(1, { protocol: 'unknown', kind: 'line', dir: 's2c' }));
  });
});
