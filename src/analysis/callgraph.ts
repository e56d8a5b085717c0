// The Graph view's data (what `go tool pprof -dot` draws): pprof's pruned call
// graph with its defaults n=80 nodes, nf=0.005, ef=0.001, nodes in entropy
// order, tags (label sets such as pod:web-1, "bytes" sizes) counted as nodes,
// residual edges (over dropped nodes) marked, redundant ones removed. Plain
// data: turning it into DOT is the UI's job, with every name escaped.
import { label, percentage, selectOutputUnit, valueFormatter } from './format.ts';
import { compareGo } from './granularity.ts';
import { activeFilterLabels, profileLabels, shownLabels, type LegendContext } from './header.ts';
import { sortEdges } from './order.ts';
import type { Prepared } from './prepare.ts';
import { prunedGraph } from './prune.ts';
import { numLabelUnits } from './tagfilter.ts';
import { DEFAULT_EDGE_FRACTION, DEFAULT_NODE_FRACTION, type PruneParams } from './top.ts';

export const DEFAULT_NODE_COUNT = 80;

export interface CallGraphNode {
  readonly name: string;
  readonly flat: number;
  readonly cum: number;
  readonly flatText: string;
  readonly cumText: string;
  readonly flatPct: string;
  readonly cumPct: string;
  /** Label-set and size tags ("pod:web-1", "8kB"), heaviest flat first. */
  readonly tags: readonly { name: string; flat: number; cum: number }[];
}

export interface CallGraphEdge {
  /** Indices into `nodes`. */
  readonly src: number;
  readonly dst: number;
  readonly weight: number;
  readonly weightText: string;
  /** The call goes through nodes that were pruned (pprof draws it dotted). */
  readonly residual: boolean;
  readonly inline: boolean;
}

export interface CallGraph {
  readonly nodes: readonly CallGraphNode[];
  /** Heaviest first. */
  readonly edges: readonly CallGraphEdge[];
  readonly legend: readonly string[];
  readonly total: number;
}

const tagName = (key: string): string => key.slice(key.indexOf('\u0000') + 1);

export function callGraph(v: Prepared, o: PruneParams = {}): CallGraph {
  const nodeFraction = o.nf ?? DEFAULT_NODE_FRACTION;
  const edgeFraction = o.ef ?? DEFAULT_EDGE_FRACTION;
  const bytesUnit = numLabelUnits(v.profile).get('bytes') ?? 'bytes';
  const pruned = prunedGraph(v.profile, v.table, {
    valueIndex: v.valueIndex,
    nodeCount: o.n ?? DEFAULT_NODE_COUNT,
    nodeFraction,
    edgeFraction,
    visual: true,
    formatBytes: (x) => label(x, bytesUnit),
  });
  const g = pruned.graph.nodes;
  const unit = v.sampleType.unit;
  const formatValue = valueFormatter(unit, selectOutputUnit(g, v.total, unit));
  const index = new Map(g.map((n, i) => [n.id, i]));
  const nodes = g.map((n): CallGraphNode => ({
    name: n.name,
    flat: n.flat,
    cum: n.cum,
    flatText: formatValue(n.flat),
    cumText: formatValue(n.cum),
    flatPct: percentage(n.flat, v.total).trim(),
    cumPct: percentage(n.cum, v.total).trim(),
    tags: [...n.tags]
      .map(([k, t]) => ({ name: tagName(k), flat: t.flat, cum: t.cum }))
      .sort((a, b) => Math.abs(b.flat) - Math.abs(a.flat) || compareGo(a.name, b.name)),
  }));
  const edges = sortEdges(
    g.flatMap((n) => [...n.out.values()]),
    v.table.names,
  ).flatMap((e): CallGraphEdge[] => {
    const src = index.get(e.src);
    const dst = index.get(e.dst);
    if (src === undefined || dst === undefined) return [];
    return [{ src, dst, weight: e.weight, weightText: formatValue(e.weight), residual: e.residual, inline: e.inline }];
  });
  const shownTotal = g.reduce((s, n) => s + n.flat, 0);
  const ctx: LegendContext = { profile: v.profile, sampleType: v.sampleType.type, sampleUnit: unit, total: v.total, formatValue };
  const legend = [
    ...profileLabels(ctx),
    ...activeFilterLabels(v.activeFilters),
    ...shownLabels(ctx, {
      shownTotal,
      nodeCount: g.length,
      origCount: pruned.origCount,
      droppedNodes: pruned.droppedNodes,
      droppedEdges: pruned.droppedEdges,
      nodeFraction,
      edgeFraction,
    }),
  ];
  return { nodes, edges, legend, total: v.total };
}
