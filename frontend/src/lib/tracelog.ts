// The trace's events, stored by column instead of as one object per event:
// numbers in typed arrays, the protocol/direction/kind and flags as byte
// codes, verbs, statuses and response codes interned (a few dozen distinct
// values), the line text and IMAP tag as plain string arrays. 100,000
// JSON-parsed event objects cost the web view ~2 KB each; a row here costs
// well under 100 bytes plus its text. A row object (TraceEventDTO) is made
// only when asked for: the visible rows, the selection, the ladder's session.
// The backend sends events by column too (TraceBatchDTO): appendColumns
// copies a batch in without an object per event.
//
// Append-only: rows are never changed or removed; a resync makes a new log.

import { KINDS } from './types';
import type { Dir, Kind, Protocol, TraceBatchDTO, TraceEventDTO } from './types';

const PROTOCOLS: readonly Protocol[] = ['unknown', 'smtp', 'pop3', 'imap'];
const DIRS: readonly Dir[] = ['c2s', 's2c'];

const protocolCode = (p: Protocol): number => Math.max(0, PROTOCOLS.indexOf(p));
const dirCode = (d: Dir): number => (d === 's2c' ? 1 : 0);
const kindCode = (k: Kind): number => Math.max(0, KINDS.indexOf(k));

export const codeOfProtocol = protocolCode;
export const codeOfDir = dirCode;

const MASKED = 1;
const MORE = 2;
const TLS = 4;
const INCOMPLETE = 8;

const flagsOfRow = (ev: TraceEventDTO): number =>
  (ev.masked ? MASKED : 0) | (ev.more ? MORE : 0) | (ev.tls ? TLS : 0) | (ev.incomplete ? INCOMPLETE : 0);

/** The flags code of a batch's flags character (a hex digit, '0'-'9' 'a'-'f'); anything else is 0. */
export function flagsOf(charCode: number): number {
  if (charCode >= 48 && charCode <= 57) return charCode - 48;
  if (charCode >= 97 && charCode <= 102) return charCode - 87;
  return 0;
}

/** Interned small-cardinality strings; code 0 is "absent". */
export class Interner {
  readonly values: (string | undefined)[] = [undefined];
  private readonly codes = new Map<string, number>();
  code(s: string | undefined): number {
    if (s === undefined) return 0;
    let c = this.codes.get(s);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(s);
      this.codes.set(s, c);
    }
    return c;
  }
  value(c: number): string | undefined {
    return this.values[c];
  }
}

/** Keeps the most recently materialised rows so a row keeps its identity while it stays in view. */
const CACHE_MAX = 2048;

export class TraceLog {
  length = 0;
  private cap: number;
  seq: Float64Array;
  session: Float64Array;
  atUs: Float64Array;
  arriveUs: Float64Array;
  wallMs: Float64Array;
  bytes: Float64Array;
  wire: Float64Array;
  protocol: Uint8Array;
  dir: Uint8Array;
  kind: Uint8Array;
  flags: Uint8Array;
  verb: Uint16Array;
  status: Uint16Array;
  code: Uint16Array;
  text: string[] = [];
  tag: (string | undefined)[] = [];
  /** Announced sizes of bulk events by log index: few events have one. */
  readonly announced = new Map<number, number>();
  readonly verbs = new Interner();
  readonly statuses = new Interner();
  readonly codes = new Interner();
  private cache = new Map<number, TraceEventDTO>();

  constructor(capacity = 1024) {
    this.cap = Math.max(16, capacity);
    const n = this.cap;
    this.seq = new Float64Array(n);
    this.session = new Float64Array(n);
    this.atUs = new Float64Array(n);
    this.arriveUs = new Float64Array(n);
    this.wallMs = new Float64Array(n);
    this.bytes = new Float64Array(n);
    this.wire = new Float64Array(n);
    this.protocol = new Uint8Array(n);
    this.dir = new Uint8Array(n);
    this.kind = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.verb = new Uint16Array(n);
    this.status = new Uint16Array(n);
    this.code = new Uint16Array(n);
  }

  static from(events: readonly TraceEventDTO[]): TraceLog {
    const log = new TraceLog(events.length);
    for (const ev of events) log.push(ev);
    return log;
  }

  private grow() {
    const n = this.cap * 2;
    const g = <T extends Float64Array | Uint8Array | Uint16Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.seq = g(this.seq, (n) => new Float64Array(n));
    this.session = g(this.session, (n) => new Float64Array(n));
    this.atUs = g(this.atUs, (n) => new Float64Array(n));
    this.arriveUs = g(this.arriveUs, (n) => new Float64Array(n));
    this.wallMs = g(this.wallMs, (n) => new Float64Array(n));
    this.bytes = g(this.bytes, (n) => new Float64Array(n));
    this.wire = g(this.wire, (n) => new Float64Array(n));
    this.protocol = g(this.protocol, (n) => new Uint8Array(n));
    this.dir = g(this.dir, (n) => new Uint8Array(n));
    this.kind = g(this.kind, (n) => new Uint8Array(n));
    this.flags = g(this.flags, (n) => new Uint8Array(n));
    this.verb = g(this.verb, (n) => new Uint16Array(n));
    this.status = g(this.status, (n) => new Uint16Array(n));
    this.code = g(this.code, (n) => new Uint16Array(n));
    this.cap = n;
  }

