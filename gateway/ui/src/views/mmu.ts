// MMU: the minimum mutator utilization curve of `go tool trace`'s /mmu page
// (for each window size, the worst share of the CPU left to the program in
// any window that long), drawn as SVG here (no Graphviz, no chart library,
// nothing fetched), with Go's options: system or per-goroutine, what counts
// as GC work (STW, background workers, mark assists, sweep), and percentiles.
// Clicking the plot (or a row of its points) lists that window size's worst
// windows, each a link to its stretch of the timeline.
import { DEFAULT_MMU_FLAGS, NO_MMU_FLAGS } from '../analysis/trace-mmu-flags.ts';
import type { MmuData } from '../analysis/trace-protocol.ts';
import { button, h, notice, svg } from '../dom.ts';
import { formatAt, formatNs } from '../format-time.ts';
import type { RenderedView, TraceViewContext } from '../view-context.ts';

const W = 760;
const H = 340;
const M = { left: 48, right: 16, top: 14, bottom: 34 };

const INCLUDE: readonly [string, string, string][] = [
  ['stw', 'STW', 'Stop-the-world stops all goroutines simultaneously.'],
  ['background', 'Background workers', 'GC-specific goroutines; 25% of the CPU is dedicated to them during GC.'],
  ['assist', 'Mark assist', 'Allocation helps mark, so the program cannot outpace GC.'],
  ['sweep', 'Sweep', 'Reclaiming unused memory between GCs (can be slow to compute).'],
];

function options(ctx: TraceViewContext, d: MmuData): HTMLElement {
  const flags = new Set(d.flags);
  const change = (name: string, on: boolean): void => {
    const next = new Set(flags);
    if (on) next.add(name);
    else next.delete(name);
    const list = ['perProc', ...INCLUDE.map(([n]) => n)].filter((n) => next.has(n));
    const same = list.join(',') === DEFAULT_MMU_FLAGS.join(',');
    ctx.set({ mmu: same ? undefined : list.join(',') || NO_MMU_FLAGS, win: undefined });
  };
  const radio = (id: string, label: string, perProc: boolean, title: string): HTMLElement => {
    const r = h('input', { type: 'radio', name: 'mmu-view', id, checked: flags.has('perProc') === perProc });
    r.addEventListener('change', () => change('perProc', perProc));
    return h('label', { title }, r, ` ${label}`);
  };
  const pct = h('input', { type: 'checkbox', id: 'mmu-pct', checked: d.quantiles !== null });
  pct.addEventListener('change', () => ctx.set({ pct: pct.checked ? '1' : undefined }));
  return h(
    'div',
    { class: 'mmu-options' },
    h(
      'fieldset',
      {},
      h('legend', {}, 'View'),
      radio('mmu-system', 'System', false, 'If one of four Ps is left to the program, utilization is 0.25.'),
      radio('mmu-perproc', 'Per-goroutine', true, 'When even one goroutine is interrupted by GC, utilization is 0.'),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Include'),
      ...INCLUDE.map(([name, label, title]) => {
        const c = h('input', { type: 'checkbox', id: `mmu-${name}`, checked: flags.has(name) });
        c.addEventListener('change', () => change(name, c.checked));
        return h('label', { title }, c, ` ${label}`);
      }),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Display'),
      h('label', { title: 'e.g. p99 drops the worst 1% of windows' }, pct, ' Show percentiles'),
    ),
  );
}

/** The label of series k: MMU, then what each quantile leaves. */
function seriesLabel(k: number, quantiles: readonly number[] | null): string {
  if (k === 0) return 'MMU';
  const q = quantiles?.[k] ?? 0;
  return `${+(100 * (1 - q)).toFixed(1)}th percentile`;
}

