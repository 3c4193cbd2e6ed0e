// The end-to-end harness: Xvfb on a free display, the dev-tagged Mailscope
// binary serving the built frontend and its Wails IPC bridge on a free
// loopback port, and Debian's Chromium driven by playwright-core.
//
// Every process started here is recorded and stopped by stopAll(), which
// also runs on SIGINT/SIGTERM and on an uncaught error, so a failing run
// leaves no Xvfb, app or browser behind. Processes are stopped by their own
// id (the app and Xvfb run in their own process group, so the app's WebKit
// children go with it), never by name.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FRONTEND = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ROOT = path.resolve(FRONTEND, '..');
export const ARTIFACTS = path.join(ROOT, 'build', 'e2e-artifacts');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Processes to stop: { name, proc, group }. */
const running = [];
/** Async cleanups (browser contexts) run before the processes are stopped. */
const closers = [];
const tmpDirs = [];

export function log(...a) {
  const t = new Date().toISOString().slice(11, 23);
  console.log(`[${t}]`, ...a);
}

export function tmpDir(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `mailscope-e2e-${prefix}-`));
  tmpDirs.push(d);
  return d;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value or timeoutMs passes. */
export async function waitFor(what, fn, timeoutMs = 15000, everyMs = 50) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await sleep(everyMs);
  }
}

function track(name, proc, group) {
  const entry = { name, proc, group, exited: false, code: null, signal: null };
  proc.on('exit', (code, signal) => {
    entry.exited = true;
    entry.code = code;
    entry.signal = signal;
  });
  running.push(entry);
  return entry;
}

function signal(entry, sig) {
  if (entry.exited) return;
  try {
    if (entry.group) process.kill(-entry.proc.pid, sig);
    else entry.proc.kill(sig);
  } catch {
    /* already gone */
  }
}

async function stopEntry(entry, graceMs = 3000) {
  const tree = entry.exited ? [] : processTree(entry.proc.pid).filter((p) => p !== entry.proc.pid);
  signal(entry, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (!entry.exited && Date.now() < end) await sleep(50);
  signal(entry, 'SIGKILL');
  // The app's WebKit children are in its group: kill what is left of it.
  if (entry.group) {
    try {
      process.kill(-entry.proc.pid, 'SIGKILL');
    } catch {
      /* group empty */
    }
  }
  await reap(tree);
  const idx = running.indexOf(entry);
  if (idx >= 0) running.splice(idx, 1);
}

function alive(pid) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st.slice(st.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits for pids (children we started) to go, then kills the stragglers. */
async function reap(pids, graceMs = 2000) {
  const end = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < end) await sleep(50);
  for (const p of pids.filter(alive)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  const end2 = Date.now() + 2000;
  while (pids.some(alive) && Date.now() < end2) await sleep(50);
}

export async function stopProcess(entry, graceMs) {
  await stopEntry(entry, graceMs);
}

/** Stops everything this module started, newest first. Safe to call twice. */
export async function stopAll() {
  // Chromium's processes are ours too (playwright started them).
  const ours = processTree(process.pid).filter((p) => p !== process.pid && !running.some((e) => e.proc.pid === p));
  while (closers.length) {
    const c = closers.pop();
    try {
      await Promise.race([c(), sleep(5000)]);
    } catch {
      /* best effort */
    }
  }
  while (running.length) await stopEntry(running[running.length - 1]);
  await reap(ours);
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      log(`got ${sig}, cleaning up`);
      await stopAll();
      process.exit(130);
    });
  }
  process.on('uncaughtException', async (e) => {
    console.error(e);
    await stopAll();
    process.exit(1);
  });
  process.on('unhandledRejection', async (e) => {
    console.error(e);
    await stopAll();
    process.exit(1);
  });
  // Last resort: synchronous kill of whatever is left.
  process.on('exit', () => {
    for (const e of running) {
      try {
        if (e.group) process.kill(-e.proc.pid, 'SIGKILL');
        else e.proc.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
}

/** A TCP port free right now on 127.0.0.1 (the caller retries on a race). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts Xvfb on a display it picks itself (-displayfd), so parallel runs
 * never collide. Returns { display: ":N", entry }.
 */
export async function startXvfb({ width = 1280, height = 860 } = {}) {
  hookExit();
  const errPath = path.join(tmpDir('xvfb'), 'xvfb.log');
  const err = fs.openSync(errPath, 'w');
  const proc = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'],
    { stdio: ['ignore', 'ignore', err, 'pipe'], detached: true },
  );
  const entry = track('Xvfb', proc, true);
  const display = await new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`Xvfb gave no display in 10 s: ${readTail(errPath)}`)), 10000);
    proc.stdio[3].on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        clearTimeout(t);
        resolve(`:${buf.trim()}`);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`Xvfb exited (${code}): ${readTail(errPath)}`));
    });
  });
  log(`Xvfb on ${display} (pid ${proc.pid})`);
  return { display, entry };
}

function readTail(p, n = 2000) {
  try {
    const s = fs.readFileSync(p, 'utf8');
    return s.slice(-n);
  } catch {
    return '';
  }
}

/** Environment for the app: its own display and config/cache dirs. */
export function appEnv(display) {
  const home = tmpDir('home');
  return {
    ...process.env,
    DISPLAY: display,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    XDG_DATA_HOME: path.join(home, 'data'),
    // No accessibility bus under Xvfb: keeps GTK from waiting for one.
    NO_AT_BRIDGE: '1',
    GTK_A11Y: 'none',
  };
}

