import { describe, expect, it } from 'vitest';
import { atBottom, binarySearch, itemToRow, rowToItem, scrollToReveal, slotCount, totalRows, visibleRange } from './virtual';

describe('visibleRange', () => {
  it('covers the viewport plus overscan', () => {
    expect(visibleRange(0, 100, 20, 1000, 3)).toEqual({ start: 0, end: 8 });
    expect(visibleRange(200, 100, 20, 1000, 3)).toEqual({ start: 7, end: 18 });
  });
  it('counts a partly visible row', () => {
    expect(visibleRange(10, 100, 20, 1000, 0)).toEqual({ start: 0, end: 6 });
  });
  it('clamps at the end and for short lists', () => {
    expect(visibleRange(19_990 * 20, 400, 20, 20_000, 5)).toEqual({ start: 19_985, end: 20_000 });
    expect(visibleRange(0, 400, 20, 3, 5)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(5000, 400, 20, 3, 5)).toEqual({ start: 3, end: 3 });
  });
  it('is empty for no rows and tolerates negative scroll (rubber band)', () => {
    expect(visibleRange(0, 400, 20, 0, 5)).toEqual({ start: 0, end: 0 });
    expect(visibleRange(-50, 100, 20, 100, 0)).toEqual({ start: 0, end: 5 });
  });
  it('renders a bounded number of rows at 100,000 events', () => {
    const r = visibleRange(1_234_567, 800, 24, 100_000, 10);
    expect(r.end - r.start).toBeLessThanOrEqual(Math.ceil(800 / 24) + 1 + 20);
    expect(r.start).toBe(Math.floor(1_234_567 / 24) - 10);
  });
});

describe('atBottom and scrollToReveal', () => {
  it('detects the bottom with slack', () => {
    expect(atBottom(600, 400, 1000)).toBe(true);
    expect(atBottom(597, 400, 1000)).toBe(true);
    expect(atBottom(500, 400, 1000)).toBe(false);
  });
  it('scrolls the least to show a row', () => {
    expect(scrollToReveal(5, 0, 200, 20)).toBeNull();
    expect(scrollToReveal(2, 100, 200, 20)).toBe(40);
    expect(scrollToReveal(20, 100, 200, 20)).toBe(220);
  });
});

describe('expansions', () => {
  const exps = [
    { pos: 2, extra: 3 },
    { pos: 5, extra: 2 },
  ];
  it('counts extra rows', () => {
    expect(totalRows(10, exps)).toBe(15);
    expect(totalRows(4, exps)).toBe(7);
  });
  it('maps display rows to items and back', () => {
    // rows: 0:i0 1:i1 2:i2 3..5:i2 extra 6:i3 7:i4 8:i5 9,10:i5 extra 11:i6
    expect(rowToItem(0, exps)).toEqual({ pos: 0, sub: -1 });
    expect(rowToItem(2, exps)).toEqual({ pos: 2, sub: -1 });
    expect(rowToItem(3, exps)).toEqual({ pos: 2, sub: 0 });
    expect(rowToItem(5, exps)).toEqual({ pos: 2, sub: 2 });
    expect(rowToItem(6, exps)).toEqual({ pos: 3, sub: -1 });
    expect(rowToItem(8, exps)).toEqual({ pos: 5, sub: -1 });
    expect(rowToItem(10, exps)).toEqual({ pos: 5, sub: 1 });
    expect(rowToItem(11, exps)).toEqual({ pos: 6, sub: -1 });
    for (let pos = 0; pos < 10; pos++) expect(rowToItem(itemToRow(pos, exps), exps)).toEqual({ pos, sub: -1 });
    expect(itemToRow(6, exps)).toBe(11);
  });
  it('is the identity without expansions', () => {
    expect(rowToItem(42, [])).toEqual({ pos: 42, sub: -1 });
    expect(itemToRow(42, [])).toBe(42);
  });
});

describe('binarySearch', () => {
  it('finds or misses', () => {
    const a = [1, 4, 9, 16, 25];
    expect(binarySearch(a, 9)).toBe(2);
    expect(binarySearch(a, 1)).toBe(0);
    expect(binarySearch(a, 25)).toBe(4);
    expect(binarySearch(a, 10)).toBe(-1);
    expect(binarySearch([], 1)).toBe(-1);
  });
});

describe('slotCount', () => {
  it('is the longest range visibleRange returns, so slots r % count never collide and none is spare', () => {
    for (const [vh, rh, over] of [
      [800, 26, 12],
      [599, 26, 12],
      [100, 20, 0],
      [0, 20, 3],
      [1000, 36, 4],
    ] as const) {
      const k = slotCount(vh, rh, over);
      let longest = 0;
      // Fractional scrollTops too (zoomed or HiDPI): they reach the longest range.
      for (let top = 0; top < 5000; top += 3.7) {
        const r = visibleRange(top, vh, rh, 100_000, over);
        expect(r.end - r.start).toBeLessThanOrEqual(k);
        longest = Math.max(longest, r.end - r.start);
        const slots = new Set<number>();
        for (let row = r.start; row < r.end; row++) slots.add(row % k);
        expect(slots.size).toBe(r.end - r.start);
      }
      expect(longest, `slotCount(${vh}, ${rh}, ${over})`).toBe(k);
    }
  });
  it('is small and zero without a row height', () => {
    // 31 rows fill 800 px, a 32nd peeks in when scrolled part way, 12 overscan each side.
    expect(slotCount(800, 26, 12)).toBe(56);
    expect(slotCount(800, 0, 12)).toBe(0);
  });
});
