// The wire format's event types and their specs, as internal/trace/tracev2
// (events.go) defines them for Go 1.22 to 1.26. One table serves every
// version: later versions only append types, and Go's own batch reader checks
// events against the full table too (the version only names events in errors
// and decides which batches are sync batches). Pure data.

export const EV = {
  None: 0,
  EventBatch: 1,
  Stacks: 2,
  Stack: 3,
  Strings: 4,
  String: 5,
  CPUSamples: 6,
  CPUSample: 7,
  Frequency: 8,
  ProcsChange: 9,
  ProcStart: 10,
  ProcStop: 11,
  ProcSteal: 12,
  ProcStatus: 13,
  GoCreate: 14,
  GoCreateSyscall: 15,
  GoStart: 16,
  GoDestroy: 17,
  GoDestroySyscall: 18,
  GoStop: 19,
  GoBlock: 20,
  GoUnblock: 21,
  GoSyscallBegin: 22,
  GoSyscallEnd: 23,
  GoSyscallEndBlocked: 24,
  GoStatus: 25,
  STWBegin: 26,
  STWEnd: 27,
  GCActive: 28,
  GCBegin: 29,
  GCEnd: 30,
  GCSweepActive: 31,
  GCSweepBegin: 32,
  GCSweepEnd: 33,
  GCMarkAssistActive: 34,
  GCMarkAssistBegin: 35,
  GCMarkAssistEnd: 36,
  HeapAlloc: 37,
  HeapGoal: 38,
  GoLabel: 39,
  UserTaskBegin: 40,
  UserTaskEnd: 41,
  UserRegionBegin: 42,
  UserRegionEnd: 43,
  UserLog: 44,
  GoSwitch: 45, // Go 1.23
  GoSwitchDestroy: 46,
  GoCreateBlocked: 47,
  GoStatusStack: 48,
  ExperimentalBatch: 49,
  Sync: 50, // Go 1.25
  ClockSnapshot: 51,
  EndOfGeneration: 52, // Go 1.26
  // Experimental events (the AllocFree experiment), Go 1.23.
  Span: 128,
  SpanAlloc: 129,
  SpanFree: 130,
  HeapObject: 131,
  HeapObjectAlloc: 132,
  HeapObjectFree: 133,
  GoroutineStack: 134,
  GoroutineStackAlloc: 135,
  GoroutineStackFree: 136,
  /** Not a wire type: the parser's Sync event (Go's evSync, ^EventType(0)). */
  SyncEvent: 255,
} as const;

export interface EventSpec {
  readonly name: string;
  /** Argument names, the timestamp delta ("dt") first for timed events. */
  readonly args: readonly string[];
  /** Argument indexes (into `args`) that are string IDs. */
  readonly stringIds: readonly number[];
  /** Argument indexes that are stack IDs; the first is the event's own stack. */
  readonly stackIds: readonly number[];
  /** For the end of a range: the type that begins it (0: none). */
  readonly startEv: number;
  readonly timed: boolean;
  readonly hasData: boolean;
  readonly isStack: boolean;
  /** 0: not experimental. */
  readonly experiment: number;
}

const spec = (name: string, args: string[], o: Partial<EventSpec> = {}): EventSpec => ({
  name,
  args,
  stringIds: [],
  stackIds: [],
  startEv: 0,
  timed: false,
  hasData: false,
  isStack: false,
  experiment: 0,
  ...o,
});
const timed = (name: string, args: string[], o: Partial<EventSpec> = {}): EventSpec => spec(name, ['dt', ...args], { timed: true, ...o });
const allocFree = (name: string, args: string[]): EventSpec => timed(name, args, { experiment: 1 });

