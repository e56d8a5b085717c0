// What a parsed event means, as internal/trace's Event methods say (Kind,
// Stack, StateTransition, Range, Task, Region, Log, Label, Metric), read from
// the columns without making an object per event: the decoders fill one
// reusable record. Pure and isomorphic.
import { ARGS, NO_ID, type ParsedTrace } from './events.ts';
import { EV, GO_STATE, GO_STATUS_TO_STATE, PROC_STATE, PROC_STATUS, PROC_STATUS_TO_STATE, SPECS } from './spec.ts';
import type { GenTables } from './tables.ts';

/** Go's EventKind. */
/** Which id a transition's resource has: its first argument, or the event's goroutine, or its P. */
function resourceId(spec: number, arg0: number, g: number, p: number): number {
  if (spec === ID_ARG0) return arg0;
  return spec === ID_CTX_G ? g : p;
}

export const KIND = {
  Bad: 0,
  Sync: 1,
  Metric: 2,
  Label: 3,
  StackSample: 4,
  RangeBegin: 5,
  RangeActive: 6,
  RangeEnd: 7,
  TaskBegin: 8,
  TaskEnd: 9,
  RegionBegin: 10,
  RegionEnd: 11,
  Log: 12,
  StateTransition: 13,
  Experimental: 14,
} as const;

export const KIND_NAMES = [
  'Bad',
  'Sync',
  'Metric',
  'Label',
  'StackSample',
  'RangeBegin',
  'RangeActive',
  'RangeEnd',
  'TaskBegin',
  'TaskEnd',
  'RegionBegin',
  'RegionEnd',
  'Log',
  'StateTransition',
  'Experimental',
];

/** Go's tracev2Type2Kind. */
export const KIND_OF: Uint8Array = (() => {
  const k = new Uint8Array(256);
  const set = (kind: number, ...typs: number[]): void => typs.forEach((t) => (k[t] = kind));
  set(KIND.StackSample, EV.CPUSample);
  set(KIND.Metric, EV.ProcsChange, EV.HeapAlloc, EV.HeapGoal);
  set(
    KIND.StateTransition,
    EV.ProcStart,
    EV.ProcStop,
    EV.ProcSteal,
    EV.ProcStatus,
    EV.GoCreate,
    EV.GoCreateSyscall,
    EV.GoStart,
    EV.GoDestroy,
    EV.GoDestroySyscall,
    EV.GoStop,
    EV.GoBlock,
    EV.GoUnblock,
    EV.GoSyscallBegin,
    EV.GoSyscallEnd,
    EV.GoSyscallEndBlocked,
    EV.GoStatus,
    EV.GoSwitch,
    EV.GoSwitchDestroy,
    EV.GoCreateBlocked,
    EV.GoStatusStack,
  );
  set(KIND.RangeBegin, EV.STWBegin, EV.GCBegin, EV.GCSweepBegin, EV.GCMarkAssistBegin);
  set(KIND.RangeActive, EV.GCActive, EV.GCSweepActive, EV.GCMarkAssistActive);
  set(KIND.RangeEnd, EV.STWEnd, EV.GCEnd, EV.GCSweepEnd, EV.GCMarkAssistEnd);
  set(KIND.Label, EV.GoLabel);
  set(KIND.TaskBegin, EV.UserTaskBegin);
  set(KIND.TaskEnd, EV.UserTaskEnd);
  set(KIND.RegionBegin, EV.UserRegionBegin);
  set(KIND.RegionEnd, EV.UserRegionEnd);
  set(KIND.Log, EV.UserLog);
  set(
    KIND.Experimental,
    EV.Span,
    EV.SpanAlloc,
    EV.SpanFree,
    EV.HeapObject,
    EV.HeapObjectAlloc,
    EV.HeapObjectFree,
    EV.GoroutineStack,
    EV.GoroutineStackAlloc,
    EV.GoroutineStackFree,
  );
  set(KIND.Sync, EV.SyncEvent);
  return k;
})();

/** Go's ResourceKind. */
export const RESOURCE = { None: 0, Goroutine: 1, Proc: 2, Thread: 3 } as const;

/** The first stack argument of each type (Go's spec.StackIDs[0]), as an index into the stored arguments; -1: none. */
const STACK_ARG: Int8Array = Int8Array.from({ length: 256 }, (_, t) => {
  const ids = SPECS[t]?.stackIds ?? [];
  return ids.length > 0 ? ids[0]! - 1 : -1;
});

/**
 * Go's Event.Stack(): the event's stack ID in its generation's table (0: none).
 * CPU samples carry theirs in the first argument (and Go shows even a 0 one).
 */
