// The shapes Go sends to the UI. They mirror the DTOs in app/dto.go
// (camelCase JSON); nothing from sim/ crosses the bridge directly.

export interface TariffDTO {
  /** Price per started billing increment, scaled to one minute. */
  perMinute: number;
  /** Fixed price of one call. */
  perCall: number;
  /** Billing unit in milliseconds; 0 means per second. */
  incrementMs: number;
  currency: string;
  /** True when the link costs nothing per call or minute. */
  flat: boolean;
}

export interface PresetDTO {
  id: string;
  name: string;
  description: string;
  /** Bandwidth in bit/s; 0 means unlimited. */
  downBps: number;
  upBps: number;
  /** Round-trip propagation time, 2 × one-way latency. */
  rttMs: number;
  jitterMs: number;
  /** Time to dial in before any connection (dial-up, ISDN); 0 if always on. */
  dialTimeMs: number;
  tariff: TariffDTO;
}

/** The link panel's state (payload of link:changed). */
export interface LinkStateDTO {
  profile: PresetDTO;
  custom: boolean;
  offline: boolean;
  /** Live clock speed factor; 0 while paused. */
  speed: number;
  paused: boolean;
  /** The live clock's virtual now, µs. */
  nowUs: number;
  /** The dial-up call meter (lib/call.ts ticks it). */
  call: CallDTO;
}

/**
 * The dial-up call (app/dto.go CallDTO). Sent when the call dials,
 * connects, goes idle or busy and ends, not while it ticks: times are
 * virtual µs since the lab started, like nowUs.
 */
export interface CallDTO {
  /** The lab dials on demand; metered: the current profile dials. */
  enabled: boolean;
  metered: boolean;
  /** Up from the start of dialling until the call ends; dialling until it connects (startedUs). */
  up: boolean;
  dialling: boolean;
  dialStartUs: number;
  startedUs: number;
  /** The moment of this reading; onlineSeconds and cost are the current call's then. */
  atUs: number;
  onlineSeconds: number;
  cost: number;
  /** Calls made so far (this one included) and their totals. */
  calls: number;
  dialSeconds: number;
  totalOnlineSeconds: number;
  totalCost: number;
  currency: string;
  tariff: TariffDTO;
  /** Connections open on the call; with none, hangupAtUs is when it hangs up (0: not due). */
  openConnections: number;
  /** 0: never. */
  idleHangupSeconds: number;
  hangupAtUs: number;
  /** Why the last call ended: hangup, idle, offline, profile; '' before any. */
  ended: string;
}

/** Custom link figures from the sliders. */
export interface CustomLinkDTO {
  downBps: number;
  upBps: number;
  rttMs: number;
  jitterMs: number;
}

export type Protocol = 'smtp' | 'pop3' | 'imap' | 'unknown';
export type Dir = 'c2s' | 's2c';
export type Kind = 'line' | 'bulk' | 'connect' | 'close' | 'tls' | 'fault' | 'dial';

/** Every Kind by its code on the wire (sim/trace's Kind order; app/dto.go sends the code). */
export const KINDS: readonly Kind[] = ['line', 'bulk', 'connect', 'close', 'tls', 'fault', 'dial'];

/** One trace event as a row object (TraceLog.get/row; on the wire events travel by column, TraceBatchDTO). Times are virtual µs since the lab started. */
export interface TraceEventDTO {
  seq: number;
  session: number;
  protocol: Protocol;
  dir: Dir;
  kind: Kind;
  /** First byte left. */
  atUs: number;
  /** Last byte arrived. */
  arriveUs: number;
  /** Unix ms when it crossed (wall clock). */
  wallMs: number;
  bytes: number;
  wire: number;
  /** The line (masked unless reveal is on); a preview for bulk payloads. */
  text: string;
  verb?: string;
  tag?: string;
  status?: string;
  code?: string;
  /** The text holds a secret (masked unless reveal is on). */
  masked?: boolean;
  /** SMTP "250-" continuation line. */
  more?: boolean;
  /** Crossed the wire inside TLS; shown decrypted. */
  tls?: boolean;
  /** Cut short when the connection broke: bytes are what arrived. */
  incomplete?: boolean;
  /**
   * Bulk payloads: the size the protocol announced for it (an IMAP literal's
   * {n}, BDAT n; POP3's "+OK n octets", a hint), absent when none was.
   */
  announced?: number;
}

