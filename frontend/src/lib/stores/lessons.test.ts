import { describe, expect, it } from 'vitest';
import type { DetectDTO, GradeDTO, LessonDTO, LessonStepDTO, LessonSummaryDTO, ProgressDTO, StepOutcomeDTO } from '../types';
import {
  canBack,
  canNext,
  createLessonsStore,
  currentRun,
  currentStep,
  emptyProgress,
  fractionOf,
  initialLessons,
  reduceLessons,
  resumeIndex,
  runFrom,
  scoreOf,
  type LessonsAction,
  type LessonsApi,
  type LessonsState,
} from './lessons';

const step = (id: string, over: Partial<LessonStepDTO> = {}): LessonStepDTO => ({
  id,
  title: id,
  narrative: '',
  claims: [],
  by: '',
  action: null,
  watch: null,
  check: null,
  ...over,
});
const check = (hints: string[] = ['first hint', 'second hint']) => ({ kind: 'number' as const, question: 'How many?', prompt: '', hints, options: [], concept: false });

const lesson: LessonDTO = {
  id: 'journey',
  title: 'Journey',
  order: 1,
  minutes: 10,
  level: 'beginner',
  objectives: [],
  prerequisites: [],
  claims: [],
  intro: 'Intro',
  link: '',
  traceFrom: 1,
  steps: [
    step('reset', { by: 'app', action: { do: 'reset-lab', with: {}, text: 'Reset the lab.' } }),
    step('send', { by: 'learner', action: { do: 'send', with: { from: 'Laptop' }, text: 'Send a mail.' }, check: check() }),
    step('words', { check: check([]) }),
    step('fetch', { by: 'app', action: { do: 'check-mail', with: { device: 'Home PC' }, text: 'Check mail.' } }),
  ],
};
const summary: LessonSummaryDTO = {
  id: 'journey',
  title: 'Journey',
  order: 1,
  minutes: 10,
  level: 'beginner',
  objectives: [],
  claims: [],
  steps: 4,
  checks: 2,
  builtin: true,
  prerequisites: [],
};
const right: GradeDTO = { correct: true, feedback: 'Right.', expected: '7', explanation: 'Because.', hint: '' };
const wrong: GradeDTO = { correct: false, feedback: 'Not quite.', expected: '', explanation: '', hint: 'Look again.' };

function run(s: LessonsState, ...as: LessonsAction[]): LessonsState {
  return as.reduce(reduceLessons, s);
}
const loaded = (progress: ProgressDTO = emptyProgress) => run(initialLessons(), { type: 'loaded', list: [summary], progress });

describe('lessons reducer: navigation', () => {
  it('opens a fresh lesson at its first step, with the app action pending and the run starting after the trace so far', () => {
    const s = run(loaded(), { type: 'opened', lesson, seq: 41 });
    expect(s.player?.index).toBe(0);
    expect(currentStep(s)?.id).toBe('reset');
    expect(currentRun(s)?.action).toBe('pending');
    // Until its reset-lab, the run starts where Go says (1: the whole trace).
    expect(s.progress.lessons.journey).toEqual({ step: 'reset', answers: {}, done: false, traceFrom: 1 });
    expect(runFrom(s)).toBe(1);
    expect(canBack(s)).toBe(false);
    expect(canNext(s)).toBe(true); // no check
  });

  it('runs an app action on the first visit only, not on Back/Next revisits', () => {
    let s = run(loaded(), { type: 'opened', lesson, seq: 0 }, { type: 'perform-start', stepID: 'reset' });
    s = run(s, { type: 'performed', stepID: 'reset', outcome: { done: true, outcome: 'The lab is empty.', fault: false, error: '', traceFrom: 5 } });
    expect(currentRun(s)).toMatchObject({ action: 'done', outcome: 'The lab is empty.' });
    expect(runFrom(s)).toBe(5);
    s = run(s, { type: 'go', index: 1, seq: 9 });
    expect(currentRun(s)?.action).toBe('idle'); // learner's action: nothing for the app to run
    expect(currentRun(s)?.since).toBe(9);
    expect(s.progress.lessons.journey?.step).toBe('send');
    s = run(s, { type: 'go', index: 0, seq: 12 });
    expect(currentRun(s)?.action).toBe('done'); // kept, not pending again
    expect(s.progress.lessons.journey?.step).toBe('send'); // furthest step stays
  });

  it('holds Next on a check until it is answered right or skipped', () => {
    let s = run(loaded(), { type: 'opened', lesson, seq: 0 }, { type: 'go', index: 1, seq: 0 });
    expect(canNext(s)).toBe(false);
    s = run(s, { type: 'graded', stepID: 'send', answer: '3', grade: wrong });
    expect(canNext(s)).toBe(false);
    s = run(s, { type: 'graded', stepID: 'send', answer: '7', grade: right });
    expect(canNext(s)).toBe(true);
    let t = run(loaded(), { type: 'opened', lesson, seq: 0 }, { type: 'go', index: 1, seq: 0 }, { type: 'skip', stepID: 'send' });
    expect(canNext(t)).toBe(true);
    t = run(t, { type: 'go', index: 2, seq: 0 });
    expect(canNext(t)).toBe(false);
  });

  it('a step reached for the first time by Next runs its app action', () => {
    const s = run(loaded(), { type: 'opened', lesson, seq: 0 }, { type: 'go', index: 3, seq: 20 });
    expect(currentRun(s)?.action).toBe('pending');
  });

  it('finish marks the lesson done and the list shows it whole', () => {
    const s = run(loaded(), { type: 'opened', lesson, seq: 0 }, { type: 'go', index: 3, seq: 0 }, { type: 'finish' });
    expect(s.progress.lessons.journey?.done).toBe(true);
    expect(fractionOf(summary, s.progress)).toBe(1);
    expect(s.progress.lessons.journey?.step).toBe('fetch');
  });
});

