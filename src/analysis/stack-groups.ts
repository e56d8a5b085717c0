// Samples with identical stacks grouped, so the flame tree (tree.ts) walks each
// distinct stack once with its samples' summed value. One pass over the
// samples, made for memory locality (a large profile's groups do not fit in
// a cache) and few allocations: a slot of the open-addressing table holds the
// stack's hash, its group, where the group's stack was copied to (fixed-size
// Int32Array chunks) and the group's running sum, 24 bytes; a repeated stack
// costs a slot and one short contiguous compare, not reads of another
// sample's objects.

export interface StackGroups {
  /** Number of groups. */
  readonly size: number;
  /** Each group's first sample (an index into the samples), in sample order. */
  readonly first: Int32Array;
  /** Each group's summed value. */
  readonly value: Float64Array;
}

interface Stack {
  readonly locations: readonly number[];
  readonly values: readonly number[];
}

const SLOT = 6; // int32 words per slot: hash, group + 1 (0: empty), chunk, offset in the chunk, sum (float64)
const SUM = 2; // float64 word of the sum within a slot
const CHUNK = 1 << 16; // int32s per chunk of copied stacks (a longer stack gets a chunk of its own)

function hashStack(locations: readonly number[]): number {
  let h = locations.length;
  for (let i = 0; i < locations.length; i++) h = Math.imul(h ^ (locations[i] as number), 0x01000193) ^ (h >>> 15);
  return h ^ (h >>> 16);
}

class Groups {
  size = 0;
  first = new Int32Array(1024);
  private readonly chunks: Int32Array[] = [];
  private used = CHUNK; // of the last chunk
  private ints = new Int32Array(0);
  private floats = new Float64Array(0);
  private mask = 0;

  constructor(samples: number) {
    let slots = 1024;
    while (slots < samples / 2) slots *= 2;
    this.allocate(slots);
  }

  add(sample: number, locations: readonly number[], value: number): void {
    const h = hashStack(locations);
    const w = this.ints;
    let i = h & this.mask;
    for (; ; i = (i + 1) & this.mask) {
      const g = (w[SLOT * i + 1] as number) - 1;
      if (g < 0) break;
      if (w[SLOT * i] === h && this.same(i, locations)) {
        const s = (SLOT / 2) * i + SUM;
        this.floats[s] = (this.floats[s] as number) + value;
        return;
      }
    }
    this.create(i, h, sample, locations, value);
  }

  /** Each group's sum, by group. */
  values(): Float64Array {
    const value = new Float64Array(this.size);
    for (let i = 0; i <= this.mask; i++) {
      const g = (this.ints[SLOT * i + 1] as number) - 1;
      if (g >= 0) value[g] = this.floats[(SLOT / 2) * i + SUM] as number;
    }
    return value;
  }

  private same(slot: number, locations: readonly number[]): boolean {
    const chunk = this.chunks[this.ints[SLOT * slot + 2] as number] as Int32Array;
    const from = this.ints[SLOT * slot + 3] as number;
    const n = locations.length;
    if (chunk[from] !== n) return false;
    for (let k = 0; k < n; k++) if (chunk[from + 1 + k] !== locations[k]) return false;
    return true;
  }

  /** Copies a stack (its length first) into the chunks; returns the chunk's index and sets `used`. */
  private copy(locations: readonly number[]): number {
    const n = locations.length + 1;
    if (this.used + n > CHUNK || this.chunks.length === 0) {
      this.chunks.push(new Int32Array(Math.max(CHUNK, n)));
      this.used = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1] as Int32Array;
    chunk[this.used] = locations.length;
    for (let k = 0; k < locations.length; k++) chunk[this.used + 1 + k] = locations[k] as number;
    this.used += n;
    return this.chunks.length - 1;
  }

  private create(slot: number, h: number, sample: number, locations: readonly number[], value: number): void {
    const g = this.size++;
    if (g === this.first.length) {
      const first = new Int32Array(2 * g);
      first.set(this.first);
      this.first = first;
    }
    this.first[g] = sample;
    const chunk = this.copy(locations);
    const w = this.ints;
    w[SLOT * slot] = h;
    w[SLOT * slot + 1] = g + 1;
    w[SLOT * slot + 2] = chunk;
    w[SLOT * slot + 3] = this.used - locations.length - 1;
    this.floats[(SLOT / 2) * slot + SUM] = value;
    if (2 * this.size > this.mask) this.rehash();
  }

  private allocate(slots: number): void {
    const buffer = new ArrayBuffer(slots * SLOT * 4);
    this.ints = new Int32Array(buffer);
    this.floats = new Float64Array(buffer);
    this.mask = slots - 1;
  }

  /** Doubles the table, moving each slot whole. */
  private rehash(): void {
    const old = this.ints;
    this.allocate(2 * (this.mask + 1));
    for (let from = 0; from < old.length; from += SLOT) {
      if (old[from + 1] === 0) continue;
      let i = (old[from] as number) & this.mask;
      while (this.ints[SLOT * i + 1] !== 0) i = (i + 1) & this.mask;
      this.ints.set(old.subarray(from, from + SLOT), SLOT * i);
    }
  }
}

/**
 * The samples with a non-zero value (at `valueIndex`) grouped by identical
 * location lists, groups in order of first appearance; undefined unless
 * float64 sums of the values are exact whatever their order (all integers
 * whose absolute values sum to at most 2^53: every partial sum is then an
 * exactly representable integer), as a group's sum must equal the sum in
 * sample order.
 */
export function groupStacks(samples: readonly Stack[], valueIndex: number): StackGroups | undefined {
  const groups = new Groups(samples.length);
  let sum = 0;
  for (let s = 0; s < samples.length; s++) {
    const sample = samples[s] as Stack;
    const v = sample.values[valueIndex] ?? 0;
    if (!Number.isInteger(v)) return undefined;
    sum += Math.abs(v);
    if (v !== 0) groups.add(s, sample.locations, v);
  }
  if (sum > Number.MAX_SAFE_INTEGER) return undefined;
  return { size: groups.size, first: groups.first, value: groups.values() };
}
