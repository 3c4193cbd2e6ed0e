import { describe, expect, it } from 'vitest';
import { toColumns } from '../tracelog';
import type { TraceBatchDTO, TraceEventDTO, TraceSnapshotDTO } from '../types';
import { createTraceStore, EARLY_MAX, initialTraceState, reduceTrace, type TraceState } from './trace';

function ev(seq: number, session = 1): TraceEventDTO {
  return {
    seq,
    session,
    protocol: 'pop3',
    dir: seq % 2 ? 'c2s' : 's2c',
    kind: 'line',
    atUs: seq,
    arriveUs: seq + 1,
    wallMs: seq,
    bytes: 4,
    wire: 44,
    text: `line ${seq}`,
  };
}

function snap(seqs: number[], reveal = false): TraceSnapshotDTO {
  return {
    seq: seqs.length ? (seqs[seqs.length - 1] as number) : 0,
    reveal,
    events: toColumns(seqs.map((s) => ev(s))),
    sessions: [{ id: 1, protocol: 'pop3', client: 'c', server: 's', startUs: 0 }],
  };
}

const seqs = (s: TraceState) => s.events.toArray().map((e) => e.seq);

describe('reduceTrace', () => {
  it('drops the events of sessions set aside (trace:aside) without a reload, keeping the rest and the seq', () => {
    const aside = { spilled: 1, spilledBytes: 100, summarised: 0, summarisedBytes: 0, text: '1 older session (100 B) moved to disk' };
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1, 2]) });
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(3, 2), ev(4, 1), ev(5, 3), ev(6, 2)]) });
    const before = s;
    s = reduceTrace(s, { type: 'aside', sessions: [2], aside });
    expect(seqs(s)).toEqual([1, 2, 4, 5]);
    expect(s.events.toArray().map((e) => e.text)).toEqual(['line 1', 'line 2', 'line 4', 'line 5']);
    expect(s.seq).toBe(6);
    expect(s.aside).toEqual(aside);
    expect(s.version).toBeGreaterThan(before.version);
    expect(seqs(before)).toEqual([1, 2, 3, 4, 5, 6]); // the old state's log is untouched
    // Live batches go on after it, and a session not held drops nothing.
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(7, 3)]) });
    expect(seqs(s)).toEqual([1, 2, 4, 5, 7]);
    const same = reduceTrace(s, { type: 'aside', sessions: [9], aside });
    expect(same.events).toBe(s.events);
  });

  it('remembers sessions set aside while the snapshot loads and drops them when it lands', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'aside', sessions: [1], aside: null });
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(4, 2)]) });
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1, 2, 3]) });
    expect(seqs(s)).toEqual([4]);
    expect(s.pendingDrop).toEqual([]);
  });

  it('shows a saved trace read-only: live batches are ignored until the live lab is back', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(9)]) });
    const viewing = { name: 'saved.jsonl', format: 'jsonl', faults: ['reply@pop3,cmd=RETR,with=-ERR'] };
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: { ...snap([1, 2, 3]), viewing } });
    expect(s.viewing).toEqual(viewing);
    expect(seqs(s)).toEqual([1, 2, 3]); // the pending live batch is not mixed in
    expect(reduceTrace(s, { type: 'append', batch: toColumns([ev(4)]) })).toBe(s);
    s = reduceTrace(s, { type: 'load' });
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1, 2]) });
    expect(s.viewing).toBeNull();
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(3)]) });
    expect(seqs(s)).toEqual([1, 2, 3]);
  });

  it('takes a snapshot with sessions set aside: gaps in seq, then dense live batches', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    const aside = { spilled: 2, spilledBytes: 3000, summarised: 0, summarisedBytes: 0, text: '2 older sessions (3.0 kB) moved to disk' };
    const sn = { ...snap([7, 8, 9]), seq: 9, aside };
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: sn });
    expect(s.aside?.text).toBe(aside.text);
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(10), ev(11)]) });
    expect(seqs(s)).toEqual([7, 8, 9, 10, 11]);
  });

  it('queues batches until the snapshot lands, then applies only newer events', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    expect(s.phase).toBe('loading');
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(3), ev(4)]) });
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(5)]) });
    expect(s.events.length).toBe(0);
    expect(s.pending.length).toBe(2);
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1, 2, 3, 4], true) });
    expect(s.phase).toBe('live');
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5]);
    expect(s.seq).toBe(5);
    expect(s.pending).toEqual([]);
    expect(s.reveal).toBe(true);
  });

  it('drops duplicates and stale seqs in live batches', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1, 2]) });
    const v = s.version;
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(2), ev(3)]) });
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(3), ev(4)]) });
    expect(seqs(s)).toEqual([1, 2, 3, 4]);
    expect(s.version).toBe(v + 2);
    const same = reduceTrace(s, { type: 'append', batch: toColumns([ev(4)]) });
    expect(same).toBe(s);
  });

  it('puts batches that overtook each other back in seq order', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(5), ev(6)]) }); // ahead of 3, 4 (pending)
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1, 2]) });
    expect(seqs(s)).toEqual([1, 2]);
    expect(s.early.map((e) => e.seq)).toEqual([5, 6]);
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(9), ev(10)]) });
    expect(seqs(s)).toEqual([1, 2]);
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(3), ev(4)]) });
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.early.map((e) => e.seq)).toEqual([9, 10]);
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(6), ev(7), ev(8)]) }); // 6 again: dropped
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.early).toEqual([]);
    expect(s.seq).toBe(10);
  });

  it('stops waiting for a gap when too many events pile up behind it', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1]) });
    const batch = Array.from({ length: EARLY_MAX }, (_, i) => ev(i + 3)); // 2 never comes
    s = reduceTrace(s, { type: 'append', batch: toColumns(batch) });
    expect(s.events.length).toBe(1);
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(EARLY_MAX + 3)]) });
    expect(s.events.length).toBe(EARLY_MAX + 2);
    expect(s.seq).toBe(EARLY_MAX + 3);
    expect(s.early).toEqual([]);
  });

  it('ignores a snapshot from an older load (resync during load)', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    const old = s.epoch;
    s = reduceTrace(s, { type: 'load' });
    s = reduceTrace(s, { type: 'snapshot', epoch: old, snapshot: snap([1]) });
    expect(s.phase).toBe('loading');
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1, 2]) });
    expect(seqs(s)).toEqual([1, 2]);
  });

  it('resync replaces the array and forgets everything', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1, 2, 3]) });
    const before = s.events;
    s = reduceTrace(s, { type: 'load' });
    expect(s.events).not.toBe(before);
    expect(s.events.length).toBe(0);
    expect(before.length).toBe(3);
  });

  it('learns sessions first seen live', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1]) });
    const sessions = s.sessions;
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(2, 1)]) });
    expect(s.sessions).toBe(sessions);
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(3, 7), ev(4, 7)]) });
    expect(s.sessions.map((x) => x.id)).toEqual([1, 7]);
    expect(s.sessions).not.toBe(sessions);
  });

  it('takes the part of one batch after seq and holds back what follows a gap in it', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1, 2, 3]) });
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(2), ev(3), ev(4), ev(5), ev(8), ev(9)]) });
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5]);
    expect(s.early.map((e) => e.seq)).toEqual([8, 9]);
    s = reduceTrace(s, { type: 'append', batch: toColumns([ev(6), ev(7)]) });
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.events.toArray()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((q) => ev(q)));
    expect(s.early).toEqual([]);
  });

  it('names a session first seen live after its first event', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([1]) });
    s = reduceTrace(s, { type: 'append', batch: toColumns([{ ...ev(2, 4), protocol: 'imap', atUs: 1234.5 }, ev(3, 4)]) });
    expect(s.sessions[1]).toEqual({ id: 4, protocol: 'imap', client: '', server: '', startUs: 1234.5 });
  });

  it('records a failure only for the current load', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'failed', epoch: s.epoch - 1, error: 'old' });
    expect(s.phase).toBe('loading');
    s = reduceTrace(s, { type: 'failed', epoch: s.epoch, error: 'boom' });
    expect(s.phase).toBe('failed');
    expect(s.error).toBe('boom');
  });

  it('appends 100,000 events in 200 batches without copying the log', () => {
    let s = reduceTrace(initialTraceState, { type: 'load' });
    s = reduceTrace(s, { type: 'snapshot', epoch: s.epoch, snapshot: snap([]) });
    const log = s.events;
    let seq = 0;
    for (let b = 0; b < 200; b++) {
      const batch: TraceEventDTO[] = [];
      for (let i = 0; i < 500; i++) batch.push(ev(++seq, 1 + (seq % 50)));
      s = reduceTrace(s, { type: 'append', batch: toColumns(batch) });
    }
    expect(s.events).toBe(log);
    expect(s.events.length).toBe(100_000);
    // The log was extended in place, never copied (its speed is make
    // ui-bench's business, not a timed unit test's).
    expect(s.sessions.length).toBe(50);
  });
});

