// Pods side by side, from the goroutines.json the gateway derived from a
// workload's traces ({ pods: { <pod>: GoroutineGroup[] } }): each pod's
// totals (goroutines, execution, scheduler wait, syscall, block time by
// reason) and each goroutine group's figure of one metric, a column per pod;
// and which figures stand out from the other pods'. Pure.
import type { CompareData, GroupRow, PodFigures } from './trace-protocol.ts';
import { groupValue, reasonLabel, reasonsOf } from './group-values.ts';

/** goroutines.json as read: anything that is not a group of numbers is dropped. */
export function readGoroutinesJson(json: unknown): Map<string, GroupRow[]> {
  const out = new Map<string, GroupRow[]>();
  const pods = (json as { pods?: unknown } | null)?.pods;
  if (pods === null || typeof pods !== 'object') throw new Error('goroutines.json has no pods');
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  for (const [pod, groups] of Object.entries(pods as Record<string, unknown>)) {
    if (!Array.isArray(groups)) continue;
    out.set(
      pod,
      groups
        .filter(
          (g): g is Record<string, unknown> => g !== null && typeof g === 'object' && typeof (g as { name?: unknown }).name === 'string',
        )
        .map((g) => ({
          name: g.name as string,
          count: num(g.count),
          execution_ns: num(g.execution_ns),
          sched_wait_ns: num(g.sched_wait_ns),
          syscall_ns: num(g.syscall_ns),
          block_ns: Object.fromEntries(
            Object.entries(g.block_ns !== null && typeof g.block_ns === 'object' ? (g.block_ns as Record<string, unknown>) : {}).map(
              ([k, v]) => [k, num(v)],
            ),
          ),
        })),
    );
  }
  return out;
}

/** The metrics a pod comparison offers: key (a groupValue key) and label. */
export function metricsOf(reasons: readonly string[]): { key: string; label: string }[] {
  return [
    { key: 'count', label: 'Goroutines' },
    { key: 'exec', label: 'Execution' },
    { key: 'sched', label: 'Scheduler wait' },
    { key: 'syscall', label: 'Syscall' },
    { key: 'block', label: 'Block (all reasons)' },
    ...reasons.map((r) => ({ key: `block:${r}`, label: reasonLabel(r) })),
  ];
}

export function compareData(pods: ReadonlyMap<string, readonly GroupRow[]>, metric: string | undefined): CompareData {
  const names = [...pods.keys()].sort();
  const all = [...pods.values()].flat();
  const metrics = metricsOf(reasonsOf(all));
  const m = metrics.some((x) => x.key === metric) ? (metric as string) : 'exec';
  const totals: PodFigures[] = metrics.map(({ key, label }) => ({
    key,
    label,
    values: names.map((p) => (pods.get(p) ?? []).reduce((sum, g) => sum + groupValue(g, key), 0)),
  }));
  const groupNames = [...new Set(all.map((g) => g.name))];
  const groups = groupNames
    .map((name) => ({
      key: name,
      label: name,
      values: names.map((p) => {
        const g = pods.get(p)?.find((x) => x.name === name);
        return g === undefined ? null : groupValue(g, m);
      }),
    }))
    .sort((a, b) => Math.max(0, ...b.values.map((v) => v ?? 0)) - Math.max(0, ...a.values.map((v) => v ?? 0)) || (a.key < b.key ? -1 : 1));
  return { view: 'compare', pods: names, totals, metric: m, metrics, groups };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * For each pod's figure, how many times the other pods' median it is, when it stands out: at least 1.5 times
 * that median and more than `minDelta` above it (so a few ns, or one goroutine, more do not count); else 0.
 */
export function standsOut(values: readonly (number | null)[], minDelta: number): number[] {
  return values.map((v, i) => {
    const others = values.filter((x, j): x is number => j !== i && x !== null);
    if (v === null || others.length === 0) return 0;
    const m = median(others);
    if (v - m <= minDelta || v < 1.5 * m) return 0;
    return m > 0 ? v / m : Infinity;
  });
}
