// The race view's pure logic: a run's lane (its network activity, dial
// time and connections per device), the shared timeline with quiet time
// compressed, the counters at a playhead, the results table's "better
// value", bar scaling, and the formatting. No DOM, no stores: tested by
// race.test.ts.

import { formatBytes, formatCost, formatSeconds, trimFixed } from './format';
import { formatCount } from './traceformat';
import { KINDS } from './types';
import type { RunDTO, StepDTO, TotalsDTO } from './types';

// ---------------------------------------------------------------------------
// Intervals

/** A half-open span of story time in µs. */
export interface Span {
  start: number;
  end: number;
}

/** Sorts and merges spans whose gap is at most `slack` µs. */
export function mergeSpans(spans: readonly Span[], slack = 0): Span[] {
  const sorted = spans.filter((s) => s.end >= s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end + slack) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/** Total length of merged spans. */
export function spanLength(spans: readonly Span[]): number {
  let n = 0;
  for (const s of spans) n += s.end - s.start;
  return n;
}

/** How much of the merged, sorted spans lies before t. */
export function lengthBefore(spans: readonly Span[], t: number): number {
  let n = 0;
  for (const s of spans) {
    if (s.start >= t) break;
    n += Math.min(s.end, t) - s.start;
  }
  return n;
}

// ---------------------------------------------------------------------------
// Lanes

export interface LaneLine {
  atUs: number;
  arriveUs: number;
  session: number;
  device: string;
  dir: 'c2s' | 's2c';
  kind: string;
  text: string;
  wire: number;
  status: string;
}

export interface LaneStep {
  step: StepDTO;
  startUs: number;
  endUs: number;
  /** The first call's dialling, at the step's start (metered links). */
  dial: Span | null;
  /** Every call's dialling in the step (a watch on a modem dials for each poll). */
  dials: Span[];
  /** When this step used the network: dialling and its lines in flight, merged. */
  network: Span[];
  networkUs: number;
}

export interface LaneDevice {
  name: string;
  steps: LaneStep[];
  /** Connections open (story µs). */
  connections: Span[];
  /** Lines in flight, merged for drawing. */
  active: Span[];
  dials: Span[];
}

export interface Lane {
  protocol: 'pop3' | 'imap';
  run: RunDTO;
  lines: LaneLine[];
  /** The lines with a synthetic line for each call's dialling, by time: what the lane's trace lists. */
  transcript: LaneLine[];
  devices: LaneDevice[];
  steps: LaneStep[];
  /** Every span with network activity (lines in flight, dialling), merged. */
  activity: Span[];
  endUs: number;
}

const S = 1e6;

/** Builds a lane from a run: decodes its columnar events and places them on its steps and devices. */
export function buildLane(run: RunDTO, drawSlackUs = 0): Lane {
  const ev = run.lane.events;
  const deviceOf = new Map<number, string>();
  for (const s of run.lane.sessions) deviceOf.set(s.id, s.device);
  const lines: LaneLine[] = [];
  for (let i = 0; i < ev.n; i++) {
    lines.push({
      atUs: ev.atUs[i] ?? 0,
      arriveUs: Math.max(ev.arriveUs[i] ?? 0, ev.atUs[i] ?? 0),
      session: ev.session[i] ?? 0,
      device: deviceOf.get(ev.session[i] ?? 0) ?? '',
      dir: ev.dir[i] === '1' ? 's2c' : 'c2s',
      kind: KINDS[Number(ev.kind[i] ?? 0)] ?? 'line',
      text: ev.text[i] ?? '',
      wire: ev.wire[i] ?? 0,
      status: ev.status[i] ?? '',
    });
  }
  lines.sort((a, b) => a.atUs - b.atUs);

  const names: string[] = run.devices.map((d) => d.name);
  for (const st of run.steps) if (st.device && !names.includes(st.device)) names.push(st.device);
  const devices: LaneDevice[] = names.map((name) => ({ name, steps: [], connections: [], active: [], dials: [] }));
  const byName = new Map(devices.map((d) => [d.name, d]));

  const linesOf = new Map<string, LaneLine[]>();
  for (const l of lines) {
    const a = linesOf.get(l.device);
    if (a) a.push(l);
    else linesOf.set(l.device, [l]);
  }

  const steps: LaneStep[] = run.steps.map((step) => {
    const startUs = step.startSeconds * S;
    const endUs = Math.max(startUs, step.endSeconds * S);
    const dials = stepDials(step, run.lane.sessions);
    const dial = dials[0] ?? null;
    const own: Span[] = [];
    for (const l of linesOf.get(step.device) ?? []) {
      if (l.atUs >= startUs && l.atUs <= endUs) own.push({ start: l.atUs, end: l.arriveUs });
    }
    own.push(...dials);
    const network = mergeSpans(own);
    return { step, startUs, endUs, dial, dials, network, networkUs: spanLength(network) };
  });
  for (const ls of steps) byName.get(ls.step.device)?.steps.push(ls);

  for (const s of run.lane.sessions) byName.get(s.device)?.connections.push({ start: s.startUs, end: s.endUs });
  for (const d of devices) {
    d.connections = mergeSpans(d.connections);
    d.active = mergeSpans(
      (linesOf.get(d.name) ?? []).map((l) => ({ start: l.atUs, end: l.arriveUs })),
      drawSlackUs,
    );
    d.dials = d.steps.flatMap((s) => s.dials);
  }
  const activity = mergeSpans([...lines.map((l) => ({ start: l.atUs, end: l.arriveUs })), ...steps.flatMap((s) => s.dials)]);
  const endUs = Math.max(
    run.spanSeconds * S,
    ...steps.map((s) => s.endUs),
    ...run.lane.sessions.map((s) => s.endUs),
    lines.length ? (lines[lines.length - 1] as LaneLine).arriveUs : 0,
  );
  const transcript = withDialLines(lines, steps);
  return { protocol: run.protocol, run, lines, transcript, devices, steps, activity, endUs };
}

/**
 * When a step dialled (metered links): one span per call. One call dials at
 * the step's start. Several (a watch polling over a modem, hanging up
 * between polls) each end where a connection opens after the line was
 * down; when the sessions do not tell, all the dialling is put at the
 * step's start, as one span.
 */
export function stepDials(step: StepDTO, sessions: readonly { device: string; startUs: number; endUs: number }[]): Span[] {
  const dialUs = step.totals.dialSeconds * S;
  if (!(dialUs > 0)) return [];
  const startUs = step.startSeconds * S;
  const calls = Math.max(1, Math.round(step.totals.calls || 1));
  if (calls === 1) return [{ start: startUs, end: startUs + dialUs }];
  const per = dialUs / calls;
  const endUs = Math.max(startUs, step.endSeconds * S);
  const own = sessions
    .filter((s) => s.device === step.device && s.startUs >= startUs + per - 1 && s.startUs <= endUs)
    .sort((a, b) => a.startUs - b.startUs);
  const out: Span[] = [];
  let lineFree = startUs; // the line is down from here on (no connection open)
  for (const s of own) {
    if (s.startUs - per >= lineFree - 1) out.push({ start: s.startUs - per, end: s.startUs });
    lineFree = Math.max(lineFree, s.endUs);
  }
  if (out.length !== calls) return [{ start: startUs, end: startUs + dialUs }];
  return out;
}

/** "☎ dialling… connected after 20.0 s" */
export function dialText(span: Span): string {
  return `☎ dialling… connected after ${formatSeconds((span.end - span.start) / S)}`;
}

/**
 * The lane's lines with a synthetic line (kind "dial", session -1) at the
 * start of each step's dialling, on that step's device, ordered by time; a
 * dial line comes before a line that starts at the same moment.
 */
export function withDialLines(lines: readonly LaneLine[], steps: readonly Pick<LaneStep, 'step' | 'dials'>[]): LaneLine[] {
  const dials: LaneLine[] = steps
    .flatMap((ls) =>
      ls.dials.map((d) => ({
        atUs: d.start,
        arriveUs: d.end,
        session: -1,
        device: ls.step.device,
        dir: 'c2s' as const,
        kind: 'dial',
        text: dialText(d),
        wire: 0,
        status: '',
      })),
    )
    .sort((a, b) => a.atUs - b.atUs);
  if (!dials.length) return lines.slice();
  const out: LaneLine[] = [];
  let j = 0;
  for (const l of lines) {
    while (j < dials.length && (dials[j] as LaneLine).atUs <= l.atUs) out.push(dials[j++] as LaneLine);
    out.push(l);
  }
  while (j < dials.length) out.push(dials[j++] as LaneLine);
  return out;
}

/** How many lines started at or before t (lines sorted by atUs). */
export function linesUpTo(lines: readonly { atUs: number }[], t: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((lines[mid] as { atUs: number }).atUs <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------
// The shared timeline: story time ↔ display time, quiet time compressed

export interface Segment {
  /** Story µs. */
  storyStart: number;
  storyEnd: number;
  /** Display µs where the segment begins. */
  displayStart: number;
  displayEnd: number;
  /** A compressed quiet gap. */
  quiet: boolean;
}

export interface Timeline {
  segments: Segment[];
  storyEnd: number;
  displayEnd: number;
}

/** A quiet gap longer than this is shown as QUIET_SHOWN_US. */
export const QUIET_MIN_US = 1.5e6;
export const QUIET_SHOWN_US = 1e6;

/**
 * The timeline from 0 to end. With compress, every gap longer than
 * QUIET_MIN_US where no lane has network activity is shown as
 * QUIET_SHOWN_US; the rest plays at its own pace.
 */
export function buildTimeline(activity: readonly Span[], end: number, compress: boolean): Timeline {
  const storyEnd = Math.max(0, end);
  if (!compress) {
    return { segments: [{ storyStart: 0, storyEnd, displayStart: 0, displayEnd: storyEnd, quiet: false }], storyEnd, displayEnd: storyEnd };
  }
  const busy = mergeSpans(activity.map((s) => ({ start: Math.max(0, s.start), end: Math.min(storyEnd, s.end) })).filter((s) => s.end >= s.start));
  const segments: Segment[] = [];
  let story = 0;
  let display = 0;
  const push = (to: number, quiet: boolean) => {
    if (to <= story) return;
    const len = quiet ? QUIET_SHOWN_US : to - story;
    const prev = segments[segments.length - 1];
    if (prev && !quiet && !prev.quiet) {
      prev.storyEnd = to;
      prev.displayEnd += len;
    } else {
      segments.push({ storyStart: story, storyEnd: to, displayStart: display, displayEnd: display + len, quiet });
    }
    story = to;
    display += len;
  };
  const gap = (to: number) => push(to, to - story > QUIET_MIN_US);
  for (const b of busy) {
    gap(b.start);
    push(b.end, false);
  }
  gap(storyEnd);
  if (!segments.length) segments.push({ storyStart: 0, storyEnd, displayStart: 0, displayEnd: storyEnd, quiet: false });
  return { segments, storyEnd, displayEnd: display || storyEnd };
}

function segmentAt<K extends 'storyStart' | 'displayStart'>(tl: Timeline, key: K, v: number): Segment {
  const segs = tl.segments;
  let lo = 0;
  let hi = segs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((segs[mid] as Segment)[key] <= v) lo = mid;
    else hi = mid - 1;
  }
  return segs[lo] as Segment;
}

/** Story µs → display µs. */
export function toDisplay(tl: Timeline, story: number): number {
  if (story <= 0) return 0;
  if (story >= tl.storyEnd) return tl.displayEnd;
  const s = segmentAt(tl, 'storyStart', story);
  const len = s.storyEnd - s.storyStart;
  if (len <= 0) return s.displayStart;
  return s.displayStart + ((story - s.storyStart) / len) * (s.displayEnd - s.displayStart);
}

/** Display µs → story µs. */
export function toStory(tl: Timeline, display: number): number {
  if (display <= 0) return 0;
  if (display >= tl.displayEnd) return tl.storyEnd;
  const s = segmentAt(tl, 'displayStart', display);
  const len = s.displayEnd - s.displayStart;
  if (len <= 0) return s.storyStart;
  return s.storyStart + ((display - s.displayStart) / len) * (s.storyEnd - s.storyStart);
}

/** The display times of every line's start in both lanes, sorted and unique: where "step" stops. */
export function boundaries(tl: Timeline, lanes: readonly Lane[]): number[] {
  const all: number[] = [];
  for (const l of lanes) for (const line of l.transcript) all.push(toDisplay(tl, line.atUs));
  all.sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of all) if (!out.length || v - (out[out.length - 1] as number) > 0.5) out.push(v);
  return out;
}

// ---------------------------------------------------------------------------
// Counters at a playhead

export interface Counters {
  simSeconds: number;
  wireDown: number;
  wireUp: number;
  roundTrips: number;
  onlineSeconds: number;
  cost: number;
  /** Messages each device lists, in device order. */
  visible: { name: string; count: number }[];
}

/** How far a step's network counters are at t: the share of its network time before t (0..1). */
export function networkProgress(ls: LaneStep, t: number): number {
  if (t >= ls.endUs) return 1;
  if (t <= ls.startUs) return 0;
  if (ls.networkUs > 0) return lengthBefore(ls.network, t) / ls.networkUs;
  return linearProgress(ls, t);
}

/** How far a step is through its story time at t (0..1). */
export function linearProgress(ls: LaneStep, t: number): number {
  if (t >= ls.endUs) return 1;
  if (t <= ls.startUs) return 0;
  return (t - ls.startUs) / (ls.endUs - ls.startUs);
}

/**
 * The lane's counters at story time t: each step's totals in proportion to
 * how far it is (network time for the network figures, story time for
 * online time and cost), so at the end they are the run's totals.
 */
export function countersAt(lane: Lane, t: number): Counters {
  const c: Counters = { simSeconds: 0, wireDown: 0, wireUp: 0, roundTrips: 0, onlineSeconds: 0, cost: 0, visible: [] };
  for (const ls of lane.steps) {
    const n = networkProgress(ls, t);
    const l = linearProgress(ls, t);
    const tot: TotalsDTO = ls.step.totals;
    c.simSeconds += tot.simSeconds * n;
    c.wireDown += tot.wireDown * n;
    c.wireUp += tot.wireUp * n;
    c.roundTrips += tot.roundTrips * n;
    c.onlineSeconds += tot.onlineSeconds * l;
    c.cost += tot.cost * l;
  }
  // Whatever the run counts outside its steps lands at the end.
  if (t >= lane.endUs) {
    const tot = lane.run.totals;
    c.simSeconds = tot.simSeconds;
    c.wireDown = tot.wireDown;
    c.wireUp = tot.wireUp;
    c.roundTrips = tot.roundTrips;
    c.onlineSeconds = tot.onlineSeconds;
    c.cost = tot.cost;
  }
  c.roundTrips = Math.floor(c.roundTrips + 1e-9);
  c.wireDown = Math.round(c.wireDown);
  c.wireUp = Math.round(c.wireUp);
  c.visible = visibleAt(lane, t);
  return c;
}

/** Messages each device lists at t: as of the last step finished by then (0 before any). */
export function visibleAt(lane: Lane, t: number): { name: string; count: number }[] {
  return lane.run.devices.map((d) => {
    if (t >= lane.endUs) return { name: d.name, count: d.visible };
    let count = 0;
    let at = -1;
    for (const st of lane.run.steps) {
      const n = st.visibleAfter?.[d.name] ?? (st.device === d.name && st.lists >= 0 ? st.lists : undefined);
      const end = st.endSeconds * S;
      if (n !== undefined && end <= t && end >= at) {
        count = n;
        at = end;
      }
    }
    return { name: d.name, count };
  });
}

// ---------------------------------------------------------------------------
// Results: rows of figures and the better value

export type Better = 'lower' | 'higher' | 'none';

export interface Metric {
  id: string;
  label: string;
  better: Better;
  /** null: not applicable / never. */
  value: (r: RunDTO) => number | null;
  format: (v: number | null, r: RunDTO) => string;
  /** What null means for "better": a never is the worst. */
  nullIsWorst?: boolean;
  /** An indented part of the row above. */
  sub?: boolean;
}

/**
 * Indices of the best values, or [] when there is nothing to choose (all
 * equal, or the metric has no better side). Nulls are skipped unless
 * nullIsWorst, when they lose to any number.
 */
export function bestOf(values: readonly (number | null)[], better: Better, eps = 1e-9): number[] {
  if (better === 'none' || values.length < 2) return [];
  const nums = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!nums.length) return [];
  const best = better === 'lower' ? Math.min(...nums) : Math.max(...nums);
  const winners: number[] = [];
  values.forEach((v, i) => {
    if (v !== null && Math.abs(v - best) <= eps * Math.max(1, Math.abs(best))) winners.push(i);
  });
  return winners.length === values.length ? [] : winners;
}

