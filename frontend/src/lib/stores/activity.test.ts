import { describe, expect, it } from 'vitest';
import { describeProgress, FINISHED_KEPT, idle, reduceActivity } from './activity';

describe('activity', () => {
  it('tracks running actions by id', () => {
    let s = reduceActivity(idle, { id: 1, action: 'send', device: '', state: 'running' });
    s = reduceActivity(s, { id: 2, action: 'check', device: 'Laptop', state: 'running' });
    expect(s.running.size).toBe(2);
    s = reduceActivity(s, { id: 1, action: 'send', device: '', state: 'done' });
    expect([...s.running]).toEqual([2]);
    s = reduceActivity(s, { id: 2, action: 'check', device: 'Laptop', state: 'error', error: 'offline' });
    expect(s.running.size).toBe(0);
    expect(idle.running.size).toBe(0);
    expect(describeProgress(s.last!)).toBe('Checking mail on Laptop failed: offline');
  });

  it("says a device action's outcome once done", () => {
    expect(describeProgress({ id: 3, action: 'flag', device: 'Laptop', state: 'running' })).toBe('Flagging a message on Laptop…');
    expect(describeProgress({ id: 3, action: 'flag', device: 'Laptop', state: 'done', outcome: 'flagged on the server (STORE)' })).toBe(
      'Laptop: flagged on the server (STORE)',
    );
    expect(describeProgress({ id: 4, action: 'check', device: 'Home PC', state: 'done' })).toBe('Checking mail on Home PC: done');
  });

  it('ignores a "running" that arrives after its "done" (out-of-order events)', () => {
    let s = reduceActivity(idle, { id: 7, action: 'check', device: 'Home PC', state: 'done' });
    s = reduceActivity(s, { id: 7, action: 'check', device: 'Home PC', state: 'running' });
    expect(s.running.size).toBe(0);
    expect(s.last?.state).toBe('done');
    // A new action still counts.
    s = reduceActivity(s, { id: 8, action: 'send', device: '', state: 'running' });
    expect([...s.running]).toEqual([8]);
  });

  it('remembers a bounded number of finished actions', () => {
    let s = idle;
    for (let id = 1; id <= FINISHED_KEPT + 10; id++) s = reduceActivity(s, { id, action: 'send', device: '', state: 'done' });
    expect(s.finished.size).toBe(FINISHED_KEPT);
    expect(s.finished.has(1)).toBe(false);
    expect(s.finished.has(FINISHED_KEPT + 10)).toBe(true);
  });
});
