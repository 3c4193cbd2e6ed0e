#!/usr/bin/env node
// The real production window: start build/bin/mailscope (make build) under
// a private Xvfb, find its window with xdotool, screenshot it with
// ImageMagick's import, and check the picture is the app and not a blank
// or background-only window. The PNG goes to build/e2e-artifacts/window.png.
//
//   make window-check
//   node e2e/window-check.mjs [path/to/mailscope]

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { ARTIFACTS, ROOT, appEnv, log, memoryOf, processTree, startProcess, startXvfb, stopAll, waitFor } from './lib/harness.mjs';

const run = promisify(execFile);
const BIN = process.argv[2] ?? process.env.MAILSCOPE_BIN ?? path.join(ROOT, 'build', 'bin', 'mailscope');
// The window's BackgroundColour (main.go): a window showing only this has
// not rendered the page.
const BACKGROUND = [0xf7, 0xf7, 0xf4];

async function x(display, cmd, args) {
  const { stdout } = await run(cmd, args, { env: { ...process.env, DISPLAY: display }, timeout: 15000, maxBuffer: 64 << 20 });
  return stdout;
}

/** Statistics of a PNG: size, standard deviation, colours, share of the background colour. */
async function stats(png) {
  const fmt = '%w %h %[fx:standard_deviation] %k';
  const out = (await run('convert', [png, '-format', fmt, 'info:'])).stdout.trim().split(/\s+/);
  const [w, h, sd, colours] = out.map(Number);
  // Share of pixels within a few levels of the background colour.
  const [r, g, b] = BACKGROUND;
  const bgShare = Number(
    (
      await run('convert', [
        png,
        '-alpha',
        'off',
        '-fuzz',
        '2%',
        '-fill',
        'white',
        '-opaque',
        `rgb(${r},${g},${b})`,
        '-fill',
        'black',
        '+opaque',
        'white',
        '-format',
        '%[fx:mean]',
        'info:',
      ])
    ).stdout.trim(),
  );
  return { w, h, sd, colours, bgShare };
}

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run make build`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const shot = path.join(ARTIFACTS, 'window.png');
  fs.rmSync(shot, { force: true });

  const { display } = await startXvfb({ width: 1400, height: 900 });
  const t0 = performance.now();
  const app = startProcess('mailscope', BIN, [], appEnv(display));

  const id = await waitFor(
    'a visible window named Mailscope',
    async () => {
      if (app.exited) throw new Error(`mailscope exited (${app.code ?? app.signal}):\n${app.log()}`);
      // xdotool matches names case-insensitively, and GTK may map a helper
      // window called "mailscope" (the program name): take the one whose
      // title is exactly the app's.
      const out = await x(display, 'xdotool', ['search', '--onlyvisible', '--name', '^Mailscope$']).catch(() => '');
      for (const cand of out.trim().split('\n').filter(Boolean)) {
        const title = (await x(display, 'xdotool', ['getwindowname', cand]).catch(() => '')).trim();
        if (title === 'Mailscope') return cand;
      }
      return undefined;
    },
    30000,
    25,
  );
  const tWindow = performance.now() - t0;
  const name = (await x(display, 'xdotool', ['getwindowname', id])).trim();
  const geom = (await x(display, 'xdotool', ['getwindowgeometry', id])).trim().replace(/\s+/g, ' ');
  log(`window ${id} "${name}" visible after ${tWindow.toFixed(0)} ms (${geom})`);

  // The page renders a moment after the window maps: take screenshots until
  // one shows more than the background colour.
  let st;
  let tRendered;
  await waitFor(
    'the page to render in the window',
    async () => {
      if (app.exited) throw new Error(`mailscope exited (${app.code ?? app.signal}):\n${app.log()}`);
      await x(display, 'import', ['-window', id, shot]);
      st = await stats(shot);
      tRendered = performance.now() - t0;
      return st.sd > 0.03 && st.colours > 64 && st.bgShare < 0.97;
    },
    30000,
    100,
  ).catch((e) => {
    throw new Error(`${e.message}\nlast screenshot ${shot}: ${JSON.stringify(st)}\napp log:\n${app.log()}`);
  });
  // One more, a second later, so the artifact shows the settled UI.
  await new Promise((r) => setTimeout(r, 1000));
  await x(display, 'import', ['-window', id, shot]);
  st = await stats(shot);
  log(
    `screenshot ${path.relative(process.cwd(), shot)}: ${st.w}×${st.h}, standard deviation ${st.sd.toFixed(3)}, ` +
      `${st.colours} colours, ${(st.bgShare * 100).toFixed(1)}% background; first rendered after ${tRendered.toFixed(0)} ms`,
  );
  if (!(st.w >= 800 && st.h >= 560)) throw new Error(`window is ${st.w}×${st.h}, smaller than the 800×560 minimum`);
  if (!(st.sd > 0.03 && st.colours > 64)) throw new Error(`window looks blank: ${JSON.stringify(st)}`);
  if (name !== 'Mailscope') throw new Error(`window title is "${name}"`);
  // The app's top bar (name, link chip, buttons) across the top 48 px: not
  // a flat strip.
  const bar = path.join(ARTIFACTS, 'window-topbar.png');
  await run('convert', [shot, '-crop', `${st.w}x48+0+0`, '+repage', bar]);
  const top = await stats(bar);
  fs.rmSync(bar, { force: true });
  log(`top bar: standard deviation ${top.sd.toFixed(3)}, ${top.colours} colours`);
  if (!(top.sd > 0.04 && top.colours > 16)) throw new Error(`the window's top bar is empty (no app header?): ${JSON.stringify(top)}`);
  if (app.exited) throw new Error(`mailscope exited (${app.code ?? app.signal})`);
  // For the record: the idle production app's memory (app + WebKit), PSS.
  const mem = processTree(app.proc.pid)
    .map((p) => {
      try {
        return memoryOf(p);
      } catch {
        return null;
      }
    })
    .filter(Boolean);
  const pssMB = mem.reduce((a, m) => a + m.pssKB, 0) / 1024;
  log(`idle memory: ${pssMB.toFixed(1)} MB PSS (${mem.map((m) => `${m.name} ${(m.pssKB / 1024).toFixed(1)}`).join(', ')})`);
  fs.writeFileSync(
    path.join(ARTIFACTS, 'window.json'),
    JSON.stringify({ id, name, geometry: geom, windowMs: tWindow, renderedMs: tRendered, ...st, idlePssMB: +pssMB.toFixed(1), mem }, null, 2),
  );
  console.log('window-check: ok');
}

main()
  .catch(async (e) => {
    console.error(`window-check: FAIL: ${e.message}`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
