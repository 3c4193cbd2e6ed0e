// Geometry of the ladder (sequence) diagram of one session, drawn to scale.
// Pure: no DOM. Two columns (client left, server right), time runs down.
// Each line, payload or TLS record is an arrow from its sender's column at
// y(atUs) to the receiver's column at y(arriveUs), so the drop of an arrow is
// the link's latency plus serialisation. Connect, close, fault and TLS marks
// are horizontal rules.
//
// y is linear in virtual time (pxPerMs), with two honest exceptions that
// the axis draws as such:
//   - a "stretch": when two things start closer together than a label needs
//     (on a loopback link nothing takes any time at all), the later one is
//     pushed down. No time passes over a stretch; the axis shows it dotted.
//   - an "idle" gap (optional): a stretch of time with nothing in flight
//     that would take more than idleMinPx is drawn idleGapPx tall, with a
//     break in the axis labelled with its length. No arrow crosses one.
// Coordinates start at y = 0 for the session's first event; the component
// adds its own margins.

import { formatBytes } from './format';
import type { Dir, Kind, TraceEventDTO } from './types';

export interface LadderOptions {
  /** Scale after zoom: pixels per virtual millisecond. */
  pxPerMs: number;
  /** Width of the drawing, px. */
  width: number;
  /** Room left of the client column for the time axis, px. */
  axisWidth?: number;
  /** Distance of each column from the edges of the plot area, px. */
  inset?: number;
  /** Least vertical distance between two consecutive starts, px. */
  minGapPx?: number;
  /** Least drop of an arrow, so that even a 0 µs flight reads as an arrow, px. */
  minSlantPx?: number;
  /** Draw long idle gaps short, with a break in the axis. */
  compressIdle?: boolean;
  /** An idle gap taller than this is compressed, px. */
  idleMinPx?: number;
  /** Height of a compressed idle gap, px. */
  idleGapPx?: number;
  /** Longest arrow label, characters; by default what fits between the columns. */
  labelChars?: number;
  /** Arrows shorter than this get no flight time printed on them, px. */
  minFlightLabelPx?: number;
  /** Font size of the arrow labels (monospace, 0.602 em advance), px. */
  fontPx?: number;
}

export const DEFAULTS = {
  axisWidth: 72,
  inset: 56,
  minGapPx: 24,
  minSlantPx: 6,
  compressIdle: false,
  idleMinPx: 240,
  idleGapPx: 44,
  minFlightLabelPx: 120,
  fontPx: 12,
} as const;

/**
 * A label sits over the middle of its own arrow, this far above the line
 * (its baseline), px. At the arrow's start it read as part of the arrow
 * that had just arrived there: on a slow link each reply lands where the
 * next command leaves.
 */
export const LABEL_LIFT = 6;

