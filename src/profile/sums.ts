// Per-sample int64 value sums for the merge: `width` values per entry in a
// Float64Array while every addend and sum is an exact integer, the entry moved
// to bigints only when one is not (a negative int64 decoded as uint64, a sum
// past 2^53). An entry is as long as the longest value list added to it.
// Pure.
import { int64, toNumeric, type Numeric } from './values.ts';

export class Sums {
  private values: Float64Array;
  private lengths = new Int32Array(256);
  private readonly big = new Map<number, bigint[]>();

  constructor(private width: number) {
    this.values = new Float64Array(256 * width);
  }

  /** Adds vs[0, count) to entry `id` (entries are added in order: 0, 1, 2…). */
  add(id: number, vs: readonly Numeric[], count: number): void {
    this.room(id);
    if (count > this.width) this.widen(count);
    const base = id * this.width;
    if (count > this.lengths[id]!) this.lengths[id] = count;
    const big = this.big.get(id);
    for (let i = 0; i < count; i++) {
      const v = vs[i]!;
      const sum = typeof v === 'number' ? this.values[base + i]! + v : NaN;
      if (big === undefined && Number.isSafeInteger(v) && Number.isSafeInteger(sum)) this.values[base + i] = sum;
      else return this.addBig(id, vs, i, count);
    }
  }

  /** Entry `id`'s sums, or undefined when all are zero. */
  get(id: number): Numeric[] | undefined {
    const big = this.big.get(id);
    if (big) return big.some((v) => v !== 0n) ? big.slice(0, this.lengths[id]).map(toNumeric) : undefined;
    const base = id * this.width;
    const out: number[] = [];
    let zero = true;
    for (let i = base; i < base + this.lengths[id]!; i++) {
      const v = this.values[i]!;
      if (v !== 0) zero = false;
      out.push(v);
    }
    return zero ? undefined : out;
  }

  /** Adds vs[from, count) in bigints, moving the entry to bigints first. */
  private addBig(id: number, vs: readonly Numeric[], from: number, count: number): void {
    let big = this.big.get(id);
    if (!big) {
      const base = id * this.width;
      big = Array.from(this.values.subarray(base, base + this.width), BigInt);
      this.big.set(id, big);
    }
    for (let i = from; i < count; i++) big[i] = big[i]! + int64(vs[i]!);
  }

  /** Room for `width` values per entry (only value lists longer than the sample types need it). */
  private widen(width: number): void {
    const values = new Float64Array(this.lengths.length * width);
    for (let id = 0; id < this.lengths.length; id++) values.set(this.values.subarray(id * this.width, (id + 1) * this.width), id * width);
    for (const big of this.big.values()) while (big.length < width) big.push(0n);
    this.values = values;
    this.width = width;
  }

  private room(id: number): void {
    if (id < this.lengths.length) return;
    const lengths = new Int32Array(Math.max(id + 1, this.lengths.length * 2));
    lengths.set(this.lengths);
    this.lengths = lengths;
    const values = new Float64Array(lengths.length * this.width);
    values.set(this.values);
    this.values = values;
  }
}
