// What the devices' policies mean, said once (the actions panel and the
// device views).

export type Policy = 'pop3-delete' | 'pop3-keep' | 'imap-online' | 'imap-offline';

export const POLICIES: readonly Policy[] = ['pop3-delete', 'pop3-keep', 'imap-online', 'imap-offline'];

const LABEL: Record<Policy, string> = {
  'pop3-delete': 'POP3 · downloads and deletes',
  'pop3-keep': 'POP3 · downloads, keeps on server',
  'imap-offline': 'IMAP · keeps offline copies',
  'imap-online': 'IMAP · reads online only',
};

export function isPolicy(p: string): p is Policy {
  return (POLICIES as readonly string[]).includes(p);
}

/** "POP3 · downloads and deletes"; an unknown policy as Go named it. */
export function policyLabel(p: string): string {
  return isPolicy(p) ? LABEL[p] : p;
}

/** The protocol a policy speaks. */
export function policyProtocol(p: string): 'pop3' | 'imap' | 'unknown' {
  return p.startsWith('pop3') ? 'pop3' : p.startsWith('imap') ? 'imap' : 'unknown';
}
