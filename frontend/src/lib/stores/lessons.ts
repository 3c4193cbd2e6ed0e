// The Lessons mode's store: the course (each lesson with the learner's
// progress and score) and the player (the open lesson, its step, what the
// app did and what the learner answered). The reducer is pure
// (reduceLessons), tested without a DOM or a backend; the store around it
// calls Go through an injected API (like race.ts) and saves the progress
// after every change that touches it, so a reload resumes where the
// learner left.

import { get, writable, type Readable } from 'svelte/store';
import { lessons as lessonsApi } from '../backend';
import type {
  DetectDTO,
  GradeDTO,
  LessonDTO,
  LessonProgressDTO,
  LessonStepDTO,
  LessonSummaryDTO,
  ProgressDTO,
  StepOutcomeDTO,
} from '../types';
import { errorText } from './link';
import { traceStore } from './trace';

export interface LessonsApi {
  list(): Promise<LessonSummaryDTO[]>;
  get(id: string): Promise<LessonDTO>;
  perform(id: string, stepID: string): Promise<StepOutcomeDTO>;
  detect(id: string, stepID: string, since: number): Promise<DetectDTO>;
  answer(id: string, stepID: string, answer: string): Promise<GradeDTO>;
  reveal(id: string, stepID: string): Promise<GradeDTO>;
  progress(): Promise<ProgressDTO>;
  saveProgress(p: ProgressDTO): Promise<void>;
  /** The trace's newest seq now (what "since" means for detection). */
  traceSeq(): number;
}

/** What happened to a step's action in this visit of the lesson. */
export type ActionState =
  /** Not run in this visit (a revisit, or a resumed lesson): "Do it again" is offered. */
  | 'idle'
  /** Reached for the first time: the app runs it now. */
  | 'pending'
  | 'running'
  | 'done'
  | 'failed';

/** Whether the learner's own action has been seen. */
export type DetectState = 'waiting' | 'done' | 'undetectable';

export interface StepRun {
  action: ActionState;
  /** The action's outcome sentence, or why it failed. */
  outcome: string;
  error: string;
  /** An armed fault broke the action, as the lesson meant. */
  fault: boolean;
  detect: DetectState;
  detail: string;
  /** Detection looks at the trace after this seq. */
  since: number;
  /** The last grade (feedback on screen), and the answer it graded. */
  grade: GradeDTO | null;
  graded: string;
  checking: boolean;
  /** Hints on screen (one more after each wrong answer, or on request). */
  hints: number;
  skipped: boolean;
  /** Teacher mode: the question is on screen; the run's answer, once revealed. */
  questionShown: boolean;
  revealed: GradeDTO | null;
}

export interface PlayerState {
  lesson: LessonDTO;
  index: number;
  runs: Record<string, StepRun>;
}

export interface LessonsState {
  list: LessonSummaryDTO[];
  loaded: boolean;
  loading: boolean;
  error: string | null;
  progress: ProgressDTO;
  player: PlayerState | null;
  /** A lesson being fetched. */
  opening: string | null;
  /** Teacher mode: one step per screen in large type, answers hidden until revealed. */
  teacher: boolean;
  /** Each lesson's step ids, as far as known (progress saves a step by id). */
  outlines: Record<string, string[]>;
}

export type LessonsAction =
  | { type: 'loading' }
  | { type: 'loaded'; list: LessonSummaryDTO[]; progress: ProgressDTO }
  | { type: 'failed'; error: string }
  | { type: 'opening'; id: string }
  | { type: 'opened'; lesson: LessonDTO; seq: number }
  | { type: 'outline'; id: string; steps: string[] }
  | { type: 'close' }
  | { type: 'go'; index: number; seq: number }
  | { type: 'perform-start'; stepID: string }
  | { type: 'performed'; stepID: string; outcome: StepOutcomeDTO }
  | { type: 'perform-failed'; stepID: string; error: string }
  | { type: 'detected'; stepID: string; result: DetectDTO }
  | { type: 'declared'; stepID: string }
  | { type: 'answer-start'; stepID: string }
  | { type: 'graded'; stepID: string; answer: string; grade: GradeDTO }
  | { type: 'answer-failed'; stepID: string; error: string }
  | { type: 'hint'; stepID: string }
  | { type: 'skip'; stepID: string }
  | { type: 'finish' }
  | { type: 'restart'; seq: number }
  | { type: 'teacher'; on: boolean }
  | { type: 'show-question'; stepID: string }
  | { type: 'revealed'; stepID: string; grade: GradeDTO }
  | { type: 'run-reset'; id: string; traceFrom: number };

