import { describe, expect, it } from 'vitest';
import { complete, History } from './console';

const POP3 = ['USER', 'PASS', 'APOP', 'STAT', 'LIST', 'RETR', 'DELE', 'NOOP', 'RSET', 'QUIT', 'TOP', 'UIDL', 'CAPA', 'AUTH PLAIN', 'STLS'];
const SMTP = ['EHLO', 'HELO', 'MAIL FROM:<', 'RCPT TO:<', 'DATA', 'RSET', 'NOOP', 'QUIT'];
const IMAP = ['a1 CAPABILITY', 'a1 LOGIN', 'a1 SELECT INBOX', 'a1 STATUS', 'a1 STORE', 'a1 LIST "" "*"', 'DONE', 'a1 LOGOUT'];

describe('History', () => {
  it('walks back and forth and restores the draft', () => {
    const h = new History();
    h.push('USER student');
    h.push('PASS secret');
    h.push('STAT');
    expect(h.up('LI')).toBe('STAT');
    expect(h.up('STAT')).toBe('PASS secret');
    expect(h.up('PASS secret')).toBe('USER student');
    expect(h.up('USER student')).toBe('USER student'); // stays at the oldest
    expect(h.down('USER student')).toBe('PASS secret');
    expect(h.down('PASS secret')).toBe('STAT');
    expect(h.down('STAT')).toBe('LI'); // back to what was being typed
    expect(h.down('LI')).toBe('LI');
  });

  it('is a no-op when empty', () => {
    const h = new History();
    expect(h.up('x')).toBe('x');
    expect(h.down('x')).toBe('x');
  });

  it('skips blanks and immediate repeats, and a push ends the walk', () => {
    const h = new History();
    h.push('NOOP');
    h.push('NOOP');
    h.push('   ');
    expect(h.items).toEqual(['NOOP']);
    h.up('');
    h.push('QUIT');
    expect(h.up('')).toBe('QUIT');
  });

  it('keeps only the newest lines (a ring)', () => {
    const h = new History(3);
    for (const l of ['a', 'b', 'c', 'd', 'e']) h.push(l);
    expect(h.items).toEqual(['c', 'd', 'e']);
    expect(h.up('')).toBe('e');
    expect(h.up('')).toBe('d');
    expect(h.up('')).toBe('c');
    expect(h.up('')).toBe('c');
  });

  it('refuses a zero capacity', () => {
    expect(() => new History(0)).toThrow(RangeError);
  });
});

describe('complete', () => {
  it('completes a unique prefix, case-insensitively, with a space', () => {
    expect(complete('us', POP3)).toEqual({ value: 'USER ', matches: ['USER'] });
    expect(complete('sta', POP3).value).toBe('STAT ');
    expect(complete('au', POP3).value).toBe('AUTH PLAIN ');
  });

  it('extends to the common prefix and lists several matches', () => {
    const c = complete('s', POP3);
    expect(c.value).toBe('ST');
    expect(c.matches).toEqual(['STAT', 'STLS']);
    expect(complete('r', POP3).matches).toEqual(['RETR', 'RSET']);
    expect(complete('r', POP3).value).toBe('R');
  });

  it('adds no space after an open argument', () => {
    expect(complete('mail', SMTP).value).toBe('MAIL FROM:<');
    expect(complete('RC', SMTP).value).toBe('RCPT TO:<');
  });

  it('leaves unknown input and blank input alone', () => {
    expect(complete('xyz', POP3)).toEqual({ value: 'xyz', matches: [] });
    expect(complete('', POP3)).toEqual({ value: '', matches: [] });
    expect(complete('USER student', POP3)).toEqual({ value: 'USER student', matches: [] });
  });

  it('completes tagged IMAP verbs from the bare command or the user’s own tag', () => {
    expect(complete('sel', IMAP).value).toBe('a1 SELECT INBOX ');
    expect(complete('a1 sel', IMAP).value).toBe('a1 SELECT INBOX ');
    expect(complete('a7 sel', IMAP).value).toBe('a7 SELECT INBOX ');
    expect(complete('a1 LI', IMAP).value).toBe('a1 LIST "" "*"');
    const st = complete('a2 st', IMAP);
    expect(st.value).toBe('a2 ST');
    expect(st.matches).toEqual(['a2 STATUS', 'a2 STORE']);
    expect(complete('do', IMAP).value).toBe('DONE ');
    expect(complete('log', IMAP).matches).toEqual(['a1 LOGIN', 'a1 LOGOUT']);
  });
});
