// Bytes of a Go execution trace (Go 1.22 to 1.26 formats) → its events in the
// order Go's internal/trace Reader yields them (reader.go): generation by
// generation, a Sync event first, CPU samples merged in by time, and each
// thread's next event advanced through the ordering (order.ts) in timestamp
// order, trying other threads when it cannot happen yet. An error after the
// header does not throw: the events before it are kept (as `go tool trace
// -d=parsed` prints them) and the error is returned with them. Limits throw.
// Pure and isomorphic: Uint8Array in, typed arrays out.
import { compare } from './compare.ts';
import { ByteReader } from './bytes.ts';
import { TraceError } from './error.ts';
import { Emitter, NO_ID, type ParsedTrace } from './events.ts';
import { compareCursors, Cursor, dumpFrontier, heapInsert, heapRemove, heapUpdate, mul } from './frontier.ts';
import { readGeneration, readGenerationWithSpill, type Generation, type Spilled, type TableBudget } from './generation.ts';
import { goSortFunc } from './go-sort.ts';
import { ADVANCE_ALLOWANCE, DEFAULT_TRACE_LIMITS, type TraceLimits } from './limits.ts';
import { Ordering, type OrderedSink } from './order.ts';
import { EV, SPECS, type TraceVersion } from './spec.ts';
import type { CpuSample, GenTables } from './tables.ts';

const HEADER = /^go 1\.(\d+) trace\0\0\0/;

/** The format version in a trace's header; throws what Go's version.ReadHeader and NewReader do. */
export function readHeader(bytes: Uint8Array): { version: TraceVersion; length: number } {
  const head = String.fromCharCode(...bytes.subarray(0, 32));
  const m = HEADER.exec(head);
  if (m === null) throw new TraceError('format', 'bad file format: not a Go execution trace?');
  const v = Number(m[1]);
  if (v === 11 || v === 19 || v === 21)
    throw new TraceError('unsupported', `Go 1.${v} traces (made by Go 1.21 and older) are not supported; Go 1.22 and later are`);
  if (v !== 22 && v !== 23 && v !== 25 && v !== 26) throw new TraceError('format', `unknown or unsupported trace version go 1.${v}`);
  return { version: v, length: m[0].length };
}

/** Parses a trace. Throws a TraceError for a bad header or a limit; other errors come back in `error`. */
export function parseTrace(bytes: Uint8Array, limits: TraceLimits = DEFAULT_TRACE_LIMITS): ParsedTrace {
  if (bytes.length > limits.maxBytes)
    throw new TraceError('limit', `the trace is ${bytes.length} bytes, more than ${limits.maxBytes} (TraceLimits.maxBytes)`);
  const { version, length } = readHeader(bytes);
  return new TraceReader(bytes, length, version, limits).read();
}

