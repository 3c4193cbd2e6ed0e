#!/usr/bin/env node
// The load benchmark with the app's trace view open (issue 13; figures,
// not a pass/fail test, and not part of `make test`): the dev build with
// its loopback TCP listeners on and the Lab page open in Chromium, the
// trace view following live, while the clients of `make bench-load`
// (app/cli/testdata/loadclients.py: five IMAP, an SMTP and a POP3 client,
// flat out) work against the app's ports for SECONDS (default 60).
//
// Every SAMPLE seconds it records the app's memory (its Go process, and
// the WebKit processes of the dev build's own window), the Chromium page's
// JS heap (CDP), the trace view's row count, the trace:append/resync
// events the page got, a rAF frame-interval sample and the time from a
// click on a trace row to its explanation on screen (reported, not
// asserted). At the end it checks, and fails on: every client served
// (sessions, no errors), every message delivered (each account's INBOX
// grew by what the SMTP client sent, read by the clients themselves and
// through the page's LabService binding), and the app's Go process's peak
// RSS within its idle RSS + the trace budget + SLACK. A screenshot of the end lands in
// build/e2e-artifacts/bench-load-ui.png, the figures in
// build/e2e-artifacts/bench-load-ui.json.
//
//   make bench-load-ui [LOAD_SECONDS=60] [LOAD_BUDGET=256MB]
//   node e2e/bench-load-ui.mjs [SECONDS]     (from frontend/)
//
// Environment: MAILSCOPE_TRACE_BUDGET (the app's trace budget, as serve's
// --trace-budget; unset: the app's default, 256 MB), BENCH_SAMPLE_S (3),
// BENCH_SLACK_MB (256: what the process holds besides the trace: the Go
// runtime, the garbage of the event stream, Wails, GTK).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ARTIFACTS, ROOT, log, memoryOf, processTree, startAll, stopAll, waitFor } from './lib/harness.mjs';
import { followTail, median, percentile, tid, traceCount } from './lib/dom.mjs';

const SECONDS = Number(process.argv[2] ?? process.env.LOAD_SECONDS ?? 60);
const SAMPLE_S = Number(process.env.BENCH_SAMPLE_S ?? 3);
const SLACK_MB = Number(process.env.BENCH_SLACK_MB ?? 256);
const BUDGET = process.env.MAILSCOPE_TRACE_BUDGET ?? '256MB';
const CLIENTS = path.join(ROOT, 'app', 'cli', 'testdata', 'loadclients.py');
const CLICK_BOUND_MS = 1000; // a click's explanation should be on screen within this (reported)

/** "256MB" -> bytes, as app/cli.ParseSize reads it (powers of 1024). */
function parseSize(s) {
  const m = String(s).trim().toUpperCase().match(/^([\d.]+)\s*(GIB|MIB|KIB|GB|MB|KB|G|M|K|B)?$/);
  if (!m) throw new Error(`MAILSCOPE_TRACE_BUDGET=${s} is not a size (256MB, 1GB, 0)`);
  const mult = { G: 2 ** 30, M: 2 ** 20, K: 2 ** 10, B: 1 }[(m[2] ?? 'B')[0]];
  return Number(m[1]) * mult;
}

/** kB from a /proc/PID/status field (VmRSS, VmHWM), 0 if gone. */
function statusKB(pid, field) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number((s.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm')) ?? [])[1] ?? 0);
  } catch {
    return 0;
  }
}

const mb = (kB) => +(kB / 1024).toFixed(1);

/** The app's Go process and its WebKit children (PSS/RSS), and Chromium's processes. */
function memory(appPid, skip) {
  const app = processTree(appPid);
  const of = (pids) =>
    pids
      .map((p) => {
        try {
          return memoryOf(p);
        } catch {
          return null;
        }
      })
      .filter(Boolean);
  const appProcs = of(app);
  const self = appProcs.find((p) => p.pid === appPid);
  const webkit = appProcs.filter((p) => p.pid !== appPid);
  const chromium = of(processTree(process.pid).filter((p) => p !== process.pid && !app.includes(p) && !skip.has(p))).filter((p) =>
    /chrom/i.test(p.name),
  );
  const sum = (ps, k) => mb(ps.reduce((s, p) => s + p[k], 0));
  return {
    appRssMB: mb(self?.rssKB ?? 0),
    appPssMB: mb(self?.pssKB ?? 0),
    appHwmMB: mb(statusKB(appPid, 'VmHWM')),
    webkitPssMB: sum(webkit, 'pssKB'),
    chromiumPssMB: sum(chromium, 'pssKB'),
  };
}

