// The one module that knows how the UI talks to Go. Wails injects the bound
// services as window.go.app.<Service>.<Method> (each returns a Promise) and
// its runtime as window.runtime. Everything else imports typed functions
// from here and never touches window.go or window.runtime itself.

import type { EventName, EventPayloads } from './events';
import type {
  ActionResultDTO,
  CompareDTO,
  CompareRequestDTO,
  ScenarioDTO,
  ConsoleDTO,
  CustomLinkDTO,
  DeviceDTO,
  DetectDTO,
  DeviceSpecDTO,
  DraftDTO,
  GradeDTO,
  LessonDTO,
  LessonSummaryDTO,
  ProgressDTO,
  StepOutcomeDTO,
  ExplanationDTO,
  ExportDTO,
  FaultDTO,
  LabStateDTO,
  LinkStateDTO,
  MessageReadDTO,
  MessageRefDTO,
  PresetDTO,
  SearchResultDTO,
  SessionDTO,
  TraceSnapshotDTO,
  ViewsDTO,
} from './types';

interface Bindings {
  LinkService: {
    Presets(): Promise<PresetDTO[]>;
    State(): Promise<LinkStateDTO>;
    Select(id: string): Promise<LinkStateDTO>;
    SetCustom(c: CustomLinkDTO): Promise<LinkStateDTO>;
    SetOffline(off: boolean): Promise<LinkStateDTO>;
    SetSpeed(speed: number): Promise<LinkStateDTO>;
    /** Ends the dial-up call now (open connections reset). */
    Hangup(): Promise<LinkStateDTO>;
    /** Seconds of link time with nothing open before the line hangs up; 0 = never. */
    SetIdleHangup(seconds: number): Promise<LinkStateDTO>;
  };
  TraceService: {
    Snapshot(): Promise<TraceSnapshotDTO>;
    Reveal(): Promise<boolean>;
    SetReveal(on: boolean): Promise<void>;
    Explain(seq: number): Promise<ExplanationDTO[] | null>;
    ExportData(format: ExportFormat): Promise<ExportDTO>;
    /** Native save dialog; resolves to the path, or "" if cancelled. */
    Export(format: ExportFormat): Promise<string>;
    Open(path: string): Promise<string>;
    OpenData(name: string, base64: string): Promise<void>;
    CloseView(): Promise<void>;
  };
  LabService: {
    State(): Promise<LabStateDTO>;
    SetListening(on: boolean): Promise<LabStateDTO>;
    Seed(user: string, n: number): Promise<LabStateDTO>;
    /** An account's quota in bytes; 0 = unlimited. */
    SetQuota(user: string, bytes: number): Promise<LabStateDTO>;
  };
  SessionService: {
    List(): Promise<SessionDTO[] | null>;
  };
  ConsoleService: {
    Open(service: string): Promise<ConsoleDTO>;
    Send(id: number, line: string): Promise<void>;
    Close(id: number): Promise<void>;
  };
  ActionService: {
    Devices(): Promise<DeviceDTO[]>;
    AddDevice(spec: DeviceSpecDTO): Promise<DeviceDTO>;
    RemoveDevice(name: string): Promise<DeviceDTO[]>;
    CheckMail(device: string): Promise<ActionResultDTO>;
    SendMail(d: DraftDTO): Promise<ActionResultDTO>;
    Open(device: string, id: number): Promise<MessageReadDTO>;
    Compose(device: string, d: DraftDTO): Promise<ActionResultDTO>;
    Reply(device: string, id: number, body: string): Promise<ActionResultDTO>;
    MarkRead(device: string, id: number, read: boolean): Promise<ActionResultDTO>;
    Flag(device: string, id: number, on: boolean): Promise<ActionResultDTO>;
    Delete(device: string, id: number): Promise<ActionResultDTO>;
    Move(device: string, id: number, folder: string): Promise<ActionResultDTO>;
    CreateFolder(device: string, name: string): Promise<ActionResultDTO>;
    Search(device: string, folder: string, text: string): Promise<SearchResultDTO>;
    SetWorkingOffline(device: string, offline: boolean): Promise<ActionResultDTO>;
  };
  ViewsService: {
    Snapshot(): Promise<ViewsDTO>;
    Related(seq: number): Promise<MessageRefDTO[] | null>;
    Touching(m: MessageRefDTO): Promise<number[] | null>;
    /** A server message as the mail store's administrator sees it: no traffic. */
    Read(m: MessageRefDTO): Promise<MessageReadDTO>;
  };
  ScenariosService: {
    List(): Promise<ScenarioDTO[] | null>;
    Compare(req: CompareRequestDTO): Promise<CompareDTO>;
    ExportCSVData(req: CompareRequestDTO): Promise<ExportDTO>;
    /** Native save dialog; resolves to the path, or "" if cancelled. */
    ExportCSV(req: CompareRequestDTO): Promise<string>;
    /** Native save dialog for a PNG drawn in the page (base64); the path or "". */
    SavePNG(name: string, base64: string): Promise<string>;
  };
  WorksheetService: {
    /** A lesson's worksheet as a self-contained page, to show and print. */
    HTML(id: string): Promise<string>;
    /** The worksheet as a PDF (base64), to save as a download. */
    PDFData(id: string): Promise<ExportDTO>;
    /** Native save dialog; resolves to the path, or "" if cancelled. */
    SavePDF(id: string): Promise<string>;
  };
  FaultsService: {
    List(): Promise<FaultDTO[] | null>;
    /** Parses and arms a spec (the --fault text); rejects with what is wrong. */
    Arm(spec: string): Promise<FaultDTO>;
    Disarm(id: number): Promise<void>;
    Clear(): Promise<void>;
  };
  LessonsService: {
    List(): Promise<LessonSummaryDTO[] | null>;
    Get(id: string): Promise<LessonDTO>;
    /** Does the step's action in the live lab. */
    Perform(id: string, stepID: string): Promise<StepOutcomeDTO>;
    /** Did the learner do the step's action since trace seq `since`? */
    Detect(id: string, stepID: string, since: number): Promise<DetectDTO>;
    /** A choice's answer is the option's index as a string. */
    Answer(id: string, stepID: string, answer: string): Promise<GradeDTO>;
    /** Teacher mode: the run's answer and its explanation. */
    Reveal(id: string, stepID: string): Promise<GradeDTO>;
    Progress(): Promise<ProgressDTO>;
    SaveProgress(p: ProgressDTO): Promise<void>;
  };
}

