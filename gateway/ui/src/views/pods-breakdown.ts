// The Labels tab: the selected sample type's total by the values of one label
// key (after the filters): `pod` on a merged capture, or any key the app set
// with pprof.Do. Click a value to tag-focus the views on it.
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

export function podsView(ctx: ViewContext, { key, totals }: PodsData): HTMLElement {
  const keys = ctx.summary.labelKeys;
  const picker = h(
    'select',
    { id: 'label-key', 'aria-label': 'Label key' },
    ...keys.map((k) => h('option', { value: k, selected: k === key }, k)),
  );
  picker.addEventListener('change', () => ctx.set({ label: picker.value === POD_LABEL ? undefined : picker.value }));
  if (!keys.includes(key))
    return h(
      'div',
      { class: 'pods-breakdown' },
      keys.length > 0 ? picker : null,
      notice(
        'empty',
        `No ${key} labels`,
        'Merged captures (a workload or a selector) label each sample with its pod; apps label theirs with pprof.Do.',
      ),
    );
  const unit = ctx.summary.sampleType.unit;
  const fmt = valueFormatter(
    unit,
    selectOutputUnit(
      totals.map(([, v]) => ({ flat: v, cum: v })),
      ctx.summary.total,
      unit,
    ),
  );
  // Bars are shares of the whole: two pods at 50 % each draw two half bars.
  const sum = totals.reduce((a, [, v]) => a + Math.abs(v), 0) || 1;
  const focus = (value: string): void => ctx.set({ tagfocus: `${key}=${exactNameRegex(value)}` }, 'top');
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
          button(pod, () => focus(pod), { class: 'link', title: `tagfocus=${key}=${pod}` }),
        ),
        h('td', { class: 'num' }, fmt(v)),
        h('td', { class: 'num' }, percentage(v, ctx.summary.total)),
        h('td', { class: 'bar-cell' }, bar((100 * Math.abs(v)) / sum)),
      );
      return tr;
    }),
  );
  keyboardRows(tbody, (tr) => focus(tr.dataset.pod ?? ''));
  return h(
    'div',
    { class: 'pods-breakdown' },
    h('p', { class: 'hint' }, picker, ` ${ctx.summary.sampleType.type} by ${key}. Click a value (or Enter) to tag-focus the views on it.`),
    h(
      'table',
      { class: 'grid data', id: 'pods-table', 'data-key': key },
      h('thead', {}, h('tr', {}, ...[key, ctx.summary.sampleType.type, '%', ''].map((t) => h('th', { scope: 'col' }, t)))),
      tbody,
    ),
  );
}