export const emptyProgress: ProgressDTO = { welcomed: false, lessons: {} };

export function initialLessons(): LessonsState {
  return { list: [], loaded: false, loading: false, error: null, progress: emptyProgress, player: null, opening: null, teacher: false, outlines: {} };
}

export function newRun(since: number, action: ActionState): StepRun {
  return {
    action,
    outcome: '',
    error: '',
    fault: false,
    detect: 'waiting',
    detail: '',
    since,
    grade: null,
    graded: '',
    checking: false,
    hints: 0,
    skipped: false,
    questionShown: false,
    revealed: null,
  };
}

/** A lesson's saved progress, or a fresh one. */
export function progressOf(p: ProgressDTO, id: string): LessonProgressDTO {
  return p.lessons[id] ?? { step: '', answers: {}, done: false, traceFrom: 0 };
}

/** The index of a saved step id among a lesson's steps; 0 when unknown. */
export function stepIndex(steps: readonly string[], id: string): number {
  return Math.max(0, steps.indexOf(id));
}

function withLesson(p: ProgressDTO, id: string, lp: LessonProgressDTO): ProgressDTO {
  return { ...p, lessons: { ...p.lessons, [id]: lp } };
}

/** The step to resume a lesson at: its saved (furthest) step, within the lesson. */
export function resumeIndex(lesson: LessonDTO, p: ProgressDTO): number {
  const lp = p.lessons[lesson.id];
  if (!lp) return 0;
  return stepIndex(lesson.steps.map((x) => x.id), lp.step);
}

/** The furthest step reached in the open lesson (index). */
export function furthestIndex(s: LessonsState): number {
  const pl = s.player;
  return pl ? stepIndex(pl.lesson.steps.map((x) => x.id), progressOf(s.progress, pl.lesson.id).step) : 0;
}

/** The learner's score on a lesson: right answers out of its checks. */
export function scoreOf(summary: Pick<LessonSummaryDTO, 'id' | 'checks'>, p: ProgressDTO): { correct: number; checks: number } {
  const lp = p.lessons[summary.id];
  const correct = lp ? Object.values(lp.answers).filter((a) => a.correct).length : 0;
  return { correct: Math.min(correct, summary.checks), checks: summary.checks };
}

/** How far through a lesson the learner is, 0..1 (1 once done); steps: its step ids, when known. */
export function fractionOf(summary: Pick<LessonSummaryDTO, 'id' | 'steps'>, p: ProgressDTO, steps: readonly string[] = []): number {
  const lp = p.lessons[summary.id];
  if (!lp) return 0;
  if (lp.done) return 1;
  if (summary.steps <= 0) return 0;
  return Math.max(0, Math.min(1, stepIndex(steps, lp.step) / summary.steps));
}

/** Has the learner started, finished or not touched the lesson? */
export function statusOf(summary: Pick<LessonSummaryDTO, 'id'>, p: ProgressDTO): 'new' | 'started' | 'done' {
  const lp = p.lessons[summary.id];
  if (!lp) return 'new';
  return lp.done ? 'done' : 'started';
}

export function currentStep(s: LessonsState): LessonStepDTO | null {
  const pl = s.player;
  return pl ? (pl.lesson.steps[pl.index] ?? null) : null;
}

