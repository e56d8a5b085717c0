// Node and edge orders of pprof's reports (graph.Nodes.Sort, graph.EdgeMap.Sort):
// text views sort by flat (or cum), the graph view by an entropy score that
// favours nodes where calls fan in or out over pass-through nodes.
import { compareGo } from './granularity.ts';
import type { GraphEdge, GraphNode } from './graph.ts';

export type NodeOrder = 'flat' | 'cum' | 'entropy';

function edgeEntropy(edges: Map<number, GraphEdge>, self: number): number {
  let total = self;
  for (const e of edges.values()) if (e.weight > 0) total += Math.abs(e.weight);
  let score = 0;
  if (total !== 0) {
    for (const e of edges.values()) {
      const frac = Math.abs(e.weight) / total;
      score += -frac * Math.log2(frac);
    }
    if (self > 0) {
      const frac = Math.abs(self) / total;
      score += -frac * Math.log2(frac);
    }
  }
  return score;
}

const INT64_MIN = -(2n ** 63n);

/**
 * Go's int64(f) as amd64 computes it: truncation, and the "integer indefinite"
 * value -2^63 for NaN and out-of-range values. Diff profiles (negative
 * weights) make entropy scores NaN, and pprof then sorts by that value.
 */
function goInt64(f: number): bigint {
  return Number.isNaN(f) || Math.abs(f) >= 2 ** 63 ? INT64_MIN : BigInt(Math.trunc(f));
}

const abs64 = (x: bigint): bigint => (x < 0n ? BigInt.asIntN(64, -x) : x);

/** graph.entropyScore: how much a node is worth showing in a pruned graph (an int64, hence bigint). */
export function entropyScore(n: GraphNode): bigint {
  let score = 0;
  score += n.in.size === 0 ? 1 : edgeEntropy(n.in, 0);
  score += n.out.size === 0 ? 1 : edgeEntropy(n.out, n.flat);
  return BigInt.asIntN(64, goInt64(score * n.cum) + BigInt(n.flat));
}

function desc(a: bigint, b: bigint): number {
  if (a === b) return 0;
  return a > b ? -1 : 1;
}

function scoreOf(n: GraphNode, order: NodeOrder): bigint {
  if (order === 'flat') return BigInt(n.flat);
  return order === 'cum' ? BigInt(n.cum) : entropyScore(n);
}

/** Sorts nodes in place: by |score| desc, then printable name, then |flat| desc (graph.Nodes.Sort). */
export function sortNodes(nodes: GraphNode[], order: NodeOrder): void {
  const score = new Map<GraphNode, bigint>();
  for (const n of nodes) score.set(n, abs64(scoreOf(n, order)));
  const secondary = (n: GraphNode): number => Math.abs(order === 'flat' ? n.cum : n.flat);
  nodes.sort(
    (a, b) => desc(score.get(a) ?? 0n, score.get(b) ?? 0n) || compareGo(a.name, b.name) || secondary(b) - secondary(a) || a.id - b.id,
  );
}

/** Edges heaviest first, then by source and destination name (graph.EdgeMap.Sort). */
export function sortEdges(edges: Iterable<GraphEdge>, names: readonly string[]): GraphEdge[] {
  const name = (id: number): string => names[id] ?? '';
  return [...edges].sort(
    (a, b) =>
      (a.weight !== b.weight ? Math.abs(b.weight) - Math.abs(a.weight) : 0) ||
      compareGo(name(a.src), name(b.src)) ||
      compareGo(name(a.dst), name(b.dst)),
  );
}
