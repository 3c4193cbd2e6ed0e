// Keyboard shortcuts: one table of commands, their keys and what they do.
// commandFor looks a key press up in it (pure, tested); the help overlay
// lists it; App.svelte runs each command as a store action.

export type Command =
  | 'help'
  | 'focus-filter'
  | 'follow-tail'
  | 'theme'
  | 'presentation'
  | 'next'
  | 'previous'
  | 'expand'
  | 'reveal'
  | 'escape'
  | 'replay-toggle'
  | 'replay-step'
  | 'mode'
  | 'lessons';

export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** The focus is in a text field, select or editable element. */
  inField?: boolean;
}

/**
 * The one table: each command, its keys (KeyboardEvent.key values) and what
 * it does, in the order the help overlay lists them.
 */
const bindings: readonly { command: Command; keys: readonly string[]; what: string }[] = [
  { command: 'help', keys: ['?'], what: 'Show or hide this help' },
  { command: 'focus-filter', keys: ['/'], what: 'Focus the text filter' },
  { command: 'next', keys: ['j', 'ArrowDown'], what: 'Select the next line' },
  { command: 'previous', keys: ['k', 'ArrowUp'], what: 'Select the previous line' },
  { command: 'expand', keys: ['Enter'], what: 'Expand or collapse a message body' },
  { command: 'follow-tail', keys: ['f'], what: 'Follow the tail on or off' },
  { command: 'reveal', keys: ['r'], what: 'Reveal or mask passwords' },
  { command: 'theme', keys: ['t'], what: 'Light or dark theme' },
  { command: 'presentation', keys: ['p'], what: 'Presentation mode (large type)' },
  { command: 'replay-toggle', keys: [' '], what: 'Replay (in Compare mode, the race): play or pause' },
  { command: 'replay-step', keys: ['.'], what: 'Replay (in Compare mode, the race): one step' },
  { command: 'mode', keys: ['c'], what: 'Lab or Compare mode (POP3 vs IMAP race)' },
  { command: 'lessons', keys: ['l'], what: 'Lessons mode (the course) or back to the lab' },
  { command: 'escape', keys: ['Escape'], what: 'Close the overlay, clear the selection' },
];

const table = new Map<string, Command>(bindings.flatMap((b) => b.keys.map((k) => [k, b.command] as const)));

/** How a key is written in the help. */
const keyLabels: Record<string, string> = { ArrowDown: '↓', ArrowUp: '↑', ' ': 'Space', Escape: 'Esc' };

/**
 * The command for a key press, or null. Modified keys belong to the
 * browser; inside a field only Escape counts (typing "j" in the filter box
 * must type a j).
 */
export function commandFor(k: KeyPress): Command | null {
  if (k.ctrlKey || k.metaKey || k.altKey) return null;
  if (k.inField) return k.key === 'Escape' ? 'escape' : null;
  return table.get(k.key) ?? null;
}

/** What the help overlay lists, in order: the table, keys as people write them. */
export const shortcutHelp: { keys: string[]; what: string }[] = bindings.map((b) => ({
  keys: b.keys.map((k) => keyLabels[k] ?? k),
  what: b.what,
}));
