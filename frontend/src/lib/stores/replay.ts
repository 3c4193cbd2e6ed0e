// The replay store: the one replay clock, driven by requestAnimationFrame,
// for the ladder (its replay bar) and for the race in Compare mode. Whoever
// is on screen holds it (use()); the other's place and speed are kept for
// when it comes back. The keyboard shortcuts call toggle() (space) and
// step() (".") on whichever holds it. The ladder and the race each publish
// where step() stops for them with setBoundaries().

import { get, writable, type Readable } from 'svelte/store';
import * as clock from '../replay';
import type { ReplayState, Speed } from '../replay';

/** What drives the clock: the browser's frames, or a test's fake. */
export interface Scheduler {
  now(): number;
  request(cb: (wallMs: number) => void): number;
  cancel(id: number): void;
}

const browserScheduler: Scheduler = {
  now: () => performance.now(),
  request: (cb) => requestAnimationFrame(cb),
  cancel: (id) => cancelAnimationFrame(id),
};

// Without a browser (vitest, node) fall back to timers.
const timerScheduler: Scheduler = {
  now: () => Date.now(),
  request: (cb) => setTimeout(() => cb(Date.now()), 16) as unknown as number,
  cancel: (id) => clearTimeout(id),
};

/** Who holds the clock: the lab's ladder or Compare mode's race. */
export type ReplayHolder = 'ladder' | 'race';

let scheduler: Scheduler = typeof requestAnimationFrame === 'function' ? browserScheduler : timerScheduler;
let frame: number | null = null;
let holder: ReplayHolder = 'ladder';
/** Where step() stops, for each holder. */
const bounds = new Map<ReplayHolder, readonly number[]>();
/** The state of whoever does not hold the clock now. */
const parked = new Map<ReplayHolder, ReplayState>();

const state = writable<ReplayState>(clock.initialReplay());

/** The replay clock's state, for whoever holds it. positionUs null = live. */
export const replay: Readable<ReplayState> = { subscribe: state.subscribe };

function loop(wallMs: number) {
  frame = null;
  const next = clock.tick(get(state), wallMs);
  state.set(next);
  if (next.playing) frame = scheduler.request(loop);
}

function apply(f: (s: ReplayState) => ReplayState) {
  const next = f(get(state));
  state.set(next);
  if (next.playing && frame === null) frame = scheduler.request(loop);
  if (!next.playing && frame !== null) {
    scheduler.cancel(frame);
    frame = null;
  }
}

/**
 * Hands the clock to who, called as its view appears. The one before is
 * parked as it is: a replay left playing catches up by the wall time away
 * when it comes back, as if it had gone on. fresh: start who from this
 * state instead of where it was (the race starts over each time it shows).
 */
export function use(who: ReplayHolder, fresh?: ReplayState): void {
  if (who === holder && !fresh) return;
  parked.set(holder, get(state));
  if (frame !== null) scheduler.cancel(frame);
  frame = null;
  const next = fresh ?? parked.get(who) ?? clock.initialReplay();
  parked.delete(who);
  holder = who;
  apply(() => next);
}

export function play(): void {
  apply((s) => clock.play(s, scheduler.now()));
}
export function pause(): void {
  apply(clock.pause);
}
/** Space: play or pause. */
export function toggle(): void {
  apply((s) => clock.toggle(s, scheduler.now()));
}
/** ".": pause and go to the next instant something starts or arrives. */
export function step(): void {
  apply((s) => clock.step(s, bounds.get(holder) ?? []));
}
export function setSpeed(speed: Speed): void {
  apply((s) => clock.setSpeed(s, speed, scheduler.now()));
}
/** Pause at us: a click on the race's lanes. */
export function seek(us: number): void {
  apply((s) => clock.seek(s, us));
}
/** Back to the live view (no replay). */
export function goLive(): void {
  apply(clock.goLive);
}
/** The run being replayed, virtual µs. */
export function setRange(startUs: number, endUs: number): void {
  apply((s) => clock.setRange(s, startUs, endUs));
}
/** Another run, from live, at the same speed (a new race). */
export function load(startUs: number, endUs: number): void {
  apply((s) => clock.load(s, startUs, endUs));
}
/** The same run on another time axis, the position moved onto it (see replay.reframe). */
export function reframe(startUs: number, endUs: number, positionUs: number | null): void {
  apply((s) => clock.reframe(s, startUs, endUs, positionUs));
}
/**
 * Where step() stops for who, held or not: sorted instants
 * (ladder.boundaries, race.boundaries).
 */
export function setBoundaries(who: ReplayHolder, b: readonly number[]): void {
  bounds.set(who, [...b]);
}

/** Tests: swap the frame source and reset everything. */
export function resetReplay(s: Scheduler = scheduler): void {
  if (frame !== null) scheduler.cancel(frame);
  frame = null;
  scheduler = s;
  holder = 'ladder';
  bounds.clear();
  parked.clear();
  state.set(clock.initialReplay());
}