/**
 * Starts a binary in its own process group with stdout/stderr to a log
 * file. Returns the tracked entry plus logPath.
 */
export function startProcess(name, bin, args, env) {
  hookExit();
  const logPath = path.join(tmpDir('log'), `${name}.log`);
  const fd = fs.openSync(logPath, 'w');
  const proc = spawn(bin, args, { env, stdio: ['ignore', fd, fd], detached: true });
  fs.closeSync(fd);
  const entry = track(name, proc, true);
  entry.logPath = logPath;
  entry.log = () => readTail(logPath, 4000);
  return entry;
}

async function httpOK(url) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return r.ok;
  } catch {
    return false;
  }
}

/**
 * Starts the dev-tagged app serving frontend/dist on a free loopback port
 * and waits until it answers. Retries with another port if it dies early
 * (the port was taken between freePort() and the bind).
 */
export async function startDevApp({ display, bin = process.env.MAILSCOPE_DEV_BIN, assetdir } = {}) {
  bin ??= path.join(ROOT, 'build', 'bin', 'mailscope-dev');
  assetdir ??= path.join(FRONTEND, 'dist');
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: make e2e builds it (go build -tags dev,webkit2_41)`);
  if (!fs.existsSync(path.join(assetdir, 'index.html'))) throw new Error(`${assetdir}/index.html is missing: npm run build`);
  // Serve a snapshot of the build, so an `npm run build` running meanwhile
  // (it empties dist/ first) cannot pull the assets from under the page.
  if (process.env.E2E_LIVE_DIST !== '1') {
    const snap = path.join(tmpDir('dist'), 'dist');
    fs.cpSync(assetdir, snap, { recursive: true });
    assetdir = snap;
  }
  const env = appEnv(display);
  let lastErr;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const t0 = performance.now();
    const entry = startProcess('mailscope-dev', bin, ['-assetdir', assetdir, '-devserver', `127.0.0.1:${port}`], env);
    try {
      await waitFor(`the dev server at ${url}`, async () => {
        if (entry.exited) throw new Error(`app exited (${entry.code ?? entry.signal}): ${entry.log()}`);
        return httpOK(url);
      }, 30000, 50);
      log(`dev app serving ${url} (pid ${entry.proc.pid}) after ${(performance.now() - t0).toFixed(0)} ms`);
      return { url, port, entry };
    } catch (e) {
      lastErr = e;
      log(`dev app attempt ${attempt} failed: ${e.message}`);
      await stopEntry(entry);
    }
  }
  throw lastErr;
}

/** The localStorage key that says the first-run welcome was answered (src/lib/welcome.ts). */
export const WELCOMED_KEY = 'mailscope.welcomed';

/**
 * Launches Chromium (fresh profile) and opens url. Returns { context, page }.
 * The profile has already answered the first-run welcome, so that it does
 * not stand in front of the flows; welcomed: false starts a first run.
 */
export async function launchBrowser({ url, headless = process.env.E2E_HEADED !== '1', display, viewport, welcomed = true } = {}) {
  hookExit();
  const { chromium } = await import('playwright-core');
  const udd = tmpDir('chromium');
  const context = await chromium.launchPersistentContext(udd, {
    executablePath: CHROMIUM,
    headless,
    args: CHROMIUM_ARGS,
    env: display ? { ...process.env, DISPLAY: display } : process.env,
    viewport: viewport ?? { width: 1280, height: 820 },
    acceptDownloads: true,
    timeout: 60000,
  });
  closers.push(() => context.close());
  if (welcomed) {
    await context.addInitScript((key) => {
      try {
        localStorage.setItem(key, '1');
      } catch {
        /* no storage on about:blank */
      }
    }, WELCOMED_KEY);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.pageErrors = [];
  page.on('pageerror', (e) => {
    page.pageErrors.push(e.message);
    log(`page error: ${e.message}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon|Failed to load resource/.test(m.text())) log(`console error: ${m.text()}`);
  });
  if (url) {
    await page.goto(url, { waitUntil: 'load', timeout: 30000 });
    await waitForBindings(page);
  }
  return { context, page };
}

/**
 * Waits until the Wails bridge is connected: window.go.app.* bound and one
 * round trip through the IPC websocket answered.
 */
export async function waitForBindings(page, timeoutMs = 20000) {
  await page.waitForFunction(() => !!(window.go?.app?.LinkService && window.runtime?.EventsOn), null, {
    timeout: timeoutMs,
  });
  await page.evaluate(() => window.go.app.LinkService.Presets());
}

/** Starts Xvfb + the dev app + Chromium on it. */
export async function startAll(opts = {}) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const x = await startXvfb();
  const app = await startDevApp({ display: x.display, ...opts });
  const { context, page } = await launchBrowser({ url: app.url, display: x.display, ...opts });
  return { display: x.display, xvfb: x.entry, app, context, page };
}

/** All pids of a process tree (pid and its descendants), from /proc. */
export function processTree(rootPid) {
  const children = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {
      /* exited */
    }
  }
  const out = [];
  const stack = [rootPid];
  while (stack.length) {
    const p = stack.pop();
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** { pid, name, pssKB, rssKB } for a pid, from smaps_rollup. */
export function memoryOf(pid) {
  const name = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  const roll = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const get = (k) => Number((roll.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) ?? [])[1] ?? 0);
  return { pid, name, pssKB: get('Pss'), rssKB: get('Rss') };
}
