import { describe, expect, it } from 'vitest';
import { bulkLabel, formatCount, formatDuration, formatVirtual, formatWall, previewLines } from './traceformat';
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
  it('splits a preview on ↵', () => {
    expect(previewLines('From: a↵To: b↵↵Hi↵')).toEqual(['From: a', 'To: b', '', 'Hi']);
    expect(previewLines('a↵b↵c', 2)).toEqual(['a', 'b']);
    expect(previewLines('')).toEqual(['']);
  });
});
