// A prefix tree of stacks on typed arrays, for the flame graph (tree.ts).
// Each node is a (parent, key) pair with a small-integer key (the flame tree
// uses 2 * node id + inlined). A node is one 32-byte record (parent, key,
// depth, first child, total, self) in one buffer, so no per-node object is
// made and a step of a stack mostly touches one record: the step is tried
// against the parent's first child, and only the other children are found by
// open addressing (linear probing) on (parent, key) in an Int32Array of
// 12-byte slots. Nodes are numbered in creation order from the root (0);
// totals and self values are float64 sums in the order the values were added.

const RECORD = 8; // int32 words per node: parent, key, depth, first child + 1 (0: none), total (float64), self (float64)
const TOTAL = 2; // float64 words into a record
const SELF = 3;
const STRIDE = 3; // int32 words per slot: parent, key, child + 1 (0: empty)

function hash(parent: number, key: number): number {
  let h = Math.imul(parent, 0x9e3779b1) ^ Math.imul(key, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
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
  private ints = new Int32Array(0);
  private floats = new Float64Array(0);
  private slots = new Int32Array(0);
  private mask = 0;
  /** Nodes in the slots (those that are not their parent's first child). */
  private slotted = 0;

  /** `expected`: a guess of the node count (the records and the slots grow past it). */
  constructor(expected: number) {
    this.records(Math.max(expected, 16));
    this.ints[0] = -1;
    let slots = 1024;
    while (slots < expected / 2) slots *= 2; // most nodes are a first child, never slotted
    this.slots = new Int32Array(slots * STRIDE);
    this.mask = slots - 1;
  }

  /** Adds `value` to the root's total. */
  addRoot(value: number): void {
    this.floats[TOTAL] = (this.floats[TOTAL] as number) + value;
  }

  /** Adds `value` to the total of the child of `parent` with `key` (created if new) and returns that child. */
  add(parent: number, key: number, value: number): number {
    const first = (this.ints[parent * RECORD + 3] as number) - 1;
    if (first < 0) {
      const n = this.create(parent, key, value);
      this.ints[parent * RECORD + 3] = n + 1;
      return n;
    }
    let c = first;
    if (this.ints[first * RECORD + 1] !== key) c = this.find(parent, key);
    if (c < 0) return this.slot(this.create(parent, key, value));
    const t = c * (RECORD / 2) + TOTAL;
    this.floats[t] = (this.floats[t] as number) + value;
    return c;
  }

  /** Adds `value` to the self value of `node`. */
  addSelf(node: number, value: number): void {
    const s = node * (RECORD / 2) + SELF;
    this.floats[s] = (this.floats[s] as number) + value;
  }

  /** The nodes as arrays indexed by node id (the root's parent is -1, its key 0). */
  nodes(): TrieNodes {
    const size = this.size;
    const parent = new Int32Array(size);
    const key = new Int32Array(size);
    const depth = new Int32Array(size);
    const total = new Float64Array(size);
    const self = new Float64Array(size);
    for (let n = 0; n < size; n++) {
      parent[n] = this.ints[n * RECORD] as number;
      key[n] = this.ints[n * RECORD + 1] as number;
      depth[n] = this.ints[n * RECORD + 2] as number;
      total[n] = this.floats[n * (RECORD / 2) + TOTAL] as number;
      self[n] = this.floats[n * (RECORD / 2) + SELF] as number;
    }
    return { size, parent, key, depth, total, self };
  }

  /** The child of `parent` with `key` among the slotted nodes, -1 if none. */
  private find(parent: number, key: number): number {
    const w = this.slots;
    for (let i = hash(parent, key) & this.mask; ; i = (i + 1) & this.mask) {
      const c = (w[i * STRIDE + 2] as number) - 1;
      if (c < 0 || (w[i * STRIDE + 1] === key && w[i * STRIDE] === parent)) return c;
    }
  }

  private create(parent: number, key: number, value: number): number {
    const n = this.size++;
    if (n * RECORD === this.ints.length) this.records(2 * n);
    const at = n * RECORD;
    this.ints[at] = parent;
    this.ints[at + 1] = key;
    this.ints[at + 2] = (this.ints[parent * RECORD + 2] as number) + 1;
    this.floats[n * (RECORD / 2) + TOTAL] = value;
    return n;
  }

  private records(count: number): void {
    const buffer = new ArrayBuffer(count * RECORD * 4);
    const ints = new Int32Array(buffer);
    ints.set(this.ints);
    this.ints = ints;
    this.floats = new Float64Array(buffer);
  }

  /** Puts node n in the slots (doubling them when half full) and returns it. */
  private slot(n: number): number {
    if (2 * ++this.slotted > this.mask) this.rehash();
    this.insert(n);
    return n;
  }

  private insert(n: number): void {
    const w = this.slots;
    const parent = this.ints[n * RECORD] as number;
    const key = this.ints[n * RECORD + 1] as number;
    let i = hash(parent, key) & this.mask;
    while (w[i * STRIDE + 2] !== 0) i = (i + 1) & this.mask;
    w[i * STRIDE] = parent;
    w[i * STRIDE + 1] = key;
    w[i * STRIDE + 2] = n + 1;
  }

  /** Doubles the slots and reinserts the slotted nodes (those not their parent's first child), read in order. */
  private rehash(): void {
    const slots = 2 * (this.mask + 1);
    this.slots = new Int32Array(slots * STRIDE);
    this.mask = slots - 1;
    for (let n = 1; n < this.size - 1; n++) {
      if (this.ints[(this.ints[n * RECORD] as number) * RECORD + 3] !== n + 1) this.insert(n);
    }
  }
}
