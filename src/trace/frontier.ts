// The frontier: one cursor per thread over its batches of a generation, in a
// min-heap by the timestamp of each cursor's next event
// (internal/trace/batchcursor.go). The heap operations are Go's, step for
// step, because which of two threads with equal timestamps goes first
// depends on them. Pure and isomorphic.
import { compare } from './compare.ts';
import type { Batch } from './batch.ts';
import { ByteReader } from './bytes.ts';
import { broken } from './error.ts';
import { ARG_COUNT, NUM_SPECS, SPECS } from './spec.ts';

/** Go's frequency.mul: a raw clock value in ns, truncated as Go converts float64 to int64. */
export const mul = (freq: number, t: number): number => Math.trunc(t * freq);

export class Cursor {
  idx = 0;
  private started = false;
  private lastTs = 0;
  private readonly r: ByteReader;
  /** The ordering's state of this cursor's thread, once looked up (the thread's state object never changes). */
  threadState: unknown = undefined;
  // The event read last (Go's baseEvent): type, time (origin-relative ns), arguments.
  typ = 0;
  time = 0;
  a0 = 0;
  a1 = 0;
  a2 = 0;
  a3 = 0;

  constructor(
    readonly m: number,
    private readonly batches: readonly Batch[],
    buf: Uint8Array,
  ) {
    this.r = new ByteReader(buf, batches[0]?.start ?? 0, batches[0]?.end ?? 0);
  }

  /**
   * Reads the next event; false when the batches are done. Times are made
   * origin-relative: Go's Time minus `origin`, plus one.
   */
  next(freq: number, origin: number): boolean {
    const r = this.r;
    while (this.idx < this.batches.length && r.pos === r.end) {
      this.idx++;
      this.started = false;
      const b = this.batches[this.idx];
      if (b !== undefined) {
        r.pos = b.start;
        r.end = b.end;
      }
    }
    if (this.idx === this.batches.length) return false;
    if (!this.started) {
      this.lastTs = mul(freq, this.batches[this.idx]!.time) - origin + 1;
      this.started = true;
    }
    const typ = r.buf[r.pos]!;
    if (typ >= NUM_SPECS) throw broken(`found invalid event type: ${typ}`);
    const spec = SPECS[typ]!;
    if (spec.args.length === 0 || !spec.timed) throw broken(`found event without a timestamp: type=${typ}`);
    r.pos++;
    const dt = r.uvarint();
    if (Number.isNaN(dt)) throw broken('found invalid uvarint for timestamp');
    // Arguments the event does not have keep the previous event's values, as in Go (the parser overwrites the ones it reads).
    const n = ARG_COUNT[typ]!;
    if (n > 0) this.a0 = this.arg(r);
    if (n > 1) this.a1 = this.arg(r);
    if (n > 2) this.a2 = this.arg(r);
    if (n > 3) this.a3 = this.arg(r);
    this.typ = typ;
    this.time = mul(freq, dt) + this.lastTs;
    this.lastTs = this.time;
    return true;
  }

  private arg(r: ByteReader): number {
    const v = r.uvarint();
    if (Number.isNaN(v)) throw broken('found invalid uvarint');
    return v;
  }
}

// Go's heapInsert, heapUpdate, heapRemove, heapSiftUp, heapSiftDown and min3.

export function heapInsert(heap: Cursor[], c: Cursor): void {
  heap.push(c);
  siftUp(heap, heap.length - 1);
}

export function heapUpdate(heap: Cursor[], i: number): void {
  if (siftUp(heap, i) !== i) return;
  siftDown(heap, i);
}

export function heapRemove(heap: Cursor[], i: number): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    swap(heap, parent, i);
    i = parent;
  }
  swap(heap, 0, heap.length - 1);
  heap.pop();
  siftDown(heap, 0);
}

function swap(heap: Cursor[], i: number, j: number): void {
  const t = heap[i]!;
  heap[i] = heap[j]!;
  heap[j] = t;
}

function siftUp(heap: Cursor[], i: number): number {
  while (i > 0 && heap[(i - 1) >> 1]!.time > heap[i]!.time) {
    swap(heap, (i - 1) >> 1, i);
    i = (i - 1) >> 1;
  }
  return i;
}

function siftDown(heap: Cursor[], i: number): void {
  for (;;) {
    const m = min3(heap, i, 2 * i + 1, 2 * i + 2);
    if (m === i) return;
    swap(heap, i, m);
    i = m;
  }
}

function min3(b: Cursor[], i0: number, i1: number, i2: number): number {
  let minIdx = i0;
  let minT = Infinity;
  if (i0 < b.length) minT = b[i0]!.time;
  if (i1 < b.length && b[i1]!.time < minT) {
    minT = b[i1]!.time;
    minIdx = i1;
  }
  if (i2 < b.length && b[i2]!.time < minT) minIdx = i2;
  return minIdx;
}

/** Go's batchCursor.compare, for sorting the frontier. */
export const compareCursors = (a: Cursor, b: Cursor): number => compare(a.time, b.time);

/** Go's dumpFrontier, for the "failed to advance" error. */
export function dumpFrontier(heap: readonly Cursor[], origin: number): string {
  return heap
    .map((c) => {
      const spec = SPECS[c.typ]!;
      const args = [c.a0, c.a1, c.a2, c.a3];
      const named = spec.args
        .slice(1)
        .map((a, i) => ` ${a}=${u(args[i]!)}`)
        .join('');
      return `M ${c.m} [${spec.name} time=${BigInt(origin) - 1n + BigInt(c.time)}${named}]\n`;
    })
    .join('');
}

const u = (v: number): bigint | number => (v < 0 ? BigInt.asUintN(64, BigInt(v)) : v);
