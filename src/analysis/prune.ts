// pprof's pruning (report.newTrimmedGraph): drop nodes whose |cum| is under
// nodeFraction of the total, keep the top nodeCount nodes, drop edges under
// edgeFraction; sort as the text (flat, name) or graph (entropy) views do.
import { buildGraph, type Graph, type GraphEdge, type GraphNode, type NodeTable } from './graph.ts';
import type { ProfileModel } from './model.ts';
import { sortEdges, sortNodes, type NodeOrder } from './order.ts';

const cumOrFlat = (cum: boolean | undefined): NodeOrder => (cum ? 'cum' : 'flat');

export interface PruneOptions {
  readonly valueIndex: number;
  /** Keep at most this many nodes (0: no limit). */
  readonly nodeCount: number;
  readonly nodeFraction: number;
  readonly edgeFraction: number;
  /** The graph view: entropy order, tags count as nodes, redundant residual edges removed. */
  readonly visual?: boolean;
  /** Sort by cum instead of flat (text views). */
  readonly cumSort?: boolean;
  readonly formatBytes?: (v: number, unit: string) => string;
}

export interface PrunedGraph {
  readonly graph: Graph;
  /** Nodes left after the fraction cut (pprof's "out of N"). */
  readonly origCount: number;
  readonly droppedNodes: number;
  readonly droppedEdges: number;
  readonly nodeCutoff: number;
  readonly edgeCutoff: number;
}

const MAX_NODELETS = 4;

function trimEdges(g: Graph, cutoff: number): number {
  let dropped = 0;
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  for (const n of g.nodes) {
    for (const [src, e] of n.in) {
      if (Math.abs(e.weight) < cutoff) {
        n.in.delete(src);
        byId.get(src)?.out.delete(n.id);
        dropped++;
      }
    }
  }
  return dropped;
}

function trimTags(g: Graph, cutoff: number): void {
  for (const n of g.nodes) {
    for (const [k, t] of n.tags) if (Math.abs(t.flat) < cutoff && Math.abs(t.cum) < cutoff) n.tags.delete(k);
  }
}

function topNodes(nodes: readonly GraphNode[], max: number, visual: boolean): GraphNode[] {
  let limit = max;
  if (visual) {
    let count = 0;
    for (let i = 0; i < nodes.length; i++) {
      const tags = [...(nodes[i]?.tags.values() ?? [])].filter((t) => t.flat !== 0).length;
      count += Math.min(tags, MAX_NODELETS) + 1;
      if (count >= limit) {
        limit = i + 1;
        break;
      }
    }
  }
  return nodes.slice(0, Math.min(limit, nodes.length));
}

function isRedundant(e: GraphEdge, byId: Map<number, GraphNode>): boolean {
  const seen = new Set<number>([e.dst]);
  const queue = [e.dst];
  while (queue.length > 0) {
    const n = byId.get(queue.shift() as number);
    if (!n) continue;
    for (const ie of n.in.values()) {
      if (ie === e || seen.has(ie.src)) continue;
      if (ie.src === e.src) return true;
      seen.add(ie.src);
      queue.push(ie.src);
    }
  }
  return false;
}

/** graph.RemoveRedundantEdges: drops residual edges whose destination is reachable another way. */
function removeRedundantEdges(g: Graph, names: readonly string[]): void {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i] as GraphNode;
    const edges = sortEdges(n.in.values(), names);
    for (let j = edges.length - 1; j >= 0; j--) {
      const e = edges[j] as GraphEdge;
      if (!e.residual) break;
      if (isRedundant(e, byId)) {
        byId.get(e.src)?.out.delete(e.dst);
        n.in.delete(e.src);
      }
    }
  }
}

/** Builds and trims the graph of `p` as pprof does before printing a report. */
export function prunedGraph(p: ProfileModel, table: NodeTable, o: PruneOptions): PrunedGraph {
  const visual = o.visual === true;
  const build = (kept?: ReadonlySet<number>): Graph =>
    buildGraph(p, table, { valueIndex: o.valueIndex, kept, tags: visual, formatBytes: o.formatBytes });
  let g = build();
  const totalValue = g.nodes.reduce((sum, n) => sum + n.flat, 0);
  const nodeCutoff = Math.abs(Math.trunc(totalValue * o.nodeFraction));
  const edgeCutoff = Math.abs(Math.trunc(totalValue * o.edgeFraction));
  let droppedNodes = 0;
  if (nodeCutoff > 0) {
    const kept = g.nodes.filter((n) => Math.abs(n.cum) >= nodeCutoff);
    if (kept.length !== g.nodes.length) {
      droppedNodes = g.nodes.length - kept.length;
      g = build(new Set(kept.map((n) => n.id)));
    }
  }
  const origCount = g.nodes.length;
  const order: NodeOrder = visual ? 'entropy' : cumOrFlat(o.cumSort);
  sortNodes(g.nodes, order);
  if (o.nodeCount > 0) {
    trimTags(g, nodeCutoff);
    trimEdges(g, edgeCutoff);
    const top = topNodes(g.nodes, o.nodeCount, visual);
    if (top.length !== g.nodes.length) {
      g = build(new Set(top.map((n) => n.id)));
      sortNodes(g.nodes, order);
    }
  }
  trimTags(g, nodeCutoff);
  const droppedEdges = trimEdges(g, edgeCutoff);
  if (visual) removeRedundantEdges(g, table.names);
  return { graph: g, origCount, droppedNodes, droppedEdges, nodeCutoff, edgeCutoff };
}