export interface ArrowItem {
  type: 'arrow';
  seq: number;
  dir: Dir;
  kind: Kind;
  atUs: number;
  arriveUs: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** The line (or payload, record name), truncated. */
  label: string;
  /** The full text, for a tooltip. */
  title: string;
  /** Payloads: their size, "5.2 kB". */
  sizeLabel: string | null;
  /** Flight time, "75 ms". */
  flightLabel: string;
  /** The label's anchor: centred on x, baseline at y (over the arrow's middle). */
  labelX: number;
  labelY: number;
  /** Where the label's plate goes (the label is monospace). */
  labelBox: Box;
  /**
   * Where to print the flight time along the arrow, or null: not on short
   * arrows, not again on a burst of lines that leave together and take as
   * long (a multi-line reply), and not where it would cover a label.
   */
  flight: FlightLabel | null;
  /** Payloads are drawn thicker. */
  thick: boolean;
  /**
   * Cut short when the connection broke: the shaft stops at cut, short of
   * the receiver, and ends in a ✕ (crossAt) instead of a head. null for an
   * arrow that arrived.
   */
  cut: { x: number; y: number } | null;
  /** Status class for colouring replies: ok, error or none. */
  status: 'ok' | 'error' | null;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A flight time's place: translate(x y) rotate(rot), baseline at dy. */
export interface FlightLabel {
  x: number;
  y: number;
  rot: number;
  dy: number;
}

export interface MarkItem {
  type: 'mark';
  seq: number;
  dir: Dir;
  kind: Kind;
  atUs: number;
  /** The side that made it: the client's or the server's column. */
  x: number;
  y: number;
  label: string;
  title: string;
}

export type LadderItem = ArrowItem | MarkItem;

export type SegmentKind = 'linear' | 'stretch' | 'idle';

/** One piece of the time → y mapping. Pieces are contiguous in t and y. */
export interface Segment {
  kind: SegmentKind;
  t0: number;
  t1: number;
  y0: number;
  y1: number;
}

export interface Ladder {
  items: LadderItem[];
  /** Session start and end, virtual µs (first departure, last arrival). */
  startUs: number;
  endUs: number;
  pxPerMs: number;
  clientX: number;
  serverX: number;
  /** Right edge of the axis labels. */
  axisX: number;
  width: number;
  /** Bottom of the drawing, px (the lowest arrow end or mark). */
  height: number;
  segments: Segment[];
  /** True when no virtual time passes in the session (loopback link). */
  instantaneous: boolean;
  /** prefixBottom[i] = max over items[0..i] of the item's lower y: lets visibleItems binary-search. */
  prefixBottom: number[];
}

/** Line, payload and TLS record events are arrows; the rest are marks. */
export function isArrow(ev: TraceEventDTO): boolean {
  if (ev.kind === 'line' || ev.kind === 'bulk') return true;
  // A TLS record crosses the wire; "TLS begins" and "TLS 1.3, …" are marks.
  return ev.kind === 'tls' && (!!ev.verb || ev.arriveUs > ev.atUs);
}

export function truncate(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (max <= 0) return '';
  if (t.length <= max) return t;
  if (max === 1) return '…';
  return t.slice(0, max - 1).trimEnd() + '…';
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A flight time: 0 → "0 ms", 420 → "420 µs", 75_000 → "75 ms", 1_234_000 → "1.23 s". */
export function formatFlight(us: number): string {
  if (us <= 0) return '0 ms';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 10_000) return `${trimZeros((us / 1000).toFixed(2))} ms`;
  if (us < 1e6) return `${Math.round(us / 1000)} ms`;
  return `${trimZeros((us / 1e6).toFixed(2))} s`;
}

/** The smallest 1-2-5 × 10^n (µs, at least 1) that is ≥ raw. */
export function niceStep(rawUs: number): number {
  if (!(rawUs > 1)) return 1;
  const base = 10 ** Math.floor(Math.log10(rawUs));
  for (const m of [1, 2, 5, 10]) {
    // The epsilon keeps 200 from becoming 500 through 2e2 rounding.
    if (m * base >= rawUs * (1 - 1e-9)) return m * base;
  }
  return 10 * base;
}

/** The tick interval (µs) that puts ticks at least minTickPx apart. */
export function tickStep(pxPerMs: number, minTickPx = 56): number {
  if (!(pxPerMs > 0)) return 1000;
  return niceStep((minTickPx / pxPerMs) * 1000);
}

/**
 * An axis label for a time since the session's start, with as many digits
 * as the tick interval needs: (0, 100 ms) → "0 ms", (1_200_000, 200_000) →
 * "1.2 s", (1500, 500) → "1.5 ms", (500, 500) → "500 µs".
 */
export function formatAxisTime(us: number, stepUs: number): string {
  if (us === 0) return stepUs >= 1e6 ? '0 s' : '0 ms';
  const digits = (scale: number) => Math.max(0, Math.min(6, Math.ceil(Math.log10(scale / stepUs) - 1e-9)));
  if (us < 1000 && stepUs < 1000) return `${Math.round(us)} µs`;
  if (us < 1e6 && stepUs < 1e6) return `${trimZeros((us / 1000).toFixed(digits(1000)))} ms`;
  return `${trimZeros((us / 1e6).toFixed(digits(1e6)))} s`;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface FitOptions {
  /** Height the whole session should fill if it can, px. */
  viewportPx: number;
  /** The median gap between starts should be at least this tall, px. */
  minGapPx?: number;
  /** Never make the drawing taller than this many viewports. */
  maxScreens?: number;
}

/**
 * The scale (px per ms) that shows a session: fill the viewport if the
 * session is short; else make the typical gap between two starts readable;
 * but never taller than maxScreens viewports (then close starts are
 * stretched instead). A session in which no time passes gets 1 px/ms.
 */
export function fitScale(events: readonly TraceEventDTO[], opts: FitOptions): number {
  if (events.length === 0) return 1;
  const minGap = opts.minGapPx ?? DEFAULTS.minGapPx;
  const maxScreens = opts.maxScreens ?? 40;
  let start = Infinity;
  let end = -Infinity;
  for (const ev of events) {
    start = Math.min(start, ev.atUs);
    end = Math.max(end, ev.arriveUs, ev.atUs);
  }
  const durMs = (end - start) / 1000;
  if (!(durMs > 0)) return 1;
  const starts = events.map((e) => e.atUs).sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < starts.length; i++) {
    const d = starts[i]! - starts[i - 1]!;
    if (d > 0) gaps.push(d / 1000);
  }
  const fill = Math.max(1, opts.viewportPx) / durMs;
  const readable = gaps.length ? minGap / median(gaps) : fill;
  const cap = (Math.max(1, opts.viewportPx) * maxScreens) / durMs;
  return Math.min(Math.max(fill, readable), cap);
}

function statusClass(ev: TraceEventDTO): 'ok' | 'error' | null {
  const s = ev.status;
  if (!s) return null;
  if (s === '-ERR' || s === 'NO' || s === 'BAD' || /^[45]\d\d$/.test(s)) return 'error';
  if (s === '+OK' || s === 'OK' || /^[23]\d\d$/.test(s)) return 'ok';
  return null;
}

function arrowLabel(ev: TraceEventDTO): string {
  if (ev.kind === 'bulk') return `${ev.verb ? ev.verb + ' ' : ''}payload`;
  if (ev.kind === 'tls') return ev.verb || ev.text || 'TLS record';
  return ev.text || ev.verb || ev.status || '';
}

function markLabel(ev: TraceEventDTO): string {
  const name = ev.kind === 'tls' ? 'TLS' : ev.kind;
  return ev.text ? `${name} · ${ev.text}` : name;
}

/** Lay out a session's events (any order) at the given scale. */
export function layoutLadder(events: readonly TraceEventDTO[], opts: LadderOptions): Ladder {
  const axisWidth = opts.axisWidth ?? DEFAULTS.axisWidth;
  const inset = opts.inset ?? DEFAULTS.inset;
  const minGap = opts.minGapPx ?? DEFAULTS.minGapPx;
  const minSlant = opts.minSlantPx ?? DEFAULTS.minSlantPx;
  const compress = opts.compressIdle ?? DEFAULTS.compressIdle;
  const idleMinPx = opts.idleMinPx ?? DEFAULTS.idleMinPx;
  const idleGapPx = opts.idleGapPx ?? DEFAULTS.idleGapPx;
  const pxPerUs = (opts.pxPerMs > 0 ? opts.pxPerMs : 1) / 1000;

  const clientX = axisWidth + inset;
  const serverX = Math.max(clientX + 2 * inset, opts.width - inset);
  const labelChars = opts.labelChars ?? Math.max(8, Math.floor((serverX - clientX - 24) / 7.4));

  const sorted = [...events].sort((a, b) => a.atUs - b.atUs || a.seq - b.seq);
  const startUs = sorted.length ? sorted[0]!.atUs : 0;
  let endUs = startUs;
  for (const ev of sorted) endUs = Math.max(endUs, ev.arriveUs, ev.atUs);

  // Walk the starts in time order, building the time → y mapping.
  const segments: Segment[] = [];
  const startY: number[] = [];
  let cur = startUs;
  let y = 0;
  let lastStart = -Infinity;
  let inFlightUntil = startUs;
  const push = (kind: SegmentKind, t1: number, y1: number) => {
    const last = segments[segments.length - 1];
    // Merge a stretch into the one just before it at the same instant.
    if (kind === 'stretch' && last && last.kind === 'stretch' && last.t1 === cur) {
      last.y1 = y1;
    } else {
      segments.push({ kind, t0: cur, t1, y0: y, y1 });
    }
    cur = t1;
    y = y1;
  };
  for (const ev of sorted) {
    const t = ev.atUs;
    if (t > cur) {
      const idleFrom = Math.max(cur, inFlightUntil);
      if (compress && t > idleFrom && (t - idleFrom) * pxPerUs > idleMinPx) {
        if (idleFrom > cur) push('linear', idleFrom, y + (idleFrom - cur) * pxPerUs);
        push('idle', t, y + idleGapPx);
      } else {
        push('linear', t, y + (t - cur) * pxPerUs);
      }
    }
    if (y < lastStart + minGap) push('stretch', t, lastStart + minGap);
    startY.push(y);
    lastStart = y;
    inFlightUntil = Math.max(inFlightUntil, ev.arriveUs);
  }
  if (endUs > cur) push('linear', endUs, y + (endUs - cur) * pxPerUs);

  const partial: Omit<Ladder, 'items' | 'height' | 'prefixBottom'> = {
    startUs,
    endUs,
    pxPerMs: pxPerUs * 1000,
    clientX,
    serverX,
    axisX: axisWidth - 10,
    width: opts.width,
    segments,
    instantaneous: endUs === startUs,
  };

  const minFlightPx = opts.minFlightLabelPx ?? DEFAULTS.minFlightLabelPx;
  const fontPx = opts.fontPx ?? DEFAULTS.fontPx;
  const wantFlight: boolean[] = [];
  const lastByDir: Partial<Record<Dir, ArrowItem>> = {};
  const items: LadderItem[] = [];
  let height = 0;
  sorted.forEach((ev, i) => {
    const y1 = startY[i]!;
    const fromX = ev.dir === 'c2s' ? clientX : serverX;
    const toX = ev.dir === 'c2s' ? serverX : clientX;
    if (isArrow(ev)) {
      const arrive = Math.max(ev.arriveUs, ev.atUs);
      const y2 = Math.max(yAtTime(partial, arrive, 'before'), y1 + minSlant);
      const label = arrowLabel(ev);
      const flightLabel = formatFlight(arrive - ev.atUs);
      const prev = lastByDir[ev.dir];
      const repeat = !!prev && prev.flightLabel === flightLabel && y1 - prev.y1 < 2.5 * minGap;
      const shown = truncate(label, ev.kind === 'bulk' ? labelChars - 8 : labelChars);
      const sizeLabel =
        ev.kind !== 'bulk' ? null : ev.incomplete && ev.announced ? `${formatBytes(ev.bytes)} of ${formatBytes(ev.announced)}` : formatBytes(ev.bytes);
      const chars = shown.length + (sizeLabel ? sizeLabel.length + 1 : 0);
      const w = chars * 0.602 * fontPx + 6;
      const labelX = (fromX + toX) / 2;
      const labelY = (y1 + y2) / 2 - LABEL_LIFT;
      const item: ArrowItem = {
        type: 'arrow',
        seq: ev.seq,
        dir: ev.dir,
        kind: ev.kind,
        atUs: ev.atUs,
        arriveUs: arrive,
        x1: fromX,
        y1,
        x2: toX,
        y2,
        label: shown,
        title: ev.incomplete
          ? `${ev.kind === 'bulk' ? label : ev.text || label} (cut short: ${ev.bytes}${ev.announced ? ` of ${ev.announced}` : ''} bytes arrived, then the connection broke)`
          : ev.kind === 'bulk'
            ? `${label} (${ev.bytes} bytes): ${ev.text}`
            : ev.text || label,
        sizeLabel,
        labelX,
        labelY,
        labelBox: { x: labelX - w / 2, y: labelY - fontPx * 0.85, w, h: fontPx + 3 },
        flightLabel,
        flight: null,
        thick: ev.kind === 'bulk',
        cut: ev.incomplete ? cutPoint(fromX, y1, toX, y2) : null,
        status: statusClass(ev),
      };
      items.push(item);
      lastByDir[ev.dir] = item;
      // Where nothing takes any time, "0 ms" on every arrow says nothing the note does not.
      wantFlight[items.length - 1] = !repeat && !partial.instantaneous && Math.hypot(toX - fromX, y2 - y1) >= minFlightPx;
      height = Math.max(height, y2);
    } else {
      const label = markLabel(ev);
      items.push({
        type: 'mark',
        seq: ev.seq,
        dir: ev.dir,
        kind: ev.kind,
        atUs: ev.atUs,
        x: fromX,
        y: y1,
        label: truncate(label, labelChars),
        title: label,
      });
      height = Math.max(height, y1);
    }
  });

  const flightBoxes: (Box | null)[] = [];
  items.forEach((it, i) => {
    flightBoxes[i] = null;
    if (it.type !== 'arrow' || !wantFlight[i]) return;
    const placed = placeFlight(items, flightBoxes, i, fontPx * 0.86);
    if (placed) {
      it.flight = placed.flight;
      flightBoxes[i] = placed.box;
    }
  });

  const prefixBottom: number[] = [];
  let max = -Infinity;
  for (const it of items) {
    max = Math.max(max, bottomOf(it));
    prefixBottom.push(max);
  }
  return { ...partial, items, height, prefixBottom };
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/**
 * A place for items[i]'s flight time that covers no label nearby: under the
 * shaft nearer the sender, nearer the receiver, at its middle, or above it
 * (its own label is over the middle).
 */
function placeFlight(
  items: readonly LadderItem[],
  placed: readonly (Box | null)[],
  i: number,
  fontPx: number,
): { flight: FlightLabel; box: Box } | null {
  const a = items[i] as ArrowItem;
  const dx = a.x2 - a.x1;
  const dy = a.y2 - a.y1;
  const len = Math.hypot(dx, dy) || 1;
  let rot = (Math.atan2(dy, dx) * 180) / Math.PI;
  if (rot > 90) rot -= 180;
  if (rot < -90) rot += 180;
  const rad = (rot * Math.PI) / 180;
  const cos = Math.abs(Math.cos(rad));
  const sin = Math.abs(Math.sin(rad));
  const w = a.flightLabel.length * 0.56 * fontPx;
  const h = fontPx;
  // The text's normal in screen space, pointing down the page.
  const nx = -Math.sin(rad);
  const ny = Math.cos(rad);
  const near: Box[] = [];
  for (let j = Math.max(0, i - 8); j < Math.min(items.length, i + 9); j++) {
    const it = items[j]!;
    if (j !== i && it.type === 'arrow') near.push(it.labelBox);
    if (it.type === 'mark') {
      // A connect / close mark's label, centred between the columns above its rule.
      const mw = it.label.length * 0.602 * fontPx;
      const mid = (a.x1 + a.x2) / 2;
      near.push({ x: mid - mw / 2, y: it.y - 5 - fontPx, w: mw, h: fontPx + 3 });
    }
    const fb = j < i ? placed[j] : null;
    if (fb) near.push(fb);
  }
  near.push(a.labelBox);
  for (const [f, below] of [
    [0.28, true],
    [0.72, true],
    [0.5, true],
    [0.28, false],
    [0.72, false],
  ] as const) {
    const px = a.x1 + dx * f;
    const py = a.y1 + dy * f;
    const off = below ? h * 0.75 + 2 : -(h * 0.75 + 2);
    const cx = px + nx * off;
    const cy = py + ny * off;
    const bw = w * cos + h * sin;
    const bh = w * sin + h * cos;
    const box = { x: cx - bw / 2, y: cy - bh / 2, w: bw, h: bh };
    if (len > w + 40 && !near.some((b) => overlaps(b, box))) {
      return { flight: { x: px, y: py, rot, dy: below ? h + 2 : -5 }, box };
    }
  }
  return null;
}

function topOf(it: LadderItem): number {
  return it.type === 'arrow' ? it.y1 : it.y;
}
function bottomOf(it: LadderItem): number {
  return it.type === 'arrow' ? it.y2 : it.y;
}

type Mapping = Pick<Ladder, 'segments' | 'startUs' | 'pxPerMs'>;

/**
 * The y of a virtual time. Where no time passes over a stretch, 'before'
 * is its top (where earlier arrows arrive) and 'after' its bottom.
 */
export function yAtTime(m: Mapping, us: number, side: 'before' | 'after' = 'before'): number {
  const segs = m.segments;
  const pxPerUs = m.pxPerMs / 1000;
  if (segs.length === 0) return (us - m.startUs) * pxPerUs;
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  if (us < first.t0) return first.y0 - (first.t0 - us) * pxPerUs;
  if (us > last.t1) return last.y1 + (us - last.t1) * pxPerUs;
  let lo = 0;
  let hi = segs.length - 1;
  if (side === 'before') {
    // The first segment that ends at or after us.
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid]!.t1 >= us) hi = mid;
      else lo = mid + 1;
    }
  } else {
    // The last segment that starts at or before us.
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.t0 <= us) lo = mid;
      else hi = mid - 1;
    }
  }
  const s = segs[lo]!;
  if (s.t1 === s.t0) return side === 'before' ? s.y0 : s.y1;
  return s.y0 + ((us - s.t0) / (s.t1 - s.t0)) * (s.y1 - s.y0);
}

