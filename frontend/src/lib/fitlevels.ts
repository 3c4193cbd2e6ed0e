// A bar that gives way instead of clipping: the action sets data-fit on the
// element to the smallest level (0…max) at which its content fits its
// width, and CSS hides the less needed parts level by level. Levels are
// tried in one go, before the browser paints, on every resize and whenever
// `key` changes (type size, what the bar shows).

export interface FitOptions {
  max: number;
  /** Anything whose change may change the content's width. */
  key?: unknown;
}

export function fitLevels(node: HTMLElement, opts: FitOptions) {
  let max = opts.max;
  const fit = () => {
    let level = 0;
    node.dataset.fit = '0';
    while (level < max && node.scrollWidth > node.clientWidth + 1) {
      level++;
      node.dataset.fit = String(level);
    }
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
