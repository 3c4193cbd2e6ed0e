import { describe, expect, it } from 'vitest';
import { defaultFilter, emptyView, updateView } from './filter';
import { compileHighlight, mailViewFor, traceFilterFor } from './lessonwatch';
import { TraceLog } from './tracelog';
import type { TraceEventDTO } from './types';

const ev = (seq: number, over: Partial<TraceEventDTO>): TraceEventDTO => ({
  seq,
  session: 1,
  protocol: 'pop3',
  dir: 'c2s',
  kind: 'line',
  atUs: seq,
  arriveUs: seq,
  wallMs: seq,
  bytes: 6,
  wire: 60,
  text: '',
  ...over,
});

function log() {
  const l = new TraceLog();
  l.push(ev(1, { protocol: 'pop3', dir: 'c2s', verb: 'RETR', text: 'RETR 1' }));
  l.push(ev(2, { protocol: 'pop3', dir: 's2c', verb: 'RETR', status: '+OK', text: '+OK 120 octets' }));
  l.push(ev(3, { protocol: 'pop3', dir: 'c2s', verb: 'DELE', text: 'DELE 1' }));
  l.push(ev(4, { protocol: 'smtp', dir: 's2c', status: '250', text: '250 OK' }));
  l.push(ev(5, { protocol: 'smtp', dir: 's2c', status: '250', text: '250-SIZE 2500' }));
  l.push(ev(6, { protocol: 'smtp', dir: 's2c', status: '354', text: '354 go ahead, 250 bytes' }));
  return l;
}
const lit = (f: Parameters<typeof compileHighlight>[0]) => {
  const l = log();
  const p = compileHighlight(f, l);
  return p ? [...Array(l.length).keys()].filter(p).map((i) => l.seqAt(i)) : null;
};

describe('lesson watch', () => {
  it('turns a watch.trace into the filter a learner would set', () => {
    expect(traceFilterFor(null)).toBe(defaultFilter);
    const f = traceFilterFor({ text: '', fields: { protocol: 'pop3', dir: 's2c' } });
    expect(f.protocols).toEqual({ smtp: false, pop3: true, imap: false });
    expect(f.dirs).toEqual({ c2s: false, s2c: true });
    expect(traceFilterFor({ text: '', fields: { protocol: 'imap', verb: 'FETCH' } }).text).toBe('FETCH');
    expect(traceFilterFor({ text: 'RETR', fields: {} }).text).toBe('RETR');
    const rows = updateView(emptyView, log(), traceFilterFor({ text: '', fields: { protocol: 'smtp' } })).indices;
    expect(rows).toEqual([3, 4, 5]);
  });

  it('highlights exactly the rows whose fields match', () => {
    expect(lit({ text: '', fields: { verb: 'retr' } })).toEqual([1, 2]);
    expect(lit({ text: '', fields: { verb: 'RETR', dir: 'c2s' } })).toEqual([1]);
    // A status is the reply's code, not a number anywhere in the line.
    expect(lit({ text: '', fields: { status: '250' } })).toEqual([4, 5]);
    expect(lit({ text: 'dele', fields: {} })).toEqual([3]);
    expect(lit({ text: '', fields: { device: 'Laptop' } })).toBeNull();
    expect(lit(null)).toBeNull();
  });

  it('names the mailbox view', () => {
    expect(mailViewFor({ trace: null, highlight: null, view: 'server' })).toEqual({ server: true, device: null });
    expect(mailViewFor({ trace: null, highlight: null, view: 'Home PC' })).toEqual({ server: false, device: 'Home PC' });
    expect(mailViewFor({ trace: null, highlight: null, view: '' })).toBeNull();
  });

  it('the trace filter can start at a lesson run', () => {
    const rows = updateView(emptyView, log(), { ...defaultFilter, from: 4 }).indices;
    expect(rows).toEqual([3, 4, 5]);
  });
});
