// Trace filters and the filtered view: pure functions, no DOM. The view is
// a sorted list of indices into the trace's TraceLog. It is extended
// incrementally as events arrive (only new events are tested) and rebuilt
// only when the filter or the underlying array changes.

import { codeOfDir, codeOfProtocol, type TraceLog } from './tracelog';
import type { Dir, Protocol, TraceEventDTO } from './types';

export type StatusFilter = 'all' | 'ok' | 'error';
export type MailProtocol = Exclude<Protocol, 'unknown'>;

export interface TraceFilter {
  /** Session id, or null for every session. */
  session: number | null;
  /** Only the protocols picked; none picked shows every protocol. */
  protocols: Record<MailProtocol, boolean>;
  /** Only the directions picked; none picked shows both. */
  dirs: Record<Dir, boolean>;
  status: StatusFilter;
  /** Case-insensitive substring of the text, verb or status. */
  text: string;
  /** Only events with seq ≥ from: a lesson's run (absent or 0: all). */
  from?: number;
}

export const defaultFilter: TraceFilter = {
  session: null,
  protocols: { smtp: false, pop3: false, imap: false },
  dirs: { c2s: false, s2c: false },
  status: 'all',
  text: '',
};

export function isDefaultFilter(f: TraceFilter): boolean {
  return filterKey(f) === filterKey(defaultFilter);
}

/** A string that changes exactly when the filter's meaning changes (memo key). */
export function filterKey(f: TraceFilter): string {
  return JSON.stringify([
    f.session,
    f.protocols.smtp,
    f.protocols.pop3,
    f.protocols.imap,
    f.dirs.c2s,
    f.dirs.s2c,
    f.status,
    f.text.trim().toLowerCase(),
    f.from ?? 0,
  ]);
}

export type StatusClass = 'ok' | 'error' | 'info';

/**
 * Classifies a response status: +OK, OK, PREAUTH and SMTP 2xx/3xx are ok;
 * -ERR, NO, BAD and SMTP 4xx/5xx are errors; continuation requests ("+")
 * and BYE are informational. Lines without a status give null.
 */
export function statusClass(status: string | undefined): StatusClass | null {
  if (!status) return null;
  switch (status) {
    case '+OK':
    case 'OK':
    case 'PREAUTH':
      return 'ok';
    case '-ERR':
    case 'NO':
    case 'BAD':
      return 'error';
    case '+':
    case 'BYE':
      return 'info';
  }
  if (/^[1-5]\d\d$/.test(status)) {
    const c = status[0];
    if (c === '4' || c === '5') return 'error';
    return 'ok';
  }
  return 'info';
}

/** A predicate for one filter, with its text lowered once. */
export function compileFilter(f: TraceFilter): (ev: TraceEventDTO) => boolean {
  const needle = f.text.trim().toLowerCase();
  const anyProtocol = f.protocols.smtp || f.protocols.pop3 || f.protocols.imap;
  const anyDir = f.dirs.c2s || f.dirs.s2c;
  const from = f.from ?? 0;
  return (ev) => {
    if (ev.seq < from) return false;
    if (f.session !== null && ev.session !== f.session) return false;
    if (anyProtocol && (ev.protocol === 'unknown' || !f.protocols[ev.protocol])) return false;
    if (anyDir && !f.dirs[ev.dir]) return false;
    if (f.status !== 'all') {
      const c = statusClass(ev.status);
      if (c !== f.status) return false;
    }
    if (needle) {
      const hay = ev.text.toLowerCase();
      if (!hay.includes(needle) && !(ev.verb?.toLowerCase().includes(needle) ?? false)) return false;
    }
    return true;
  };
}

export function matches(ev: TraceEventDTO, f: TraceFilter): boolean {
  return compileFilter(f)(ev);
}

/**
 * The same predicate as compileFilter, over a row of a TraceLog by index:
 * it reads the columns and makes no row object.
 */
