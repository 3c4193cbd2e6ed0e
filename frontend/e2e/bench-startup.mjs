#!/usr/bin/env node
// Cold start figures (benchmark, not a test), under a private Xvfb:
//   production binary: exec → window visible (xdotool, polled every few ms)
//     and exec → the page painted (lib/firstpaint.py grabs the screen with
//     XGetImage every few ms: "painted" = the window shows many colours,
//     i.e. text and icons, not just its background);
//   dev binary with -loglevel Trace: exec → the web view asks for
//     index.html, and exec → the page's first binding call answered (the
//     UI is up and talking to Go: "interactive"), read from its log.
// The first run of each creates the TLS certificate in a fresh config dir
// (a first-ever start); the runs after it are what a user sees every day.
// Target (issue 4): ≤ 0.5 s to an interactive window.
//
//   make ui-bench     (or: node e2e/bench-startup.mjs [prod-binary] [runs])

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { ARTIFACTS, FRONTEND, ROOT, appEnv, log, startProcess, startXvfb, stopAll, stopProcess } from './lib/harness.mjs';
import { median } from './lib/dom.mjs';

const run = promisify(execFile);
const PROD = process.argv[2] ?? path.join(ROOT, 'build', 'bin', 'mailscope');
const DEV = process.env.MAILSCOPE_DEV_BIN ?? path.join(ROOT, 'build', 'bin', 'mailscope-dev');
const RUNS = Number(process.argv[3] ?? 6);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function findWindow(display) {
  const out = await run('xdotool', ['search', '--onlyvisible', '--name', '^Mailscope$'], {
    env: { ...process.env, DISPLAY: display },
  }).catch(() => ({ stdout: '' }));
  return out.stdout.trim().split('\n').filter(Boolean)[0];
}

async function rendered(display, id, file) {
  await run('import', ['-window', id, file], { env: { ...process.env, DISPLAY: display } });
  const out = (await run('convert', [file, '-format', '%[fx:standard_deviation] %k', 'info:'])).stdout.trim().split(/\s+/).map(Number);
  return out[0] > 0.03 && out[1] > 64;
}

/** Starts the X watcher (lib/firstpaint.py); resolves once it is connected. */
async function watchPaint(display) {
  const proc = spawn('python3', [path.join(FRONTEND, 'e2e', 'lib', 'firstpaint.py'), display, '30'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const marks = {};
  let buf = '';
  const done = new Promise((resolve) => proc.on('exit', () => resolve(marks)));
  await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const [k, v] = buf.slice(0, i).trim().split(' ');
        buf = buf.slice(i + 1);
        if (k === 'ready') resolve();
        else if (k === 'error') reject(new Error(`firstpaint.py: ${v}`));
        else marks[k] = Number(v);
      }
    });
    proc.on('exit', (code) => reject(new Error(`firstpaint.py exited (${code})`)));
  });
  return { proc, done };
}

async function prodRun(display, env, shot) {
  const watcher = await watchPaint(display);
  const wall0 = Date.now();
  const t0 = performance.now();
  const app = startProcess('mailscope', PROD, [], env);
  let id;
  for (;;) {
    if (app.exited) throw new Error(`mailscope exited: ${app.log()}`);
    id = await findWindow(display);
    if (id) break;
    if (performance.now() - t0 > 30000) throw new Error('no window in 30 s');
    await sleep(2);
  }
  const windowMs = performance.now() - t0;
  const marks = await watcher.done;
  // A screenshot of the settled window, for the record.
  await sleep(500);
  await rendered(display, id, shot).catch(() => {});
  await stopProcess(app);
  return { windowMs, mappedMs: marks.mapped - wall0, paintedMs: marks.painted - wall0 };
}

async function devRun(display, env) {
  const t0 = performance.now();
  const app = startProcess('mailscope-dev', DEV, ['-assetdir', path.join(FRONTEND, 'dist'), '-loglevel', 'Trace'], env);
  const marks = {};
  const patterns = {
    pageRequestMs: /Handling request '\/'/,
    firstCallMs: /json call result data/,
  };
  let windowMs = null;
  while (performance.now() - t0 < 30000 && Object.keys(marks).length < 2) {
    if (app.exited) throw new Error(`mailscope-dev exited: ${app.log()}`);
    const text = fs.readFileSync(app.logPath, 'utf8');
    for (const [k, re] of Object.entries(patterns)) if (!(k in marks) && re.test(text)) marks[k] = performance.now() - t0;
    if (windowMs === null && (await findWindow(display))) windowMs = performance.now() - t0;
    await sleep(1);
  }
  await stopProcess(app);
  return { windowMs, ...marks };
}

function summary(runs, keys) {
  const warm = runs.slice(1);
  const o = { first: runs[0] };
  for (const k of keys) {
    const xs = warm.map((r) => r[k]).filter((v) => typeof v === 'number');
    o[k] = { median: +median(xs).toFixed(0), min: +Math.min(...xs).toFixed(0), max: +Math.max(...xs).toFixed(0) };
  }
  return o;
}

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const figures = {};
  try {
    const { display } = await startXvfb({ width: 1400, height: 900 });
    const shot = path.join(ARTIFACTS, 'startup.png');
    if (fs.existsSync(PROD)) {
      const env = appEnv(display);
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        runs.push(await prodRun(display, env, shot));
        log(`production run ${i + 1}: ${JSON.stringify(runs[i], (k, v) => (typeof v === 'number' ? +v.toFixed(0) : v))}`);
      }
      figures.production = summary(runs, ['windowMs', 'mappedMs', 'paintedMs']);
    } else log(`${PROD} missing: make build`);
    if (fs.existsSync(DEV)) {
      const env = appEnv(display);
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        runs.push(await devRun(display, env));
        log(`dev run ${i + 1}: ${JSON.stringify(runs[i], (k, v) => (typeof v === 'number' ? +v.toFixed(0) : v))}`);
      }
      figures.dev = summary(runs, ['windowMs', 'pageRequestMs', 'firstCallMs']);
    } else log(`${DEV} missing: make e2e builds it`);
  } finally {
    await stopAll();
  }
  fs.writeFileSync(path.join(ARTIFACTS, 'bench-startup.json'), JSON.stringify(figures, null, 2));
  const p = figures.production;
  const d = figures.dev;
  console.log(`
Cold start (median of ${RUNS - 1} warm runs; first-ever start in brackets; target ≤ 500 ms to interactive)
  production: window visible (xdotool) ${p?.windowMs.median} ms [${p?.first.windowMs.toFixed(0)}]; background on screen ${p?.mappedMs.median} ms; page painted ${p?.paintedMs.median} ms (min ${p?.paintedMs.min}, max ${p?.paintedMs.max}) [${p?.first.paintedMs?.toFixed(0)}]
  dev build:  window mapped ${d?.windowMs.median} ms; index.html requested ${d?.pageRequestMs.median} ms; first binding call answered ${d?.firstCallMs.median} ms [${d?.first.firstCallMs?.toFixed(0)}]
(build/e2e-artifacts/bench-startup.json has every run)`);
}

main().catch(async (e) => {
  console.error(`bench-startup failed: ${e.stack ?? e.message}`);
  await stopAll();
  process.exit(1);
});
