// Formatting for people. formatBps matches link.FormatBps in Go, so the CLI
// table and the window say the same thing.

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
