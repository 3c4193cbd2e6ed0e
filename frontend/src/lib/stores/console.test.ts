import { get } from 'svelte/store';
import { describe, expect, it } from 'vitest';
import type { ConsoleDTO } from '../types';
import { createConsoleStore } from './console';

function store() {
  const conn: ConsoleDTO = { id: 1, service: 'pop3', addr: '127.0.0.1:1110', session: 3, verbs: [] };
  return createConsoleStore(
    { open: async () => conn, send: async () => {}, close: async () => {} },
    { output: () => () => {}, closed: () => () => {} },
  );
}

describe('console store: a line typed for the user (a lesson step)', () => {
  it('picks the service when not connected and hands the line to the panel once', () => {
    const s = store();
    s.prefill('smtp', 'EHLO me');
    expect(get(s)).toMatchObject({ service: 'smtp', draft: 'EHLO me' });
    expect(s.takeDraft()).toBe('EHLO me');
    expect(get(s).draft).toBe('');
    expect(s.takeDraft()).toBe('');
    s.destroy();
  });

  it('drafts the next line after each one sent', async () => {
    const s = store();
    await s.connect();
    s.prefill('smtp', ['EHLO me', 'QUIT']);
    expect(s.takeDraft()).toBe('EHLO me');
    await s.send('EHLO me');
    expect(get(s)).toMatchObject({ draft: 'QUIT', queue: [] });
    expect(s.takeDraft()).toBe('QUIT');
    await s.send('QUIT');
    expect(get(s).draft).toBe('');
    s.destroy();
  });

  it('leaves an open connection on its service', async () => {
    const s = store();
    await s.connect();
    expect(get(s).status).toBe('open');
    s.prefill('imap', 'a1 LOGIN student secret');
    expect(get(s)).toMatchObject({ service: 'pop3', draft: 'a1 LOGIN student secret' });
    s.destroy();
  });
});
