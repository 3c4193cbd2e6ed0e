// The Faults panel's pure parts: the examples to pick from and how a scope
// chosen with the panel's controls goes into a spec. The spec language is
// Go's (sim/link/faultspec.go); Go parses and refuses, this never does.

/** Specs to pick from, each with what it does. */
export const FAULT_EXAMPLES: { spec: string; what: string }[] = [
  { spec: 'reply@pop3,cmd=RETR,nth=3,with=-ERR [SYS/TEMP] try later', what: 'the 3rd RETR of a session gets -ERR instead of the message' },
  { spec: 'reply@pop3,cmd=DELE,with=-ERR [IN-USE] not now', what: 'DELE is refused: nothing is deleted' },
  { spec: 'reply@imap,cmd=SELECT,with=NO [UNAVAILABLE] busy', what: 'SELECT answers NO, with the command’s tag' },
  { spec: 'reply@smtp,cmd=RCPT,with=451 4.3.0 try again later', what: 'every recipient is deferred: nothing is delivered' },
  { spec: 'reply@smtp,cmd=greeting,with=421 4.3.2 shutting down', what: 'the server greets with 421 and closes' },
  { spec: 'delay@imap,cmd=FETCH,for=5s', what: 'each FETCH is held 5 s on the link’s clock, then runs' },
  { spec: 'disconnect@imap,during=IDLE,after=30s', what: '30 s into IDLE the server says BYE and closes' },
  { spec: 'chaos@smtp,p=0.2,seed=7,with=451 4.7.1 greylisted', what: 'one command in five fails, the same ones on every run' },
  { spec: 'reset@pop3,after=3000', what: 'the next POP3 connection is reset after 3,000 bytes' },
];

/**
 * Adds the panel's scope to a spec: `,session=N` and `,user=NAME` go
 * before `,with=` (which takes the rest of the spec). A key the spec
 * already has is left as written; 0 and '' add nothing.
 */
export function withScope(spec: string, session: number, user: string): string {
  spec = spec.trim();
  let keys = '';
  if (session > 0 && !/,session=/.test(beforeWith(spec))) keys += `,session=${session}`;
  if (user !== '' && !/,user=/.test(beforeWith(spec))) keys += `,user=${user}`;
  if (keys === '') return spec;
  const i = spec.indexOf(',with=');
  return i < 0 ? spec + keys : spec.slice(0, i) + keys + spec.slice(i);
}

function beforeWith(spec: string): string {
  const i = spec.indexOf(',with=');
  return i < 0 ? spec : spec.slice(0, i);
}

/** "fired 3 times", "fired once", "not fired yet". */
export function firedLabel(n: number): string {
  if (n === 0) return 'not fired yet';
  if (n === 1) return 'fired once';
  return `fired ${n} times`;
}
