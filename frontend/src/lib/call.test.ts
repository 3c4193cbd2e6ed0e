import { describe, expect, it } from 'vitest';
import { callCost, liveNowUs, readCall } from './call';
import type { CallDTO, LinkStateDTO, TariffDTO } from './types';

const modem: TariffDTO = { perMinute: 0.04, perCall: 0.1, incrementMs: 60_000, currency: 'EUR', flat: false };

function call(o: Partial<CallDTO> = {}): CallDTO {
  return {
    enabled: true,
    metered: true,
    up: true,
    dialling: false,
    dialStartUs: 0,
    startedUs: 20e6,
    atUs: 20e6,
    onlineSeconds: 0,
    cost: 0.14,
    calls: 1,
    dialSeconds: 20,
    totalOnlineSeconds: 0,
    totalCost: 0.14,
    currency: 'EUR',
    tariff: modem,
    openConnections: 1,
    idleHangupSeconds: 120,
    hangupAtUs: 0,
    ended: '',
    ...o,
  };
}

describe('callCost', () => {
  it('charges the call and every started increment (link.Tariff.Cost)', () => {
    expect(callCost(modem, 0)).toBe(0.1);
    expect(callCost(modem, 1)).toBe(0.14);
    expect(callCost(modem, 60)).toBe(0.14);
    expect(callCost(modem, 60.5)).toBe(0.18);
    expect(callCost({ ...modem, incrementMs: 0 }, 90)).toBe(0.16);
    expect(callCost({ ...modem, perMinute: 0, perCall: 0 }, 600)).toBe(0);
  });
});

describe('readCall', () => {
  it('ticks time online and cost from the last reading', () => {
    const r = readCall(call({ onlineSeconds: 30, atUs: 50e6 }), 50e6 + 45e6);
    expect(r.phase).toBe('online');
    expect(r.onlineSeconds).toBe(75);
    expect(r.cost).toBe(0.18);
    expect(r.totalCost).toBeCloseTo(0.18);
  });

  it('adds earlier calls to the total', () => {
    const r = readCall(call({ calls: 2, totalCost: 0.32, cost: 0.14, totalOnlineSeconds: 100, onlineSeconds: 10, atUs: 0 }), 61e6);
    expect(r.cost).toBe(0.18);
    expect(r.totalCost).toBeCloseTo(0.36);
    expect(r.totalOnlineSeconds).toBe(161);
  });

  it('dialling counts the dial, idle counts down to the hang-up, ended keeps the totals', () => {
    expect(readCall(call({ dialling: true, dialStartUs: 5e6 }), 12e6)).toMatchObject({ phase: 'dialling', diallingSeconds: 7, onlineSeconds: 0 });
    expect(readCall(call({ openConnections: 0, hangupAtUs: 200e6 }), 80e6).hangupInSeconds).toBe(120);
    expect(readCall(call({ up: false, totalCost: 0.5 }), 99e6)).toMatchObject({ phase: 'ended', totalCost: 0.5, onlineSeconds: 0 });
    expect(readCall(call({ up: false, calls: 0 }), 0).phase).toBe('none');
  });
});

describe('liveNowUs', () => {
  it('advances at the live speed, not while paused', () => {
    const s = { nowUs: 1e6, speed: 10, paused: false } as LinkStateDTO;
    expect(liveNowUs(s, 1000, 1500)).toBe(1e6 + 500 * 1000 * 10);
    expect(liveNowUs({ ...s, paused: true }, 1000, 9000)).toBe(1e6);
  });
});
