// Session reports for the UI: the rows of one report and of two side by
// side. Pure functions over SessionDTO, tested without a DOM.
import { formatBytes, formatSeconds } from './format';
import type { SessionDTO } from './types';

/** One row of a report: a label and its value, as text. */
export interface ReportRow {
  label: string;
  value: string;
}

/** A row of two reports side by side; differ when the values differ. */
export interface CompareRow {
  label: string;
  a: string;
  b: string;
  differ: boolean;
}

const us = (v: number) => formatSeconds(v / 1e6);

/** "RETR ×3, LIST ×3, QUIT ×1": the most used verbs first, then by name. */
export function commandsText(commands: Record<string, number> | null | undefined): string {
  const e = Object.entries(commands ?? {});
  if (e.length === 0) return '–';
  e.sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  return e.map(([v, n]) => `${v} ×${n}`).join(', ');
}

/** The rows of a session's report, in the order the panel shows them. */
export function reportRows(s: SessionDTO): ReportRow[] {
  const r = s.report;
  const rows: ReportRow[] = [
    { label: 'Protocol', value: s.protocol.toUpperCase() },
    { label: 'Client', value: s.client || '–' },
  ];
  if (!r) return rows;
  const patterns = (r.patterns ?? []).map((p) => `${p.name} ×${p.count} (save ${p.savingRoundTrips})`);
  rows.push(
    { label: 'Login', value: r.login || '–' },
    { label: 'EHLO name', value: r.hello || '–' },
    { label: 'Software', value: r.software || '–' },
    { label: 'Round trips', value: String(r.roundTrips) },
    { label: 'Could save', value: `${r.savingRoundTrips} round trip${r.savingRoundTrips === 1 ? '' : 's'}` },
    { label: 'Commands', value: `${r.commandCount}: ${commandsText(r.commands)}` },
    { label: 'Most per turn', value: String(r.maxCommandsPerTurn) },
    { label: 'Messages retrieved', value: String(r.retrieved) },
    { label: 'Bytes up', value: `${formatBytes(s.payloadUp)} (wire ${formatBytes(s.wireUp)})` },
    { label: 'Bytes down', value: `${formatBytes(s.payloadDown)} (wire ${formatBytes(s.wireDown)})` },
    { label: 'Time', value: us(r.totalUs) },
    { label: 'Server time', value: us(r.serverUs) },
    { label: 'Client time', value: us(r.clientUs) },
    { label: 'Link time', value: `${us(r.linkUs)} (latency ≈${us(r.latencyUs)}, serialisation ≈${us(r.serialisationUs)})` },
    { label: 'TLS', value: r.tls || 'none' },
    { label: 'IDLE', value: r.idleCount > 0 ? `${r.idleCount}× for ${us(r.idleUs)}` : '–' },
    { label: 'Since previous', value: r.previousSession ? `${us(r.pollIntervalUs)} after session ${r.previousSession}` : '–' },
    { label: 'Offered', value: (r.capsOffered ?? []).join(', ') || '–' },
    { label: 'Used', value: (r.capsUsed ?? []).join(', ') || '–' },
    { label: 'Patterns', value: patterns.join('; ') || 'none' },
  );
  return rows;
}

/** Two reports side by side, row by row (by label). */
export function compareRows(a: SessionDTO, b: SessionDTO): CompareRow[] {
  const ra = reportRows(a);
  const rb = new Map(reportRows(b).map((r) => [r.label, r.value]));
  const out: CompareRow[] = ra.map((r) => {
    const bv = rb.get(r.label) ?? '–';
    rb.delete(r.label);
    return { label: r.label, a: r.value, b: bv, differ: r.value !== bv };
  });
  for (const [label, v] of rb) out.push({ label, a: '–', b: v, differ: true });
  return out;
}

/** The pair to compare after toggling id: at most two, the oldest pick dropped. */
export function togglePick(picked: readonly number[], id: number): number[] {
  if (picked.includes(id)) return picked.filter((x) => x !== id);
  return [...picked, id].slice(-2);
}
