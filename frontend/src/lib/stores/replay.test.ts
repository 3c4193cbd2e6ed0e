import { get } from 'svelte/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialReplay } from '../replay';
import {
  goLive,
  load,
  pause,
  play,
  reframe,
  replay,
  resetReplay,
  seek,
  setBoundaries,
  setRange,
  setSpeed,
  step,
  toggle,
  use,
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
    setBoundaries('ladder', [0, 75_000, 150_000]);
    step();
    step();
    expect(get(replay).positionUs).toBe(75_000);
    goLive();
    expect(get(replay).positionUs).toBeNull();
  });
});

// The race as RaceView drives it: a fresh clock at 10× each time it shows,
// a run of 20 s of display time, and its own step boundaries.
const showRace = () => {
  use('race', { ...initialReplay(0, 0), speed: 10 });
  setBoundaries('race', [0, 2_000_000, 2_500_000, 20_000_000]);
  load(0, 20_000_000);
  play();
};

describe('one clock for the ladder and the race', () => {
  it('plays the race at its speeds, 1000× and instant included', () => {
    showRace();
    expect(get(replay)).toMatchObject({ positionUs: 0, playing: true, speed: 10 });
    frames.advance(100); // 100 ms × 10
    expect(get(replay).positionUs).toBe(1_000_000);
    setSpeed(1000);
    frames.advance(10); // 10 ms × 1000
    expect(get(replay).positionUs).toBe(11_000_000);
    setSpeed(1);
    frames.advance(500);
    expect(get(replay).positionUs).toBe(11_500_000);
    setSpeed('instant');
    expect(get(replay)).toMatchObject({ positionUs: 20_000_000, playing: false });
    expect(frames.pending.size).toBe(0);
  });

  it('steps the race over its own boundaries, and the ladder over its own', () => {
    setBoundaries('ladder', [0, 75_000]);
    showRace();
    frames.advance(150); // 1.5 s in
    step();
    expect(get(replay)).toMatchObject({ positionUs: 2_000_000, playing: false });
    step();
    expect(get(replay).positionUs).toBe(2_500_000);
    use('ladder');
    step();
    step();
    expect(get(replay).positionUs).toBe(75_000);
  });

  it('seeks (a click on the lanes) and reframes (skip quiet time) without losing the place', () => {
    showRace();
    seek(5_000_000);
    expect(get(replay)).toMatchObject({ positionUs: 5_000_000, playing: false });
    play();
    // Quiet time skipped: the same story instant sits at 1 s of 4 s.
    reframe(0, 4_000_000, 1_000_000);
    expect(get(replay)).toMatchObject({ endUs: 4_000_000, positionUs: 1_000_000, playing: true });
    frames.advance(100);
    expect(get(replay).positionUs).toBe(2_000_000);
  });

  it('keeps the ladder where it was while the race holds the clock', () => {
    setSpeed(100);
    step(); // from live: paused at the start of the ladder's run
    step();
    const ladder = get(replay);
    expect(ladder.positionUs).toBe(20_000);
    showRace();
    expect(get(replay)).toMatchObject({ startUs: 0, endUs: 20_000_000, speed: 10, playing: true });
    use('ladder');
    expect(get(replay)).toEqual(ladder);
    expect(frames.pending.size).toBe(0);
  });

  it('starts the race afresh each time it shows, at 10×', () => {
    showRace();
    setSpeed(1000);
    frames.advance(5);
    use('ladder');
    showRace();
    expect(get(replay)).toMatchObject({ positionUs: 0, playing: true, speed: 10 });
  });

  it('lets a ladder replay left playing catch up when it comes back', () => {
    play(); // the ladder at 1×, 1 s long
    frames.advance(100);
    expect(get(replay).positionUs).toBe(100_000);
    showRace();
    frames.advance(200); // the race plays; the ladder's frame loop is off
    expect(get(replay).positionUs).toBe(2_000_000);
    use('ladder');
    frames.advance(100); // 200 ms away plus this frame's 100 ms
    expect(get(replay)).toMatchObject({ positionUs: 400_000, playing: true });
    pause();
    expect(frames.pending.size).toBe(0);
  });

  it('has space and "." act on whoever holds the clock', () => {
    showRace();
    toggle();
    expect(get(replay)).toMatchObject({ playing: false, endUs: 20_000_000 });
    toggle();
    expect(get(replay).playing).toBe(true);
    use('ladder');
    toggle();
    expect(get(replay)).toMatchObject({ positionUs: 0, endUs: 1_000_000, playing: true });
  });
});
