// Per-goroutine time statistics, user tasks and regions, as
// internal/trace/summary.go computes them (what `go tool trace` shows on its
// goroutine, task and region pages): one pass over the events in order, each
// goroutine's time split into execution, scheduler wait, syscall, syscall
// block and block time by reason, plus time in special ranges (GC mark
// assist, sweep, STW). Times are in the parsed trace's ns (0: none, as Go's
// zero Time). Pure and isomorphic.
import { ARGS, NO_ID, type ParsedTrace } from './events.ts';
import { forEachWithTables, KIND, KIND_OF, newTransition, range, RESOURCE, stackOf, transition, type RangeView, type Transition } from './event-view.ts';
import { goSortFunc } from './go-sort.ts';
import { EV, GO_STATE, PROC_STATE } from './spec.ts';
import type { GenTables } from './tables.ts';

export interface ExecStats {
  execTime: number;
  schedWaitTime: number;
  syscallTime: number;
  syscallBlockTime: number;
  blockTimeByReason: Map<string, number>;
  /** Time in the goroutine's life, with the rest (overlaps them all). */
  totalTime: number;
  /** Time in special ranges by name (overlaps the others). */
  rangeTime: Map<string, number>;
}

export interface RegionSummary {
  readonly taskId: number;
  readonly name: string;
  /** Index of the event that began it (a RegionBegin, or the goroutine's creation for an inherited task); -1: before the trace. */
  start: number;
  /** Index of the event that ended it (RegionEnd, or the goroutine's end); -1: after the trace. */
  end: number;
  stats: ExecStats;
}

export interface GoroutineSummary {
  readonly id: number;
  /** The goroutine's start function (root frame of the first stack seen); "" if none was. */
  name: string;
  pc: number;
  creationTime: number;
  /** First time it ran (0: never). */
  startTime: number;
  /** When it ended (0: not in the trace). */
  endTime: number;
  readonly regions: RegionSummary[];
  stats: ExecStats;
  /** Go's goroutineSummary: state during the pass; null once summarized. */
  pending: Pending | null;
}

export interface TaskSummary {
  readonly id: number;
  name: string;
  parent: TaskSummary | null;
  readonly children: TaskSummary[];
  /** Index of its TaskBegin / TaskEnd event; -1: not in the trace. */
  start: number;
  end: number;
  readonly logs: number[];
  readonly regions: RegionSummary[];
  /** Goroutines seen working for it (null: a goroutine the summary does not know). */
  readonly goroutines: Map<number, GoroutineSummary | null>;
}

export interface Summary {
  readonly goroutines: Map<number, GoroutineSummary>;
  readonly tasks: Map<number, TaskSummary>;
}

interface Pending {
  lastStartTime: number;
  lastRunnableTime: number;
  lastBlockTime: number;
  lastBlockReason: string;
  lastSyscallTime: number;
  lastSyscallBlockTime: number;
  lastRangeTime: Map<string, number>;
  activeRegions: RegionSummary[];
}

const newStats = (): ExecStats => ({ execTime: 0, schedWaitTime: 0, syscallTime: 0, syscallBlockTime: 0, blockTimeByReason: new Map(), totalTime: 0, rangeTime: new Map() });
const newPending = (): Pending => ({ lastStartTime: 0, lastRunnableTime: 0, lastBlockTime: 0, lastBlockReason: '', lastSyscallTime: 0, lastSyscallBlockTime: 0, lastRangeTime: new Map(), activeRegions: [] });
const add = (m: Map<string, number>, k: string, v: number): void => void m.set(k, (m.get(k) ?? 0) + v);

export function cloneStats(s: ExecStats): ExecStats {
  return { ...s, blockTimeByReason: new Map(s.blockTimeByReason), rangeTime: new Map(s.rangeTime) };
}

/** s - v, over the keys of s (Go's GoroutineExecStats.sub). */
function sub(s: ExecStats, v: ExecStats): ExecStats {
  const r = cloneStats(s);
  r.execTime -= v.execTime;
  r.schedWaitTime -= v.schedWaitTime;
  for (const k of s.blockTimeByReason.keys()) r.blockTimeByReason.set(k, r.blockTimeByReason.get(k)! - (v.blockTimeByReason.get(k) ?? 0));
  r.syscallTime -= v.syscallTime;
  r.syscallBlockTime -= v.syscallBlockTime;
  r.totalTime -= v.totalTime;
  for (const k of s.rangeTime.keys()) r.rangeTime.set(k, r.rangeTime.get(k)! - (v.rangeTime.get(k) ?? 0));
  return r;
}