  push(ev: TraceEventDTO): void {
    if (this.length === this.cap) this.grow();
    const i = this.length;
    this.seq[i] = ev.seq;
    this.session[i] = ev.session;
    this.atUs[i] = ev.atUs;
    this.arriveUs[i] = ev.arriveUs;
    this.wallMs[i] = ev.wallMs;
    this.bytes[i] = ev.bytes;
    this.wire[i] = ev.wire;
    this.protocol[i] = protocolCode(ev.protocol);
    this.dir[i] = dirCode(ev.dir);
    this.kind[i] = kindCode(ev.kind);
    this.flags[i] = flagsOfRow(ev);
    if (ev.announced) this.announced.set(i, ev.announced);
    this.verb[i] = this.verbs.code(ev.verb);
    this.status[i] = this.statuses.code(ev.status);
    this.code[i] = this.codes.code(ev.code);
    this.text.push(ev.text);
    this.tag.push(ev.tag);
    this.length = i + 1;
  }

  /**
   * Appends events from..to-1 of a batch as they are, straight from its
   * columns (the wire format, app/dto.go TraceBatchDTO). Codes out of range
   * read as unknown/line, as push does for unknown names.
   */
  appendColumns(b: TraceBatchDTO, from = 0, to = b.n): void {
    if (!(to > from)) return;
    while (this.length + (to - from) > this.cap) this.grow();
    const { seq, session, atUs, arriveUs, wallMs, bytes, wire, proto, dir, kind, flags, text, verb, tag, status, code } = b;
    const at = b.announcedAt ?? [];
    const sizes = b.announced ?? [];
    for (let j = 0; j < at.length; j++) {
      const k = at[j] as number;
      const n = sizes[j] as number;
      if (k >= from && k < to && n > 0) this.announced.set(this.length + k - from, n);
    }
    let i = this.length;
    for (let k = from; k < to; k++, i++) {
      this.seq[i] = seq[k] as number;
      this.session[i] = session[k] as number;
      this.atUs[i] = atUs[k] as number;
      this.arriveUs[i] = arriveUs[k] as number;
      this.wallMs[i] = wallMs[k] as number;
      this.bytes[i] = bytes[k] as number;
      this.wire[i] = wire[k] as number;
      const p = proto.charCodeAt(k) - 48;
      this.protocol[i] = p >= 0 && p < PROTOCOLS.length ? p : 0;
      this.dir[i] = dir.charCodeAt(k) === 49 ? 1 : 0;
      const kd = kind.charCodeAt(k) - 48;
      this.kind[i] = kd >= 0 && kd < KINDS.length ? kd : 0;
      this.flags[i] = flagsOf(flags.charCodeAt(k));
      const v = verb[k];
      this.verb[i] = v ? this.verbs.code(v) : 0;
      const st = status[k];
      this.status[i] = st ? this.statuses.code(st) : 0;
      const c = code[k];
      this.code[i] = c ? this.codes.code(c) : 0;
      this.text.push(text[k] ?? '');
      this.tag.push(tag[k] || undefined);
    }
    this.length = i;
  }

  seqAt(i: number): number {
    return this.seq[i] as number;
  }
  sessionAt(i: number): number {
    return this.session[i] as number;
  }
  protocolAt(i: number): Protocol {
    return PROTOCOLS[this.protocol[i] as number] as Protocol;
  }
  dirAt(i: number): Dir {
    return DIRS[this.dir[i] as number] as Dir;
  }
  kindAt(i: number): Kind {
    return KINDS[this.kind[i] as number] as Kind;
  }
  textAt(i: number): string {
    return this.text[i] as string;
  }
  verbAt(i: number): string | undefined {
    return this.verbs.value(this.verb[i] as number);
  }
  statusAt(i: number): string | undefined {
    return this.statuses.value(this.status[i] as number);
  }

