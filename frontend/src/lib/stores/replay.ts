// The replay store: one replay clock for the ladder and its replay bar,
// driven by requestAnimationFrame. A's keyboard shortcuts call toggle()
// (space) and step() ("."); the ladder publishes the session's step
// boundaries with setBoundaries().

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

let scheduler: Scheduler = typeof requestAnimationFrame === 'function' ? browserScheduler : timerScheduler;
let frame: number | null = null;
let bounds: number[] = [];

const state = writable<ReplayState>(clock.initialReplay());

/** The replay clock's state. positionUs null = live. */
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
  apply((s) => clock.step(s, bounds));
}
export function setSpeed(speed: Speed): void {
  apply((s) => clock.setSpeed(s, speed, scheduler.now()));
}
/** Back to the live view (no replay). */
export function goLive(): void {
  apply(clock.goLive);
}
/** The run being replayed, virtual µs. */
export function setRange(startUs: number, endUs: number): void {
  apply((s) => clock.setRange(s, startUs, endUs));
}
/** Where step() stops: sorted instants (see ladder.boundaries). */
export function setBoundaries(b: readonly number[]): void {
  bounds = [...b];
}

/** Tests: swap the frame source and reset everything. */
export function resetReplay(s: Scheduler = scheduler): void {
  if (frame !== null) scheduler.cancel(frame);
  frame = null;
  scheduler = s;
  bounds = [];
  state.set(clock.initialReplay());
}
