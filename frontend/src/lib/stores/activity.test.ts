import { describe, expect, it } from 'vitest';
import { describeProgress, idle, reduceActivity } from './activity';

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
});