/** Installed before the page loads: counts what the bridge delivers, keeping nothing. */
function counterScript() {
  const c = (window.__load = { appended: 0, batches: 0, resyncs: 0, listening: false });
  const timer = setInterval(() => {
    if (c.listening || !window.runtime?.EventsOn) return;
    c.listening = true;
    window.runtime.EventsOn('trace:resync', () => c.resyncs++);
    window.runtime.EventsOn('trace:append', (b) => {
      c.batches++;
      c.appended += b?.n ?? 0;
    });
    clearInterval(timer);
  }, 20);
}

/** n rAF intervals (ms) in the page. */
async function rafSample(page, n = 30) {
  const d = await page.evaluate(
    (n) =>
      new Promise((resolve) => {
        const out = [];
        let last = null;
        const step = (t) => {
          if (last !== null) out.push(t - last);
          last = t;
          if (out.length >= n) resolve(out);
          else requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      }),
    n,
  );
  return { medianMs: +median(d).toFixed(1), p95Ms: +percentile(d, 95).toFixed(1), maxMs: +Math.max(...d).toFixed(1) };
}

let blankShot = null; // the first time the view showed no row: a screenshot

/**
 * Clicks a trace row on screen (the last fully visible one) and times until
 * the explanation panel names it (#seq) with at least one explanation;
 * then follows the tail again (a click can stop following).
 */
async function clickExplain(page) {
  const t0 = performance.now();
  // Looked for in up to 10 frames (rAF callbacks, just before a paint):
  // the frames in which no row was on screen are the view falling behind
  // its own scrolling, or reloading after a resync.
  const found = await page.evaluate(
    () =>
      new Promise((resolve) => {
        let blank = 0;
        let why = '';
        const look = () => {
          const view = document.querySelector('[data-testid="trace-view"]');
          const box = view.getBoundingClientRect();
          const all = [...view.querySelectorAll('[data-testid="trace-row"]')];
          const rows = all.filter((r) => {
            const b = r.getBoundingClientRect();
            return b.height > 0 && b.bottom > box.top && b.top < box.bottom;
          });
          // The middle of the screen: clear of the rows following the tail pushes in.
          const r = rows[Math.floor(rows.length / 2)];
          if (r) {
            r.click();
            return resolve({ seq: Number(r.getAttribute('data-seq')), blankFrames: blank, why });
          }
          const tops = all.map((x) => x.getBoundingClientRect()).filter((b) => b.height > 0);
          const span = tops.length ? `${Math.round(Math.min(...tops.map((b) => b.top)))}..${Math.round(Math.max(...tops.map((b) => b.bottom)))}` : 'none';
          why ||= `no row on screen: ${all.length} in the DOM at y ${span}, view y ${Math.round(box.top)}..${Math.round(box.bottom)}, scrollTop ${Math.round(view.scrollTop)} of ${view.scrollHeight}`;
          if (++blank >= 10) return resolve({ blankFrames: blank, why });
          requestAnimationFrame(look);
        };
        requestAnimationFrame(look);
      }),
  );
  const seq = found.seq ?? found;
  if (typeof seq !== 'number') {
    if (!blankShot) {
      blankShot = path.join(ARTIFACTS, 'bench-load-ui-blank.png');
      await page.screenshot({ path: blankShot }).catch(() => {});
    }
    return { ms: null, blankFrames: found.blankFrames, why: found.why };
  }
  let ms = null;
  try {
    await page.waitForFunction(
      (seq) => {
        const p = document.querySelector('[data-testid="explain-panel"]');
        return p && p.textContent.includes(`#${seq}`) && p.querySelector('[data-testid="explain-item"]');
      },
      seq,
      { timeout: 10000, polling: 'raf' },
    );
    ms = Math.round(performance.now() - t0);
  } catch {
    /* not within 10 s: reported as null */
  }
  await followTail(page).catch(() => {});
  return { seq, ms, blankFrames: found.blankFrames, ...(found.why ? { why: found.why } : {}) };
}

function runClient(kind, env) {
  return new Promise((resolve) => {
    const p = spawn('python3', [CLIENTS, kind], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      const f = out.trim().split('\n').pop().split(/\s+/);
      const ok = f.length === 5 && f[0] === 'done';
      resolve({
        kind,
        code,
        sessions: ok ? +f[1] : 0,
        ops: ok ? +f[2] : 0,
        errors: ok ? +f[3] : -1,
        sent: ok ? +f[4] : 0,
        stderr: err.slice(-2000),
      });
    });
  });
}