/**
 * A run of trace events by column (app/dto.go TraceBatchDTO): the payload
 * of trace:append and a snapshot's events. Every column has n entries,
 * index i being the i-th event, seqs ascending. The small-int columns are
 * strings of one character per event: proto, dir and kind a decimal digit
 * (code = charCodeAt(i) - 48): proto 0 unknown, 1 smtp, 2 pop3, 3 imap; dir
 * 0 c2s, 1 s2c; kind 0 line, 1 bulk, 2 connect, 3 close, 4 tls, 5 fault,
 * 6 dial; flags a hex digit (0-9, a-f; tracelog.ts flagsOf decodes it), bits
 * 1 masked, 2 more, 4 tls, 8 incomplete. verb, tag, status and code are ""
 * when absent. announcedAt/announced are sparse: the batch index and
 * announced size of each bulk event that has one. TraceLog.appendColumns
 * copies it without making an object per event.
 */
export interface TraceBatchDTO {
  n: number;
  seq: number[];
  session: number[];
  /** First byte left, virtual µs. */
  atUs: number[];
  /** Last byte arrived, virtual µs. */
  arriveUs: number[];
  /** Unix ms when it crossed (wall clock). */
  wallMs: number[];
  bytes: number[];
  wire: number[];
  proto: string;
  dir: string;
  kind: string;
  flags: string;
  /** The line (masked unless reveal is on); a preview for bulk payloads. */
  text: string[];
  verb: string[];
  tag: string[];
  status: string[];
  code: string[];
  /** Indexes (ascending) of the bulk events with an announced size; Go always sends both (tests may leave them out). */
  announcedAt?: number[];
  announced?: number[];
}

export interface SessionInfoDTO {
  id: number;
  protocol: Protocol;
  client: string;
  server: string;
  startUs: number;
}

export interface TraceSnapshotDTO {
  /** The last event's seq: apply only batch events after it. */
  seq: number;
  reveal: boolean;
  events: TraceBatchDTO;
  sessions: SessionInfoDTO[] | null;
  /** What older sessions the recorder set aside to stay within its memory budget. */
  aside?: TraceAsideDTO | null;
  /** A saved trace shown read-only instead of the live lab. */
  viewing?: TraceViewingDTO | null;
}

export interface TraceAsideDTO {
  spilled: number;
  spilledBytes: number;
  summarised: number;
  summarisedBytes: number;
  /** "412 older sessions (1.2 GB) moved to disk; …" */
  text: string;
}

/** trace:aside: the recorder set these sessions aside (their events leave the UI's log). */
export interface TraceAsideEventDTO {
  sessions: number[];
  aside: TraceAsideDTO | null;
}

export interface TraceViewingDTO {
  name: string;
  format: string;
  faults: string[];
}

export interface ExplanationDTO {
  key: string;
  kind: string;
  sentence: string;
  rfc: number;
  section: string;
  /** "RFC 1939 §7" */
  cite: string;
  /** The cited section on the web ("https://www.rfc-editor.org/rfc/rfc9051#section-6.3.9"); "" or absent when none. */
  url?: string;
}

export interface ExportDTO {
  name: string;
  base64: string;
  bytes: number;
}

export interface AccountDTO {
  name: string;
  password: string;
  address: string;
  quota: number;
  used: number;
  inbox: number;
  unseen: number;
}

export interface EndpointDTO {
  service: string;
  protocol: Protocol;
  tls: boolean;
  addr: string;
  /** The curl command line that reaches it, from Go (lab.Endpoint.Example). */
  example: string;
  /** Each client's settings for it, from Go (lab.ClientSettings); absent in older states. */
  settings?: ClientSnippetDTO[] | null;
}

export interface ClientSnippetDTO {
  client: 'thunderbird' | 'neomutt' | 'curl' | 'fetchmail' | 'openssl' | 'python';
  label: string;
  text: string;
}

/** The lab's self-signed certificate, for pinning. */
export interface CertDTO {
  /** Colon hex, as `openssl x509 -noout -fingerprint -sha256` prints it; "" without TLS. */
  sha256: string;
  pem: string;
  /** Where it is kept; "" when only in memory. */
  file: string;
}

