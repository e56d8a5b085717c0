// The ordering state machine of internal/trace/order.go: it emulates the Go
// scheduler's state (each goroutine's and proc's status and sequence number,
// each thread's goroutine and proc, the GC's phase, active tasks, regions and
// special ranges) to decide whether a thread's next event can happen now,
// validates it, and emits it with its context (the G, P and M before it).
// Timestamps do not order events; sequence numbers and states do. Errors read
// as Go's. Pure and isomorphic.
import { broken } from './error.ts';
import { NO_ID } from './events.ts';
import type { Cursor } from './frontier.ts';
import {
  EV,
  eventName,
  GO_STATE,
  GO_STATUS,
  GO_STATUS_TO_STATE,
  goStatusName,
  PROC_STATE,
  PROC_STATUS,
  PROC_STATUS_TO_STATE,
  procStatusName,
  SPECS,
  type TraceVersion,
} from './spec.ts';
import type { GenTables } from './tables.ts';

/** Where ordered events go: Go's queue, then Reader.ReadEvent (table checks, monotonic time). */
export interface OrderedSink {
  emit(typ: number, time: number, g: number, p: number, m: number, a0: number, a1: number, a2: number, a3: number): void;
  /** Interns a task name carried from another generation; returns its index (0 for ""). */
  extraString(s: string): number;
}

interface RangeType {
  readonly typ: number;
  readonly desc: number;
}

interface GState {
  readonly id: number;
  status: number;
  seqGen: number;
  seq: number;
  readonly regions: { task: number; name: string }[];
  readonly ranges: RangeType[];
}

interface PState {
  readonly id: number;
  status: number;
  seqGen: number;
  seq: number;
  readonly ranges: RangeType[];
}

interface MState {
  g: number;
  p: number;
}

const MUST_NOT = 0;
const MAY = 1;
const MUST = 2;

const GC_UNDETERMINED = 0;
const GC_NOT_RUNNING = 1;
const GC_RUNNING = 2;

/** Go's makeRangeType: ranges are named by the event that begins them. */
const rangeType = (typ: number, desc: number): RangeType => ({ typ: SPECS[typ]!.startEv || typ, desc });
const rangeText = (r: RangeType): string => `{${r.typ} ${r.desc}}`;

type Handler = (o: Ordering, ev: Cursor) => boolean;

export class Ordering {
  readonly gStates = new Map<number, GState>();
  readonly pStates = new Map<number, PState>();
  readonly mStates = new Map<number, MState>();
  private readonly activeTasks = new Map<number, { name: string; parent: number }>();
  private gcSeq = 0;
  private gcState = GC_UNDETERMINED;
  private initialGen = 0;
  // The event being advanced: its generation, tables, and context before (cur) and after (new) it.
  gen = 0;
  tables!: GenTables;
  curG = NO_ID;
  curP = NO_ID;
  curM = NO_ID;
  newG = NO_ID;
  newP = NO_ID;

  constructor(
    readonly version: TraceVersion,
    readonly sink: OrderedSink,
  ) {}

  /** Go's ordering.Advance: true if ev (from thread m) happened now and was emitted, false to try another thread first. */
  advance(ev: Cursor, tables: GenTables, m: number, gen: number): boolean {
    if (this.initialGen === 0) this.initialGen = gen;
    this.gen = gen;
    this.tables = tables;
    let ms: MState | undefined;
    this.curM = m;
    if (m === NO_ID) {
      this.curP = NO_ID;
      this.curG = NO_ID;
    } else {
      ms = ev.threadState as MState | undefined;
      if (ms === undefined) {
        ms = this.mStates.get(m);
        if (ms === undefined) {
          ms = { g: NO_ID, p: NO_ID };
          this.mStates.set(m, ms);
        }
        ev.threadState = ms;
      }
      this.curP = ms.p;
      this.curG = ms.g;
    }
    this.newG = this.curG;
    this.newP = this.curP;
    const f = DISPATCH[ev.typ];
    if (f === undefined) throw broken(`bad event type found while ordering: ${ev.typ}`);
    const ok = f(this, ev);
    if (ok && ms !== undefined) {
      ms.p = this.newP;
      ms.g = this.newG;
    }
    return ok;
  }

