import { describe, expect, it } from 'vitest';
import { defaultFilter, emptyView, filterKey, isDefaultFilter, matches, splitStatus, statusClass, updateView, type TraceFilter } from './filter';
import { TraceLog } from './tracelog';
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
    const events = TraceLog.from([ev(1), ev(2, { dir: 's2c', status: '+OK' }), ev(3)]);
    const only = f({ dirs: { c2s: true, s2c: false } }); // only client lines
    let v = updateView(emptyView, events, only);
    expect(v.indices).toEqual([0, 2]);
    const same = updateView(v, events, only);
    expect(same).toBe(v);
    events.push(ev(4, { dir: 's2c' }));
    events.push(ev(5));
    v = updateView(v, events, only);
    expect(v.indices).toEqual([0, 2, 4]);
    expect(v.scanned).toBe(5);
    v = updateView(v, events, f({ status: 'ok' }));
    expect(v.indices).toEqual([1]);
  });
  it('rebuilds when the log is replaced (resync)', () => {
    const a = TraceLog.from([ev(1), ev(2)]);
    const v = updateView(emptyView, a, defaultFilter);
    const b = TraceLog.from([ev(1)]);
    const w = updateView(v, b, defaultFilter);
    expect(w.indices).toEqual([0]);
    expect(w.source).toBe(b);
  });
  it('tests only new events when appending to 100,000', () => {
    const events = new TraceLog();
    for (let i = 1; i <= 100_000; i++) events.push(ev(i, { dir: i % 2 ? 'c2s' : 's2c', text: i % 3 ? 'NOOP' : 'OK done' }));
    const noop = f({ text: 'noop' });
    let v = updateView(emptyView, events, noop);
    expect(v.indices.length).toBe(66_667);
    // Count reads of the text column: only the new row is tested.
    let calls = 0;
    const text = events.text;
    events.push(ev(100_001, { text: 'x NOOP' }));
    events.text = new Proxy(text, {
      get(t, p, r) {
        if (typeof p === 'string' && /^\d+$/.test(p)) calls++;
        return Reflect.get(t, p, r);
      },
    });
    v = updateView(v, events, noop);
    expect(calls).toBe(1);
    expect(v.indices.length).toBe(66_668);
  });
  it('picks by columns exactly the rows the object predicate picks', () => {
    const rows = [
      ev(1, { protocol: 'smtp', dir: 's2c', status: '250', code: '2.1.0', text: '250 2.1.0 OK' }),
      ev(2, { protocol: 'smtp', verb: 'MAIL', text: 'MAIL FROM:<a@b>' }),
      ev(3, { protocol: 'imap', dir: 's2c', status: 'NO', tag: 'a1', text: 'a1 NO bad' }),
      ev(4, { protocol: 'imap', verb: 'LOGIN', tag: 'a1', text: 'a1 LOGIN x ***', masked: true }),
      ev(5, { protocol: 'unknown', kind: 'connect', text: 'connected' }),
      ev(6, { session: 2, dir: 's2c', status: '-ERR', text: '-ERR nope' }),
      ev(7, { session: 2, status: '+', dir: 's2c', text: '+ go on', tls: true }),
      ev(8, { protocol: 'smtp', dir: 's2c', status: '550', text: '550 no such user', more: true }),
    ];
    const log = TraceLog.from(rows);
    const filters: TraceFilter[] = [
      defaultFilter,
      f({ session: 2 }),
      f({ protocols: { smtp: true, pop3: false, imap: false } }),
      f({ protocols: { smtp: false, pop3: true, imap: true } }),
      f({ dirs: { c2s: false, s2c: true } }),
      f({ status: 'ok' }),
      f({ status: 'error' }),
      f({ text: 'login' }),
      f({ text: 'mail' }),
      f({ text: ' NO ' }),
      f({ text: 'a1', status: 'error', protocols: { smtp: false, pop3: false, imap: true } }),
    ];
    for (const flt of filters) {
      const want = rows.flatMap((r, i) => (matches(r, flt) ? [i] : []));
      expect(updateView(emptyView, log, flt).indices, filterKey(flt)).toEqual(want);
    }
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