export interface LabStateDTO {
  domain: string;
  accounts: AccountDTO[] | null;
  endpoints: EndpointDTO[] | null;
  listening: boolean;
  cert?: CertDTO;
  /** Thunderbird's autoconfig document, served while listening; "" when off. */
  autoconfigUrl?: string;
}

export interface SessionDTO extends SessionInfoDTO {
  open: boolean;
  endUs: number;
  payloadUp: number;
  payloadDown: number;
  wireUp: number;
  wireDown: number;
  clientTurns: number;
  serverTurns: number;
  /** The session summed up from its trace (app.ReportDTO). */
  report: ReportDTO | null;
}

/** A named habit that cost round trips the client could have saved. */
export interface PatternDTO {
  name: string;
  count: number;
  savingRoundTrips: number;
  detail: string;
}

/** What one session did (trace.Report), times in microseconds. */
export interface ReportDTO {
  login: string;
  hello: string;
  software: string;
  clientId?: Record<string, string>;
  capsOffered: string[] | null;
  capsUsed: string[] | null;
  commands: Record<string, number> | null;
  commandCount: number;
  roundTrips: number;
  clientTurns: number;
  maxCommandsPerTurn: number;
  retrieved: number;
  totalUs: number;
  serverUs: number;
  clientUs: number;
  linkUs: number;
  latencyUs: number;
  serialisationUs: number;
  tls: string;
  idleCount: number;
  idleUs: number;
  previousSession: number;
  pollIntervalUs: number;
  patterns: PatternDTO[] | null;
  savingRoundTrips: number;
}

export interface ConsoleDTO {
  id: number;
  service: string;
  addr: string;
  /** Its trace session id. */
  session: number;
  verbs: string[];
}

export interface ConsoleOutputDTO {
  id: number;
  lines: string[];
}

export interface DraftDTO {
  from: string;
  to: string[];
  subject: string;
  body: string;
}

export interface DeviceDTO {
  name: string;
  user: string;
  policy: 'pop3-delete' | 'pop3-keep' | 'imap-online' | 'imap-offline' | string;
  visible: number;
  offlineReadable: number;
  unread: number;
  /** Messages waiting to be sent. */
  outbox: number;
  /** The folders the device knows, INBOX first. */
  folders: string[];
  /** Working offline by choice. */
  workingOffline: boolean;
}

/** A device to add (ActionService.AddDevice). */
export interface DeviceSpecDTO {
  name: string;
  /** A lab account. */
  user: string;
  policy: string;
}

export interface HeaderDTO {
  name: string;
  value: string;
}

/** A part of a message that is not its text. */
export interface AttachmentDTO {
  name: string;
  contentType: string;
  /** Decoded bytes. */
  size: number;
}

/**
 * A message opened, as a mail reader shows it: on a device (ActionService.Open,
 * its copy) or on the server (ViewsService.Read: device '', id the UID, folder the mailbox).
 */
export interface MessageReadDTO {
  device: string;
  id: number;
  folder: string;
  /** From, To, Cc, Date, Subject, Message-ID (those present), decoded. */
  headers: HeaderDTO[];
  rawHeaders: HeaderDTO[];
  text: string;
  /** text/plain, text/html (tags stripped) or '' (no text). */
  textType: string;
  truncated: boolean;
  attachments: AttachmentDTO[];
  /** What the reader did or could not do. */
  notes: string[];
  size: number;
  seen: boolean;
  flagged: boolean;
  answered: boolean;
  /** What opening cost: nothing from the device's copy, a fetch for IMAP online. */
  result: ActionResultDTO;
}

/** What a device's search found. */
export interface SearchResultDTO {
  /** The matching messages the device holds, by local ID. */
  ids: number[];
  /** The server searched (IMAP SEARCH); false: the device searched its own copies. */
  onServer: boolean;
  serverMatches: number;
  result: ActionResultDTO;
}

export interface ActionResultDTO {
  seconds: number;
  connections: number;
  roundTrips: number;
  payloadUp: number;
  payloadDown: number;
  wireUp: number;
  wireDown: number;
  downloaded: number;
  sent: number;
  /** Seconds until the first message was readable; -1 if none. */
  firstReadable: number;
  /** What the action did, in a sentence. */
  outcome: string;
}

