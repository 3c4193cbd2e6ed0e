import { describe, expect, it } from 'vitest';
import { formatBps, formatMs, formatTariff, trimFixed } from './format';
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