export function currentRun(s: LessonsState): StepRun | null {
  const step = currentStep(s);
  return step && s.player ? (s.player.runs[step.id] ?? null) : null;
}

/** The saved answer of a step of the open lesson. */
export function savedAnswer(s: LessonsState, stepID: string) {
  const pl = s.player;
  return pl ? (progressOf(s.progress, pl.lesson.id).answers[stepID] ?? null) : null;
}

/**
 * Next is allowed when the step has no check, or its check was answered
 * right (now or before) or skipped; in teacher mode always (the class
 * answers aloud).
 */
export function canNext(s: LessonsState): boolean {
  const step = currentStep(s);
  if (!step || !s.player) return false;
  if (!step.check || s.teacher) return true;
  const run = s.player.runs[step.id];
  if (run?.skipped || run?.grade?.correct) return true;
  return savedAnswer(s, step.id)?.correct === true;
}

export function canBack(s: LessonsState): boolean {
  return !!s.player && s.player.index > 0;
}

export const isLast = (s: LessonsState): boolean => !!s.player && s.player.index >= s.player.lesson.steps.length - 1;

/** The step's action is the learner's to do (and to be detected). */
export const byLearner = (step: LessonStepDTO | null): boolean => !!step?.action && step.by === 'learner';
/** The step's action is the app's. */
export const byApp = (step: LessonStepDTO | null): boolean => !!step?.action && step.by !== 'learner';

function updateRun(s: LessonsState, stepID: string, f: (r: StepRun) => StepRun): LessonsState {
  const pl = s.player;
  if (!pl) return s;
  const old = pl.runs[stepID];
  if (!old) return s;
  return { ...s, player: { ...pl, runs: { ...pl.runs, [stepID]: f(old) } } };
}

function updateProgress(s: LessonsState, f: (lp: LessonProgressDTO) => LessonProgressDTO): LessonsState {
  const pl = s.player;
  if (!pl) return s;
  return { ...s, progress: withLesson(s.progress, pl.lesson.id, f(progressOf(s.progress, pl.lesson.id))) };
}

/**
 * Enters step index. A step reached for the first time (beyond the
 * furthest saved step, or the first step of a fresh lesson) gets its app
 * action run ('pending'); a revisit keeps what happened there before, and
 * a step resumed after a reload does not run its action again.
 */
function enter(s: LessonsState, index: number, seq: number, fresh: boolean): LessonsState {
  const pl = s.player;
  if (!pl) return s;
  const steps = pl.lesson.steps;
  const i = Math.max(0, Math.min(steps.length - 1, index));
  const step = steps[i];
  if (!step) return s;
  const lp = progressOf(s.progress, pl.lesson.id);
  const furthest = stepIndex(steps.map((x) => x.id), lp.step);
  const first = fresh || i > furthest;
  let runs = pl.runs;
  if (!runs[step.id]) {
    // Not seen in this visit: first time, the learner's action is looked
    // for from now; resumed, from the start of the lesson's run.
    const since = first ? seq : Math.max(0, lp.traceFrom - 1);
    runs = { ...runs, [step.id]: newRun(since, first && byApp(step) ? 'pending' : 'idle') };
  }
  const keep = steps[Math.max(furthest, i)]?.id ?? step.id;
  const progress = keep !== lp.step || !s.progress.lessons[pl.lesson.id] ? withLesson(s.progress, pl.lesson.id, { ...lp, step: keep }) : s.progress;
  return { ...s, progress, player: { ...pl, index: i, runs } };
}