/** The items that cross the band [top, bottom] (px), in drawing order. O(log n + k). */
export function visibleItems(l: Ladder, top: number, bottom: number): LadderItem[] {
  const items = l.items;
  // First item whose prefix bottom reaches the band (prefixBottom is sorted).
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (l.prefixBottom[mid]! >= top) hi = mid;
    else lo = mid + 1;
  }
  const out: LadderItem[] = [];
  for (let i = lo; i < items.length; i++) {
    const it = items[i]!;
    if (topOf(it) > bottom) break; // items are sorted by top
    if (bottomOf(it) >= top) out.push(it);
  }
  return out;
}

export interface Tick {
  y: number;
  /** Time since the session's start, µs. */
  us: number;
  label: string;
}

export interface AxisBreak {
  kind: 'stretch' | 'idle';
  y0: number;
  y1: number;
  /** For an idle gap: "12.3 s idle". */
  label: string;
}

export interface Axis {
  stepUs: number;
  ticks: Tick[];
  breaks: AxisBreak[];
}

/** The axis ticks and breaks within [top, bottom] (px). */
export function axisFor(l: Ladder, top: number, bottom: number, minTickPx = 56): Axis {
  const stepUs = tickStep(l.pxPerMs, minTickPx);
  const ticks: Tick[] = [];
  const breaks: AxisBreak[] = [];
  const addTick = (rel: number, y: number) => {
    const prev = ticks[ticks.length - 1];
    if (prev && (prev.us === rel || y - prev.y < minTickPx * 0.5)) return;
    ticks.push({ y, us: rel, label: formatAxisTime(rel, stepUs) });
  };
  if (l.segments.length === 0 || l.instantaneous) {
    if (top <= 0 && bottom >= 0) addTick(0, 0);
    if (l.instantaneous && l.height > 0 && bottom >= 0 && top <= l.height) {
      breaks.push({ kind: 'stretch', y0: 0, y1: l.height, label: '' });
    }
    return { stepUs, ticks, breaks };
  }
  // Segments are sorted by y too: skip those above the band.
  const segs = l.segments;
  let lo = 0;
  let hi = segs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid]!.y1 >= top) hi = mid;
    else lo = mid + 1;
  }
  if (top <= 0) addTick(0, 0);
  for (let i = lo; i < segs.length; i++) {
    const s = segs[i]!;
    if (s.y0 > bottom) break;
    if (s.kind === 'linear') {
      const r0 = s.t0 - l.startUs;
      const r1 = s.t1 - l.startUs;
      const scale = (s.y1 - s.y0) / (s.t1 - s.t0);
      // Only the part of the segment inside the band.
      const from = Math.max(r0, r0 + (top - s.y0) / scale);
      const to = Math.min(r1, r0 + (bottom - s.y0) / scale);
      for (let k = Math.ceil(from / stepUs - 1e-9); k * stepUs <= to + 1e-6; k++) {
        const rel = k * stepUs;
        addTick(rel, s.y0 + (rel - r0) * scale);
      }
    } else if (s.y1 > s.y0) {
      breaks.push({
        kind: s.kind,
        y0: s.y0,
        y1: s.y1,
        label: s.kind === 'idle' ? `${formatFlight(s.t1 - s.t0)} idle` : '',
      });
    }
  }
  return { stepUs, ticks, breaks };
}

