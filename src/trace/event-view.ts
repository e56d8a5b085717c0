// What a parsed event means, as internal/trace's Event methods say (Kind,
// Stack, StateTransition, Range, Task, Region, Log, Label, Metric), read from
// the columns without making an object per event: the decoders fill one
// reusable record. Pure and isomorphic.
import { ARGS, NO_ID, type ParsedTrace } from './events.ts';
import { EV, GO_STATE, GO_STATUS_TO_STATE, PROC_STATE, PROC_STATUS, PROC_STATUS_TO_STATE, SPECS } from './spec.ts';
import type { GenTables } from './tables.ts';

/** Go's EventKind. */
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

export const KIND_NAMES = ['Bad', 'Sync', 'Metric', 'Label', 'StackSample', 'RangeBegin', 'RangeActive', 'RangeEnd', 'TaskBegin', 'TaskEnd', 'RegionBegin', 'RegionEnd', 'Log', 'StateTransition', 'Experimental'];

/** Go's tracev2Type2Kind. */
export const KIND_OF: Uint8Array = (() => {
  const k = new Uint8Array(256);
  const set = (kind: number, ...typs: number[]): void => typs.forEach((t) => (k[t] = kind));
  set(KIND.StackSample, EV.CPUSample);
  set(KIND.Metric, EV.ProcsChange, EV.HeapAlloc, EV.HeapGoal);
  set(KIND.StateTransition, EV.ProcStart, EV.ProcStop, EV.ProcSteal, EV.ProcStatus, EV.GoCreate, EV.GoCreateSyscall, EV.GoStart, EV.GoDestroy, EV.GoDestroySyscall, EV.GoStop, EV.GoBlock, EV.GoUnblock, EV.GoSyscallBegin, EV.GoSyscallEnd, EV.GoSyscallEndBlocked, EV.GoStatus, EV.GoSwitch, EV.GoSwitchDestroy, EV.GoCreateBlocked, EV.GoStatusStack);
  set(KIND.RangeBegin, EV.STWBegin, EV.GCBegin, EV.GCSweepBegin, EV.GCMarkAssistBegin);
  set(KIND.RangeActive, EV.GCActive, EV.GCSweepActive, EV.GCMarkAssistActive);
  set(KIND.RangeEnd, EV.STWEnd, EV.GCEnd, EV.GCSweepEnd, EV.GCMarkAssistEnd);
  set(KIND.Label, EV.GoLabel);
  set(KIND.TaskBegin, EV.UserTaskBegin);
  set(KIND.TaskEnd, EV.UserTaskEnd);
  set(KIND.RegionBegin, EV.UserRegionBegin);
  set(KIND.RegionEnd, EV.UserRegionEnd);
  set(KIND.Log, EV.UserLog);
  set(KIND.Experimental, EV.Span, EV.SpanAlloc, EV.SpanFree, EV.HeapObject, EV.HeapObjectAlloc, EV.HeapObjectFree, EV.GoroutineStack, EV.GoroutineStackAlloc, EV.GoroutineStackFree);
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

type Decode = (tr: Transition, t: ParsedTrace, i: number, a: number) => void;
const arg = (t: ParsedTrace, a: number): number => t.args[a]!;
const G = RESOURCE.Goroutine;
const P = RESOURCE.Proc;

/** Go's Event.StateTransition, per event type. */
const TRANSITIONS: Partial<Record<number, Decode>> = {
  [EV.ProcStart]: (tr, t, i, a) => set(tr, P, arg(t, a), PROC_STATE.Idle, PROC_STATE.Running),
  [EV.ProcStop]: (tr, t, i) => set(tr, P, t.p[i]!, PROC_STATE.Running, PROC_STATE.Idle),
  // A steal from an abandoned syscall was from Idle (Go treats SyscallAbandoned as idle).
  [EV.ProcSteal]: (tr, t, i, a) => set(tr, P, arg(t, a), arg(t, a + 3) === PROC_STATUS.SyscallAbandoned ? PROC_STATE.Idle : PROC_STATE.Running, PROC_STATE.Idle),
  [EV.ProcStatus]: (tr, t, i, a) => set(tr, P, arg(t, a), arg(t, a + 2), PROC_STATUS_TO_STATE[arg(t, a + 1)] ?? PROC_STATE.Undetermined),
  [EV.GoCreate]: (tr, t, i, a) => set(tr, G, arg(t, a), GO_STATE.NotExist, GO_STATE.Runnable, 0, arg(t, a + 1), true),
  [EV.GoCreateBlocked]: (tr, t, i, a) => set(tr, G, arg(t, a), GO_STATE.NotExist, GO_STATE.Waiting, 0, arg(t, a + 1), true),
  [EV.GoCreateSyscall]: (tr, t, i, a) => set(tr, G, arg(t, a), GO_STATE.NotExist, GO_STATE.Syscall),
  [EV.GoStart]: (tr, t, i, a) => set(tr, G, arg(t, a), GO_STATE.Runnable, GO_STATE.Running),
  [EV.GoDestroy]: (tr, t, i) => set(tr, G, t.g[i]!, GO_STATE.Running, GO_STATE.NotExist),
  [EV.GoDestroySyscall]: (tr, t, i) => set(tr, G, t.g[i]!, GO_STATE.Syscall, GO_STATE.NotExist),
  [EV.GoStop]: (tr, t, i, a) => set(tr, G, t.g[i]!, GO_STATE.Running, GO_STATE.Runnable, arg(t, a), arg(t, a + 1)),
  [EV.GoBlock]: (tr, t, i, a) => set(tr, G, t.g[i]!, GO_STATE.Running, GO_STATE.Waiting, arg(t, a), arg(t, a + 1)),
  // GoSwitch(Destroy) first of all unblocks the goroutine it names, like GoUnblock.
  [EV.GoUnblock]: (tr, t, i, a) => set(tr, G, arg(t, a), GO_STATE.Waiting, GO_STATE.Runnable),
  [EV.GoSwitch]: (tr, t, i, a) => set(tr, G, arg(t, a), GO_STATE.Waiting, GO_STATE.Runnable),
  [EV.GoSwitchDestroy]: (tr, t, i, a) => set(tr, G, arg(t, a), GO_STATE.Waiting, GO_STATE.Runnable),
  [EV.GoSyscallBegin]: (tr, t, i, a) => set(tr, G, t.g[i]!, GO_STATE.Running, GO_STATE.Syscall, 0, arg(t, a + 1)),
  [EV.GoSyscallEnd]: (tr, t, i) => set(tr, G, t.g[i]!, GO_STATE.Syscall, GO_STATE.Running),
  [EV.GoSyscallEndBlocked]: (tr, t, i) => set(tr, G, t.g[i]!, GO_STATE.Syscall, GO_STATE.Runnable),
  [EV.GoStatus]: (tr, t, i, a) => goStatus(tr, arg(t, a), arg(t, a + 2), 0),
  [EV.GoStatusStack]: (tr, t, i, a) => goStatus(tr, arg(t, a), arg(t, a + 2), arg(t, a + 3)),
};

/** Decodes event i, which must be of kind StateTransition, into tr (Go's Event.StateTransition). */
export function transition(t: ParsedTrace, i: number, tr: Transition): Transition {
  const decode = TRANSITIONS[t.type[i]!];
  if (decode === undefined) set(tr, RESOURCE.None, NO_ID, 0, 0);
  else decode(tr, t, i, i * ARGS);
  return tr;
}

function goStatus(tr: Transition, id: number, packed: number, stack: number): void {
  const from = Math.floor(packed / 2 ** 32);
  const to = GO_STATUS_TO_STATE[packed % 2 ** 32] ?? GO_STATE.Undetermined;
  set(tr, RESOURCE.Goroutine, id, from, to, 0, stack);
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
 * Walks the events with each one's generation (index and tables): calls f(i, tables, gen)
 * for i in [0, n). Sync events that end the trace (or precede an error) have
 * no tables of their own; they get the previous generation's.
 */
export function forEachWithTables(t: ParsedTrace, n: number, f: (i: number, tables: GenTables | undefined, gen: number) => void): void {
  let gen = -1;
  let tables: GenTables | undefined;
  for (let i = 0; i < n; i++) {
    if (t.type[i] === EV.SyncEvent) {
      const g = t.args[i * ARGS + 1]!;
      if (g >= 0 && g !== gen) {
        gen = g;
        tables = t.generations[g];
      }
    }
    f(i, tables, gen);
  }
}
