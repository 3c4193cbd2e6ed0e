import { get } from 'svelte/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  goLive,
  play,
  replay,
  resetReplay,
  setBoundaries,
  setRange,
  setSpeed,
  step,
  toggle,
  type Scheduler,
} from './replay';

// A fake frame source: frames run when the test says so.
class FakeFrames implements Scheduler {
  t = 0;
  pending = new Map<number, (t: number) => void>();
  id = 0;
  now() {
    return this.t;
  }
  request(cb: (t: number) => void) {
    this.pending.set(++this.id, cb);
    return this.id;
  }
  cancel(id: number) {
    this.pending.delete(id);
  }
  advance(ms: number) {
    this.t += ms;
    const cbs = [...this.pending.values()];
    this.pending.clear();
    for (const cb of cbs) cb(this.t);
  }
}

let frames: FakeFrames;
beforeEach(() => {
  frames = new FakeFrames();
  resetReplay(frames);
  setRange(0, 1_000_000);
});
afterEach(() => resetReplay(frames));

describe('replay store', () => {
  it('plays frame by frame and stops asking for frames at the end', () => {
    play();
    expect(get(replay)).toMatchObject({ positionUs: 0, playing: true });
    frames.advance(250);
    expect(get(replay).positionUs).toBe(250_000);
    setSpeed(10);
    frames.advance(100);
    expect(get(replay).positionUs).toBe(1_000_000);
    expect(get(replay).playing).toBe(false);
    expect(frames.pending.size).toBe(0);
  });

  it('toggles (space) and cancels the pending frame on pause', () => {
    toggle();
    expect(frames.pending.size).toBe(1);
    toggle();
    expect(get(replay).playing).toBe(false);
    expect(frames.pending.size).toBe(0);
  });

  it('steps (.) over the published boundaries', () => {
    setBoundaries([0, 75_000, 150_000]);
    step();
    step();
    expect(get(replay).positionUs).toBe(75_000);
    goLive();
    expect(get(replay).positionUs).toBeNull();
  });
});
