import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromBase64, noDialog, saveFile } from './save';

describe('saveFile', () => {
  afterEach(() => vi.unstubAllGlobals());

  const downloaded = async () => 'Downloaded x.csv';

  it('uses the dialog and says where it saved, or that it was cancelled', async () => {
    vi.stubGlobal('navigator', { webdriver: false });
    expect(await saveFile(async () => '/tmp/x.csv', downloaded)).toBe('Saved to /tmp/x.csv');
    expect(await saveFile(async () => '', downloaded)).toBe('Export cancelled');
  });

  it('falls back to a download when there is no dialog, and only then', async () => {
    vi.stubGlobal('navigator', { webdriver: false });
    expect(await saveFile(() => Promise.reject(new Error('app: no window to open a dialog in')), downloaded)).toBe('Downloaded x.csv');
    await expect(saveFile(() => Promise.reject(new Error('app: disk full')), downloaded)).rejects.toThrow('disk full');
  });

  it('downloads under webdriver without asking', async () => {
    vi.stubGlobal('navigator', { webdriver: true });
    const dialog = vi.fn(async () => '/tmp/x.csv');
    expect(await saveFile(dialog, downloaded)).toBe('Downloaded x.csv');
    expect(dialog).not.toHaveBeenCalled();
  });
});

describe('save helpers', () => {
  it('tells a missing dialog from other errors', () => {
    expect(noDialog(new Error('app: dialogs not supported'))).toBe(true);
    expect(noDialog('not implemented')).toBe(true);
    expect(noDialog(new Error('app: permission denied'))).toBe(false);
  });

  it('decodes base64 to bytes', () => {
    expect([...fromBase64(btoa('PNG\x00\xff'))]).toEqual([80, 78, 71, 0, 255]);
  });
});
