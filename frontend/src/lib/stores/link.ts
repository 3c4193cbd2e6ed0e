// The link panel's store: the presets, the current link state, and the
// commands that change it. Go sends the whole LinkStateDTO on every change
// (link:changed), and every command answers with it too, so the reducer is
// "latest state wins". The backend is injected so tests run without one.

import { writable, type Readable, type Writable } from 'svelte/store';
import { link as linkApi, on } from '../backend';
import { Events } from '../events';
import type { CustomLinkDTO, LinkStateDTO, PresetDTO } from '../types';

export interface LinkView {
  presets: PresetDTO[];
  state: LinkStateDTO | null;
  /** Wall-clock ms when state arrived: the call meter ticks from it (lib/call.ts liveNowUs). */
  receivedAt: number;
  loading: boolean;
  /** A command is in flight. */
  pending: boolean;
  error: string | null;
}

export interface LinkApi {
  presets(): Promise<PresetDTO[]>;
  state(): Promise<LinkStateDTO>;
  select(id: string): Promise<LinkStateDTO>;
  setCustom(c: CustomLinkDTO): Promise<LinkStateDTO>;
  setOffline(off: boolean): Promise<LinkStateDTO>;
  setSpeed(speed: number): Promise<LinkStateDTO>;
  hangup(): Promise<LinkStateDTO>;
  setIdleHangup(seconds: number): Promise<LinkStateDTO>;
}

export interface LinkStore extends Readable<LinkView> {
  load(): Promise<void>;
  select(id: string): Promise<void>;
  setCustom(c: CustomLinkDTO): Promise<void>;
  setOffline(off: boolean): Promise<void>;
  setSpeed(speed: number): Promise<void>;
  hangup(): Promise<void>;
  setIdleHangup(seconds: number): Promise<void>;
  /** Stops listening for link:changed. */
  destroy(): void;
}

export function errorText(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  // Go errors arrive prefixed by their package ("app: …"); people need the rest.
  return s.replace(/^app: /, '');
}

/**
 * Runs a backend call that returns the new state (link.select, lab.seed…):
 * pending while it runs, then the state or the error.
 */
export async function runCommand<S>(
  view: Writable<{ state: S | null; pending: boolean; error: string | null }>,
  run: () => Promise<S>,
): Promise<void> {
  view.update((v) => ({ ...v, pending: true, error: null }));
  try {
    const state = await run();
    view.update((v) => ({ ...v, state, pending: false }));
  } catch (e) {
    view.update((v) => ({ ...v, pending: false, error: errorText(e) }));
  }
}

/** The live-speed choices: 0 pauses the live clock. */
export const SPEEDS: readonly { value: number; label: string }[] = [
  { value: 0, label: 'Pause' },
  { value: 1, label: '1×' },
  { value: 2, label: '2×' },
  { value: 10, label: '10×' },
  { value: 100, label: '100×' },
];

// The bandwidth slider is logarithmic: 9.6 kbit/s (a V.32 modem) to 1 Gbit/s.
export const BPS_MIN = 9_600;
export const BPS_MAX = 1_000_000_000;
/** Slider positions 0…SLIDER_STEPS. */
export const SLIDER_STEPS = 1000;

/** A slider position (0…SLIDER_STEPS) → bit/s, rounded to three significant digits. */
export function bpsFromSlider(pos: number): number {
  const t = Math.min(1, Math.max(0, pos / SLIDER_STEPS));
  const raw = BPS_MIN * Math.pow(BPS_MAX / BPS_MIN, t);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)) - 2);
  return Math.min(BPS_MAX, Math.max(BPS_MIN, Math.round(raw / mag) * mag));
}

/** bit/s → the nearest slider position; 0 (unlimited) sits at the top. */
export function sliderFromBps(bps: number): number {
  if (!(bps > 0)) return SLIDER_STEPS;
  const b = Math.min(BPS_MAX, Math.max(BPS_MIN, bps));
  return Math.round((SLIDER_STEPS * Math.log(b / BPS_MIN)) / Math.log(BPS_MAX / BPS_MIN));
}

/**
 * The id of the preset in use, "custom" for custom figures. The lab starts
 * on an unnamed zero profile (unlimited, no delay): that is the loopback
 * preset in all but name, so it is shown as such.
 */
export function currentPresetId(s: LinkStateDTO | null | undefined): string | null {
  if (!s) return null;
  if (s.custom) return 'custom';
  return s.profile.id || 'loopback';
}

/** The custom sliders' starting figures: the current profile's, clamped to the sliders' ranges. */
export function customFrom(p: PresetDTO | undefined | null): CustomLinkDTO {
  if (!p) return { downBps: 8_000_000, upBps: 1_000_000, rttMs: 30, jitterMs: 0 };
  const bps = (b: number) => (b > 0 ? Math.min(BPS_MAX, Math.max(BPS_MIN, b)) : BPS_MAX);
  return {
    downBps: bps(p.downBps),
    upBps: bps(p.upBps),
    rttMs: Math.min(2000, Math.max(0, Math.round(p.rttMs))),
    jitterMs: Math.min(500, Math.max(0, Math.round(p.jitterMs))),
  };
}

export function createLinkStore(
  api: LinkApi = linkApi,
  subscribeChanged: (cb: (s: LinkStateDTO) => void) => () => void = (cb) => on(Events.LinkChanged, cb),
): LinkStore {
  const view = writable<LinkView>({ presets: [], state: null, receivedAt: 0, loading: true, pending: false, error: null });
  const apply = (state: LinkStateDTO) => view.update((v) => ({ ...v, state, receivedAt: Date.now() }));
  // Subscribe before loading so a change in between is not missed.
  const off = subscribeChanged(apply);

  const command = async (run: () => Promise<LinkStateDTO>) => {
    await runCommand(view, run);
    view.update((v) => ({ ...v, receivedAt: Date.now() }));
  };

  return {
    subscribe: view.subscribe,
    async load() {
      view.update((v) => ({ ...v, loading: true, error: null }));
      try {
        const [presets, state] = await Promise.all([api.presets(), api.state()]);
        view.update((v) =>
          v.state && v.state.nowUs > state.nowUs
            ? { ...v, presets, loading: false }
            : { ...v, presets, state, receivedAt: Date.now(), loading: false },
        );
      } catch (e) {
        view.update((v) => ({ ...v, loading: false, error: errorText(e) }));
      }
    },
    select: (id) => command(() => api.select(id)),
    setCustom: (c) => command(() => api.setCustom(c)),
    setOffline: (o) => command(() => api.setOffline(o)),
    setSpeed: (s) => command(() => api.setSpeed(s)),
    hangup: () => command(() => api.hangup()),
    setIdleHangup: (sec) => command(() => api.setIdleHangup(sec)),
    destroy: off,
  };
}

let shared: LinkStore | null = null;

/** The app's one link store, loaded on first use. Outside Mailscope it ends in an error state. */
export function linkStore(): LinkStore {
  if (!shared) {
    shared = createLinkStore();
    void shared.load();
  }
  return shared;
}
