// Pods side by side (a workload's trace capture: every pod traced in the same
// window): each pod's totals (goroutines, execution, scheduler wait, syscall,
// block time by reason) and each goroutine group's figure of one metric, a
// column per pod, from the gateway's goroutines.json. A figure well above the
// other pods' median is marked, so a slow pod stands out. Names are the
// trace's: text only.
import { standsOut } from '../analysis/pod-comparison.ts';
import type { CompareData, PodFigures } from '../analysis/trace-protocol.ts';
import { h, notice } from '../dom.ts';
import { formatNs } from '../format-time.ts';
import { nameParam } from '../state.ts';
import type { TraceViewContext } from '../view-context.ts';

/** A few ns more, or one goroutine more, is no difference worth marking. */
const MIN_DELTA_NS = 1e6;

function cell(v: number | null, key: string, ratio: number): HTMLTableCellElement {
  if (v === null) return h('td', { class: 'num muted', title: 'no such goroutines in this pod' }, '–');
  const count = key === 'count';
  const text = count ? v.toLocaleString('en') : formatNs(v);
  const attrs = count ? { 'data-count': v } : { 'data-ns': v, title: `${v.toLocaleString('en')} ns` };
  if (ratio === 0) return h('td', { class: 'num', ...attrs }, text);
  const times = Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : 'far above';
  return h(
    'td',
    { class: 'num outlier', ...attrs, 'data-outlier': '1', title: `${times} the other pods’ median` },
    text,
    h('span', { class: 'outlier-mark' }, ` ▲ ${times}`),
  );
}

function rowOf(f: PodFigures, key: string, first: HTMLElement | string, extra: Record<string, string>): HTMLTableRowElement {
  const marks = standsOut(f.values, key === 'count' ? 1 : MIN_DELTA_NS);
  return h('tr', extra, h('th', { scope: 'row', class: 'fn' }, first), ...f.values.map((v, i) => cell(v, key, marks[i]!)));
}

function head(pods: readonly string[], first: string): HTMLElement {
  return h(
    'thead',
    {},
    h('tr', {}, h('th', { scope: 'col' }, first), ...pods.map((p) => h('th', { scope: 'col', class: 'num', 'data-pod': p }, p))),
  );
}

function metricSelect(ctx: TraceViewContext, d: CompareData): HTMLElement {
  const sel = h(
    'select',
    { id: 'compare-metric', 'aria-label': 'Metric' },
    ...d.metrics.map((m) => h('option', { value: m.key, selected: m.key === d.metric }, m.label)),
  );
  sel.addEventListener('change', () => ctx.set({ metric: sel.value === 'exec' ? undefined : sel.value }));
  return h('label', {}, 'Goroutine groups by ', sel);
}

export function podsSideBySide(ctx: TraceViewContext, d: CompareData): HTMLElement {
  if (d.pods.length === 0) return notice('empty', 'No pod figures', 'The capture has no pod whose trace the gateway could analyse.');
  const metric = d.metrics.find((m) => m.key === d.metric)?.label ?? d.metric;
  const podLink = (pod: string, view: 'goroutines' | 'timeline', params: Record<string, string>): HTMLElement =>
    h('a', { href: ctx.href(view, { ...params, pod }) }, pod);
  return h(
    'div',
    { class: 'side-by-side' },
    h(
      'p',
      { class: 'hint' },
      `The ${d.pods.length} pods were traced in the same window. Marked ▲: at least 1.5× the other pods’ median (and more than 1ms or one goroutine above it).`,
    ),
    h('h2', {}, 'Each pod’s totals'),
    h(
      'div',
      { class: 'table-scroller' },
      h(
        'table',
        { class: 'grid data compare', id: 'compare-totals' },
        head(d.pods, ''),
        h('tbody', {}, ...d.totals.map((f) => rowOf(f, f.key, f.label, { 'data-key': f.key }))),
      ),
    ),
    h('h2', {}, metricSelect(ctx, d)),
    h(
      'div',
      { class: 'table-scroller' },
      h(
        'table',
        { class: 'grid data compare', id: 'compare-groups', 'data-metric': d.metric },
        head(d.pods, `${metric} by start function`),
        h('tbody', {}, ...d.groups.map((f) => rowOf(f, d.metric, f.label || '(no stack)', { 'data-name': f.key }))),
      ),
    ),
    h(
      'p',
      { class: 'hint' },
      'Open a pod’s goroutines: ',
      ...d.pods.flatMap((p) => [podLink(p, 'goroutines', {}), ' ']),
      ' · its timeline: ',
      ...d.pods.flatMap((p) => [podLink(p, 'timeline', d.groups[0] ? { group: nameParam(d.groups[0].key) } : {}), ' ']),
    ),
  );
}
