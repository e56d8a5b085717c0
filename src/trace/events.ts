// The parsed trace: its events in Go's order as columns of typed arrays (no
// object per event), and the tables the events refer to. The columns grow as
// the parser emits events (the Emitter), then are cut to size. Pure and
// isomorphic.
import { TraceError } from './error.ts';
import type { TraceVersion } from './spec.ts';
import type { GenTables } from './tables.ts';

/** Arguments stored per event (Go's timedEventArgs). */
export const ARGS = 4;

/** Go's NoGoroutine, NoProc, NoThread; and NoTask, which the columns hold as -1 too (Go prints 2^64 - 1). */
export const NO_ID = -1;

export interface ParsedTrace {
  readonly version: TraceVersion;
  /** Events parsed, in Go's order (up to the error, if any). */
  readonly count: number;
  /**
   * Events `go tool trace` analyses: all of them, or after an error those up
   * to the last Sync before it (cmd/trace keeps whole generations only).
   */
  readonly validCount: number;
  /** The error that stopped parsing after `count` events, or null. */
  readonly error: TraceError | null;
  /** Wire event type (spec.ts EV), EV.SyncEvent for the parser's Sync events. */
  readonly type: Uint8Array;
  /**
   * Nanoseconds, relative: Go's Time minus `origin`, plus one, so every event
   * is > 0 (0 stays free to mean "none", as Go's zero Time does) and times
   * stay exact in a float64 however long the machine has been up. Increasing.
   */
  readonly time: Float64Array;
  /** The event's goroutine, proc and thread (its context before it happened); -1: none. */
  readonly g: Float64Array;
  readonly p: Int32Array;
  readonly m: Int32Array;
  /**
   * ARGS arguments per event, as Go's Event holds them after ordering: the
   * wire arguments but the timestamp, then what the parser adds (the old
   * state of a ProcStatus/ProcSteal, a GoStatus's old<<32|new state, a task
   * end's parent and name). Sync events: [N, generation index or -1].
   */
  readonly args: Float64Array;
  /** Go's Time of the first generation's earliest batch (where time is 1): absoluteTime = origin - 1 + time[i]. */
  readonly origin: number;
  /** Each generation's tables (strings, stacks, frames, sync data). */
  readonly generations: readonly GenTables[];
  /** Index of the Sync event that starts each generation. */
  readonly generationStart: Uint32Array;
  /** Task names the parser carried across generations (UserTaskEnd's last argument indexes this; 0 is ""). */
  readonly extraStrings: readonly string[];
}

/** An event's time as Go prints it (a trace.Time, ns on the traced machine's clock). */
export function absoluteTime(t: ParsedTrace, time: number): bigint {
  return BigInt(t.origin) - 1n + BigInt(time);
}

/** The generation index an event belongs to (its tables), by binary search. */
export function generationOf(t: ParsedTrace, i: number): number {
  const starts = t.generationStart;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, n: number): T {
  const next = new (a.constructor as new (n: number) => T)(n);
  next.set(a);
  return next;
}

/** Collects events as the ordering emits them, with Go's last checks (table IDs, monotonic time). */
export class Emitter {
  n = 0;
  type: Uint8Array;
  time: Float64Array;
  g: Float64Array;
  p: Int32Array;
  m: Int32Array;
  args: Float64Array;
  /** Time of the last event (Go's Reader.lastTs), in origin-relative ns: starts at Go's Time 0. */
  lastTs: number;

  constructor(
    capacity: number,
    private readonly maxEvents: number,
    origin0: number,
  ) {
    const c = Math.max(1024, Math.min(capacity, maxEvents + 1));
    this.type = new Uint8Array(c);
    this.time = new Float64Array(c);
    this.g = new Float64Array(c);
    this.p = new Int32Array(c);
    this.m = new Int32Array(c);
    this.args = new Float64Array(c * ARGS);
    this.lastTs = origin0;
  }

  private room(): void {
    if (this.n === this.maxEvents)
      throw new TraceError('limit', `the trace has more than ${this.maxEvents} events (TraceLimits.maxEvents)`);
    const c = Math.min(Math.ceil(this.type.length * 1.5), this.maxEvents + 1);
    this.type = grow(this.type, c);
    this.time = grow(this.time, c);
    this.g = grow(this.g, c);
    this.p = grow(this.p, c);
    this.m = grow(this.m, c);
    this.args = grow(this.args, c * ARGS);
  }

  /** Appends an event; its time is moved past the previous event's if it is not already (Go's Reader does this). */
  push(type: number, time: number, g: number, p: number, m: number, a0: number, a1: number, a2: number, a3: number): void {
    const i = this.n;
    if (i === this.type.length || i === this.maxEvents) this.room();
    if (time <= this.lastTs) time = this.lastTs + 1;
    this.lastTs = time;
    this.type[i] = type;
    this.time[i] = time;
    this.g[i] = g;
    this.p[i] = p;
    this.m[i] = m;
    const a = i * ARGS;
    const args = this.args;
    args[a] = a0;
    args[a + 1] = a1;
    args[a + 2] = a2;
    args[a + 3] = a3;
    this.n = i + 1;
  }

  /** The columns cut to the events emitted (copies when more than a quarter would be unused). */
  columns(): Pick<ParsedTrace, 'type' | 'time' | 'g' | 'p' | 'm' | 'args'> {
    const n = this.n;
    const fit = <T extends Float64Array | Int32Array | Uint8Array>(a: T, len: number): T =>
      a.length - len > a.length / 4 ? (a.slice(0, len) as T) : (a.subarray(0, len) as T);
    return {
      type: fit(this.type, n),
      time: fit(this.time, n),
      g: fit(this.g, n),
      p: fit(this.p, n),
      m: fit(this.m, n),
      args: fit(this.args, n * ARGS),
    };
  }
}
