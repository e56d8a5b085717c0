// Per-goroutine time statistics, user tasks and regions, as
// internal/trace/summary.go computes them (what `go tool trace` shows on its
// goroutine, task and region pages): one pass over the events in order, each
// goroutine's time split into execution, scheduler wait, syscall, syscall
// block and block time by reason, plus time in special ranges (GC mark
// assist, sweep, STW). Times are in the parsed trace's ns (0: none, as Go's
// zero Time).
//
// A trace can have hundreds of thousands of goroutines, so their numbers are
// columns (GoroutineTable), not an object each: objects with many float
// fields are slow to make and large (each float is boxed). GoroutineSummary
// objects are made on demand. Pure and isomorphic.
import { compare } from './compare.ts';
import { ARGS, generationOf, NO_ID, type ParsedTrace } from './events.ts';
import {
  GenerationCursor,
  KIND,
  KIND_OF,
  newTransition,
  range,
  RESOURCE,
  stackOf,
  transition,
  type RangeView,
  type Transition,
} from './event-view.ts';
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
  readonly name: string;
  readonly pc: number;
  readonly creationTime: number;
  /** First time it ran (0: never). */
  readonly startTime: number;
  /** When it ended (0: not in the trace). */
  readonly endTime: number;
  readonly regions: readonly RegionSummary[];
  readonly stats: ExecStats;
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
  /** Goroutines seen working for it. */
  readonly goroutines: Set<number>;
}

/**
 * Most goroutines never enter a special range, and many never block: their
 * maps start as this shared empty one, replaced by a map of their own on the
 * first write, which keeps a goroutine's summary small.
 */
const NONE: Map<string, number> = new Map();
const NO_REGIONS: RegionSummary[] = [];
const own = (m: Map<string, number>): Map<string, number> => (m === NONE ? new Map<string, number>() : m);
const add = (m: Map<string, number>, k: string, v: number): void => void m.set(k, (m.get(k) ?? 0) + v);
const newStats = (): ExecStats => ({
  execTime: 0,
  schedWaitTime: 0,
  syscallTime: 0,
  syscallBlockTime: 0,
  blockTimeByReason: NONE,
  totalTime: 0,
  rangeTime: NONE,
});