describe('createTraceStore', () => {
  it('subscribes before loading, queues, and reloads on resync', async () => {
    const store = createTraceStore();
    let append: (b: TraceBatchDTO) => void = () => {};
    let resync: () => void = () => {};
    const calls: string[] = [];
    let resolve: (s: TraceSnapshotDTO) => void = () => {};
    const stop = store.connect({
      snapshot: () => {
        calls.push('snapshot');
        return new Promise((r) => (resolve = r));
      },
      onAppend: (cb) => {
        calls.push('onAppend');
        append = cb;
        return () => {};
      },
      onResync: (cb) => {
        calls.push('onResync');
        resync = cb;
        return () => {};
      },
    });
    expect(calls).toEqual(['onAppend', 'onResync', 'snapshot']);
    append(toColumns([ev(3)]));
    resolve(snap([1, 2]));
    await Promise.resolve();
    expect(seqs(store.get())).toEqual([1, 2, 3]);
    resync();
    expect(store.get().phase).toBe('loading');
    resolve(snap([1, 2, 3, 4]));
    await Promise.resolve();
    expect(seqs(store.get())).toEqual([1, 2, 3, 4]);
    stop();
  });

  it('reports a failed snapshot', async () => {
    const store = createTraceStore();
    store.connect({
      snapshot: () => Promise.reject(new Error('no window')),
      onAppend: () => () => {},
      onResync: () => () => {},
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(store.get().phase).toBe('failed');
    expect(store.get().error).toBe('no window');
  });
});
