// A generation's tables: strings, stacks (a stack is its PCs; a PC's frame is
// the first one the generation gave it), CPU samples and the sync data
// (frequency, clock snapshot), read from their batches as
// internal/trace/generation.go does, with Go's error messages. Pure and
// isomorphic.
import type { ByteReader } from './bytes.ts';
import { broken } from './error.ts';
import { EV, MAX_FRAMES_PER_STACK, MAX_STRING_SIZE } from './spec.ts';

/** Go's dataTable: ids to values, id 0 always present as the zero value. */
export class IdTable<T> {
  private readonly map = new Map<number, T>();
  private dense: (T | undefined)[] | null = null;

  constructor(private readonly zero: T) {}

  get size(): number {
    return this.map.size;
  }

  /** Adds id → value; returns the value already there (the zero value for id 0), if any. */
  insert(id: number, value: T): T | undefined {
    const existing = this.get(id);
    if (existing !== undefined) return existing;
    this.map.set(id, value);
    return undefined;
  }

  /** After the last insert: IDs dense enough (Go's compactify rule) become array indexes, and are walked in order. */
  compact(): void {
    let max = -Infinity;
    let min = Infinity;
    for (const id of this.map.keys()) {
      if (id > max) max = id;
      if (id < min) min = id;
    }
    const n = this.map.size;
    // Go compares uint64s: an ID read as negative (≥ 2^63) keeps the table sparse.
    if (n === 0 || min < 0 || max - min > 2 * n || min > n) return;
    const dense = new Array<T | undefined>(max + 1);
    for (const [id, v] of this.map) dense[id] = v;
    this.dense = dense;
  }

  get(id: number): T | undefined {
    if (id === 0) return this.zero;
    if (this.dense !== null) return id > 0 && id < this.dense.length ? this.dense[id] : undefined;
    return this.map.get(id);
  }

  has(id: number): boolean {
    return id === 0 || this.get(id) !== undefined;
  }

  /** Go's forEach: a dense table in ID order, a sparse one in insertion order (Go's map order is random). */
  *entries(): IterableIterator<[number, T]> {
    if (this.dense === null) {
      yield* this.map.entries();
      return;
    }
    for (let id = 0; id < this.dense.length; id++) if (this.dense[id] !== undefined) yield [id, this.dense[id]!];
  }
}

export interface Frame {
  readonly pc: number;
  readonly funcId: number;
  readonly fileId: number;
  readonly line: number;
}

export interface CpuSample {
  /** Raw timestamp until the generation is complete, then ns since the trace's time base. */
  time: number;
  readonly m: number;
  readonly p: number;
  readonly g: number;
  readonly stack: number;
}

/** The memory a table entry takes, roughly, for TraceLimits.maxTableBytes. */
export const STRING_COST = (len: number): number => 40 + 2 * len;
const STACK_COST = (frames: number): number => 48 + 8 * frames;
const FRAME_COST = 64;

export class GenTables {
  readonly strings = new IdTable<string>('');
  readonly stacks = new IdTable<readonly number[]>([]);
  readonly frames = new Map<number, Frame>();
  readonly cpuSamples: CpuSample[] = [];
  /** Nanoseconds per clock unit (0 until the frequency event). */
  freq = 0;
  hasClockSnapshot = false;
  /** Raw timestamp, then ns since the trace's time base. */
  snapTime = 0;
  snapMono = 0n;
  snapSec = 0;
  snapNsec = 0;
  /** Estimated bytes held, for the caller's limit. */
  cost = 0;
}

const utf8 = new TextDecoder();

/** Go returns ReadUvarint's error as it is in the table readers. */
function need(r: ByteReader, v: number, wrap?: (e: string) => string): number {
  if (Number.isNaN(v)) throw broken(wrap ? wrap(r.failure) : r.failure);
  return v;
}

export function addStrings(t: GenTables, r: ByteReader): void {
  r.pos++; // the EvStrings byte
  while (r.remaining !== 0) {
    const ev = r.byte();
    if (ev !== EV.String) throw broken(`expected string event, got ${ev}`);
    const id = need(r, r.readUvarint());
    const len = need(r, r.readUvarint());
    if (len > MAX_STRING_SIZE || len < 0) throw broken(`invalid string size ${u64(len)}, maximum is ${MAX_STRING_SIZE}`);
    const got = Math.min(len, r.remaining);
    const s = utf8.decode(r.buf.subarray(r.pos, r.pos + got));
    r.pos += got;
    if (got !== len) throw broken(`failed to read full string: read ${got} but wanted ${len}`);
    const existing = t.strings.insert(id, s);
    if (existing !== undefined) throw broken(`multiple strings with the same ID: id=${u64(id)}, new=${s}, existing=${existing}`);
    t.cost += STRING_COST(len);
  }
}

