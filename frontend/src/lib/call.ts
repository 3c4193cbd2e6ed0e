// The dial-up call meter, ticked in the page (app/dto.go CallDTO): Go
// sends the call's state when it dials, connects, goes idle or busy and
// hangs up, not while it ticks; between those the page works the figures
// out from the live clock. Pure: the wall clock is an argument.

import type { CallDTO, LinkStateDTO, TariffDTO } from './types';

/**
 * The live clock's virtual now, µs: the state's nowUs plus the wall time
 * since it was received, at the live speed (nothing passes while paused).
 */
export function liveNowUs(s: LinkStateDTO, receivedAtMs: number, wallNowMs: number): number {
  if (s.paused || !(s.speed > 0)) return s.nowUs;
  return s.nowUs + Math.max(0, wallNowMs - receivedAtMs) * 1000 * s.speed;
}

/** What one call online for `seconds` costs (link.Tariff.Cost). */
export function callCost(t: TariffDTO, seconds: number): number {
  if (t.perMinute === 0 && t.perCall === 0) return 0;
  let d = Math.max(0, seconds);
  const inc = t.incrementMs / 1000;
  if (inc > 0 && d > 0) d = Math.ceil(d / inc - 1e-9) * inc;
  return Math.round((t.perCall + (t.perMinute * d) / 60) * 1e6) / 1e6;
}

export type CallPhase = 'none' | 'dialling' | 'online' | 'ended';

export interface CallReading {
  phase: CallPhase;
  /** The current call's time online, s (0 while dialling or with none up). */
  onlineSeconds: number;
  /** The current call's cost so far. */
  cost: number;
  /** Every call's cost so far, this one's included. */
  totalCost: number;
  totalOnlineSeconds: number;
  /** Dialling: seconds since the dial started. */
  diallingSeconds: number;
  /** Idle on an open line: seconds until it hangs up by itself, else null. */
  hangupInSeconds: number | null;
}

/** The meter at virtual time nowUs. */
export function readCall(c: CallDTO, nowUs: number): CallReading {
  const base: CallReading = {
    phase: c.up ? (c.dialling ? 'dialling' : 'online') : c.calls > 0 ? 'ended' : 'none',
    onlineSeconds: 0,
    cost: 0,
    totalCost: c.totalCost,
    totalOnlineSeconds: c.totalOnlineSeconds,
    diallingSeconds: 0,
    hangupInSeconds: null,
  };
  if (!c.up) return base;
  if (c.dialling) return { ...base, diallingSeconds: Math.max(0, (nowUs - c.dialStartUs) / 1e6) };
  const since = Math.max(0, (nowUs - c.atUs) / 1e6);
  const online = c.onlineSeconds + since;
  const cost = callCost(c.tariff, online);
  return {
    ...base,
    onlineSeconds: online,
    cost,
    totalCost: c.totalCost - c.cost + cost,
    totalOnlineSeconds: c.totalOnlineSeconds + since,
    hangupInSeconds: c.openConnections === 0 && c.hangupAtUs > 0 ? Math.max(0, (c.hangupAtUs - nowUs) / 1e6) : null,
  };
}

/** Why the last call ended, for people. */
export function endedText(ended: string): string {
  switch (ended) {
    case 'hangup':
      return 'hung up';
    case 'idle':
      return 'hung up when idle';
    case 'offline':
      return 'dropped: the link went offline';
    case 'profile':
      return 'ended: another link was chosen';
    default:
      return ended;
  }
}

/** The idle hang-up choices, seconds (0 = never). */
export const IDLE_HANGUPS: readonly { value: number; label: string }[] = [
  { value: 30, label: '30 s' },
  { value: 60, label: '1 min' },
  { value: 120, label: '2 min' },
  { value: 300, label: '5 min' },
  { value: 600, label: '10 min' },
  { value: 0, label: 'never' },
];