const TABLE: Record<number, EventSpec> = {
  [EV.EventBatch]: spec('EventBatch', ['gen', 'm', 'time', 'size']),
  [EV.Stacks]: spec('Stacks', []),
  [EV.Stack]: spec('Stack', ['id', 'nframes'], { isStack: true }),
  [EV.Strings]: spec('Strings', []),
  [EV.String]: spec('String', ['id'], { hasData: true }),
  [EV.CPUSamples]: spec('CPUSamples', []),
  [EV.CPUSample]: spec('CPUSample', ['time', 'm', 'p', 'g', 'stack'], { stackIds: [4] }),
  [EV.Frequency]: spec('Frequency', ['freq']),
  [EV.ExperimentalBatch]: spec('ExperimentalBatch', ['exp', 'gen', 'm', 'time'], { hasData: true }),
  [EV.Sync]: spec('Sync', []),
  [EV.EndOfGeneration]: spec('EndOfGeneration', []),

  [EV.ProcsChange]: timed('ProcsChange', ['procs_value', 'stack'], { stackIds: [2] }),
  [EV.ProcStart]: timed('ProcStart', ['p', 'p_seq']),
  [EV.ProcStop]: timed('ProcStop', []),
  [EV.ProcSteal]: timed('ProcSteal', ['p', 'p_seq', 'm']),
  [EV.ProcStatus]: timed('ProcStatus', ['p', 'pstatus']),
  [EV.GoCreate]: timed('GoCreate', ['new_g', 'new_stack', 'stack'], { stackIds: [3, 2] }),
  [EV.GoCreateSyscall]: timed('GoCreateSyscall', ['new_g']),
  [EV.GoStart]: timed('GoStart', ['g', 'g_seq']),
  [EV.GoDestroy]: timed('GoDestroy', []),
  [EV.GoDestroySyscall]: timed('GoDestroySyscall', []),
  [EV.GoStop]: timed('GoStop', ['reason_string', 'stack'], { stackIds: [2], stringIds: [1] }),
  [EV.GoBlock]: timed('GoBlock', ['reason_string', 'stack'], { stackIds: [2], stringIds: [1] }),
  [EV.GoUnblock]: timed('GoUnblock', ['g', 'g_seq', 'stack'], { stackIds: [3] }),
  [EV.GoSyscallBegin]: timed('GoSyscallBegin', ['p_seq', 'stack'], { stackIds: [2] }),
  [EV.GoSyscallEnd]: timed('GoSyscallEnd', [], { startEv: EV.GoSyscallBegin }),
  [EV.GoSyscallEndBlocked]: timed('GoSyscallEndBlocked', [], { startEv: EV.GoSyscallBegin }),
  [EV.GoStatus]: timed('GoStatus', ['g', 'm', 'gstatus']),
  [EV.STWBegin]: timed('STWBegin', ['kind_string', 'stack'], { stackIds: [2], stringIds: [1] }),
  [EV.STWEnd]: timed('STWEnd', [], { startEv: EV.STWBegin }),
  [EV.GCActive]: timed('GCActive', ['gc_seq'], { startEv: EV.GCBegin }),
  [EV.GCBegin]: timed('GCBegin', ['gc_seq', 'stack'], { stackIds: [2] }),
  [EV.GCEnd]: timed('GCEnd', ['gc_seq'], { startEv: EV.GCBegin }),
  [EV.GCSweepActive]: timed('GCSweepActive', ['p'], { startEv: EV.GCSweepBegin }),
  [EV.GCSweepBegin]: timed('GCSweepBegin', ['stack'], { stackIds: [1] }),
  [EV.GCSweepEnd]: timed('GCSweepEnd', ['swept_value', 'reclaimed_value'], { startEv: EV.GCSweepBegin }),
  [EV.GCMarkAssistActive]: timed('GCMarkAssistActive', ['g'], { startEv: EV.GCMarkAssistBegin }),
  [EV.GCMarkAssistBegin]: timed('GCMarkAssistBegin', ['stack'], { stackIds: [1] }),
  [EV.GCMarkAssistEnd]: timed('GCMarkAssistEnd', [], { startEv: EV.GCMarkAssistBegin }),
  [EV.HeapAlloc]: timed('HeapAlloc', ['heapalloc_value']),
  [EV.HeapGoal]: timed('HeapGoal', ['heapgoal_value']),
  [EV.GoLabel]: timed('GoLabel', ['label_string'], { stringIds: [1] }),
  [EV.UserTaskBegin]: timed('UserTaskBegin', ['task', 'parent_task', 'name_string', 'stack'], { stackIds: [4], stringIds: [3] }),
  [EV.UserTaskEnd]: timed('UserTaskEnd', ['task', 'stack'], { stackIds: [2] }),
  [EV.UserRegionBegin]: timed('UserRegionBegin', ['task', 'name_string', 'stack'], { stackIds: [3], stringIds: [2] }),
  [EV.UserRegionEnd]: timed('UserRegionEnd', ['task', 'name_string', 'stack'], {
    startEv: EV.UserRegionBegin,
    stackIds: [3],
    stringIds: [2],
  }),
  [EV.UserLog]: timed('UserLog', ['task', 'key_string', 'value_string', 'stack'], { stackIds: [4], stringIds: [2, 3] }),
  [EV.GoSwitch]: timed('GoSwitch', ['g', 'g_seq']),
  [EV.GoSwitchDestroy]: timed('GoSwitchDestroy', ['g', 'g_seq']),
  [EV.GoCreateBlocked]: timed('GoCreateBlocked', ['new_g', 'new_stack', 'stack'], { stackIds: [3, 2] }),
  [EV.GoStatusStack]: timed('GoStatusStack', ['g', 'm', 'gstatus', 'stack'], { stackIds: [4] }),
  [EV.ClockSnapshot]: timed('ClockSnapshot', ['mono', 'sec', 'nsec']),

  [EV.Span]: allocFree('Span', ['id', 'npages_value', 'kindclass']),
  [EV.SpanAlloc]: allocFree('SpanAlloc', ['id', 'npages_value', 'kindclass']),
  [EV.SpanFree]: allocFree('SpanFree', ['id']),
  [EV.HeapObject]: allocFree('HeapObject', ['id', 'type']),
  [EV.HeapObjectAlloc]: allocFree('HeapObjectAlloc', ['id', 'type']),
  [EV.HeapObjectFree]: allocFree('HeapObjectFree', ['id']),
  [EV.GoroutineStack]: allocFree('GoroutineStack', ['id', 'order']),
  [EV.GoroutineStackAlloc]: allocFree('GoroutineStackAlloc', ['id', 'order']),
  [EV.GoroutineStackFree]: allocFree('GoroutineStackFree', ['id']),
};