  name(typ: number): string {
    return eventName(this.version, typ);
  }

  /** Emits ev with the current context. */
  push(ev: Cursor): void {
    this.sink.emit(ev.typ, ev.time, this.curG, this.curP, this.curM, ev.a0, ev.a1, ev.a2, ev.a3);
  }

  /** Emits an event the parser makes up (Go's makeEvent): arguments not given are 0. */
  make(typ: number, time: number, g: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0): void {
    this.sink.emit(typ, time, g, this.curP, this.curM, a0, a1, a2, a3);
  }

  /** Go's validateCtx against (M, P, G) requirements. */
  need(m: number, p: number, g: number): void {
    if (m === MUST && this.curM === NO_ID) throw broken("expected a thread but didn't have one");
    if (m === MUST_NOT && this.curM !== NO_ID) throw broken('expected no thread but had one');
    if (p === MUST && this.curP === NO_ID) throw broken("expected a proc but didn't have one");
    if (p === MUST_NOT && this.curP !== NO_ID) throw broken('expected no proc but had one');
    if (g === MUST && this.curG === NO_ID) throw broken("expected a goroutine but didn't have one");
    if (g === MUST_NOT && this.curG !== NO_ID) throw broken('expected no goroutine but had one');
  }

  /** userGoReqs: a running goroutine on a proc on a thread. */
  needUserGo(): void {
    this.need(MUST, MUST, MUST);
  }

  /** The current goroutine, which must exist and be in `status`; `want` names the state in the error as Go does. */
  curGoroutine(typ: number, status: number, want: string): GState {
    const s = this.gStates.get(this.curG);
    if (s === undefined) throw broken(`event ${this.name(typ)} for goroutine (${this.curG}) that doesn't exist`);
    if (s.status !== status) throw broken(`${this.name(typ)} event for goroutine that's not ${want}`);
    return s;
  }

  proc(id: number, typ: number, message = 'uninitialized proc %d found during %s'): PState {
    const s = this.pStates.get(id);
    if (s === undefined) throw broken(message.replace('%d', String(id)).replace('%s', this.name(typ)));
    return s;
  }

  isInitialGen(): boolean {
    return this.gen === this.initialGen;
  }

  gcAdvance(typ: number, seq: number): boolean {
    if (typ === EV.GCActive) return gcActive(this, seq);
    return typ === EV.GCBegin ? gcBegin(this, seq) : gcEnd(this, seq);
  }

  setGC(seq: number, state: number): void {
    this.gcSeq = seq;
    this.gcState = state;
  }

  get gc(): { seq: number; state: number } {
    return { seq: this.gcSeq, state: this.gcState };
  }

  get tasks(): Map<number, { name: string; parent: number }> {
    return this.activeTasks;
  }

  /** Go's dumpOrdering, for the "failed to advance" error (maps in insertion order; Go's are unordered). */
  dump(): string {
    const seq = (gen: number, s: number): string => `${s} (gen=${gen})`;
    let out = '';
    for (const [id, s] of this.gStates) out += `G ${id} [status=${goStatusName(s.status)} seq=${seq(s.seqGen, s.seq)}]\n`;
    out += '\n';
    for (const [id, s] of this.pStates) out += `P ${id} [status=${procStatusName(s.status)} seq=${seq(s.seqGen, s.seq)}]\n`;
    out += '\n';
    for (const [id, s] of this.mStates) out += `M ${id} [g=${s.g} p=${s.p}]\n`;
    out += '\n';
    return `${out}GC ${this.gcSeq} ${['Undetermined', 'NotRunning', 'Running'][this.gcState]}\n`;
  }
}

