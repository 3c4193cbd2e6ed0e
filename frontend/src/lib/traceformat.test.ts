import { describe, expect, it } from 'vitest';
import { bulkLabel, formatCount, formatDuration, formatVirtual, formatWall, previewLines, rowView } from './traceformat';
import type { TraceEventDTO } from './types';

const bulk = (verb: string, bytes: number): TraceEventDTO => ({
  seq: 1, session: 1, protocol: 'smtp', dir: 'c2s', kind: 'bulk', atUs: 0, arriveUs: 0, wallMs: 0, bytes, wire: bytes, text: '', verb,
});

describe('traceformat', () => {
  it('formats counts and times', () => {
    expect(formatCount(4102)).toBe('4,102');
    expect(formatVirtual(1_234_567)).toBe('1.235 s');
    expect(formatVirtual(0)).toBe('0.000 s');
    expect(formatWall(new Date(2026, 0, 2, 3, 4, 5, 6).getTime())).toBe('03:04:05.006');
    expect(formatDuration(850)).toBe('0.85 ms');
    expect(formatDuration(12_300)).toBe('12.3 ms');
    expect(formatDuration(1_500_000)).toBe('1.50 s');
  });
  it('labels bulk payloads by their command', () => {
    expect(bulkLabel(bulk('DATA', 4102))).toBe('message body, 4,102 bytes');
    expect(bulkLabel(bulk('RETR', 10))).toBe('message, 10 bytes');
    expect(bulkLabel(bulk('UID FETCH', 1))).toBe('literal, 1 bytes');
    expect(bulkLabel(bulk('XYZ', 1))).toBe('payload, 1 bytes');
  });

  it('says how much of a payload cut short arrived, of how much was announced', () => {
    expect(bulkLabel({ ...bulk('RETR', 30000), incomplete: true, announced: 65930 })).toBe('message, 30,000 of 65,930 B arrived — connection broke');
    expect(bulkLabel({ ...bulk('FETCH', 29296), incomplete: true, announced: 65930 })).toBe('literal, 29,296 of 65,930 B arrived — connection broke');
    // SMTP DATA announces no size.
    expect(bulkLabel({ ...bulk('DATA', 30000), incomplete: true })).toBe('message body, 30,000 B arrived — connection broke');
    // Announced but whole: the plain label.
    expect(bulkLabel({ ...bulk('BDAT', 10), announced: 10 })).toBe('message body, 10 bytes');
  });
  it('splits a preview on ↵', () => {
    expect(previewLines('From: a↵To: b↵↵Hi↵')).toEqual(['From: a', 'To: b', '', 'Hi']);
    expect(previewLines('a↵b↵c', 2)).toEqual(['a', 'b']);
    expect(previewLines('')).toEqual(['']);
  });
});

describe('rowView', () => {
  const ev = (over: Partial<TraceEventDTO>): TraceEventDTO => ({
    seq: 7, session: 3, protocol: 'imap', dir: 's2c', kind: 'line', atUs: 1_234_567, arriveUs: 0, wallMs: new Date(2026, 0, 2, 3, 4, 5, 6).getTime(), bytes: 4102, wire: 4160, text: 'a1 OK NOOP completed', status: 'OK', ...over,
  });
  const at = { index: 6, sub: -1, row: 10, pos: 10, top: 260 };

  it('works out what a line shows, its status word split out', () => {
    const v = rowView(ev({}), at, 'virtual');
    expect(v).toMatchObject({
      index: 6, seq: 7, session: 3, sub: -1, row: 10, pos: 10, top: 260, timeMode: 'virtual',
      dir: 's2c', protocol: 'imap', kind: 'line', separator: false, kindLabel: '', bulk: false,
      time: '1.235 s', proto: 'IMAP', arrow: '←', dirLabel: 'server to client',
      bytes: '4,102', bytesTitle: '4,102 bytes, 4,160 on the wire', tls: false, masked: false, incomplete: false,
      pre: 'a1 ', status: 'OK', post: ' NOOP completed', statusClass: 'ok', bulkLabel: '', previewText: '',
    });
    expect(v.pre + v.status + v.post).toBe(v.text);
  });
  it('keeps a line without a status whole, and follows the time mode', () => {
    const v = rowView(ev({ dir: 'c2s', text: 'a1 NOOP', status: undefined, tls: true, masked: true, protocol: 'unknown' }), at, 'wall');
    expect(v).toMatchObject({ time: '03:04:05.006', arrow: '→', dirLabel: 'client to server', proto: '?', pre: 'a1 NOOP', status: '', post: '', statusClass: '', tls: true, masked: true });
    expect(rowView(ev({ text: 'a1 NO such', status: 'NO' }), at, 'virtual').statusClass).toBe('error');
  });
  it('labels separators and bulk payloads, and picks preview lines', () => {
    expect(rowView(ev({ kind: 'tls', text: 'TLS 1.3', status: undefined }), at, 'virtual')).toMatchObject({ separator: true, kindLabel: 'TLS', pre: 'TLS 1.3', status: '' });
    expect(rowView(ev({ kind: 'connect', status: undefined }), at, 'virtual').kindLabel).toBe('connect');
    expect(rowView(ev({ kind: 'close', status: undefined }), at, 'virtual')).toMatchObject({ separator: true, kindLabel: 'close' });
    expect(rowView(ev({ kind: 'fault', status: undefined }), at, 'virtual')).toMatchObject({ separator: true, kindLabel: 'fault', faultKind: '' });
    // A protocol fault's row (the lab's "SPEC: what it did") names its kind.
    const reply = 'reply@pop3,cmd=RETR,nth=3,with=-ERR [SYS/TEMP] try later, sorry: answered RETR with "-ERR [SYS/TEMP] try later, sorry" instead of running it';
    expect(rowView(ev({ kind: 'fault', text: reply, status: undefined }), at, 'virtual')).toMatchObject({ separator: true, kindLabel: 'reply fault', faultKind: 'reply' });
    expect(rowView(ev({ kind: 'fault', text: 'chaos,p=0.2,seed=7: answered RCPT with "451 x" instead of running it', status: undefined }), at, 'virtual').faultKind).toBe('chaos');
    expect(rowView(ev({ kind: 'fault', text: 'reset after 300 bytes S→C', status: undefined }), at, 'virtual').faultKind).toBe('');
    // A line that merely starts like one is not a fault row.
    expect(rowView(ev({ kind: 'line', text: 'delay@imap,x: y' }), at, 'virtual').faultKind).toBe('');
    const b = ev({ kind: 'bulk', verb: 'DATA', text: 'From: a↵To: b↵', status: undefined });
    expect(rowView(b, at, 'virtual')).toMatchObject({ bulk: true, bulkLabel: 'message body, 4,102 bytes', previewText: '' });
    expect(rowView(b, { ...at, sub: 1, row: 12 }, 'virtual')).toMatchObject({ sub: 1, row: 12, previewText: 'To: b', bulkLabel: '' });
    const cut = ev({ kind: 'bulk', verb: 'RETR', bytes: 30000, wire: 31000, announced: 65930, incomplete: true, text: 'From: a', status: undefined });
    expect(rowView(cut, at, 'virtual')).toMatchObject({
      incomplete: true,
      bulkLabel: 'message, 30,000 of 65,930 B arrived — connection broke',
      bytesTitle: '30,000 bytes of 65,930 announced (cut short), 31,000 on the wire',
    });
  });
});