export function metrics(runs: readonly RunDTO[]): Metric[] {
  const secs = (v: number | null) => (v === null ? 'never' : formatSeconds(v));
  const m: Metric[] = [
    { id: 'time', label: 'Time on the network', better: 'lower', value: (r) => r.totals.simSeconds, format: secs },
    {
      id: 'dial',
      label: 'dialling',
      better: 'none',
      // An always-on link does not dial: the figure does not apply.
      value: (r) => (r.link.metered || r.totals.dialSeconds > 0 ? r.totals.dialSeconds : null),
      format: (v) => (v === null ? '–' : formatSeconds(v)),
      sub: true,
    },
    { id: 'rtt', label: 'round trips × RTT', better: 'none', value: (r) => r.totals.roundTripSeconds, format: secs, sub: true },
    { id: 'transfer', label: 'transfer', better: 'none', value: (r) => r.totals.transferSeconds, format: secs, sub: true },
    {
      id: 'first',
      label: 'First message readable',
      better: 'lower',
      nullIsWorst: true,
      value: (r) => r.firstReadableSeconds,
      format: secs,
    },
    { id: 'down', label: 'Bytes down (wire)', better: 'lower', value: (r) => r.totals.wireDown, format: (v) => formatBytes(v ?? 0) },
    { id: 'up', label: 'Bytes up (wire)', better: 'lower', value: (r) => r.totals.wireUp, format: (v) => formatBytes(v ?? 0) },
    { id: 'roundtrips', label: 'Round trips', better: 'lower', value: (r) => r.totals.roundTrips, format: (v) => formatCount(v ?? 0) },
    { id: 'connections', label: 'Connections', better: 'lower', value: (r) => r.totals.connections, format: (v) => formatCount(v ?? 0) },
    { id: 'online', label: 'Online', better: 'lower', value: (r) => r.totals.onlineSeconds, format: secs },
    {
      id: 'cost',
      label: 'Cost',
      better: 'lower',
      value: (r) => (r.link.metered ? r.totals.cost : null),
      format: (v, r) => (v === null ? 'flat rate' : formatCost(v, r.link.currency)),
    },
    { id: 'left', label: 'Left on the server', better: 'none', value: (r) => r.messagesOnServerAfter, format: (v) => formatCount(v ?? 0) },
  ];
  if (runs.some((r) => r.delivered + r.refused > 0)) {
    m.push({ id: 'refused', label: 'Mail refused (mailbox full)', better: 'lower', value: (r) => r.refused, format: (v, r) => `${v ?? 0} of ${r.refused + r.delivered}` });
  }
  if (runs.some((r) => r.noticeDelayAvgSeconds !== null)) {
    m.push({ id: 'notice', label: 'New mail noticed after (avg)', better: 'lower', nullIsWorst: true, value: (r) => r.noticeDelayAvgSeconds, format: (v) => (v === null ? '–' : formatSeconds(v)) });
  }
  const names = runs[0]?.devices.map((d) => d.name) ?? [];
  for (const name of names) {
    const dev = (r: RunDTO) => r.devices.find((d) => d.name === name);
    m.push({ id: `sees:${name}`, label: `${name}: messages it lists`, better: 'higher', value: (r) => dev(r)?.visible ?? null, format: (v) => (v === null ? '–' : formatCount(v)) });
    m.push({ id: `offline:${name}`, label: `${name}: readable offline`, better: 'higher', value: (r) => dev(r)?.offlineReadable ?? null, format: (v) => (v === null ? '–' : formatCount(v)), sub: true });
  }
  return m;
}

