// A goroutine group's figures by key, for sorting and comparing: count, exec,
// sched, syscall, block (every reason) and block:<reason>. Pure; the page and
// the worker both use it.
import type { GroupRow } from './trace-protocol.ts';

export function groupValue(g: GroupRow, key: string): number {
  switch (key) {
    case 'count':
      return g.count;
    case 'sched':
      return g.sched_wait_ns;
    case 'syscall':
      return g.syscall_ns;
    case 'block':
      return Object.values(g.block_ns).reduce((a, b) => a + b, 0);
    default:
      return key.startsWith('block:') ? (g.block_ns[key.slice(6)] ?? 0) : g.execution_ns;
  }
}

/** Block reasons that any row spent time in, most time first (then by name). */
export function reasonsOf(rows: readonly { readonly block_ns: Readonly<Record<string, number>> }[]): string[] {
  const total = new Map<string, number>();
  for (const r of rows) for (const [k, v] of Object.entries(r.block_ns)) total.set(k, (total.get(k) ?? 0) + v);
  return [...total]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k]) => k);
}

/** How a block reason is named in a column ("" is a wait whose reason the trace does not say). */
export const reasonLabel = (reason: string): string => `Block (${reason || 'reason unknown'})`;
