// Goroutines grouped by start function, as `go tool trace`'s /goroutines page
// groups them, with the time each group spent executing, waiting to be
// scheduled, in syscalls and blocked (by reason), and the same per goroutine
// (its /goroutine?name= page). JSON-ready: plain objects, ns as numbers.
// Pure and isomorphic.
import { compare } from './compare.ts';
import { unknownTime, type ExecStats, type GoroutineSummary, type Summary } from './summary.ts';

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

const sorted = (m: Map<string, number>): Record<string, number> => Object.fromEntries([...m].sort(([a], [b]) => compare(a, b)));

/** The block times as Go's page shows them (NonOverlappingStats): each reason, and syscall block time under "syscall". */
function blocks(s: ExecStats): Map<string, number> {
  const out = new Map<string, number>([['syscall', s.syscallBlockTime]]);
  for (const [reason, ns] of s.blockTimeByReason) out.set(reason, (out.get(reason) ?? 0) + ns);
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
  const g = summary.table;
  return [...g.slots.values()]
    .filter((s) => name === undefined || g.names[s] === name)
    .map((s) => goroutineDetail(g.summary(s)))
    .sort((a, b) => b.total_ns - a.total_ns || a.id - b.id);
}

/** The groups, most execution time first (ties by name). */
export function goroutineGroups(summary: Summary): GoroutineGroup[] {
  const t = summary.table;
  const groups = new Map<string, GoroutineGroup & { blocks: Map<string, number> }>();
  for (const s of t.slots.values()) {
    const name = t.names[s]!;
    let group = groups.get(name);
    if (group === undefined) {
      group = { name, count: 0, execution_ns: 0, sched_wait_ns: 0, syscall_ns: 0, block_ns: {}, blocks: new Map([['syscall', 0]]) };
      groups.set(name, group);
    }
    group.count++;
    group.execution_ns += t.execTime[s]!;
    group.sched_wait_ns += t.schedWaitTime[s]!;
    group.syscall_ns += t.syscallTime[s]!;
    group.blocks.set('syscall', group.blocks.get('syscall')! + t.syscallBlockTime[s]!);
    for (const [reason, ns] of t.blockTimeByReason[s]!) group.blocks.set(reason, (group.blocks.get(reason) ?? 0) + ns);
  }
  return [...groups.values()]
    .map(({ blocks: b, ...group }) => ({ ...group, block_ns: sorted(b) }))
    .sort((a, b) => b.execution_ns - a.execution_ns || compare(a.name, b.name));
}
