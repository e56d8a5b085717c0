// A virtualized table body for any row count: only the rows in and around
// the scroller's viewport are in the DOM, between two spacer rows standing in
// for the others (rows have one fixed height). Keyboard: rows are focusable
// (roving tabindex); ↑/↓/Home/End/PageUp/PageDown move over all rows, Enter
// runs the row's default action.
import { h } from '../dom.ts';

const OVERSCAN = 10;

export interface VirtualRowsOptions {
  readonly count: number;
  readonly columns: number;
  /** Row i's element; it gets data-index and aria-rowindex here. */
  readonly row: (i: number) => HTMLTableRowElement;
  readonly onEnter: (i: number) => void;
}

export function virtualRows(scroller: HTMLElement, tbody: HTMLTableSectionElement, o: VirtualRowsOptions): () => void {
  const spacer = (): HTMLTableRowElement => h('tr', { class: 'filler', 'aria-hidden': 'true' }, h('td', { colspan: o.columns }));
  const above = spacer();
  const below = spacer();
  let rowHeight = 0;
  let current = 0;
  let shown = [0, 0];

  const render = (): void => {
    const view = Math.max(scroller.clientHeight, 1);
    const first = rowHeight > 0 ? Math.max(0, Math.floor(scroller.scrollTop / rowHeight) - OVERSCAN) : 0;
    const last = Math.min(o.count, first + (rowHeight > 0 ? Math.ceil(view / rowHeight) : 1) + 2 * OVERSCAN);
    if (shown[0] === first && shown[1] === last) return;
    shown = [first, last];
    const rows: HTMLTableRowElement[] = [];
    for (let i = first; i < last; i++) {
      const tr = o.row(i);
      tr.dataset.index = String(i);
      tr.setAttribute('aria-rowindex', String(i + 2));
      tr.tabIndex = i === current ? 0 : -1;
      rows.push(tr);
    }
    tbody.replaceChildren(above, ...rows, below);
    if (rowHeight === 0 && rows[0]) {
      rowHeight = rows[0].getBoundingClientRect().height || 20;
      shown = [0, 0];
      render();
      return;
    }
    (above.firstChild as HTMLElement).style.height = `${first * rowHeight}px`;
    (below.firstChild as HTMLElement).style.height = `${(o.count - last) * rowHeight}px`;
  };

  const focusRow = (i: number): void => {
    current = Math.max(0, Math.min(o.count - 1, i));
    if (current < (shown[0] as number) || current >= (shown[1] as number))
      scroller.scrollTop = Math.max(0, current * rowHeight - scroller.clientHeight / 2);
    shown = [0, 0];
    render();
    tbody.querySelector<HTMLTableRowElement>(`tr[data-index="${current}"]`)?.focus();
  };

  tbody.addEventListener('keydown', (e) => {
    const row = (e.target as Element).closest<HTMLTableRowElement>('tr[data-index]');
    if (!row) return;
    const i = Number(row.dataset.index);
    const page = Math.max(1, Math.floor(scroller.clientHeight / (rowHeight || 20)) - 1);
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: o.count - 1, PageDown: i + page, PageUp: i - page }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      focusRow(to);
    } else if (e.key === 'Enter' && e.target === row) {
      e.preventDefault();
      o.onEnter(i);
    }
  });
  const onScroll = (): void => render();
  scroller.addEventListener('scroll', onScroll, { passive: true });
  const ro = new ResizeObserver(onScroll);
  ro.observe(scroller);
  render();
  return () => {
    scroller.removeEventListener('scroll', onScroll);
    ro.disconnect();
  };
}
