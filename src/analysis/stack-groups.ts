// Samples with identical stacks grouped, so the flame tree (tree.ts) walks each
// distinct stack once with its samples' summed value.
//
// fromPprof numbers each sample's stack as it builds the model (StackTable:
// equal location lists get one id and share one array) and records those ids
// for that exact samples array (stackIdsOf); grouping such samples is then a
// lookup per sample. Any other samples array (a filter's output, a diff) has
// no ids recorded and is grouped by content here.
//
// StackTable is an open-addressing table made for memory locality (a large
// profile's stacks do not fit in a cache) and few allocations: a slot holds
// the stack's hash, its id + 1 and where its copy lives (fixed-size Int32Array
// chunks), 16 bytes; a repeated stack costs a slot and one short contiguous
// compare, not reads of another sample's objects.

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

/** Each sample's stack id (samples with equal location lists share one), and how many ids there are. */
export interface StackIds {
  readonly of: Int32Array;
  readonly count: number;
}

const ids = new WeakMap<readonly Stack[], StackIds>();

/** Records the stack ids of this samples array (fromPprof does, as it makes the array; it is never changed after). */
export function setStackIds(samples: readonly Stack[], stackIds: StackIds): void {
  ids.set(samples, stackIds);
}

/** The stack ids recorded for exactly this samples array, if any. */
export function stackIdsOf(samples: readonly Stack[]): StackIds | undefined {
  return ids.get(samples);
}

const SLOT = 4; // int32 words per slot: hash, id + 1 (0: empty), chunk, offset in the chunk
const CHUNK = 1 << 16; // int32s per chunk of copied stacks (a longer stack gets a chunk of its own)

function hashStack(locations: ArrayLike<number>, n: number): number {
  let h = n;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ (locations[i] as number), 0x01000193) ^ (h >>> 15);
  return h ^ (h >>> 16);
}

/** Distinct location lists, numbered 0, 1, … in order of first appearance. */
export class StackTable {
  /** Number of distinct stacks. */
  size = 0;
  private readonly chunks: Int32Array[] = [];
  private used = CHUNK; // of the last chunk
  private slots = new Int32Array(0);
  private mask = 0;

  /** `expected`: a guess of the number of stacks added (the table grows past it). */
  constructor(expected: number) {
    let slots = 1024;
    while (slots < expected / 2) slots *= 2;
    this.slots = new Int32Array(slots * SLOT);
    this.mask = slots - 1;
  }

  /** The id of the first `n` entries of `locations`; a new id (=== size - 1 after the call) if unseen. */
  id(locations: ArrayLike<number>, n: number = locations.length): number {
    const h = hashStack(locations, n);
    const w = this.slots;
    let i = h & this.mask;
    for (; ; i = (i + 1) & this.mask) {
      const id = (w[SLOT * i + 1] as number) - 1;
      if (id < 0) break;
      if (w[SLOT * i] === h && this.same(i, locations, n)) return id;
    }
    const id = this.size++;
    const chunk = this.copy(locations, n);
    w[SLOT * i] = h;
    w[SLOT * i + 1] = id + 1;
    w[SLOT * i + 2] = chunk;
    w[SLOT * i + 3] = this.used - n - 1;
    if (2 * this.size > this.mask) this.rehash();
    return id;
  }

  private same(slot: number, locations: ArrayLike<number>, n: number): boolean {
    const chunk = this.chunks[this.slots[SLOT * slot + 2] as number] as Int32Array;
    const from = this.slots[SLOT * slot + 3] as number;
    if (chunk[from] !== n) return false;
    for (let k = 0; k < n; k++) if (chunk[from + 1 + k] !== locations[k]) return false;
    return true;
  }

  /** Copies a stack (its length first) into the chunks; returns the chunk's index and sets `used`. */
  private copy(locations: ArrayLike<number>, n: number): number {
    if (this.used + n + 1 > CHUNK || this.chunks.length === 0) {
      this.chunks.push(new Int32Array(Math.max(CHUNK, n + 1)));
      this.used = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1] as Int32Array;
    chunk[this.used] = n;
    for (let k = 0; k < n; k++) chunk[this.used + 1 + k] = locations[k] as number;
    this.used += n + 1;
    return this.chunks.length - 1;
  }

  /** Doubles the table, moving each slot whole. */
  private rehash(): void {
    const old = this.slots;
    const slots = 2 * (this.mask + 1);
    this.slots = new Int32Array(slots * SLOT);
    this.mask = slots - 1;
    for (let from = 0; from < old.length; from += SLOT) {
      if (old[from + 1] === 0) continue;
      let i = (old[from] as number) & this.mask;
      while (this.slots[SLOT * i + 1] !== 0) i = (i + 1) & this.mask;
      this.slots.set(old.subarray(from, from + SLOT), SLOT * i);
    }
  }
}

/** Each sample's stack id: the recorded ones, else by content. */
function stackIds(samples: readonly Stack[]): StackIds {
  const known = stackIdsOf(samples);
  if (known) return known;
  const table = new StackTable(samples.length);
  const of = new Int32Array(samples.length);
  for (let s = 0; s < samples.length; s++) of[s] = table.id((samples[s] as Stack).locations);
  return { of, count: table.size };
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
  const { of, count } = stackIds(samples);
  const groupOf = new Int32Array(count).fill(-1);
  const first = new Int32Array(count);
  const value = new Float64Array(count);
  let size = 0;
  let sum = 0;
  for (let s = 0; s < samples.length; s++) {
    const v = (samples[s] as Stack).values[valueIndex] ?? 0;
    if (!Number.isInteger(v)) return undefined;
    if (v === 0) continue;
    sum += Math.abs(v);
    const id = of[s] as number;
    let g = groupOf[id] as number;
    if (g < 0) {
      g = groupOf[id] = size++;
      first[g] = s;
    }
    value[g] = (value[g] as number) + v;
  }
  if (sum > Number.MAX_SAFE_INTEGER) return undefined;
  return { size, first: first.subarray(0, size), value: value.subarray(0, size) };
}

/**
 * The stacks to walk and their values: with `group`, each distinct stack once
 * with its samples' sum when that sum is exact in any order (the same nodes in
 * the same order, as a stack's repeats create none, and the same sums), else
 * each sample with a non-zero value in sample order.
 */
export function stackWalks(samples: readonly Stack[], valueIndex: number, group = true): StackGroups {
  const groups = group ? groupStacks(samples, valueIndex) : undefined;
  if (groups) return groups;
  const first = new Int32Array(samples.length);
  const value = new Float64Array(samples.length);
  let size = 0;
  for (let s = 0; s < samples.length; s++) {
    const v = (samples[s] as Stack).values[valueIndex] ?? 0;
    if (v === 0) continue;
    first[size] = s;
    value[size++] = v;
  }
  return { size, first, value };
}
