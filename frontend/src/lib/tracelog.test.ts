import { describe, expect, it } from 'vitest';
import { TraceLog } from './tracelog';
import type { TraceEventDTO } from './types';

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