describe('lessons reducer: answers', () => {
  it('counts tries, brings a hint after each wrong answer, and keeps the point once right', () => {
    let s = run(loaded(), { type: 'opened', lesson, seq: 0 }, { type: 'go', index: 1, seq: 0 });
    s = run(s, { type: 'graded', stepID: 'send', answer: '3', grade: wrong });
    expect(currentRun(s)).toMatchObject({ hints: 1, grade: wrong, graded: '3' });
    expect(s.progress.lessons.journey?.answers.send).toEqual({ answer: '3', correct: false, tries: 1 });
    s = run(s, { type: 'graded', stepID: 'send', answer: '4', grade: wrong }, { type: 'graded', stepID: 'send', answer: '5', grade: wrong });
    expect(currentRun(s)?.hints).toBe(2); // no more hints than the check has
    s = run(s, { type: 'graded', stepID: 'send', answer: '7', grade: right });
    expect(s.progress.lessons.journey?.answers.send).toEqual({ answer: '7', correct: true, tries: 4 });
    s = run(s, { type: 'graded', stepID: 'send', answer: '9', grade: wrong });
    expect(s.progress.lessons.journey?.answers.send).toEqual({ answer: '7', correct: true, tries: 5 });
    expect(scoreOf(summary, s.progress)).toEqual({ correct: 1, checks: 2 });
  });

  it('shows hints on request up to the last one', () => {
    let s = run(loaded(), { type: 'opened', lesson, seq: 0 }, { type: 'go', index: 1, seq: 0 });
    s = run(s, { type: 'hint', stepID: 'send' }, { type: 'hint', stepID: 'send' }, { type: 'hint', stepID: 'send' });
    expect(currentRun(s)?.hints).toBe(2);
  });

  it('teacher mode: the question on demand, the answer once revealed', () => {
    let s = run(loaded(), { type: 'teacher', on: true }, { type: 'opened', lesson, seq: 0 }, { type: 'go', index: 1, seq: 0 });
    expect(s.teacher).toBe(true);
    expect(currentRun(s)).toMatchObject({ questionShown: false, revealed: null });
    s = run(s, { type: 'show-question', stepID: 'send' });
    expect(currentRun(s)?.questionShown).toBe(true);
    s = run(s, { type: 'revealed', stepID: 'send', grade: right });
    expect(currentRun(s)?.revealed?.expected).toBe('7');
    // The class answers aloud: Next does not wait for an answer.
    expect(canNext(s)).toBe(true);
    expect(canNext(run(s, { type: 'teacher', on: false }))).toBe(false);
  });
});