function plot(ctx: TraceViewContext, d: MmuData): SVGSVGElement {
  const lx0 = Math.log(d.xMin);
  const lx1 = Math.log(Math.max(d.xMax, d.xMin + 1));
  const x = (w: number): number => M.left + ((Math.log(Math.max(w, 1)) - lx0) / (lx1 - lx0 || 1)) * (W - M.left - M.right);
  const y = (u: number): number => M.top + (1 - u) * (H - M.top - M.bottom);
  const series = (d.curve[0]?.length ?? 1) - 1;
  const lines = Array.from({ length: series }, (_, k) =>
    svg('polyline', {
      class: `mmu-line s${k}`,
      points: d.curve.map((p) => `${x(p[0]!).toFixed(1)},${y(p[k + 1]!).toFixed(1)}`).join(' '),
    }),
  );
  const xTicks: SVGElement[] = [];
  for (let e = Math.ceil(Math.log10(d.xMin)); Math.pow(10, e) <= d.xMax; e++) {
    const px = x(Math.pow(10, e));
    xTicks.push(
      svg('line', { class: 'tick', x1: px, x2: px, y1: M.top, y2: H - M.bottom }),
      svg('text', { x: px, y: H - M.bottom + 16, class: 'label mid' }, formatNs(Math.pow(10, e))),
    );
  }
  const yTicks = [0, 0.25, 0.5, 0.75, 1].flatMap((u) => [
    svg('line', { class: 'tick', x1: M.left, x2: W - M.right, y1: y(u), y2: y(u) }),
    svg('text', { x: M.left - 6, y: y(u) + 4, class: 'label end' }, u.toFixed(2)),
  ]);
  const marker =
    d.worst === undefined
      ? null
      : svg('line', { class: 'mmu-window', x1: x(d.worst.window), x2: x(d.worst.window), y1: M.top, y2: H - M.bottom });
  const el = svg(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      class: 'mmu-plot',
      id: 'mmu-plot',
      role: 'img',
      'aria-label': 'Minimum mutator utilization by window size; the points are in the table below',
    },
    ...yTicks,
    ...xTicks,
    svg('text', { x: (W + M.left) / 2, y: H - 4, class: 'label mid' }, 'window size'),
    ...lines,
    marker,
  );
  el.addEventListener('click', (e) => {
    const r = el.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * W;
    let best = d.curve[0];
    for (const p of d.curve) if (Math.abs(x(p[0]!) - px) < Math.abs(x(best![0]!) - px)) best = p;
    if (best) ctx.set({ win: String(best[0]) });
  });
  return el;
}

function worst(ctx: TraceViewContext, w: NonNullable<MmuData['worst']>): HTMLElement {
  return h(
    'div',
    { class: 'mmu-worst', id: 'mmu-worst' },
    h('strong', {}, `Lowest mutator utilization in ${formatNs(w.window)} windows:`),
    w.windows.length === 0
      ? h('p', { class: 'muted' }, 'none')
      : h(
          'ol',
          {},
          ...w.windows.map((u) =>
            h(
              'li',
              { 'data-time': u.time },
              h(
                'a',
                { href: ctx.href('timeline', { t0: String(Math.floor(u.time)), t1: String(Math.ceil(u.time + w.window)) }) },
                `${u.util.toFixed(3)} at ${formatAt(u.time)}`,
              ),
            ),
          ),
        ),
  );
}

function points(ctx: TraceViewContext, d: MmuData): HTMLElement {
  const series = (d.curve[0]?.length ?? 1) - 1;
  return h(
    'details',
    { class: 'mmu-points' },
    h('summary', {}, `The ${d.curve.length} points`),
    h(
      'table',
      { class: 'grid data', id: 'mmu-points' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Window'),
          ...Array.from({ length: series }, (_, k) => h('th', { scope: 'col', class: 'num' }, seriesLabel(k, d.quantiles))),
        ),
      ),
      h(
        'tbody',
        {},
        ...d.curve.map((p) =>
          h(
            'tr',
            { 'data-window': p[0]! },
            h(
              'td',
              {},
              button(formatNs(p[0]!), () => ctx.set({ win: String(p[0]) }), { class: 'link', title: 'its worst windows' }),
            ),
            ...p.slice(1).map((u) => h('td', { class: 'num', 'data-util': u }, u.toFixed(4))),
          ),
        ),
      ),
    ),
  );
}

export function mmuView(ctx: TraceViewContext, d: MmuData): RenderedView {
  if (d.empty)
    return {
      el: h(
        'div',
        { class: 'mmu' },
        options(ctx, d),
        notice('empty', 'Nothing to plot', 'The trace has no GOMAXPROCS event to measure utilization against.'),
      ),
    };
  const legend = h(
    'p',
    { class: 'mmu-legend' },
    ...Array.from({ length: (d.curve[0]?.length ?? 1) - 1 }, (_, k) => h('span', { class: `swatch s${k}` }, seriesLabel(k, d.quantiles))),
  );
  return {
    el: h(
      'div',
      { class: 'mmu' },
      h('div', { class: 'mmu-main' }, h('div', { class: 'mmu-chart' }, legend, plot(ctx, d)), options(ctx, d)),
      d.worst
        ? worst(ctx, d.worst)
        : h('p', { class: 'hint' }, 'Click the plot, or a window in the points below, for that size’s worst windows.'),
      points(ctx, d),
    ),
  };
}