export type ExportFormat = 'text' | 'jsonl' | 'pcapng';

interface WailsRuntime {
  /** Returns a function that removes the listener. */
  EventsOn(name: string, callback: (...data: unknown[]) => void): () => void;
  /** Opens url in the system's browser (the web view itself never navigates away). */
  BrowserOpenURL?(url: string): void;
}

declare global {
  interface Window {
    go?: { app?: Partial<Bindings> };
    runtime?: WailsRuntime;
  }
}

/** Thrown when the page runs outside the Mailscope app (e.g. `vite dev`). */
export class BackendUnavailableError extends Error {
  constructor(what: string) {
    super(`${what} is not available: open this page inside the Mailscope app`);
    this.name = 'BackendUnavailableError';
  }
}

function svc<K extends keyof Bindings>(name: K): Bindings[K] {
  const s = window.go?.app?.[name];
  if (!s) throw new BackendUnavailableError(name);
  return s as Bindings[K];
}

/**
 * True when Go binds this method: the UI offers a feature only once the
 * backend it needs has landed (a newer frontend on an older binary).
 */
export function backendHas<K extends keyof Bindings>(service: K, method: keyof Bindings[K] & string): boolean {
  const s = window.go?.app?.[service] as Record<string, unknown> | undefined;
  return typeof s?.[method] === 'function';
}

/** True when the Wails bindings are present. */
export function hasBackend(): boolean {
  return window.go?.app?.LinkService !== undefined && window.runtime !== undefined;
}

export const link = {
  presets: () => svc('LinkService').Presets(),
  state: () => svc('LinkService').State(),
  select: (id: string) => svc('LinkService').Select(id),
  setCustom: (c: CustomLinkDTO) => svc('LinkService').SetCustom(c),
  setOffline: (off: boolean) => svc('LinkService').SetOffline(off),
  setSpeed: (speed: number) => svc('LinkService').SetSpeed(speed),
  hangup: () => svc('LinkService').Hangup(),
  setIdleHangup: (seconds: number) => svc('LinkService').SetIdleHangup(seconds),
};

export const trace = {
  snapshot: () => svc('TraceService').Snapshot(),
  reveal: () => svc('TraceService').Reveal(),
  setReveal: (on: boolean) => svc('TraceService').SetReveal(on),
  explain: async (seq: number) => (await svc('TraceService').Explain(seq)) ?? [],
  exportData: (f: ExportFormat) => svc('TraceService').ExportData(f),
  exportDialog: (f: ExportFormat) => svc('TraceService').Export(f),
  /** Opens a saved trace through the native dialog; resolves to its path, "" if cancelled. */
  openDialog: (): Promise<string> => svc('TraceService').Open(''),
  /** Opens a saved trace the page read (base64 of its bytes). */
  openData: (name: string, base64: string): Promise<void> => svc('TraceService').OpenData(name, base64),
  /** Back to the live lab's trace. */
  closeView: (): Promise<void> => svc('TraceService').CloseView(),
};

