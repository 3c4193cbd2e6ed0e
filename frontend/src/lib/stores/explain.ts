// Explanations of trace lines, fetched once per seq and cached. The
// catalogue answer for a seq never changes, so the cache is never stale.

import type { ExplanationDTO } from '../types';

export type ExplainResult =
  | { state: 'loading' }
  | { state: 'ready'; items: ExplanationDTO[] }
  | { state: 'failed'; error: string };

export function createExplainCache(fetch: (seq: number) => Promise<ExplanationDTO[]>, limit = 2000) {
  const cache = new Map<number, Promise<ExplanationDTO[]>>();
  return {
    /** The explanations of seq; concurrent and later calls share one request. */
    get(seq: number): Promise<ExplanationDTO[]> {
      let p = cache.get(seq);
      if (!p) {
        p = fetch(seq);
        // Forget failures so a later hover retries.
        p.catch(() => cache.delete(seq));
        if (cache.size >= limit) {
          const oldest = cache.keys().next();
          if (!oldest.done) cache.delete(oldest.value);
        }
        cache.set(seq, p);
      }
      return p;
    },
    size: () => cache.size,
  };
}

/**
 * The web page an explanation cites (its RFC section), or null: Go sends
 * the address (ExplanationDTO.url, "" when none); only http(s) ones are
 * offered as links.
 */
export function citeURL(x: ExplanationDTO): string | null {
  const u = x.url ?? '';
  return /^https?:\/\//i.test(u) ? u : null;
}
