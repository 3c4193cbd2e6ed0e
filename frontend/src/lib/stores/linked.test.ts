import { describe, expect, it } from 'vitest';
import type { MessageRefDTO } from '../types';
import { createLinkedStore, initialLinked, reduceLinked } from './linked';
import { refKey } from './views';

const ref = (uid: number, account = 'student'): MessageRefDTO => ({ account, mailbox: 'INBOX', uid });

describe('reduceLinked', () => {
  it('a picked message lights up the lines Touching answers, first one first', () => {
    let s = reduceLinked(initialLinked, { type: 'pick-message', ref: ref(3) });
    expect(s.loading).toBe(true);
    expect([...s.messages]).toEqual([refKey(ref(3))]);
    s = reduceLinked(s, { type: 'lines', req: s.req, seqs: [40, 12, 33] });
    expect([...s.lines]).toEqual([12, 33, 40]);
    expect(s.first).toBe(12);
    expect(s.loading).toBe(false);
  });

  it('a picked line lights up the messages Related answers', () => {
    let s = reduceLinked(initialLinked, { type: 'pick-line', seq: 9 });
    s = reduceLinked(s, { type: 'messages', req: s.req, refs: [ref(1), ref(2)] });
    expect(s.messages.has(refKey(ref(2)))).toBe(true);
    expect(s.lines.size).toBe(0);
  });

  it('drops an answer to an older pick', () => {
    let s = reduceLinked(initialLinked, { type: 'pick-message', ref: ref(1) });
    const old = s.req;
    s = reduceLinked(s, { type: 'pick-line', seq: 5 });
    expect(reduceLinked(s, { type: 'lines', req: old, seqs: [1, 2] })).toBe(s);
    expect(reduceLinked(s, { type: 'messages', req: old, refs: [ref(9)] })).toBe(s);
  });

  it('picking the same thing twice is no new request; clear forgets', () => {
    const s = reduceLinked(initialLinked, { type: 'pick-message', ref: ref(1) });
    expect(reduceLinked(s, { type: 'pick-message', ref: { ...ref(1), account: 'STUDENT' } })).toBe(s);
    const c = reduceLinked(s, { type: 'clear' });
    expect(c.source).toBeNull();
    expect(c.req).toBe(s.req + 1);
    expect(reduceLinked(c, { type: 'clear' })).toBe(c);
  });
});

describe('createLinkedStore', () => {
  it('asks the backend and keeps only the latest answer', async () => {
    const calls: string[] = [];
    const store = createLinkedStore({
      touching: async (r) => {
        calls.push(`touching ${r.uid}`);
        return [r.uid * 10];
      },
      related: async (seq) => {
        calls.push(`related ${seq}`);
        return [ref(seq)];
      },
    });
    store.pickMessage(ref(2));
    store.pickLine(7);
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toEqual(['touching 2', 'related 7']);
    expect(store.get().source).toEqual({ kind: 'line', seq: 7 });
    expect([...store.get().messages]).toEqual([refKey(ref(7))]);
    expect(store.get().lines.size).toBe(0);
  });
});
