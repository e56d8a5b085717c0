// Source lines without the sources: flat and cum per file:line, from the
// profile's line numbers (the gateway has no source files to show).
import { percentage, selectOutputUnit, valueFormatter } from '../../../../src/analysis/format.ts';
import type { SourceFile } from '../../../../src/analysis/lines.ts';
import type { SourceData } from '../analysis/protocol.ts';
import { button, h, notice } from '../dom.ts';
import type { ViewContext } from '../view-context.ts';
import { keyboardRows } from './table-keys.ts';

const FILES = 30;

export function sourceView(ctx: ViewContext, { files }: SourceData): HTMLElement {
  if (files.length === 0) return notice('empty', 'No lines', 'No file:line matches the search.');
  const all = files.flatMap((f) => f.lines);
  const unit = ctx.summary.sampleType.unit;
  const fmt = valueFormatter(unit, selectOutputUnit(all, ctx.summary.total, unit));
  const total = ctx.summary.total;
  const fileBlock = (f: SourceFile): HTMLElement => {
    const tbody = h(
      'tbody',
      {},
      ...f.lines.map((l) =>
        h(
          'tr',
          { tabindex: -1, 'data-line': `${f.file}:${l.line}` },
          h('td', { class: 'num' }, String(l.line)),
          h('td', { class: 'num' }, l.flat === 0 ? '.' : fmt(l.flat)),
          h('td', { class: 'num' }, l.cum === 0 ? '.' : fmt(l.cum)),
          h('td', { class: 'num' }, percentage(l.cum, total)),
          h('td', { class: 'fn' }, l.function),
        ),
      ),
    );
    keyboardRows(tbody, () => undefined);
    return h(
      'details',
      { class: 'source-file', open: true },
      h(
        'summary',
        {},
        h('code', {}, f.file),
        h('span', { class: 'muted' }, ` flat ${fmt(f.flat)} (${percentage(f.flat, total).trim()}) · max cum ${fmt(f.maxCum)}`),
      ),
      h(
        'table',
        { class: 'grid data' },
        h('thead', {}, h('tr', {}, ...['line', 'flat', 'cum', 'cum%', 'function'].map((t) => h('th', { scope: 'col' }, t)))),
        tbody,
      ),
    );
  };
  const list = h('div', { class: 'source', id: 'source-list' }, ...files.slice(0, FILES).map(fileBlock));
  if (files.length > FILES) {
    const more = button(`Show all ${files.length} files`, () => {
      list.append(...files.slice(FILES).map(fileBlock));
      more.remove();
    });
    list.append(more);
  }
  return h(
    'div',
    {},
    h('p', { class: 'hint' }, 'Per file:line from the profile’s line numbers; the gateway has no source files. Files heaviest first.'),
    list,
  );
}
