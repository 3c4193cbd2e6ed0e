// The replay clock: plays a recorded run over its virtual time at 1×, 10×,
// 100× (the race also 1000×) or instantly, so a run that took milliseconds
// of wall time can be watched as if it crossed a 56k modem. Pure: every
// function takes the state and the wall time (ms) and returns the next
// state; the store (stores/replay.ts) drives it from requestAnimationFrame,
// for the ladder and for the race.

export type Speed = 1 | 10 | 100 | 1000 | 'instant';
/** The speeds the lab's replay bar offers. */
export const SPEEDS: readonly Speed[] = [1, 10, 100, 'instant'];
/** The race offers every speed, 1000× included (a day of story in under two minutes). */
export const RACE_SPEEDS: readonly Speed[] = [1, 10, 100, 1000, 'instant'];

/** "10×", "instant". */
export function speedLabel(s: Speed): string {
  return s === 'instant' ? 'instant' : `${s}×`;
}

export interface ReplayState {
  startUs: number;
  endUs: number;
  /** Virtual µs shown; null = live (no replay, everything drawn). */
  positionUs: number | null;
  playing: boolean;
  speed: Speed;
  /** Wall ms of the last tick while playing. */
  lastWallMs: number | null;
}

export function initialReplay(startUs = 0, endUs = 0): ReplayState {
  return { startUs, endUs: Math.max(startUs, endUs), positionUs: null, playing: false, speed: 1, lastWallMs: null };
}

function clamp(s: ReplayState, us: number): number {
  return Math.min(s.endUs, Math.max(s.startUs, us));
}

/** Start playing; from the start when live or at the end. "instant" jumps to the end. */
export function play(s: ReplayState, wallMs: number): ReplayState {
  if (s.speed === 'instant') return { ...s, positionUs: s.endUs, playing: false, lastWallMs: null };
  const from = s.positionUs === null || s.positionUs >= s.endUs ? s.startUs : s.positionUs;
  return { ...s, positionUs: from, playing: s.endUs > from, lastWallMs: wallMs };
}

/** Stop the clock where it is (the replay stays on). */
export function pause(s: ReplayState): ReplayState {
  return { ...s, playing: false, lastWallMs: null };
}

export function toggle(s: ReplayState, wallMs: number): ReplayState {
  return s.playing ? pause(s) : play(s, wallMs);
}

/** Advance by the wall time since the last tick × speed; stops at the end. */
export function tick(s: ReplayState, wallMs: number): ReplayState {
  if (!s.playing || s.positionUs === null || s.speed === 'instant') return s;
  const last = s.lastWallMs ?? wallMs;
  const pos = clamp(s, s.positionUs + Math.max(0, wallMs - last) * 1000 * s.speed);
  return { ...s, positionUs: pos, playing: pos < s.endUs, lastWallMs: pos < s.endUs ? wallMs : null };
}

/** The first boundary after us, or null. boundaries sorted ascending. */
export function nextBoundary(boundaries: readonly number[], us: number): number | null {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (boundaries[mid]! > us) hi = mid;
    else lo = mid + 1;
  }
  return lo < boundaries.length ? boundaries[lo]! : null;
}

/**
 * Pause and move to the next instant something starts or arrives. From live,
 * the first step starts the replay at the beginning. Without boundaries it
 * moves a fiftieth of the run.
 */
export function step(s: ReplayState, boundaries: readonly number[] = []): ReplayState {
  const paused = pause(s);
  if (s.positionUs === null) return { ...paused, positionUs: s.startUs };
  let next = nextBoundary(boundaries, s.positionUs);
  if (next === null || next > s.endUs) {
    next = boundaries.length ? s.endUs : s.positionUs + Math.max(1, (s.endUs - s.startUs) / 50);
  }
  return { ...paused, positionUs: clamp(s, next) };
}

export function setSpeed(s: ReplayState, speed: Speed, wallMs: number): ReplayState {
  if (speed === 'instant') return { ...s, speed, positionUs: s.positionUs === null ? null : s.endUs, playing: false, lastWallMs: null };
  return { ...s, speed, lastWallMs: s.playing ? wallMs : null };
}

/**
 * A new range. Another run (a different start) ends the replay; the same
 * run growing (live events arriving) keeps the position.
 */
export function setRange(s: ReplayState, startUs: number, endUs: number): ReplayState {
  const end = Math.max(startUs, endUs);
  if (startUs !== s.startUs) return { ...initialReplay(startUs, end), speed: s.speed };
  const next = { ...s, endUs: end };
  if (next.positionUs !== null) next.positionUs = clamp(next, next.positionUs);
  return next;
}

/** Another run to replay, from live: the speed is kept. */
export function load(s: ReplayState, startUs: number, endUs: number): ReplayState {
  return { ...initialReplay(startUs, endUs), speed: s.speed };
}

/** Pause at us (clamped to the run): a click on the race's lanes. */
export function seek(s: ReplayState, us: number): ReplayState {
  return { ...pause(s), positionUs: clamp(s, us) };
}

/**
 * The same run on another time axis (the race with quiet time skipped, or
 * not): a new range and where the position is on it (null: live). A replay
 * playing goes on playing.
 */
export function reframe(s: ReplayState, startUs: number, endUs: number, positionUs: number | null): ReplayState {
  const next = { ...s, startUs, endUs: Math.max(startUs, endUs) };
  next.positionUs = positionUs === null ? null : clamp(next, positionUs);
  if (next.positionUs === null) return { ...next, playing: false, lastWallMs: null };
  return next;
}

/** Back to live: no replay, everything drawn. */
export function goLive(s: ReplayState): ReplayState {
  return { ...s, positionUs: null, playing: false, lastWallMs: null };
}

function seconds(us: number, digits: number): string {
  return (Math.max(0, us) / 1e6).toFixed(digits);
}

/** "1.234 s / 12.5 s" (times since the run's start); "live · 12.5 s" when live. */
export function formatPosition(s: ReplayState): string {
  const total = seconds(s.endUs - s.startUs, 3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '.0');
  if (s.positionUs === null) return `live · ${total} s`;
  return `${seconds(s.positionUs - s.startUs, 3)} s / ${total} s`;
}

export function parseSpeed(v: string): Speed {
  if (v === 'instant') return 'instant';
  const n = Number(v);
  return n === 10 || n === 100 ? n : 1;
}
