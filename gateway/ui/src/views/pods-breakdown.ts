// Per-pod breakdown of a merged capture: the selected sample type's total by
// the `pod` label (after the filters); click a pod to tag-focus on it.
import { percentage, selectOutputUnit, valueFormatter } from '../../../../src/analysis/format.ts';
import { exactNameRegex } from '../../../../src/analysis/regex.ts';
import { POD_LABEL, type PodsData } from '../analysis/protocol.ts';
import { button, h, notice } from '../dom.ts';
import type { ViewContext } from '../view-context.ts';
import { keyboardRows } from './table-keys.ts';

/** A bar sized through CSSOM (the CSP refuses style attributes). */
function bar(pct: number): HTMLElement {
  const b = h('span', { class: 'bar' });
  b.style.width = `${pct.toFixed(1)}%`;
  return b;
}

export function podsView(ctx: ViewContext, { totals }: PodsData): HTMLElement {
  if (totals.length === 0)
    return notice('empty', 'No pod labels', 'Only merged captures (a workload or a selector) label each sample with its pod.');
  const unit = ctx.summary.sampleType.unit;
  const fmt = valueFormatter(
    unit,
    selectOutputUnit(
      totals.map(([, v]) => ({ flat: v, cum: v })),
      ctx.summary.total,
      unit,
    ),
  );
  const max = Math.max(...totals.map(([, v]) => Math.abs(v))) || 1;
  const focus = (pod: string): void => ctx.set({ tagfocus: `${POD_LABEL}=${exactNameRegex(pod)}` }, 'top');
  const tbody = h(
    'tbody',
    {},
    ...totals.map(([pod, v]) => {
      const tr = h(
        'tr',
        { tabindex: -1, 'data-pod': pod },
        h(
          'td',
          { class: 'fn' },
          button(pod, () => focus(pod), { class: 'link', title: `tagfocus=pod=${pod}` }),
        ),
        h('td', { class: 'num' }, fmt(v)),
        h('td', { class: 'num' }, percentage(v, ctx.summary.total)),
        h('td', { class: 'bar-cell' }, bar((100 * Math.abs(v)) / max)),
      );
      return tr;
    }),
  );
  keyboardRows(tbody, (tr) => focus(tr.dataset.pod ?? ''));
  return h(
    'div',
    { class: 'pods-breakdown' },
    h('p', { class: 'hint' }, `${ctx.summary.sampleType.type} by pod. Click a pod (or Enter) to tag-focus the views on it.`),
    h(
      'table',
      { class: 'grid data', id: 'pods-table' },
      h('thead', {}, h('tr', {}, ...['pod', ctx.summary.sampleType.type, '%', ''].map((t) => h('th', { scope: 'col' }, t)))),
      tbody,
    ),
  );
}