/** Time not accounted for by the non-overlapping stats (Go's UnknownTime). */
export function unknownTime(s: ExecStats): number {
  let sum = s.execTime + s.schedWaitTime + s.syscallTime + s.syscallBlockTime;
  for (const v of s.blockTimeByReason.values()) sum += v;
  return sum < s.totalTime ? s.totalTime - sum : 0;
}

/** Go's NonOverlappingStats: the columns of the goroutine page. */
export function nonOverlappingStats(s: ExecStats): Map<string, number> {
  const m = new Map<string, number>([
    ['Execution time', s.execTime],
    ['Sched wait time', s.schedWaitTime],
    ['Syscall execution time', s.syscallTime],
    ['Block time (syscall)', s.syscallBlockTime],
    ['Unknown time', unknownTime(s)],
  ]);
  for (const [reason, dt] of s.blockTimeByReason) add(m, `Block time (${reason})`, dt);
  return m;
}

/** Go's IsSystemGoroutine: runtime goroutines other than main (and unnamed ones). */
export function isSystemGoroutine(entryFn: string): boolean {
  return entryFn === '' || (entryFn !== 'runtime.main' && entryFn.startsWith('runtime.'));
}

/** Go's snapshotStat: the stats as if the goroutine's current state ended at lastTs. */
function snapshot(g: GoroutineSummary, lastTs: number): ExecStats {
  const ret = cloneStats(g.stats);
  const p = g.pending;
  if (p === null) return ret;
  if (g.stats.totalTime === 0) ret.totalTime = lastTs - g.creationTime;
  if (p.lastStartTime !== 0) ret.execTime += lastTs - p.lastStartTime;
  if (p.lastRunnableTime !== 0) ret.schedWaitTime += lastTs - p.lastRunnableTime;
  if (p.lastBlockTime !== 0) add(ret.blockTimeByReason, p.lastBlockReason, lastTs - p.lastBlockTime);
  if (p.lastSyscallTime !== 0) ret.syscallTime += lastTs - p.lastSyscallTime;
  if (p.lastSyscallBlockTime !== 0) ret.schedWaitTime += lastTs - p.lastSyscallBlockTime; // sic: Go counts it as sched wait here
  for (const [name, ts] of p.lastRangeTime) add(ret.rangeTime, name, lastTs - ts);
  return ret;
}

/** Go's finalize: at the goroutine's end (trigger: that event's index) or the trace's (-1). */
function finalize(t: ParsedTrace, g: GoroutineSummary, lastTs: number, trigger: number): void {
  if (trigger >= 0) g.endTime = t.time[trigger]!;
  const final = snapshot(g, lastTs);
  g.stats = final;
  if (g.pending === null) return;
  if (!isSystemGoroutine(g.name)) {
    for (const r of g.pending.activeRegions) {
      r.end = trigger;
      r.stats = sub(final, r.stats);
      g.regions.push(r);
    }
  }
  // Go zeroes the pending state but keeps it: a later finalize sees it empty.
  Object.assign(g.pending, newPending(), { lastRangeTime: new Map(), activeRegions: [] });
}

class Summarizer {
  readonly gs = new Map<number, GoroutineSummary>();
  readonly tasks = new Map<number, TaskSummary>();
  private readonly syscallingP = new Map<number, number>();
  private readonly syscallingG = new Map<number, number>();
  private readonly rangesP = new Map<string, number>();
  lastTs = 0;
  private syncTs = 0;
  private readonly tr: Transition = newTransition();
  private readonly rv: RangeView = { name: '', scope: 0, scopeId: 0 };

  constructor(private readonly t: ParsedTrace) {}

