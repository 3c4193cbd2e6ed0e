// Formatting for people: the one place sizes and durations are written.
// formatBps matches link.FormatBps in Go, and formatBytes and formatSeconds
// use the units of the CLI's comparison table, so the CLI and the window
// say the same thing.

import type { TariffDTO } from './types';

/** f to at most `digits` (default 1) decimals, without trailing zeros: (1.50, 2) → "1.5", (2.0) → "2". */
export function trimFixed(f: number, digits = 1): string {
  return String(Number(f.toFixed(digits)));
}

/** 33600 → "33.6 kbit/s", 8e6 → "8 Mbit/s", 0 → "unlimited". */
export function formatBps(bps: number): string {
  if (!(bps > 0)) return 'unlimited';
  if (bps >= 1e9) return `${trimFixed(bps / 1e9)} Gbit/s`;
  if (bps >= 1e6) return `${trimFixed(bps / 1e6)} Mbit/s`;
  if (bps >= 1e3) return `${trimFixed(bps / 1e3)} kbit/s`;
  return `${Math.round(bps)} bit/s`;
}

/** 150 → "150 ms", 20000 → "20 s", 1500 → "1.5 s", 0 → "–". */
export function formatMs(ms: number): string {
  if (!(ms > 0)) return '–';
  if (ms < 1000) return `${trimFixed(ms)} ms`;
  if (ms < 60_000) return `${trimFixed(ms / 1000)} s`;
  return `${trimFixed(ms / 60_000)} min`;
}

/** "0.04 EUR/min + 0.10/call", or "flat rate". */
export function formatTariff(t: TariffDTO): string {
  if (t.flat) return 'flat rate';
  const parts: string[] = [];
  if (t.perMinute > 0) parts.push(`${t.perMinute.toFixed(2)} ${t.currency}/min`);
  if (t.perCall > 0) parts.push(`${t.perCall.toFixed(2)}${parts.length ? '' : ' ' + t.currency}/call`);
  return parts.join(' + ');
}

/** Money on a tariff: 0.14 → "0.14 EUR". */
export function formatCost(v: number, currency: string): string {
  return `${v.toFixed(2)}${currency ? ` ${currency}` : ''}`;
}

/** How sizes count, said once in the UI (the help overlay). */
export const UNITS_NOTE = 'Sizes count in thousands, as link speeds do: 1 kB = 1000 bytes, 1 MB = 1000 kB (a KiB, 1024 bytes, is not used).';

/**
 * Bytes for people, decimal (kB = 1000 B; KiB = 1024 B is not used):
 * 950 → "950 B", 12_345 → "12.3 kB", 1_240_000 → "1.24 MB". A value that
 * would round up to 1000 of a unit is written in the next one.
 */
export function formatBytes(n: number): string {
  if (!(n > 0)) return '0 B';
  if (n < 999.5) return `${Math.round(n)} B`;
  if (n < 999.95e3) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 999.995e6) return `${(n / 1e6).toFixed(2)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/**
 * Seconds for people: "850 ms", "12.4 s", "3 min 20 s", "2 h 05 min";
 * "< 1 ms" for a moment on a loopback link, which is not nothing.
 * Seconds and minutes are cut, not rounded, so a counter never shows more
 * than has passed.
 */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  if (s <= 0) return '0 ms';
  const ms = Math.round(s * 1000);
  if (ms < 1) return '< 1 ms';
  if (ms < 1000) return `${ms} ms`;
  if (s < 60) return `${Math.max(1, Math.floor(s * 10) / 10).toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A message's Date header (RFC 3339 from Go) for a mail list, in UTC so a
 * class sees the same: "1 Dec 2026 22:41"; "" for none or a bad date.
 */
export function formatMailDate(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}
