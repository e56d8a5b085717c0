// Peek (`go tool pprof -peek`): for each function matching the search regex
// (or the five heaviest when there is none), its callers and callees with
// the weight of each call and its share of the function's cum.
import { exactNameRegex } from '../../../../src/analysis/regex.ts';
import type { PeekCall, PeekEntry } from '../../../../src/analysis/peek.ts';
import type { PeekData } from '../analysis/protocol.ts';
import { h, notice } from '../dom.ts';
import { legend } from '../toolbar.ts';
import type { ViewContext } from '../view-context.ts';
import { keyboardRows } from './table-keys.ts';

function callRow(ctx: ViewContext, c: PeekCall, kind: 'caller' | 'callee'): HTMLTableRowElement {
  const tr = h(
    'tr',
    { tabindex: -1, class: kind, 'data-name': c.name },
    h('td', { class: 'num' }, c.weightText),
    h('td', { class: 'num' }, c.pct),
    h('td', {}, ''),
    h('td', {}, ''),
    h('td', { class: 'fn' }, kind === 'caller' ? '↑ ' : '↓ ', c.name, c.inline ? h('span', { class: 'muted' }, ' (inline)') : null),
  );
  tr.addEventListener('dblclick', () => ctx.set({ q: exactNameRegex(c.name) }));
  return tr;
}

function entryRows(ctx: ViewContext, e: PeekEntry): HTMLTableRowElement[] {
  return [
    ...e.callers.map((c) => callRow(ctx, c, 'caller')),
    h(
      'tr',
      { tabindex: -1, class: 'peeked', 'data-name': e.name },
      h('td', { class: 'num' }, e.flatText),
      h('td', { class: 'num' }, e.flatPct),
      h('td', { class: 'num' }, e.cumText),
      h('td', { class: 'num' }, e.cumPct),
      h('td', { class: 'fn' }, h('strong', {}, e.name)),
    ),
    ...e.callees.map((c) => callRow(ctx, c, 'callee')),
    h('tr', { class: 'gap' }, h('td', { colspan: 5 })),
  ];
}

export function peekView(ctx: ViewContext, { report, regex }: PeekData): HTMLElement {
  if (report.entries.length === 0)
    return notice('empty', 'No function matches', `Nothing matches ${regex}; type a regex in the search box and press Peek.`);
  const tbody = h('tbody', {}, ...report.entries.flatMap((e) => entryRows(ctx, e)));
  keyboardRows(tbody, (tr) => ctx.set({ q: exactNameRegex(tr.dataset.name ?? '') }));
  return h(
    'div',
    { class: 'peek' },
    legend(report.legend),
    h(
      'p',
      { class: 'hint' },
      ctx.params.q ? `Functions matching ${ctx.params.q}` : 'The five heaviest functions (type a regex and press Peek for others).',
      ' ↑ callers, ↓ callees; the call columns show the weight and its share of the function’s cum. Enter on a row peeks at it.',
    ),
    h(
      'table',
      { class: 'grid data', id: 'peek-table' },
      h('thead', {}, h('tr', {}, ...['flat / calls', 'flat% / share', 'cum', 'cum%', 'function'].map((t) => h('th', { scope: 'col' }, t)))),
      tbody,
    ),
  );
}