  event(i: number, tables: GenTables | undefined): void {
    const time = this.t.time[i]!;
    if (this.syncTs === 0) this.syncTs = time;
    this.lastTs = time;
    switch (KIND_OF[this.t.type[i]!]) {
      case KIND.Sync: this.syncTs = time; break;
      case KIND.StateTransition: this.stateTransition(i, tables); break;
      case KIND.RangeBegin:
      case KIND.RangeActive: this.rangeBegin(i, tables); break;
      case KIND.RangeEnd: this.rangeEnd(i, tables); break;
      case KIND.RegionBegin: this.regionBegin(i, tables); break;
      case KIND.RegionEnd: this.regionEnd(i, tables); break;
      case KIND.TaskBegin:
      case KIND.TaskEnd: this.task(i, tables); break;
      case KIND.Log: this.log(i); break;
    }
  }

  private stateTransition(i: number, tables: GenTables | undefined): void {
    const st = transition(this.t, i, this.tr);
    if (st.resource === RESOURCE.Goroutine) this.goTransition(i, st, tables);
    else if (st.resource === RESOURCE.Proc && st.from !== st.to && st.to === PROC_STATE.Idle) {
      // A proc going idle while its goroutine is in a syscall: the syscall blocked.
      const goid = this.syscallingP.get(st.id);
      if (goid !== undefined) {
        const g = this.gs.get(goid);
        if (g?.pending) g.pending.lastSyscallBlockTime = this.t.time[i]!;
        this.syscallingP.delete(st.id);
      }
    }
  }

  private goTransition(i: number, st: Transition, tables: GenTables | undefined): void {
    if (st.from === st.to) return;
    const g = this.transitionOut(i, st, tables);
    if (g === undefined) return;
    if (g.name === '' && st.stack !== 0) {
      // Name the goroutine by the root frame of its stack: the same for every transition of it.
      const pcs = tables?.stacks.get(st.stack) ?? [];
      for (const pc of pcs) {
        g.pc = pc;
        const f = tables!.frames.get(pc);
        g.name = f === undefined ? '' : (tables!.strings.get(f.funcId) ?? '');
      }
    }
    this.transitionIn(i, st, g, tables);
  }

  private newGoroutine(id: number, creationTime: number): GoroutineSummary {
    const g: GoroutineSummary = { id, name: '', pc: 0, creationTime, startTime: 0, endTime: 0, regions: [], stats: newStats(), pending: newPending() };
    this.gs.set(id, g);
    return g;
  }

  /** Accounts for the time in the state the goroutine leaves; returns its summary (made if it is new). */
  private transitionOut(i: number, st: Transition, tables: GenTables | undefined): GoroutineSummary | undefined {
    const now = this.t.time[i]!;
    if (st.from === GO_STATE.Undetermined) {
      // First seen at a generation start: it has been in its state since the last sync.
      const g = this.newGoroutine(st.id, this.syncTs);
      this.accountSinceSync(g, i, st, now - this.syncTs, tables);
      return g;
    }
    if (st.from === GO_STATE.NotExist) {
      const g = this.newGoroutine(st.id, now);
      // A goroutine created in a region inherits the region's task.
      const creator = this.gs.get(this.t.g[i]!);
      const active = creator?.pending?.activeRegions ?? [];
      if (active.length > 0) g.pending!.activeRegions = [{ taskId: active[active.length - 1]!.taskId, name: '', start: i, end: -1, stats: newStats() }];
      return g;
    }
    const g = this.gs.get(st.id);
    if (g?.pending) this.leave(g, g.pending, st.from, now, st.id);
    return g;
  }

  private accountSinceSync(g: GoroutineSummary, i: number, st: Transition, dt: number, tables: GenTables | undefined): void {
    const s = g.stats;
    if (st.to === GO_STATE.Running) s.execTime += dt;
    else if (st.to === GO_STATE.Waiting) add(s.blockTimeByReason, tables?.strings.get(st.reason) ?? '', dt);
    else if (st.to === GO_STATE.Runnable) s.schedWaitTime += dt;
    // In a syscall since the start: with a P it was executing it, without one blocked in it.
    else if (st.to === GO_STATE.Syscall && this.t.p[i] === NO_ID) s.syscallBlockTime += dt;
    else if (st.to === GO_STATE.Syscall) s.syscallTime += dt;
  }