/** seq succeeds (gen, prev): same generation, next number. */
const succeeds = (gen: number, seq: number, s: { seqGen: number; seq: number }): boolean => gen === s.seqGen && seq === s.seq + 1;

// Procs.

function procStatus(o: Ordering, ev: Cursor): boolean {
  const pid = ev.a0;
  const status = ev.a1;
  if (!(status >= 0 && status < PROC_STATUS_TO_STATE.length)) throw broken(`invalid status for proc ${pid}: ${u(status)}`);
  let oldState: number = PROC_STATUS_TO_STATE[status]!;
  const s = o.pStates.get(pid);
  if (s !== undefined) {
    if (status === PROC_STATUS.SyscallAbandoned && s.status === PROC_STATUS.Syscall) {
      // Not lost after all: the P is still in the syscall it was seen entering.
      oldState = PROC_STATE.Running;
      ev.a1 = PROC_STATUS.Syscall;
    } else if (status === PROC_STATUS.SyscallAbandoned && s.status === PROC_STATUS.SyscallAbandoned) {
      oldState = PROC_STATE.Idle;
      ev.a1 = PROC_STATUS.SyscallAbandoned;
    } else if (s.status !== status) {
      throw broken(`inconsistent status for proc ${pid}: old ${procStatusName(s.status)} vs. new ${procStatusName(status)}`);
    }
    s.seqGen = o.gen;
    s.seq = 0;
  } else {
    o.pStates.set(pid, { id: pid, status, seqGen: o.gen, seq: 0, ranges: [] });
    oldState = o.isInitialGen() ? PROC_STATE.Undetermined : PROC_STATE.NotExist;
  }
  ev.a2 = oldState; // Go's extra()[0]: the old state, for the state transition
  if (status === PROC_STATUS.Running || status === PROC_STATUS.Syscall) o.newP = pid;
  if (status === PROC_STATUS.SyscallAbandoned && oldState === PROC_STATE.Running) bindToStolenProc(o, pid);
  o.push(ev);
  return true;
}

/** A P about to be stolen reports its status from another thread: emit it in the context of the thread it is bound to. */
function bindToStolenProc(o: Ordering, pid: number): void {
  let found = false;
  for (const [mid, ms] of o.mStates) {
    if (ms.p !== pid) continue;
    o.curM = mid;
    o.curP = pid;
    o.curG = ms.g;
    found = true;
  }
  if (!found) throw broken(`failed to find sched context for proc ${pid} that's about to be stolen`);
}

function procStart(o: Ordering, ev: Cursor): boolean {
  const pid = ev.a0;
  const state = o.pStates.get(pid);
  if (state === undefined || state.status !== PROC_STATUS.Idle || !succeeds(o.gen, ev.a1, state) || o.curP !== NO_ID) return false;
  o.need(MUST, MUST_NOT, MAY);
  state.status = PROC_STATUS.Running;
  state.seqGen = o.gen;
  state.seq = ev.a1;
  o.newP = pid;
  o.push(ev);
  return true;
}

function procStop(o: Ordering, ev: Cursor): boolean {
  const state = o.pStates.get(o.curP);
  if (state === undefined) throw broken(`event ${o.name(ev.typ)} for proc (${o.curP}) that doesn't exist`);
  if (state.status !== PROC_STATUS.Running && state.status !== PROC_STATUS.Syscall)
    throw broken(`${o.name(ev.typ)} event for proc that's not Running or Syscall`);
  o.need(MUST, MUST, MAY);
  state.status = PROC_STATUS.Idle;
  o.newP = NO_ID;
  o.push(ev);
  return true;
}