export function reduceLessons(s: LessonsState, a: LessonsAction): LessonsState {
  switch (a.type) {
    case 'loading':
      return { ...s, loading: true, error: null };
    case 'loaded':
      return { ...s, list: [...a.list].sort((x, y) => x.order - y.order || x.id.localeCompare(y.id)), progress: a.progress, loaded: true, loading: false, error: null };
    case 'failed':
      return { ...s, loading: false, loaded: true, opening: null, error: a.error };
    case 'opening':
      return { ...s, opening: a.id, error: null };
    case 'opened': {
      const lesson = a.lesson;
      if (!lesson.steps.length) return { ...s, opening: null, error: `The lesson "${lesson.title}" has no steps.` };
      const fresh = !s.progress.lessons[lesson.id];
      // Go knows where the lesson's run starts in this session (a saved
      // traceFrom may be from an earlier one).
      const traceFrom = lesson.traceFrom > 0 ? lesson.traceFrom : a.seq + 1;
      const lp = progressOf(s.progress, lesson.id);
      const progress = fresh || lp.traceFrom !== traceFrom ? withLesson(s.progress, lesson.id, { ...lp, step: lp.step || (lesson.steps[0]?.id ?? ''), traceFrom }) : s.progress;
      const outlines = { ...s.outlines, [lesson.id]: lesson.steps.map((x) => x.id) };
      const opened: LessonsState = { ...s, progress, outlines, opening: null, player: { lesson, index: 0, runs: {} } };
      return enter(opened, fresh ? 0 : resumeIndex(lesson, progress), a.seq, fresh);
    }
    case 'outline':
      return { ...s, outlines: { ...s.outlines, [a.id]: a.steps } };
    case 'close':
      return s.player ? { ...s, player: null } : s;
    case 'go':
      return s.player && a.index !== s.player.index ? enter(s, a.index, a.seq, false) : s;
    case 'perform-start':
      return updateRun(s, a.stepID, (r) => ({ ...r, action: 'running', error: '', outcome: '', fault: false }));
    case 'performed': {
      const o = a.outcome;
      const ok = o.done || o.fault;
      let next = updateRun(s, a.stepID, (r) => ({
        ...r,
        action: ok ? 'done' : 'failed',
        outcome: o.outcome,
        error: ok ? '' : o.error || o.outcome,
        fault: o.fault,
        // "Do it for me" did the learner's action.
        detect: ok ? 'done' : r.detect,
        detail: ok ? o.outcome : r.detail,
      }));
      if (o.traceFrom > 0) next = updateProgress(next, (lp) => (lp.traceFrom === o.traceFrom ? lp : { ...lp, traceFrom: o.traceFrom }));
      return next;
    }
    case 'perform-failed':
      return updateRun(s, a.stepID, (r) => ({ ...r, action: 'failed', error: a.error }));
    case 'detected':
      return updateRun(s, a.stepID, (r) => {
        if (r.detect === 'done') return r;
        if (a.result.done) return { ...r, detect: 'done', detail: a.result.detail };
        if (!a.result.detectable) return r.detect === 'undetectable' ? r : { ...r, detect: 'undetectable', detail: a.result.detail };
        return r.detail === a.result.detail ? r : { ...r, detail: a.result.detail };
      });
    case 'declared':
      return updateRun(s, a.stepID, (r) => (r.detect === 'done' ? r : { ...r, detect: 'done', detail: 'You said you did it.' }));
    case 'answer-start':
      return updateRun(s, a.stepID, (r) => ({ ...r, checking: true }));
    case 'graded': {
      const step = s.player?.lesson.steps.find((x) => x.id === a.stepID);
      const hints = step?.check?.hints.length ?? 0;
      let next = updateRun(s, a.stepID, (r) => ({
        ...r,
        checking: false,
        grade: a.grade,
        graded: a.answer,
        // A wrong answer brings the next hint.
        hints: a.grade.correct ? r.hints : Math.min(hints, r.hints + 1),
      }));
      next = updateProgress(next, (lp) => {
        const old = lp.answers[a.stepID];
        const rec = { answer: a.answer, correct: a.grade.correct || (old?.correct ?? false), tries: (old?.tries ?? 0) + 1 };
        // Once right, a later wrong try does not take the point away (nor the right answer).
        if (old?.correct && !a.grade.correct) rec.answer = old.answer;
        return { ...lp, answers: { ...lp.answers, [a.stepID]: rec } };
      });
      return next;
    }
    case 'answer-failed':
      return updateRun(s, a.stepID, (r) => ({ ...r, checking: false, grade: { correct: false, feedback: a.error, expected: '', explanation: '', hint: '' }, graded: '' }));
    case 'hint': {
      const step = s.player?.lesson.steps.find((x) => x.id === a.stepID);
      const hints = step?.check?.hints.length ?? 0;
      return updateRun(s, a.stepID, (r) => (r.hints >= hints ? r : { ...r, hints: r.hints + 1 }));
    }
    case 'skip':
      return updateRun(s, a.stepID, (r) => (r.skipped ? r : { ...r, skipped: true }));
    case 'finish':
      return updateProgress(s, (lp) => (lp.done ? lp : { ...lp, done: true, step: s.player?.lesson.steps[s.player.lesson.steps.length - 1]?.id ?? lp.step }));
    case 'restart': {
      const pl = s.player;
      if (!pl) return s;
      const progress = withLesson(s.progress, pl.lesson.id, { step: pl.lesson.steps[0]?.id ?? '', answers: {}, done: false, traceFrom: a.seq + 1 });
      return enter({ ...s, progress, player: { ...pl, index: 0, runs: {} } }, 0, a.seq, true);
    }
    case 'teacher':
      return a.on === s.teacher ? s : { ...s, teacher: a.on };
    case 'show-question':
      return updateRun(s, a.stepID, (r) => (r.questionShown ? r : { ...r, questionShown: true }));
    case 'revealed':
      return updateRun(s, a.stepID, (r) => ({ ...r, questionShown: true, revealed: a.grade }));
    case 'run-reset': {
      const lp = s.progress.lessons[a.id];
      if (!lp || lp.traceFrom === a.traceFrom) return s;
      return { ...s, progress: withLesson(s.progress, a.id, { ...lp, traceFrom: a.traceFrom }) };
    }
    default: {
      const never: never = a;
      throw new Error(`unknown lessons action ${JSON.stringify(never)}`);
    }
  }
}

