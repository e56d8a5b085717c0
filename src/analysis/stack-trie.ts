// A prefix tree of stacks on typed arrays, for the flame graph (tree.ts).
// Each node is a (parent, key) pair with a small-integer key (the flame tree
// uses 2 * node id + inlined). Children are found by open addressing (linear
// probing) on (parent, key), so no boxed or non-Smi Map keys are hashed, and a
// slot holds everything a step of a stack touches (parent, key, child, running
// total) in one 32-byte entry: one cache line per step on a large profile.
// Nodes are numbered in creation order from the root (0); totals and self
// values are float64 sums in the order the values were added.

const STRIDE = 8; // int32 words per slot: parent, key, child + 1 (0: empty), unused, total (float64), unused float64
const TOTAL = 2; // float64 word of the total within a slot

function hash(parent: number, key: number): number {
  let h = Math.imul(parent, 0x9e3779b1) ^ Math.imul(key, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}

function grown<T extends Int32Array | Float64Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export interface TrieNodes {
  readonly size: number;
  readonly parent: Int32Array;
  readonly key: Int32Array;
  readonly depth: Int32Array;
  readonly total: Float64Array;
  readonly self: Float64Array;
}

export class StackTrie {
  /** Number of nodes, the root included. */
  size = 1;
  /** The root's total. */
  rootTotal = 0;
  private slotOf = new Int32Array(1024);
  private selfs = new Float64Array(1024);
  private words = new Int32Array(0);
  private floats = new Float64Array(0);
  private mask = 0;

  constructor() {
    this.allocate(1 << 12);
  }

  /** Adds `value` to the total of the child of `parent` with `key` (created if new) and returns that child. */
  add(parent: number, key: number, value: number): number {
    const w = this.words;
    let i = hash(parent, key) & this.mask;
    for (;;) {
      const at = i * STRIDE;
      const c = w[at + 2] as number;
      if (c === 0) break;
      if (w[at + 1] === key && w[at] === parent) {
        const t = i * (STRIDE / 2) + TOTAL;
        this.floats[t] = (this.floats[t] as number) + value;
        return c - 1;
      }
      i = (i + 1) & this.mask;
    }
    return this.create(i, parent, key, value);
  }

  /** Adds `value` to the self value of `node`. */
  addSelf(node: number, value: number): void {
    this.selfs[node] = (this.selfs[node] as number) + value;
  }

  /** The nodes as arrays indexed by node id (the root's parent is -1, its key 0). */
  nodes(): TrieNodes {
    const size = this.size;
    const parent = new Int32Array(size);
    const key = new Int32Array(size);
    const depth = new Int32Array(size);
    const total = new Float64Array(size);
    parent[0] = -1;
    total[0] = this.rootTotal;
    for (let n = 1; n < size; n++) {
      const s = this.slotOf[n] as number;
      const p = this.words[s * STRIDE] as number;
      parent[n] = p;
      key[n] = this.words[s * STRIDE + 1] as number;
      depth[n] = (depth[p] as number) + 1;
      total[n] = this.floats[s * (STRIDE / 2) + TOTAL] as number;
    }
    return { size, parent, key, depth, total, self: this.selfs.slice(0, size) };
  }

  private create(slot: number, parent: number, key: number, value: number): number {
    const n = this.size++;
    if (n === this.slotOf.length) {
      this.slotOf = grown(this.slotOf, 2 * n);
      this.selfs = grown(this.selfs, 2 * n);
    }
    const at = slot * STRIDE;
    this.words[at] = parent;
    this.words[at + 1] = key;
    this.words[at + 2] = n + 1;
    this.floats[slot * (STRIDE / 2) + TOTAL] = value;
    this.slotOf[n] = slot;
    if (2 * this.size > this.mask) this.rehash();
    return n;
  }

  private allocate(slots: number): void {
    const buffer = new ArrayBuffer(slots * STRIDE * 4);
    this.words = new Int32Array(buffer);
    this.floats = new Float64Array(buffer);
    this.mask = slots - 1;
  }

  private rehash(): void {
    const words = this.words;
    this.allocate(2 * (this.mask + 1));
    for (let n = 1; n < this.size; n++) {
      const from = this.slotOf[n] as number;
      const parent = words[from * STRIDE] as number;
      const key = words[from * STRIDE + 1] as number;
      let i = hash(parent, key) & this.mask;
      while (this.words[i * STRIDE + 2] !== 0) i = (i + 1) & this.mask;
      this.words.set(words.subarray(from * STRIDE, from * STRIDE + STRIDE), i * STRIDE); // the total too
      this.slotOf[n] = i;
    }
  }
}

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
}

function hashStack(locations: readonly number[]): number {
  let h = locations.length;
  for (const l of locations) h = Math.imul(h ^ l, 0x01000193) ^ (h >>> 15);
  return h ^ (h >>> 16);
}

function sameStack(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether float64 sums of these values are exact whatever their order: all
 * integers whose absolute values sum to at most 2^53 (every partial sum is
 * then an exactly representable integer).
 */
export function orderFreeSums(values: Iterable<number>): boolean {
  let sum = 0;
  for (const v of values) {
    if (!Number.isInteger(v)) return false;
    sum += Math.abs(v);
  }
  return sum <= Number.MAX_SAFE_INTEGER;
}

/** The samples with a non-zero `values[i]` grouped by identical location lists, groups in order of first appearance. */
export function groupStacks(samples: readonly Stack[], values: readonly number[]): StackGroups {
  let cap = 1024;
  while (cap < 2 * samples.length) cap *= 2;
  const slots = new Int32Array(cap); // group + 1, 0: empty
  const mask = cap - 1;
  const first = new Int32Array(samples.length);
  const value = new Float64Array(samples.length);
  let size = 0;
  for (let s = 0; s < samples.length; s++) {
    const v = values[s] ?? 0;
    if (v === 0) continue;
    const locations = (samples[s] as Stack).locations;
    let i = hashStack(locations) & mask;
    for (;;) {
      const g = (slots[i] as number) - 1;
      if (g < 0) {
        slots[i] = ++size;
        first[size - 1] = s;
        value[size - 1] = v;
        break;
      }
      if (sameStack((samples[first[g] as number] as Stack).locations, locations)) {
        value[g] = (value[g] as number) + v;
        break;
      }
      i = (i + 1) & mask;
    }
  }
  return { size, first, value };
}
