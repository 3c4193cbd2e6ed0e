// Virtual-list arithmetic for the trace view: pure functions, no DOM.
// Every display row has the same height, so which rows are on screen
// follows from scrollTop alone. An expanded bulk payload adds a few extra
// display rows (its preview lines) below its own row; expansions are few,
// so mapping a display row to an item walks them linearly.

export interface Range {
  /** First display row to render (inclusive). */
  start: number;
  /** One past the last display row to render. */
  end: number;
}

/**
 * The display rows to render for a viewport: those that intersect
 * [scrollTop, scrollTop + viewportHeight), widened by overscan rows on each
 * side and clamped to [0, rowCount).
 */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  rowCount: number,
  overscan: number,
): Range {
  if (rowCount <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.floor(top / rowHeight);
  const last = Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight);
  const start = Math.min(rowCount, Math.max(0, first - overscan));
  const end = Math.min(rowCount, Math.max(start, last + overscan));
  return { start, end };
}

/** True when the viewport shows the last row (within slack pixels). */
export function atBottom(scrollTop: number, viewportHeight: number, contentHeight: number, slack = 4): boolean {
  return scrollTop + viewportHeight >= contentHeight - slack;
}

/**
 * The scrollTop that brings a display row into view, or null if it is
 * already fully visible. Scrolls the least: the row lands at the top when
 * it was above, at the bottom when it was below.
 */
export function scrollToReveal(
  row: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
): number | null {
  const top = row * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return null;
}

/** An expanded item: its position in the item list and how many extra rows it adds. */
export interface Expansion {
  pos: number;
  extra: number;
}

/** Display rows for n items with the given expansions (sorted by pos, pos < n). */
export function totalRows(n: number, expansions: readonly Expansion[]): number {
  let total = n;
  for (const x of expansions) if (x.pos < n) total += x.extra;
  return total;
}

/** Which item a display row shows: sub = -1 for the item itself, else its extra row number. */
export interface RowRef {
  pos: number;
  sub: number;
}

/** Maps a display row to its item; expansions must be sorted by pos. */
export function rowToItem(row: number, expansions: readonly Expansion[]): RowRef {
  let shift = 0;
  for (const x of expansions) {
    const at = x.pos + shift; // display row of this expanded item
    if (row <= at) break;
    if (row <= at + x.extra) return { pos: x.pos, sub: row - at - 1 };
    shift += x.extra;
  }
  return { pos: row - shift, sub: -1 };
}

/** The display row of an item; expansions must be sorted by pos. */
export function itemToRow(pos: number, expansions: readonly Expansion[]): number {
  let shift = 0;
  for (const x of expansions) {
    if (x.pos >= pos) break;
    shift += x.extra;
  }
  return pos + shift;
}

/**
 * The position of value in a sorted ascending array, or -1. The filtered
 * view keeps event indices sorted, so finding a row for a seq is O(log n).
 */
export function binarySearch(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * How many display rows visibleRange can ever return for this viewport,
 * wherever it is scrolled: the size of the row pool. Row r is drawn by
 * pool slot r % slotCount, so any range maps onto distinct slots and a
 * slot keeps its row (and its DOM) while that row stays in range.
 */
export function slotCount(viewportHeight: number, rowHeight: number, overscan: number): number {
  if (rowHeight <= 0) return 0;
  return Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1 + 2 * Math.max(0, overscan);
}
