// Generates trace events through the real bindings: an IMAP console sends
// NOOPs in pipelined batches; each NOOP is two events (the command and its
// tagged OK). No test hook in Go is needed, only time (see the report).

/** Adds about n events to the trace; returns { events, ms, perSecond }. */
export async function generateEvents(page, n, { batch = 250, service = 'imap' } = {}) {
  return page.evaluate(
    async ({ n, batch, service }) => {
      const go = window.go.app;
      const before = window.__e2e.maxSeq;
      const t0 = performance.now();
      const c = await go.ConsoleService.Open(service);
      const line = (i) => (service === 'imap' ? `b${i} NOOP` : 'NOOP');
      const sends = Math.ceil(n / 2);
      for (let i = 0; i < sends; i += batch) {
        const ps = [];
        for (let j = i; j < Math.min(sends, i + batch); j++) ps.push(go.ConsoleService.Send(c.id, line(j)));
        await Promise.all(ps);
      }
      // Wait until the replies are in the trace.
      let seq = before;
      for (let k = 0; k < 600; k++) {
        seq = window.__e2e.maxSeq;
        if (seq - before >= n) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      await go.ConsoleService.Close(c.id);
      const ms = performance.now() - t0;
      return { events: seq - before, ms, perSecond: ((seq - before) / ms) * 1000 };
    },
    { n, batch, service },
  );
}