const EMPTY = spec('', []);

/** Go's tracev2.Specs(): one past the last defined type (GoroutineStackFree). */
export const NUM_SPECS = EV.GoroutineStackFree + 1;

/** Specs indexed by type; types with no spec get an empty one (no name, no args), as in Go's array. */
export const SPECS: readonly EventSpec[] = Array.from({ length: NUM_SPECS }, (_, t) => TABLE[t] ?? EMPTY);

/** Number of arguments an event of this type stores (its spec's args but the timestamp). */
export const ARG_COUNT: Uint8Array = Uint8Array.from(SPECS, (s) => Math.max(0, s.args.length - 1));

/** Trace format versions (the number in "go 1.N trace") this parser reads. */
export const VERSIONS = [22, 23, 25, 26] as const;
export type TraceVersion = (typeof VERSIONS)[number];

/** One past the last type each version knows, for naming events as Go does. */
const VERSION_SPECS: Record<TraceVersion, number> = {
  22: EV.UserLog + 1,
  23: EV.ExperimentalBatch + 1,
  25: EV.ClockSnapshot + 1,
  26: NUM_SPECS,
};

/** Go's version.EventName: the name a version gives a type, or Invalid(n). */
export function eventName(version: TraceVersion, typ: number): string {
  if (typ < VERSION_SPECS[version] && SPECS[typ]!.name !== '') return SPECS[typ]!.name;
  return `Invalid(${typ})`;
}

/** Go's GoStatus values on the wire. */
export const GO_STATUS = { Bad: 0, Runnable: 1, Running: 2, Syscall: 3, Waiting: 4 } as const;
/** Go's ProcStatus values on the wire. */
export const PROC_STATUS = { Bad: 0, Running: 1, Idle: 2, Syscall: 3, SyscallAbandoned: 4 } as const;

export function goStatusName(s: number): string {
  return ['Bad', 'Runnable', 'Running', 'Syscall', 'Waiting'][s] ?? 'Bad';
}
export function procStatusName(s: number): string {
  return ['Bad', 'Running', 'Idle', 'Syscall'][s] ?? 'Bad';
}

/** The parser's goroutine states (internal/trace GoState). */
export const GO_STATE = { Undetermined: 0, NotExist: 1, Runnable: 2, Running: 3, Waiting: 4, Syscall: 5 } as const;
/** The parser's proc states (internal/trace ProcState). */
export const PROC_STATE = { Undetermined: 0, NotExist: 1, Running: 2, Idle: 3 } as const;

export function goStateName(s: number): string {
  return ['Undetermined', 'NotExist', 'Runnable', 'Running', 'Waiting', 'Syscall'][s] ?? 'Bad';
}
export function procStateName(s: number): string {
  return ['Undetermined', 'NotExist', 'Running', 'Idle'][s] ?? 'Bad';
}

/** Wire GoStatus → GoState (tracev2GoStatus2GoState; Bad maps to Undetermined, index 0). */
export const GO_STATUS_TO_STATE = [GO_STATE.Undetermined, GO_STATE.Runnable, GO_STATE.Running, GO_STATE.Syscall, GO_STATE.Waiting];
/** Wire ProcStatus → ProcState (a P in a syscall is Running; an abandoned one Idle). */
export const PROC_STATUS_TO_STATE = [PROC_STATE.Undetermined, PROC_STATE.Running, PROC_STATE.Idle, PROC_STATE.Running, PROC_STATE.Idle];

/** Go's MaxBatchSize, MaxFramesPerStack and MaxEventTrailerDataSize. */
export const MAX_BATCH_SIZE = 64 << 10;
export const MAX_FRAMES_PER_STACK = 128;
export const MAX_STRING_SIZE = 1 << 10;
