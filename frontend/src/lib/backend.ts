// The one module that knows how the UI talks to Go. Wails injects the bound
// services as window.go.<package>.<Service>.<Method> (each returns a Promise)
// and its runtime as window.runtime. Everything else imports typed functions
// from here and never touches window.go or window.runtime itself.

import type { EventName, EventPayloads } from './events';
import type { PresetDTO } from './types';

interface LinkServiceBinding {
  Presets(): Promise<PresetDTO[]>;
  Current(): Promise<PresetDTO>;
  Select(id: string): Promise<PresetDTO>;
}

interface WailsRuntime {
  /** Returns a function that removes the listener. */
  EventsOn(name: string, callback: (...data: unknown[]) => void): () => void;
}

declare global {
  interface Window {
    go?: { app?: { LinkService?: LinkServiceBinding } };
    runtime?: WailsRuntime;
  }
}

/** Thrown when the page runs outside the Mailscope window (e.g. `vite dev`). */
export class BackendUnavailableError extends Error {
  constructor(what: string) {
    super(`${what} is not available: open this page inside the Mailscope app`);
    this.name = 'BackendUnavailableError';
  }
}

function linkService(): LinkServiceBinding {
  const svc = window.go?.app?.LinkService;
  if (!svc) throw new BackendUnavailableError('LinkService');
  return svc;
}

/** True when the Wails bindings are present. */
export function hasBackend(): boolean {
  return window.go?.app?.LinkService !== undefined && window.runtime !== undefined;
}

/** The built-in link profiles, slowest first. */
export function presets(): Promise<PresetDTO[]> {
  return linkService().Presets();
}

/** The link profile in use. */
export function currentLink(): Promise<PresetDTO> {
  return linkService().Current();
}

/** Switches the link to the preset with this id; Go also emits link:changed. */
export function selectLink(id: string): Promise<PresetDTO> {
  return linkService().Select(id);
}

/**
 * Subscribes to a Go event with its typed payload. Returns the unsubscribe
 * function. Outside the app it does nothing (there are no events to get).
 */
export function on<E extends EventName>(
  name: E,
  callback: (payload: EventPayloads[E]) => void,
): () => void {
  const rt = window.runtime;
  if (!rt) return () => {};
  return rt.EventsOn(name, (payload) => callback(payload as EventPayloads[E]));
}