/** The actions a device runs (app/actions.go). */
export type DeviceAction =
  | 'send'
  | 'check'
  | 'open'
  | 'reply'
  | 'compose'
  | 'mark-read'
  | 'flag'
  | 'delete'
  | 'move'
  | 'create-folder'
  | 'search'
  | 'offline'
  | 'online';

export interface ActionProgressDTO {
  id: number;
  action: DeviceAction | string;
  device: string;
  state: 'running' | 'done' | 'error';
  error?: string;
  /** What happened, in a sentence, done or not. */
  outcome?: string;
  result?: ActionResultDTO;
}

// ---- Compare mode (app/scenarios.go) ----

/** The round-trip savers a comparison can turn on. */
export interface SwitchesDTO {
  smtpPipelining: boolean;
  pop3Pipelining: boolean;
  imapHeadersThenBodies: boolean;
}

/** A scenario in the picker. */
export interface ScenarioDTO {
  id: string;
  title: string;
  claim: string;
  teaches: string;
  /** Link presets the scenario compares on by default. */
  links: string[];
  devices: string[];
  steps: number;
  /** "built-in" or the file it came from. */
  origin: string;
  switches: SwitchesDTO;
}

export interface CompareRequestDTO {
  id: string;
  /** Link preset ids; empty: the scenario's own. */
  links: string[];
  switches: SwitchesDTO;
}

/** What some actions cost (a run, a step, a device). */
export interface TotalsDTO {
  simSeconds: number;
  dialSeconds: number;
  setupSeconds: number;
  roundTripSeconds: number;
  transferSeconds: number;
  payloadUp: number;
  payloadDown: number;
  wireUp: number;
  wireDown: number;
  roundTrips: number;
  connections: number;
  calls: number;
  onlineSeconds: number;
  cost: number;
}

export interface RunLinkDTO {
  id: string;
  name: string;
  downBps: number;
  upBps: number;
  rttMs: number;
  dialSeconds: number;
  metered: boolean;
  currency: string;
}

export interface DeviceResultDTO {
  name: string;
  policy: string;
  visible: number;
  offlineReadable: number;
  unread: number;
  outbox: number;
  folders: Record<string, number>;
  firstReadableSeconds: number | null;
  totals: TotalsDTO;
}

export interface StepDTO {
  index: number;
  device: string;
  do: string;
  note: string;
  /** Story seconds from the run's start. */
  startSeconds: number;
  endSeconds: number;
  outcome: string;
  failed: boolean;
  /** Messages the device lists after the step; -1 when the step does not say. */
  lists: number;
  /** Every device's message count once the step is over. */
  visibleAfter?: Record<string, number>;
  totals: TotalsDTO;
}

export interface LaneSessionDTO {
  id: number;
  protocol: string;
  device: string;
  startUs: number;
  endUs: number;
  wireUp: number;
  wireDown: number;
}

/** A run's trace for the race view: events by column, sorted by time. */
export interface LaneDTO {
  events: TraceBatchDTO;
  sessions: LaneSessionDTO[];
  total: number;
  truncated: boolean;
}

export interface RunDTO {
  protocol: 'pop3' | 'imap';
  link: RunLinkDTO;
  switches: SwitchesDTO;
  totals: TotalsDTO;
  spanSeconds: number;
  firstReadableSeconds: number | null;
  messagesOnServerAfter: number;
  serverBytesAfter: number;
  quotaBytes: number;
  delivered: number;
  refused: number;
  noticeDelayAvgSeconds: number | null;
  noticeDelayMaxSeconds: number | null;
  devices: DeviceResultDTO[];
  steps: StepDTO[];
  lane: LaneDTO;
}

export interface CompareDTO {
  scenario: ScenarioDTO;
  runs: RunDTO[];
  wallMs: number;
}

// Where the mail lives (app/views.go).

/** An account's figures. */
export interface AccountSummaryDTO {
  quota: number; // bytes, 0 = unlimited
  used: number;
  refused: number; // deliveries refused over quota (552)
  lastRefused: number;
  pop3: number; // the POP3 session holding the maildrop lock, 0 = none
}

/** One message on the server. */
export interface MessageViewDTO {
  uid: number;
  uidl: string;
  from: string;
  subject: string;
  date: string; // RFC 3339, '' if none
  size: number;
  flags: string[];
  pop3Deleted: boolean; // DELE'd: gone at QUIT, back if the session drops
}

