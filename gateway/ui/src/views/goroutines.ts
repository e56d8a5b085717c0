// Goroutines: the groups by start function (as `go tool trace`'s goroutine
// page), each with its goroutine count and time executing, waiting to be
// scheduled, in syscalls and blocked by reason, sorted by any column; a group
// opens its goroutines with the same split per goroutine (virtualized: a group
// can hold tens of thousands), and each goroutine links to its lane in the
// timeline. Names come from the trace: text only.
import type { GoroutineGroupsData, GoroutineListData, GroupRow } from '../analysis/trace-protocol.ts';
import { groupValue, reasonLabel } from '../analysis/group-values.ts';
import { button, h } from '../dom.ts';
import { formatNs } from '../format-time.ts';
import { nameParam, navigate } from '../state.ts';
import type { RenderedView, TraceViewContext } from '../view-context.ts';
import { keyboardRows } from './table-keys.ts';
import { virtualRows } from './virtual-rows.ts';

const LABELS: Readonly<Record<string, string>> = {
  count: 'Goroutines',
  total: 'Total',
  exec: 'Execution',
  sched: 'Scheduler wait',
  syscall: 'Syscall',
  unknown: 'Unknown',
  created: 'Created at',
  started: 'First ran at',
  ended: 'Ended at',
};

export const columnLabel = (key: string): string => (key.startsWith('block:') ? reasonLabel(key.slice(6)) : (LABELS[key] ?? key));

/** A time cell: the duration as people read it, the exact ns in its title and data-ns. */
export function nsCell(ns: number): HTMLTableCellElement {
  if (Number.isNaN(ns)) return h('td', { class: 'num muted' }, '–');
  return h('td', { class: 'num', 'data-ns': ns, title: `${ns.toLocaleString('en')} ns` }, formatNs(ns));
}

/** How a column is sorted, for screen readers: names and IDs ascending, values descending. */
function ariaSort(key: string, current: string): 'ascending' | 'descending' | undefined {
  if (key !== current) return undefined;
  return key === 'name' || key === 'id' ? 'ascending' : 'descending';
}

function sortHeader(ctx: TraceViewContext, key: string, current: string, cls = 'num'): HTMLTableCellElement {
  return h(
    'th',
    { scope: 'col', class: cls, 'aria-sort': ariaSort(key, current), 'data-sort': key },
    button(columnLabel(key === 'name' ? 'Start function' : key), () => ctx.set({ sort: key }), { class: 'sort' }),
  );
}

const displayName = (name: string): string => name || '(no stack)';

function groupsTable(ctx: TraceViewContext, d: GoroutineGroupsData): HTMLElement {
  const sort = ctx.params.sort ?? 'exec';
  const keys = ['count', 'exec', 'sched', 'syscall', ...d.reasons.map((r) => `block:${r}`)];
  const open = (g: GroupRow): void => ctx.set({ group: nameParam(g.name), sort: undefined });
  const tbody = h(
    'tbody',
    {},
    ...d.groups.map((g) => {
      const tr = h(
        'tr',
        { tabindex: -1, 'data-name': g.name },
        h(
          'td',
          { class: 'fn' },
          button(displayName(g.name), () => open(g), { class: 'link', title: 'its goroutines' }),
        ),
        h('td', { class: 'num', 'data-count': g.count }, g.count.toLocaleString('en')),
        ...keys.slice(1).map((k) => nsCell(groupValue(g, k))),
        h(
          'td',
          {},
          h('a', { href: ctx.href('timeline', { group: nameParam(g.name) }), title: 'these goroutines in the timeline' }, 'timeline'),
        ),
      );
      return tr;
    }),
  );
  keyboardRows(tbody, (tr) => {
    const g = d.groups.find((x) => x.name === tr.dataset.name);
    if (g) open(g);
  });
  return h(
    'div',
    { class: 'goroutine-groups' },
    h(
      'p',
      { class: 'hint' },
      `${d.goroutines.toLocaleString('en')} goroutines in ${d.groups.length} groups by start function. Click a column to sort, a group for its goroutines (or Enter on its row).`,
    ),
    h(
      'div',
      { class: 'table-scroller' },
      h(
        'table',
        { class: 'grid data', id: 'goroutine-groups' },
        h(
          'thead',
          {},
          h('tr', {}, sortHeader(ctx, 'name', sort, 'fn'), ...keys.map((k) => sortHeader(ctx, k, sort)), h('th', { scope: 'col' }, '')),
        ),
        tbody,
      ),
    ),
  );
}

function goroutineTable(ctx: TraceViewContext, d: GoroutineListData): RenderedView {
  const sort = ctx.params.sort ?? 'total';
  const k = d.columns.length;
  const n = d.ids.length;
  const row = (i: number): HTMLTableRowElement => {
    const id = d.ids[i]!;
    return h(
      'tr',
      { 'data-goroutine': id },
      h('td', { class: 'num' }, h('a', { href: ctx.href('timeline', { gid: String(id) }), title: 'its lane in the timeline' }, `G${id}`)),
      ...d.columns.map((_, c) => nsCell(d.values[i * k + c]!)),
    );
  };
  const tbody = h('tbody', {});
  const scroller = h(
    'div',
    { class: 'table-scroller', id: 'goroutines-scroller' },
    h(
      'table',
      { class: 'grid data', id: 'goroutine-list', 'aria-rowcount': n + 1 },
      h('thead', {}, h('tr', {}, sortHeader(ctx, 'id', sort), ...d.columns.map((c) => sortHeader(ctx, c, sort)))),
      tbody,
    ),
  );
  const el = h(
    'div',
    { class: 'goroutine-list' },
    h(
      'p',
      { class: 'crumbs' },
      button('All groups', () => ctx.set({ group: undefined, sort: undefined }), { class: 'link', id: 'all-groups' }),
      ' › ',
      h('strong', { class: 'fn' }, displayName(d.group)),
      ` · ${n.toLocaleString('en')} goroutine${n === 1 ? '' : 's'} · `,
      h('a', { href: ctx.href('timeline', { group: nameParam(d.group) }) }, 'show them in the timeline'),
    ),
    h(
      'p',
      { class: 'hint' },
      'Times within the trace; a goroutine’s Total is its time in the trace. Click a column to sort, a goroutine for its lane in the timeline.',
    ),
    scroller,
  );
  let stop: (() => void) | undefined;
  const raf = requestAnimationFrame(
    () =>
      (stop = virtualRows(scroller, tbody, {
        count: n,
        columns: k + 1,
        row,
        onEnter: (i) => navigate(ctx.href('timeline', { gid: String(d.ids[i]) })),
      })),
  );
  return {
    el,
    dispose: () => {
      cancelAnimationFrame(raf);
      stop?.();
    },
  };
}

export function goroutinesView(ctx: TraceViewContext, d: GoroutineGroupsData | GoroutineListData): RenderedView {
  return d.kind === 'groups' ? { el: groupsTable(ctx, d) } : goroutineTable(ctx, d);
}
