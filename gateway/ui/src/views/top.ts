// Top: pprof's -top table (flat, flat%, sum%, cum, cum%, name), sortable by
// column, filtered by the search regex; Enter or double-click peeks at a row,
// "f" focuses on it, "i" ignores it.
import { compileRegex, exactNameRegex } from '../../../../src/analysis/regex.ts';
import { top, type TopRow } from '../../../../src/analysis/top.ts';
import { button, h, notice } from '../dom.ts';
import { numberParam } from '../state.ts';
import { legend } from '../toolbar.ts';
import type { ViewContext } from '../view-context.ts';
import { keyboardRows } from './table-keys.ts';

type SortKey = 'flat' | 'cum' | 'name';
const PAGE = 500;

function sorted(rows: readonly TopRow[], key: SortKey): readonly TopRow[] {
  if (key === 'flat') return rows;
  const copy = [...rows];
  if (key === 'cum') copy.sort((a, b) => Math.abs(b.cum) - Math.abs(a.cum) || a.name.localeCompare(b.name));
  else copy.sort((a, b) => a.name.localeCompare(b.name));
  return copy;
}

export function topView(ctx: ViewContext): HTMLElement {
  const report = top(ctx.prepared, { n: numberParam(ctx.params.n), nf: numberParam(ctx.params.nf), ef: numberParam(ctx.params.ef), cum: ctx.params.sort === 'cum' });
  const key: SortKey = ctx.params.sort === 'cum' || ctx.params.sort === 'name' ? ctx.params.sort : 'flat';
  let match: ((s: string) => boolean) | undefined;
  let err: string | undefined;
  try {
    match = ctx.params.q ? compileRegex('search', ctx.params.q) : undefined;
  } catch (e) {
    err = (e as Error).message;
  }
  const rows = sorted(report.rows, key).filter((r) => !match || match(r.name));
  const th = (label: string, k: SortKey | undefined, cls = 'num'): HTMLElement => {
    const cell = h('th', { scope: 'col', class: cls, 'aria-sort': k === key ? (k === 'name' ? 'ascending' : 'descending') : undefined }, k ? button(label, () => ctx.set({ sort: k === 'flat' ? undefined : k }), { class: 'sort' }) : label);
    return cell;
  };
  const tbody = h('tbody', {});
  const rowEl = (r: TopRow): HTMLTableRowElement => {
    const tr = h('tr', { tabindex: -1, 'data-name': r.name }, h('td', { class: 'num' }, r.flatText), h('td', { class: 'num' }, r.flatPct), h('td', { class: 'num' }, r.sumPct), h('td', { class: 'num' }, r.cumText), h('td', { class: 'num' }, r.cumPct), h('td', { class: 'fn' }, r.name, r.inline ? h('span', { class: 'muted' }, ` (${r.inline})`) : null));
    tr.addEventListener('dblclick', () => ctx.set({ q: exactNameRegex(r.name) }, 'peek'));
    tr.addEventListener('keydown', (e) => {
      if (e.target !== tr) return;
      if (e.key === 'f') ctx.set({ f: exactNameRegex(r.name) });
      if (e.key === 'i') ctx.set({ i: exactNameRegex(r.name) });
    });
    return tr;
  };
  let shown = Math.min(rows.length, PAGE);
  tbody.append(...rows.slice(0, shown).map(rowEl));
  const more = rows.length > shown ? button(`Show all ${rows.length} rows`, () => {
    tbody.append(...rows.slice(shown).map(rowEl));
    shown = rows.length;
    more?.remove();
  }) : null;
  keyboardRows(tbody, (tr) => ctx.set({ q: exactNameRegex(tr.dataset.name ?? '') }, 'peek'));
  return h(
    'div',
    { class: 'top' },
    legend(report.legend),
    err ? notice('error', 'Bad search regex', err) : null,
    match ? h('p', { class: 'muted' }, `${rows.length} of ${report.rows.length} rows match the search`) : null,
    h('p', { class: 'hint' }, 'Click a column to sort. Rows: ↑/↓ to move, Enter to peek, f to focus, i to ignore.'),
    h(
      'table',
      { class: 'grid data', id: 'top-table' },
      h('thead', {}, h('tr', {}, th('flat', 'flat'), th('flat%', undefined), th('sum%', undefined), th('cum', 'cum'), th('cum%', undefined), th('name', 'name', 'fn'))),
      tbody,
    ),
    more,
  );
}