export function stackOf(t: ParsedTrace, i: number): number {
  const typ = t.type[i]!;
  if (typ === EV.CPUSample) return t.args[i * ARGS]!;
  const a = STACK_ARG[typ]!;
  return a < 0 ? 0 : t.args[i * ARGS + a]!;
}

/** A state transition (Go's StateTransition), filled in by `transition`. */
export interface Transition {
  /** RESOURCE.Goroutine or RESOURCE.Proc. */
  resource: number;
  id: number;
  /** GO_STATE or PROC_STATE values. */
  from: number;
  to: number;
  /** String ID of the reason (GoStop, GoBlock), in the event's generation; 0: none. */
  reason: number;
  /** Stack ID of the transition; 0: none. */
  stack: number;
  /** Go shows a TransitionStack even when it is empty for goroutine creations (it is a Stack with a table but no ID). */
  stackShown: boolean;
}

export const newTransition = (): Transition => ({ resource: RESOURCE.None, id: 0, from: 0, to: 0, reason: 0, stack: 0, stackShown: false });

function set(tr: Transition, resource: number, id: number, from: number, to: number, reason = 0, stack = 0, shown = stack !== 0): void {
  tr.resource = resource;
  tr.id = id;
  tr.from = from;
  tr.to = to;
  tr.reason = reason;
  tr.stack = stack;
  tr.stackShown = shown;
}

// Go's Event.StateTransition as data, per event type: what resource, where
// its ID comes from, the states from and to, which argument is the reason and
// which the stack. Read by one small function (no closure per type), because
// every analysis decodes every transition.
const ID_ARG0 = 0;
const ID_CTX_G = 1;
const ID_CTX_P = 2;
/** Special "from" states: read from the arguments. */
const FROM_PROC_STATUS = 100;
const FROM_PROC_STEAL = 101;
const FROM_GO_STATUS = 102;

interface TransitionSpec {
  resource: number;
  id: number;
  from: number;
  to: number;
  /** Argument index of the reason / stack; -1: none. */
  reason: number;
  stack: number;
  shown: boolean;
}

const TR: (TransitionSpec | undefined)[] = [];
const tr = (typ: number, resource: number, id: number, from: number, to: number, reason = -1, stack = -1, shown = false): void => {
  TR[typ] = { resource, id, from, to, reason, stack, shown };
};
const G = RESOURCE.Goroutine;
const P = RESOURCE.Proc;
tr(EV.ProcStart, P, ID_ARG0, PROC_STATE.Idle, PROC_STATE.Running);
tr(EV.ProcStop, P, ID_CTX_P, PROC_STATE.Running, PROC_STATE.Idle);
// A steal from an abandoned syscall was from Idle (Go treats SyscallAbandoned as idle).
tr(EV.ProcSteal, P, ID_ARG0, FROM_PROC_STEAL, PROC_STATE.Idle);
tr(EV.ProcStatus, P, ID_ARG0, FROM_PROC_STATUS, 0);
// A goroutine creation's transition stack is the new goroutine's; Go shows it even when empty.
tr(EV.GoCreate, G, ID_ARG0, GO_STATE.NotExist, GO_STATE.Runnable, -1, 1, true);
tr(EV.GoCreateBlocked, G, ID_ARG0, GO_STATE.NotExist, GO_STATE.Waiting, -1, 1, true);
tr(EV.GoCreateSyscall, G, ID_ARG0, GO_STATE.NotExist, GO_STATE.Syscall);
tr(EV.GoStart, G, ID_ARG0, GO_STATE.Runnable, GO_STATE.Running);
tr(EV.GoDestroy, G, ID_CTX_G, GO_STATE.Running, GO_STATE.NotExist);
tr(EV.GoDestroySyscall, G, ID_CTX_G, GO_STATE.Syscall, GO_STATE.NotExist);
tr(EV.GoStop, G, ID_CTX_G, GO_STATE.Running, GO_STATE.Runnable, 0, 1);
tr(EV.GoBlock, G, ID_CTX_G, GO_STATE.Running, GO_STATE.Waiting, 0, 1);
// GoSwitch(Destroy) first of all unblocks the goroutine it names, like GoUnblock.
tr(EV.GoUnblock, G, ID_ARG0, GO_STATE.Waiting, GO_STATE.Runnable);
tr(EV.GoSwitch, G, ID_ARG0, GO_STATE.Waiting, GO_STATE.Runnable);
tr(EV.GoSwitchDestroy, G, ID_ARG0, GO_STATE.Waiting, GO_STATE.Runnable);
tr(EV.GoSyscallBegin, G, ID_CTX_G, GO_STATE.Running, GO_STATE.Syscall, -1, 1);
tr(EV.GoSyscallEnd, G, ID_CTX_G, GO_STATE.Syscall, GO_STATE.Running);
tr(EV.GoSyscallEndBlocked, G, ID_CTX_G, GO_STATE.Syscall, GO_STATE.Runnable);
tr(EV.GoStatus, G, ID_ARG0, FROM_GO_STATUS, 0);
tr(EV.GoStatusStack, G, ID_ARG0, FROM_GO_STATUS, 0, -1, 3);

