// The console's comforts, pure: a command history navigated with ↑/↓ like a
// shell's, and Tab completion of the protocol's verbs (ConsoleDTO.verbs).
// No DOM, no backend: the Console component and its store call these.

/**
 * A bounded history of sent lines. `up` walks back from the newest entry,
 * `down` forward; stepping past the newest gives back what was being typed
 * before the walk began (the draft), as bash and zsh do.
 */
export class History {
  private entries: string[] = [];
  /** Index into entries while walking; entries.length = not walking. */
  private cursor = 0;
  private draft = '';

  constructor(private readonly capacity = 200) {
    if (!(capacity >= 1)) throw new RangeError('history capacity must be at least 1');
  }

  /** Lines, oldest first. */
  get items(): readonly string[] {
    return this.entries;
  }

  /** Records a sent line (blank lines and an immediate repeat are skipped) and ends any walk. */
  push(line: string): void {
    if (line.trim() !== '' && this.entries[this.entries.length - 1] !== line) {
      this.entries.push(line);
      if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    }
    this.reset();
  }

  /** Ends a walk without changing the entries. */
  reset(): void {
    this.cursor = this.entries.length;
    this.draft = '';
  }

  /** The previous entry; `current` is the input's text, kept as the draft when a walk begins. */
  up(current: string): string {
    if (this.entries.length === 0) return current;
    if (this.cursor >= this.entries.length) {
      this.draft = current;
      this.cursor = this.entries.length;
    }
    if (this.cursor > 0) this.cursor--;
    return this.entries[this.cursor] ?? current;
  }

  /** The next entry, or the draft after the newest one. */
  down(current: string): string {
    if (this.cursor >= this.entries.length) return current;
    this.cursor++;
    if (this.cursor === this.entries.length) return this.draft;
    return this.entries[this.cursor] ?? current;
  }
}

export interface Completion {
  /** The input after completion (unchanged when nothing matched). */
  value: string;
  /** Every verb that matched, as it would be completed; shown when there is more than one. */
  matches: string[];
}

/** IMAP verbs come tagged ("a1 SELECT INBOX"); the tag is the user's to choose. */
const TAGGED = /^(\S+) (.+)$/;

function commonPrefix(words: string[]): string {
  if (words.length === 0) return '';
  let p = words[0] ?? '';
  for (const w of words) {
    let i = 0;
    while (i < p.length && i < w.length && p[i]!.toLowerCase() === w[i]!.toLowerCase()) i++;
    p = p.slice(0, i);
  }
  return p;
}

/** A space after a complete word, none after "MAIL FROM:<" or a quoted argument. */
function finish(verb: string): string {
  return /[A-Za-z0-9]$/.test(verb) ? verb + ' ' : verb;
}

/**
 * Completes `input` against the protocol's verbs by case-insensitive prefix.
 * One match completes it; several extend the input to their longest common
 * prefix and list them. For tagged (IMAP) verbs the user may type the bare
 * command ("sel" → "a1 SELECT INBOX") or their own tag ("a7 sel" → "a7
 * SELECT INBOX").
 */
export function complete(input: string, verbs: readonly string[]): Completion {
  if (input.trim() === '') return { value: input, matches: [] };
  const low = input.toLowerCase();
  const seen = new Set<string>();
  const found: string[] = [];
  const add = (v: string) => {
    if (!seen.has(v)) {
      seen.add(v);
      found.push(v);
    }
  };
  for (const v of verbs) {
    if (v.toLowerCase().startsWith(low)) add(v);
  }
  if (found.length === 0) {
    const typed = TAGGED.exec(input);
    for (const v of verbs) {
      const m = TAGGED.exec(v);
      if (!m || !/^[a-z]\d+$/i.test(m[1]!)) continue;
      const bare = m[2]!;
      if (typed && /^[a-z]*\d+$/i.test(typed[1]!) && bare.toLowerCase().startsWith(typed[2]!.toLowerCase())) {
        add(`${typed[1]} ${bare}`);
      } else if (!input.includes(' ') && bare.toLowerCase().startsWith(low)) {
        add(v);
      }
    }
  }
  if (found.length === 0) return { value: input, matches: [] };
  if (found.length === 1) return { value: finish(found[0]!), matches: found };
  const prefix = commonPrefix(found);
  return { value: prefix.length >= input.length ? prefix : input, matches: found };
}
