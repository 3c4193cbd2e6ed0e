// The one-minute tour of the Lab: its stops, the step reducer and where a
// callout goes beside the element it points at. Pure; Tour.svelte does the
// DOM.

/** What the tour does before a stop is shown: open a tab or a panel. */
export type TourPrep = 'rail-actions' | 'side-line' | 'side-mail';

export interface TourStop {
  id: string;
  title: string;
  text: string;
  /** data-testid values to point at, the first one on screen wins; none: the callout is centred. */
  targets: string[];
  prep?: TourPrep;
}

export const TOUR_STOPS: TourStop[] = [
  {
    id: 'link',
    title: 'The link',
    text: 'Every connection in the lab crosses this simulated network. Choose another in the Link tab: a 56k modem, broadband, a satellite.',
    targets: ['link-summary'],
  },
  {
    id: 'call',
    title: 'The call meter',
    text: 'On a dial-up link a meter appears up here while the line is up: the time online and what the call costs on its tariff.',
    targets: ['call-meter-top', 'link-summary'],
  },
  {
    id: 'actions',
    title: 'Actions',
    text: 'Make the lab do something: send a mail, or check mail on the Home PC (POP3), the Laptop or the Phone (IMAP). The Console lets you type the commands yourself.',
    targets: ['actions-panel', 'rail'],
    prep: 'rail-actions',
  },
  {
    id: 'trace',
    title: 'The trace',
    text: 'Each command and each reply, as it crosses the wire, with its time and its bytes. Filter it from the bar above it.',
    targets: ['trace-view'],
  },
  {
    id: 'explain',
    title: 'What a line means',
    text: 'Point at or select a line of the trace: here it is explained in plain words, with the RFC that defines it.',
    targets: ['explain-panel', 'side'],
    prep: 'side-line',
  },
  {
    id: 'ladder',
    title: 'The ladder',
    text: "The selected session drawn as arrows between client and server, sloped by the link's delay. Space replays it.",
    targets: ['ladder-box', 'side'],
    prep: 'side-line',
  },
  {
    id: 'mail',
    title: 'Where the mail lives',
    text: "The server's mailboxes and each device's own copies and outbox, changing as the protocols act on them.",
    targets: ['mail-panel', 'side'],
    prep: 'side-mail',
  },
  {
    id: 'compare',
    title: 'Compare',
    text: 'Race POP3 against IMAP on the same scenario over several links, and count the time, the bytes and the cost of each.',
    targets: ['mode-compare'],
  },
];

export interface TourState {
  /** The stop shown, from 0; null once the tour is over (finished or skipped). */
  at: number | null;
  /** How it ended: 'done' after the last stop, 'skipped' otherwise. */
  ended?: 'done' | 'skipped';
}

export type TourAction = { type: 'next' } | { type: 'back' } | { type: 'skip' };

export function startTour(): TourState {
  return { at: 0 };
}

export function reduceTour(s: TourState, a: TourAction, stops = TOUR_STOPS.length): TourState {
  if (s.at === null) return s;
  switch (a.type) {
    case 'next':
      return s.at + 1 >= stops ? { at: null, ended: 'done' } : { at: s.at + 1 };
    case 'back':
      return s.at === 0 ? s : { at: s.at - 1 };
    case 'skip':
      return { at: null, ended: 'skipped' };
    default: {
      const never: never = a;
      throw new Error(`unknown tour action ${JSON.stringify(never)}`);
    }
  }
}

/** The tour's keys: → and Enter go on, ← goes back, Esc ends it. */
export function tourKey(key: string): TourAction | null {
  switch (key) {
    case 'ArrowRight':
      return { type: 'next' };
    case 'ArrowLeft':
      return { type: 'back' };
    case 'Escape':
      return { type: 'skip' };
    default:
      return null;
  }
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Side = 'below' | 'above' | 'right' | 'left' | 'centre';

/**
 * Where a callout of size box goes beside target in a viewport: below it
 * if it fits, else above, right, left; inside the viewport by margin
 * always. A target too big to sit beside (a panel filling the window)
 * gets the callout over its own top part instead. Without a target the
 * callout is centred.
 */
export function placeCallout(
  target: Rect | null,
  box: { w: number; h: number },
  viewport: { w: number; h: number },
  gap = 12,
  margin = 12,
): { x: number; y: number; side: Side } {
  const clampX = (x: number) => Math.max(margin, Math.min(x, viewport.w - box.w - margin));
  const clampY = (y: number) => Math.max(margin, Math.min(y, viewport.h - box.h - margin));
  if (!target) return { x: clampX((viewport.w - box.w) / 2), y: clampY((viewport.h - box.h) / 2), side: 'centre' };
  const cx = target.x + target.w / 2 - box.w / 2;
  const cy = target.y + target.h / 2 - box.h / 2;
  if (target.y + target.h + gap + box.h + margin <= viewport.h) return { x: clampX(cx), y: target.y + target.h + gap, side: 'below' };
  if (target.y - gap - box.h >= margin) return { x: clampX(cx), y: target.y - gap - box.h, side: 'above' };
  if (target.x + target.w + gap + box.w + margin <= viewport.w) return { x: target.x + target.w + gap, y: clampY(cy), side: 'right' };
  if (target.x - gap - box.w >= margin) return { x: target.x - gap - box.w, y: clampY(cy), side: 'left' };
  return { x: clampX(cx), y: clampY(target.y + gap * 3), side: 'centre' };
}
