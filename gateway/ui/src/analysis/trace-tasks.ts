// The Tasks and regions view's data, made in the worker as `go tool trace`'s
// /usertasks and /userregions pages make theirs: task types with their count
// and a histogram of the complete ones' durations; region types (name and
// where they began) with a histogram of every region's duration; and, when the
// URL names a type (and a bucket of its histogram), its tasks or regions.
import type { ParsedTrace } from '../../../../src/trace/events.ts';
import type { Summary } from '../../../../src/trace/summary.ts';
import { userRegions, userTasks, type UserRegion, type UserTask } from '../../../../src/trace/user-annotations.ts';
import { nameOfParam, numberParam, type ParamState } from '../state.ts';
import { bucketOf, histogram } from './histogram.ts';
import type { RegionRow, RegionType, TaskRow, TasksData, TaskType } from './trace-protocol.ts';

function memoized<T>(memo: Map<string, unknown>, key: string, make: () => T): T {
  if (!memo.has(key)) memo.set(key, make());
  return memo.get(key) as T;
}

const byName = (a: string, b: string): number => (a < b ? -1 : Number(a > b));

function taskTypes(tasks: readonly UserTask[]): TaskType[] {
  const names = [...new Set(tasks.map((t) => t.name))].sort(byName);
  return names.map((name) => {
    const of = tasks.filter((t) => t.name === name);
    return { name, count: of.length, histogram: histogram(of.filter((t) => t.complete).map((t) => t.duration_ns)) };
  });
}

function regionTypes(regions: readonly UserRegion[]): RegionType[] {
  const groups = new Map<string, UserRegion[]>();
  for (const r of regions) {
    const key = `${r.name}\u0000${r.pc}`;
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()]
    .map((of) => ({
      name: of[0]!.name,
      func: of[0]!.func,
      pc: of[0]!.pc,
      count: of.length,
      histogram: histogram(of.map((r) => r.duration_ns)),
    }))
    .sort((a, b) => byName(a.name, b.name) || a.pc - b.pc);
}

const taskRow = (t: UserTask): TaskRow => ({
  id: t.id,
  parent: t.parent,
  start_ns: t.start_ns,
  end_ns: t.end_ns,
  duration_ns: t.duration_ns,
  complete: t.complete,
  goroutines: t.goroutines,
  logs: t.logs,
  regions: t.regions,
});

const regionRow = (r: UserRegion): RegionRow => ({
  goroutine: r.goroutine,
  task: r.task,
  start_ns: r.start_ns,
  end_ns: r.end_ns,
  duration_ns: r.duration_ns,
  stats: r.stats,
});

const startOf = (x: { start_ns: number | null }): number => x.start_ns ?? -1;

export function tasksData(t: ParsedTrace, summary: Summary, memo: Map<string, unknown>, params: ParamState): TasksData {
  const tasks = memoized(memo, 'tasks', () => userTasks(t, summary));
  const regions = memoized(memo, 'regions', () => userRegions(t, summary));
  const out: { -readonly [K in keyof TasksData]: TasksData[K] } = {
    view: 'tasks',
    bounds: [t.time[0] ?? 0, t.time[t.validCount - 1] ?? 0],
    taskTypes: memoized(memo, 'taskTypes', () => taskTypes(tasks)),
    regionTypes: memoized(memo, 'regionTypes', () => regionTypes(regions)),
  };
  const bucket = numberParam(params.bucket);
  const inBucket = (d: number): boolean => bucket === undefined || bucketOf(d) === bucket;
  if (params.task !== undefined) {
    const name = nameOfParam(params.task);
    const rows = tasks
      .filter((x) => x.name === name && (bucket === undefined || (x.complete && inBucket(x.duration_ns))))
      .sort((a, b) => startOf(a) - startOf(b) || a.id - b.id)
      .map(taskRow);
    out.tasks = { name, bucket, rows };
  } else if (params.region !== undefined) {
    const name = nameOfParam(params.region);
    const func = params.rfunc === undefined ? '' : nameOfParam(params.rfunc);
    const rows = regions
      .filter((r) => r.name === name && r.func === func && inBucket(r.duration_ns))
      .sort((a, b) => startOf(a) - startOf(b) || a.goroutine - b.goroutine)
      .map(regionRow);
    out.regions = { name, func, bucket, rows };
  }
  return out;
}