function procSteal(o: Ordering, ev: Cursor): boolean {
  const pid = ev.a0;
  const state = o.pStates.get(pid);
  if (
    state === undefined ||
    (state.status !== PROC_STATUS.Syscall && state.status !== PROC_STATUS.SyscallAbandoned) ||
    !succeeds(o.gen, ev.a1, state)
  )
    return false;
  o.need(MUST, MAY, MAY);
  const oldStatus = state.status;
  ev.a3 = oldStatus; // Go's extra()[0]
  state.status = PROC_STATUS.Idle;
  state.seqGen = o.gen;
  state.seq = ev.a1;
  if (oldStatus === PROC_STATUS.SyscallAbandoned) {
    // Information was lost: leave the thread it ran on alone.
    o.push(ev);
    return true;
  }
  const mid = ev.a2;
  if (mid === o.curM) {
    if (o.curP !== pid) throw broken(`tried to self-steal proc ${pid} (thread ${mid}), but got proc ${o.curP} instead`);
    o.newP = NO_ID;
    o.push(ev);
    return true;
  }
  const victim = o.mStates.get(mid);
  if (victim === undefined) throw broken(`stole proc from non-existent thread ${mid}`);
  if (victim.p !== pid) throw broken(`tried to steal proc ${pid} from thread ${mid}, but got proc ${victim.p} instead`);
  victim.p = NO_ID;
  o.push(ev);
  return true;
}

// Goroutines.

function goStatus(o: Ordering, ev: Cursor): boolean {
  const gid = ev.a0;
  const status = ev.a2;
  if (!(status >= 0 && status < GO_STATUS_TO_STATE.length)) throw broken(`invalid status for goroutine ${gid}: ${u(status)}`);
  let oldState: number = GO_STATUS_TO_STATE[status]!;
  const s = o.gStates.get(gid);
  if (s !== undefined) {
    if (s.status !== status)
      throw broken(`inconsistent status for goroutine ${gid}: old ${goStatusName(s.status)} vs. new ${goStatusName(status)}`);
    s.seqGen = o.gen;
    s.seq = 0;
  } else if (o.isInitialGen()) {
    o.gStates.set(gid, { id: gid, status, seqGen: o.gen, seq: 0, regions: [], ranges: [] });
    oldState = GO_STATE.Undetermined;
  } else {
    throw broken(`found goroutine status for new goroutine after the first generation: id=${gid} status=${goStatusName(status)}`);
  }
  ev.a2 = oldState * 2 ** 32 + status; // Go packs the old state into the status argument
  if (status === GO_STATUS.Running) o.newG = gid;
  else if (status === GO_STATUS.Syscall) syscallStatus(o, gid, ev.a1);
  o.push(ev);
  return true;
}

/** A goroutine in a syscall on thread mid, maybe not this one. */
function syscallStatus(o: Ordering, gid: number, mid: number): void {
  if (mid === NO_ID) throw broken(`found goroutine ${gid} in syscall without a thread`);
  if (mid === o.curM) {
    if (!o.isInitialGen() && o.curG !== gid)
      throw broken(`inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${o.curG}`);
    o.newG = gid;
    return;
  }
  const ms = o.mStates.get(mid);
  if (ms !== undefined) {
    if (ms.g !== gid) throw broken(`inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${ms.g}`);
    o.curG = ms.g;
  } else {
    o.mStates.set(mid, { g: gid, p: NO_ID });
  }
  o.curM = mid;
}

function goCreate(o: Ordering, ev: Cursor): boolean {
  o.need(MUST, MUST, MAY);
  const creator = o.gStates.get(o.curG);
  if (creator !== undefined && creator.status !== GO_STATUS.Running)
    throw broken(`${o.name(ev.typ)} event for goroutine that's not Running`);
  const id = ev.a0;
  if (o.gStates.has(id)) throw broken(`tried to create goroutine (${id}) that already exists`);
  const status = ev.typ === EV.GoCreateBlocked ? GO_STATUS.Waiting : GO_STATUS.Runnable;
  o.gStates.set(id, { id, status, seqGen: o.gen, seq: 0, regions: [], ranges: [] });
  o.push(ev);
  return true;
}

