// The shapes Go sends to the UI. They mirror the DTOs in app/dto.go
// (camelCase JSON); nothing from sim/ crosses the bridge directly.

export interface TariffDTO {
  /** Price per started billing increment, scaled to one minute. */
  perMinute: number;
  /** Fixed price of one call. */
  perCall: number;
  /** Billing unit in milliseconds; 0 means per second. */
  incrementMs: number;
  currency: string;
  /** True when the link costs nothing per call or minute. */
  flat: boolean;
}

export interface PresetDTO {
  id: string;
  name: string;
  description: string;
  /** Bandwidth in bit/s; 0 means unlimited. */
  downBps: number;
  upBps: number;
  /** Round-trip propagation time, 2 × one-way latency. */
  rttMs: number;
  jitterMs: number;
  /** Time to dial in before any connection (dial-up, ISDN); 0 if always on. */
  dialTimeMs: number;
  tariff: TariffDTO;
}
