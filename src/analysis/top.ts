// The Top view (`go tool pprof -top`): flat, flat%, sum%, cum, cum% per node,
// sorted by flat then name, after pprof's pruning (nodes under nf of the
// total dropped, at most n nodes), all values in one unit chosen for the table.
import { valueFormatter, percentage, selectOutputUnit } from './format.ts';
import { activeFilterLabels, profileLabels, shownLabels, type LegendContext } from './header.ts';
import type { Prepared } from './prepare.ts';
import { prunedGraph } from './prune.ts';

export interface PruneParams {
  /** Node count (pprof `n`; 0 = all, the -top default). */
  readonly n?: number;
  /** Node fraction (`nf`, default 0.005) and edge fraction (`ef`, default 0.001). */
  readonly nf?: number;
  readonly ef?: number;
  /** Sort by cum (pprof -cum). */
  readonly cum?: boolean;
}

export type InlineLabel = '' | 'inline' | 'partial-inline';

export interface TopRow {
  readonly name: string;
  /** "(inline)" when every call into the node was inlined, "(partial-inline)" when some were. */
  readonly inline: InlineLabel;
  readonly flat: number;
  readonly cum: number;
  /** Running sum of flat down the table. */
  readonly sum: number;
  readonly flatText: string;
  readonly cumText: string;
  readonly flatPct: string;
  readonly sumPct: string;
  readonly cumPct: string;
}

export interface TopReport {
  readonly rows: readonly TopRow[];
  readonly total: number;
  readonly shownTotal: number;
  /** The unit every value of the table is written in ("s", "ms", "MB", "count" …). */
  readonly outputUnit: string;
  /** Header lines as pprof prints them (File, Type, …, Showing nodes accounting for …). */
  readonly legend: readonly string[];
  readonly formatValue: (v: number) => string;
}

export const DEFAULT_NODE_FRACTION = 0.005;
export const DEFAULT_EDGE_FRACTION = 0.001;

function inlineLabel(edges: Iterable<{ inline: boolean }>): InlineLabel {
  let inline = false;
  let noinline = false;
  for (const e of edges) {
    if (e.inline) inline = true;
    else noinline = true;
  }
  if (!inline) return '';
  return noinline ? 'partial-inline' : 'inline';
}

export function top(v: Prepared, o: PruneParams = {}): TopReport {
  const nodeFraction = o.nf ?? DEFAULT_NODE_FRACTION;
  const edgeFraction = o.ef ?? DEFAULT_EDGE_FRACTION;
  const pruned = prunedGraph(v.profile, v.table, {
    valueIndex: v.valueIndex,
    nodeCount: o.n ?? 0,
    nodeFraction,
    edgeFraction,
    cumSort: o.cum,
  });
  const nodes = pruned.graph.nodes;
  const unit = v.sampleType.unit;
  const outputUnit = selectOutputUnit(nodes, v.total, unit);
  const formatValue = valueFormatter(unit, outputUnit);
  let sum = 0;
  const rows = nodes.map((n): TopRow => {
    sum += n.flat;
    return {
      name: n.name,
      inline: inlineLabel(n.in.values()),
      flat: n.flat,
      cum: n.cum,
      sum,
      flatText: formatValue(n.flat),
      cumText: formatValue(n.cum),
      flatPct: percentage(n.flat, v.total),
      sumPct: percentage(sum, v.total),
      cumPct: percentage(n.cum, v.total),
    };
  });
  const ctx: LegendContext = { profile: v.profile, sampleType: v.sampleType.type, sampleUnit: unit, total: v.total, formatValue };
  const shown = {
    shownTotal: sum,
    nodeCount: nodes.length,
    origCount: pruned.origCount,
    droppedNodes: pruned.droppedNodes,
    droppedEdges: 0,
  };
  const legend = [
    ...profileLabels(ctx),
    ...activeFilterLabels(v.activeFilters),
    ...shownLabels(ctx, { ...shown, nodeFraction, edgeFraction }),
  ];
  return { rows, total: v.total, shownTotal: sum, outputUnit, legend, formatValue };
}
