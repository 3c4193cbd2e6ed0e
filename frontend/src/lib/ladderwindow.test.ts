import { describe, expect, it } from 'vitest';
import { emptyWindow, LADDER_MAX, ladderWindow, windowStart, type LadderWindow } from './ladderwindow';

describe('windowStart', () => {
  it('shows a small session whole', () => {
    expect(windowStart(0, -1, null)).toBe(0);
    expect(windowStart(LADDER_MAX, LADDER_MAX - 1, null)).toBe(0);
  });
  it('shows the newest lines of a huge session without a selection', () => {
    expect(windowStart(10_000, -1, null)).toBe(10_000 - LADDER_MAX);
    expect(windowStart(10_000, -1, { from: 0, length: LADDER_MAX })).toBe(10_000 - LADDER_MAX);
  });
  it('centres a selection outside the window, within the lines', () => {
    expect(windowStart(10_000, 5000, null)).toBe(5000 - LADDER_MAX / 2);
    expect(windowStart(10_000, 10, null)).toBe(0);
    expect(windowStart(10_000, 9990, null)).toBe(10_000 - LADDER_MAX);
    expect(windowStart(10_000, 7000, { from: 0, length: LADDER_MAX })).toBe(7000 - LADDER_MAX / 2);
  });
  it('keeps the window while the selection stays inside it', () => {
    const kept = { from: 3000, length: LADDER_MAX };
    expect(windowStart(10_000, 3000, kept)).toBe(3000);
    expect(windowStart(10_000, 3000 + LADDER_MAX - 1, kept)).toBe(3000);
    expect(windowStart(10_000, 3000 + LADDER_MAX, kept)).toBe(3000 + LADDER_MAX / 2);
  });
  it('honours another maximum', () => {
    expect(windowStart(10, 5, null, 4)).toBe(3);
    expect(windowStart(10, -1, null, 4)).toBe(6);
  });
});

describe('ladderWindow', () => {
  // Rows are made by row(k); count the calls to see what is reused.
  const maker = () => {
    const made: number[] = [];
    return { made, row: (k: number) => (made.push(k), { k }) };
  };

  it('makes every row of a small session, then only the new ones as it grows', () => {
    const m = maker();
    const a = ladderWindow(null, 3, -1, m.row, 5);
    expect(a).toEqual({ from: 0, rows: [{ k: 0 }, { k: 1 }, { k: 2 }], total: 3 });
    const b = ladderWindow(a, 5, -1, m.row, 5);
    expect(b.rows.map((r) => r.k)).toEqual([0, 1, 2, 3, 4]);
    expect(b.rows[0]).toBe(a.rows[0]);
    expect(m.made).toEqual([0, 1, 2, 3, 4]);
  });

  it('returns the same window when nothing changed, a new one otherwise', () => {
    const m = maker();
    const a = ladderWindow(null, 3, -1, m.row, 5);
    expect(ladderWindow(a, 3, 1, m.row, 5)).toBe(a);
    const b = ladderWindow(a, 4, -1, m.row, 5);
    expect(b).not.toBe(a);
    expect(b.rows).not.toBe(a.rows);
  });

  it('slides over the newest lines of a huge session, reusing the overlap', () => {
    const m = maker();
    const a = ladderWindow(null, 8, -1, m.row, 5);
    expect(a.from).toBe(3);
    expect(a.rows.map((r) => r.k)).toEqual([3, 4, 5, 6, 7]);
    const b = ladderWindow(a, 10, -1, m.row, 5);
    expect(b.from).toBe(5);
    expect(b.rows.map((r) => r.k)).toEqual([5, 6, 7, 8, 9]);
    expect(b.rows[0]).toBe(a.rows[2]);
    expect(m.made).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('moves to a selection outside the window and stays while it is inside', () => {
    const m = maker();
    const a = ladderWindow(null, 20, -1, m.row, 4);
    expect(a.from).toBe(16);
    const b = ladderWindow(a, 20, 5, m.row, 4);
    expect(b.rows.map((r) => r.k)).toEqual([3, 4, 5, 6]);
    expect(ladderWindow(b, 20, 6, m.row, 4)).toBe(b);
    // The session grows: the selection still inside, the window stays put
    // (its rows reused, none made), only the total changes.
    const made = m.made.length;
    const c = ladderWindow(b, 25, 6, m.row, 4);
    expect(c).toMatchObject({ from: 3, total: 25 });
    expect(c.rows.every((r, i) => r === b.rows[i])).toBe(true);
    expect(m.made.length).toBe(made);
  });

  it('starts afresh without a previous window (another session)', () => {
    const m = maker();
    const a = ladderWindow(null, 3, -1, m.row, 5);
    const b = ladderWindow(null, 3, -1, m.row, 5);
    expect(b).not.toBe(a);
    expect(b.rows[0]).not.toBe(a.rows[0]);
    expect(m.made).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('has an empty window to start from', () => {
    const w: LadderWindow<{ k: number }> = emptyWindow;
    expect(ladderWindow(w, 0, -1, maker().row)).toBe(w);
  });
});
