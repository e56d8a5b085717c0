// Top: pprof's -top table (flat, flat%, sum%, cum, cum%, name), sortable by
// column, filtered by the search regex (both done by the analysis worker);
// virtualized, so any row count scrolls smoothly. Enter or double-click peeks
// at a row, "f" focuses on it, "i" ignores it.
import { exactNameRegex } from '../../../../src/analysis/regex.ts';
import type { TopData } from '../analysis/protocol.ts';
import { topRowAt, type TopRowText } from '../analysis/top-rows.ts';
import { button, h } from '../dom.ts';
import { legend } from '../toolbar.ts';
import type { RenderedView, ViewContext } from '../view-context.ts';
import { virtualRows } from './virtual-rows.ts';

type SortKey = 'flat' | 'cum' | 'name';

/** How a column is sorted, for screen readers: names ascending, values descending, others not. */
function ariaSort(column: string | undefined, sortedBy: string | undefined): 'ascending' | 'descending' | undefined {
  if (column !== sortedBy) return undefined;
  return column === 'name' ? 'ascending' : 'descending';
}

export function topView(ctx: ViewContext, data: TopData): RenderedView {
  const key: SortKey = ctx.params.sort === 'cum' || ctx.params.sort === 'name' ? ctx.params.sort : 'flat';
  const rows = data.rows;
  const arrow = (k: SortKey): string => {
    if (k !== key) return '';
    return k === 'name' ? ' ▲' : ' ▼';
  };
  const th = (label: string, k: SortKey | undefined, cls = 'num'): HTMLElement =>
    h(
      'th',
      { scope: 'col', class: cls, 'aria-sort': ariaSort(k, key) },
      k ? button(`${label}${arrow(k)}`, () => ctx.set({ sort: k === 'flat' ? undefined : k }), { class: 'sort' }) : label,
    );
  const peekAt = (r: TopRowText): void => ctx.set({ q: exactNameRegex(r.name) }, 'peek');
  const rowEl = (i: number): HTMLTableRowElement => {
    const r = topRowAt(rows, i);
    const tr = h(
      'tr',
      { 'data-name': r.name },
      h('td', { class: 'num' }, r.flatText),
      h('td', { class: 'num' }, r.flatPct),
      h('td', { class: 'num' }, r.sumPct),
      h('td', { class: 'num' }, r.cumText),
      h('td', { class: 'num' }, r.cumPct),
      h('td', { class: 'fn', title: r.name }, r.name, r.inline ? h('span', { class: 'muted' }, ` (${r.inline})`) : null),
    );
    tr.addEventListener('dblclick', () => peekAt(r));
    tr.addEventListener('keydown', (e) => {
      if (e.target !== tr) return;
      if (e.key === 'f') ctx.set({ f: exactNameRegex(r.name) });
      if (e.key === 'i') ctx.set({ i: exactNameRegex(r.name) });
    });
    return tr;
  };
  const tbody = h('tbody', {});
  const table = h(
    'table',
    { class: 'grid data', id: 'top-table', 'aria-rowcount': rows.count + 1 },
    h(
      'thead',
      {},
      h(
        'tr',
        { 'aria-rowindex': 1 },
        th('flat', 'flat'),
        th('flat%', undefined),
        th('sum%', undefined),
        th('cum', 'cum'),
        th('cum%', undefined),
        th('name', 'name', 'fn'),
      ),
    ),
    tbody,
  );
  const scroller = h('div', { class: 'table-scroller', id: 'top-scroller' }, table);
  const el = h(
    'div',
    { class: 'top' },
    legend(data.legend),
    ctx.params.q ? h('p', { class: 'muted' }, `${rows.count} of ${data.allRows} rows match the search`) : null,
    h('p', { class: 'hint' }, 'Click a column to sort. Rows: ↑/↓ to move, Enter to peek, f to focus, i to ignore.'),
    scroller,
  );
  let stop: (() => void) | undefined;
  // The window is sized once the scroller is in the document.
  const raf = requestAnimationFrame(
    () => (stop = virtualRows(scroller, tbody, { count: rows.count, columns: 6, row: rowEl, onEnter: (i) => peekAt(topRowAt(rows, i)) })),
  );
  return {
    el,
    dispose: () => {
      cancelAnimationFrame(raf);
      stop?.();
    },
  };
}
