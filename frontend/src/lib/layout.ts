// The lab's columns for a projector: the left rail (Link, Servers,
// Actions, Console), the trace in the centre, the side panel (mailboxes,
// or the selected line and its ladder). Pure arithmetic, no DOM: the trace's
// command column must stay readable (TEXT_MIN_PX) at 1024 px in large type,
// so the side panels give way first (down to their minimum, then the one
// the user did not touch last collapses to a strip).
//
// The trace row's fixed columns are defined here too, once: the row's CSS
// grid is built from them (traceGrid) and the centre's minimum width is
// worked out from the same figures (traceFixedPx).

export type PanelId = 'rail' | 'side';

/** The least width of the trace's command text, px. */
export const TEXT_MIN_PX = 250;
/** A vertical scrollbar, px (Chromium's classic one is 15). */
export const SCROLLBAR_PX = 16;
/** A collapsed panel: a strip with its open button, px. */
export const STRIP_PX = 40;

/** The trace row's font, relative to the root font size (TraceRow.svelte's .row). */
export const ROW_FONT_REM = 0.9;
/** The accent bar, the gaps between columns and the row's right padding, px. */
export const ROW_ACCENT_PX = 4;
export const ROW_GAP_PX = 6;
export const ROW_PAD_PX = 12;

/**
 * The fixed columns, in em of the row's font. The protocol column shows
 * only when the centre is wide: the accent bar carries the protocol too.
 * time: "1234.567 s" or "14:03:07.412" in 0.8em monospace (0.602 advance).
 */
export const TRACE_COLUMNS_EM = {
  time: 6.2,
  session: 3,
  proto: 3.4,
  dir: 1.4,
  bytes: 4,
  flags: 2.2,
} as const;

/** The centre width from which the protocol column shows, px. */
export const PROTO_FROM_PX = 820;

export interface TraceGrid {
  /** grid-template-columns of a row. */
  template: string;
  /** The width before the text column, for an expanded payload's preview lines (CSS length). */
  lead: string;
  showProto: boolean;
}

/** The trace row's columns for a centre this wide (px). */
export function traceGrid(centrePx: number): TraceGrid {
  const c = TRACE_COLUMNS_EM;
  const showProto = centrePx >= PROTO_FROM_PX;
  const cols = [`${ROW_ACCENT_PX}px`, `${c.time}em`, `${c.session}em`, ...(showProto ? [`${c.proto}em`] : []), `${c.dir}em`, `${c.bytes}em`, `${c.flags}em`];
  const em = c.time + c.session + (showProto ? c.proto : 0) + c.dir + c.bytes + c.flags;
  return {
    template: [...cols, 'minmax(0, 1fr)'].join(' '),
    lead: `calc(${ROW_ACCENT_PX}px + ${em}em + ${(cols.length - 1) * ROW_GAP_PX}px)`,
    showProto,
  };
}

/** The fixed part of a trace row without the protocol column, px, for a root font size. */
export function traceFixedPx(remPx: number): number {
  const c = TRACE_COLUMNS_EM;
  const em = c.time + c.session + c.dir + c.bytes + c.flags;
  const columns = 7; // accent, time, session, dir, bytes, flags, text
  return ROW_ACCENT_PX + em * remPx * ROW_FONT_REM + (columns - 1) * ROW_GAP_PX + ROW_PAD_PX;
}

/** The least width of the centre for a readable command column, px. */
export function centreMinPx(remPx: number): number {
  return Math.ceil(traceFixedPx(remPx) + TEXT_MIN_PX + SCROLLBAR_PX);
}

export interface PanelFit {
  /** The width the user chose (dragged), px. */
  want: number;
  min: number;
  collapsed: boolean;
}

export interface FitInput {
  viewport: number;
  centreMin: number;
  rail: PanelFit;
  side: PanelFit;
  /** The panel the user touched last: it stays open when both cannot. */
  keep: PanelId;
  strip?: number;
}