export interface MailboxViewDTO {
  name: string;
  unseen: number;
  size: number;
  messages: MessageViewDTO[];
}

export interface AccountViewDTO extends AccountSummaryDTO {
  name: string;
  address: string;
  mailboxes: MailboxViewDTO[];
}

/** A message waiting in a device's outbox. */
export interface OutgoingDTO {
  id: number;
  to: string[];
  subject: string;
  size: number;
  composedUs: number;
}

/** A device's figures. */
export interface DeviceSummaryDTO {
  offline: boolean; // working offline by choice
  visible: number;
  offlineReadable: number;
  unread: number;
  folders: string[];
  outbox: OutgoingDTO[];
}

/** One message a device holds. */
export interface DeviceMessageDTO {
  id: number;
  folder: string;
  uid: number; // IMAP; 0 for POP3
  uidl: string; // POP3; '' for IMAP
  from: string;
  subject: string;
  date: string;
  size: number;
  seen: boolean;
  flagged: boolean;
  answered: boolean;
  readable: boolean; // the body is on the device: it opens offline
  serverUid: number; // a POP3 copy's INBOX message on the server, 0 = unknown
}

/** What a device holds locally. */
export interface DeviceViewDTO extends DeviceSummaryDTO {
  name: string;
  user: string;
  policy: string; // pop3-delete, pop3-keep, imap-online, imap-offline
  messages: DeviceMessageDTO[];
}

/** The whole model at an instant. */
export interface ViewsDTO {
  seq: number;
  accounts: AccountViewDTO[];
  devices: DeviceViewDTO[];
}

/** A message on the server, named (ViewsService.Related, Touching, Read). */
export interface MessageRefDTO {
  account: string;
  mailbox: string;
  uid: number;
}

/** What a views change is (mailstore.ChangeKind's names, app/views.go). */
export type ViewChangeKind =
  | 'new'
  | 'expunge'
  | 'flags'
  | 'mailbox-created'
  | 'mailbox-deleted'
  | 'mailbox-renamed'
  | 'user-added'
  | 'user-removed'
  | 'quota'
  | 'refused'
  | 'pop3-locked'
  | 'pop3-marked'
  | 'pop3-reset'
  | 'pop3-committed'
  | 'pop3-released'
  | DeviceChangeKind;

/**
 * A device's change (app/views.go, lab.Views' device half): "device-" and
 * mua.ChangeKind's name ('device-removed': a message left the device), or
 * the device itself added ('device-added') or gone ('device-gone').
 */
export type DeviceChangeKind =
  | 'device-added'
  | 'device-gone'
  | 'device-removed'
  | 'device-downloaded'
  | 'device-listed'
  | 'device-flags'
  | 'device-moved'
  | 'device-folder-created'
  | 'device-queued'
  | 'device-sent'
  | 'device-filed'
  | 'device-offline'
  | 'device-online';

/** One change, with what it leaves. */
export interface ViewChangeDTO {
  seq: number;
  atUs: number;
  kind: ViewChangeKind;
  account: string;
  mailbox?: string;
  oldName?: string;
  uid?: number;
  message?: MessageViewDTO;
  summary: AccountSummaryDTO;
  uids?: number[];
  // A device's change (kind 'device-…').
  device?: string;
  id?: number;
  folder?: string;
  deviceMessage?: DeviceMessageDTO;
  deviceView?: DeviceViewDTO;
  deviceSummary?: DeviceSummaryDTO;
}

/** The payload of views:changed. */
export interface ViewsBatchDTO {
  changes: ViewChangeDTO[];
}

// ---- Lessons (app/lessons.go, app.LessonsService) ----

export type LessonLevel = 'beginner' | 'intermediate' | 'advanced' | string;

/** A lesson in the list. */
export interface LessonSummaryDTO {
  id: string;
  title: string;
  order: number;
  minutes: number;
  level: LessonLevel;
  objectives: string[];
  claims: string[];
  /** How many steps, and how many of them have a check. */
  steps: number;
  checks: number;
  /** Built in (false: a teacher's own file). */
  builtin: boolean;
  prerequisites: string[];
}