/** How an arrow looks at replay time replayUs (null = everything happened). */
/** How far short of the receiver's column a cut-short arrow stops, px. */
export const CUT_SHORT_PX = 22;

/** Where an arrow from (x1, y1) to (x2, y2) stops when it is cut short. */
function cutPoint(x1: number, y1: number, x2: number, y2: number): { x: number; y: number } {
  const len = Math.hypot(x2 - x1, y2 - y1) || 1;
  const back = Math.min(CUT_SHORT_PX, len / 3);
  return { x: x2 - ((x2 - x1) / len) * back, y: y2 - ((y2 - y1) / len) * back };
}

/** The ✕ that ends a cut-short arrow: two strokes of half-size r crossing at (x, y), as an SVG path. */
export function crossAt(x: number, y: number, r: number): string {
  return `M${x - r} ${y - r}L${x + r} ${y + r}M${x - r} ${y + r}L${x + r} ${y - r}`;
}

export interface ReplayView {
  /** False when it had not started yet. */
  shown: boolean;
  /** Still on the wire: drawn up to (x, y), where the packet is. */
  inFlight: boolean;
  x: number;
  y: number;
}

/** Where the arrow is drawn to at replayUs (null: all of it); a cut-short arrow never goes past its cut. */
export function arrowAt(l: Ladder, a: ArrowItem, replayUs: number | null): ReplayView {
  const end = a.cut ?? { x: a.x2, y: a.y2 };
  if (replayUs === null || replayUs >= a.arriveUs) return { shown: true, inFlight: false, x: end.x, y: end.y };
  if (replayUs < a.atUs) return { shown: false, inFlight: false, x: a.x1, y: a.y1 };
  const y = Math.min(end.y, Math.max(a.y1, yAtTime(l, replayUs, 'before')));
  const f = a.y2 > a.y1 ? (y - a.y1) / (a.y2 - a.y1) : 1;
  return { shown: true, inFlight: true, x: a.x1 + (a.x2 - a.x1) * f, y };
}

/** Every instant something starts or arrives, sorted, unique: where "step" stops. */
export function boundaries(events: readonly TraceEventDTO[]): number[] {
  const set = new Set<number>();
  for (const ev of events) {
    set.add(ev.atUs);
    set.add(Math.max(ev.atUs, ev.arriveUs));
  }
  return [...set].sort((a, b) => a - b);
}