/** Decodes event i, which must be of kind StateTransition, into out (Go's Event.StateTransition). */
export function transition(t: ParsedTrace, i: number, out: Transition): Transition {
  const spec = TR[t.type[i]!];
  if (spec === undefined) {
    set(out, RESOURCE.None, NO_ID, 0, 0);
    return out;
  }
  const a = i * ARGS;
  const args = t.args;
  out.resource = spec.resource;
  out.id = resourceId(spec.id, args[a]!, t.g[i]!, t.p[i]!);
  out.from = spec.from;
  out.to = spec.to;
  out.reason = spec.reason < 0 ? 0 : args[a + spec.reason]!;
  out.stack = spec.stack < 0 ? 0 : args[a + spec.stack]!;
  out.stackShown = spec.shown || out.stack !== 0;
  if (spec.from >= FROM_PROC_STATUS) specialStates(out, spec.from, args, a);
  return out;
}

/** The transitions whose states come from arguments the ordering filled in. */
function specialStates(out: Transition, from: number, args: Float64Array, a: number): void {
  if (from === FROM_PROC_STEAL) {
    out.from = args[a + 3] === PROC_STATUS.SyscallAbandoned ? PROC_STATE.Idle : PROC_STATE.Running;
  } else if (from === FROM_PROC_STATUS) {
    out.from = args[a + 2]!;
    out.to = PROC_STATUS_TO_STATE[args[a + 1]!] ?? PROC_STATE.Undetermined;
  } else {
    const packed = args[a + 2]!;
    out.from = Math.floor(packed / 2 ** 32);
    out.to = GO_STATUS_TO_STATE[packed % 2 ** 32] ?? GO_STATE.Undetermined;
  }
}

/** A range event's name and scope (Go's Event.Range). */
export interface RangeView {
  name: string;
  /** RESOURCE.None, Goroutine or Proc. */
  scope: number;
  scopeId: number;
}

export function range(t: ParsedTrace, i: number, tables: GenTables | undefined, out: RangeView): RangeView {
  const a = i * ARGS;
  switch (t.type[i]) {
    case EV.STWBegin:
    case EV.STWEnd:
      out.name = `stop-the-world (${tables?.strings.get(t.args[a]!) ?? ''})`;
      out.scope = RESOURCE.Goroutine;
      out.scopeId = t.g[i]!;
      break;
    case EV.GCBegin:
    case EV.GCActive:
    case EV.GCEnd:
      out.name = 'GC concurrent mark phase';
      out.scope = RESOURCE.None;
      out.scopeId = 0;
      break;
    case EV.GCSweepBegin:
    case EV.GCSweepActive:
    case EV.GCSweepEnd:
      out.name = 'GC incremental sweep';
      out.scope = RESOURCE.Proc;
      out.scopeId = t.type[i] === EV.GCSweepActive ? t.args[a]! : t.p[i]!;
      break;
    default:
      out.name = 'GC mark assist';
      out.scope = RESOURCE.Goroutine;
      out.scopeId = t.type[i] === EV.GCMarkAssistActive ? t.args[a]! : t.g[i]!;
  }
  return out;
}

/** Go's Metric names by event type. */
export const METRIC_NAMES: Readonly<Record<number, string>> = {
  [EV.ProcsChange]: '/sched/gomaxprocs:threads',
  [EV.HeapAlloc]: '/memory/classes/heap/objects:bytes',
  [EV.HeapGoal]: '/gc/heap/goal:bytes',
};

/**
 * Follows the events' generations while walking them in order: call at(i)
 * for i = 0, 1, …; `tables` is then event i's generation's. Sync events that
 * end the trace (or precede an error) have no tables of their own; they keep
 * the previous generation's.
 */
export class GenerationCursor {
  gen = -1;
  tables: GenTables | undefined = undefined;

  constructor(private readonly t: ParsedTrace) {}

  at(i: number): void {
    if (this.t.type[i] !== EV.SyncEvent) return;
    const g = this.t.args[i * ARGS + 1]!;
    if (g >= 0 && g !== this.gen) {
      this.gen = g;
      this.tables = this.t.generations[g];
    }
  }
}
