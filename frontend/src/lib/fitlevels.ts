// A bar that gives way instead of clipping: the action sets data-fit on the
// element to the smallest level (0…max) at which its content fits its
// width (and every child marked data-fit-whole fits its own), and CSS
// hides the less needed parts level by level. data-fit-ge lists every
// level reached ("1 2 3"), so a rule for level 2 and up is one selector:
// [data-fit-ge~='2']. Levels are
// tried in one go, before the browser paints, on every resize and whenever
// `key` changes (type size, what the bar shows).

export interface FitOptions {
  max: number;
  /** Anything whose change may change the content's width. */
  key?: unknown;
}

export function fitLevels(node: HTMLElement, opts: FitOptions) {
  let max = opts.max;
  const over = () => {
    if (node.scrollWidth > node.clientWidth + 1) return true;
    for (const el of node.querySelectorAll<HTMLElement>('[data-fit-whole]')) {
      if (el.getClientRects().length && el.scrollWidth > el.clientWidth + 1) return true;
    }
    return false;
  };
  const set = (level: number) => {
    node.dataset.fit = String(level);
    node.dataset.fitGe = Array.from({ length: level }, (_, i) => i + 1).join(' ');
  };
  const fit = () => {
    let level = 0;
    set(0);
    while (level < max && over()) set(++level);
  };
  const ro = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(fit);
  ro?.observe(node);
  fit();
  // Web fonts may land after the first layout.
  void document.fonts?.ready.then(fit);
  return {
    update(o: FitOptions) {
      max = o.max;
      // After the DOM has taken the new content.
      requestAnimationFrame(fit);
      fit();
    },
    destroy() {
      ro?.disconnect();
    },
  };
}
