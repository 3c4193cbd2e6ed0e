import { describe, expect, it } from 'vitest';
import { defaultFilter, emptyView, filterKey, isDefaultFilter, matches, splitStatus, statusClass, updateView, type TraceFilter } from './filter';
import type { TraceEventDTO } from './types';

export function ev(seq: number, over: Partial<TraceEventDTO> = {}): TraceEventDTO {
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

const f = (over: Partial<TraceFilter>): TraceFilter => ({ ...defaultFilter, ...over });

describe('statusClass', () => {
  it('classifies each protocol', () => {
    expect(statusClass('+OK')).toBe('ok');
    expect(statusClass('-ERR')).toBe('error');
    expect(statusClass('OK')).toBe('ok');
    expect(statusClass('NO')).toBe('error');
    expect(statusClass('BAD')).toBe('error');
    expect(statusClass('250')).toBe('ok');
    expect(statusClass('354')).toBe('ok');
    expect(statusClass('421')).toBe('error');
    expect(statusClass('550')).toBe('error');
    expect(statusClass('+')).toBe('info');
    expect(statusClass('BYE')).toBe('info');
    expect(statusClass(undefined)).toBeNull();
    expect(statusClass('')).toBeNull();
  });
});

describe('matches', () => {
  it('passes everything by default', () => {
    expect(matches(ev(1), defaultFilter)).toBe(true);
    expect(isDefaultFilter(defaultFilter)).toBe(true);
    expect(isDefaultFilter(f({ text: 'x' }))).toBe(false);
  });
  it('filters by session, protocol and direction', () => {
    expect(matches(ev(1, { session: 2 }), f({ session: 1 }))).toBe(false);
    expect(matches(ev(1, { session: 2 }), f({ session: 2 }))).toBe(true);
    const mailOut = f({ protocols: { smtp: true, pop3: false, imap: true } });
    expect(matches(ev(1), mailOut)).toBe(false);
    expect(matches(ev(1, { protocol: 'imap' }), mailOut)).toBe(true);
    expect(matches(ev(1, { protocol: 'smtp' }), mailOut)).toBe(true);
    expect(matches(ev(1, { protocol: 'unknown' }), mailOut)).toBe(false);
    expect(matches(ev(1, { protocol: 'unknown' }), defaultFilter)).toBe(true);
    expect(matches(ev(1, { dir: 's2c' }), f({ dirs: { c2s: true, s2c: false } }))).toBe(false);
    expect(matches(ev(1, { dir: 'c2s' }), f({ dirs: { c2s: true, s2c: false } }))).toBe(true);
    expect(matches(ev(1, { dir: 's2c' }), f({ dirs: { c2s: true, s2c: true } }))).toBe(true);
  });
  it('filters by status class', () => {
    expect(matches(ev(1, { status: '-ERR' }), f({ status: 'error' }))).toBe(true);
    expect(matches(ev(1, { status: '+OK' }), f({ status: 'error' }))).toBe(false);
    expect(matches(ev(1), f({ status: 'ok' }))).toBe(false);
    expect(matches(ev(1, { status: '250' }), f({ status: 'ok' }))).toBe(true);
  });
  it('matches text case-insensitively, trimmed, also on the verb', () => {
    expect(matches(ev(1, { text: 'RETR 1' }), f({ text: ' retr ' }))).toBe(true);
    expect(matches(ev(1, { text: 'RETR 1' }), f({ text: 'dele' }))).toBe(false);
    expect(matches(ev(1, { text: 'x', verb: 'UID FETCH' }), f({ text: 'fetch' }))).toBe(true);
  });
  it('has a key that ignores case and surrounding space of the text', () => {
    expect(filterKey(f({ text: 'Abc ' }))).toBe(filterKey(f({ text: 'abc' })));
    expect(filterKey(f({ status: 'ok' }))).not.toBe(filterKey(defaultFilter));
  });
});

describe('updateView', () => {
  it('extends incrementally and rebuilds on filter change', () => {
    const events = [ev(1), ev(2, { dir: 's2c', status: '+OK' }), ev(3)];
    const only = f({ dirs: { c2s: true, s2c: false } }); // only client lines
    let v = updateView(emptyView, events, only);
    expect(v.indices).toEqual([0, 2]);
    const same = updateView(v, events, only);
    expect(same).toBe(v);
    events.push(ev(4, { dir: 's2c' }), ev(5));
    v = updateView(v, events, only);
    expect(v.indices).toEqual([0, 2, 4]);
    expect(v.scanned).toBe(5);
    v = updateView(v, events, f({ status: 'ok' }));
    expect(v.indices).toEqual([1]);
  });
  it('rebuilds when the array is replaced (resync)', () => {
    const a = [ev(1), ev(2)];
    const v = updateView(emptyView, a, defaultFilter);
    const b = [ev(1)];
    const w = updateView(v, b, defaultFilter);
    expect(w.indices).toEqual([0]);
    expect(w.source).toBe(b);
  });
  it('tests only new events when appending to 100,000', () => {
    const events: TraceEventDTO[] = [];
    for (let i = 1; i <= 100_000; i++) events.push(ev(i, { dir: i % 2 ? 'c2s' : 's2c' }));
    let v = updateView(emptyView, events, defaultFilter);
    let calls = 0;
    const spy = new Proxy(events, {
      get(t, p, r) {
        if (typeof p === 'string' && /^\d+$/.test(p)) calls++;
        return Reflect.get(t, p, r);
      },
    });
    // Same identity check needs the same array: extend the real one and count reads via a view on it.
    events.push(ev(100_001));
    v = updateView({ ...v, source: spy }, spy, defaultFilter);
    expect(calls).toBe(1);
    expect(v.indices.length).toBe(100_001);
  });
});

describe('splitStatus', () => {
  it('finds the status word in place', () => {
    expect(splitStatus('* OK [UIDNEXT 2] Predicted', 'OK')).toEqual(['* ', 'OK', ' [UIDNEXT 2] Predicted']);
    expect(splitStatus('T1 NO [AUTHENTICATIONFAILED] bad', 'NO')).toEqual(['T1 ', 'NO', ' [AUTHENTICATIONFAILED] bad']);
    expect(splitStatus('+OK 2 messages', '+OK')).toEqual(['', '+OK', ' 2 messages']);
    expect(splitStatus('250-SIZE 10240000', '250')).toEqual(['', '250', '-SIZE 10240000']);
  });
  it('skips the status inside a word and misses cleanly', () => {
    expect(splitStatus('a1 TOKEN OK done', 'OK')).toEqual(['a1 TOKEN ', 'OK', ' done']);
    expect(splitStatus('NOOP', 'NO')).toBeNull();
    expect(splitStatus('x', undefined)).toBeNull();
  });
});
