// How trace rows read: times, byte counts, bulk labels. Pure.

import type { TraceEventDTO } from './types';

const nf = new Intl.NumberFormat('en-US');

/** 4102 → "4,102". */
export function formatCount(n: number): string {
  return nf.format(n);
}

/** Virtual µs → seconds with ms: 1234567 → "1.235 s", 65_432_100 → "65.432 s". */
export function formatVirtual(us: number): string {
  return `${(us / 1e6).toFixed(3)} s`;
}

/** Unix ms → local wall clock with ms: "14:03:07.412". */
export function formatWall(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** A duration in µs for people: 850 → "0.85 ms", 1_500_000 → "1.5 s". */
export function formatDuration(us: number): string {
  if (us < 1000) return `${(us / 1000).toFixed(2)} ms`;
  if (us < 1e6) return `${(us / 1000).toFixed(1)} ms`;
  return `${(us / 1e6).toFixed(us < 1e7 ? 2 : 1)} s`;
}

/** What a bulk payload is, from the command that carried it. */
export function bulkWhat(ev: TraceEventDTO): string {
  switch (ev.verb) {
    case 'DATA':
    case 'BDAT':
      return 'message body';
    case 'RETR':
      return 'message';
    case 'TOP':
      return 'message headers';
    case 'APPEND':
    case 'FETCH':
    case 'UID FETCH':
      return 'literal';
    default:
      return 'payload';
  }
}

/** "message body, 4,102 bytes". */
export function bulkLabel(ev: TraceEventDTO): string {
  return `${bulkWhat(ev)}, ${formatCount(ev.bytes)} bytes`;
}

/** The preview lines of a bulk payload (Go shows line breaks as ↵), at most max. */
export function previewLines(text: string, max = 12): string[] {
  const lines = text.split('↵').map((l) => l.replace(/\r$/, ''));
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(0, max);
}
