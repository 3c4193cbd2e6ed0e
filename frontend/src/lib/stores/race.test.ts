import { get } from 'svelte/store';
import { describe, expect, it } from 'vitest';
import type { CompareDTO, CompareRequestDTO, PresetDTO, RunDTO, ScenarioDTO } from '../types';
import { createRaceStore, mergeRuns } from './race';

const sw = { smtpPipelining: false, pop3Pipelining: false, imapHeadersThenBodies: false };
const scenario: ScenarioDTO = {
  id: 'two-devices',
  title: 'Two devices',
  claim: 'c',
  teaches: 't',
  links: ['adsl-8m', 'dialup-56k'],
  devices: ['Home PC', 'Laptop'],
  steps: 3,
  origin: 'built-in',
  switches: sw,
};
const preset = (id: string) => ({ id, name: id.toUpperCase() }) as PresetDTO;
const fakeRun = (link: string, protocol: 'pop3' | 'imap') => ({ link: { id: link }, protocol }) as RunDTO;

function fakeApi() {
  const calls: CompareRequestDTO[] = [];
  return {
    calls,
    api: {
      list: async () => [scenario],
      presets: async () => ['dialup-56k', 'adsl-8m', 'fibre-1g'].map(preset),
      compare: async (req: CompareRequestDTO): Promise<CompareDTO> => {
        calls.push(req);
        return { scenario, wallMs: 1, runs: req.links.flatMap((l) => [fakeRun(l, 'pop3'), fakeRun(l, 'imap')]) };
      },
    },
  };
}

describe('race store', () => {
  it('merges runs link by link', () => {
    const old = [fakeRun('a', 'pop3'), fakeRun('a', 'imap'), fakeRun('b', 'pop3'), fakeRun('b', 'imap')];
    const fresh = [fakeRun('b', 'pop3'), fakeRun('b', 'imap'), fakeRun('c', 'pop3'), fakeRun('c', 'imap')];
    const m = mergeRuns(old, fresh, ['c', 'a', 'b']);
    expect(m.map((r) => `${r.link.id}-${r.protocol}`)).toEqual(['c-pop3', 'c-imap', 'a-pop3', 'a-imap', 'b-pop3', 'b-imap']);
    expect(m[4]).toBe(fresh[0]);
  });

  it('loads, runs, and reruns only the new race link', async () => {
    const { api, calls } = fakeApi();
    const s = createRaceStore(api);
    await s.load();
    expect(get(s)).toMatchObject({ scenarioId: 'two-devices', links: ['adsl-8m', 'dialup-56k'], raceLink: 'adsl-8m' });
    s.toggleLink('dialup-56k');
    expect(get(s).links).toEqual(['adsl-8m']);
    s.toggleLink('adsl-8m'); // the last one stays
    expect(get(s).links).toEqual(['adsl-8m']);
    await s.run();
    expect(calls.at(-1)?.links).toEqual(['adsl-8m']);
    expect(get(s).runs).toHaveLength(2);
    const gen = get(s).generation;
    await s.setRaceLink('dialup-56k');
    expect(calls.at(-1)?.links).toEqual(['dialup-56k']);
    const st = get(s);
    expect(st.raceLink).toBe('dialup-56k');
    expect(st.links).toEqual(['adsl-8m', 'dialup-56k']);
    expect(st.runs.map((r) => r.link.id)).toEqual(['adsl-8m', 'adsl-8m', 'dialup-56k', 'dialup-56k']);
    expect(st.generation).toBe(gen + 1);
    expect(st.running).toBeNull();
  });

  it('says which links it is running on until the runs arrive', async () => {
    const { api } = fakeApi();
    let during: string[] | null = null;
    const s = createRaceStore({
      ...api,
      compare: async (req) => {
        during = get(s).running;
        return api.compare(req);
      },
    });
    await s.load();
    await s.run();
    expect(during).toEqual(['adsl-8m', 'dialup-56k']);
    expect(get(s).running).toBeNull();
  });

  it('reports a failed comparison', async () => {
    const { api } = fakeApi();
    const s = createRaceStore({ ...api, compare: async () => Promise.reject(new Error('app: no scenario "x"')) });
    await s.load();
    await s.run();
    expect(get(s)).toMatchObject({ running: null, error: 'no scenario "x"' });
  });
});
