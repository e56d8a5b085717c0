// The flame graph's data: a prefix tree of stacks from a synthetic root
// (callers above callees), one child per (node, inlined) pair as pprof's flame
// graph does, with each node's total (its box width) and self value. A pivot
// regex re-roots it at the root-most frame matching in each stack, either
// downwards (the callees of the match) or upwards (its callers, inverted).
// Nodes are in creation order; children never precede their parent.
import type { Prepared } from './prepare.ts';
import { compileRegex } from './regex.ts';

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

export interface FlameOptions {
  /** Re-root at the root-most frame matching this regex in each stack; stacks without one are left out. */
  readonly pivot?: string;
  /** With a pivot: show its callers (inverted tree) instead of its callees. */
  readonly callers?: boolean;
}

interface Step {
  readonly node: number;
  readonly inline: boolean;
}

/** A sample's frames root first, as (node id, inlined) steps. */
function rootFirst(v: Prepared, locations: readonly number[]): Step[] {
  const steps: Step[] = [];
  for (let i = locations.length - 1; i >= 0; i--) {
    const ids = v.table.locationNodes[locations[i] ?? -1] ?? [];
    for (let j = ids.length - 1; j >= 0; j--) steps.push({ node: ids[j] ?? -1, inline: j !== ids.length - 1 });
  }
  return steps;
}

function pivoted(v: Prepared, steps: Step[], match: (name: string) => boolean, callers: boolean): Step[] | undefined {
  const at = steps.findIndex((s) => match(v.table.names[s.node] ?? ''));
  if (at < 0) return undefined;
  return callers ? steps.slice(0, at + 1).reverse() : steps.slice(at);
}

export function flameTree(v: Prepared, o: FlameOptions = {}): FlameTree {
  const match = o.pivot ? compileRegex('pivot', o.pivot) : undefined;
  const nodes: FlameNode[] = [{ name: '', inline: false, parent: -1, depth: 0, total: 0, self: 0, children: [] }];
  const index = new Map<number, number>();
  const width = 2 * v.table.infos.length;
  for (const s of v.profile.samples) {
    const value = s.values[v.valueIndex] ?? 0;
    if (value === 0) continue;
    let steps = rootFirst(v, s.locations);
    if (match) {
      const p = pivoted(v, steps, match, o.callers === true);
      if (!p) continue;
      steps = p;
    }
    let at = 0;
    (nodes[0] as FlameNode).total += value;
    for (const step of steps) {
      const key = at * width + 2 * step.node + (step.inline ? 1 : 0);
      let child = index.get(key);
      if (child === undefined) {
        const parent = nodes[at] as FlameNode;
        child = nodes.length;
        nodes.push({ name: v.table.names[step.node] ?? '', inline: step.inline, parent: at, depth: parent.depth + 1, total: 0, self: 0, children: [] });
        parent.children.push(child);
        index.set(key, child);
      }
      (nodes[child] as FlameNode).total += value;
      at = child;
    }
    (nodes[at] as FlameNode).self += value;
  }
  for (const n of nodes) n.children.sort((a, b) => Math.abs(nodes[b]?.total ?? 0) - Math.abs(nodes[a]?.total ?? 0));
  return { nodes, total: v.total };
}
