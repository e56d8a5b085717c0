// The flame graph's geometry: each node's x and width as fractions of the
// root, from `flameTree` (src/analysis/tree.ts). For a diff, widths come from
// the tree of absolute values and colours from the signed one: both trees are
// built from the same samples in the same order, so node i is the same stack
// in both.
import { withSamples } from '../../../../src/analysis/model.ts';
import type { Prepared } from '../../../../src/analysis/prepare.ts';
import { flameTree, type FlameNode, type FlameOptions } from '../../../../src/analysis/tree.ts';

export interface FlameLayout {
  readonly nodes: readonly FlameNode[];
  readonly x: Float64Array;
  readonly w: Float64Array;
  /** Signed totals (the diff's growth or shrinkage), only for a diff. */
  readonly delta: Float64Array | undefined;
  readonly maxDepth: number;
  /** The report total (percentages are of it). */
  readonly total: number;
}

function absolute(v: Prepared): Prepared {
  const samples = v.profile.samples.map((s) => ({ ...s, values: s.values.map(Math.abs) }));
  return { ...v, profile: withSamples(v.profile, samples) };
}

export function layoutFlame(v: Prepared, o: FlameOptions, diff: boolean): FlameLayout {
  const signed = flameTree(v, o);
  const tree = diff ? flameTree(absolute(v), o) : signed;
  const nodes = tree.nodes;
  const n = nodes.length;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const rootTotal = Math.abs(nodes[0]?.total ?? 0) || 1;
  let maxDepth = 0;
  w[0] = 1;
  for (let i = 0; i < n; i++) {
    const node = nodes[i] as FlameNode;
    if (node.depth > maxDepth) maxDepth = node.depth;
    let at = x[i] ?? 0;
    for (const c of node.children) {
      const cw = Math.abs(nodes[c]?.total ?? 0) / rootTotal;
      x[c] = at;
      w[c] = cw;
      at += cw;
    }
  }
  const delta = diff ? Float64Array.from(signed.nodes, (s) => s.total) : undefined;
  return { nodes, x, w, delta, maxDepth, total: tree.total };
}

/** The deepest node under `from` covering fraction `frac` at `depth` (-1 if none). */
export function nodeAt(l: FlameLayout, from: number, depth: number, frac: number): number {
  let n = from;
  for (;;) {
    const node = l.nodes[n];
    if (!node) return -1;
    if (node.depth === depth) return n;
    if (node.depth > depth) return -1;
    let next = -1;
    for (const c of node.children) {
      const cx = l.x[c] ?? 0;
      if (frac >= cx && frac < cx + (l.w[c] ?? 0)) {
        next = c;
        break;
      }
    }
    if (next < 0) return -1;
    n = next;
  }
}

/** `n` and its ancestors, root first. */
export function ancestry(l: FlameLayout, n: number): number[] {
  const out: number[] = [];
  for (let at = n; at >= 0; at = l.nodes[at]?.parent ?? -1) out.push(at);
  return out.reverse();
}