function goStopExec(o: Ordering, ev: Cursor): boolean {
  o.needUserGo();
  const state = o.curGoroutine(ev.typ, GO_STATUS.Running, 'Running');
  if (ev.typ === EV.GoDestroy) o.gStates.delete(o.curG);
  else state.status = ev.typ === EV.GoStop ? GO_STATUS.Runnable : GO_STATUS.Waiting;
  o.newG = NO_ID;
  o.push(ev);
  return true;
}

function goStart(o: Ordering, ev: Cursor): boolean {
  const state = o.gStates.get(ev.a0);
  if (state === undefined || state.status !== GO_STATUS.Runnable || !succeeds(o.gen, ev.a1, state)) return false;
  o.need(MUST, MUST, MUST_NOT);
  state.status = GO_STATUS.Running;
  state.seqGen = o.gen;
  state.seq = ev.a1;
  o.newG = ev.a0;
  o.push(ev);
  return true;
}

function goUnblock(o: Ordering, ev: Cursor): boolean {
  const state = o.gStates.get(ev.a0);
  if (state === undefined || state.status !== GO_STATUS.Waiting || !succeeds(o.gen, ev.a1, state)) return false;
  state.status = GO_STATUS.Runnable;
  state.seqGen = o.gen;
  state.seq = ev.a1;
  o.push(ev); // anything may unblock a goroutine (sysmon too): no context to check
  return true;
}

/** GoSwitch(Destroy): unblock the next goroutine, block (or end) this one, start the next. */
function goSwitch(o: Ordering, ev: Cursor): boolean {
  o.needUserGo();
  const cur = o.curGoroutine(ev.typ, GO_STATUS.Running, 'Running');
  const next = o.gStates.get(ev.a0);
  if (next === undefined || next.status !== GO_STATUS.Waiting || !succeeds(o.gen, ev.a1, next)) return false;
  o.push(ev);
  if (ev.typ === EV.GoSwitch) {
    cur.status = GO_STATUS.Waiting;
    o.make(EV.GoBlock, ev.time, o.curG); // no reason, no stack
  } else {
    o.gStates.delete(o.curG);
    o.make(EV.GoDestroy, ev.time, o.curG);
  }
  next.status = GO_STATUS.Running;
  next.seqGen = o.gen;
  next.seq = ev.a1;
  o.newG = ev.a0;
  o.make(EV.GoStart, ev.time, NO_ID, ev.a0, ev.a1);
  return true;
}

function goSyscallBegin(o: Ordering, ev: Cursor): boolean {
  o.needUserGo();
  const state = o.curGoroutine(ev.typ, GO_STATUS.Running, 'Running');
  state.status = GO_STATUS.Syscall;
  const p = o.proc(o.curP, ev.typ);
  p.status = PROC_STATUS.Syscall;
  // The P's sequence number only disambiguates steals; a running P must have the next one.
  if (!succeeds(o.gen, ev.a0, p))
    throw broken(`failed to advance ${o.name(ev.typ)}: can't make sequence: ${p.seq} (gen=${p.seqGen}) -> ${ev.a0} (gen=${o.gen})`);
  p.seqGen = o.gen;
  p.seq = ev.a0;
  o.push(ev);
  return true;
}

function goSyscallEnd(o: Ordering, ev: Cursor): boolean {
  o.needUserGo();
  const state = o.curGoroutine(ev.typ, GO_STATUS.Syscall, 'Running');
  state.status = GO_STATUS.Running;
  const p = o.proc(o.curP, ev.typ);
  if (p.status !== PROC_STATUS.Syscall)
    throw broken(`expected proc ${o.curP} in state Syscall, but got ${procStatusName(p.status)} instead`);
  p.status = PROC_STATUS.Running;
  o.push(ev);
  return true;
}

function goSyscallEndBlocked(o: Ordering, ev: Cursor): boolean {
  // Wait until the thread has lost its P (ProcStop or ProcSteal); a new P it got since is fine.
  if (o.curP !== NO_ID && o.proc(o.curP, ev.typ).status === PROC_STATUS.Syscall) return false;
  o.need(MUST, MAY, MUST);
  const state = o.curGoroutine(ev.typ, GO_STATUS.Syscall, 'Running');
  o.newG = NO_ID;
  state.status = GO_STATUS.Runnable;
  o.push(ev);
  return true;
}

