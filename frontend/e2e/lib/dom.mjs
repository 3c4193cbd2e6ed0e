// DOM helpers for the e2e flows, all keyed on the data-testid contract
// (/tmp/ui-contract.md). Waits are on DOM conditions, never fixed sleeps.

export const tid = (id) => `[data-testid="${id}"]`;

/**
 * Installed before the page loads: records every trace row the page ever
 * renders (the list is virtualised, so rows come and go) with the time it
 * first appeared, and every trace event the bridge delivers with its wall
 * clock. window.__e2e.rows: seq -> row info; window.__e2e.events: seq -> event.
 */
export function recorderScript() {
  const e2e = (window.__e2e = { rows: new Map(), events: new Map(), maxSeq: 0, listening: false });
  const now = () => performance.timeOrigin + performance.now();
  const record = (el) => {
    const seq = Number(el.getAttribute('data-seq'));
    if (!Number.isFinite(seq)) return;
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    const old = e2e.rows.get(seq);
    if (!old) {
      // The frame after the row entered the DOM is when it reaches the screen.
      requestAnimationFrame(() => {
        const r = e2e.rows.get(seq);
        if (r) r.paintedMs = now();
      });
    }
    e2e.rows.set(seq, {
      seq,
      text,
      protocol: el.getAttribute('data-protocol'),
      dir: el.getAttribute('data-dir'),
      kind: el.getAttribute('data-kind'),
      incomplete: el.getAttribute('data-incomplete') === 'true',
      session: Number(el.getAttribute('data-session')),
      firstSeen: old?.firstSeen ?? now(),
      paintedMs: old?.paintedMs,
    });
  };
  const scan = (node) => {
    if (!(node instanceof Element)) node = node?.parentElement;
    if (!node) return;
    const row = node.closest?.('[data-testid="trace-row"]');
    if (row) record(row);
    for (const r of node.querySelectorAll?.('[data-testid="trace-row"]') ?? []) record(r);
  };
  const start = () => {
    new MutationObserver((muts) => {
      for (const m of muts) {
        if (m.type === 'childList') for (const n of m.addedNodes) scan(n);
        else scan(m.target);
      }
    }).observe(document.documentElement, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ['data-seq', 'data-testid'],
    });
    scan(document.documentElement);
  };
  if (document.documentElement) start();
  else document.addEventListener('DOMContentLoaded', start);
  // Our own listener on the bridge, for wire-to-screen timing.
  const listen = () => {
    if (e2e.listening || !window.runtime?.EventsOn) return false;
    e2e.listening = true;
    e2e.resyncs = 0;
    window.runtime.EventsOn('trace:resync', () => {
      e2e.resyncs++;
    });
    window.runtime.EventsOn('trace:append', (batch) => {
      const t = now();
      // The batch is by column (app/dto.go TraceBatchDTO); dir is "0" c2s, "1" s2c.
      for (let i = 0; i < (batch?.n ?? 0); i++) {
        const seq = batch.seq[i];
        const dir = batch.dir[i] === '1' ? 's2c' : 'c2s';
        e2e.events.set(seq, { wallMs: batch.wallMs[i], receivedMs: t, dir, session: batch.session[i] });
        if (seq > e2e.maxSeq) e2e.maxSeq = seq;
      }
    });
    return true;
  };
  const timer = setInterval(() => listen() && clearInterval(timer), 20);
}

/** Fails with a clear message when a contract element has not landed. */
export async function requireTestids(page, ids, timeoutMs = 5000) {
  const missing = [];
  for (const id of ids) {
    try {
      await page.locator(tid(id)).first().waitFor({ state: 'attached', timeout: timeoutMs });
    } catch {
      missing.push(id);
    }
  }
  if (missing.length) {
    throw new Error(`missing data-testid ${missing.map((m) => `"${m}"`).join(', ')} (component not landed yet?)`);
  }
}

/**
 * Makes a left-rail panel visible: the panel itself if shown, else a tab
 * named after it (data-testid tab-<name>, or role=tab / button by name).
 */
