// The flame graph's data: a prefix tree of stacks from a synthetic root
// (callers above callees), one child per (node, inlined) pair as pprof's flame
// graph does, with each node's total (its box width) and self value. A pivot
// regex re-roots it at the root-most frame matching in each stack, either
// downwards (the callees of the match) or upwards (its callers, inverted).
// Nodes are in creation order; children never precede their parent.
import { Steps } from './flame-steps.ts';
import type { Sample } from './model.ts';
import type { Prepared } from './prepare.ts';
import { compileRegex, type Matcher } from './regex.ts';
import { stackWalks } from './stack-groups.ts';
import { StackTrie, type TrieNodes } from './stack-trie.ts';

export interface FlameNode {
  /** Printed node name at the view's granularity ("" for the root). */
  readonly name: string;
  /** Inlined into its parent. */
  readonly inline: boolean;
  readonly parent: number;
  readonly depth: number;
  total: number;
  self: number;
  readonly children: number[];
}

export interface FlameTree {
  /** nodes[0] is the root; its total is the sum of the samples drawn. */
  readonly nodes: readonly FlameNode[];
  /** The report total, for percentages (as in pprof, the unfiltered total). */
  readonly total: number;
}

/** The flame tree as columns indexed by node id (node 0 is the root). */
export interface FlameColumns extends TrieNodes {
  /** Node n's children, heaviest first, are children[childStart[n] .. childStart[n + 1]). */
  readonly childStart: Int32Array;
  readonly children: Int32Array;
}

export interface FlameTable {
  /** key[n] is 2 * node id (an index into `names`) + (inlined ? 1 : 0). */
  readonly columns: FlameColumns;
  readonly names: readonly string[];
  readonly total: number;
}

export interface FlameOptions {
  /** Re-root at the root-most frame matching this regex in each stack; stacks without one are left out. */
  readonly pivot?: string;
  /** With a pivot: show its callers (inverted tree) instead of its callees. */
  readonly callers?: boolean;
}

/** The pivot regex per node id (memoized: the same node name always gives the same answer). */
function nodeMatcher(names: readonly string[], match: Matcher): (node: number) => boolean {
  const memo = new Int8Array(names.length); // 0 unknown, 1 match, 2 no match
  return (node) => {
    const m = memo[node];
    if (m === undefined) return match(names[node] ?? '');
    if (m === 0) memo[node] = match(names[node] as string) ? 1 : 2;
    return memo[node] === 1;
  };
}

/** Index of the root-most step whose node matches, -1 if none. */
function firstMatch(steps: Steps, match: (node: number) => boolean): number {
  for (let i = 0; i < steps.length; i++) if (match((steps.keys[i] as number) >> 1)) return i;
  return -1;
}

/** Adds `value` along the path of steps[from], steps[from + dir], … up to (excluding) `to`. */
function addPath(trie: StackTrie, keys: Int32Array, from: number, to: number, dir: number, value: number): void {
  let at = 0;
  trie.addRoot(value);
  for (let i = from; i !== to; i += dir) at = trie.add(at, keys[i] as number, value);
  trie.addSelf(at, value);
}

/** Children of each node, heaviest first: node n's are children[childStart[n] .. childStart[n + 1]). */
function childIndex(size: number, parent: Int32Array, total: Float64Array): { childStart: Int32Array; children: Int32Array } {
  const childStart = new Int32Array(size + 1);
  for (let n = 1; n < size; n++) {
    const p = (parent[n] as number) + 1;
    childStart[p] = (childStart[p] as number) + 1;
  }
  for (let n = 0; n < size; n++) childStart[n + 1] = (childStart[n + 1] as number) + (childStart[n] as number);
  const children = new Int32Array(Math.max(size - 1, 0));
  const fill = childStart.slice(0, size);
  for (let n = 1; n < size; n++) {
    const p = parent[n] as number;
    const at = fill[p] as number;
    children[at] = n;
    fill[p] = at + 1;
  }
  const byTotal = (a: number, b: number): number => Math.abs(total[b] as number) - Math.abs(total[a] as number) || a - b;
  for (let n = 0; n < size; n++) {
    const from = childStart[n] as number;
    const to = childStart[n + 1] as number;
    if (to - from > 1) children.subarray(from, to).sort(byTotal);
  }
  return { childStart, children };
}

/** The trie as columns; children by decreasing |total| (ties in creation order). */
function flameColumns(trie: StackTrie): FlameColumns {
  const nodes = trie.nodes();
  return { ...nodes, ...childIndex(nodes.size, nodes.parent, nodes.total) };
}

/** The columns as FlameNodes. */
function flameNodes(c: FlameColumns, names: readonly string[]): FlameNode[] {
  const nodes: FlameNode[] = [];
  for (let n = 0; n < c.size; n++) {
    const k = c.key[n] as number;
    const children = Array.from(c.children.subarray(c.childStart[n], c.childStart[n + 1]));
    nodes.push({
      name: n === 0 ? '' : (names[k >> 1] ?? ''),
      inline: (k & 1) === 1,
      parent: c.parent[n] as number,
      depth: c.depth[n] as number,
      total: c.total[n] as number,
      self: c.self[n] as number,
      children,
    });
  }
  return nodes;
}

/** The flame tree as typed arrays (what the UI's worker transfers). */
export function flameTable(v: Prepared, o: FlameOptions = {}): FlameTable {
  const match = o.pivot ? nodeMatcher(v.table.names, compileRegex('pivot', o.pivot)) : undefined;
  const callers = o.callers === true;
  const samples = v.profile.samples;
  const walks = stackWalks(samples, v.valueIndex);
  const steps = new Steps(v.table);
  const trie = new StackTrie(Math.min(3 * walks.size, 1 << 19)); // 2.4 nodes per distinct stack on the UI bench's profile
  const add = (sample: number, value: number): void => {
    const locations = (samples[sample] as Sample).locations;
    if (!match) return steps.addStack(trie, locations, value);
    steps.fill(locations);
    const at = firstMatch(steps, match);
    if (at < 0) return;
    if (callers) addPath(trie, steps.keys, at, -1, -1, value);
    else addPath(trie, steps.keys, at, steps.length, 1, value);
  };
  for (let w = 0; w < walks.size; w++) add(walks.first[w] as number, walks.value[w] as number);
  return { columns: flameColumns(trie), names: v.table.names, total: v.total };
}

export function flameTree(v: Prepared, o: FlameOptions = {}): FlameTree {
  const t = flameTable(v, o);
  return { nodes: flameNodes(t.columns, t.names), total: t.total };
}
