// How trace rows read: times, byte counts, bulk labels. Pure.

import { splitStatus, statusClass } from './filter';
import type { TimeMode } from './stores/ui';
import type { TraceEventDTO } from './types';

const nf = new Intl.NumberFormat('en-US');

/** 4102 → "4,102". */
export function formatCount(n: number): string {
  return nf.format(n);
}

/** Virtual µs → seconds with ms: 1234567 → "1.235 s", 65_432_100 → "65.432 s". */
export function formatVirtual(us: number): string {
  return `${(us / 1e6).toFixed(3)} s`;
}

/** Unix ms → local wall clock with ms: "14:03:07.412". */
export function formatWall(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** A duration in µs for people: 850 → "0.85 ms", 1_500_000 → "1.5 s". */
export function formatDuration(us: number): string {
  if (us < 1000) return `${(us / 1000).toFixed(2)} ms`;
  if (us < 1e6) return `${(us / 1000).toFixed(1)} ms`;
  return `${(us / 1e6).toFixed(us < 1e7 ? 2 : 1)} s`;
}

/** What a bulk payload is, from the command that carried it. */
export function bulkWhat(ev: TraceEventDTO): string {
  switch (ev.verb) {
    case 'DATA':
    case 'BDAT':
      return 'message body';
    case 'RETR':
      return 'message';
    case 'TOP':
      return 'message headers';
    case 'APPEND':
    case 'FETCH':
    case 'UID FETCH':
      return 'literal';
    default:
      return 'payload';
  }
}

/**
 * "message body, 4,102 bytes"; cut short by a broken connection, what
 * arrived of what was announced: "message, 30,000 of 65,930 B arrived —
 * connection broke" ("message body, 30,000 B arrived — connection broke"
 * when nothing was announced, as for SMTP DATA).
 */
export function bulkLabel(ev: TraceEventDTO): string {
  if (!ev.incomplete) return `${bulkWhat(ev)}, ${formatCount(ev.bytes)} bytes`;
  const of = ev.announced ? ` of ${formatCount(ev.announced)}` : '';
  return `${bulkWhat(ev)}, ${formatCount(ev.bytes)}${of} B arrived — connection broke`;
}

/** The preview lines of a bulk payload (Go shows line breaks as ↵), at most max. */
export function previewLines(text: string, max = 12): string[] {
  const lines = text.split('↵').map((l) => l.replace(/\r$/, ''));
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(0, max);
}

/**
 * One display row of the trace, worked out once: every string and class
 * the row shows, so the row component only copies primitives into the DOM
 * (and writes only those that differ from the row it showed before).
 */
export interface RowView {
  /** Index of the event in the TraceLog. */
  index: number;
  seq: number;
  session: number;
  /** -1 for the event itself, else the preview line shown. */
  sub: number;
  /** Display row, and its position in the filtered list. */
  row: number;
  pos: number;
  top: number;
  timeMode: TimeMode;
  dir: TraceEventDTO['dir'];
  protocol: TraceEventDTO['protocol'];
  kind: TraceEventDTO['kind'];
  separator: boolean;
  bulk: boolean;
  time: string;
  proto: string;
  arrow: string;
  dirLabel: string;
  bytes: string;
  bytesTitle: string;
  tls: boolean;
  masked: boolean;
  /** Cut short when the connection broke (drawn as broken). */
  incomplete: boolean;
  /** connect / close / TLS / fault for separators, else ''. */
  kindLabel: string;
  /** A protocol fault's kind (reply, delay, disconnect, chaos) on its fault row, else ''. */
  faultKind: string;
  text: string;
  /** The line around its status word (pre + status + post === text); status is '' without one. */
  pre: string;
  status: string;
  post: string;
  /** ok / error / info, or '' without a status word. */
  statusClass: string;
  /** "message body, 4,102 bytes" for bulk payloads, else ''. */
  bulkLabel: string;
  /** The preview line for sub ≥ 0, else ''. */
  previewText: string;
}

/** The kinds drawn as separators, and the word each shows. */
const SEPARATORS: Partial<Record<TraceEventDTO['kind'], string>> = { connect: 'connect', close: 'close', tls: 'TLS', fault: 'fault', dial: '☎ dial' };

/**
 * A protocol fault's row reads "SPEC: what it did" (sim/lab faultDetail),
 * its spec starting with the kind: "reply@pop3,…", "chaos,p=…".
 */
const PROTOCOL_FAULT = /^(reply|delay|disconnect|chaos)[@,][^]*?: /;

/** The protocol fault kind of a fault row's text, or ''. */
export function protocolFaultKind(text: string): string {
  return PROTOCOL_FAULT.exec(text)?.[1] ?? '';
}

/** Where a display row sits: the event, its log index, preview line, display row and list position. */
export interface RowPlace {
  index: number;
  sub: number;
  row: number;
  pos: number;
  top: number;
}

/** Everything a trace row shows for ev at place p. */
export function rowView(ev: TraceEventDTO, p: RowPlace, timeMode: TimeMode): RowView {
  const faultKind = ev.kind === 'fault' ? protocolFaultKind(ev.text) : '';
  const kindLabel = faultKind ? `${faultKind} fault` : (SEPARATORS[ev.kind] ?? '');
  const separator = kindLabel !== '';
  const bulk = ev.kind === 'bulk';
  const preview = p.sub >= 0;
  // The status word is highlighted where it stands in the line.
  const parts = !preview && !separator && !bulk ? splitStatus(ev.text, ev.status) : null;
  const bytes = formatCount(ev.bytes);
  return {
    index: p.index,
    seq: ev.seq,
    session: ev.session,
    sub: p.sub,
    row: p.row,
    pos: p.pos,
    top: p.top,
    timeMode,
    dir: ev.dir,
    protocol: ev.protocol,
    kind: ev.kind,
    separator,
    bulk,
    time: preview ? '' : timeMode === 'wall' ? formatWall(ev.wallMs) : formatVirtual(ev.atUs),
    proto: ev.protocol === 'unknown' ? '?' : ev.protocol.toUpperCase(),
    arrow: ev.dir === 'c2s' ? '→' : '←',
    dirLabel: ev.dir === 'c2s' ? 'client to server' : 'server to client',
    bytes,
    bytesTitle: preview
      ? ''
      : `${bytes} bytes${ev.incomplete ? (ev.announced ? ` of ${formatCount(ev.announced)} announced` : '') + ' (cut short)' : ''}, ${formatCount(ev.wire)} on the wire`,
    tls: !!ev.tls,
    masked: !!ev.masked,
    incomplete: !!ev.incomplete,
    kindLabel,
    faultKind,
    text: ev.text,
    pre: parts ? parts[0] : ev.text,
    status: parts ? parts[1] : '',
    post: parts ? parts[2] : '',
    statusClass: parts ? (statusClass(ev.status) ?? '') : '',
    bulkLabel: bulk && !preview ? bulkLabel(ev) : '',
    previewText: preview ? (previewLines(ev.text)[p.sub] ?? '') : '',
  };
}