export async function openPanel(page, name) {
  const panel = page.locator(tid(`${name}-panel`)).first();
  if (await panel.isVisible().catch(() => false)) return panel;
  // The rail folded (by the user, or to leave the trace its room): open it.
  const expand = page.locator(tid('rail-expand')).first();
  if (await expand.isVisible().catch(() => false)) await expand.click();
  const candidates = [
    page.locator(tid(`tab-${name}`)).first(),
    page.getByRole('tab', { name: new RegExp(`^\\s*${name}`, 'i') }).first(),
    page.getByRole('button', { name: new RegExp(`^\\s*${name}\\s*$`, 'i') }).first(),
  ];
  for (const c of candidates) {
    if ((await c.count()) && (await c.isVisible().catch(() => false))) {
      await c.click();
      break;
    }
  }
  await panel.waitFor({ state: 'visible', timeout: 10000 }).catch(() => {
    throw new Error(`panel "${name}-panel" not visible (no tab-${name} / tab named "${name}" found?)`);
  });
  return panel;
}

/** Rows the recorder has seen, as an array sorted by seq. */
export async function seenRows(page) {
  return page.evaluate(() => [...window.__e2e.rows.values()].sort((a, b) => a.seq - b.seq));
}

/** Rows in the DOM right now (what the virtual list renders). */
export async function domRows(page) {
  return page.$$eval(tid('trace-row'), (els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return {
        seq: Number(el.getAttribute('data-seq')),
        protocol: el.getAttribute('data-protocol'),
        dir: el.getAttribute('data-dir'),
        kind: el.getAttribute('data-kind'),
        session: Number(el.getAttribute('data-session')),
        text: (el.textContent ?? '').replace(/\s+/g, ' ').trim(),
        top: r.top,
        bottom: r.bottom,
        visible: r.height > 0 && r.bottom > 0 && r.top < window.innerHeight,
      };
    }),
  );
}

/** Rows visible inside the trace view's viewport. */
export async function visibleRows(page) {
  const box = await page.locator(tid('trace-view')).first().boundingBox();
  const rows = await domRows(page);
  if (!box) return rows.filter((r) => r.visible);
  return rows.filter((r) => r.bottom > box.y + 1 && r.top < box.y + box.height - 1);
}

export async function traceCount(page) {
  const t = await page.locator(tid('trace-count')).first().textContent();
  const m = (t ?? '').replace(/[,\u202f\u00a0 ]/g, '').match(/\d+/);
  if (!m) throw new Error(`trace-count has no number: "${t}"`);
  return Number(m[0]);
}

export async function isPressed(locator) {
  return (await locator.getAttribute('aria-pressed')) === 'true';
}

/** Turns follow-tail on (if the toggle exists) and scrolls to the end. */
export async function followTail(page) {
  const ft = page.locator(tid('follow-tail')).first();
  if ((await ft.count()) && !(await isPressed(ft))) await ft.click();
  await page.locator(tid('trace-view')).first().evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
}

/**
 * Scrolls the trace view from top to bottom so the recorder sees every row
 * (the list is virtual), then goes back to following the tail.
 * Returns the distinct rows rendered on the way (in the current filter).
 */
