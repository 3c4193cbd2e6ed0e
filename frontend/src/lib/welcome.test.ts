import { describe, expect, it, vi } from 'vitest';
import { isWelcomed, markWelcomed, WELCOMED_KEY, type KeyValue, type ProgressApi } from './welcome';
import type { ProgressDTO } from './types';

function memory(init: Record<string, string> = {}): KeyValue & { data: Record<string, string> } {
  const data = { ...init };
  return { data, get: (k) => data[k] ?? null, set: (k, v) => void (data[k] = v) };
}

function goProgress(p: ProgressDTO): ProgressApi & { saved: ProgressDTO[] } {
  let cur = structuredClone(p);
  const saved: ProgressDTO[] = [];
  return {
    saved,
    get: vi.fn(async () => structuredClone(cur)),
    save: vi.fn(async (n: ProgressDTO) => {
      saved.push(n);
      cur = structuredClone(n);
    }),
  };
}

describe('first-run welcome', () => {
  it('shows on a fresh profile, then never again once answered', async () => {
    const store = memory();
    const api = goProgress({ welcomed: false, lessons: {} });
    expect(await isWelcomed(api, store)).toBe(false);
    await markWelcomed(api, store);
    expect(store.data[WELCOMED_KEY]).toBe('1');
    expect(api.saved).toEqual([{ welcomed: true, lessons: {} }]);
    expect(await isWelcomed(api, store)).toBe(true);
    // A new browser profile on the same Go side: Go remembers.
    const fresh = memory();
    expect(await isWelcomed(api, fresh)).toBe(true);
    expect(fresh.data[WELCOMED_KEY]).toBe('1');
  });

  it("keeps the lessons' progress when it marks welcomed", async () => {
    const lessons = { journey: { step: 'pop3-fetch', answers: { 'send-one': { answer: '7', correct: true, tries: 1 } }, done: false, traceFrom: 1 } };
    const api = goProgress({ welcomed: false, lessons });
    await markWelcomed(api, memory());
    expect(api.saved[0]).toEqual({ welcomed: true, lessons });
  });

  it('answers from the mirror without asking Go', async () => {
    const api = goProgress({ welcomed: false, lessons: {} });
    expect(await isWelcomed(api, memory({ [WELCOMED_KEY]: '1' }))).toBe(true);
    expect(api.get).not.toHaveBeenCalled();
  });

  it('works without LessonsService, and when Go fails', async () => {
    const store = memory();
    expect(await isWelcomed(null, store)).toBe(false);
    await markWelcomed(null, store);
    expect(await isWelcomed(null, store)).toBe(true);

    const broken: ProgressApi = { get: () => Promise.reject(new Error('disk full')), save: () => Promise.reject(new Error('no')) };
    const s2 = memory();
    expect(await isWelcomed(broken, s2)).toBe(false);
    await expect(markWelcomed(broken, s2)).resolves.toBeUndefined();
    expect(await isWelcomed(broken, s2)).toBe(true);
  });
});
