import { describe, expect, it } from 'vitest';
import { FAULT_EXAMPLES, firedLabel, withScope } from './faults';

describe('withScope', () => {
  it('puts the scope before with=, which takes the rest', () => {
    expect(withScope('reply@pop3,cmd=RETR,with=-ERR a, with=b', 4, 'alice')).toBe('reply@pop3,cmd=RETR,session=4,user=alice,with=-ERR a, with=b');
    expect(withScope(' delay@imap,cmd=FETCH,for=5s ', 0, 'bob')).toBe('delay@imap,cmd=FETCH,for=5s,user=bob');
  });
  it('adds nothing for no scope, and keeps keys already written', () => {
    expect(withScope('reply@smtp,cmd=RCPT,with=451 x', 0, '')).toBe('reply@smtp,cmd=RCPT,with=451 x');
    expect(withScope('reply@smtp,cmd=RCPT,user=bob,with=451 user=x', 2, 'alice')).toBe('reply@smtp,cmd=RCPT,user=bob,session=2,with=451 user=x');
  });
  it('only looks for keys before with=', () => {
    expect(withScope('reply@pop3,cmd=RETR,with=-ERR ,session=9', 3, '')).toBe('reply@pop3,cmd=RETR,session=3,with=-ERR ,session=9');
  });
});

describe('examples and labels', () => {
  it('has one example of each protocol fault kind', () => {
    for (const k of ['reply@', 'delay@', 'disconnect@', 'chaos@']) expect(FAULT_EXAMPLES.some((e) => e.spec.startsWith(k))).toBe(true);
  });
  it('counts firings in words', () => {
    expect([0, 1, 3].map(firedLabel)).toEqual(['not fired yet', 'fired once', 'fired 3 times']);
  });
});
