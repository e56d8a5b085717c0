// User tasks and regions (runtime/trace NewTask, StartRegion, WithRegion)
// with their durations, as `go tool trace`'s /usertask and /userregion pages
// measure them: a task or region missing its begin (or end) in the trace
// counts from the trace's first event (or to its last). For histograms and
// tables; JSON-ready. Pure and isomorphic.
import type { ParsedTrace } from './events.ts';
import { timeSplit, type TimeSplit } from './goroutine-groups.ts';
import { startFrame, type Summary } from './summary.ts';

export interface UserTask {
  id: number;
  name: string;
  /** The parent task's ID, or null. */
  parent: number | null;
  /** Begin and end in the trace's ns; null when outside the trace. */
  start_ns: number | null;
  end_ns: number | null;
  /** end - start, with the trace's first and last event standing in for a missing begin or end. */
  duration_ns: number;
  /** Both begin and end are in the trace. */
  complete: boolean;
  /** Goroutines that worked for it (began or ended it, logged, ran its regions). */
  goroutines: number[];
  logs: number;
  regions: number;
}

export interface UserRegion {
  /** The region type (its name). "" for the stand-in regions of goroutines created inside a region (they inherit its task). */
  name: string;
  goroutine: number;
  /** Task ID; 0 is the background task. */
  task: number;
  start_ns: number | null;
  end_ns: number | null;
  duration_ns: number;
  /** Where it began: the root frame of the stack of its begin event. */
  func: string;
  pc: number;
  /** The goroutine's time during the region, split as on the goroutine page (total_ns is the region's time in the goroutine's life). */
  stats: TimeSplit;
}

/** The first and last events `go tool trace` keeps (its startTime and endTime). */
function bounds(t: ParsedTrace): [number, number] {
  return [t.time[0]!, t.time[t.validCount - 1]!];
}

export function userTasks(t: ParsedTrace, summary: Summary): UserTask[] {
  const [first, last] = bounds(t);
  const out: UserTask[] = [];
  for (const task of summary.tasks.values()) {
    const start = task.start < 0 ? null : t.time[task.start]!;
    const end = task.end < 0 ? null : t.time[task.end]!;
    out.push({
      id: task.id,
      name: task.name,
      parent: task.parent?.id ?? null,
      start_ns: start,
      end_ns: end,
      duration_ns: (end ?? last) - (start ?? first),
      complete: start !== null && end !== null,
      goroutines: [...task.goroutines].sort((a, b) => a - b),
      logs: task.logs.length,
      regions: task.regions.length,
    });
  }
  return out.sort((a, b) => a.duration_ns - b.duration_ns || a.id - b.id);
}

export function userRegions(t: ParsedTrace, summary: Summary): UserRegion[] {
  const [first, last] = bounds(t);
  const out: UserRegion[] = [];
  const g = summary.table;
  for (const slot of g.slots.values()) {
    for (const r of g.regions[slot]!) {
      const start = r.start < 0 ? null : t.time[r.start]!;
      const end = r.end < 0 ? null : t.time[r.end]!;
      const { func, pc } = startFrame(t, r.start);
      out.push({
        name: r.name,
        goroutine: g.ids[slot]!,
        task: r.taskId,
        start_ns: start,
        end_ns: end,
        duration_ns: (end ?? last) - (start ?? first),
        func,
        pc,
        stats: timeSplit(r.stats),
      });
    }
  }
  return out;
}
