import { describe, expect, it } from 'vitest';
import { formatBps, formatBytes, formatMailDate, formatMs, formatSeconds, formatTariff, trimFixed, UNITS_NOTE } from './format';
import type { TariffDTO } from './types';

describe('formatBps', () => {
  // The same cases as link.FormatBps in Go.
  it.each([
    [0, 'unlimited'],
    [-1, 'unlimited'],
    [300, '300 bit/s'],
    [33_600, '33.6 kbit/s'],
    [50_000, '50 kbit/s'],
    [128_000, '128 kbit/s'],
    [2_000_000, '2 Mbit/s'],
    [8_000_000, '8 Mbit/s'],
    [1_500_000, '1.5 Mbit/s'],
    [1_000_000_000, '1 Gbit/s'],
  ])('formatBps(%d) = %s', (bps, want) => {
    expect(formatBps(bps)).toBe(want);
  });
});

describe('formatMs', () => {
  it.each([
    [0, '–'],
    [4, '4 ms'],
    [150, '150 ms'],
    [600, '600 ms'],
    [1500, '1.5 s'],
    [20_000, '20 s'],
    [90_000, '1.5 min'],
  ])('formatMs(%d) = %s', (ms, want) => {
    expect(formatMs(ms)).toBe(want);
  });
});

describe('formatTariff', () => {
  const base: TariffDTO = { perMinute: 0, perCall: 0, incrementMs: 0, currency: 'EUR', flat: true };
  it('says flat rate when nothing is charged', () => {
    expect(formatTariff(base)).toBe('flat rate');
  });
  it('shows per-minute and per-call prices', () => {
    expect(formatTariff({ ...base, flat: false, perMinute: 0.04, perCall: 0.1 })).toBe(
      '0.04 EUR/min + 0.10/call',
    );
  });
  it('shows a per-call price alone with its currency', () => {
    expect(formatTariff({ ...base, flat: false, perCall: 0.2 })).toBe('0.20 EUR/call');
  });
});

describe('trimFixed', () => {
  it.each([
    [1.04, 1, '1'],
    [1.25, 1, '1.3'],
    [12, 1, '12'],
    [1.5, 2, '1.5'],
    [1.467, 2, '1.47'],
    [0.004, 2, '0'],
  ])('trimFixed(%d, %d) = %s', (f, digits, want) => {
    expect(trimFixed(f, digits)).toBe(want);
  });
});

describe('formatBytes', () => {
  // Decimal units (kB = 1000 B), as the CLI's comparison table writes them.
  it.each([
    [0, '0 B'],
    [-5, '0 B'],
    [Number.NaN, '0 B'],
    [1, '1 B'],
    [512, '512 B'],
    [950, '950 B'],
    [999, '999 B'],
    [999.6, '1.0 kB'],
    [1000, '1.0 kB'],
    [1024, '1.0 kB'],
    [1536, '1.5 kB'],
    [5210, '5.2 kB'],
    [12_345, '12.3 kB'],
    [250_000, '250.0 kB'],
    [999_949, '999.9 kB'],
    [999_950, '1.00 MB'],
    [1_240_000, '1.24 MB'],
    [1_300_000, '1.30 MB'],
    [5 * 1024 * 1024, '5.24 MB'],
    [999_995_000, '1.00 GB'],
    [2_500_000_000, '2.50 GB'],
  ])('formatBytes(%d) = %s', (n, want) => {
    expect(formatBytes(n)).toBe(want);
  });

  it('says its convention once, for the UI', () => {
    expect(UNITS_NOTE).toContain('1 kB = 1000 bytes');
    expect(UNITS_NOTE).toContain('KiB, 1024 bytes');
  });
});

describe('formatSeconds', () => {
  it.each([
    [0, '0 ms'],
    [-1, '0 ms'],
    [Number.NaN, '–'],
    [Number.POSITIVE_INFINITY, '–'],
    [0.0004, '< 1 ms'],
    [0.0005, '1 ms'],
    [0.0123, '12 ms'],
    [0.85, '850 ms'],
    [0.9994, '999 ms'],
    // Rounds to 1000 ms: written as seconds instead.
    [0.9996, '1.0 s'],
    [1, '1.0 s'],
    [2.5, '2.5 s'],
    [3.456, '3.4 s'],
    // Cut, not rounded: a ticking counter never runs ahead.
    [12.46, '12.4 s'],
    [12.3, '12.3 s'],
    [59.99, '59.9 s'],
    [60, '1 min 00 s'],
    [95, '1 min 35 s'],
    [200, '3 min 20 s'],
    [3599.9, '59 min 59 s'],
    [3600, '1 h 00 min'],
    [7500, '2 h 05 min'],
    [90_000, '25 h 00 min'],
  ])('formatSeconds(%d) = %s', (s, want) => {
    expect(formatSeconds(s)).toBe(want);
  });
});

describe('formatMailDate', () => {
  it.each([
    ['2026-12-01T22:41:07Z', '1 Dec 2026 22:41'],
    ['2026-03-09T05:04:00+02:00', '9 Mar 2026 03:04'],
    ['', ''],
    ['not a date', ''],
  ])('formatMailDate(%j) = %j', (iso, want) => {
    expect(formatMailDate(iso)).toBe(want);
  });
});
