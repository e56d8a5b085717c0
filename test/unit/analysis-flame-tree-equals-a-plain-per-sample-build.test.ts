// The flame tree's typed-array build (stack groups, the trie's first-child
// records and hash slots) gives exactly what the plain definition gives: each
// sample with a non-zero value walked root first through a Map of (parent,
// key) → child, in sample order, with children sorted by |total| (ties in
// creation order). Node ids, columns, sums and child order are compared on
// the golden profiles, a synthetic one with many repeated stacks, pivots both
// ways, and values that are not integers or whose sum passes 2^53 (not
// grouped: sums in sample order).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { withSamples } from '../../src/analysis/model.ts';
import { prepare, type Prepared } from '../../src/analysis/prepare.ts';
import { compileRegex } from '../../src/analysis/regex.ts';
import { groupStacks, stackIdsOf } from '../../src/analysis/stack-groups.ts';
import { flameTable, type FlameOptions } from '../../src/analysis/tree.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { syntheticProfile } from '../kit/browser/synthetic-profile.ts';
import { loadProfile } from '../kit/profiles/goldens.ts';

interface Plain {
  parent: number[];
  key: number[];
  depth: number[];
  total: number[];
  self: number[];
  children: number[][];
}

/** The flame tree by its definition, one sample at a time. */
function plainFlame(v: Prepared, o: FlameOptions): Plain {
  const match = o.pivot ? compileRegex('pivot', o.pivot) : undefined;
  const t: Plain = { parent: [-1], key: [0], depth: [0], total: [0], self: [0], children: [[]] };
  const child = new Map<string, number>();
  for (const s of v.profile.samples) {
    const value = s.values[v.valueIndex] ?? 0;
    if (value === 0) continue;
    const keys: number[] = [];
    for (const l of [...s.locations].reverse()) {
      const ids = v.table.locationNodes[l] ?? [];
      ids.forEach((_, j) => keys.push(2 * (ids[ids.length - 1 - j] as number) + (j === 0 ? 0 : 1)));
    }
    let path = keys;
    if (match) {
      const at = keys.findIndex((k) => match(v.table.names[k >> 1] ?? ''));
      if (at < 0) continue;
      path = o.callers ? keys.slice(0, at + 1).reverse() : keys.slice(at);
    }
    let at = 0;
    t.total[0] = (t.total[0] as number) + value;
    for (const k of path) {
      let c = child.get(`${at}:${k}`);
      if (c === undefined) {
        c = t.parent.length;
        child.set(`${at}:${k}`, c);
        t.parent.push(at);
        t.key.push(k);
        t.depth.push((t.depth[at] as number) + 1);
        t.total.push(0);
        t.self.push(0);
        t.children.push([]);
        t.children[at]?.push(c);
      }
      t.total[c] = (t.total[c] as number) + value;
      at = c;
    }
    t.self[at] = (t.self[at] as number) + value;
  }
  for (const list of t.children) list.sort((a, b) => Math.abs(t.total[b] as number) - Math.abs(t.total[a] as number) || a - b);
  return t;
}

function assertSame(v: Prepared, o: FlameOptions, what: string): void {
  const c = flameTable(v, o).columns;
  const want = plainFlame(v, o);
  assert.equal(c.size, want.parent.length, `${what}: node count`);
  assert.deepEqual(Array.from(c.parent), want.parent, `${what}: parents`);
  assert.deepEqual(Array.from(c.key), want.key, `${what}: keys`);
  assert.deepEqual(Array.from(c.depth), want.depth, `${what}: depths`);
  assert.deepEqual(Array.from(c.total), want.total, `${what}: totals`);
  assert.deepEqual(Array.from(c.self), want.self, `${what}: self values`);
  const children = want.children.map((_, n) => Array.from(c.children.subarray(c.childStart[n], c.childStart[n + 1])));
  assert.deepEqual(children, want.children, `${what}: children`);
}

const OPTIONS: [string, FlameOptions][] = [
  ['whole', {}],
  ['callees of main', { pivot: 'main' }],
  ['callers of runtime', { pivot: 'runtime', callers: true }],
];

for (const name of ['cpu', 'heap', 'goroutine', 'merged-cpu', 'hostile']) {
  test(`${name}: the flame tree equals the plain per-sample build, whole and pivoted, at each granularity`, async () => {
    const m = await loadProfile(name);
    for (const g of ['functions', 'filefunctions', 'lines'] as const) {
      for (const [what, o] of OPTIONS) assertSame(prepare(m, { g }), o, `${g}, ${what}`);
    }
  });
}

test('a synthetic profile with many repeated stacks: the same tree, whole and pivoted', async () => {
  const bytes = syntheticProfile({ functions: 400, locations: 1500, stacks: 3000, samples: 40_000, seed: 7 });
  const v = prepare(fromPprof(await decodeProfile(bytes, nodeGunzip())));
  assert.ok(v.profile.samples.length > 3 * new Set(v.profile.samples.map((s) => s.locations.join())).size, 'stacks repeat');
  for (const [what, o] of [...OPTIONS, ['callers of pkg1', { pivot: 'pkg1[0-9]', callers: true }] as [string, FlameOptions]])
    assertSame(v, o, what);
});

test('stacks numbered as the profile is decoded group the samples as grouping by content does, and equal stacks share one array', async () => {
  const v = prepare(
    fromPprof(
      await decodeProfile(syntheticProfile({ functions: 400, locations: 1500, stacks: 3000, samples: 40_000, seed: 9 }), nodeGunzip()),
    ),
  );
  const samples = v.profile.samples;
  assert.ok(stackIdsOf(samples), 'fromPprof recorded the ids');
  const copy = [...samples];
  assert.equal(stackIdsOf(copy), undefined, 'another array has none');
  const recorded = groupStacks(samples, v.valueIndex);
  const byContent = groupStacks(copy, v.valueIndex);
  assert.ok(recorded && byContent);
  assert.ok(recorded.size < samples.length / 3, 'stacks repeat');
  assert.deepEqual(
    [recorded.size, Array.from(recorded.first), Array.from(recorded.value)],
    [byContent.size, Array.from(byContent.first), Array.from(byContent.value)],
  );
  const arrays = new Set(samples.map((s) => s.locations));
  assert.equal(arrays.size, new Set(samples.map((s) => s.locations.join())).size, 'one array per distinct stack');
});

test('a synthetic profile of mostly distinct stacks (the tables grow): the same tree', async () => {
  const v = prepare(
    fromPprof(
      await decodeProfile(syntheticProfile({ functions: 3000, locations: 9000, stacks: 30_000, samples: 30_000, seed: 3 }), nodeGunzip()),
    ),
  );
  assertSame(v, {}, 'whole');
});

test('values that are not integers, or whose sum passes 2^53, give the sums in sample order', async () => {
  const v = prepare(await loadProfile('cpu'));
  const scaled = (f: (x: number) => number): Prepared => ({
    ...v,
    profile: withSamples(
      v.profile,
      v.profile.samples.map((s) => ({ ...s, values: s.values.map(f) })),
    ),
  });
  assertSame(
    scaled((x) => x / 3),
    {},
    'thirds',
  );
  assertSame(
    scaled((x) => (x === 0 ? 0 : x * 2 ** 40 + 1)),
    {},
    'past 2^53',
  );
  assertSame(
    scaled((x) => -x),
    {},
    'negative',
  );
});
