// Walking the flame graph's data (analysis/flame-data.ts) on the page: names,
// children, hit testing by position and the path from the root.
import type { FlameData } from '../analysis/protocol.ts';

export function nameOf(l: FlameData, n: number): string {
  return n === 0 ? '' : (l.names[(l.columns.key[n] ?? 0) >> 1] ?? '');
}

export function isInline(l: FlameData, n: number): boolean {
  return ((l.columns.key[n] ?? 0) & 1) === 1;
}

/** Node n's children, heaviest first. */
export function childrenOf(l: FlameData, n: number): Int32Array {
  return l.columns.children.subarray(l.columns.childStart[n] ?? 0, l.columns.childStart[n + 1] ?? 0);
}

/** The deepest node under `from` covering fraction `frac` at `depth` (-1 if none). */
export function nodeAt(l: FlameData, from: number, depth: number, frac: number): number {
  const c = l.columns;
  let n = from;
  while (n >= 0 && n < c.size) {
    const d = c.depth[n] as number;
    if (d === depth) return n;
    if (d > depth) return -1;
    n = childrenOf(l, n).find((child) => frac >= (l.x[child] as number) && frac < (l.x[child] as number) + (l.w[child] as number)) ?? -1;
  }
  return -1;
}

/** `n` and its ancestors, root first. */
export function ancestry(l: FlameData, n: number): number[] {
  const out: number[] = [];
  for (let at = n; at >= 0; at = l.columns.parent[at] ?? -1) out.push(at);
  return out.reverse();
}
