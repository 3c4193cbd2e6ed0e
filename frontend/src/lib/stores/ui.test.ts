import { describe, expect, it } from 'vitest';
import { initialUi, persisted, reduceUi, storageKeys } from './ui';

const none = () => null;

describe('ui prefs', () => {
  it('follows the system theme until one is chosen', () => {
    let s = initialUi(none, true);
    expect(s.theme).toBe('dark');
    expect(s.themeChosen).toBe(false);
    s = reduceUi(s, { type: 'system-theme', dark: false });
    expect(s.theme).toBe('light');
    s = reduceUi(s, { type: 'toggle-theme' });
    expect(s.theme).toBe('dark');
    expect(s.themeChosen).toBe(true);
    s = reduceUi(s, { type: 'system-theme', dark: false });
    expect(s.theme).toBe('dark');
  });
  it('restores stored choices', () => {
    const stored: Record<string, string> = {
      [storageKeys.theme]: 'light',
      [storageKeys.presentation]: 'on',
      [storageKeys.timeMode]: 'wall',
    };
    const s = initialUi((k) => stored[k] ?? null, true);
    expect(s).toMatchObject({ theme: 'light', themeChosen: true, presentation: true, timeMode: 'wall', help: false });
  });
  it('ignores junk in storage', () => {
    const s = initialUi(() => 'purple', false);
    expect(s).toMatchObject({ theme: 'light', themeChosen: false, presentation: false, timeMode: 'virtual' });
  });
  it('toggles and persists', () => {
    let s = initialUi(none, false);
    s = reduceUi(s, { type: 'toggle-presentation' });
    s = reduceUi(s, { type: 'toggle-time-mode' });
    s = reduceUi(s, { type: 'help', open: true });
    expect(s).toMatchObject({ presentation: true, timeMode: 'wall', help: true });
    expect(persisted(s)).toEqual([
      [storageKeys.theme, null],
      [storageKeys.presentation, 'on'],
      [storageKeys.timeMode, 'wall'],
    ]);
  });
});
