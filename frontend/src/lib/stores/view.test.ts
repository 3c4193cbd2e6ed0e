import { describe, expect, it } from 'vitest';
import type { TraceEventDTO } from '../types';
import { TraceLog } from '../tracelog';
import { indexOfSeq, initialView, moveSelection, reduceView } from './view';

const ev = (seq: number): TraceEventDTO => ({
  seq, session: 1, protocol: 'imap', dir: 'c2s', kind: 'line', atUs: 0, arriveUs: 0, wallMs: 0, bytes: 1, wire: 1, text: '',
});

describe('reduceView', () => {
  it('toggles filter chips and clears them', () => {
    let s = reduceView(initialView, { type: 'toggle-protocol', protocol: 'smtp' });
    expect(s.filter.protocols).toEqual({ smtp: true, pop3: false, imap: false });
    s = reduceView(s, { type: 'toggle-protocol', protocol: 'smtp' });
    expect(s.filter.protocols.smtp).toBe(false);
    s = reduceView(s, { type: 'toggle-dir', dir: 's2c' });
    s = reduceView(s, { type: 'status', status: 'error' });
    s = reduceView(s, { type: 'session', session: 4 });
    s = reduceView(s, { type: 'text', text: 'retr' });
    expect(s.filter).toMatchObject({ dirs: { c2s: false, s2c: true }, status: 'error', session: 4, text: 'retr' });
    s = reduceView(s, { type: 'clear-filters' });
    expect(s.filter).toEqual(initialView.filter);
  });
  it('keeps identity when nothing changes', () => {
    expect(reduceView(initialView, { type: 'follow', on: true })).toBe(initialView);
    expect(reduceView(initialView, { type: 'select', seq: null })).toBe(initialView);
    expect(reduceView(initialView, { type: 'reset' })).toBe(initialView);
  });
  it('expands and collapses bulk rows without mutating the old set', () => {
    const a = reduceView(initialView, { type: 'toggle-expand', seq: 5 });
    expect([...a.expanded]).toEqual([5]);
    expect(initialView.expanded.size).toBe(0);
    const b = reduceView(a, { type: 'toggle-expand', seq: 5 });
    expect(b.expanded.size).toBe(0);
    expect(reduceView(a, { type: 'reset' }).expanded.size).toBe(0);
  });
});

describe('selection', () => {
  const events = TraceLog.from([1, 2, 3, 4, 5, 6].map(ev));
  it('finds seqs, dense or not', () => {
    expect(indexOfSeq(events, 4)).toBe(3);
    const sparse = TraceLog.from([3, 7, 9].map(ev));
    expect(indexOfSeq(sparse, 7)).toBe(1);
    expect(indexOfSeq(sparse, 8)).toBe(-1);
  });
  it('moves within the filtered rows and clamps', () => {
    const indices = [0, 2, 4]; // seqs 1, 3, 5
    expect(moveSelection(events, indices, null, 1)).toBe(1);
    expect(moveSelection(events, indices, null, -1)).toBe(5);
    expect(moveSelection(events, indices, 1, 1)).toBe(3);
    expect(moveSelection(events, indices, 5, 1)).toBe(5);
    expect(moveSelection(events, indices, 3, -1)).toBe(1);
    expect(moveSelection(events, indices, 2, 1)).toBe(1); // filtered out: start over
    expect(moveSelection(events, [], 2, 1)).toBeNull();
  });
});
