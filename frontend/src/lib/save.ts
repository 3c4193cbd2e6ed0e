// Saving a file the backend or the page made. Inside the desktop window Go
// opens a native save dialog; where there is none (a plain browser, a
// window without dialogs, the e2e tests under webdriver) the page saves it
// as a download instead.

import { errorText } from './stores/link';

/** The dialog is unavailable (no window, or a browser with no dialogs): use a download instead. */
export function noDialog(e: unknown): boolean {
  return /no window|dialog|not implemented|not supported/i.test(errorText(e));
}

/**
 * Saves through `dialog` (it resolves to the path, "" if cancelled), or
 * through `viaDownload` under webdriver or when there is no dialog. Both
 * resolve to the message to show; other errors are thrown.
 */
export async function saveFile(dialog: () => Promise<string>, viaDownload: () => Promise<string>): Promise<string> {
  if (typeof navigator !== 'undefined' && navigator.webdriver) return viaDownload();
  let path: string;
  try {
    path = await dialog();
  } catch (e) {
    if (!noDialog(e)) throw e;
    return viaDownload();
  }
  return path === '' ? 'Export cancelled' : `Saved to ${path}`;
}

/** Base64 (as ExportDTO carries it) → bytes. */
export function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** Hands bytes to the browser as a download named `name`. */
export function download(name: string, bytes: Uint8Array<ArrayBuffer>, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