export function cloneStats(s: ExecStats): ExecStats {
  return {
    ...s,
    blockTimeByReason: s.blockTimeByReason === NONE ? NONE : new Map(s.blockTimeByReason),
    rangeTime: s.rangeTime === NONE ? NONE : new Map(s.rangeTime),
  };
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

const FLOATS = [
  'creationTime',
  'startTime',
  'endTime',
  'pc',
  'execTime',
  'schedWaitTime',
  'syscallTime',
  'syscallBlockTime',
  'totalTime',
  'lastStartTime',
  'lastRunnableTime',
  'lastBlockTime',
  'lastSyscallTime',
  'lastSyscallBlockTime',
] as const;
type FloatName = (typeof FLOATS)[number];

/**
 * Every goroutine's summary as columns, by slot. A goroutine seen again as
 * "undetermined" gets a new slot (Go starts it over); `slots` maps each ID to
 * its current one. The last* columns are Go's goroutineSummary, the state
 * during the pass (Go zeroes them when a goroutine ends but keeps them).
 */
export class GoroutineTable implements Record<FloatName, Float64Array> {
  size = 0;
  readonly slots = new Map<number, number>();
  readonly ids: number[] = [];
  readonly names: string[] = [];
  readonly blockTimeByReason: Map<string, number>[] = [];
  readonly rangeTime: Map<string, number>[] = [];
  readonly lastBlockReason: string[] = [];
  readonly lastRangeTime: Map<string, number>[] = [];
  readonly activeRegions: RegionSummary[][] = [];
  readonly regions: RegionSummary[][] = [];
  creationTime = new Float64Array(1024);
  startTime = new Float64Array(1024);
  endTime = new Float64Array(1024);
  pc = new Float64Array(1024);
  execTime = new Float64Array(1024);
  schedWaitTime = new Float64Array(1024);
  syscallTime = new Float64Array(1024);
  syscallBlockTime = new Float64Array(1024);
  totalTime = new Float64Array(1024);
  lastStartTime = new Float64Array(1024);
  lastRunnableTime = new Float64Array(1024);
  lastBlockTime = new Float64Array(1024);
  lastSyscallTime = new Float64Array(1024);
  lastSyscallBlockTime = new Float64Array(1024);

  private grow(): void {
    const n = this.creationTime.length * 2;
    for (const name of FLOATS) {
      const next = new Float64Array(n);
      next.set(this[name]);
      this[name] = next;
    }
  }

  add(id: number, creationTime: number): number {
    const s = this.size++;
    if (s === this.creationTime.length) this.grow();
    this.slots.set(id, s);
    this.ids.push(id);
    this.names.push('');
    this.blockTimeByReason.push(NONE);
    this.rangeTime.push(NONE);
    this.lastBlockReason.push('');
    this.lastRangeTime.push(NONE);
    this.activeRegions.push(NO_REGIONS);
    this.regions.push(NO_REGIONS);
    this.creationTime[s] = creationTime;
    return s;
  }

  stats(s: number): ExecStats {
    return {
      execTime: this.execTime[s]!,
      schedWaitTime: this.schedWaitTime[s]!,
      syscallTime: this.syscallTime[s]!,
      syscallBlockTime: this.syscallBlockTime[s]!,
      blockTimeByReason: this.blockTimeByReason[s]!,
      totalTime: this.totalTime[s]!,
      rangeTime: this.rangeTime[s]!,
    };
  }

  /** Slot s as an object. */
  summary(s: number): GoroutineSummary {
    return {
      id: this.ids[s]!,
      name: this.names[s]!,
      pc: this.pc[s]!,
      creationTime: this.creationTime[s]!,
      startTime: this.startTime[s]!,
      endTime: this.endTime[s]!,
      regions: this.regions[s]!,
      stats: this.stats(s),
    };
  }

  addBlock(s: number, reason: string, dt: number): void {
    add((this.blockTimeByReason[s] = own(this.blockTimeByReason[s]!)), reason, dt);
  }

  addRange(s: number, name: string, dt: number): void {
    add((this.rangeTime[s] = own(this.rangeTime[s]!)), name, dt);
  }
}

export class Summary {
  private objects: Map<number, GoroutineSummary> | null = null;

  constructor(
    readonly table: GoroutineTable,
    readonly tasks: Map<number, TaskSummary>,
  ) {}

  /** Every goroutine (its current summary) by ID, as objects (made on first use). */
  get goroutines(): ReadonlyMap<number, GoroutineSummary> {
    this.objects ??= new Map([...this.table.slots].map(([id, s]) => [id, this.table.summary(s)]));
    return this.objects;
  }
}

class Summarizer {
  readonly g = new GoroutineTable();
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
      case KIND.Sync:
        this.syncTs = time;
        break;
      case KIND.StateTransition:
        this.stateTransition(i, tables);
        break;
      case KIND.RangeBegin:
      case KIND.RangeActive:
        this.rangeBegin(i, tables);
        break;
      case KIND.RangeEnd:
        this.rangeEnd(i, tables);
        break;
      case KIND.RegionBegin:
        this.regionBegin(i, tables);
        break;
      case KIND.RegionEnd:
        this.regionEnd(i, tables);
        break;
      case KIND.TaskBegin:
      case KIND.TaskEnd:
        this.task(i, tables);
        break;
      case KIND.Log:
        this.log(i);
        break;
    }
  }

  private slotOf(id: number): number | undefined {
    return this.g.slots.get(id);
  }

  private stateTransition(i: number, tables: GenTables | undefined): void {
    const st = transition(this.t, i, this.tr);
    if (st.resource === RESOURCE.Goroutine) this.goTransition(i, st, tables);
    else if (st.resource === RESOURCE.Proc && st.from !== st.to && st.to === PROC_STATE.Idle) {
      // A proc going idle while its goroutine is in a syscall: the syscall blocked.
      const goid = this.syscallingP.get(st.id);
      if (goid !== undefined) {
        const s = this.slotOf(goid);
        if (s !== undefined) this.g.lastSyscallBlockTime[s] = this.t.time[i]!;
        this.syscallingP.delete(st.id);
      }
    }
  }

  private goTransition(i: number, st: Transition, tables: GenTables | undefined): void {
    if (st.from === st.to) return;
    const s = this.transitionOut(i, st, tables);
    if (s === undefined) return;
    if (this.g.names[s] === '' && st.stack !== 0) {
      // Name the goroutine by the root frame of its stack: the same for every transition of it.
      const pcs = tables?.stacks.get(st.stack) ?? [];
      for (const pc of pcs) {
        this.g.pc[s] = pc;
        const f = tables!.frames.get(pc);
        this.g.names[s] = f === undefined ? '' : (tables!.strings.get(f.funcId) ?? '');
      }
    }
    this.transitionIn(i, st, s, tables);
  }

  /** Accounts for the time in the state the goroutine leaves; returns its slot (new if it is new). */
  private transitionOut(i: number, st: Transition, tables: GenTables | undefined): number | undefined {
    const now = this.t.time[i]!;
    if (st.from === GO_STATE.Undetermined) {
      // First seen at a generation start: it has been in its state since the last sync.
      const s = this.g.add(st.id, this.syncTs);
      this.accountSinceSync(s, i, st, now - this.syncTs, tables);
      return s;
    }
    if (st.from === GO_STATE.NotExist) {
      const s = this.g.add(st.id, now);
      // A goroutine created in a region inherits the region's task.
      const creator = this.slotOf(this.t.g[i]!);
      const active = creator === undefined ? NO_REGIONS : this.g.activeRegions[creator]!;
      if (active.length > 0)
        this.g.activeRegions[s] = [{ taskId: active[active.length - 1]!.taskId, name: '', start: i, end: -1, stats: newStats() }];
      return s;
    }
    const s = this.slotOf(st.id);
    if (s !== undefined) this.leave(s, st.from, now, st.id);
    return s;
  }

  private accountSinceSync(s: number, i: number, st: Transition, dt: number, tables: GenTables | undefined): void {
    const g = this.g;
    if (st.to === GO_STATE.Running) g.execTime[s]! += dt;
    else if (st.to === GO_STATE.Waiting) g.addBlock(s, tables?.strings.get(st.reason) ?? '', dt);
    else if (st.to === GO_STATE.Runnable) g.schedWaitTime[s]! += dt;
    // In a syscall since the start: with a P it was executing it, without one blocked in it.
    else if (st.to === GO_STATE.Syscall && this.t.p[i] === NO_ID) g.syscallBlockTime[s]! += dt;
    else if (st.to === GO_STATE.Syscall) g.syscallTime[s]! += dt;
  }

  private leave(s: number, from: number, now: number, id: number): void {
    const g = this.g;
    if (from === GO_STATE.Running) {
      g.execTime[s]! += now - g.lastStartTime[s]!;
      g.lastStartTime[s] = 0;
    } else if (from === GO_STATE.Waiting && g.lastBlockTime[s] !== 0) {
      g.addBlock(s, g.lastBlockReason[s]!, now - g.lastBlockTime[s]!);
      g.lastBlockTime[s] = 0;
    } else if (from === GO_STATE.Runnable && g.lastRunnableTime[s] !== 0) {
      g.schedWaitTime[s]! += now - g.lastRunnableTime[s]!;
      g.lastRunnableTime[s] = 0;
    } else if (from === GO_STATE.Syscall && g.lastSyscallTime[s] !== 0) {
      this.leaveSyscall(s, now, id);
    }
  }

  private leaveSyscall(s: number, now: number, id: number): void {
    const g = this.g;
    const blocked = g.lastSyscallBlockTime[s]!;
    if (blocked !== 0) {
      g.syscallBlockTime[s]! += now - blocked;
      g.syscallTime[s]! += blocked - g.lastSyscallTime[s]!;
    } else {
      g.syscallTime[s]! += now - g.lastSyscallTime[s]!;
    }
    g.lastSyscallTime[s] = 0;
    g.lastSyscallBlockTime[s] = 0;
    this.syscallingP.delete(this.syscallingG.get(id) ?? 0); // Go deletes P 0's entry when it has none
    this.syscallingG.delete(id);
  }

  private transitionIn(i: number, st: Transition, s: number, tables: GenTables | undefined): void {
    const g = this.g;
    const now = this.t.time[i]!;
    if (st.to === GO_STATE.Running) {
      g.lastStartTime[s] = now;
      if (g.startTime[s] === 0) g.startTime[s] = now;
    } else if (st.to === GO_STATE.Runnable) {
      g.lastRunnableTime[s] = now;
    } else if (st.to === GO_STATE.Waiting && (tables?.strings.get(st.reason) ?? '') !== 'forever') {
      g.lastBlockTime[s] = now;
      g.lastBlockReason[s] = tables?.strings.get(st.reason) ?? '';
    } else if (st.to === GO_STATE.Waiting || st.to === GO_STATE.NotExist) {
      finalize(this.t, g, s, now, i); // blocked forever is like the end of the goroutine
    } else if (st.to === GO_STATE.Syscall) {
      this.syscallingP.set(this.t.p[i]!, st.id);
      this.syscallingG.set(st.id, this.t.p[i]!);
      g.lastSyscallTime[s] = now;
    }
  }

  private rangeBegin(i: number, tables: GenTables | undefined): void {
    const r = range(this.t, i, tables, this.rv);
    let s: number | undefined;
    if (r.scope === RESOURCE.Goroutine) s = this.slotOf(r.scopeId);
    else if (r.scope === RESOURCE.Proc) {
      // Bound to the P, but attributed to the goroutine on it if it stays there.
      s = this.slotOf(this.t.g[i]!);
      if (s !== undefined) this.rangesP.set(`${r.scopeId}\0${r.name}`, this.t.g[i]!);
    }
    if (s === undefined) return;
    const g = this.g;
    const last = (g.lastRangeTime[s] = own(g.lastRangeTime[s]!));
    if (KIND_OF[this.t.type[i]!] === KIND.RangeActive) {
      const ts = last.get(r.name) ?? 0;
      if (ts !== 0) g.addRange(s, r.name, this.syncTs - ts);
      last.set(r.name, this.syncTs);
    } else {
      last.set(r.name, this.t.time[i]!);
    }
  }

  private rangeEnd(i: number, tables: GenTables | undefined): void {
    const r = range(this.t, i, tables, this.rv);
    let s: number | undefined;
    if (r.scope === RESOURCE.Goroutine) s = this.slotOf(r.scopeId);
    else if (r.scope === RESOURCE.Proc) {
      const key = `${r.scopeId}\0${r.name}`;
      const goid = this.rangesP.get(key);
      if (goid !== undefined) {
        if (goid === this.t.g[i]) s = this.slotOf(goid);
        this.rangesP.delete(key);
      }
    }
    if (s === undefined) return;
    const ts = this.g.lastRangeTime[s]!.get(r.name) ?? 0;
    if (ts === 0) return;
    this.g.addRange(s, r.name, this.t.time[i]! - ts);
    this.g.lastRangeTime[s]!.delete(r.name);
  }

  private regionBegin(i: number, tables: GenTables | undefined): void {
    const s = this.slotOf(this.t.g[i]!);
    if (s === undefined) return;
    const a = i * ARGS;
    const region: RegionSummary = {
      taskId: this.t.args[a]!,
      name: tables?.strings.get(this.t.args[a + 1]!) ?? '',
      start: i,
      end: -1,
      stats: snapshot(this.g, s, this.t.time[i]!),
    };
    const active = this.g.activeRegions;
    (active[s] = active[s] === NO_REGIONS ? [] : active[s]!).push(region);
    const task = this.task_(region.taskId);
    task.regions.push(region);
    task.goroutines.add(this.g.ids[s]!);
  }

  private regionEnd(i: number, tables: GenTables | undefined): void {
    const s = this.slotOf(this.t.g[i]!);
    if (s === undefined) return;
    const a = i * ARGS;
    let region = this.g.activeRegions[s]!.pop();
    if (region === undefined) {
      // An end whose begin was before the trace: make the region up now.
      region = { taskId: this.t.args[a]!, name: tables?.strings.get(this.t.args[a + 1]!) ?? '', start: -1, end: -1, stats: newStats() };
      const task = this.task_(region.taskId);
      task.goroutines.add(this.g.ids[s]!);
      task.regions.push(region);
    }
    region.stats = sub(snapshot(this.g, s, this.t.time[i]!), region.stats);
    region.end = i;
    addRegion(this.g, s, region);
  }

  private task(i: number, tables: GenTables | undefined): void {
    const a = i * ARGS;
    const args = this.t.args;
    const begin = this.t.type[i] === EV.UserTaskBegin;
    const parent = begin ? args[a + 1]! : args[a + 2]!;
    const task = this.task_(args[a]!);
    task.name = begin ? (tables?.strings.get(args[a + 2]!) ?? '') : (this.t.extraStrings[args[a + 3]!] ?? '');
    task.goroutines.add(this.t.g[i]!);
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
    task.goroutines.add(this.t.g[i]!);
    task.logs.push(i);
  }

  private task_(id: number): TaskSummary {
    let task = this.tasks.get(id);
    if (task === undefined) {
      task = { id, name: '', parent: null, children: [], start: -1, end: -1, logs: [], regions: [], goroutines: new Set() };
      this.tasks.set(id, task);
    }
    return task;
  }
}

