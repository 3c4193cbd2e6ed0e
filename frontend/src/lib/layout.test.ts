import { describe, expect, it } from 'vitest';
import {
  centreMinPx,
  defaultLayout,
  dragWidth,
  fitColumns,
  parseLayout,
  PROTO_FROM_PX,
  RAIL_MIN_REM,
  reduceLayout,
  SCROLLBAR_PX,
  SIDE_MIN_REM,
  STRIP_PX,
  TEXT_MIN_PX,
  traceFixedPx,
  traceGrid,
  type FitInput,
  type TypeSize,
} from './layout';

const REM: Record<TypeSize, number> = { normal: 14, large: 19 };

function input(viewport: number, size: TypeSize, keep: 'rail' | 'side' = 'side'): FitInput {
  const rem = REM[size];
  const p = defaultLayout[size];
  return {
    viewport,
    centreMin: centreMinPx(rem),
    rail: { want: p.rail.width, min: RAIL_MIN_REM * rem, collapsed: p.rail.collapsed },
    side: { want: p.side.width, min: SIDE_MIN_REM * rem, collapsed: p.side.collapsed },
    keep,
  };
}

describe('traceGrid', () => {
  it('drops the protocol column on a narrow centre and lines the preview up with the text', () => {
    const narrow = traceGrid(600);
    expect(narrow.showProto).toBe(false);
    expect(narrow.template.split(' minmax')[0]!.split(' ')).toHaveLength(6);
    expect(narrow.lead).toBe('calc(4px + 16.8em + 30px)');
    const wide = traceGrid(PROTO_FROM_PX);
    expect(wide.showProto).toBe(true);
    expect(wide.template.split(' minmax')[0]!.split(' ')).toHaveLength(7);
  });

  it('the centre minimum leaves the command text its 250 px', () => {
    for (const rem of [14, 19]) {
      expect(centreMinPx(rem) - traceFixedPx(rem) - SCROLLBAR_PX).toBeGreaterThanOrEqual(TEXT_MIN_PX);
    }
  });
});

describe('fitColumns', () => {
  // The classroom sizes of issue 10, normal and large type.
  const cases: [number, TypeSize, boolean, boolean][] = [
    [1024, 'normal', true, true],
    [1280, 'normal', true, true],
    [1024, 'large', false, true],
    [1280, 'large', true, true],
  ];
  for (const [w, size, railOpen, sideOpen] of cases) {
    it(`${w} px, ${size} type: the command column keeps ${TEXT_MIN_PX} px`, () => {
      const f = fitColumns(input(w, size));
      expect(f.centre).toBeGreaterThanOrEqual(centreMinPx(REM[size]));
      expect(f.centre - traceFixedPx(REM[size]) - SCROLLBAR_PX).toBeGreaterThanOrEqual(TEXT_MIN_PX);
      expect(f.rail + f.side + f.centre).toBe(w);
      expect([f.railOpen, f.sideOpen]).toEqual([railOpen, sideOpen]);
      if (f.railOpen) expect(f.rail).toBeGreaterThanOrEqual(RAIL_MIN_REM * REM[size]);
      if (f.sideOpen) expect(f.side).toBeGreaterThanOrEqual(SIDE_MIN_REM * REM[size]);
    });
  }

  it('gives open panels what was chosen when there is room', () => {
    const f = fitColumns(input(1920, 'normal'));
    expect([f.rail, f.side]).toEqual([294, 420]);
    expect(f.squeezed).toBeNull();
  });

  it('shrinks the panel not kept first', () => {
    const i = input(1200, 'normal', 'side');
    const f = fitColumns(i);
    expect(f.side).toBe(420);
    expect(f.rail).toBe(1200 - centreMinPx(14) - 420);
    const g = fitColumns({ ...i, keep: 'rail' });
    expect(g.rail).toBe(294);
  });

  it('collapses the panel not kept when both cannot stay, and gives the room to the other', () => {
    const f = fitColumns(input(1024, 'large', 'side'));
    expect(f.squeezed).toBe('rail');
    expect(f.rail).toBe(STRIP_PX);
    expect(f.side).toBe(Math.min(440, 1024 - centreMinPx(19) - STRIP_PX));
    const g = fitColumns(input(1024, 'large', 'rail'));
    expect(g.squeezed).toBe('side');
    expect(g.railOpen).toBe(true);
  });

  it('collapses both on a window too narrow for either', () => {
    const f = fitColumns(input(700, 'large'));
    expect([f.railOpen, f.sideOpen]).toEqual([false, false]);
    expect(f.centre).toBe(700 - 2 * STRIP_PX);
  });

  it('a panel the user collapsed stays a strip and the other keeps its width', () => {
    const i = input(1280, 'normal');
    const f = fitColumns({ ...i, rail: { ...i.rail, collapsed: true } });
    expect(f.rail).toBe(STRIP_PX);
    expect(f.side).toBe(420);
    expect(f.squeezed).toBeNull();
  });
});

describe('dragWidth', () => {
  it('the rail grows rightwards, the side panel leftwards, within bounds', () => {
    expect(dragWidth('rail', 300, 40, 200, 500)).toBe(340);
    expect(dragWidth('side', 300, 40, 200, 500)).toBe(260);
    expect(dragWidth('side', 300, 400, 200, 500)).toBe(200);
    expect(dragWidth('rail', 300, 400, 200, 500)).toBe(500);
    expect(dragWidth('rail', 300, 10, 200, 100)).toBe(200);
  });
});

describe('layout prefs', () => {
  it('resizing keeps that panel open and kept; collapse and tabs', () => {
    let s = reduceLayout(defaultLayout, { type: 'resize', size: 'large', panel: 'rail', width: 333 });
    expect(s.large.rail).toEqual({ width: 333, collapsed: false });
    expect(s.normal).toBe(defaultLayout.normal);
    expect(s.keep).toBe('rail');
    s = reduceLayout(s, { type: 'collapse', size: 'large', panel: 'rail', collapsed: true });
    expect(s.large.rail.collapsed).toBe(true);
    expect(s.keep).toBe('rail');
    s = reduceLayout(s, { type: 'collapse', size: 'large', panel: 'side', collapsed: false });
    expect(s.keep).toBe('side');
    s = reduceLayout(s, { type: 'side-tab', tab: 'mail' });
    expect(s.sideTab).toBe('mail');
    expect(reduceLayout(s, { type: 'side-tab', tab: 'mail' })).toBe(s);
  });

  it('round-trips through JSON and falls back on anything odd', () => {
    const s = reduceLayout(defaultLayout, { type: 'resize', size: 'normal', panel: 'side', width: 512 });
    expect(parseLayout(JSON.stringify(s))).toEqual(s);
    expect(parseLayout(null)).toEqual(defaultLayout);
    expect(parseLayout('{nope')).toEqual(defaultLayout);
    expect(parseLayout('{"normal":{"rail":{"width":-5,"collapsed":"x"}},"sideTab":"z"}')).toEqual(defaultLayout);
  });
});
