// The views without a pprof text golden of their own (flame graph tree, source
// lines) checked against the golden-verified graph numbers, plus Go's number
// formatting on the exact ties where JavaScript rounds differently.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentage, scaledLabel } from '../../src/analysis/format.ts';
import { goFixed, goG } from '../../src/analysis/gofloat.ts';
import { sourceLines } from '../../src/analysis/lines.ts';
import { prepare, type Prepared } from '../../src/analysis/prepare.ts';
import { top } from '../../src/analysis/top.ts';
import { flameTree, type FlameTree } from '../../src/analysis/tree.ts';
import { loadProfile } from '../kit/profiles/goldens.ts';

/** Node name → cum as the unpruned graph says (graph cum is golden-checked against pprof). */
function cums(v: Prepared): Map<string, number> {
  return new Map(top(v, { nf: 0 }).rows.map((r) => [r.name, r.cum]));
}

/** Sum of totals of each name's outermost occurrences on every root-to-leaf path. */
function outermostTotals(t: FlameTree): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (i: number, open: Set<string>): void => {
    const n = t.nodes[i]!;
    const fresh = i !== 0 && !open.has(n.name);
    if (fresh) out.set(n.name, (out.get(n.name) ?? 0) + n.total);
    const next = fresh ? new Set(open).add(n.name) : open;
    for (const c of n.children) walk(c, next);
  };
  walk(0, new Set());
  return out;
}

for (const name of ['cpu', 'heap', 'goroutine', 'merged-cpu']) {
  test(`${name}: the flame graph's boxes add up to pprof's cum per node, and each box to its children plus self`, async () => {
    const v = prepare(await loadProfile(name), { g: 'filefunctions' });
    const tree = flameTree(v);
    assert.deepEqual(outermostTotals(tree), cums(v));
    for (const n of tree.nodes) {
      const children = n.children.reduce((s, c) => s + tree.nodes[c]!.total, 0);
      assert.equal(n.total, children + n.self);
    }
  });
}

test('a pivot shows the callees and the callers of the matching frames, each totalling its cum', async () => {
  const v = prepare(await loadProfile('cpu'));
  const cum = cums(v).get('main.burnSHA256');
  const callees = flameTree(v, { pivot: '^main\\.burnSHA256$' });
  const callers = flameTree(v, { pivot: '^main\\.burnSHA256$', callers: true });
  assert.equal(callees.nodes[0]!.total, cum);
  assert.equal(callers.nodes[0]!.total, cum);
  assert.deepEqual(
    callees.nodes[0]!.children.map((c) => callees.nodes[c]!.name),
    ['main.burnSHA256'],
  );
  assert.ok(callers.nodes.some((n) => n.name === 'main.cpuBurner' && n.depth === 2));
});

test('source lines carry the flat and cum of every file:line node', async () => {
  const v = prepare(await loadProfile('cpu'), { g: 'lines' });
  const want = cums(v);
  const flat = new Map(top(v, { nf: 0 }).rows.map((r) => [r.name, r.flat]));
  const files = sourceLines(prepare(await loadProfile('cpu')));
  let count = 0;
  for (const f of files) {
    for (const l of f.lines) {
      const key = `${l.function} ${f.file}:${l.line}`;
      assert.equal(l.cum, want.get(key), key);
      assert.equal(l.flat, flat.get(key), key);
      count++;
    }
  }
  assert.equal(count, want.size);
  assert.ok(files[0]!.file.endsWith('workload.go'));
});

test('values are formatted with Go rounding (half to even on exact ties)', () => {
  assert.equal(goFixed(1.125, 2), '1.12');
  assert.equal(goFixed(1.375, 2), '1.38');
  assert.equal(goFixed(0.005, 2), '0.01'); // 0.005 is slightly above 5/1000 in binary
  assert.equal(goFixed(-0.001, 2), '-0.00');
  assert.equal(goG(0.125, 2), '0.12');
  assert.equal(goG(0.00001234, 2), '1.2e-05');
  assert.equal(goG(0.5, 2), '0.5');
  assert.equal(scaledLabel(1152, 'bytes', 'minimum'), '1.12kB');
  assert.equal(scaledLabel(1_500_000_000, 'nanoseconds', 'minimum'), '1.50s');
  assert.equal(scaledLabel(10_000_000, 'nanoseconds', 'minimum'), '10ms');
  assert.equal(scaledLabel(524288, 'bytes', 'minimum'), '512kB');
  assert.equal(scaledLabel(42, 'count', 'count'), '42');
  assert.equal(percentage(1, 3), '33.33%');
  assert.equal(percentage(1, 1000), '  0.1%');
  assert.equal(percentage(1, 1), '  100%');
});
