import { describe, expect, it } from 'vitest';
import { isPolicy, policyLabel, policyProtocol } from './devices';

describe('devices', () => {
  it('names policies and their protocol', () => {
    expect(policyLabel('pop3-delete')).toBe('POP3 · downloads and deletes');
    expect(policyLabel('mystery')).toBe('mystery');
    expect(isPolicy('imap-offline')).toBe(true);
    expect(policyProtocol('imap-online')).toBe('imap');
    expect(policyProtocol('pop3-keep')).toBe('pop3');
  });
});