class TraceReader implements OrderedSink {
  private readonly r: ByteReader;
  private readonly out: Emitter;
  private readonly order: Ordering;
  private readonly budget: TableBudget;
  private readonly generations: GenTables[] = [];
  private readonly generationStart: number[] = [];
  private readonly extraStrings: string[] = [''];
  private readonly extraIndex = new Map<string, number>([['', 0]]);
  /** Go's Time of the first generation's first batch: times are stored as (Time - origin + 1). */
  private origin = NaN;
  private gen: Generation | null = null;
  private frontier: Cursor[] = [];
  private cpu: CpuSample[] = [];
  private cpuPos = 0;
  private syncs = 0;
  private spill: Spilled | null = null;
  private spillErr: string | null = null;
  private spillErrSync = false;
  private readGenErr: string | null = null;
  private lastSync = 0;
  private attempts = 0;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly version: TraceVersion,
    private readonly limits: TraceLimits,
  ) {
    this.r = new ByteReader(bytes, start);
    // A guess at the event count (a few bytes an event) that the columns grow past if needed; capped,
    // so a large input does not reserve its worst case before an event is read.
    this.out = new Emitter(Math.min(Math.ceil(bytes.length / 4), 1 << 22), limits.maxEvents, 0);
    this.order = new Ordering(version, this);
    this.budget = { maxTableBytes: limits.maxTableBytes, used: 0 };
  }

  read(): ParsedTrace {
    let error: TraceError | null = null;
    try {
      while (this.step());
    } catch (err) {
      if (!(err instanceof TraceError) || err.kind === 'limit') throw err;
      error = err;
    }
    const count = this.out.n;
    return {
      version: this.version,
      count,
      validCount: error === null ? count : this.lastSync,
      error,
      ...this.out.columns(),
      origin: Number.isNaN(this.origin) ? 0 : this.origin,
      generations: this.generations,
      generationStart: Uint32Array.from(this.generationStart),
      extraStrings: this.extraStrings,
    };
  }

  /** One step of Go's ReadEvent loop; false when the trace is done. */
  private step(): boolean {
    if (this.frontier.length === 0 && this.cpuPos === this.cpu.length) return this.version < 26 ? this.nextGenWithSpill() : this.nextGen();
    const gen = this.gen!;
    if (this.cpuPos < this.cpu.length && (this.frontier.length === 0 || this.cpu[this.cpuPos]!.time < this.frontier[0]!.time)) {
      const s = this.cpu[this.cpuPos++]!;
      // A CPU sample's stack is in its first argument; Go never checks it against the stack table.
      this.out.push(EV.CPUSample, s.time, s.g, s.p, s.m, s.stack, 0, 0, 0);
      return true;
    }
    if (this.tryAdvance(0, gen)) return true;
    // Rare: the earliest event cannot happen yet. Try the others in timestamp order.
    goSortFunc(this.frontier, compareCursors);
    this.charge(this.frontier.length);
    for (let i = 1; i < this.frontier.length; i++) if (this.tryAdvance(i, gen)) return true;
    throw new TraceError(
      'format',
      `broken trace: failed to advance: frontier:\n[gen=${gen.gen}]\n\n${dumpFrontier(this.frontier, this.origin)}\n${this.order.dump()}\n`,
    );
  }

  private charge(n: number): void {
    this.attempts += n;
    if (this.attempts > ADVANCE_ALLOWANCE + this.limits.maxAdvanceAttemptsPerEvent * this.out.n) {
      throw new TraceError(
        'limit',
        `the trace's threads are too far out of order to put in order within ${this.limits.maxAdvanceAttemptsPerEvent} attempts per event (TraceLimits.maxAdvanceAttemptsPerEvent)`,
      );
    }
  }

  private tryAdvance(i: number, gen: Generation): boolean {
    this.charge(1);
    const c = this.frontier[i]!;
    if (!this.order.advance(c, gen.tables, c.m, gen.gen)) return false;
    if (c.next(gen.tables.freq, this.origin)) heapUpdate(this.frontier, i);
    else heapRemove(this.frontier, i);
    return true;
  }

  // OrderedSink: what Go's ReadEvent does to each event it returns.
  emit(typ: number, time: number, g: number, p: number, m: number, a0: number, a1: number, a2: number, a3: number): void {
    this.validateTableIds(typ, a0, a1, a2, a3);
    this.out.push(typ, time, g, p, m, a0, a1, a2, a3);
  }

  extraString(s: string): number {
    let id = this.extraIndex.get(s);
    if (id === undefined) {
      id = this.extraStrings.length;
      this.extraStrings.push(s);
      this.extraIndex.set(s, id);
    }
    return id;
  }

  private validateTableIds(typ: number, a0: number, a1: number, a2: number, a3: number): void {
    const spec = SPECS[typ]!;
    if (spec.stackIds.length === 0 && spec.stringIds.length === 0) return;
    const t = this.gen!.tables;
    for (const i of spec.stackIds) {
      const id = pick(i, a0, a1, a2, a3);
      if (!t.stacks.has(id)) throw new TraceError('format', `found invalid stack ID ${u(id)} for event ${spec.name}`);
    }
    for (const i of spec.stringIds) {
      const id = pick(i, a0, a1, a2, a3);
      if (!t.strings.has(id)) throw new TraceError('format', `found invalid string ID ${u(id)} for event ${spec.name}`);
    }
  }

  /** A Sync event: at a generation's start (with its tables), or at the end or before an error (at the last event's time). */
  private sync(g: Generation | null, time?: number): void {
    if (Number.isNaN(this.origin)) this.setOrigin(0);
    this.syncs++;
    let index = -1;
    if (g !== null) {
      this.generations.push(g.tables);
      this.generationStart.push(this.out.n);
      index = this.generations.length - 1;
    }
    this.out.push(EV.SyncEvent, time ?? this.out.lastTs, NO_ID, NO_ID, NO_ID, this.syncs, index, 0, 0);
    this.lastSync = this.out.n;
  }

  private setOrigin(origin: number): void {
    this.origin = origin;
    this.out.lastTs = 0 - origin + 1; // Go's Reader starts at Time 0
  }

  /** Go's nextGenWithSpill (traces before Go 1.26); false when done. */
  private nextGenWithSpill(): boolean {
    if (this.spillErr !== null) {
      if (this.spillErrSync) throw new TraceError('format', this.spillErr);
      this.spillErrSync = true;
      this.sync(null);
      return true;
    }
    if (this.gen !== null && this.spill === null) {
      this.sync(null);
      return false;
    }
    const res = readGenerationWithSpill(this.r, this.spill, this.version, this.budget);
    this.spill = res.spill;
    this.spillErr = res.error;
    if (res.generation === null) {
      this.gen = null;
      this.spillErrSync = true;
      this.sync(null);
      return true;
    }
    this.install(res.generation);
    return true;
  }

  /** Go 1.26: generations end in-band. */
  private nextGen(): boolean {
    if (this.readGenErr !== null) throw new TraceError('format', this.readGenErr);
    let g: Generation | null;
    try {
      g = readGeneration(this.r, this.version, this.budget);
    } catch (err) {
      if (!(err instanceof TraceError) || err.kind !== 'format') throw err;
      this.readGenErr = err.message;
      this.gen = null;
      this.sync(null);
      return true;
    }
    if (g === null) {
      this.gen = null;
      this.sync(null);
      return false;
    }
    this.install(g);
    return true;
  }

  /** Go's installGen: CPU samples in time order, a cursor per thread, and the generation's Sync event. */
  private install(g: Generation): void {
    const t = g.tables;
    if (Number.isNaN(this.origin)) this.setOrigin(mul(t.freq, g.minTs));
    this.gen = g;
    const rel = (raw: number): number => mul(t.freq, raw) - this.origin + 1;
    for (const s of t.cpuSamples) s.time = rel(s.time);
    goSortFunc(t.cpuSamples, (a, b) => compare(a.time, b.time));
    if (t.hasClockSnapshot) t.snapTime = rel(t.snapTime);
    this.cpu = t.cpuSamples;
    this.cpuPos = 0;
    this.frontier = [];
    for (const m of g.batchMs) {
      const c = new Cursor(m, g.batches.get(m)!, this.bytes);
      if (c.next(t.freq, this.origin)) heapInsert(this.frontier, c);
    }
    this.sync(g, rel(g.minTs));
  }
}

/** Argument i of a spec (1-based after the timestamp). */
function pick(i: number, a0: number, a1: number, a2: number, a3: number): number {
  switch (i) {
    case 1:
      return a0;
    case 2:
      return a1;
    case 3:
      return a2;
    default:
      return a3;
  }
}

const u = (v: number): bigint | number => (v < 0 ? BigInt.asUintN(64, BigInt(v)) : v);