export async function sweepTrace(page) {
  const view = page.locator(tid('trace-view')).first();
  const seen = new Map();
  const grab = async () => {
    for (const r of await domRows(page)) seen.set(r.seq, r);
  };
  await view.evaluate((el) => {
    el.scrollTop = 0;
  });
  for (let i = 0; i < 5000; i++) {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await grab();
    const done = await view.evaluate((el) => {
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return true;
      el.scrollTop += Math.max(40, el.clientHeight * 0.8);
      return false;
    });
    if (done) break;
  }
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await grab();
  await followTail(page);
  return [...seen.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * Waits until the rows seen so far satisfy check(rows) (returns truthy).
 * Every few seconds sweeps the trace in case the rows were rendered out of
 * view (follow-tail paused).
 */
export async function waitRows(page, what, check, timeoutMs = 30000) {
  const end = Date.now() + timeoutMs;
  let nextSweep = Date.now() + 3000;
  let rows = [];
  for (;;) {
    rows = await seenRows(page);
    const ok = check(rows);
    if (ok) return ok;
    if (Date.now() > end) {
      const tail = rows.slice(-25).map((r) => `  #${r.seq} ${r.protocol} ${r.dir} ${r.kind} s${r.session}: ${r.text.slice(0, 90)}`);
      throw new Error(`timed out waiting for ${what}; last rows seen (${rows.length} total):\n${tail.join('\n')}`);
    }
    if (Date.now() > nextSweep) {
      await sweepTrace(page).catch(() => {});
      nextSweep = Date.now() + 4000;
    }
    await page.waitForTimeout(100);
  }
}

/** Sessions of a protocol first seen after seq `after`, with their rows. */
export function sessionsOf(rows, protocol, after = 0) {
  const by = new Map();
  for (const r of rows) {
    if (r.protocol !== protocol || r.seq <= after) continue;
    if (!by.has(r.session)) by.set(r.session, []);
    by.get(r.session).push(r);
  }
  return [...by.entries()].map(([session, rs]) => ({ session, rows: rs }));
}

/** Parses "12.5 ms", "1.2 s", "830 µs", "1:02.5" into µs; null if none. */
export function parseDurationUs(text) {
  const m = String(text).match(/(-?\d+(?:[.,]\d+)?)\s*(µs|us|ms|s|min)\b/);
  if (!m) return null;
  const v = Number(m[1].replace(',', '.'));
  return v * { µs: 1, us: 1, ms: 1e3, s: 1e6, min: 6e7 }[m[2]];
}

/** The ladder's arrows: { seq, dir, drop } with drop = y2 - y1 in px. */
export async function ladderArrows(page) {
  return page.$$eval(tid('ladder-arrow'), (els) =>
    els.map((el) => {
      // The testid may sit on the <line>/<path> or on a <g> around it.
      const shape = el.matches('line,path,polyline') ? el : el.querySelector('line,path,polyline');
      let y1 = NaN;
      let y2 = NaN;
      if (shape?.tagName === 'line') {
        y1 = Number(shape.getAttribute('y1'));
        y2 = Number(shape.getAttribute('y2'));
      } else if (shape && typeof shape.getTotalLength === 'function') {
        const len = shape.getTotalLength();
        y1 = shape.getPointAtLength(0).y;
        y2 = shape.getPointAtLength(len).y;
      }
      if (!Number.isFinite(y1) && el.hasAttribute('y1')) {
        y1 = Number(el.getAttribute('y1'));
        y2 = Number(el.getAttribute('y2'));
      }
      return { seq: Number(el.getAttribute('data-seq')), dir: el.getAttribute('data-dir'), y1, y2, drop: Math.abs(y2 - y1) };
    }),
  );
}

export function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/**
 * Polls the rows visible in the trace view until check(rows) is truthy
 * (the count can update a frame before the rows do). Returns the rows.
 */
export async function waitVisible(page, what, check, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  let rows = [];
  for (;;) {
    rows = await visibleRows(page);
    if (check(rows)) return rows;
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}; visible rows (${rows.length}):\n${rows.slice(0, 12).map((r) => `  #${r.seq} ${r.protocol} ${r.dir}: ${r.text.slice(0, 80)}`).join('\n')}`);
    }
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
  }
}

/** The filter controls' state, to put back between flows. */
export async function filterState(page) {
  return page.evaluate(() => {
    const q = (id) => document.querySelector(`[data-testid="${id}"]`);
    const pressed = {};
    for (const el of document.querySelectorAll('[data-testid^="filter-protocol-"],[data-testid^="filter-dir-"]')) {
      pressed[el.getAttribute('data-testid')] = el.getAttribute('aria-pressed');
    }
    return { text: q('filter-text')?.value ?? '', status: q('filter-status')?.value, session: q('filter-session')?.value, pressed };
  });
}

/** Puts the filters back to `initial` (from filterState at start-up). */
export async function restoreFilters(page, initial) {
  if (!initial) return;
  const now = await filterState(page);
  if (now.text !== initial.text && (await page.locator(tid('filter-text')).count())) await page.locator(tid('filter-text')).fill(initial.text);
  for (const [id, v] of Object.entries(initial.pressed)) {
    if (now.pressed[id] !== v && (await page.locator(tid(id)).count())) await page.locator(tid(id)).click();
  }
  if (initial.status !== undefined && now.status !== initial.status) await page.locator(tid('filter-status')).selectOption(initial.status);
  if (initial.session !== undefined && now.session !== initial.session) await page.locator(tid('filter-session')).selectOption(initial.session);
}

/**
 * Text that does not show whole inside `root` (a selector): for every
 * visible element with text of its own, the extent of that text (a Range
 * over its text nodes) must lie inside every ancestor that clips
 * (overflow not visible) and inside the window; and an element that clips
 * its own text (overflow hidden, an ellipsis) must not be narrower than
 * it. An ellipsis is allowed only where `allowEllipsis` says so and the
 * element carries a title (the whole text one hover away). Returns the
 * offenders, "tag.class "text" (why)".
 */
export async function clippedText(page, root, { allowEllipsis = false } = {}) {
  return page.evaluate(
    ([sel, allow]) => {
      const out = [];
      const roots = [...document.querySelectorAll(sel)];
      const name = (el) => `${el.tagName.toLowerCase()}${el.classList.length ? '.' + [...el.classList].filter((c) => !c.startsWith('svelte-')).join('.') : ''}`;
      const clipOf = (el) => {
        let clip = { left: 0, right: window.innerWidth, top: 0, bottom: window.innerHeight };
        for (let a = el.parentElement; a; a = a.parentElement) {
          const acs = getComputedStyle(a);
          if (acs.overflowX === 'visible' && acs.overflowY === 'visible') continue;
          const ar = a.getBoundingClientRect();
          const scrollsY = acs.overflowY === 'auto' || acs.overflowY === 'scroll';
          clip = {
            left: Math.max(clip.left, ar.left),
            right: Math.min(clip.right, ar.right),
            top: scrollsY ? clip.top : Math.max(clip.top, ar.top),
            bottom: scrollsY ? clip.bottom : Math.min(clip.bottom, ar.bottom),
          };
        }
        return clip;
      };
      for (const r of roots) {
        // Controls must show whole too, not only their text.
        for (const el of r.querySelectorAll('button, select, input:not([type="checkbox"]):not([type="radio"])')) {
          if (el.getClientRects().length === 0 || el.closest('[hidden]')) continue;
          const b = el.getBoundingClientRect();
          if (b.width <= 1 || b.height <= 1) continue;
          const c = clipOf(el);
          if (b.bottom < c.top || b.top > c.bottom) continue;
          if (b.left < c.left - 1 || b.right > c.right + 1) {
            out.push(`${name(el)} "${(el.textContent || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30)}" (box x ${b.left.toFixed(0)}–${b.right.toFixed(0)}, visible ${c.left.toFixed(0)}–${c.right.toFixed(0)})`);
          }
        }
        for (const el of [r, ...r.querySelectorAll('*')]) {
          const texts = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim() !== '');
          if (!texts.length) continue;
          const cs = getComputedStyle(el);
          if (cs.visibility === 'hidden' || el.getClientRects().length === 0) continue;
          if (el.closest('[hidden], svg')) continue;
          // Screen-reader text: a 1 px box, clipped on purpose.
          if (el.clientWidth <= 1 && el.clientHeight <= 1) continue;
          const text = texts.map((t) => t.textContent.trim()).join(' ').slice(0, 40);
          const ellipsis = cs.textOverflow === 'ellipsis';
          if (ellipsis && allow && el.hasAttribute('title')) continue;
          if (cs.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) {
            out.push(`${name(el)} "${text}" (${ellipsis ? 'ellipsis' : 'cut'}: ${el.scrollWidth} px of text in ${el.clientWidth} px)`);
            continue;
          }
          const range = document.createRange();
          let box = null;
          for (const t of texts) {
            range.selectNodeContents(t);
            for (const b of range.getClientRects()) {
              if (b.width === 0) continue;
              box = box
                ? { left: Math.min(box.left, b.left), right: Math.max(box.right, b.right), top: Math.min(box.top, b.top), bottom: Math.max(box.bottom, b.bottom) }
                : { left: b.left, right: b.right, top: b.top, bottom: b.bottom };
            }
          }
          if (!box) continue;
          const clip = clipOf(el);
          // Scrolled out of view vertically is not clipped; cut at a side is.
          if (box.bottom < clip.top || box.top > clip.bottom) continue;
          if (box.left < clip.left - 1 || box.right > clip.right + 1) {
            out.push(`${name(el)} "${text}" (text spans x ${box.left.toFixed(0)}–${box.right.toFixed(0)}, visible ${clip.left.toFixed(0)}–${clip.right.toFixed(0)})`);
          }
        }
      }
      return out;
    },
    [root, allowEllipsis],
  );
}

/** Two animation frames: a resize or a toggle has been laid out and painted. */
export async function frames(page, n = 2) {
  await page.evaluate((k) => new Promise((r) => {
    const step = (i) => (i <= 0 ? r() : requestAnimationFrame(() => step(i - 1)));
    step(k);
  }), n);
}
