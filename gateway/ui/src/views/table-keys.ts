// Keyboard navigation for data tables: rows are focusable (roving tabindex);
// ↑/↓/Home/End/PageUp/PageDown move, Enter runs the row's default action.
export function keyboardRows(tbody: HTMLTableSectionElement, onEnter: (row: HTMLTableRowElement, e: KeyboardEvent) => void): void {
  const rows = (): HTMLTableRowElement[] => [...tbody.querySelectorAll<HTMLTableRowElement>('tr[tabindex]')];
  const first = rows()[0];
  if (first) first.tabIndex = 0;
  tbody.addEventListener('keydown', (e) => {
    const row = (e.target as Element).closest('tr');
    if (!row) return;
    const all = rows();
    const i = all.indexOf(row);
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: all.length - 1, PageDown: i + 20, PageUp: i - 20 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      const next = all[Math.max(0, Math.min(all.length - 1, to))];
      if (next) {
        row.tabIndex = -1;
        next.tabIndex = 0;
        next.focus();
      }
    } else if (e.key === 'Enter' && e.target === row) {
      e.preventDefault();
      onEnter(row, e);
    }
  });
}