function goCreateSyscall(o: Ordering, ev: Cursor): boolean {
  o.need(MUST, MAY, MUST_NOT);
  const id = ev.a0;
  if (o.gStates.has(id)) throw broken(`tried to create goroutine (${id}) in syscall that already exists`);
  o.gStates.set(id, { id, status: GO_STATUS.Syscall, seqGen: o.gen, seq: 0, regions: [], ranges: [] });
  o.newG = id;
  o.push(ev);
  return true;
}

/** A cgo callback's goroutine goes away; its thread gives up its P (emitted as a self-steal). */
function goDestroySyscall(o: Ordering, ev: Cursor): boolean {
  o.need(MUST, MAY, MUST);
  o.curGoroutine(ev.typ, GO_STATUS.Syscall, 'Syscall');
  o.gStates.delete(o.curG);
  o.newG = NO_ID;
  if (o.curP !== NO_ID) {
    const p = o.proc(o.curP, ev.typ, 'found invalid proc %d during %s');
    if (p.status !== PROC_STATUS.Syscall)
      throw broken(`proc ${o.curP} in unexpected state ${procStatusName(p.status)} during ${o.name(ev.typ)}`);
    p.status = PROC_STATUS.SyscallAbandoned;
    o.newP = NO_ID;
    o.make(EV.ProcSteal, ev.time, o.curG, o.curP, 0, 0, PROC_STATUS.Syscall);
  }
  o.push(ev);
  return true;
}

// Tasks and regions.

function userTaskBegin(o: Ordering, ev: Cursor): boolean {
  const id = ev.a0;
  if (o.tasks.has(id)) throw broken(`task ID conflict: ${u(id)}`);
  // Parent 0 means no parent here (not the background task, which only regions join).
  if (ev.a1 === 0) ev.a1 = NO_ID;
  const name = o.tables.strings.get(ev.a2);
  if (name === undefined) throw broken(`invalid string ID ${u(ev.a2)} for ${ev.typ} event`);
  o.tasks.set(id, { name, parent: ev.a1 });
  o.needUserGo();
  o.push(ev);
  return true;
}

function userTaskEnd(o: Ordering, ev: Cursor): boolean {
  const task = o.tasks.get(ev.a0);
  // The name may come from another generation's string table: carry it as an extra string.
  ev.a2 = task?.parent ?? NO_ID;
  ev.a3 = o.sink.extraString(task?.name ?? '');
  o.tasks.delete(ev.a0);
  o.needUserGo();
  o.push(ev);
  return true;
}

function userRegion(o: Ordering, ev: Cursor): boolean {
  o.needUserGo();
  const name = o.tables.strings.get(ev.a1);
  if (name === undefined) throw broken(`invalid string ID ${u(ev.a1)} for ${ev.typ} event`);
  const g = o.gStates.get(o.curG);
  const what = ev.typ === EV.UserRegionBegin ? 'EvUserRegionBegin' : 'EvUserRegionEnd';
  if (g === undefined) throw broken(`encountered ${what} without known state for current goroutine ${o.curG}`);
  if (ev.typ === EV.UserRegionBegin) g.regions.push({ task: ev.a0, name });
  else if (g.regions.length > 0) {
    // A region may have begun before the trace did: an end with no begin is fine.
    const top = g.regions[g.regions.length - 1]!;
    if (top.task !== ev.a0 || top.name !== name) {
      throw broken(
        `misuse of region in goroutine ${g.id}: region end {${u(ev.a0)} ${name}} when the inner-most active region start event is {${u(top.task)} ${top.name}}`,
      );
    }
    g.regions.pop();
  }
  o.push(ev);
  return true;
}

// The GC. Begin and end carry sequence numbers because they may happen on different threads.

