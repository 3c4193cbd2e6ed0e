import { describe, expect, it } from 'vitest';
import { placeCallout, reduceTour, startTour, tourKey, TOUR_STOPS, type TourState } from './tour';

describe('tour stops', () => {
  it('has 6 to 8 stops, each with text and a target', () => {
    expect(TOUR_STOPS.length).toBeGreaterThanOrEqual(6);
    expect(TOUR_STOPS.length).toBeLessThanOrEqual(8);
    expect(new Set(TOUR_STOPS.map((s) => s.id)).size).toBe(TOUR_STOPS.length);
    for (const s of TOUR_STOPS) {
      expect(s.title.length).toBeGreaterThan(2);
      expect(s.targets.length).toBeGreaterThan(0);
      // A one-minute tour: a stop reads in a few seconds.
      expect(s.text.split(/\s+/).length).toBeLessThanOrEqual(32);
    }
  });
});

describe('reduceTour', () => {
  it('walks forward to the end, and back not before the start', () => {
    let s: TourState = startTour();
    s = reduceTour(s, { type: 'back' }, 3);
    expect(s).toEqual({ at: 0 });
    s = reduceTour(s, { type: 'next' }, 3);
    s = reduceTour(s, { type: 'next' }, 3);
    expect(s).toEqual({ at: 2 });
    s = reduceTour(s, { type: 'back' }, 3);
    expect(s).toEqual({ at: 1 });
    s = reduceTour(reduceTour(s, { type: 'next' }, 3), { type: 'next' }, 3);
    expect(s).toEqual({ at: null, ended: 'done' });
    expect(reduceTour(s, { type: 'next' }, 3)).toBe(s);
  });
  it('skips from anywhere', () => {
    expect(reduceTour({ at: 1 }, { type: 'skip' })).toEqual({ at: null, ended: 'skipped' });
  });
  it('maps the keys', () => {
    expect(tourKey('ArrowRight')).toEqual({ type: 'next' });
    expect(tourKey('ArrowLeft')).toEqual({ type: 'back' });
    expect(tourKey('Escape')).toEqual({ type: 'skip' });
    expect(tourKey('j')).toBeNull();
  });
});

describe('placeCallout', () => {
  const vp = { w: 1024, h: 768 };
  const box = { w: 400, h: 200 };
  const inside = (p: { x: number; y: number }) =>
    p.x >= 12 && p.y >= 12 && p.x + box.w <= vp.w - 12 && p.y + box.h <= vp.h - 12;

  it('goes below a toolbar chip, kept inside the window', () => {
    const p = placeCallout({ x: 900, y: 10, w: 100, h: 30 }, box, vp);
    expect(p.side).toBe('below');
    expect(p.y).toBe(52);
    expect(p.x).toBe(1024 - 400 - 12);
    expect(inside(p)).toBe(true);
  });
  it('goes above what sits at the bottom', () => {
    const p = placeCallout({ x: 300, y: 700, w: 100, h: 40 }, box, vp);
    expect(p.side).toBe('above');
    expect(p.y + box.h).toBe(688);
  });
  it('goes beside a tall panel', () => {
    const left = placeCallout({ x: 0, y: 52, w: 300, h: 716 }, box, vp);
    expect(left.side).toBe('right');
    expect(left.x).toBe(312);
    const right = placeCallout({ x: 700, y: 52, w: 324, h: 716 }, box, vp);
    expect(right.side).toBe('left');
    expect(right.x + box.w).toBe(688);
    expect(inside(left) && inside(right)).toBe(true);
  });
  it('sits over a target that fills the window, or centred without one', () => {
    const p = placeCallout({ x: 0, y: 0, w: 1024, h: 768 }, box, vp);
    expect(p.side).toBe('centre');
    expect(inside(p)).toBe(true);
    const c = placeCallout(null, box, vp);
    expect(c).toEqual({ x: 312, y: 284, side: 'centre' });
  });
});
