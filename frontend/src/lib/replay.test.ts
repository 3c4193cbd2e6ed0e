import { describe, expect, it } from 'vitest';
import {
  formatPosition,
  goLive,
  initialReplay,
  load,
  nextBoundary,
  parseSpeed,
  RACE_SPEEDS,
  speedLabel,
  SPEEDS,
  pause,
  play,
  reframe,
  seek,
  setRange,
  setSpeed,
  step,
  tick,
  toggle,
} from './replay';

// A POP3 run that took 12.5 s of virtual time, starting 2 s into the lab.
const run = () => initialReplay(2_000_000, 14_500_000);

describe('replay clock', () => {
  it('starts live', () => {
    const s = run();
    expect(s.positionUs).toBeNull();
    expect(s.playing).toBe(false);
    expect(formatPosition(s)).toBe('live · 12.5 s');
  });

  it('plays from the start at wall time × speed', () => {
    let s = play(run(), 1000);
    expect(s).toMatchObject({ positionUs: 2_000_000, playing: true });
    s = tick(s, 1016); // 16 ms of wall time at 1× = 16 ms virtual
    expect(s.positionUs).toBe(2_016_000);
    s = setSpeed(s, 100, 1016);
    s = tick(s, 1026); // 10 ms × 100 = 1 s
    expect(s.positionUs).toBe(3_016_000);
    expect(formatPosition(s)).toBe('1.016 s / 12.5 s');
  });

  it('clamps at the end and stops', () => {
    let s = setSpeed(play(run(), 0), 10, 0);
    s = tick(s, 60_000); // 600 s virtual, far past the end
    expect(s).toMatchObject({ positionUs: 14_500_000, playing: false });
    // Playing again starts over.
    expect(play(s, 60_001).positionUs).toBe(2_000_000);
  });

  it('pauses and resumes without counting the paused wall time', () => {
    let s = tick(play(run(), 0), 100);
    s = pause(s);
    s = tick(s, 5000);
    expect(s.positionUs).toBe(2_100_000);
    s = toggle(s, 5000);
    s = tick(s, 5050);
    expect(s.positionUs).toBe(2_150_000);
    expect(toggle(s, 5050).playing).toBe(false);
  });

  it('jumps to the end at instant speed', () => {
    expect(play(setSpeed(run(), 'instant', 0), 0)).toMatchObject({ positionUs: 14_500_000, playing: false });
    const playing = play(run(), 0);
    expect(setSpeed(playing, 'instant', 10)).toMatchObject({ positionUs: 14_500_000, playing: false });
  });

  it('steps to the next boundary, pausing', () => {
    const b = [2_000_000, 2_075_000, 2_150_000, 14_500_000];
    let s = step(run(), b); // from live: to the start
    expect(s.positionUs).toBe(2_000_000);
    s = step(s, b);
    expect(s.positionUs).toBe(2_075_000);
    s = step(play(s, 0), b);
    expect(s).toMatchObject({ positionUs: 2_150_000, playing: false });
    s = step(step(s, b), b);
    expect(s.positionUs).toBe(14_500_000);
  });

  it('steps a fiftieth of the run without boundaries', () => {
    const s = step(step(run()));
    expect(s.positionUs).toBe(2_250_000);
  });

  it('keeps its place when the run grows and ends on another run', () => {
    let s = tick(play(run(), 0), 1000);
    s = setRange(s, 2_000_000, 20_000_000);
    expect(s).toMatchObject({ positionUs: 3_000_000, endUs: 20_000_000, playing: true });
    s = setRange(s, 2_000_000, 2_500_000);
    expect(s.positionUs).toBe(2_500_000);
    s = setRange(setSpeed(s, 10, 0), 50_000_000, 51_000_000);
    expect(s).toMatchObject({ positionUs: null, playing: false, startUs: 50_000_000, speed: 10 });
  });

  it('loads another run from live, keeping the speed', () => {
    const s = load(setSpeed(tick(play(run(), 0), 100), 1000, 100), 0, 9_000_000);
    expect(s).toEqual({ ...initialReplay(0, 9_000_000), speed: 1000 });
    // 1000×: 16 ms of wall time is 16 s of story, clamped to the run.
    expect(tick(play(s, 0), 5).positionUs).toBe(5_000_000);
    expect(tick(play(s, 0), 16)).toMatchObject({ positionUs: 9_000_000, playing: false });
  });

  it('seeks: pauses at the place, clamped to the run', () => {
    expect(seek(play(run(), 0), 5_000_000)).toMatchObject({ positionUs: 5_000_000, playing: false, lastWallMs: null });
    expect(seek(run(), 0).positionUs).toBe(2_000_000);
    expect(seek(run(), 99e6).positionUs).toBe(14_500_000);
  });

  it('reframes onto another axis, playing on', () => {
    let s = tick(play({ ...initialReplay(0, 10_000_000), speed: 10 }, 0), 100); // 1 s in
    s = reframe(s, 0, 4_000_000, 500_000);
    expect(s).toMatchObject({ startUs: 0, endUs: 4_000_000, positionUs: 500_000, playing: true, speed: 10 });
    expect(tick(s, 150).positionUs).toBe(1_000_000);
    expect(reframe(s, 0, 400_000, 500_000).positionUs).toBe(400_000);
    expect(reframe(s, 0, 4_000_000, null)).toMatchObject({ positionUs: null, playing: false });
  });

  it('goes back to live', () => {
    expect(goLive(tick(play(run(), 0), 10))).toMatchObject({ positionUs: null, playing: false });
  });

  it('formats short and empty runs', () => {
    expect(formatPosition({ ...initialReplay(0, 50_000), positionUs: 1234 })).toBe('0.001 s / 0.05 s');
    expect(formatPosition({ ...initialReplay(7, 7), positionUs: 7 })).toBe('0.000 s / 0.0 s');
  });

  it('finds boundaries and parses speeds', () => {
    expect(nextBoundary([0, 5, 9], -1)).toBe(0);
    expect(nextBoundary([0, 5, 9], 5)).toBe(9);
    expect(nextBoundary([0, 5, 9], 9)).toBeNull();
    expect(['1', '10', '100', 'instant', 'x'].map(parseSpeed)).toEqual([1, 10, 100, 'instant', 1]);
    expect(SPEEDS.map(speedLabel)).toEqual(['1×', '10×', '100×', 'instant']);
    expect(RACE_SPEEDS.map(speedLabel)).toEqual(['1×', '10×', '100×', '1000×', 'instant']);
  });
});