describe('lessons reducer: detection', () => {
  const at1 = () => run(loaded(), { type: 'opened', lesson, seq: 0 }, { type: 'go', index: 1, seq: 30 });
  const d = (done: boolean, detectable = true, detail = ''): DetectDTO => ({ done, detectable, detail });

  it('waits, then sees the learner do it', () => {
    let s = at1();
    expect(currentRun(s)).toMatchObject({ detect: 'waiting', since: 30 });
    s = run(s, { type: 'detected', stepID: 'send', result: d(false, true, 'No mail sent yet.') });
    expect(currentRun(s)).toMatchObject({ detect: 'waiting', detail: 'No mail sent yet.' });
    s = run(s, { type: 'detected', stepID: 'send', result: d(true, true, 'The Laptop sent a mail.') });
    expect(currentRun(s)).toMatchObject({ detect: 'done', detail: 'The Laptop sent a mail.' });
    // Once seen it stays seen.
    s = run(s, { type: 'detected', stepID: 'send', result: d(false) });
    expect(currentRun(s)?.detect).toBe('done');
  });

  it('an action the app cannot see is declared by the learner', () => {
    let s = run(at1(), { type: 'detected', stepID: 'send', result: d(false, false) });
    expect(currentRun(s)?.detect).toBe('undetectable');
    s = run(s, { type: 'declared', stepID: 'send' });
    expect(currentRun(s)?.detect).toBe('done');
  });

  it('"Do it for me" counts as done; a failed perform does not', () => {
    const ok: StepOutcomeDTO = { done: true, outcome: 'Sent.', fault: false, error: '', traceFrom: 0 };
    expect(currentRun(run(at1(), { type: 'performed', stepID: 'send', outcome: ok }))?.detect).toBe('done');
    const bad: StepOutcomeDTO = { done: false, outcome: 'failed: no such device', fault: false, error: 'no such device', traceFrom: 0 };
    expect(currentRun(run(at1(), { type: 'performed', stepID: 'send', outcome: bad }))).toMatchObject({ detect: 'waiting', action: 'failed', error: 'no such device' });
    // A fault the lesson armed is the outcome it wanted, not a failure.
    const fault: StepOutcomeDTO = { done: true, outcome: 'broken by the armed fault, as the lesson meant', fault: true, error: '', traceFrom: 0 };
    expect(currentRun(run(at1(), { type: 'performed', stepID: 'send', outcome: fault }))).toMatchObject({ action: 'done', fault: true, error: '' });
  });

  it('lessons:changed moves the start of the run', () => {
    const s = run(at1(), { type: 'run-reset', id: 'journey', traceFrom: 77 });
    expect(runFrom(s)).toBe(77);
    expect(run(s, { type: 'run-reset', id: 'other', traceFrom: 3 })).toBe(s);
  });
});

describe('lessons reducer: saved progress', () => {
  it('resumes at the saved step, without running its action again, and looks for the learner from the run', () => {
    const saved: ProgressDTO = { welcomed: true, lessons: { journey: { step: 'fetch', answers: { send: { answer: '7', correct: true, tries: 2 } }, done: false, traceFrom: 1 } } };
    const s = run(loaded(saved), { type: 'opened', lesson: { ...lesson, traceFrom: 12 }, seq: 500 });
    expect(s.player?.index).toBe(3);
    expect(currentRun(s)?.action).toBe('idle');
    // This session's run start, from Go, wins over the saved one.
    expect(runFrom(s)).toBe(12);
    expect(fractionOf(summary, s.progress, s.outlines.journey)).toBe(0.75);
    expect(fractionOf(summary, s.progress)).toBe(0); // steps not known yet
    // Back to the answered step: Next is open, from the saved answer.
    const b = run(s, { type: 'go', index: 1, seq: 500 });
    expect(canNext(b)).toBe(true);
    expect(currentRun(b)?.since).toBe(11);
  });

  it('resumes a step the lesson no longer has at its start', () => {
    expect(resumeIndex(lesson, { welcomed: false, lessons: { journey: { step: 'gone', answers: {}, done: false, traceFrom: 0 } } })).toBe(0);
    expect(resumeIndex(lesson, { welcomed: false, lessons: { journey: { step: 'words', answers: {}, done: false, traceFrom: 0 } } })).toBe(2);
  });

  it('restart forgets the answers and runs the first step again', () => {
    let s = run(loaded(), { type: 'opened', lesson, seq: 0 }, { type: 'go', index: 1, seq: 0 }, { type: 'graded', stepID: 'send', answer: '7', grade: right });
    s = run(s, { type: 'restart', seq: 60 });
    expect(s.progress.lessons.journey).toEqual({ step: 'reset', answers: {}, done: false, traceFrom: 61 });
    expect(currentRun(s)?.action).toBe('pending');
  });
});

