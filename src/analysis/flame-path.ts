// A frame of one flame tree found in another by its path of function names
// from the root: what keeps two flame graphs side by side (two captures,
// before and after a deploy) zoomed on the same code. Trees from two
// profiles number their nodes and names differently; the path of (name,
// inlined) pairs is what they share. A path the other tree does not have in
// full matches its deepest common prefix (the closest caller both have). Pure.
import type { FlameColumns } from './tree.ts';

/** What walking a flame tree needs: flameTable's columns and names (FlameData on the page has both). */
export interface FlameShape {
  readonly columns: Pick<FlameColumns, 'size' | 'parent' | 'key' | 'childStart' | 'children'>;
  readonly names: readonly string[];
}

export interface Frame {
  readonly name: string;
  readonly inline: boolean;
}

export interface PathMatch {
  /** The node reached: the whole path's, or its deepest prefix's (0, the root, when not even the first frame is there). */
  readonly node: number;
  /** How many frames of the path it matched. */
  readonly matched: number;
  /** The whole path matched. */
  readonly exact: boolean;
}

/** The frames from the root's child down to node n (empty for the root, or a node not in the tree). */
export function framePath(t: FlameShape, n: number): Frame[] {
  const c = t.columns;
  if (!Number.isInteger(n) || n <= 0 || n >= c.size) return [];
  const out: Frame[] = [];
  for (let at = n; at > 0; at = c.parent[at] ?? -1) {
    const key = c.key[at] ?? 0;
    out.push({ name: t.names[key >> 1] ?? '', inline: (key & 1) === 1 });
  }
  return out.reverse();
}

/** The child of node n with this frame (a flame tree's children are unique by name and inlining), or -1. */
function childWith(t: FlameShape, n: number, f: Frame): number {
  const c = t.columns;
  for (let j = c.childStart[n] ?? 0; j < (c.childStart[n + 1] ?? 0); j++) {
    const child = c.children[j] ?? -1;
    const key = c.key[child] ?? 0;
    if ((key & 1) === (f.inline ? 1 : 0) && t.names[key >> 1] === f.name) return child;
  }
  return -1;
}

/** The node of `t` at the end of `path` from its root, or the deepest prefix of it `t` has. */
export function findPath(t: FlameShape, path: readonly Frame[]): PathMatch {
  let node = 0;
  let matched = 0;
  for (const f of path) {
    const next = childWith(t, node, f);
    if (next < 0) break;
    node = next;
    matched++;
  }
  return { node, matched, exact: matched === path.length };
}

/** Node n of `from` in `to`: the same path of frames, or its deepest common prefix. */
export function matchFrame(from: FlameShape, n: number, to: FlameShape): PathMatch {
  return findPath(to, framePath(from, n));
}