/** The winners among runs for a metric (nullIsWorst applied). */
export function bestRuns(m: Metric, runs: readonly RunDTO[]): number[] {
  const vals = runs.map((r) => m.value(r));
  if (m.nullIsWorst && vals.some((v) => v === null) && vals.some((v) => v !== null)) {
    const best = bestOf(vals, m.better);
    return best.length ? best : vals.flatMap((v, i) => (v !== null ? [i] : []));
  }
  return bestOf(vals, m.better);
}

// ---------------------------------------------------------------------------
// Bar charts

/** A round axis maximum ≥ v: 1, 2, 2.5 or 5 × a power of ten. */
export function niceMax(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/** Axis ticks from 0 to niceMax(v), 4 or 5 of them. */
export function ticks(v: number): number[] {
  const max = niceMax(v);
  const lead = max / 10 ** Math.floor(Math.log10(max));
  const n = lead === 2.5 || lead === 5 ? 5 : 4;
  return Array.from({ length: n + 1 }, (_, i) => (max * i) / n);
}

/** A bar's length in px for value on an axis up to max. A non-zero value is at least 1 px. */
export function barLength(value: number, max: number, px: number): number {
  if (!(value > 0) || !(max > 0)) return 0;
  return Math.max(1, Math.min(px, (value / max) * px));
}

export interface ChartScale {
  max: number;
  ticks: number[];
  /** Axis labels, one unit for the chart. */
  fmt: (v: number) => string;
}

export interface ChartSpec {
  id: string;
  title: string;
  /** The axis for values up to maxRaw. */
  scale: (maxRaw: number) => ChartScale;
  /** A bar's own label, short. */
  label: (v: number) => string;
  value: (r: RunDTO) => number;
}

/** An axis in a unit of `div` (seconds per minute, bytes per kB…) with round ticks in that unit. */
function unitScale(maxRaw: number, div: number, suffix: string, digits = 1): ChartScale {
  const max = niceMax(maxRaw / div);
  return { max: max * div, ticks: ticks(max).map((t) => t * div), fmt: (v) => `${trimFixed(v / div, digits)}${suffix}` };
}

/** Times on an axis up to max seconds, in one unit: ms, s, min or h. */
export function timeScale(maxRaw: number): ChartScale {
  if (maxRaw <= 1) return unitScale(maxRaw, 1e-3, ' ms', 0);
  if (maxRaw <= 120) return unitScale(maxRaw, 1, ' s');
  if (maxRaw <= 2 * 3600) return unitScale(maxRaw, 60, ' min');
  return unitScale(maxRaw, 3600, ' h');
}

/** Bytes on an axis up to max, in one unit. */
export function bytesScale(maxRaw: number): ChartScale {
  if (maxRaw < 1000) return unitScale(maxRaw, 1, ' B', 0);
  if (maxRaw < 1e6) return unitScale(maxRaw, 1e3, ' kB');
  if (maxRaw < 1e9) return unitScale(maxRaw, 1e6, ' MB');
  return unitScale(maxRaw, 1e9, ' GB');
}

/** A short time for a bar: "850 ms", "12.4 s", "10.6 min", "2.5 h". */
export function shortSeconds(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${trimFixed(s, s < 10 ? 2 : 1)} s`;
  if (s < 3600) return `${trimFixed(s / 60, 1)} min`;
  return `${trimFixed(s / 3600, 1)} h`;
}

export const charts: ChartSpec[] = [
  { id: 'time', title: 'Time on the network', scale: timeScale, label: shortSeconds, value: (r) => r.totals.simSeconds },
  { id: 'bytes', title: 'Bytes on the wire (down + up)', scale: bytesScale, label: formatBytes, value: (r) => r.totals.wireDown + r.totals.wireUp },
  { id: 'roundtrips', title: 'Round trips', scale: (m) => unitScale(m, 1, '', 0), label: formatCount, value: (r) => r.totals.roundTrips },
  { id: 'cost', title: 'Cost', scale: (m) => unitScale(m, 1, '', 2), label: formatCostShort, value: (r) => (r.link.metered ? r.totals.cost : 0) },
];

/** A chart's title with its unit where the axis has none: "Cost (EUR)", "Cost (flat rate)". */
export function chartTitle(spec: Pick<ChartSpec, 'id' | 'title'>, runs: readonly RunDTO[]): string {
  if (spec.id !== 'cost') return spec.title;
  const metered = runs.filter((r) => r.link.metered);
  if (!metered.length) return `${spec.title} (flat rate)`;
  const currencies = [...new Set(metered.map((r) => r.link.currency).filter((c) => c))];
  return currencies.length ? `${spec.title} (${currencies.join(' / ')})` : spec.title;
}

/**
 * Where a bar's value label goes: over its bar's centre, but never past the
 * middle of the gap between the pair, so a label wider than its bar leans
 * outward instead of covering the neighbour bar or its label. k: 0 for the
 * left bar (POP3), 1 for the right; mid: the pair's centre; bw: bar width.
 */
export function labelPlace(k: 0 | 1, text: string, mid: number, bw: number, gap: number, fontPx: number): { x: number; anchor: 'middle' | 'start' | 'end' } {
  const half = (text.length * fontPx * 0.6) / 2;
  const centre = k === 0 ? mid - gap / 2 - bw / 2 : mid + gap / 2 + bw / 2;
  if (k === 0 && centre + half > mid - 1) return { x: mid - 1, anchor: 'end' };
  if (k === 1 && centre - half < mid + 1) return { x: mid + 1, anchor: 'start' };
  return { x: centre, anchor: 'middle' };
}

/** Runs grouped by link (in first-seen order), POP3 then IMAP in each. */
export function groupByLink(runs: readonly RunDTO[]): { link: RunDTO['link']; pop3: RunDTO | null; imap: RunDTO | null }[] {
  const out: { link: RunDTO['link']; pop3: RunDTO | null; imap: RunDTO | null }[] = [];
  for (const r of runs) {
    let g = out.find((x) => x.link.id === r.link.id);
    if (!g) {
      g = { link: r.link, pop3: null, imap: null };
      out.push(g);
    }
    g[r.protocol] = r;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Formatting

export { formatCost };

function formatCostShort(v: number): string {
  return v === 0 ? '0' : v.toFixed(2);
}

/** A story clock: "0:00:20.5" (h:mm:ss.d), or "3 d 2:00:00" past a day. */
export function formatClock(us: number): string {
  const total = Math.max(0, us) / 1e6;
  const days = Math.floor(total / 86400);
  const rest = total - days * 86400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  const clock = `${h}:${String(m).padStart(2, '0')}:${(Math.floor(s * 10) / 10).toFixed(1).padStart(4, '0')}`;
  return days ? `${days} d ${clock}` : clock;
}

/** Short axis labels: "0 s", "45 s", "12 min", "2 h 05", "3 d 4 h". */
export function formatAxis(us: number): string {
  const s = Math.max(0, us) / 1e6;
  if (s < 60) return `${s < 10 && s % 1 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 >= 1 ? ` ${Math.floor(s % 60)} s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}
