import { afterEach, describe, expect, it, vi } from 'vitest';
import { openExternal } from './backend';

describe('openExternal', () => {
  afterEach(() => vi.unstubAllGlobals());
  const url = 'https://www.rfc-editor.org/rfc/rfc9051#section-6.3.9';

  it('asks Wails to open the system browser inside the app', () => {
    const BrowserOpenURL = vi.fn();
    const open = vi.fn();
    vi.stubGlobal('window', { runtime: { EventsOn: () => () => {}, BrowserOpenURL }, open });
    openExternal(url);
    expect(BrowserOpenURL).toHaveBeenCalledWith(url);
    expect(open).not.toHaveBeenCalled();
  });

  it('opens a new tab in a plain browser', () => {
    const open = vi.fn();
    vi.stubGlobal('window', { open });
    openExternal(url);
    expect(open).toHaveBeenCalledWith(url, '_blank', 'noopener');
  });
});
