import { describe, expect, it } from 'vitest';
import type { ExplanationDTO } from '../types';
import { citeURL, createExplainCache } from './explain';

const item = (key: string): ExplanationDTO => ({ key, kind: 'command', sentence: 's', rfc: 1939, section: '7', cite: 'RFC 1939 §7' });

describe('explain cache', () => {
  it('fetches each seq once', async () => {
    const calls: number[] = [];
    const c = createExplainCache(async (seq) => {
      calls.push(seq);
      return [item(`k${seq}`)];
    });
    const [a, b] = await Promise.all([c.get(3), c.get(3)]);
    expect(a).toBe(b);
    await c.get(4);
    await c.get(3);
    expect(calls).toEqual([3, 4]);
  });
  it('retries after a failure', async () => {
    let n = 0;
    const c = createExplainCache(async () => {
      n++;
      if (n === 1) throw new Error('no');
      return [];
    });
    await expect(c.get(1)).rejects.toThrow('no');
    await new Promise((r) => setTimeout(r, 0));
    await expect(c.get(1)).resolves.toEqual([]);
    expect(n).toBe(2);
  });
  it('evicts the oldest beyond the limit', async () => {
    const c = createExplainCache(async () => [], 2);
    await c.get(1);
    await c.get(2);
    await c.get(3);
    expect(c.size()).toBe(2);
  });
});

describe('citeURL', () => {
  const x: ExplanationDTO = { key: 'FETCH', kind: 'verb', sentence: 'Fetches message data.', rfc: 9051, section: '6.4.5', cite: 'RFC 9051 §6.4.5' };
  it('links the cited section when Go sent its address, and only then', () => {
    expect(citeURL({ ...x, url: 'https://www.rfc-editor.org/rfc/rfc9051#section-6.4.5' })).toBe('https://www.rfc-editor.org/rfc/rfc9051#section-6.4.5');
    expect(citeURL({ ...x, url: '' })).toBeNull();
    expect(citeURL(x)).toBeNull(); // an older backend: no url field
    expect(citeURL({ ...x, url: 'javascript:alert(1)' })).toBeNull();
  });
});