  private leave(g: GoroutineSummary, p: Pending, from: number, now: number, id: number): void {
    const s = g.stats;
    if (from === GO_STATE.Running) {
      s.execTime += now - p.lastStartTime;
      p.lastStartTime = 0;
    } else if (from === GO_STATE.Waiting && p.lastBlockTime !== 0) {
      add(s.blockTimeByReason, p.lastBlockReason, now - p.lastBlockTime);
      p.lastBlockTime = 0;
    } else if (from === GO_STATE.Runnable && p.lastRunnableTime !== 0) {
      s.schedWaitTime += now - p.lastRunnableTime;
      p.lastRunnableTime = 0;
    } else if (from === GO_STATE.Syscall && p.lastSyscallTime !== 0) {
      if (p.lastSyscallBlockTime !== 0) {
        s.syscallBlockTime += now - p.lastSyscallBlockTime;
        s.syscallTime += p.lastSyscallBlockTime - p.lastSyscallTime;
      } else {
        s.syscallTime += now - p.lastSyscallTime;
      }
      p.lastSyscallTime = 0;
      p.lastSyscallBlockTime = 0;
      this.syscallingP.delete(this.syscallingG.get(id) ?? 0); // Go deletes P 0's entry when it has none
      this.syscallingG.delete(id);
    }
  }

  private transitionIn(i: number, st: Transition, g: GoroutineSummary, tables: GenTables | undefined): void {
    const now = this.t.time[i]!;
    const p = g.pending;
    if (p === null) return;
    if (st.to === GO_STATE.Running) {
      p.lastStartTime = now;
      if (g.startTime === 0) g.startTime = now;
    } else if (st.to === GO_STATE.Runnable) {
      p.lastRunnableTime = now;
    } else if (st.to === GO_STATE.Waiting && (tables?.strings.get(st.reason) ?? '') !== 'forever') {
      p.lastBlockTime = now;
      p.lastBlockReason = tables?.strings.get(st.reason) ?? '';
    } else if (st.to === GO_STATE.Waiting || st.to === GO_STATE.NotExist) {
      finalize(this.t, g, now, i); // blocked forever is like the end of the goroutine
    } else if (st.to === GO_STATE.Syscall) {
      this.syscallingP.set(this.t.p[i]!, st.id);
      this.syscallingG.set(st.id, this.t.p[i]!);
      p.lastSyscallTime = now;
    }
  }

  private rangeBegin(i: number, tables: GenTables | undefined): void {
    const r = range(this.t, i, tables, this.rv);
    let g: GoroutineSummary | undefined;
    if (r.scope === RESOURCE.Goroutine) g = this.gs.get(r.scopeId);
    else if (r.scope === RESOURCE.Proc) {
      // Bound to the P, but attributed to the goroutine on it if it stays there.
      g = this.gs.get(this.t.g[i]!);
      if (g !== undefined) this.rangesP.set(`${r.scopeId}\0${r.name}`, this.t.g[i]!);
    }
    const p = g?.pending;
    if (g === undefined || !p) return;
    if (KIND_OF[this.t.type[i]!] === KIND.RangeActive) {
      const ts = p.lastRangeTime.get(r.name) ?? 0;
      if (ts !== 0) add(g.stats.rangeTime, r.name, this.syncTs - ts);
      p.lastRangeTime.set(r.name, this.syncTs);
    } else {
      p.lastRangeTime.set(r.name, this.t.time[i]!);
    }
  }

  private rangeEnd(i: number, tables: GenTables | undefined): void {
    const r = range(this.t, i, tables, this.rv);
    let g: GoroutineSummary | undefined;
    if (r.scope === RESOURCE.Goroutine) g = this.gs.get(r.scopeId);
    else if (r.scope === RESOURCE.Proc) {
      const key = `${r.scopeId}\0${r.name}`;
      const goid = this.rangesP.get(key);
      if (goid !== undefined) {
        if (goid === this.t.g[i]) g = this.gs.get(goid);
        this.rangesP.delete(key);
      }
    }
    const p = g?.pending;
    if (g === undefined || !p) return;
    const ts = p.lastRangeTime.get(r.name) ?? 0;
    if (ts === 0) return;
    add(g.stats.rangeTime, r.name, this.t.time[i]! - ts);
    p.lastRangeTime.delete(r.name);
  }

