// Which of a session's lines the ladder draws. A session is usually small;
// a huge one (a console left pipelining for an hour) gets a window of
// LADDER_MAX lines: around the selected line, else the newest. Drawing
// (and re-laying out on every batch) 100,000 arrows would cost far more
// than it shows. Pure: the caller owns the rows; tested by
// ladderwindow.test.ts.

export const LADDER_MAX = 2000;

export interface LadderWindow<R> {
  /** The position among the session's lines of rows[0]. */
  from: number;
  rows: R[];
  /** How many lines the session has. */
  total: number;
}

export const emptyWindow: LadderWindow<never> = { from: 0, rows: [], total: 0 };

/**
 * Where the window starts among n lines. selPos: the selected line's
 * position, -1 for none (the window shows the newest). kept: the window
 * shown before over the same lines, or null: a selection still inside it
 * does not move it, so stepping through the lines does not scroll the
 * ladder under the pointer; a selection outside it is centred.
 */
export function windowStart(n: number, selPos: number, kept: { from: number; length: number } | null, max = LADDER_MAX): number {
  if (n <= max) return 0;
  if (selPos < 0) return n - max;
  if (kept && selPos >= kept.from && selPos < kept.from + kept.length) return kept.from;
  return Math.max(0, Math.min(n - max, selPos - max / 2));
}

/**
 * The window over a session's n lines, line k materialised by row(k).
 * prev: the window before over the same session's lines (which only ever
 * grow: positions stay put), or null for another session or filter. The
 * rows already made are reused, and prev itself comes back when nothing
 * changed, so the ladder is not laid out again for nothing.
 */
export function ladderWindow<R>(prev: LadderWindow<R> | null, n: number, selPos: number, row: (k: number) => R, max = LADDER_MAX): LadderWindow<R> {
  const had = prev?.rows ?? [];
  const kept = prev ? { from: prev.from, length: had.length } : null;
  const from = windowStart(n, selPos, kept, max);
  const to = Math.min(n, from + max);
  if (prev && from === prev.from && to - from === had.length && prev.total === n) return prev;
  // A new array each time, so the ladder sees the change.
  const rows: R[] = [];
  for (let k = from; k < to; k++) {
    const reuse = k - (prev?.from ?? 0);
    rows.push(reuse >= 0 && reuse < had.length ? (had[reuse] as R) : row(k));
  }
  return { from, rows, total: n };
}