function fakeApi(saved: ProgressDTO = emptyProgress) {
  const calls: string[] = [];
  const saves: ProgressDTO[] = [];
  let seq = 10;
  let sent = false;
  const api: LessonsApi = {
    list: async () => [summary],
    get: async () => lesson,
    perform: async (id, s) => {
      calls.push(`perform ${id}/${s}`);
      if (s === 'send') sent = true;
      return { done: true, outcome: `did ${s}`, fault: false, error: '', traceFrom: s === 'reset' ? 100 : 1 };
    },
    detect: async (_id, s, since) => {
      calls.push(`detect ${s} since ${since}`);
      return { done: sent, detectable: true, detail: sent ? 'sent' : 'not yet' };
    },
    answer: async (_id, s, a) => {
      calls.push(`answer ${s} ${a}`);
      return a === '7' ? right : wrong;
    },
    reveal: async () => right,
    progress: async () => saved,
    saveProgress: async (p) => {
      saves.push(p);
    },
    traceSeq: () => seq,
  };
  return { api, calls, saves, setSeq: (n: number) => (seq = n), learnerSends: () => (sent = true) };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('lessons store', () => {
  it('plays a lesson: the first action runs once, answers are graded and saved, and a new store resumes', async () => {
    const f = fakeApi();
    const s = createLessonsStore(f.api, { detectEveryMs: 5 });
    await s.load();
    await s.open('journey');
    expect(f.calls).toEqual(['perform journey/reset']);
    expect(runFrom(s.get())).toBe(100);
    await s.next();
    s.poke();
    await tick(20);
    expect(f.calls.filter((c) => c.startsWith('detect'))).toContain('detect send since 10');
    expect(currentRun(s.get())?.detect).toBe('waiting');
    f.learnerSends();
    s.poke();
    await tick(20);
    expect(currentRun(s.get())?.detect).toBe('done');
    await s.answer('3');
    expect(currentRun(s.get())?.hints).toBe(1);
    await s.next(); // held: wrong
    expect(s.get().player?.index).toBe(1);
    await s.answer('7');
    s.back();
    await s.next();
    expect(f.calls.filter((c) => c === 'perform journey/reset')).toHaveLength(1);
    await tick(0);
    const last = f.saves[f.saves.length - 1];
    expect(last?.lessons.journey).toMatchObject({ step: 'send', answers: { send: { answer: '7', correct: true, tries: 2 } }, traceFrom: 100 });

    // A reload: a new store from the saved progress.
    const g = fakeApi(last);
    const t = createLessonsStore(g.api);
    await t.load();
    await t.open('journey');
    expect(t.get().player?.index).toBe(1);
    expect(g.calls.filter((c) => c.startsWith('perform'))).toEqual([]);
    expect(canNext(t.get())).toBe(true);
    s.destroy();
    t.destroy();
  });

  it('a save keeps the welcome that was written meanwhile', async () => {
    const f = fakeApi();
    let onDisk: ProgressDTO = emptyProgress;
    const s = createLessonsStore({ ...f.api, progress: async () => onDisk, saveProgress: async (p) => void (onDisk = p) });
    await s.load();
    onDisk = { ...onDisk, welcomed: true }; // the welcome, after the lessons loaded
    await s.open('journey');
    await tick(5);
    expect(onDisk.welcomed).toBe(true);
    expect(onDisk.lessons.journey?.step).toBe('reset');
    s.destroy();
  });

  it('folds a burst of pokes into one detection at a time', async () => {
    const f = fakeApi();
    const s = createLessonsStore(f.api, { detectEveryMs: 30 });
    await s.open('journey');
    await s.next();
    for (let i = 0; i < 20; i++) s.poke();
    await tick(10);
    const n = f.calls.filter((c) => c.startsWith('detect')).length;
    expect(n).toBeLessThanOrEqual(1);
    await tick(80);
    expect(f.calls.filter((c) => c.startsWith('detect')).length).toBeLessThanOrEqual(2);
    s.destroy();
  });

  it('a refused "Do it for me" that the lab still sees done counts as done', async () => {
    const f = fakeApi();
    const s = createLessonsStore({ ...f.api, perform: async () => ({ done: false, outcome: 'failed: 552', fault: false, error: 'refused over quota', traceFrom: 1 }), detect: async () => ({ done: true, detectable: true, detail: 'The Laptop tried to send it.' }) }, { detectEveryMs: 1 });
    await s.open('journey');
    await s.next();
    await s.perform();
    expect(currentRun(s.get())).toMatchObject({ action: 'failed', detect: 'waiting' });
    await tick(20);
    expect(currentRun(s.get())).toMatchObject({ action: 'failed', detect: 'done', detail: 'The Laptop tried to send it.', error: 'refused over quota' });
    s.destroy();
  });

  it('"Do it for me" performs the learner\'s action', async () => {
    const f = fakeApi();
    const s = createLessonsStore(f.api);
    await s.open('journey');
    await s.next();
    await s.perform();
    expect(f.calls).toContain('perform journey/send');
    expect(currentRun(s.get())?.detect).toBe('done');
    s.destroy();
  });
});