function countInboxes(env) {
  return new Promise((resolve, reject) => {
    const p = spawn('python3', [CLIENTS, 'count'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      const [a, s] = out.trim().split(/\s+/).map(Number);
      if (code !== 0 || !Number.isFinite(a)) reject(new Error(`count failed (${code}): ${err}`));
      else resolve({ alice: a, student: s });
    });
  });
}

const inboxes = (st) => Object.fromEntries((st.Accounts ?? st.accounts ?? []).map((a) => [a.Name ?? a.name, a.Inbox ?? a.inbox]));

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const budgetBytes = parseSize(BUDGET);
  const figures = { seconds: SECONDS, budget: BUDGET, slackMB: SLACK_MB, samples: [] };
  const failures = [];
  try {
    const env = await startAll();
    const { page, context } = env;
    await context.addInitScript(counterScript);
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => !!(window.go?.app?.LabService && window.__load?.listening), null, { timeout: 20000 });
    await page.locator(tid('trace-view')).first().waitFor({ timeout: 20000 });
    const appPid = env.app.entry.proc.pid;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');

    // The serve benchmark's link: loopback (no simulated delay).
    await page.evaluate(() => window.go.app.LinkService.Select('loopback'));
    // The listeners on the default ports; another run may hold them for a moment.
    const st = await waitFor(
      'the listeners on',
      () => page.evaluate(() => window.go.app.LabService.SetListening(true).catch(() => null)).then((s) => (s?.Listening ?? s?.listening ? s : null)),
      30000,
      1000,
    );
    const eps = Object.fromEntries((st.Endpoints ?? st.endpoints).map((e) => [(e.Service ?? e.service).toUpperCase(), e.Addr ?? e.addr]));
    const pass = Object.fromEntries((st.Accounts ?? st.accounts).map((a) => [a.Name ?? a.name, a.Password ?? a.password]));
    log(`listening: ${JSON.stringify(eps)}; trace budget ${BUDGET}`);
    const clientEnv = {
      ...process.env,
      SMTP: eps.SMTP,
      POP3: eps.POP3,
      IMAP: eps.IMAP,
      LOAD_SECONDS: String(SECONDS),
      IMAP_PASS: pass.alice ?? 'alice',
      POP3_PASS: pass.student ?? 'secret',
    };
    const before = await countInboxes(clientEnv);
    const beforeBinding = inboxes(await page.evaluate(() => window.go.app.LabService.State()));
    figures.before = { clients: before, binding: beforeBinding };
    await followTail(page);
    // Explanations on the side.
    if (await page.locator(tid('side-expand')).isVisible().catch(() => false)) await page.locator(tid('side-expand')).click();
    await page.locator(tid('side-tab-line')).click().catch(() => {});
    figures.idle = { ...memory(appPid, new Set()), rows: await traceCount(page).catch(() => null) };
    log(`idle: ${JSON.stringify(figures.idle)}`);

    const t0 = performance.now();
    const kinds = ['imap', 'imap', 'imap', 'imap', 'imap', 'smtp', 'pop3'];
    const running = kinds.map((k) => runClient(k, clientEnv));
    let done = false;
    const all = Promise.all(running).then((r) => {
      done = true;
      return r;
    });
    const skip = new Set(); // python pids are not Chromium's; the name filter keeps them out anyway
    let lastAppended = 0;
    while (!done) {
      await Promise.race([all, new Promise((r) => setTimeout(r, SAMPLE_S * 1000))]);
      const s = { t: Math.round((performance.now() - t0) / 1000) };
      const e0 = performance.now();
      Object.assign(s, memory(appPid, skip));
      const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
      s.jsHeapMB = +(m.JSHeapUsedSize / 1048576).toFixed(1);
      s.rows = await traceCount(page).catch(() => null);
      const c = await page.evaluate(() => ({ ...window.__load, aside: document.querySelector('[data-testid="trace-aside"]')?.textContent?.trim() ?? null }));
      s.evalMs = Math.round(performance.now() - e0); // round trips to the page: slow when its main thread is busy
      s.appended = c.appended;
      s.appendedPerS = Math.round((c.appended - lastAppended) / SAMPLE_S);
      lastAppended = c.appended;
      s.resyncs = c.resyncs;
      s.aside = c.aside;
      s.raf = await rafSample(page);
      s.click = await clickExplain(page);
      figures.samples.push(s);
      log(
        `${String(s.t).padStart(3)} s  app RSS ${s.appRssMB} MB (peak ${s.appHwmMB})  WebKit ${s.webkitPssMB} MB  Chromium ${s.chromiumPssMB} MB (JS ${s.jsHeapMB})  rows ${s.rows}  +${s.appendedPerS}/s  resyncs ${s.resyncs}  frame ${s.raf.medianMs}/${s.raf.maxMs} ms  click→explain ${s.click.ms ?? '—'} ms${s.click.blankFrames ? ` (${s.click.blankFrames} frames with no row on screen)` : ''}${s.aside ? `  [${s.aside}]` : ''}`,
      );
    }
    const results = await all;
    figures.elapsedS = +((performance.now() - t0) / 1000).toFixed(1);
    figures.clients = results.map(({ stderr, ...r }) => (r.errors ? { ...r, stderr } : r));
    for (const r of results) {
      if (r.errors !== 0 || r.sessions === 0) failures.push(`client ${r.kind}: ${r.sessions} sessions, ${r.errors} errors: ${r.stderr}`);
    }
    const sent = results.reduce((s, r) => s + r.sent, 0);
    // The view catches up once the clients stop: how long (to the same
    // count twice, 1 s apart, not 0), and what it shows.
    const c0 = performance.now();
    let settled = null;
    await waitFor('the trace view to settle', async () => {
      const n = await traceCount(page).catch(() => null);
      const same = n !== null && n > 0 && n === settled; // 0: still reloading after a resync
      settled = n;
      return same;
    }, 60000, 1000).catch(() => {});
    figures.settleMs = Math.round(performance.now() - c0);
    const after = await countInboxes(clientEnv);
    const afterBinding = inboxes(await page.evaluate(() => window.go.app.LabService.State()));
    figures.after = { clients: after, binding: afterBinding };
    figures.sent = sent;
    for (const [who, b, a] of [
      ['alice (IMAP)', before.alice, after.alice],
      ['student (POP3)', before.student, after.student],
      ['alice (binding)', beforeBinding.alice, afterBinding.alice],
      ['student (binding)', beforeBinding.student, afterBinding.student],
    ]) {
      if (a !== b + sent) failures.push(`${who}: ${a} messages, want ${b} + ${sent} sent`);
    }
    const fin = { ...memory(appPid, skip), rows: await traceCount(page).catch(() => null) };
    const cm = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
    fin.jsHeapMB = +(cm.JSHeapUsedSize / 1048576).toFixed(1);
    fin.counters = await page.evaluate(() => ({ appended: window.__load.appended, batches: window.__load.batches, resyncs: window.__load.resyncs }));
    fin.aside = await page.locator(tid('trace-aside')).first().textContent({ timeout: 2000 }).then((t) => t.trim()).catch(() => null);
    fin.sessionsInView = await page.evaluate(() => document.querySelectorAll('[data-testid="trace-session"], select option').length);
    figures.final = fin;
    figures.pageErrors = page.pageErrors ?? [];
    await page.screenshot({ path: path.join(ARTIFACTS, 'bench-load-ui.png') });
    // Within budget: the Go process's peak RSS (the trace lives there),
    // over what it held idle (GTK, WebKit's and Go's own mappings: ~170 MB
    // RSS before any event).
    const limitMB = budgetBytes > 0 ? +(figures.idle.appRssMB + budgetBytes / 2 ** 20 + SLACK_MB).toFixed(1) : Infinity;
    figures.appPeakRssMB = fin.appHwmMB;
    figures.limitMB = limitMB;
    if (fin.appHwmMB > limitMB) failures.push(`app peak RSS ${fin.appHwmMB} MB over idle ${figures.idle.appRssMB} MB + budget ${BUDGET} + ${SLACK_MB} MB`);
    const ss = figures.samples;
    const clicks = ss.map((s) => s.click.ms);
    figures.summary = {
      peakAppRssMB: fin.appHwmMB,
      peakWebkitPssMB: Math.max(...ss.map((s) => s.webkitPssMB), fin.webkitPssMB),
      peakChromiumPssMB: Math.max(...ss.map((s) => s.chromiumPssMB), fin.chromiumPssMB),
      peakJsHeapMB: Math.max(...ss.map((s) => s.jsHeapMB), fin.jsHeapMB),
      frameMedianMs: +median(ss.map((s) => s.raf.medianMs)).toFixed(1),
      frameWorstMs: Math.max(...ss.map((s) => s.raf.maxMs)),
      clickMedianMs: clicks.every((c) => c === null) ? null : median(clicks.filter((c) => c !== null)),
      clickWorstMs: clicks.some((c) => c === null) ? null : Math.max(...clicks),
      clicksOverBound: clicks.filter((c) => c === null || c > CLICK_BOUND_MS).length,
      samplesWithBlankView: ss.filter((s) => s.click.blankFrames >= 10).length,
      evalWorstMs: Math.max(...ss.map((s) => s.evalMs)),
      resyncs: fin.counters.resyncs,
    };
  } finally {
    await stopAll();
  }
  figures.failures = failures;
  fs.writeFileSync(path.join(ARTIFACTS, 'bench-load-ui.json'), JSON.stringify(figures, null, 2));
  const f = figures;
  const s = f.summary ?? {};
  const c = (k) => f.clients?.filter((r) => r.kind === k) ?? [];
  const sum = (rs, k) => rs.reduce((a, r) => a + r[k], 0);
  console.log(`
Load with the trace view open: ${f.seconds} s (${f.elapsedS} s), trace budget ${f.budget}
  clients        ${c('imap').length} IMAP ${sum(c('imap'), 'sessions')} sessions / ${sum(c('imap'), 'ops')} ops; SMTP ${sum(c('smtp'), 'sessions')} sessions, ${f.sent} messages; POP3 ${sum(c('pop3'), 'sessions')} sessions / ${sum(c('pop3'), 'ops')} ops; errors ${sum(f.clients ?? [], 'errors')}
  delivered      alice ${f.before?.clients?.alice} → ${f.after?.clients?.alice}, student ${f.before?.clients?.student} → ${f.after?.clients?.student} (+${f.sent} each; the binding says alice ${f.after?.binding?.alice}, student ${f.after?.binding?.student})
  app (Go) RSS   peak ${s.peakAppRssMB} MB (limit ${f.limitMB} MB = idle + budget + ${f.slackMB}); idle ${f.idle?.appRssMB} MB, end ${f.final?.appRssMB} MB
  app WebKit     PSS peak ${s.peakWebkitPssMB} MB (idle ${f.idle?.webkitPssMB})
  Chromium page  PSS peak ${s.peakChromiumPssMB} MB, JS heap peak ${s.peakJsHeapMB} MB
  trace view     ${f.final?.rows} rows at the end (${f.final?.counters?.appended} events appended in ${f.final?.counters?.batches} batches, ${s.resyncs} resyncs), settled ${f.settleMs} ms after the clients stopped
  set aside      ${f.final?.aside ?? 'nothing'}
  frames         rAF interval median ${s.frameMedianMs} ms, worst ${s.frameWorstMs} ms; page round trip worst ${s.evalWorstMs} ms
  click→explain  median ${s.clickMedianMs} ms, worst ${s.clickWorstMs ?? '> 10 s'} ms; ${s.clicksOverBound} of ${f.samples.length} over ${CLICK_BOUND_MS} ms; ${s.samplesWithBlankView} samples with no row on screen for 10 frames
${f.failures.length ? `FAILED:\n  ${f.failures.join('\n  ')}` : 'every client served, nothing lost, within budget'}
(build/e2e-artifacts/bench-load-ui.json, bench-load-ui.png)`);
  if (f.failures.length) process.exit(1);
}

main().catch(async (e) => {
  console.error(`bench-load-ui failed: ${e.stack ?? e.message}`);
  await stopAll();
  process.exit(1);
});
