// Keyboard shortcuts: a pure mapping from a key press to a command, so the
// table is tested and the help overlay lists the same bindings.

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
  | 'mode';

export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** The focus is in a text field, select or editable element. */
  inField?: boolean;
}

const table: Record<string, Command> = {
  '?': 'help',
  '/': 'focus-filter',
  f: 'follow-tail',
  t: 'theme',
  p: 'presentation',
  j: 'next',
  ArrowDown: 'next',
  k: 'previous',
  ArrowUp: 'previous',
  Enter: 'expand',
  r: 'reveal',
  Escape: 'escape',
  ' ': 'replay-toggle',
  '.': 'replay-step',
  c: 'mode',
};

/**
 * The command for a key press, or null. Modified keys belong to the
 * browser; inside a field only Escape counts (typing "j" in the filter box
 * must type a j).
 */
export function commandFor(k: KeyPress): Command | null {
  if (k.ctrlKey || k.metaKey || k.altKey) return null;
  if (k.inField) return k.key === 'Escape' ? 'escape' : null;
  return table[k.key] ?? null;
}

/** What the help overlay lists, in order. */
export const shortcutHelp: { keys: string[]; what: string }[] = [
  { keys: ['?'], what: 'Show or hide this help' },
  { keys: ['/'], what: 'Focus the text filter' },
  { keys: ['j', '↓'], what: 'Select the next line' },
  { keys: ['k', '↑'], what: 'Select the previous line' },
  { keys: ['Enter'], what: 'Expand or collapse a message body' },
  { keys: ['f'], what: 'Follow the tail on or off' },
  { keys: ['r'], what: 'Reveal or mask passwords' },
  { keys: ['t'], what: 'Light or dark theme' },
  { keys: ['p'], what: 'Presentation mode (large type)' },
  { keys: ['Space'], what: 'Replay (in Compare mode, the race): play or pause' },
  { keys: ['.'], what: 'Replay (in Compare mode, the race): one step' },
  { keys: ['c'], what: 'Lab or Compare mode (POP3 vs IMAP race)' },
  { keys: ['Esc'], what: 'Close the overlay, clear the selection' },
];