export function compileLogFilter(f: TraceFilter, log: TraceLog): (i: number) => boolean {
  const needle = f.text.trim().toLowerCase();
  const anyProtocol = f.protocols.smtp || f.protocols.pop3 || f.protocols.imap;
  // By protocol code (unknown never matches a protocol filter) and direction code.
  const protocolOk: boolean[] = [];
  protocolOk[codeOfProtocol('unknown')] = false;
  protocolOk[codeOfProtocol('smtp')] = f.protocols.smtp;
  protocolOk[codeOfProtocol('pop3')] = f.protocols.pop3;
  protocolOk[codeOfProtocol('imap')] = f.protocols.imap;
  const anyDir = f.dirs.c2s || f.dirs.s2c;
  const dirOk: boolean[] = [];
  dirOk[codeOfDir('c2s')] = f.dirs.c2s;
  dirOk[codeOfDir('s2c')] = f.dirs.s2c;
  // Status classes per interned status code, worked out once each.
  const statusOk: (boolean | undefined)[] = [];
  const statusMatches = (code: number): boolean => {
    let ok = statusOk[code];
    if (ok === undefined) {
      ok = statusClass(log.statuses.value(code)) === f.status;
      statusOk[code] = ok;
    }
    return ok;
  };
  const verbHas: (boolean | undefined)[] = [];
  const verbMatches = (code: number): boolean => {
    if (code === 0) return false;
    let ok = verbHas[code];
    if (ok === undefined) {
      ok = (log.verbs.value(code) ?? '').toLowerCase().includes(needle);
      verbHas[code] = ok;
    }
    return ok;
  };
  const from = f.from ?? 0;
  return (i) => {
    if (from > 0 && log.seqAt(i) < from) return false;
    if (f.session !== null && log.session[i] !== f.session) return false;
    if (anyProtocol && !protocolOk[log.protocol[i] as number]) return false;
    if (anyDir && !dirOk[log.dir[i] as number]) return false;
    if (f.status !== 'all' && !statusMatches(log.status[i] as number)) return false;
    if (needle) {
      if (!(log.text[i] as string).toLowerCase().includes(needle) && !verbMatches(log.verb[i] as number)) return false;
    }
    return true;
  };
}

/** The filtered view of an event array. */
export interface FilteredView {
  /** The log the indices point into (identity, to notice a resync). */
  source: TraceLog | null;
  key: string;
  /** How many source events have been tested. */
  scanned: number;
  /** Indices of matching events, ascending. Append-only while source and key hold. */
  indices: number[];
}

export const emptyView: FilteredView = { source: null, key: '', scanned: 0, indices: [] };

/**
 * Brings a view up to date with events and filter. Costs O(new events)
 * when only events were appended and O(all events) when the filter or the
 * array changed. The indices array is shared with the previous view when
 * it is extended (the previous view must not be used afterwards).
 */
export function updateView(prev: FilteredView, events: TraceLog, f: TraceFilter): FilteredView {
  const key = filterKey(f);
  const reuse = prev.source === events && prev.key === key && prev.scanned <= events.length;
  if (reuse && prev.scanned === events.length) return prev;
  const indices = reuse ? prev.indices : [];
  const from = reuse ? prev.scanned : 0;
  const test = compileLogFilter(f, events);
  for (let i = from; i < events.length; i++) {
    if (test(i)) indices.push(i);
  }
  return { source: events, key, scanned: events.length, indices };
}

/**
 * Splits a response line around its status word ("* OK [..]" → "* ",
 * "OK", " [..]") so the word can be highlighted in place; null when the
 * line has no status or it is not found as a whole word.
 */
export function splitStatus(text: string, status: string | undefined): [string, string, string] | null {
  if (!status) return null;
  let from = 0;
  for (;;) {
    const i = text.indexOf(status, from);
    if (i < 0) return null;
    const before = i === 0 ? ' ' : text[i - 1];
    const after = text[i + status.length];
    const word = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c);
    if (!word(before) && !word(after)) return [text.slice(0, i), status, text.slice(i + status.length)];
    from = i + 1;
  }
}
