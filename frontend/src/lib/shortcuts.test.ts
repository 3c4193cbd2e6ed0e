import { describe, expect, it } from 'vitest';
import { commandFor, shortcutHelp } from './shortcuts';

describe('commandFor', () => {
  it('maps the documented keys', () => {
    expect(commandFor({ key: '?' })).toBe('help');
    expect(commandFor({ key: '/' })).toBe('focus-filter');
    expect(commandFor({ key: 'j' })).toBe('next');
    expect(commandFor({ key: 'ArrowDown' })).toBe('next');
    expect(commandFor({ key: 'k' })).toBe('previous');
    expect(commandFor({ key: 'ArrowUp' })).toBe('previous');
    expect(commandFor({ key: 'Enter' })).toBe('expand');
    expect(commandFor({ key: 'f' })).toBe('follow-tail');
    expect(commandFor({ key: 'r' })).toBe('reveal');
    expect(commandFor({ key: 't' })).toBe('theme');
    expect(commandFor({ key: 'p' })).toBe('presentation');
    expect(commandFor({ key: ' ' })).toBe('replay-toggle');
    expect(commandFor({ key: '.' })).toBe('replay-step');
    expect(commandFor({ key: 'c' })).toBe('mode');
    expect(commandFor({ key: 'l' })).toBe('lessons');
    expect(commandFor({ key: 'l', inField: true })).toBeNull();
    expect(commandFor({ key: 'Escape' })).toBe('escape');
  });
  it('ignores other keys and modified keys', () => {
    expect(commandFor({ key: 'x' })).toBeNull();
    expect(commandFor({ key: 'F' })).toBeNull();
    expect(commandFor({ key: 'f', ctrlKey: true })).toBeNull();
    expect(commandFor({ key: 'r', metaKey: true })).toBeNull();
    expect(commandFor({ key: 'p', altKey: true })).toBeNull();
    expect(commandFor({ key: 'c', ctrlKey: true })).toBeNull();
  });
  it('lets fields keep their keys except Escape', () => {
    expect(commandFor({ key: 'j', inField: true })).toBeNull();
    expect(commandFor({ key: '/', inField: true })).toBeNull();
    expect(commandFor({ key: ' ', inField: true })).toBeNull();
    expect(commandFor({ key: 'c', inField: true })).toBeNull();
    expect(commandFor({ key: 'Escape', inField: true })).toBe('escape');
  });
  it('documents every binding in the help list, from the same table', () => {
    expect(shortcutHelp.length).toBe(14);
    expect(shortcutHelp.flatMap((h) => h.keys)).toEqual(['?', '/', 'j', '↓', 'k', '↑', 'Enter', 'f', 'r', 't', 'p', 'Space', '.', 'c', 'l', 'Esc']);
    expect(shortcutHelp.find((h) => h.keys.includes('Space'))?.what).toBe('Replay (in Compare mode, the race): play or pause');
    expect(new Set(shortcutHelp.map((h) => h.what)).size).toBe(shortcutHelp.length);
  });
});