function addRegion(g: GoroutineTable, s: number, r: RegionSummary): void {
  (g.regions[s] = g.regions[s] === NO_REGIONS ? [] : g.regions[s]!).push(r);
}

/** Go's snapshotStat: the stats as if the goroutine's current state ended at lastTs (a copy). */
function snapshot(g: GoroutineTable, s: number, lastTs: number): ExecStats {
  const ret = cloneStats(g.stats(s));
  if (g.totalTime[s] === 0) ret.totalTime = lastTs - g.creationTime[s]!;
  if (g.lastStartTime[s] !== 0) ret.execTime += lastTs - g.lastStartTime[s]!;
  if (g.lastRunnableTime[s] !== 0) ret.schedWaitTime += lastTs - g.lastRunnableTime[s]!;
  if (g.lastBlockTime[s] !== 0)
    add((ret.blockTimeByReason = own(ret.blockTimeByReason)), g.lastBlockReason[s]!, lastTs - g.lastBlockTime[s]!);
  if (g.lastSyscallTime[s] !== 0) ret.syscallTime += lastTs - g.lastSyscallTime[s]!;
  if (g.lastSyscallBlockTime[s] !== 0) ret.schedWaitTime += lastTs - g.lastSyscallBlockTime[s]!; // sic: Go counts it as sched wait here
  for (const [name, ts] of g.lastRangeTime[s]!) add((ret.rangeTime = own(ret.rangeTime)), name, lastTs - ts);
  return ret;
}

