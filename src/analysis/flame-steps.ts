// A stack's frames as the flame tree (tree.ts) walks them: root first, each a
// key 2 * node id + (inlined ? 1 : 0). Every location's keys are laid out
// once in one Int32Array (outermost frame first), so expanding a stack copies
// runs of integers and reads no per-location array; a whole stack is added
// to the trie straight from that layout.
import type { NodeTable } from './graph.ts';
import type { StackTrie } from './stack-trie.ts';

export class Steps {
  keys = new Int32Array(256);
  length = 0;
  /** Location l's keys, outermost first, are locationKeys[start[l] .. start[l + 1]). */
  private readonly start: Int32Array;
  private readonly locationKeys: Int32Array;

  constructor(table: NodeTable) {
    const nodes = table.locationNodes;
    this.start = new Int32Array(nodes.length + 1);
    for (let l = 0; l < nodes.length; l++) this.start[l + 1] = (this.start[l] as number) + (nodes[l] as readonly number[]).length;
    this.locationKeys = new Int32Array(this.start[nodes.length] as number);
    let at = 0;
    for (const ids of nodes) {
      const last = ids.length - 1;
      for (let j = last; j >= 0; j--) this.locationKeys[at++] = 2 * (ids[j] as number) + (j !== last ? 1 : 0);
    }
  }

  /** The keys of a stack of locations (leaf first), root first. */
  fill(locations: readonly number[]): void {
    let n = 0;
    for (let i = locations.length - 1; i >= 0; i--) {
      const l = locations[i] as number;
      const from = this.start[l] ?? 0;
      const to = this.start[l + 1] ?? from; // an unknown location has no frames
      if (n + to - from > this.keys.length) this.keys = grownTo(this.keys, n + to - from);
      for (let k = from; k < to; k++) this.keys[n++] = this.locationKeys[k] as number;
    }
    this.length = n;
  }

  /** Adds `value` along a stack of locations (leaf first) from the root, and to its last node's self value. */
  addStack(trie: StackTrie, locations: readonly number[], value: number): void {
    let at = 0;
    trie.addRoot(value);
    for (let i = locations.length - 1; i >= 0; i--) {
      const l = locations[i] as number;
      const from = this.start[l] ?? 0;
      const to = this.start[l + 1] ?? from;
      for (let k = from; k < to; k++) at = trie.add(at, this.locationKeys[k] as number, value);
    }
    trie.addSelf(at, value);
  }
}

function grownTo(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(size, 2 * a.length));
  b.set(a);
  return b;
}