export interface Fit {
  rail: number;
  side: number;
  centre: number;
  railOpen: boolean;
  sideOpen: boolean;
  /** A panel closed because the window is too narrow for both (not by the user). */
  squeezed: PanelId | null;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * The columns' widths. Open panels get what the user chose, at least
 * their minimum; if the centre would fall below centreMin, the panel not
 * kept shrinks to its minimum, then the kept one; then the one not kept
 * collapses to a strip (the kept one gets the room back, up to what was
 * chosen), and last the kept one too. Widths are whole pixels.
 */
export function fitColumns(f: FitInput): Fit {
  const strip = f.strip ?? STRIP_PX;
  const avail = Math.max(0, f.viewport - f.centreMin);
  const other: PanelId = f.keep === 'rail' ? 'side' : 'rail';
  const open: Record<PanelId, boolean> = { rail: !f.rail.collapsed, side: !f.side.collapsed };
  const w: Record<PanelId, number> = {
    rail: open.rail ? Math.max(f.rail.min, Math.round(f.rail.want)) : strip,
    side: open.side ? Math.max(f.side.min, Math.round(f.side.want)) : strip,
  };
  const spec: Record<PanelId, PanelFit> = { rail: f.rail, side: f.side };
  let squeezed: PanelId | null = null;
  const over = () => w.rail + w.side - avail;

  for (const p of [other, f.keep]) {
    if (over() <= 0) break;
    if (open[p]) w[p] = Math.max(spec[p].min, w[p] - over());
  }
  for (const p of [other, f.keep]) {
    if (over() <= 0) break;
    if (!open[p]) continue;
    open[p] = false;
    w[p] = strip;
    squeezed ??= p;
    // The one still open gets the room back, up to what was chosen.
    const q: PanelId = p === 'rail' ? 'side' : 'rail';
    if (open[q]) w[q] = clamp(avail - strip, spec[q].min, Math.max(spec[q].min, Math.round(spec[q].want)));
  }
  return {
    rail: w.rail,
    side: w.side,
    centre: Math.max(0, f.viewport - w.rail - w.side),
    railOpen: open.rail,
    sideOpen: open.side,
    squeezed,
  };
}

/**
 * A panel's width while its edge is dragged: from where the drag started,
 * dx px (positive to the right); the rail grows to the right, the side
 * panel to the left. Kept within [min, max].
 */
export function dragWidth(panel: PanelId, start: number, dx: number, min: number, max: number): number {
  const w = panel === 'rail' ? start + dx : start - dx;
  return Math.round(clamp(w, min, Math.max(min, max)));
}

// ---- What the app remembers (localStorage) ----

export type SideTab = 'mail' | 'line';
export type TypeSize = 'normal' | 'large';

export interface PanelPrefs {
  rail: { width: number; collapsed: boolean };
  side: { width: number; collapsed: boolean };
}

export interface LayoutPrefs {
  /** Widths per type size: large type needs wider panels for the same text. */
  normal: PanelPrefs;
  large: PanelPrefs;
  sideTab: SideTab;
  keep: PanelId;
}

export const defaultLayout: LayoutPrefs = {
  normal: { rail: { width: 294, collapsed: false }, side: { width: 420, collapsed: false } },
  large: { rail: { width: 300, collapsed: false }, side: { width: 440, collapsed: false } },
  sideTab: 'line',
  keep: 'side',
};

/** The least widths of the panels, in rem (their forms and lists need this much). */
export const RAIL_MIN_REM = 17;
export const SIDE_MIN_REM = 18;

export type LayoutAction =
  | { type: 'resize'; size: TypeSize; panel: PanelId; width: number }
  | { type: 'collapse'; size: TypeSize; panel: PanelId; collapsed: boolean }
  | { type: 'side-tab'; tab: SideTab };

export function reduceLayout(s: LayoutPrefs, a: LayoutAction): LayoutPrefs {
  switch (a.type) {
    case 'resize': {
      const cur = s[a.size][a.panel];
      if (cur.width === a.width && !cur.collapsed && s.keep === a.panel) return s;
      return { ...s, keep: a.panel, [a.size]: { ...s[a.size], [a.panel]: { width: a.width, collapsed: false } } };
    }
    case 'collapse': {
      const cur = s[a.size][a.panel];
      const keep = a.collapsed ? s.keep : a.panel;
      if (cur.collapsed === a.collapsed && keep === s.keep) return s;
      return { ...s, keep, [a.size]: { ...s[a.size], [a.panel]: { ...cur, collapsed: a.collapsed } } };
    }
    case 'side-tab':
      return a.tab === s.sideTab ? s : { ...s, sideTab: a.tab };
    default: {
      const never: never = a;
      throw new Error(`unknown layout action ${JSON.stringify(never)}`);
    }
  }
}

const isNum = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;

function panelFrom(v: unknown, d: { width: number; collapsed: boolean }): { width: number; collapsed: boolean } {
  const o = (v ?? {}) as Record<string, unknown>;
  return { width: isNum(o.width, 100, 4000) ? Math.round(o.width) : d.width, collapsed: typeof o.collapsed === 'boolean' ? o.collapsed : d.collapsed };
}

/** Stored JSON → prefs; anything missing or odd falls back to the default. */
export function parseLayout(json: string | null): LayoutPrefs {
  if (!json) return defaultLayout;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return defaultLayout;
  }
  if (!o || typeof o !== 'object') return defaultLayout;
  const sizes = (k: TypeSize): PanelPrefs => {
    const v = (o[k] ?? {}) as Record<string, unknown>;
    return { rail: panelFrom(v.rail, defaultLayout[k].rail), side: panelFrom(v.side, defaultLayout[k].side) };
  };
  return {
    normal: sizes('normal'),
    large: sizes('large'),
    sideTab: o.sideTab === 'mail' || o.sideTab === 'line' ? o.sideTab : defaultLayout.sideTab,
    keep: o.keep === 'rail' || o.keep === 'side' ? o.keep : defaultLayout.keep,
  };
}