/** The seq from which the trace shows the open lesson's run (0: all). */
export function runFrom(s: LessonsState): number {
  const pl = s.player;
  return pl ? (s.progress.lessons[pl.lesson.id]?.traceFrom ?? 0) : 0;
}

// ---- The store ----

/** Detection polls at most this often (ms); events in between are folded into one. */
export const DETECT_EVERY_MS = 400;

export interface LessonsStore extends Readable<LessonsState> {
  get(): LessonsState;
  load(force?: boolean): Promise<void>;
  open(id: string): Promise<void>;
  close(): void;
  next(): Promise<void>;
  back(): void;
  goTo(index: number): void;
  /** Runs the current step's action (again, or "Do it for me"). */
  perform(): Promise<void>;
  answer(text: string): Promise<void>;
  hint(): void;
  skip(): void;
  /** The learner says they did an action the app cannot see. */
  declare(): void;
  /** Something changed in the lab: ask Go (throttled) whether the learner's action happened. */
  poke(): void;
  restart(): Promise<void>;
  setTeacher(on: boolean): void;
  showQuestion(): void;
  reveal(): Promise<void>;
  /** lessons:changed: a lesson's run was reset. */
  runReset(id: string, traceFrom: number): void;
  destroy(): void;
}

export function createLessonsStore(api: LessonsApi, opts: { detectEveryMs?: number } = {}): LessonsStore {
  let state = initialLessons();
  const w = writable(state);
  const every = opts.detectEveryMs ?? DETECT_EVERY_MS;
  let saving: Promise<void> = Promise.resolve();
  let opened = 0;

  function dispatch(a: LessonsAction): LessonsState {
    const prev = state;
    const next = reduceLessons(state, a);
    if (next === prev) return state;
    state = next;
    w.set(state);
    if (next.progress !== prev.progress && next.loaded) {
      const p = next.progress;
      // One save at a time, in order; a failure is not the learner's
      // problem. The welcome writes `welcomed` into the same record: read
      // it back so that a save of the lessons never undoes it.
      saving = saving
        .then(async () => {
          const now = await api.progress().catch(() => null);
          await api.saveProgress({ ...p, welcomed: p.welcomed || !!now?.welcomed });
        })
        .catch(() => {});
    }
    return state;
  }

  async function runPending(): Promise<void> {
    const step = currentStep(state);
    const run = currentRun(state);
    if (!step || !run || run.action !== 'pending') return;
    await performStep(step);
  }

  async function performStep(step: LessonStepDTO): Promise<void> {
    const pl = state.player;
    if (!pl || !step.action) return;
    const id = pl.lesson.id;
    dispatch({ type: 'perform-start', stepID: step.id });
    try {
      const outcome = await api.perform(id, step.id);
      if (state.player?.lesson.id !== id) return;
      dispatch({ type: 'performed', stepID: step.id, outcome });
    } catch (e) {
      if (state.player?.lesson.id === id) dispatch({ type: 'perform-failed', stepID: step.id, error: errorText(e) });
    }
  }

  // Detection: one request in flight; a poke meanwhile asks again after it.
  let detectTimer: ReturnType<typeof setTimeout> | null = null;
  let detecting = false;
  let again = false;
  let lastDetect = -Infinity;
  async function detect(): Promise<void> {
    const step = currentStep(state);
    const run = currentRun(state);
    const pl = state.player;
    if (!pl || !step || !run || !byLearner(step) || run.detect === 'done') return;
    if (detecting) {
      again = true;
      return;
    }
    detecting = true;
    lastDetect = Date.now();
    try {
      const result = await api.detect(pl.lesson.id, step.id, run.since);
      if (state.player?.lesson.id === pl.lesson.id) dispatch({ type: 'detected', stepID: step.id, result });
    } catch {
      // Detection is a convenience: "I did it" still works.
    } finally {
      detecting = false;
      if (again) {
        again = false;
        poke();
      }
    }
  }
  function poke(): void {
    const step = currentStep(state);
    const run = currentRun(state);
    if (!byLearner(step) || !run || run.detect === 'done' || detectTimer !== null) return;
    const wait = Math.max(0, lastDetect + every - Date.now());
    detectTimer = setTimeout(() => {
      detectTimer = null;
      void detect();
    }, wait);
  }

  async function entered(): Promise<void> {
    await runPending();
    poke();
  }

  return {
    subscribe: w.subscribe,
    get: () => state,
    async load(force = false) {
      if ((state.loaded && !force) || state.loading) return;
      dispatch({ type: 'loading' });
      try {
        // A save still on its way (a lesson just finished) lands before the progress is read back.
        await saving;
        const [list, progress] = await Promise.all([api.list(), api.progress().catch(() => emptyProgress)]);
        dispatch({ type: 'loaded', list, progress: progress ?? emptyProgress });
        // The list's progress bars need the started lessons' steps (progress names a step by id).
        const started = list.filter((l) => state.progress.lessons[l.id] && !state.outlines[l.id]);
        await Promise.all(
          started.map(async (l) => {
            try {
              const full = await api.get(l.id);
              dispatch({ type: 'outline', id: l.id, steps: full.steps.map((x) => x.id) });
            } catch {
              // The bar shows no progress for it; opening it still works.
            }
          }),
        );
      } catch (e) {
        dispatch({ type: 'failed', error: errorText(e) });
      }
    },
    async open(id) {
      const my = ++opened;
      if (!state.loaded) await this.load();
      if (state.player?.lesson.id === id) return;
      dispatch({ type: 'opening', id });
      try {
        const lesson = await api.get(id);
        if (my !== opened) return;
        dispatch({ type: 'opened', lesson, seq: api.traceSeq() });
        await entered();
      } catch (e) {
        if (my === opened) dispatch({ type: 'failed', error: errorText(e) });
      }
    },
    close() {
      opened++;
      dispatch({ type: 'close' });
    },
    async next() {
      if (!canNext(state)) return;
      if (isLast(state)) {
        dispatch({ type: 'finish' });
        dispatch({ type: 'close' });
        return;
      }
      const pl = state.player;
      if (!pl) return;
      dispatch({ type: 'go', index: pl.index + 1, seq: api.traceSeq() });
      await entered();
    },
    back() {
      const pl = state.player;
      if (!pl || pl.index === 0) return;
      dispatch({ type: 'go', index: pl.index - 1, seq: api.traceSeq() });
      poke();
    },
    goTo(index) {
      const pl = state.player;
      if (!pl) return;
      // Only steps already reached: the course is walked in order.
      if (index > furthestIndex(state)) return;
      dispatch({ type: 'go', index, seq: api.traceSeq() });
      poke();
    },
    async perform() {
      const step = currentStep(state);
      if (!step?.action || currentRun(state)?.action === 'running') return;
      await performStep(step);
      // An attempt the server refused (a mailbox over quota) may be just
      // what the step asked for: let detection have its say.
      if (byLearner(step) && currentRun(state)?.action === 'failed') poke();
    },
    async answer(text) {
      const pl = state.player;
      const step = currentStep(state);
      if (!pl || !step?.check || currentRun(state)?.checking) return;
      dispatch({ type: 'answer-start', stepID: step.id });
      try {
        const grade = await api.answer(pl.lesson.id, step.id, text);
        dispatch({ type: 'graded', stepID: step.id, answer: text, grade });
      } catch (e) {
        dispatch({ type: 'answer-failed', stepID: step.id, error: errorText(e) });
      }
    },
    hint() {
      const step = currentStep(state);
      if (step) dispatch({ type: 'hint', stepID: step.id });
    },
    skip() {
      const step = currentStep(state);
      if (step) dispatch({ type: 'skip', stepID: step.id });
    },
    declare() {
      const step = currentStep(state);
      if (step) dispatch({ type: 'declared', stepID: step.id });
    },
    poke,
    async restart() {
      if (!state.player) return;
      dispatch({ type: 'restart', seq: api.traceSeq() });
      await entered();
    },
    setTeacher(on) {
      dispatch({ type: 'teacher', on });
    },
    showQuestion() {
      const step = currentStep(state);
      if (step) dispatch({ type: 'show-question', stepID: step.id });
    },
    async reveal() {
      const pl = state.player;
      const step = currentStep(state);
      if (!pl || !step?.check) return;
      try {
        const grade = await api.reveal(pl.lesson.id, step.id);
        dispatch({ type: 'revealed', stepID: step.id, grade });
      } catch (e) {
        dispatch({ type: 'revealed', stepID: step.id, grade: { correct: false, feedback: errorText(e), expected: '', explanation: '', hint: '' } });
      }
    },
    runReset(id, traceFrom) {
      dispatch({ type: 'run-reset', id, traceFrom });
    },
    destroy() {
      if (detectTimer !== null) clearTimeout(detectTimer);
      detectTimer = null;
    },
  };
}

const defaultApi: LessonsApi = {
  list: () => lessonsApi.list(),
  get: (id) => lessonsApi.get(id),
  perform: (id, step) => lessonsApi.perform(id, step),
  detect: (id, step, since) => lessonsApi.detect(id, step, since),
  answer: (id, step, a) => lessonsApi.answer(id, step, a),
  reveal: (id, step) => lessonsApi.reveal(id, step),
  progress: () => lessonsApi.progress(),
  saveProgress: (p) => lessonsApi.saveProgress(p),
  traceSeq: () => get(traceStore).seq,
};

export const lessons = createLessonsStore(defaultApi);

/** Reads the store's state now (for handlers outside components). */
export const lessonsNow = (): LessonsState => get(lessons);