function gcActive(o: Ordering, seq: number): boolean {
  const gc = o.gc;
  if (o.isInitialGen()) {
    if (gc.state !== GC_UNDETERMINED) throw broken("GCActive in the first generation isn't first GC event");
    o.setGC(seq, GC_RUNNING);
    return true;
  }
  if (seq !== gc.seq + 1) return false;
  if (gc.state !== GC_RUNNING) throw broken('encountered GCActive while GC was not in progress');
  o.setGC(seq, gc.state);
  o.needUserGo();
  return true;
}

function gcBegin(o: Ordering, seq: number): boolean {
  const gc = o.gc;
  if (gc.state === GC_UNDETERMINED) {
    o.setGC(seq, GC_RUNNING);
    return true;
  }
  if (seq !== gc.seq + 1) return false;
  if (gc.state === GC_RUNNING) throw broken('encountered GCBegin while GC was already in progress');
  o.setGC(seq, GC_RUNNING);
  o.needUserGo();
  return true;
}

function gcEnd(o: Ordering, seq: number): boolean {
  const gc = o.gc;
  if (seq !== gc.seq + 1) return false;
  if (gc.state === GC_NOT_RUNNING) throw broken('encountered GCEnd when GC was not in progress');
  if (gc.state === GC_UNDETERMINED) throw broken('encountered GCEnd when GC was in an undetermined state');
  o.setGC(seq, GC_NOT_RUNNING);
  o.needUserGo();
  return true;
}

function gcPhase(o: Ordering, ev: Cursor): boolean {
  if (!o.gcAdvance(ev.typ, ev.a0)) return false;
  o.push(ev);
  return true;
}

function annotation(o: Ordering, ev: Cursor): boolean {
  o.needUserGo();
  o.push(ev);
  return true;
}

function heapMetric(o: Ordering, ev: Cursor): boolean {
  o.need(MUST, MUST, MAY);
  o.push(ev);
  return true;
}

function allocFree(o: Ordering, ev: Cursor): boolean {
  o.need(MUST, MAY, MAY);
  o.push(ev);
  return true;
}

// Special ranges, on a proc (sweep) or a goroutine (STW, mark assist).

function beginRange(ranges: RangeType[], r: RangeType): void {
  if (ranges.some((x) => x.typ === r.typ && x.desc === r.desc))
    throw broken(`discovered event already in-flight for when starting event ${SPECS[r.typ]!.name}`);
  ranges.push(r);
}

function activeRange(ranges: RangeType[], r: RangeType, initialGen: boolean): void {
  const has = ranges.some((x) => x.typ === r.typ && x.desc === r.desc);
  if (initialGen) {
    if (has) throw broken(`found named active range already in first gen: ${rangeText(r)}`);
    ranges.push(r);
  } else if (!has) {
    throw broken(`resource is missing active range: ${SPECS[r.typ]!.name} [${ranges.map(rangeText).join(' ')}]`);
  }
}

/** Ends the range the event type closes (swap-remove, as Go); returns its description. */
function endRange(ranges: RangeType[], typ: number): number {
  const st = SPECS[typ]!.startEv;
  const idx = ranges.findIndex((r) => r.typ === st);
  if (idx < 0) throw broken(`tried to end event ${SPECS[st]!.name}, but not in-flight`);
  const desc = ranges[idx]!.desc;
  ranges[idx] = ranges[ranges.length - 1]!;
  ranges.pop();
  return desc;
}

function gcSweepBegin(o: Ordering, ev: Cursor): boolean {
  o.need(MUST, MUST, MAY);
  beginRange(o.proc(o.curP, ev.typ).ranges, rangeType(ev.typ, 0));
  o.push(ev);
  return true;
}

function gcSweepActive(o: Ordering, ev: Cursor): boolean {
  const p = o.pStates.get(ev.a0);
  if (p === undefined) throw broken(`encountered GCSweepActive for unknown proc ${ev.a0}`);
  activeRange(p.ranges, rangeType(ev.typ, 0), o.isInitialGen());
  o.push(ev);
  return true;
}