/**
 * Go's finalize: at the goroutine's end (trigger: that event's index) or the
 * trace's (-1). Go replaces the stats with a snapshot; nothing else holds
 * them here, so the snapshot is taken in place.
 */
function finalize(t: ParsedTrace, g: GoroutineTable, s: number, lastTs: number, trigger: number): void {
  if (trigger >= 0) g.endTime[s] = t.time[trigger]!;
  if (g.totalTime[s] === 0) g.totalTime[s] = lastTs - g.creationTime[s]!;
  if (g.lastStartTime[s] !== 0) g.execTime[s]! += lastTs - g.lastStartTime[s]!;
  if (g.lastRunnableTime[s] !== 0) g.schedWaitTime[s]! += lastTs - g.lastRunnableTime[s]!;
  if (g.lastBlockTime[s] !== 0) g.addBlock(s, g.lastBlockReason[s]!, lastTs - g.lastBlockTime[s]!);
  if (g.lastSyscallTime[s] !== 0) g.syscallTime[s]! += lastTs - g.lastSyscallTime[s]!;
  if (g.lastSyscallBlockTime[s] !== 0) g.schedWaitTime[s]! += lastTs - g.lastSyscallBlockTime[s]!; // sic, as snapshotStat
  for (const [name, ts] of g.lastRangeTime[s]!) g.addRange(s, name, lastTs - ts);
  const active = g.activeRegions[s]!;
  if (active.length > 0 && !isSystemGoroutine(g.names[s]!)) {
    const final = g.stats(s);
    for (const r of active) {
      r.end = trigger;
      r.stats = sub(final, r.stats);
      addRegion(g, s, r);
    }
  }
  // Go zeroes the pending state but keeps it: a later finalize sees it empty.
  g.lastStartTime[s] = g.lastRunnableTime[s] = g.lastBlockTime[s] = g.lastSyscallTime[s] = g.lastSyscallBlockTime[s] = 0;
  g.lastBlockReason[s] = '';
  g.lastRangeTime[s] = NONE;
  g.activeRegions[s] = NO_REGIONS;
}