  /** A fresh row object for index i (no cache); undefined out of range. */
  row(i: number): TraceEventDTO | undefined {
    if (!(i >= 0 && i < this.length)) return undefined;
    const ev: TraceEventDTO = {
      seq: this.seq[i] as number,
      session: this.session[i] as number,
      protocol: this.protocolAt(i),
      dir: this.dirAt(i),
      kind: this.kindAt(i),
      atUs: this.atUs[i] as number,
      arriveUs: this.arriveUs[i] as number,
      wallMs: this.wallMs[i] as number,
      bytes: this.bytes[i] as number,
      wire: this.wire[i] as number,
      text: this.text[i] as string,
    };
    const verb = this.verbAt(i);
    if (verb !== undefined) ev.verb = verb;
    const tag = this.tag[i];
    if (tag !== undefined) ev.tag = tag;
    const status = this.statusAt(i);
    if (status !== undefined) ev.status = status;
    const code = this.codes.value(this.code[i] as number);
    if (code !== undefined) ev.code = code;
    const fl = this.flags[i] as number;
    if (fl & MASKED) ev.masked = true;
    if (fl & MORE) ev.more = true;
    if (fl & TLS) ev.tls = true;
    if (fl & INCOMPLETE) ev.incomplete = true;
    const announced = this.announced.get(i);
    if (announced !== undefined) ev.announced = announced;
    return ev;
  }

  /**
   * The row at index i, the same object for the same index while it stays
   * among the most recently asked-for rows (so keyed lists do not redraw).
   */
  get(i: number): TraceEventDTO | undefined {
    const hit = this.cache.get(i);
    if (hit) return hit;
    const ev = this.row(i);
    if (!ev) return undefined;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(i, ev);
    return ev;
  }

  /** Every row as objects (tests, small logs). */
  toArray(): TraceEventDTO[] {
    const out: TraceEventDTO[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.row(i) as TraceEventDTO);
    return out;
  }

  /**
   * A copy without the events of the given sessions (the recorder set them
   * aside to stay within its memory budget): the rest in order, as they
   * were. Returns this log itself when none of its events is dropped.
   */
  without(drop: ReadonlySet<number>): TraceLog {
    let keep = 0;
    for (let i = 0; i < this.length; i++) if (!drop.has(this.session[i] as number)) keep++;
    if (keep === this.length) return this;
    const out = new TraceLog(keep + 1024);
    let j = 0;
    for (let i = 0; i < this.length; i++) {
      if (drop.has(this.session[i] as number)) continue;
      out.seq[j] = this.seq[i] as number;
      out.session[j] = this.session[i] as number;
      out.atUs[j] = this.atUs[i] as number;
      out.arriveUs[j] = this.arriveUs[i] as number;
      out.wallMs[j] = this.wallMs[i] as number;
      out.bytes[j] = this.bytes[i] as number;
      out.wire[j] = this.wire[i] as number;
      out.protocol[j] = this.protocol[i] as number;
      out.dir[j] = this.dir[i] as number;
      out.kind[j] = this.kind[i] as number;
      out.flags[j] = this.flags[i] as number;
      out.verb[j] = out.verbs.code(this.verbs.value(this.verb[i] as number));
      out.status[j] = out.statuses.code(this.statuses.value(this.status[i] as number));
      out.code[j] = out.codes.code(this.codes.value(this.code[i] as number));
      out.text.push(this.text[i] as string);
      out.tag.push(this.tag[i]);
      const a = this.announced.get(i);
      if (a !== undefined) out.announced.set(j, a);
      j++;
    }
    out.length = j;
    return out;
  }

  /** The index of the event with seq (ascending seqs), or -1. */
  indexOfSeq(seq: number): number {
    // Seqs start at 1 and are dense in a full trace: try the direct slot first.
    if (seq - 1 >= 0 && seq - 1 < this.length && this.seq[seq - 1] === seq) return seq - 1;
    let lo = 0;
    let hi = this.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.seq[mid] as number;
      if (v === seq) return mid;
      if (v < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

/**
 * Rows to the wire format (app/dto.go TraceBatchDTO), as the backend would
 * send them: for tests and fixtures.
 */
export function toColumns(events: readonly TraceEventDTO[]): TraceBatchDTO {
  const b: TraceBatchDTO = {
    n: events.length,
    seq: [],
    session: [],
    atUs: [],
    arriveUs: [],
    wallMs: [],
    bytes: [],
    wire: [],
    proto: '',
    dir: '',
    kind: '',
    flags: '',
    text: [],
    verb: [],
    tag: [],
    status: [],
    code: [],
    announcedAt: [],
    announced: [],
  };
  for (const [i, ev] of events.entries()) {
    b.seq.push(ev.seq);
    b.session.push(ev.session);
    b.atUs.push(ev.atUs);
    b.arriveUs.push(ev.arriveUs);
    b.wallMs.push(ev.wallMs);
    b.bytes.push(ev.bytes);
    b.wire.push(ev.wire);
    b.proto += String(protocolCode(ev.protocol));
    b.dir += String(dirCode(ev.dir));
    b.kind += String(kindCode(ev.kind));
    b.flags += flagsOfRow(ev).toString(16);
    if (ev.kind === 'bulk' && ev.announced) {
      b.announcedAt?.push(i);
      b.announced?.push(ev.announced);
    }
    b.text.push(ev.text);
    b.verb.push(ev.verb ?? '');
    b.tag.push(ev.tag ?? '');
    b.status.push(ev.status ?? '');
    b.code.push(ev.code ?? '');
  }
  return b;
}
