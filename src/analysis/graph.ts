// pprof's call graph (internal/graph.newGraph): one node per NodeInfo at the
// chosen granularity, flat (leaf) and cum values where a node that recurs in a
// stack counts once for cum, and caller→callee edges counted once per sample.
// A `kept` set rebuilds the graph over fewer nodes: stacks skip the others and
// the edges that jump over them are "residual".
import { printableName, nodeInfo, nodeKey, type Granularity, type NodeInfo } from './granularity.ts';
import type { ProfileModel, Sample } from './model.ts';
import { stackWalks } from './stack-groups.ts';

export interface GraphEdge {
  readonly src: number;
  readonly dst: number;
  weight: number;
  residual: boolean;
  inline: boolean;
}

export interface GraphNode {
  /** Index in the node table: stable across rebuilds of the same table. */
  readonly id: number;
  readonly info: NodeInfo;
  readonly name: string;
  flat: number;
  cum: number;
  /** Edges keyed by the other end's id. */
  readonly in: Map<number, GraphEdge>;
  readonly out: Map<number, GraphEdge>;
  /** Label-set tags ("pod:web-1") and numeric "bytes" tags, collected only when asked (graph view nodelets). */
  readonly tags: Map<string, { flat: number; cum: number }>;
}

/** The nodes of a profile at one granularity, and which nodes each location's frames map to. */
export interface NodeTable {
  readonly infos: readonly NodeInfo[];
  readonly names: readonly string[];
  /** Per location index: node ids of its frames, innermost first. */
  readonly locationNodes: readonly (readonly number[])[];
}

export function nodeTable(p: ProfileModel, g: Granularity): NodeTable {
  const ids = new Map<string, number>();
  const infos: NodeInfo[] = [];
  const intern = (info: NodeInfo): number => {
    const key = nodeKey(info);
    let id = ids.get(key);
    if (id === undefined) {
      id = infos.length;
      ids.set(key, id);
      infos.push(info);
    }
    return id;
  };
  const locationNodes = p.locations.map((loc) =>
    loc.frames.length === 0
      ? [intern(nodeInfo(undefined, loc.mapping, g))]
      : loc.frames.map((fi) => intern(nodeInfo(p.frames[fi], loc.mapping, g))),
  );
  return { infos, names: infos.map(printableName), locationNodes };
}

export interface GraphOptions {
  readonly valueIndex: number;
  /** Node ids to keep (all when undefined). */
  readonly kept?: ReadonlySet<number>;
  /** Collect per-node tags (only the graph view needs them). */
  readonly tags?: boolean;
  /** Formats a numeric "bytes" label for a tag name (the graph view passes the report's formatter). */
  readonly formatBytes?: (v: number, unit: string) => string;
}

export interface Graph {
  /** Nodes with a non-zero flat or cum, unsorted. */
  readonly nodes: GraphNode[];
}

class Builder {
  readonly all: (GraphNode | undefined)[];

  constructor(private readonly table: NodeTable) {
    this.all = new Array<GraphNode | undefined>(table.infos.length).fill(undefined); // dense, not a sparse dictionary
  }

  node(id: number): GraphNode {
    let n = this.all[id];
    if (!n) {
      const info = this.table.infos[id] as NodeInfo;
      n = { id, info, name: this.table.names[id] ?? '', flat: 0, cum: 0, in: new Map(), out: new Map(), tags: new Map() };
      this.all[id] = n;
    }
    return n;
  }

  /** Edges by src·width+dst, each with the last sample that counted it. */
  private readonly edges = new Map<number, { e: GraphEdge; stamp: number }>();

  /** Adds `w` to the edge src→dst unless this sample (`stamp`) already did. */
  edge(src: GraphNode, dst: GraphNode, w: number, residual: boolean, inline: boolean, stamp: number): void {
    const key = src.id * this.table.infos.length + dst.id;
    const known = this.edges.get(key);
    if (known) {
      if (known.stamp === stamp) return;
      known.stamp = stamp;
      known.e.weight += w;
      if (residual) known.e.residual = true;
      if (!inline) known.e.inline = false;
      return;
    }
    const e: GraphEdge = { src: src.id, dst: dst.id, weight: w, residual, inline };
    this.edges.set(key, { e, stamp });
    src.out.set(dst.id, e);
    dst.in.set(src.id, e);
  }
}

function addTags(n: GraphNode, tagNames: readonly string[], w: number, flat: boolean): void {
  for (const t of tagNames) {
    let tag = n.tags.get(t);
    if (!tag) n.tags.set(t, (tag = { flat: 0, cum: 0 }));
    if (flat) tag.flat += w;
    else tag.cum += w;
  }
}

/** The sample's tag names: its sorted "key:value" labels joined (pprof's joinLabels), then "bytes" values. */
function sampleTags(s: ProfileModel['samples'][number], o: GraphOptions): string[] {
  const labels: string[] = [];
  for (const [k, vals] of s.labels) for (const v of vals) if (k !== 'pprof::base') labels.push(`${k}:${v}`);
  const joined = labels.sort().join('\\n');
  const out = joined === '' ? [] : [joined];
  const fmt = o.formatBytes ?? ((v: number) => String(v));
  for (const v of s.numLabels.get('bytes') ?? []) out.push(`${joined}\u0000${fmt(v.value, v.unit || 'bytes')}`);
  return out;
}

interface SampleWalk {
  readonly w: number;
  readonly tags: readonly string[];
  readonly stamp: number;
}

/** Adds one sample: cum once per node, each caller→callee edge once, flat to the leaf if it was kept. */
function addSample(b: Builder, table: NodeTable, o: GraphOptions, locations: readonly number[], s: SampleWalk, seen: Int32Array): void {
  let parent: GraphNode | undefined;
  let residual = false;
  for (let i = locations.length - 1; i >= 0; i--) {
    const ids = table.locationNodes[locations[i] ?? -1] ?? [];
    for (let ni = ids.length - 1; ni >= 0; ni--) {
      const id = ids[ni] ?? -1;
      if (o.kept && !o.kept.has(id)) {
        residual = true;
        continue;
      }
      const n = b.node(id);
      if (seen[id] !== s.stamp) {
        seen[id] = s.stamp;
        n.cum += s.w;
        addTags(n, s.tags, s.w, false);
      }
      if (parent && parent !== n) b.edge(parent, n, s.w, residual, ni !== ids.length - 1, s.stamp);
      parent = n;
      residual = false;
    }
  }
  if (parent && !residual) {
    parent.flat += s.w;
    addTags(parent, s.tags, s.w, true);
  }
}

/** Builds pprof's graph of `p` over `table` (which must come from `p`'s locations). */
export function buildGraph(p: ProfileModel, table: NodeTable, o: GraphOptions): Graph {
  const b = new Builder(table);
  const seen = new Int32Array(table.infos.length);
  let stamp = 0;
  // Without tags a sample adds its value along its stack only, so each distinct stack is walked once with its
  // samples' sum where that is exact (stackWalks). A group's first sample is its stack's first appearance, so nodes
  // and edges are made in the same order as sample by sample. Tags differ from sample to sample: then each is walked.
  const walks = stackWalks(p.samples, o.valueIndex, !o.tags);
  for (let i = 0; i < walks.size; i++) {
    const s = p.samples[walks.first[i] as number] as Sample;
    const w = walks.value[i] as number;
    addSample(b, table, o, s.locations, { w, tags: o.tags ? sampleTags(s, o) : [], stamp: ++stamp }, seen);
  }
  const nodes = b.all.filter((n): n is GraphNode => n !== undefined && (n.cum !== 0 || n.flat !== 0));
  return { nodes };
}
