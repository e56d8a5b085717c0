// The flame graph's data, built in the worker: the flame tree as typed arrays
// (src/analysis/tree.ts), each node's x and width as fractions of the root,
// the search matches and, for a diff, the signed totals. A diff's widths come
// from the tree of absolute values and its colours from the signed one: both
// trees are built from the same samples in the same order, so node i is the
// same stack in both.
import { withSamples } from '../../../../src/analysis/model.ts';
import type { Prepared } from '../../../../src/analysis/prepare.ts';
import { compileRegex } from '../../../../src/analysis/regex.ts';
import { flameTable, type FlameColumns, type FlameOptions } from '../../../../src/analysis/tree.ts';
import type { FlameData } from './protocol.ts';

function absolute(v: Prepared): Prepared {
  const samples = v.profile.samples.map((s) => ({ ...s, values: s.values.map(Math.abs) }));
  return { ...v, profile: withSamples(v.profile, samples) };
}

function geometry(c: FlameColumns): { x: Float64Array; w: Float64Array; maxDepth: number } {
  const x = new Float64Array(c.size);
  const w = new Float64Array(c.size);
  const rootTotal = Math.abs(c.total[0] ?? 0) || 1;
  let maxDepth = 0;
  w[0] = 1;
  for (let n = 0; n < c.size; n++) {
    maxDepth = Math.max(maxDepth, c.depth[n] as number);
    let at = x[n] as number;
    for (let j = c.childStart[n] as number; j < (c.childStart[n + 1] as number); j++) {
      const child = c.children[j] as number;
      const cw = Math.abs(c.total[child] as number) / rootTotal;
      x[child] = at;
      w[child] = cw;
      at += cw;
    }
  }
  return { x, w, maxDepth };
}

/** 1 for each node whose name the search matches (the root's name is ""). */
function searchMatches(c: FlameColumns, names: readonly string[], q: string): Uint8Array {
  const re = compileRegex('search', q);
  const memo = new Int8Array(names.length); // 0 unknown, 1 match, 2 no match
  const m = new Uint8Array(c.size);
  m[0] = re('') ? 1 : 0;
  for (let n = 1; n < c.size; n++) {
    const id = (c.key[n] as number) >> 1;
    if (memo[id] === 0) memo[id] = re(names[id] ?? '') ? 1 : 2;
    m[n] = memo[id] === 1 ? 1 : 0;
  }
  return m;
}

/** Sum of the totals of matched nodes that have no matched ancestor. */
function matchedTotal(c: FlameColumns, m: Uint8Array): number {
  const covered = new Uint8Array(c.size);
  let sum = 0;
  for (let n = 0; n < c.size; n++) {
    if (n > 0 && covered[c.parent[n] as number]) covered[n] = 1;
    else if (m[n]) {
      covered[n] = 1;
      sum += Math.abs(c.total[n] as number);
    }
  }
  return sum;
}

export function flameData(v: Prepared, o: FlameOptions, diff: boolean, q: string | undefined): FlameData {
  const startedAt = performance.timeOrigin + performance.now();
  const signed = flameTable(v, o);
  const t = diff ? flameTable(absolute(v), o) : signed;
  const matches = q ? searchMatches(t.columns, t.names, q) : undefined;
  const layout = geometry(t.columns);
  return {
    view: 'flame',
    columns: t.columns,
    names: t.names,
    ...layout,
    delta: diff ? signed.columns.total : undefined,
    matches,
    matchedTotal: matches ? matchedTotal(t.columns, matches) : 0,
    startedAt,
    builtAt: performance.timeOrigin + performance.now(),
  };
}

/** The buffers to transfer (not copy) to the page. */
export function flameBuffers(d: FlameData): ArrayBuffer[] {
  const c = d.columns;
  const arrays = [c.parent, c.key, c.depth, c.total, c.self, c.childStart, c.children, d.x, d.w, d.delta, d.matches];
  return [...new Set(arrays.filter((a) => a !== undefined).map((a) => a.buffer as ArrayBuffer))];
}