function gcSweepEnd(o: Ordering, ev: Cursor): boolean {
  o.need(MUST, MUST, MAY);
  endRange(o.proc(o.curP, ev.typ).ranges, ev.typ);
  o.push(ev);
  return true;
}

function goRangeState(o: Ordering, typ: number): GState {
  const g = o.gStates.get(o.curG);
  if (g === undefined) throw broken(`encountered event of type ${typ} without known state for current goroutine ${o.curG}`);
  return g;
}

function goRangeBegin(o: Ordering, ev: Cursor): boolean {
  o.needUserGo();
  beginRange(goRangeState(o, ev.typ).ranges, rangeType(ev.typ, ev.typ === EV.STWBegin ? ev.a0 : 0));
  o.push(ev);
  return true;
}

function goRangeActive(o: Ordering, ev: Cursor): boolean {
  const g = o.gStates.get(ev.a0);
  if (g === undefined) throw broken(`uninitialized goroutine ${ev.a0} found during ${o.name(ev.typ)}`);
  activeRange(g.ranges, rangeType(ev.typ, 0), o.isInitialGen());
  o.push(ev);
  return true;
}

function goRangeEnd(o: Ordering, ev: Cursor): boolean {
  o.needUserGo();
  const desc = endRange(goRangeState(o, ev.typ).ranges, ev.typ);
  if (ev.typ === EV.STWEnd) ev.a0 = desc; // the STW kind, from its begin
  o.push(ev);
  return true;
}

const u = (v: number): bigint | number => (v < 0 ? BigInt.asUintN(64, BigInt(v)) : v);

const DISPATCH: (Handler | undefined)[] = [];
const on = (typs: number[], h: Handler): void => typs.forEach((t) => (DISPATCH[t] = h));
on([EV.ProcsChange, EV.GoLabel, EV.UserLog], annotation);
on([EV.ProcStart], procStart);
on([EV.ProcStop], procStop);
on([EV.ProcSteal], procSteal);
on([EV.ProcStatus], procStatus);
on([EV.GoCreate, EV.GoCreateBlocked], goCreate);
on([EV.GoCreateSyscall], goCreateSyscall);
on([EV.GoStart], goStart);
on([EV.GoDestroy, EV.GoStop, EV.GoBlock], goStopExec);
on([EV.GoDestroySyscall], goDestroySyscall);
on([EV.GoUnblock], goUnblock);
on([EV.GoSyscallBegin], goSyscallBegin);
on([EV.GoSyscallEnd], goSyscallEnd);
on([EV.GoSyscallEndBlocked], goSyscallEndBlocked);
on([EV.GoStatus, EV.GoStatusStack], goStatus);
on([EV.STWBegin, EV.GCMarkAssistBegin], goRangeBegin);
on([EV.STWEnd, EV.GCMarkAssistEnd], goRangeEnd);
on([EV.GCActive, EV.GCBegin, EV.GCEnd], gcPhase);
on([EV.GCSweepActive], gcSweepActive);
on([EV.GCSweepBegin], gcSweepBegin);
on([EV.GCSweepEnd], gcSweepEnd);
on([EV.GCMarkAssistActive], goRangeActive);
on([EV.HeapAlloc, EV.HeapGoal], heapMetric);
on([EV.UserTaskBegin], userTaskBegin);
on([EV.UserTaskEnd], userTaskEnd);
on([EV.UserRegionBegin, EV.UserRegionEnd], userRegion);
on([EV.GoSwitch, EV.GoSwitchDestroy], goSwitch);
on(
  [
    EV.Span,
    EV.SpanAlloc,
    EV.SpanFree,
    EV.HeapObject,
    EV.HeapObjectAlloc,
    EV.HeapObjectFree,
    EV.GoroutineStack,
    EV.GoroutineStackAlloc,
    EV.GoroutineStackFree,
  ],
  allocFree,
);