/** A trace filter or highlight of a step: the filter box's text and/or fields (protocol, verb, dir, status, device). */
export interface LessonFilterDTO {
  text: string;
  fields: Record<string, string>;
}

/** A value of an action's parameter. */
export type LessonParam = string | number | boolean | string[];

export interface LessonActionDTO {
  do: string;
  with: Record<string, LessonParam>;
  /** What the action does, as a plain sentence. */
  text: string;
}

export interface LessonWatchDTO {
  trace: LessonFilterDTO | null;
  /** A mailbox view: "server" or a device's name; '' for none. */
  view: string;
  highlight: LessonFilterDTO | null;
}

export type CheckKind = 'choice' | 'number' | 'text' | 'task';

/** A step's question (its answer stays in Go). */
export interface CheckDTO {
  kind: CheckKind;
  question: string;
  /** A task's: what to do. */
  prompt: string;
  hints: string[];
  /** A choice's options, in order; the answer is the index as a string. */
  options: string[];
  /** A number's unit, and how far an answer may be from the run's ("±5%"), when the lesson says. */
  unit?: string;
  tolerance?: string;
  /** About the protocol itself, not a measurement of this run. */
  concept: boolean;
}

export interface LessonStepDTO {
  id: string;
  title: string;
  /** Markdown. */
  narrative: string;
  claims: string[];
  /** Who does the action: the app, or the learner (asked, then detected). */
  by: 'app' | 'learner' | '';
  action: LessonActionDTO | null;
  watch: LessonWatchDTO | null;
  check: CheckDTO | null;
}

export interface LessonDTO {
  id: string;
  title: string;
  order: number;
  minutes: number;
  level: LessonLevel;
  objectives: string[];
  prerequisites: string[];
  claims: string[];
  /** Markdown before the first step. */
  intro: string;
  /** The link preset the lesson runs on ('' : the app's link as it is). */
  link: string;
  steps: LessonStepDTO[];
  /** The first trace seq of the lesson's run in this session (1 until its reset-lab). */
  traceFrom: number;
}

/** What performing a step's action did. */
export interface StepOutcomeDTO {
  done: boolean;
  /** What happened, in a sentence. */
  outcome: string;
  /** An armed fault broke the action, as the lesson meant (done is true too). */
  fault: boolean;
  /** Why the action failed otherwise; '' when it did not. */
  error: string;
  /** The lesson's run starts at this trace seq (a reset-lab moves it). */
  traceFrom: number;
}

/** Did the learner do the step's action? */
export interface DetectDTO {
  done: boolean;
  detail: string;
  /** False: the app cannot tell; the learner says "I did it". */
  detectable: boolean;
}

/** An answer graded (or, for Reveal, the run's answer). */
export interface GradeDTO {
  correct: boolean;
  feedback: string;
  expected: string;
  explanation: string;
  hint: string;
}

export interface AnswerRecordDTO {
  answer: string;
  correct: boolean;
  tries: number;
}

export interface LessonProgressDTO {
  /** The step to resume at (its id): the furthest the learner reached. */
  step: string;
  answers: Record<string, AnswerRecordDTO>;
  done: boolean;
  /** The lesson's run starts at this trace seq. */
  traceFrom: number;
}

/**
 * The learner's saved progress (LessonsService.Progress): whether the
 * first-run welcome was seen, and each lesson's progress. The welcome and
 * the Lessons mode each read, change and write it whole.
 */
export interface ProgressDTO {
  welcomed: boolean;
  lessons: Record<string, LessonProgressDTO>;
}

/** The payload of lessons:changed: a lesson's run was reset. */
export interface LessonChangedDTO {
  id: string;
  traceFrom: number;
}

/** One armed fault (app/faults.go FaultDTO); the Faults panel lists them. */
export interface FaultDTO {
  id: number;
  /** As armed: the same text as `--fault`. */
  spec: string;
  /** reset, stall, drop (link faults) or reply, delay, disconnect, chaos (protocol faults). */
  kind: string;
  /** smtp, pop3, imap, or '' for every protocol. */
  protocol: string;
  /** "every session", "session 4", "user alice", "the next connection". */
  scope: string;
  /** A link fault: for the next connection it matches, then gone. */
  link: boolean;
  /** How many times it acted. */
  fired: number;
  /** RFC 3339, when it was armed. */
  armedAt: string;
}
