// The Compare mode's store: the scenarios and link presets, the choices
// (scenario, links, race link, switches) and the comparison's runs. It
// lives outside the components so leaving Compare mode and coming back
// keeps the results. The backend is injected so it can be tested without
// one.

import { get, writable, type Readable } from 'svelte/store';
import { link as linkApi, scenarios as scenariosApi } from '../backend';
import type { CompareDTO, CompareRequestDTO, PresetDTO, RunDTO, ScenarioDTO, SwitchesDTO } from '../types';
import { errorText } from './link';

export interface RaceApi {
  list(): Promise<ScenarioDTO[]>;
  presets(): Promise<PresetDTO[]>;
  compare(req: CompareRequestDTO): Promise<CompareDTO>;
}

export interface RaceState {
  scenarios: ScenarioDTO[];
  presets: PresetDTO[];
  loaded: boolean;
  scenarioId: string | null;
  /** Links for the results table and charts. */
  links: string[];
  /** The link the lanes race on. */
  raceLink: string | null;
  switches: SwitchesDTO;
  /** The runs shown, link by link, POP3 then IMAP; what they were run with. */
  runs: RunDTO[];
  ranFor: { scenarioId: string; switches: SwitchesDTO } | null;
  /** A comparison is running: the links it runs on. */
  running: string[] | null;
  error: string | null;
  /** Bumped by each finished comparison, so the race restarts. */
  generation: number;
}

const noSwitches: SwitchesDTO = { smtpPipelining: false, pop3Pipelining: false, imapHeadersThenBodies: false };

export function initialRace(): RaceState {
  return {
    scenarios: [],
    presets: [],
    loaded: false,
    scenarioId: null,
    links: [],
    raceLink: null,
    switches: { ...noSwitches },
    runs: [],
    ranFor: null,
    running: null,
    error: null,
    generation: 0,
  };
}

/** Runs of one link replace that link's runs; new links append, in the order of `order`. */
export function mergeRuns(old: readonly RunDTO[], fresh: readonly RunDTO[], order: readonly string[]): RunDTO[] {
  const ids = new Set(fresh.map((r) => r.link.id));
  const all = [...old.filter((r) => !ids.has(r.link.id)), ...fresh];
  const rank = (id: string) => {
    const i = order.indexOf(id);
    return i < 0 ? order.length : i;
  };
  return all
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r.link.id) - rank(b.r.link.id) || a.i - b.i)
    .map((x) => x.r);
}

function sameSwitches(a: SwitchesDTO, b: SwitchesDTO): boolean {
  return a.smtpPipelining === b.smtpPipelining && a.pop3Pipelining === b.pop3Pipelining && a.imapHeadersThenBodies === b.imapHeadersThenBodies;
}

export interface RaceStore extends Readable<RaceState> {
  load(): Promise<void>;
  select(id: string): void;
  toggleLink(id: string): void;
  setSwitch(k: keyof SwitchesDTO, on: boolean): void;
  /** Runs the comparison on the chosen links (and the race link). */
  run(): Promise<void>;
  /** Races on another link: reruns that link at once. */
  setRaceLink(id: string): Promise<void>;
}

export function createRaceStore(api: RaceApi): RaceStore {
  const w = writable(initialRace());
  const set = (p: Partial<RaceState>) => w.update((s) => ({ ...s, ...p }));
  let seq = 0;

  async function compare(links: string[], replace: boolean): Promise<void> {
    const s = get(w);
    if (!s.scenarioId || !links.length) return;
    const req: CompareRequestDTO = { id: s.scenarioId, links, switches: { ...s.switches } };
    const my = ++seq;
    set({ running: links, error: null });
    try {
      const res = await api.compare(req);
      if (my !== seq) return;
      w.update((s) => {
        const keep = !replace && s.ranFor && s.ranFor.scenarioId === req.id && sameSwitches(s.ranFor.switches, req.switches);
        const order = [...s.links, ...links.filter((l) => !s.links.includes(l))];
        return {
          ...s,
          runs: keep ? mergeRuns(s.runs, res.runs, order) : mergeRuns([], res.runs, order),
          ranFor: { scenarioId: req.id, switches: req.switches },
          running: null,
          generation: s.generation + 1,
        };
      });
    } catch (e) {
      if (my === seq) set({ running: null, error: errorText(e) });
    }
  }

  return {
    subscribe: w.subscribe,
    async load() {
      if (get(w).loaded) return;
      try {
        const [scenarios, presets] = await Promise.all([api.list(), api.presets()]);
        set({ scenarios, presets, loaded: true });
        const s = get(w);
        const first = scenarios[0];
        if (!s.scenarioId && first) this.select(first.id);
      } catch (e) {
        set({ error: errorText(e), loaded: true });
      }
    },
    select(id) {
      const s = get(w);
      const sc = s.scenarios.find((x) => x.id === id);
      if (!sc) return;
      const known = new Set(s.presets.map((p) => p.id));
      const links = sc.links.filter((l) => known.size === 0 || known.has(l));
      set({ scenarioId: id, links, raceLink: links[0] ?? null, switches: { ...sc.switches }, error: null });
    },
    toggleLink(id) {
      const s = get(w);
      const on = s.links.includes(id);
      if (on && s.links.length === 1) return; // keep one
      const order = s.presets.map((p) => p.id);
      const links = on ? s.links.filter((l) => l !== id) : [...s.links, id].sort((a, b) => order.indexOf(a) - order.indexOf(b));
      const raceLink = s.raceLink && links.includes(s.raceLink) ? s.raceLink : (links[0] ?? null);
      set({ links, raceLink });
    },
    setSwitch(k, on) {
      w.update((s) => ({ ...s, switches: { ...s.switches, [k]: on } }));
    },
    async run() {
      const s = get(w);
      const links = [...s.links];
      if (s.raceLink && !links.includes(s.raceLink)) links.push(s.raceLink);
      await compare(links, true);
    },
    async setRaceLink(id) {
      const s = get(w);
      set({ raceLink: id });
      if (!s.ranFor) return;
      if (!s.links.includes(id)) set({ links: [...s.links, id] });
      await compare([id], false);
    },
  };
}

const defaultApi: RaceApi = {
  list: () => scenariosApi.list(),
  presets: () => linkApi.presets(),
  compare: (req) => scenariosApi.compare(req),
};

export const race = createRaceStore(defaultApi);

/** Which view the window shows: the lab (live trace), Compare (the race) or Lessons (the course, played beside the lab). */
export type Mode = 'lab' | 'compare' | 'lessons';

export const mode = writable<Mode>('lab');