export const lab = {
  state: () => svc('LabService').State(),
  setListening: (on: boolean) => svc('LabService').SetListening(on),
  seed: (user: string, n: number) => svc('LabService').Seed(user, n),
  setQuota: (user: string, bytes: number) => svc('LabService').SetQuota(user, bytes),
};

export const sessions = {
  list: async () => (await svc('SessionService').List()) ?? [],
};

export const consoles = {
  open: (service: string) => svc('ConsoleService').Open(service),
  send: (id: number, line: string) => svc('ConsoleService').Send(id, line),
  close: (id: number) => svc('ConsoleService').Close(id),
};

export const actions = {
  devices: () => svc('ActionService').Devices(),
  addDevice: (spec: DeviceSpecDTO) => svc('ActionService').AddDevice(spec),
  removeDevice: (name: string) => svc('ActionService').RemoveDevice(name),
  checkMail: (device: string) => svc('ActionService').CheckMail(device),
  sendMail: (d: DraftDTO) => svc('ActionService').SendMail(d),
  open: (device: string, id: number) => svc('ActionService').Open(device, id),
  compose: (device: string, d: DraftDTO) => svc('ActionService').Compose(device, d),
  reply: (device: string, id: number, body: string) => svc('ActionService').Reply(device, id, body),
  markRead: (device: string, id: number, read: boolean) => svc('ActionService').MarkRead(device, id, read),
  flag: (device: string, id: number, on: boolean) => svc('ActionService').Flag(device, id, on),
  delete: (device: string, id: number) => svc('ActionService').Delete(device, id),
  move: (device: string, id: number, folder: string) => svc('ActionService').Move(device, id, folder),
  createFolder: (device: string, name: string) => svc('ActionService').CreateFolder(device, name),
  search: (device: string, folder: string, text: string) => svc('ActionService').Search(device, folder, text),
  setWorkingOffline: (device: string, offline: boolean) => svc('ActionService').SetWorkingOffline(device, offline),
};

export const views = {
  snapshot: () => svc('ViewsService').Snapshot(),
  /** The messages a trace line concerns. */
  related: async (seq: number) => (await svc('ViewsService').Related(seq)) ?? [],
  /** The trace lines (seqs) that concern a message. */
  touching: async (m: MessageRefDTO) => (await svc('ViewsService').Touching(m)) ?? [],
  read: (m: MessageRefDTO) => svc('ViewsService').Read(m),
};

export const scenarios = {
  list: async () => (await svc('ScenariosService').List()) ?? [],
  compare: (req: CompareRequestDTO) => svc('ScenariosService').Compare(req),
  exportCSVData: (req: CompareRequestDTO) => svc('ScenariosService').ExportCSVData(req),
  exportCSVDialog: (req: CompareRequestDTO) => svc('ScenariosService').ExportCSV(req),
  savePNGDialog: (name: string, base64: string) => svc('ScenariosService').SavePNG(name, base64),
};

export const lessons = {
  list: async () => (await svc('LessonsService').List()) ?? [],
  get: (id: string) => svc('LessonsService').Get(id),
  perform: (id: string, stepID: string) => svc('LessonsService').Perform(id, stepID),
  detect: (id: string, stepID: string, since: number) => svc('LessonsService').Detect(id, stepID, since),
  answer: (id: string, stepID: string, answer: string) => svc('LessonsService').Answer(id, stepID, answer),
  reveal: (id: string, stepID: string) => svc('LessonsService').Reveal(id, stepID),
  progress: () => svc('LessonsService').Progress(),
  saveProgress: (p: ProgressDTO) => svc('LessonsService').SaveProgress(p),
};

export const worksheet = {
  html: (id: string) => svc('WorksheetService').HTML(id),
  pdfData: (id: string) => svc('WorksheetService').PDFData(id),
  savePDFDialog: (id: string) => svc('WorksheetService').SavePDF(id),
};

export const faults = {
  list: async () => (await svc('FaultsService').List()) ?? [],
  arm: (spec: string) => svc('FaultsService').Arm(spec),
  disarm: (id: number) => svc('FaultsService').Disarm(id),
  clear: () => svc('FaultsService').Clear(),
};

export const progress = {
  get: () => svc('LessonsService').Progress(),
  save: (p: ProgressDTO) => svc('LessonsService').SaveProgress(p),
};

/**
 * Opens a web page (an RFC section) outside the app: in the system's
 * browser through Wails, or in a new tab when the page runs in a plain
 * browser without the Wails runtime (vite dev).
 */
export function openExternal(url: string): void {
  const rt = window.runtime;
  if (rt?.BrowserOpenURL) rt.BrowserOpenURL(url);
  else window.open(url, '_blank', 'noopener');
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
