// Goroutines grouped by start function, as `go tool trace`'s /goroutines page
// groups them, with the time each group spent executing, waiting to be
// scheduled, in syscalls and blocked (by reason), and the same per goroutine
// (its /goroutine?name= page). JSON-ready: plain objects, ns as numbers.
// Pure and isomorphic.
import { nonOverlappingStats, unknownTime, type ExecStats, type GoroutineSummary, type Summary } from './summary.ts';

export interface GoroutineGroup {
  /** The start function ("" for goroutines with no stack in the trace). */
  name: string;
  count: number;
  execution_ns: number;
  sched_wait_ns: number;
  /** Time executing syscalls (with a P). */
  syscall_ns: number;
  /** Time blocked, by reason ("chan receive", "sync", "network", …); "syscall" is time blocked in a syscall without a P. */
  block_ns: Record<string, number>;
}

export interface GoroutineDetail extends GoroutineGroup, TimeSplit {
  id: number;
  /** When it was created or first seen, first ran (null: never) and ended (null: not in the trace), in the trace's ns. */
  created_ns: number;
  started_ns: number | null;
  ended_ns: number | null;
}

const sorted = (m: Map<string, number>): Record<string, number> => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The block times as Go's page shows them: each reason, and syscall block time under "syscall". */
function blocks(s: ExecStats): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of nonOverlappingStats(s)) {
    const m = /^Block time \((.*)\)$/.exec(k);
    if (m) out.set(m[1]!, v);
  }
  return out;
}

/** A goroutine's (or a region's) time split as on Go's goroutine page, JSON-ready. */
export interface TimeSplit {
  total_ns: number;
  execution_ns: number;
  sched_wait_ns: number;
  syscall_ns: number;
  block_ns: Record<string, number>;
  unknown_ns: number;
  range_ns: Record<string, number>;
}

export function timeSplit(s: ExecStats): TimeSplit {
  return {
    total_ns: s.totalTime,
    execution_ns: s.execTime,
    sched_wait_ns: s.schedWaitTime,
    syscall_ns: s.syscallTime,
    block_ns: sorted(blocks(s)),
    unknown_ns: unknownTime(s),
    range_ns: sorted(s.rangeTime),
  };
}

export function goroutineDetail(g: GoroutineSummary): GoroutineDetail {
  return {
    id: g.id,
    name: g.name,
    count: 1,
    created_ns: g.creationTime,
    started_ns: g.startTime === 0 ? null : g.startTime,
    ended_ns: g.endTime === 0 ? null : g.endTime,
    ...timeSplit(g.stats),
  };
}

/** Every goroutine of the group named `name` (all goroutines if undefined), longest in the trace first. */
export function goroutineDetails(summary: Summary, name?: string): GoroutineDetail[] {
  return [...summary.goroutines.values()]
    .filter((g) => name === undefined || g.name === name)
    .map(goroutineDetail)
    .sort((a, b) => b.total_ns - a.total_ns || a.id - b.id);
}

/** The groups, most execution time first (ties by name). */
export function goroutineGroups(summary: Summary): GoroutineGroup[] {
  const groups = new Map<string, GoroutineGroup & { blocks: Map<string, number> }>();
  for (const g of summary.goroutines.values()) {
    let group = groups.get(g.name);
    if (group === undefined) {
      group = { name: g.name, count: 0, execution_ns: 0, sched_wait_ns: 0, syscall_ns: 0, block_ns: {}, blocks: new Map() };
      groups.set(g.name, group);
    }
    group.count++;
    group.execution_ns += g.stats.execTime;
    group.sched_wait_ns += g.stats.schedWaitTime;
    group.syscall_ns += g.stats.syscallTime;
    for (const [reason, ns] of blocks(g.stats)) group.blocks.set(reason, (group.blocks.get(reason) ?? 0) + ns);
  }
  return [...groups.values()]
    .map(({ blocks: b, ...group }) => ({ ...group, block_ns: sorted(b) }))
    .sort((a, b) => b.execution_ns - a.execution_ns || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