/**
 * Go's Summarizer over the first `n` events (cmd/trace feeds it every event
 * it read, `count`, even those past the last good generation).
 */
export function summarize(t: ParsedTrace, n = t.count): Summary {
  const s = new Summarizer(t);
  const gc = new GenerationCursor(t);
  for (let i = 0; i < n; i++) {
    gc.at(i);
    s.event(i, gc.tables);
  }
  const g = s.g;
  for (const slot of g.slots.values()) {
    finalize(t, g, slot, s.lastTs, -1);
    const regions = g.regions[slot]!;
    if (regions.length > 1) {
      goSortFunc(regions, (a, b) => {
        if (a.start < 0) return b.start < 0 ? 0 : -1;
        if (b.start < 0) return 1;
        const x = t.time[a.start]!;
        const y = t.time[b.start]!;
        return compare(x, y);
      });
    }
  }
  return new Summary(g, s.tasks);
}

/** A region's or task's top frame (Go's regionTopStackFrame): the root of its start event's stack. */
export function startFrame(t: ParsedTrace, start: number): { pc: number; func: string } {
  if (start < 0) return { pc: 0, func: '' };
  const tables = t.generations[Math.max(0, generationOf(t, start))];
  const pcs = tables?.stacks.get(stackOf(t, start)) ?? [];
  const pc = pcs.length > 0 ? pcs[pcs.length - 1]! : 0;
  const f = tables?.frames.get(pc);
  return { pc, func: f === undefined ? '' : (tables!.strings.get(f.funcId) ?? '') };
}
