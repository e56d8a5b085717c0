// The Peek view (`go tool pprof -peek=regex`): for each node whose printed
// name matches the (RE2) regex, its callers and callees with the weight of each
// call and its share of the node's cum. Unpruned, as pprof's peek.
import { percentage, selectOutputUnit, valueFormatter } from './format.ts';
import { activeFilterLabels, profileLabels, shownLabels, type LegendContext } from './header.ts';
import { sortEdges } from './order.ts';
import type { GraphEdge } from './graph.ts';
import type { Prepared } from './prepare.ts';
import { prunedGraph } from './prune.ts';
import { compileRegex } from './regex.ts';

export interface PeekCall {
  readonly name: string;
  readonly weight: number;
  readonly weightText: string;
  /** Share of the peeked node's cum. */
  readonly pct: string;
  readonly inline: boolean;
}

export interface PeekEntry {
  readonly name: string;
  readonly flat: number;
  readonly cum: number;
  readonly flatText: string;
  readonly cumText: string;
  readonly flatPct: string;
  /** Running flat sum over the matched nodes only. */
  readonly sumPct: string;
  readonly cumPct: string;
  readonly callers: readonly PeekCall[];
  readonly callees: readonly PeekCall[];
}

export interface PeekReport {
  readonly entries: readonly PeekEntry[];
  readonly legend: readonly string[];
}

export function peek(v: Prepared, regex: string): PeekReport {
  const re = compileRegex('peek', regex);
  const pruned = prunedGraph(v.profile, v.table, { valueIndex: v.valueIndex, nodeCount: 0, nodeFraction: 0, edgeFraction: 0 });
  const nodes = pruned.graph.nodes;
  const unit = v.sampleType.unit;
  const formatValue = valueFormatter(unit, selectOutputUnit(nodes, v.total, unit));
  const names = v.table.names;
  let flatSum = 0;
  const entries: PeekEntry[] = [];
  for (const n of nodes) {
    if (!re(n.name)) continue;
    flatSum += n.flat;
    const call = (e: GraphEdge, other: number): PeekCall => ({
      name: names[other] ?? '',
      weight: e.weight,
      weightText: formatValue(e.weight),
      pct: percentage(e.weight, n.cum),
      inline: e.inline,
    });
    entries.push({
      name: n.name,
      flat: n.flat,
      cum: n.cum,
      flatText: formatValue(n.flat),
      cumText: formatValue(n.cum),
      flatPct: percentage(n.flat, v.total),
      sumPct: percentage(flatSum, v.total),
      cumPct: percentage(n.cum, v.total),
      callers: sortEdges(n.in.values(), names).map((e) => call(e, e.src)),
      callees: sortEdges(n.out.values(), names).map((e) => call(e, e.dst)),
    });
  }
  const ctx: LegendContext = { profile: v.profile, sampleType: v.sampleType.type, sampleUnit: unit, total: v.total, formatValue };
  const shownTotal = nodes.reduce((s, n) => s + n.flat, 0);
  const legend = [
    ...profileLabels(ctx),
    ...activeFilterLabels(v.activeFilters),
    ...shownLabels(ctx, {
      shownTotal,
      nodeCount: nodes.length,
      origCount: pruned.origCount,
      droppedNodes: 0,
      droppedEdges: 0,
      nodeFraction: 0,
      edgeFraction: 0,
    }),
  ];
  return { entries, legend };
}