const stackText = (pcs: readonly number[]): string => pcs.map((pc) => `\t0x${u64(pc).toString(16)}\n`).join('');

export function addStacks(t: GenTables, r: ByteReader): void {
  r.pos++; // the EvStacks byte
  while (r.remaining !== 0) {
    const ev = r.byte();
    if (ev !== EV.Stack) throw broken(`expected stack event, got ${ev}`);
    const id = need(r, r.readUvarint());
    const n = need(r, r.readUvarint());
    if (n > MAX_FRAMES_PER_STACK || n < 0) throw broken(`invalid stack size ${u64(n)}, maximum is ${MAX_FRAMES_PER_STACK}`);
    const pcs: number[] = [];
    for (let i = 0; i < n; i++) addFrame(t, r, pcs, i + 1, id);
    const existing = t.stacks.insert(id, pcs);
    if (existing !== undefined)
      throw broken(`multiple trace.stacks with the same ID: id=${u64(id)}, new=${stackText(pcs)}, existing=${stackText(existing)}`);
    t.cost += STACK_COST(n);
  }
}

function addFrame(t: GenTables, r: ByteReader, pcs: number[], nth: number, id: number): void {
  const at =
    (what: string) =>
    (e: string): string =>
      `reading frame ${nth}'s ${what} for stack ${u64(id)}: ${e}`;
  const pc = need(r, r.readUvarint(), at('PC'));
  const funcId = need(r, r.readUvarint(), at('funcID'));
  const fileId = need(r, r.readUvarint(), at('fileID'));
  const line = need(r, r.readUvarint(), at('line'));
  pcs.push(pc);
  if (!t.frames.has(pc)) {
    t.frames.set(pc, { pc, funcId, fileId, line });
    t.cost += FRAME_COST;
  }
}

export function addCpuSamples(t: GenTables, r: ByteReader): void {
  r.pos++; // the EvCPUSamples byte
  while (r.remaining !== 0) {
    const ev = r.byte();
    if (ev !== EV.CPUSample) throw broken(`expected CPU sample event, got ${ev}`);
    const time = need(r, r.readUvarint());
    const m = need(r, r.readUvarint());
    const p = need(r, r.readUvarint());
    const g = need(r, r.readUvarint());
    const stack = need(r, r.readUvarint());
    t.cpuSamples.push({ time, m, p, g: g === 0 ? -1 : g, stack });
  }
}

/** A sync batch: the frequency (before Go 1.25 a batch of just that) and, from Go 1.25, a clock snapshot. */
export function setSync(t: GenTables, r: ByteReader, batchTime: number, version: number): void {
  if (version >= 25) r.pos++; // the EvSync byte
  let lastTs = batchTime;
  while (r.remaining !== 0) {
    const ev = r.byte();
    if (ev === EV.Frequency) {
      if (t.freq !== 0) throw broken('found multiple frequency events');
      const f = need(r, r.readUvarint());
      t.freq = 1.0 / (f / 1e9); // ns per clock unit, computed as Go does
    } else if (ev === EV.ClockSnapshot && version >= 25) {
      if (t.hasClockSnapshot) throw broken('found multiple clock snapshot events');
      t.hasClockSnapshot = true;
      lastTs += need(r, r.readUvarint());
      t.snapTime = lastTs;
      t.snapMono = readBig(r);
      t.snapSec = need(r, r.readUvarint());
      t.snapNsec = need(r, r.readUvarint());
    } else {
      throw broken(`expected frequency or clock snapshot event, got ${ev}`);
    }
  }
}

/** A uvarint as an exact uint64 (the monotonic clock in ns passes 2^53 after 104 days of uptime). */
function readBig(r: ByteReader): bigint {
  const start = r.pos;
  need(r, r.readUvarint());
  let v = 0n;
  for (let p = r.pos - 1; p >= start; p--) v = (v << 7n) | BigInt(r.buf[p]! & 0x7f);
  return BigInt.asUintN(64, v);
}

/** Every PC of every stack has a frame whose function and file strings exist (Go's validateStackStrings). */
export function validateStackStrings(t: GenTables): void {
  for (const [id, pcs] of t.stacks.entries()) {
    for (const pc of pcs) {
      const f = t.frames.get(pc);
      if (f === undefined) throw broken(`found unknown pc ${u64(pc).toString(16)} for stack ${u64(id)}`);
      if (!t.strings.has(f.funcId)) throw broken(`found invalid func string ID ${u64(f.funcId)} for stack ${u64(id)}`);
      if (!t.strings.has(f.fileId)) throw broken(`found invalid file string ID ${u64(f.fileId)} for stack ${u64(id)}`);
    }
  }
}

/** A value as the uint64 Go printed (values read as negative were ≥ 2^63). */
export function u64(v: number): bigint | number {
  return v < 0 ? BigInt.asUintN(64, BigInt(v)) : v;
}
