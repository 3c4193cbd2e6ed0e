// What a lesson step asks the lab's views to show (its `watch`): the
// trace filter, the rows to highlight and the mailbox view. Pure: the
// player applies the result to the view and layout stores.

import { defaultFilter, type MailProtocol, type TraceFilter } from './filter';
import type { TraceLog } from './tracelog';
import type { Dir, LessonFilterDTO, LessonWatchDTO } from './types';

const PROTOCOLS: readonly MailProtocol[] = ['smtp', 'pop3', 'imap'];
const DIRS: readonly Dir[] = ['c2s', 's2c'];

const lower = (s: string | undefined) => (s ?? '').trim().toLowerCase();

/**
 * The trace filter a step's watch.trace stands for, as a learner would set
 * it: protocol and dir pick the filter's buttons, the text (or else a verb
 * or a status, which the filter box also finds) goes in the text box. A
 * device cannot be told from a trace line here and is left out. null: the
 * default filter (everything).
 */
export function traceFilterFor(f: LessonFilterDTO | null | undefined): TraceFilter {
  if (!f) return defaultFilter;
  const fields = f.fields ?? {};
  const protocols = { ...defaultFilter.protocols };
  const p = lower(fields.protocol) as MailProtocol;
  if (PROTOCOLS.includes(p)) protocols[p] = true;
  const dirs = { ...defaultFilter.dirs };
  const d = lower(fields.dir) as Dir;
  if (DIRS.includes(d)) dirs[d] = true;
  const text = (f.text || fields.verb || fields.status || '').trim();
  return { ...defaultFilter, protocols, dirs, text };
}

/**
 * A predicate over the trace log's rows for watch.highlight: every field
 * given must hold (verb and status exactly, without regard to case;
 * protocol, dir; the text as a substring of the line). A highlight with
 * nothing it can test (only a device, or empty) matches nothing.
 */
export function compileHighlight(f: LessonFilterDTO | null | undefined, log: TraceLog): ((i: number) => boolean) | null {
  if (!f) return null;
  const fields = f.fields ?? {};
  const verb = lower(fields.verb);
  const status = lower(fields.status);
  const protocol = lower(fields.protocol);
  const dir = lower(fields.dir);
  const text = lower(f.text);
  if (!verb && !status && !protocol && !dir && !text) return null;
  return (i) => {
    if (i < 0 || i >= log.length) return false;
    if (verb && lower(log.verbAt(i)) !== verb) return false;
    if (status && lower(log.statusAt(i)) !== status) return false;
    if (protocol && log.protocolAt(i) !== protocol) return false;
    if (dir && log.dirAt(i) !== dir) return false;
    if (text && !log.textAt(i).toLowerCase().includes(text)) return false;
    return true;
  };
}

/** The mailbox view a step names: the server's, or a device's (its name); null for none. */
export function mailViewFor(w: LessonWatchDTO | null | undefined): { server: boolean; device: string | null } | null {
  const v = (w?.view ?? '').trim();
  if (!v) return null;
  return v.toLowerCase() === 'server' ? { server: true, device: null } : { server: false, device: v };
}

/** A stable key for a filter, to notice that a step's watch changed. */
export function watchKey(w: LessonWatchDTO | null | undefined): string {
  return JSON.stringify([w?.trace ?? null, w?.highlight ?? null, w?.view ?? '']);
}