  private regionBegin(i: number, tables: GenTables | undefined): void {
    const g = this.gs.get(this.t.g[i]!);
    if (g === undefined) return;
    const a = i * ARGS;
    const region: RegionSummary = { taskId: this.t.args[a]!, name: tables?.strings.get(this.t.args[a + 1]!) ?? '', start: i, end: -1, stats: snapshot(g, this.t.time[i]!) };
    g.pending?.activeRegions.push(region);
    const task = this.task_(region.taskId);
    task.regions.push(region);
    task.goroutines.set(g.id, g);
  }

  private regionEnd(i: number, tables: GenTables | undefined): void {
    const g = this.gs.get(this.t.g[i]!);
    if (g === undefined) return;
    const a = i * ARGS;
    const active = g.pending?.activeRegions ?? [];
    let region = active.pop();
    if (region === undefined) {
      // An end whose begin was before the trace: make the region up now.
      region = { taskId: this.t.args[a]!, name: tables?.strings.get(this.t.args[a + 1]!) ?? '', start: -1, end: -1, stats: newStats() };
      const task = this.task_(region.taskId);
      task.goroutines.set(g.id, g);
      task.regions.push(region);
    }
    region.stats = sub(snapshot(g, this.t.time[i]!), region.stats);
    region.end = i;
    g.regions.push(region);
  }

  private task(i: number, tables: GenTables | undefined): void {
    const a = i * ARGS;
    const args = this.t.args;
    const begin = this.t.type[i] === EV.UserTaskBegin;
    const id = args[a]!;
    const parent = begin ? args[a + 1]! : args[a + 2]!;
    const task = this.task_(id);
    task.name = begin ? (tables?.strings.get(args[a + 2]!) ?? '') : (this.t.extraStrings[args[a + 3]!] ?? '');
    task.goroutines.set(this.t.g[i]!, this.gs.get(this.t.g[i]!) ?? null);
    if (begin) task.start = i;
    else task.end = i;
    if (parent !== NO_ID && task.parent === null) {
      const p = this.task_(parent);
      task.parent = p;
      p.children.push(task);
    }
  }

  private log(i: number): void {
    const task = this.task_(this.t.args[i * ARGS]!);
    task.goroutines.set(this.t.g[i]!, this.gs.get(this.t.g[i]!) ?? null);
    task.logs.push(i);
  }

  private task_(id: number): TaskSummary {
    let task = this.tasks.get(id);
    if (task === undefined) {
      task = { id, name: '', parent: null, children: [], start: -1, end: -1, logs: [], regions: [], goroutines: new Map() };
      this.tasks.set(id, task);
    }
    return task;
  }
}

/**
 * Go's Summarizer over the first `n` events (cmd/trace feeds it every event
 * it read, `count`, even those past the last good generation).
 */
export function summarize(t: ParsedTrace, n = t.count): Summary {
  const s = new Summarizer(t);
  forEachWithTables(t, n, (i, tables) => s.event(i, tables));
  for (const g of s.gs.values()) {
    finalize(t, g, s.lastTs, -1);
    goSortFunc(g.regions, (a, b) => {
      if (a.start < 0) return b.start < 0 ? 0 : -1;
      if (b.start < 0) return 1;
      const x = t.time[a.start]!;
      const y = t.time[b.start]!;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    g.pending = null;
  }
  return { goroutines: s.gs, tasks: s.tasks };
}

/** A region's or task's top frame (Go's regionTopStackFrame): the root of its start event's stack. */
export function startFrame(t: ParsedTrace, start: number): { pc: number; func: string } {
  if (start < 0) return { pc: 0, func: '' };
  const tables = t.generations[Math.max(0, generationIndex(t, start))];
  const pcs = tables?.stacks.get(stackOf(t, start)) ?? [];
  const pc = pcs.length > 0 ? pcs[pcs.length - 1]! : 0;
  const f = tables?.frames.get(pc);
  return { pc, func: f === undefined ? '' : (tables!.strings.get(f.funcId) ?? '') };
}

function generationIndex(t: ParsedTrace, i: number): number {
  let lo = 0;
  let hi = t.generationStart.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.generationStart[mid]! <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
