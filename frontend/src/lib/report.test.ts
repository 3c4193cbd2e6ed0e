import { describe, expect, it } from 'vitest';
import { commandsText, compareRows, reportRows, togglePick } from './report';
import type { ReportDTO, SessionDTO } from './types';

function report(over: Partial<ReportDTO>): ReportDTO {
  return {
    login: 'student', hello: '', software: '', capsOffered: ['TOP', 'UIDL', 'PIPELINING'], capsUsed: ['USER'],
    commands: { LIST: 3, RETR: 3, QUIT: 1 }, commandCount: 7, roundTrips: 8, clientTurns: 7, maxCommandsPerTurn: 1,
    retrieved: 3, totalUs: 2_500_000, serverUs: 1000, clientUs: 2000, linkUs: 2_497_000, latencyUs: 2_000_000,
    serialisationUs: 497_000, tls: '', idleCount: 0, idleUs: 0, previousSession: 0, pollIntervalUs: 0,
    patterns: [{ name: 'list-before-retr', count: 3, savingRoundTrips: 2, detail: '' }], savingRoundTrips: 2,
    ...over,
  };
}

function session(id: number, r: ReportDTO | null): SessionDTO {
  return {
    id, protocol: 'pop3', client: '127.0.0.1:4000' + id, server: '', startUs: 0, open: false, endUs: 0,
    payloadUp: 100, payloadDown: 2000, wireUp: 140, wireDown: 2100, clientTurns: r?.roundTrips ?? 0, serverTurns: 0, report: r,
  };
}

describe('session reports', () => {
  it('lists commands by count, then name', () => {
    expect(commandsText({ QUIT: 1, RETR: 3, LIST: 3 })).toBe('LIST ×3, RETR ×3, QUIT ×1');
    expect(commandsText(null)).toBe('–');
  });

  it('shows the round trips, the saving and the patterns', () => {
    const rows = new Map(reportRows(session(1, report({}))).map((r) => [r.label, r.value]));
    expect(rows.get('Round trips')).toBe('8');
    expect(rows.get('Could save')).toBe('2 round trips');
    expect(rows.get('Patterns')).toBe('list-before-retr ×3 (save 2)');
    expect(rows.get('Time')).toBe('2.5 s');
    expect(rows.get('Protocol')).toBe('POP3');
  });

  it('has only the basics without a report', () => {
    expect(reportRows(session(1, null)).map((r) => r.label)).toEqual(['Protocol', 'Client']);
  });

  it('compares two sessions row by row and marks what differs', () => {
    const rows = compareRows(session(1, report({})), session(2, report({ roundTrips: 4, patterns: [], savingRoundTrips: 0 })));
    const byLabel = new Map(rows.map((r) => [r.label, r]));
    expect(byLabel.get('Round trips')).toEqual({ label: 'Round trips', a: '8', b: '4', differ: true });
    expect(byLabel.get('Login')?.differ).toBe(false);
    expect(byLabel.get('Patterns')?.b).toBe('none');
    expect(rows.length).toBe(reportRows(session(1, report({}))).length);
  });

  it('keeps at most two picks, dropping the oldest', () => {
    expect(togglePick([], 1)).toEqual([1]);
    expect(togglePick([1, 2], 3)).toEqual([2, 3]);
    expect(togglePick([1, 2], 1)).toEqual([2]);
  });
});
